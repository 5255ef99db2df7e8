//! What the signer commands share: loading the manifest into the desired
//! state, and choosing the runtime.
//!
//! The runtime is chosen here and nowhere else. A command body is written
//! once, generically, as a [`ObserverCommand`] (plan, status: read-only) or
//! a [`RuntimeCommand`] (apply, destroy), and [`with_observer`] /
//! [`with_runtime`] run it on the Docker or native runtime the manifest
//! names. Plan, apply and the wallet, macaroon and bundle code never learn
//! which one they face.

use crate::apply::lock::state_dir;
use crate::cli::Context;
use crate::desired::Desired;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::manifest::{self, Loaded, Runtime as RuntimeKind};
use crate::plan::Plan;
use crate::runtime::docker::target::DockerTarget;
use crate::runtime::docker::{DockerObserver, DockerRuntime};
use crate::runtime::native::target::NativeTarget;
use crate::runtime::native::{NativeObserver, NativeRuntime};
use crate::runtime::{Observer, Runtime};

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

/// A command body that needs only to observe (it gets no way to mutate).
#[allow(async_fn_in_trait)]
pub(crate) trait ObserverCommand {
    async fn run<Ob: Observer>(self, observer: &Ob) -> CmdResult;
}

/// A command body that changes the signer.
#[allow(async_fn_in_trait)]
pub(crate) trait RuntimeCommand {
    async fn run<R: Runtime>(self, runtime: &R) -> CmdResult;
}

fn native_target(desired: &Desired) -> Result<NativeTarget, Failure> {
    NativeTarget::from_resolved(&desired.resolved, &state_dir()?, desired.watchonly.as_ref())
}

/// Runs `cmd` on the read-only observer of the manifest's runtime.
pub(crate) async fn with_observer(desired: &Desired, cmd: impl ObserverCommand) -> CmdResult {
    let name = &desired.manifest_name;
    let network = desired.resolved.signer.network.as_str();
    match desired.resolved.signer.runtime {
        RuntimeKind::Docker => {
            let target =
                DockerTarget::from_resolved(&desired.resolved, desired.watchonly.as_ref())?;
            let observer = DockerObserver::connect(target, name, network).await?;
            cmd.run(&observer).await
        }
        RuntimeKind::Native => {
            cmd.run(&NativeObserver::new(native_target(desired)?, name, network))
                .await
        }
    }
}

/// Runs `cmd` on the mutating runtime of the manifest's runtime.
pub(crate) async fn with_runtime(desired: &Desired, cmd: impl RuntimeCommand) -> CmdResult {
    let name = &desired.manifest_name;
    let network = desired.resolved.signer.network.as_str();
    match desired.resolved.signer.runtime {
        RuntimeKind::Docker => {
            let target =
                DockerTarget::from_resolved(&desired.resolved, desired.watchonly.as_ref())?;
            let runtime = DockerRuntime::connect(target, name, network).await?;
            cmd.run(&runtime).await
        }
        RuntimeKind::Native => {
            cmd.run(&NativeRuntime::new(native_target(desired)?, name, network))
                .await
        }
    }
}
