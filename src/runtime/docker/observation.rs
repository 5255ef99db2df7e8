//! What the Docker runtime sees: the container, volume and image, plus the
//! files lsm and lnd keep in the volume, all read concurrently through a
//! read-only client.

use super::target::{
    CONF_PATH, DockerTarget, LSM_DIR, PASSWORD_PATH, RESTART_RECORD_PATH, TLS_CERT_PATH,
};
use crate::docker::{
    ContainerStatus, Observed, ObservedContainer, ObservedImage, ObservedVolume, RunMark,
    Transport, VolumeFile,
};
use crate::runtime::{Condition, Observation};
use crate::secrets::SecretBytes;
use crate::signer::SignerAccess;
use serde_json::json;

/// How the wallet password copy in the volume compares with the host's
/// wallet-password.txt. Only the comparison is kept, never the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PasswordCopy {
    /// No container to read through.
    Unknown,
    Absent,
    Matches,
    Differs,
}

/// The Docker runtime's observation.
#[derive(Debug, Clone)]
pub(crate) struct DockerObservation {
    pub container: Option<ObservedContainer>,
    pub volume: Option<ObservedVolume>,
    pub image: Option<ObservedImage>,
    /// lnd.conf in the volume.
    pub conf: VolumeFile,
    pub password: PasswordCopy,
    pub tls_cert: VolumeFile,
    pub admin_macaroon: Option<SecretBytes>,
    /// Whether admin.macaroon exists in the volume (a created wallet).
    pub admin_macaroon_state: VolumeFile,
    /// `host:port` lsm dials for gRPC.
    pub dial: String,
    /// Permission bits of lsm's files and directory in the volume, where seen.
    pub modes: LsmModes,
    /// The restart policy lsm last set in place, when the record in the
    /// volume is for this very container.
    pub restart_record: Option<String>,
    /// Why lnd will not come up by itself (see [`Observation::stopped`]).
    pub down: Option<String>,
    /// What the container mounts at lnd's directory (`volume X`, `no
    /// volume`) when that is not the declared volume: lnd's answers then
    /// describe another wallet.
    pub other_volume: Option<String>,
    /// A watch-only node's signer credentials in the volume, by path, as
    /// sha256 (the macaroon is a secret; only its hash is kept).
    pub signer_files: Vec<(&'static str, FileSeen)>,
}

/// A file in the volume, known by its hash only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FileSeen {
    Unknown,
    Absent,
    Sha256(String),
}

impl From<&VolumeFile> for FileSeen {
    fn from(f: &VolumeFile) -> Self {
        match f {
            VolumeFile::Unknown => FileSeen::Unknown,
            VolumeFile::Absent => FileSeen::Absent,
            VolumeFile::Present(b) => FileSeen::Sha256(crate::secrets::sha256_hex(b)),
        }
    }
}

/// Modes of what lsm keeps in the volume (`None`: absent or not read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LsmModes {
    pub dir: Option<u32>,
    pub conf: Option<u32>,
    pub password: Option<u32>,
}

/// The host lsm dials to reach lnd's gRPC port published at `bind` on the
/// engine's host. `bind` is what the container publishes now (which may
/// differ from the manifest while a change is pending).
///
/// A remote engine's loopback is not this machine's: lsm still dials its
/// own loopback then, which reaches lnd only through a tunnel the operator
/// made (`ssh -L`), and says so. lnd's certificate is pinned, so whatever
/// else answers there is refused, never trusted.
pub(crate) fn dial_address(bind: std::net::SocketAddr, endpoint: &lsm_docker::Endpoint) -> String {
    let remote_host = match &endpoint.transport {
        Transport::Tcp { addr } | Transport::Tls { addr, .. } => Some(
            addr.rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or(addr)
                .to_string(),
        ),
        Transport::Ssh { target, .. } => Some(target.host.clone()),
        Transport::Unix { .. } => None,
    }
    .filter(|h| !is_loopback_host(h));
    let bind_ip = bind.ip().to_canonical();
    match remote_host {
        Some(h) if bind_ip.is_unspecified() => crate::runtime::host_port(&h, bind.port()),
        Some(h) if bind_ip.is_loopback() => {
            tracing::warn!(
                "lnd's gRPC is published on {bind} of {h}, the engine's host ({}); lsm dials \
                 {} on this machine, which reaches it only through a tunnel (ssh -L \
                 {port}:{bind} {h}). Publish it on 0.0.0.0 or an address of that host to \
                 dial it directly",
                endpoint.url,
                crate::runtime::local_dial(bind),
                port = bind.port(),
            );
            crate::runtime::local_dial(bind)
        }
        _ => crate::runtime::local_dial(bind),
    }
}

/// Whether an engine host named in a URL is this machine.
fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

impl DockerObservation {
    /// Builds the observation from the engine's answers and the host's
    /// password file (compared, then wiped). `mark` is where the container's
    /// run stood when lsm started it or first saw it in this run.
    pub(crate) fn from_observed(
        dial: String,
        target: &DockerTarget,
        mut observed: Observed,
        host_password: Option<&[u8]>,
        mark: Option<&RunMark>,
    ) -> DockerObservation {
        let modes = LsmModes {
            dir: observed.modes.get(LSM_DIR).copied(),
            conf: observed.modes.get(CONF_PATH).copied(),
            password: observed.modes.get(PASSWORD_PATH).copied(),
        };
        let mut take = |path: &str| -> VolumeFile {
            observed
                .files
                .iter_mut()
                .find(|(p, _)| p == path)
                .map(|(_, f)| std::mem::replace(f, VolumeFile::Unknown))
                .unwrap_or(VolumeFile::Unknown)
        };
        let conf = take(CONF_PATH);
        let signer_files = target
            .signer_files
            .iter()
            .map(|f| (f.path, FileSeen::from(&take(f.path))))
            .collect();
        let tls_cert = take(TLS_CERT_PATH);
        let record = take(RESTART_RECORD_PATH);
        let mac = take(&target.admin_macaroon_path());
        // Compared whatever auto_unlock says: with it off, a copy left in
        // the volume is still the wallet's password lying next to the
        // wallet. An empty copy is no copy (that is how lsm blanks one).
        let password = match take(PASSWORD_PATH) {
            VolumeFile::Unknown => PasswordCopy::Unknown,
            VolumeFile::Absent => PasswordCopy::Absent,
            VolumeFile::Present(copy) if copy.is_empty() => PasswordCopy::Absent,
            VolumeFile::Present(copy) => {
                if host_password == Some(copy.as_slice()) {
                    PasswordCopy::Matches
                } else {
                    PasswordCopy::Differs
                }
            }
        };
        let (admin_macaroon, admin_macaroon_state) = match mac {
            VolumeFile::Present(bytes) => {
                (Some(bytes.into()), VolumeFile::Present(Default::default()))
            }
            other => (None, other),
        };
        let restart_record = match (&record, &observed.container) {
            (VolumeFile::Present(text), Some(c)) => String::from_utf8_lossy(text)
                .trim()
                .split_once(' ')
                .filter(|(id, _)| *id == c.id)
                .map(|(_, policy)| policy.to_string()),
            _ => None,
        };
        let down = observed.container.as_ref().and_then(|c| c.down_since(mark));
        let other_volume =
            observed
                .container
                .as_ref()
                .and_then(|c| match c.volume_at(super::target::LND_DIR) {
                    Some(v) if v == target.volume => None,
                    Some(v) => Some(format!("volume {v}")),
                    None => Some("no volume".to_string()),
                });
        DockerObservation {
            container: observed.container,
            volume: observed.volume,
            image: observed.image,
            conf,
            password,
            tls_cert,
            admin_macaroon,
            admin_macaroon_state,
            dial,
            modes,
            restart_record,
            down,
            other_volume,
            signer_files,
        }
    }
}

fn file_digest(f: &VolumeFile) -> serde_json::Value {
    match f {
        VolumeFile::Present(b) => json!(crate::secrets::sha256_hex(b)),
        VolumeFile::Absent => json!("absent"),
        VolumeFile::Unknown => json!("unknown"),
    }
}

impl Observation for DockerObservation {
    fn digest_input(&self) -> serde_json::Value {
        let container = self.container.as_ref().map(|c| {
            json!({
                "id": c.id,
                "status": c.state.status.to_string(),
                "spec_hash": c.spec_hash,
                "image_id": c.image_id,
                "restart": c.restart.to_string(),
                "ports": c.ports.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                "network": c.user_network(),
                "restart_policy_label": c.labels.get(crate::docker::labels::RESTART_POLICY),
            })
        });
        json!({
            "runtime": "docker",
            "container": container,
            "volume": self.volume.as_ref().map(|v| (&v.name, v.managed())),
            "image": self.image.as_ref().map(|i| &i.id),
            "conf": file_digest(&self.conf),
            "password_copy": self.password,
            "modes": [self.modes.dir, self.modes.conf, self.modes.password],
            "restart_record": self.restart_record,
            "tls_cert": file_digest(&self.tls_cert),
            "admin_macaroon": match &self.admin_macaroon {
                Some(m) => json!(crate::secrets::sha256_hex(m)),
                None => file_digest(&self.admin_macaroon_state),
            },
            "signer_files": self.signer_files,
        })
    }

    fn access(&self) -> Result<SignerAccess, String> {
        let Some(c) = &self.container else {
            return Err("the container does not exist".into());
        };
        if let Some(other) = &self.other_volume {
            return Err(format!(
                "the container mounts {other} at {}, not the declared volume, so lnd's \
                 answers would describe another wallet",
                super::target::LND_DIR
            ));
        }
        if !c.is_running() {
            return Err(format!("the container is {}", c.state.status));
        }
        let cert = match &self.tls_cert {
            VolumeFile::Present(cert) => Some(cert.as_slice()),
            _ => None,
        };
        SignerAccess::once_certified(&self.dial, cert, self.admin_macaroon.as_ref())
    }

    fn wallet_exists(&self) -> Option<bool> {
        if self.volume.is_none() {
            return Some(false);
        }
        if self.other_volume.is_some() {
            // What the container shows is another volume's.
            return None;
        }
        // lnd writes admin.macaroon when the wallet is created; its absence
        // alone proves nothing (stateless init, deleted files).
        match (&self.admin_macaroon, &self.admin_macaroon_state) {
            (Some(_), _) => Some(true),
            _ => None,
        }
    }

    fn conditions(&self) -> Vec<Condition> {
        let running = match &self.container {
            None => Condition::new(
                "ContainerRunning",
                false,
                "NotFound",
                "the signer container does not exist",
            ),
            Some(c) if c.is_running() => Condition::new(
                "ContainerRunning",
                true,
                "Running",
                format!("container {} is running", c.name),
            ),
            Some(c) => Condition::new(
                "ContainerRunning",
                false,
                match c.state.status {
                    ContainerStatus::Exited => "Exited",
                    ContainerStatus::Created => "Created",
                    ContainerStatus::Restarting => "Restarting",
                    ContainerStatus::Paused => "Paused",
                    _ => "NotRunning",
                },
                format!(
                    "container {} is {}{}",
                    c.name,
                    c.state.status,
                    match (c.state.status, c.state.exit_code) {
                        (ContainerStatus::Exited, Some(code)) => format!(" (exit code {code})"),
                        (ContainerStatus::Restarting, code) => format!(
                            ": lnd keeps exiting (exit code {}, restarted {} times)",
                            code.unwrap_or(0),
                            c.state.restart_count
                        ),
                        _ => String::new(),
                    }
                ),
            ),
        };
        vec![running]
    }

    fn stopped(&self) -> Option<String> {
        self.down.clone()
    }
}
