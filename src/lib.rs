//! lsm keeps an lnd remote signer exactly as its operator declared it.
//!
//! The one path every command takes:
//! `signer.toml` → manifest (load, validate, resolve) → desired state →
//! runtime observer → observed state → diff → plan → executor → re-observe.
//!
//! | module | job |
//! |---|---|
//! | [`cli`] | clap definitions, one file per command |
//! | [`docker`] | Docker engine: endpoint, read-only observer, mutating writer, specs, events |
//! | [`lnd`] | protos, pinned-TLS client, typed errors, macaroon codec |
//! | [`error`], [`exit`] | the failure type and exit codes every command shares |
//! | [`output`] | JSON on stdout, humans and logs on stderr, colour rules |

pub mod apply;
pub mod bundle;
pub mod cli;
pub mod crashpoint;
pub mod desired;
pub mod docker;
pub mod error;
pub mod exit;
pub mod fsutil;
pub mod lnd;
pub mod output;
pub mod plan;
pub mod scope;
pub mod secrets;
pub mod wallet;
