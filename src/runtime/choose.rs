//! The one place that names a runtime kind: the manifest's `[signer]
//! runtime` picks the Docker or the native runtime, and a task written
//! once, generically, runs on it. Nothing above this layer learns which
//! runtime it faces.

use super::docker::target::DockerTarget;
use super::docker::{DockerObserver, DockerRuntime};
use super::native::target::NativeTarget;
use super::native::{NativeObserver, NativeRuntime};
use super::{Observer, Runtime};
use crate::desired::Desired;
use crate::error::Failure;
use crate::manifest::Runtime as Kind;
use std::path::PathBuf;

/// A task that needs only to observe (it gets no way to mutate).
#[allow(async_fn_in_trait)]
pub(crate) trait ObserverTask {
    type Output;
    async fn run<Ob: Observer>(self, observer: &Ob) -> Result<Self::Output, Failure>;
}

/// A task that changes the signer.
#[allow(async_fn_in_trait)]
pub(crate) trait RuntimeTask {
    type Output;
    async fn run<R: Runtime>(self, runtime: &R) -> Result<Self::Output, Failure>;
}

/// lsm's state directory, asked for only by a runtime that keeps state
/// there (the native runtime's pidfiles).
pub(crate) type StateDir = fn() -> Result<PathBuf, Failure>;

fn native_target(desired: &Desired, state_dir: StateDir) -> Result<NativeTarget, Failure> {
    NativeTarget::from_resolved(&desired.resolved, &state_dir()?, desired.watchonly.as_ref())
}

fn docker_target(desired: &Desired) -> Result<DockerTarget, Failure> {
    DockerTarget::from_resolved(&desired.resolved, desired.watchonly.as_ref())
}

/// Runs `task` on the read-only observer of the manifest's runtime.
pub(crate) async fn with_observer<T: ObserverTask>(
    desired: &Desired,
    state_dir: StateDir,
    task: T,
) -> Result<T::Output, Failure> {
    let name = &desired.manifest_name;
    let network = desired.resolved.signer.network.as_str();
    match desired.resolved.signer.runtime {
        Kind::Docker => {
            let observer = DockerObserver::connect(docker_target(desired)?, name, network).await?;
            task.run(&observer).await
        }
        Kind::Native => {
            let target = native_target(desired, state_dir)?;
            task.run(&NativeObserver::new(target, name, network)).await
        }
    }
}

/// Runs `task` on the mutating runtime of the manifest's runtime.
pub(crate) async fn with_runtime<T: RuntimeTask>(
    desired: &Desired,
    state_dir: StateDir,
    task: T,
) -> Result<T::Output, Failure> {
    let name = &desired.manifest_name;
    let network = desired.resolved.signer.network.as_str();
    match desired.resolved.signer.runtime {
        Kind::Docker => {
            let runtime = DockerRuntime::connect(docker_target(desired)?, name, network).await?;
            task.run(&runtime).await
        }
        Kind::Native => {
            let target = native_target(desired, state_dir)?;
            task.run(&NativeRuntime::new(target, name, network)).await
        }
    }
}
