//! lsm keeps an lnd remote signer exactly as its operator declared it.
//!
//! The one path every command takes:
//!
//! ```text
//! signer.toml ─load+check─▶ manifest::Resolved ─▶ desired (lnd.conf, wallet, scope, bundle)
//! runtime::Observer ─▶ observe::World (runtime objects + lnd's own state + secrets + bundle)
//! plan::build::plan(desired, world) ─▶ Plan ─▶ render (text) / document (JSON, saved plans)
//! apply::execute ─▶ runtime::Runtime + wallet + scope + bundle ─▶ observe again: must be empty
//! ```
//!
//! | layer | modules |
//! |---|---|
//! | 1. manifest → desired state | [`manifest`], [`diagnostic`], [`desired`] |
//! | 2. runtime observers → observed state | [`runtime`] (trait; [`runtime::docker`], [`runtime::native`]), [`docker`] (engine client), [`signer`] (lnd over gRPC), [`observe`] |
//! | 3. diff → plan of reasoned actions | [`plan`] (model, build, render, JSON, saved plans) with each resource's own diff: [`wallet::diff`], [`scope`], `bundle` |
//! | 4. executor → apply | [`apply`] (executor, lock, approval, progress), [`crashpoint`] |
//! | 5. lnd, wallet, bundle, secrets | [`lnd`] (protos, pinned TLS client, macaroon codec), [`wallet`], [`bundle`], [`secrets`], [`dirguard`] (whose directory it is), [`fsutil`], [`regular_file`], [`interrupt`] (cleanup on Ctrl-C) |
//! | commands | [`cli`] (one file per command), [`error`], [`exit`], [`output`], [`logging`] |

pub mod apply;
pub mod bundle;
pub mod cli;
pub mod crashpoint;
pub mod desired;
pub mod diagnostic;
pub mod dirguard;
pub mod docker;
pub mod error;
pub mod exit;
pub mod fsutil;
pub mod interrupt;
pub mod lnd;
pub mod logging;
pub mod manifest;
pub mod observe;
pub mod output;
pub mod plan;
pub mod regular_file;
pub mod runtime;
pub mod scope;
pub mod secrets;
pub mod signer;
pub mod wallet;
