//! Which Docker engine lsm talks to, and the connection to it.
//!
//! Resolution follows the docker CLI so operators need not learn anything new:
//! an explicit host (the manifest's `[docker] host`) wins, else `DOCKER_HOST`,
//! else the local socket. `DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH` switch
//! `tcp://` to mutual TLS. There is deliberately no "TLS without verification"
//! mode (`DOCKER_TLS` alone is refused). Resolution is a pure function of its
//! inputs ([`DockerEnv`]), so it is unit-tested without touching the process
//! environment.
//!
//! Connecting negotiates the API version with a short deadline (bollard
//! defaults to a newer API than many engines speak), so an unreachable engine
//! fails fast with one line naming the endpoint.

use super::error::{DockerError, from_bollard};
use crate::ssh::SshTarget;
use bollard::{API_DEFAULT_VERSION, Docker};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The local engine when nothing else is configured.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// Deadline for the connect-time version negotiation.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The same over ssh, where it covers ssh's own connect (10 s), key
/// exchange, authentication (a hardware key's touch, a ProxyJump) and the
/// start of `docker` on the far side.
pub const SSH_CONNECT_DEADLINE: Duration = Duration::from_secs(30);

/// Deadline for one ordinary API call (until the response headers arrive;
/// streamed bodies have their own idle deadlines).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the endpoint string came from, so errors can say what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointOrigin {
    /// The manifest's `[docker] host`.
    Manifest,
    /// The `DOCKER_HOST` environment variable.
    DockerHostEnv,
    /// Nothing configured: the local socket.
    Default,
}

impl std::fmt::Display for EndpointOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EndpointOrigin::Manifest => "[docker] host",
            EndpointOrigin::DockerHostEnv => "DOCKER_HOST",
            EndpointOrigin::Default => "the default local socket",
        })
    }
}

/// How to reach the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A local Unix socket.
    Unix { path: PathBuf },
    /// Plain HTTP over TCP (unauthenticated: anyone on the path controls the engine).
    Tcp { addr: String },
    /// Mutual TLS over TCP, with `ca.pem`, `cert.pem`, `key.pem` from `cert_dir`.
    Tls { addr: String, cert_dir: PathBuf },
    /// `docker system dial-stdio` over the system ssh client.
    Ssh { url: String, target: SshTarget },
}

/// A resolved engine endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL as the operator wrote it (used in every error message).
    pub url: String,
    pub transport: Transport,
    pub origin: EndpointOrigin,
}

/// The environment variables endpoint resolution reads, captured once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerEnv {
    pub docker_host: Option<String>,
    pub tls_verify: Option<String>,
    pub cert_path: Option<String>,
    /// `DOCKER_TLS` (TLS without verification in the docker CLI; refused here).
    pub tls: Option<String>,
    pub home: Option<String>,
}

impl DockerEnv {
    /// Reads the variables from the current process; empty values count as unset.
    pub fn from_process() -> Self {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        DockerEnv {
            docker_host: get("DOCKER_HOST"),
            tls_verify: get("DOCKER_TLS_VERIFY"),
            cert_path: get("DOCKER_CERT_PATH"),
            tls: get("DOCKER_TLS"),
            home: get("HOME"),
        }
    }
}

impl Endpoint {
    /// Resolves the endpoint: `explicit` (the manifest's host) else
    /// `DOCKER_HOST` else [`DEFAULT_SOCKET`].
    pub fn resolve(explicit: Option<&str>, env: &DockerEnv) -> Result<Endpoint, DockerError> {
        let explicit = explicit.map(str::trim).filter(|s| !s.is_empty());
        let (url, origin) = match (explicit, env.docker_host.as_deref()) {
            (Some(h), _) => (h.to_string(), EndpointOrigin::Manifest),
            (None, Some(h)) => (h.trim().to_string(), EndpointOrigin::DockerHostEnv),
            (None, None) => (DEFAULT_SOCKET.to_string(), EndpointOrigin::Default),
        };
        let bad = |reason: &str| DockerError::BadEndpoint {
            value: url.clone(),
            origin: origin.to_string(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("missing scheme"))?;
        let transport = match scheme {
            "unix" => {
                if !rest.starts_with('/') {
                    return Err(bad("a unix socket path must be absolute (unix:///path)"));
                }
                Transport::Unix {
                    path: PathBuf::from(rest),
                }
            }
            "tcp" | "http" | "https" => {
                let addr = host_port(rest).ok_or_else(|| bad("expected host:port"))?;
                if scheme == "https" || env.tls_verify.is_some() {
                    Transport::Tls {
                        addr,
                        cert_dir: cert_dir(env).ok_or_else(|| {
                            bad("TLS needs DOCKER_CERT_PATH (or HOME for ~/.docker)")
                        })?,
                    }
                } else if env.tls.is_some() {
                    return Err(bad(
                        "DOCKER_TLS without DOCKER_TLS_VERIFY means TLS without verifying the \
                         engine, which lsm refuses; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH",
                    ));
                } else {
                    Transport::Tcp { addr }
                }
            }
            "ssh" => Transport::Ssh {
                target: SshTarget::parse(rest).map_err(bad)?,
                url: url.clone(),
            },
            "npipe" => return Err(bad("Windows named pipes are not supported")),
            _ => return Err(bad("unsupported scheme")),
        };
        Ok(Endpoint {
            url,
            transport,
            origin,
        })
    }

    /// Builds the bollard client and negotiates the API version with one
    /// `/version` request, which also proves the engine answers. Returns the
    /// client with [`CALL_TIMEOUT`] as its per-call deadline.
    pub(crate) async fn connect(&self) -> Result<Docker, DockerError> {
        let deadline = self.connect_deadline();
        let docker = self.client()?.with_timeout(deadline);
        let unreachable = |e| match from_bollard(&self.url, deadline, "version", e) {
            DockerError::Timeout { endpoint, .. } => DockerError::Unreachable {
                endpoint,
                cause: format!("no answer within {}s", deadline.as_secs()),
            },
            DockerError::Api {
                status, message, ..
            } => DockerError::Unreachable {
                endpoint: self.url.clone(),
                cause: format!("not a Docker engine? (HTTP {status}: {message})"),
            },
            other => other,
        };
        // One request: `/version` both proves an engine answers and names
        // its API version (a separate `/_ping` first would only add a round
        // trip to every command).
        let docker = docker.negotiate_version().await.map_err(unreachable)?;
        if let Transport::Tcp { .. } = self.transport {
            tracing::warn!(
                endpoint = %self.url,
                "the Docker engine is reached over plain tcp:// without TLS; anyone on that \
                 network path can control it"
            );
        }
        let v = docker.client_version();
        tracing::debug!(endpoint = %self.url, api = %format!("{}.{}", v.major_version, v.minor_version), "docker: connected");
        Ok(docker.with_timeout(CALL_TIMEOUT))
    }

    /// How long connecting (one `/version`) may take.
    fn connect_deadline(&self) -> Duration {
        match self.transport {
            Transport::Ssh { .. } => SSH_CONNECT_DEADLINE,
            _ => CONNECT_TIMEOUT,
        }
    }

    /// The unconnected bollard client for this endpoint.
    fn client(&self) -> Result<Docker, DockerError> {
        let secs = CONNECT_TIMEOUT.as_secs();
        let built = match &self.transport {
            Transport::Unix { .. } => {
                Docker::connect_with_unix(&self.url, secs, API_DEFAULT_VERSION)
            }
            Transport::Tcp { addr } => {
                Docker::connect_with_http(&format!("tcp://{addr}"), secs, API_DEFAULT_VERSION)
            }
            Transport::Tls { addr, cert_dir } => {
                let [ca, cert, key] = ["ca.pem", "cert.pem", "key.pem"].map(|f| cert_dir.join(f));
                for p in [&ca, &cert, &key] {
                    if std::fs::metadata(p).is_err() {
                        return Err(DockerError::TlsFile {
                            url: self.url.clone(),
                            path: p.display().to_string(),
                        });
                    }
                }
                Docker::connect_with_ssl(
                    &format!("tcp://{addr}"),
                    &key,
                    &cert,
                    &ca,
                    secs,
                    API_DEFAULT_VERSION,
                )
            }
            Transport::Ssh { target, .. } => {
                crate::ssh::client(target.clone(), secs, API_DEFAULT_VERSION)
            }
        };
        built.map_err(|e| match e {
            bollard::errors::Error::CertPathError { path }
            | bollard::errors::Error::CertParseError { path } => DockerError::TlsFile {
                url: self.url.clone(),
                path: path.display().to_string(),
            },
            other => from_bollard(&self.url, CONNECT_TIMEOUT, "connect", other),
        })
    }
}

/// `host:port` from the part after `scheme://`, tolerating a trailing `/`.
fn host_port(rest: &str) -> Option<String> {
    let hp = rest.trim_end_matches('/');
    if hp.is_empty() || hp.contains('/') {
        return None;
    }
    let (host, port) = hp.rsplit_once(':')?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return None;
    }
    Some(hp.to_string())
}

/// `DOCKER_CERT_PATH`, else `~/.docker` (the docker CLI's default).
fn cert_dir(env: &DockerEnv) -> Option<PathBuf> {
    match (&env.cert_path, &env.home) {
        (Some(p), _) => Some(PathBuf::from(p)),
        (None, Some(home)) => Some(Path::new(home).join(".docker")),
        (None, None) => None,
    }
}
