//! The CLI edge of every error: lower layers return their own typed errors
//! (thiserror, causes chained with `#[source]`); here each becomes a
//! [`Failure`](crate::error::Failure), and only here are its exit code and
//! hints decided. Messages are the error's Display plus its source chain
//! ([`crate::error::chain`]).

mod apply;
mod bundle;
mod dirguard;
mod docker;
mod lnd;
mod manifest;
mod observe;
mod plan;
mod reconcile;
mod runtime;
mod secrets;
mod wallet;
mod watchonly;
