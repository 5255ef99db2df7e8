//! What the signer commands share: loading the manifest into the desired
//! state, and choosing the runtime. Plan and status get an observer only;
//! apply and destroy get a runtime.

use crate::cli::Context;
use crate::desired::Desired;
use crate::error::Failure;
use crate::manifest::{self, Loaded, Runtime as RuntimeKind};
use crate::runtime::docker::target::DockerTarget;
use crate::runtime::docker::{DockerObserver, DockerRuntime};

/// Loads signer.toml (every problem rendered at once) and derives the
/// desired state.
pub fn load(ctx: &Context) -> Result<(Loaded, Desired), Failure> {
    let path = ctx.manifest_path();
    let loaded = manifest::load(&path).map_err(Failure::from)?;
    let desired = Desired::from_loaded(&loaded);
    Ok((loaded, desired))
}

fn native_unsupported() -> Failure {
    Failure::error("runtime = \"native\" is not supported by this lsm yet")
        .hint("use runtime = \"docker\" for now")
}

/// The read-only observer for the manifest's runtime.
pub async fn docker_observer(desired: &Desired) -> Result<DockerObserver, Failure> {
    match desired.resolved.signer.runtime {
        RuntimeKind::Docker => {
            let target = DockerTarget::from_resolved(&desired.resolved)?;
            DockerObserver::connect(
                target,
                &desired.manifest_name,
                desired.resolved.signer.network.as_str(),
            )
            .await
        }
        RuntimeKind::Native => Err(native_unsupported()),
    }
}

/// The runtime that can change things, for apply and destroy.
pub async fn docker_runtime(desired: &Desired) -> Result<DockerRuntime, Failure> {
    match desired.resolved.signer.runtime {
        RuntimeKind::Docker => {
            let target = DockerTarget::from_resolved(&desired.resolved)?;
            DockerRuntime::connect(
                target,
                &desired.manifest_name,
                desired.resolved.signer.network.as_str(),
            )
            .await
        }
        RuntimeKind::Native => Err(native_unsupported()),
    }
}
