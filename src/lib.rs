//! lsm keeps an lnd remote signer exactly as its operator declared it.
//!
//! The one path every command takes:
//!
//! ```text
//! signer.toml ─load+check─▶ manifest::Resolved ─▶ desired (lnd.conf, wallet, scope, bundle)
//! runtime::Observer ─▶ observe::World (runtime objects + lnd's own state + secrets + bundle)
//! reconcile::build::plan(desired, world) ─▶ Plan ─▶ render (text) / document (JSON, saved plans)
//! apply::execute ─▶ runtime::Runtime + wallet + scope + bundle ─▶ observe again: must be empty
//! ```
//!
//! lsm is the core of a workspace: lnd's wire is the crate `lsm-lnd`
//! (protos, pinned-TLS client, macaroon codec, aezeed, backoff), the Docker
//! engine is `lsm-docker`; inside lsm they keep the names `lnd` and
//! `docker`. Items are `pub(crate)` unless the integration tests need
//! them, so the compiler finds dead code.
//!
//! Every resource has the same shape: it observes, then its diff returns
//! one `plan::PlanPart` (actions, blockers,
//! warnings, notes); the reconcile layer merges the parts and orders the
//! actions by each op's typed phase (`plan::op::Phase`: secrets → runtime →
//! wallet → renew → bake → export → revoke → prune); apply executes them.
//!
//! Errors are typed below the CLI: each layer returns its own `Error`
//! (thiserror, causes chained with `#[source]`), and only `cli::failure`
//! turns one into a command failure, deciding its exit code and hints (as
//! cargo keeps `CliError` at the edge). A test fails if a module below the
//! CLI names an exit code.
//!
//! The modules form layers, listed here from the bottom: each imports
//! only modules listed before it, so there is no import circle among them
//! (`scripts/import-circles.py` shows the imports; a test checks it).
//!
//! | layer | modules |
//! |---|---|
//! | 1. foundations | `exit`, `output`, `diagnostic`, [`error`], `logging`, [`crashpoint`](mod@crashpoint), `interrupt` (cleanup on Ctrl-C), `regular_file`, `fsutil`, `secrets`, [`dirguard`] (whose directory it is) |
//! | 2. manifest | [`manifest`] (types, checks, resolution with sources) |
//! | 3. the plan model | `plan` (addresses, actions, reasons, ops (each runtime's in its own vocabulary) and their phases, `PlanPart`, summary, JSON document, text render, saved plans); it names no resource |
//! | 4. resources, each deciding its own actions in plan types | [`scope`], [`bundle`], `wallet`, `watchonly`, `signer` (lnd over gRPC), `desired` (what the manifest means for them, and lnd.conf), `runtime` (the traits; `runtime::docker`, `runtime::native`; `runtime::choose`, the one place a runtime is picked by its kind) |
//! | 5. observed state | `observe` (the whole world, concurrently) |
//! | 6. desired + observed → plan | `reconcile` (every resource's diff into one ordered plan; the certificate, the bundle given the live signer, the watch-only node's plan, the restore rehearsal) |
//! | 7. executor → apply | `apply` (executor, lock, approval, progress) |
//! | 8. commands | [`cli`] (one file per command, `cli::fleet` for many manifests in one run, `cli::failure`: every layer's error as exit code, message and hints; [`cli::main`] is the binary) |

// Unit tests may be long (one scenario end to end); the code under test
// is held to clippy::too_many_lines by the non-test build.
#![cfg_attr(test, allow(clippy::too_many_lines))]

pub(crate) mod apply;
pub mod bundle;
pub mod cli;
pub mod crashpoint;
pub(crate) mod desired;
pub(crate) mod diagnostic;
pub mod dirguard;
pub mod error;
pub mod exit;
pub(crate) mod fsutil;
pub(crate) mod interrupt;
pub(crate) mod logging;
pub mod manifest;
pub(crate) mod observe;
pub(crate) mod output;
pub(crate) mod plan;
pub(crate) mod reconcile;
pub(crate) mod regular_file;
pub(crate) mod runtime;
pub mod scope;
pub(crate) mod secrets;
pub(crate) mod signer;
pub(crate) mod wallet;
pub(crate) mod watchonly;

/// lnd's wire layer is the workspace crate `lsm-lnd`; inside lsm it keeps
/// the name `lnd` (`crate::lnd::client`, `crate::lnd::macaroon`, ...).
use lsm_lnd as lnd;

/// The Docker engine layer is the workspace crate `lsm-docker`; inside lsm
/// it keeps the name `docker` (`crate::docker::DockerReader`, ...).
use lsm_docker as docker;
