//! [`DockerError`] (from the `lsm-docker` crate) as a command [`Failure`]:
//! the engine's message plus the hint an operator needs to fix it.

use crate::docker::DockerError;
use crate::error::Failure;

impl From<DockerError> for Failure {
    fn from(e: DockerError) -> Self {
        let hint = hint(&e);
        Failure::error(crate::error::chain(&e)).with_hints(hint)
    }
}

/// The hint printed under the error line.
fn hint(e: &DockerError) -> Option<String> {
    match e {
        DockerError::BadEndpoint { .. } => Some(
            "use unix:///path/to/docker.sock, tcp://host:port, https://host:port or ssh://user@host"
                .into(),
        ),
        DockerError::TlsFile { .. } => Some(
            "DOCKER_CERT_PATH (default ~/.docker) must hold ca.pem, cert.pem and key.pem"
                .into(),
        ),
        DockerError::Unreachable { endpoint, .. } => Some(unreachable_hint(endpoint)),
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

/// What to check when an engine does not answer, by how it is reached.
fn unreachable_hint(endpoint: &str) -> String {
    let scheme = endpoint.split_once("://").map_or("", |(s, _)| s);
    match scheme {
        "ssh" => {
            let command = lsm_docker::SshTarget::parse(endpoint.trim_start_matches("ssh://"))
                .map(|t| t.manual_command("docker version"))
                .unwrap_or_else(|_| "ssh HOST docker version".into());
            format!(
                "check that `{command}` works from here without a prompt: lsm runs ssh with \
                 BatchMode=yes and StrictHostKeyChecking=yes, so the host key must already be \
                 in known_hosts and the key in your agent or ~/.ssh/config; the user must be \
                 allowed to use the engine"
            )
        }
        "https" | "tcp" | "http" => "check the network path to the engine, and for TLS that \
             DOCKER_CERT_PATH (default ~/.docker) holds ca.pem, the engine's CA, and \
             cert.pem and key.pem, a client certificate that CA signed (an engine that \
             rejects the client certificate just closes the connection)"
            .into(),
        _ => "is dockerd running? (set DOCKER_HOST or [docker] host to use another engine)".into(),
    }
}
