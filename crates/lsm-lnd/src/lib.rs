//! Everything lsm needs to speak to lnd: the generated protos, the
//! pinned-TLS gRPC client (and its read-only face for observation, the
//! reader), typed errors and the offline macaroon codec.

// Unit tests may be long (one scenario end to end); the code under test
// is held to clippy::too_many_lines by the non-test build.
#![cfg_attr(test, allow(clippy::too_many_lines))]

pub mod aez;
pub mod aezeed;
pub mod backoff;
pub mod client;
pub mod error;
pub mod fingerprint;
pub mod macaroon;
pub mod permissions;
pub mod probe;
pub mod proto;
pub mod reader;
pub mod tls;
