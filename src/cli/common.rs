//! What the signer commands share: loading the manifest into the desired
//! state, and running a command on the manifest's runtime.
//!
//! A command body is written once, generically, as an [`ObserverTask`]
//! (plan, status: read-only) or a [`RuntimeTask`] (apply, destroy), and
//! [`with_observer`] / [`with_runtime`] run it on the runtime the manifest
//! names, which [`choose`] picks. Plan, apply, the commands and the wallet,
//! macaroon and bundle code never learn which one they face.

use crate::cli::Context;
use crate::desired::Desired;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::manifest::{self, Loaded};
use crate::plan::Plan;
use crate::runtime::choose;
pub(crate) use crate::runtime::choose::{ObserverTask, RuntimeTask};

/// Loads signer.toml (every problem rendered at once) and derives the
/// desired state.
pub(crate) fn load(ctx: &Context) -> Result<(Loaded, Desired), Failure> {
    let path = ctx.manifest_path();
    let loaded = manifest::load(&path)?;
    let desired = Desired::load(&loaded)?;
    Ok((loaded, desired))
}

/// Like [`load`], for removing a node: a watch-only node whose bundle can
/// no longer be read (deleted, moved, replaced by another network's) can
/// still be destroyed, since removing it needs nothing from the bundle.
/// The bundle's problem is printed as a warning.
pub(crate) fn load_for_removal(ctx: &Context) -> Result<(Loaded, Desired), Failure> {
    let path = ctx.manifest_path();
    let loaded = manifest::load(&path)?;
    match Desired::load(&loaded).map_err(Failure::from) {
        Ok(desired) => Ok((loaded, desired)),
        Err(f) if loaded.resolved.watchonly.is_some() => {
            if !ctx.output.quiet {
                anstream::eprintln!(
                    "warning: {}; removing the node does not need it",
                    crate::diagnostic::escape_line(&f.message)
                );
            }
            let desired = Desired::from_loaded(&loaded);
            Ok((loaded, desired))
        }
        Err(f) => Err(f),
    }
}

/// The failure of `command` (apply, destroy) when a protection blocks its
/// plan; the last hint says to run `lsm <rerun>` once the blockers are fixed. On a terminal the plan with its blockers was printed just above;
/// when it was not (`--json`, a saved plan) the message names each blocker
/// and the hints carry their fixes, so the one document a pipeline reads
/// says why (exit 5).
pub fn blocked(p: &Plan, command: &str, rerun: &str, plan_shown: bool) -> Failure {
    let retry = format!("fix what the blockers say, then run `lsm {rerun}` again");
    if plan_shown {
        return Failure::with_exit(
            Exit::Blocked,
            format!("{command} refused: a protection blocks this plan (see above)"),
        )
        .hint(retry);
    }
    let reasons: Vec<String> = p
        .blockers
        .iter()
        .map(|b| format!("{}: {}", b.address, b.reason))
        .collect();
    let failure = Failure::with_exit(
        Exit::Blocked,
        format!(
            "{command} refused: a protection blocks this plan: {}",
            reasons.join("; ")
        ),
    );
    p.blockers
        .iter()
        .fold(failure, |f, b| f.hint(b.fix.clone()))
        .hint(retry)
}

/// lsm's state directory, for a runtime that keeps state there; its
/// failure as the CLI reports it.
fn state_dir() -> Result<std::path::PathBuf, Failure> {
    Ok(crate::apply::lock::state_dir()?)
}

/// Runs `cmd` on the read-only observer of the manifest's runtime.
pub(crate) async fn with_observer(
    desired: &Desired,
    cmd: impl ObserverTask<Output = Exit, Error = Failure>,
) -> CmdResult {
    choose::with_observer(desired, state_dir, cmd).await
}

/// Runs `cmd` on the mutating runtime of the manifest's runtime.
pub(crate) async fn with_runtime(
    desired: &Desired,
    cmd: impl RuntimeTask<Output = Exit, Error = Failure>,
) -> CmdResult {
    choose::with_runtime(desired, state_dir, cmd).await
}
