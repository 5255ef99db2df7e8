//! Everything lsm needs to speak to lnd: the generated protos, the
//! pinned-TLS gRPC client (and its read-only face for observation, the
//! reader), typed errors and the offline macaroon codec.

pub mod aezeed;
pub mod backoff;
pub mod client;
pub mod error;
pub mod fingerprint;
pub mod macaroon;
pub mod permissions;
pub mod proto;
pub mod reader;
pub mod tls;
