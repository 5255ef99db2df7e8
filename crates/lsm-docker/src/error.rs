//! The Docker layer's one error type. Every variant names what lsm was doing
//! and against which engine, so the line an operator sees is actionable
//! without a backtrace; lsm's core adds the "how to fix it" hint.

use std::time::Duration;

/// What can go wrong talking to the Docker engine.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The endpoint string (manifest `[docker] host` or DOCKER_HOST) is unusable.
    #[error("invalid Docker endpoint {value:?} (from {origin}): {reason}")]
    BadEndpoint {
        value: String,
        origin: String,
        reason: String,
    },

    /// TLS was asked for, but a certificate file is missing or unreadable.
    #[error("cannot use TLS for the Docker engine at {url}: {path} is missing or unreadable")]
    TlsFile { url: String, path: String },

    /// The engine did not answer (refused, no socket, DNS, TLS handshake, timeout).
    #[error("cannot reach the Docker engine at {endpoint}: {cause}")]
    Unreachable { endpoint: String, cause: String },

    /// A request was not answered in time.
    #[error("the Docker engine at {endpoint} did not answer {op} within {}s", .after.as_secs())]
    Timeout {
        endpoint: String,
        op: String,
        after: Duration,
    },

    /// The engine answered with an error status.
    #[error("Docker {op} failed: {message} (HTTP {status})")]
    Api {
        op: String,
        status: u16,
        message: String,
    },

    /// A container with that name already exists.
    #[error("a container named {name} already exists")]
    NameConflict { name: String },

    /// An image could not be pulled (no registry, unknown repository, auth).
    #[error("cannot pull image {image}: {cause}")]
    PullFailed { image: String, cause: String },

    /// The pulled image does not carry the digest the manifest pins.
    #[error(
        "image {image} does not match the pinned digest {expected} (it has {})",
        if .found.is_empty() { "no registry digest".to_string() } else { .found.join(", ") }
    )]
    DigestMismatch {
        image: String,
        expected: String,
        found: Vec<String>,
    },

    /// An image reference that cannot be parsed.
    #[error("invalid image reference {image:?}: {reason}")]
    BadImageRef { image: String, reason: String },

    /// A tar archive exchanged with the engine was malformed or too large.
    #[error("{op}: {detail}")]
    Archive { op: String, detail: String },

    /// A container stopped (or never started) while lsm waited for it to run.
    #[error(
        "container {name} is {state}{} instead of running",
        .exit_code.map(|c| format!(" (exit code {c})")).unwrap_or_default()
    )]
    NotRunning {
        name: String,
        state: String,
        exit_code: Option<i64>,
    },

    /// A container that keeps exiting while lsm waits for it to run.
    #[error("container {name} does not stay up: {why}")]
    Crashing { name: String, why: String },

    /// A container did not reach `running` before the deadline.
    #[error("container {name} did not reach running within {}s (last state: {state})", .after.as_secs())]
    WaitTimeout {
        name: String,
        state: String,
        after: Duration,
    },

    /// The engine's reply lacked a field lsm relies on.
    #[error("unexpected reply from the Docker engine to {op}: {detail}")]
    Protocol { op: String, detail: String },
}

/// Maps a bollard error from operation `op` into a [`DockerError`]. Transport
/// failures become [`DockerError::Unreachable`] naming the endpoint, with the
/// innermost cause in plain words.
pub(crate) fn from_bollard(
    endpoint: &str,
    timeout: Duration,
    op: &str,
    e: bollard::errors::Error,
) -> DockerError {
    use bollard::errors::Error as B;
    match e {
        B::DockerResponseServerError {
            status_code,
            message,
        } => DockerError::Api {
            op: op.to_string(),
            status: status_code,
            message: message.trim().to_string(),
        },
        B::DockerStreamError { error } => DockerError::Api {
            op: op.to_string(),
            status: 200,
            message: error.trim().to_string(),
        },
        B::RequestTimeoutError => DockerError::Timeout {
            endpoint: endpoint.to_string(),
            op: op.to_string(),
            after: timeout,
        },
        B::JsonDataError { message, .. } => DockerError::Protocol {
            op: op.to_string(),
            detail: message,
        },
        B::JsonSerdeError { err } => DockerError::Protocol {
            op: op.to_string(),
            detail: err.to_string(),
        },
        B::SocketNotFoundError(_) => DockerError::Unreachable {
            endpoint: endpoint.to_string(),
            cause: "no such socket file".into(),
        },
        other => DockerError::Unreachable {
            endpoint: endpoint.to_string(),
            cause: root_cause(&other),
        },
    }
}

/// The innermost cause of a transport error, in the words an operator
/// expects ("connection refused", "no such file"), not hyper's wrapper chain.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current: &(dyn std::error::Error + 'static) = e;
    let mut io_kind = None;
    loop {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        match current.source() {
            Some(next) => current = next,
            None => break,
        }
    }
    use std::io::ErrorKind as K;
    match io_kind {
        Some(K::ConnectionRefused) => "connection refused".into(),
        Some(K::NotFound) => "no such socket file".into(),
        Some(K::PermissionDenied) => "permission denied (is your user in the docker group?)".into(),
        Some(K::TimedOut) => "connection timed out".into(),
        Some(K::ConnectionReset) => "connection reset by the engine".into(),
        _ => {
            let text = current.to_string();
            if text.is_empty() { e.to_string() } else { text }
        }
    }
}

/// True when the engine answered 404 (no such container/volume/image/path).
pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
