//! [`DockerError`] (from the `lsm-docker` crate) as a command [`Failure`]:
//! the engine's message plus the hint an operator needs to fix it.

use super::Failure;
use crate::docker::DockerError;

impl From<DockerError> for Failure {
    fn from(e: DockerError) -> Self {
        let hint = hint(&e);
        let f = Failure::error(e.to_string());
        match hint {
            Some(h) => f.hint(h),
            None => f,
        }
    }
}

/// The hint printed under the error line.
fn hint(e: &DockerError) -> Option<String> {
    match e {
        DockerError::BadEndpoint { .. } => Some(
            "use unix:///path/to/docker.sock, tcp://host:port, https://host:port or ssh://user@host"
                .into(),
        ),
        DockerError::SshNotBuilt { .. } => Some(
            "rebuild with ssh support: cargo install --path . --features ssh \
             (or forward the socket: ssh -L /tmp/docker.sock:/var/run/docker.sock host, \
             then DOCKER_HOST=unix:///tmp/docker.sock)"
                .into(),
        ),
        DockerError::TlsFile { .. } => Some(
            "DOCKER_CERT_PATH (default ~/.docker) must hold ca.pem, cert.pem and key.pem"
                .into(),
        ),
        DockerError::Unreachable { .. } => Some(
            "is dockerd running? (set DOCKER_HOST or [docker] host to use another engine)"
                .into(),
        ),
        DockerError::Timeout { .. } => {
            Some("the engine is overloaded or the network path to it is broken".into())
        }
        DockerError::NameConflict { .. } => Some(
            "lsm never touches a container it does not own: rename or remove it, \
             or choose another name in signer.toml"
                .into(),
        ),
        DockerError::PullFailed { .. } => Some(
            "check the image name and version, the registry's reachability and your \
             credentials, or load the image locally (docker load)"
                .into(),
        ),
        DockerError::DigestMismatch { .. } => Some(
            "the registry serves different content for this tag: update the pinned digest \
             in signer.toml only if you trust the new image"
                .into(),
        ),
        _ => None,
    }
}
