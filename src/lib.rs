//! lsm keeps an lnd remote signer exactly as its operator declared it.
//!
//! The one path every command takes:
//! `signer.toml` → manifest (load, validate, resolve) → desired state →
//! runtime observer → observed state → diff → plan → executor → re-observe.
//!
//! | module | job |
//! |---|---|
//! | [`cli`] | clap definitions, one file per command |
//! | [`manifest`] | signer.toml: load, check, resolve (with value provenance) |
//! | [`diagnostic`] | file:line:col errors with the source line underlined |
//! | [`lnd`] | protos, pinned-TLS client, typed errors, macaroon codec |
//! | [`error`], [`exit`] | the failure type and exit codes every command shares |
//! | [`output`] | JSON on stdout, humans and logs on stderr, colour rules |

pub mod cli;
pub mod diagnostic;
pub mod error;
pub mod exit;
pub mod lnd;
pub mod manifest;
pub mod output;
