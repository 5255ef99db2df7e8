//! The one place that names a runtime kind: the manifest's `[signer]
//! runtime` picks the Docker or the native runtime, and a task written
//! once, generically, runs on it. Nothing above this layer learns which
//! runtime it faces.

use super::docker::target::DockerTarget;
use super::docker::{DockerObserver, DockerRuntime};
use super::native::target::NativeTarget;
use super::native::{NativeObserver, NativeRuntime};
use super::{Error, Observer, Runtime};
use crate::desired::Desired;
use crate::manifest::Runtime as Kind;
use std::path::PathBuf;

/// A task that needs only to observe (it gets no way to mutate). Its
/// error is its own (a command's is the CLI's): a runtime's error becomes
/// one through `From`.
#[allow(async_fn_in_trait)]
pub(crate) trait ObserverTask {
    type Output;
    type Error: From<Error>;
    async fn run<Ob: Observer>(self, observer: &Ob) -> Result<Self::Output, Self::Error>;
}

/// A task that changes the signer; its error as for [`ObserverTask`].
#[allow(async_fn_in_trait)]
pub(crate) trait RuntimeTask {
    type Output;
    type Error: From<Error>;
    async fn run<R: Runtime>(self, runtime: &R) -> Result<Self::Output, Self::Error>;
}

/// lsm's state directory, asked for only by a runtime that keeps state
/// there (the native runtime's pidfiles); it fails in the task's terms.
pub(crate) type StateDir<E> = fn() -> Result<PathBuf, E>;

fn native_target<E: From<Error>>(
    desired: &Desired,
    state_dir: StateDir<E>,
) -> Result<NativeTarget, E> {
    Ok(NativeTarget::from_resolved(
        &desired.resolved,
        &state_dir()?,
        desired.watchonly.as_ref(),
    )?)
}

fn docker_target(desired: &Desired) -> Result<DockerTarget, Error> {
    DockerTarget::from_resolved(&desired.resolved, desired.watchonly.as_ref())
}

/// Runs `task` on the read-only observer of the manifest's runtime.
pub(crate) async fn with_observer<T: ObserverTask>(
    desired: &Desired,
    state_dir: StateDir<T::Error>,
    task: T,
) -> Result<T::Output, T::Error> {
    let name = &desired.manifest_name;
    let network = desired.resolved.signer.network.as_str();
    match desired.resolved.signer.runtime {
        Kind::Docker => {
            let observer = DockerObserver::connect(docker_target(desired)?, name, network)
                .await
                .map_err(Error::from)?;
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
    state_dir: StateDir<T::Error>,
    task: T,
) -> Result<T::Output, T::Error> {
    let name = &desired.manifest_name;
    let network = desired.resolved.signer.network.as_str();
    match desired.resolved.signer.runtime {
        Kind::Docker => {
            let runtime = DockerRuntime::connect(docker_target(desired)?, name, network)
                .await
                .map_err(Error::from)?;
            task.run(&runtime).await
        }
        Kind::Native => {
            let target = native_target(desired, state_dir)?;
            task.run(&NativeRuntime::new(target, name, network)).await
        }
    }
}
