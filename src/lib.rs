//! lsm keeps an lnd remote signer exactly as its operator declared it.
//!
//! The one path every command takes:
//! `signer.toml` → [`manifest`] (load, validate, resolve) → desired state →
//! runtime observer → observed state → diff → plan → executor → re-observe.

pub mod lnd;
