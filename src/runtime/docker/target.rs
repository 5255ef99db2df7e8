//! The container the manifest asks for: image, args, ports, volume, restart
//! policy, labels with the spec hash, and the rendered lnd.conf that goes
//! into the volume through the Docker API (never a host bind mount, so a
//! remote DOCKER_HOST works the same).

use crate::desired::lnd_conf;
use crate::docker::{ContainerSpec, PortBinding, RestartPolicy, VolumeMount, labels};
use crate::manifest::enums::{Network, RestartPolicy as ManifestRestart};
use crate::manifest::resolved::Resolved;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// lnd's data directory inside the container (the image's VOLUME).
pub(crate) const LND_DIR: &str = "/root/.lnd";
/// lsm's own files inside the volume, kept apart from lnd's.
pub(crate) const LSM_DIR: &str = "/root/.lnd/lsm";
/// The rendered config lnd is started with.
pub(crate) const CONF_PATH: &str = "/root/.lnd/lsm/lnd.conf";
/// The wallet password copy for wallet-unlock-password-file.
pub(crate) const PASSWORD_PATH: &str = "/root/.lnd/lsm/wallet-password.txt";
/// What lsm last set the container's restart policy to in place:
/// `<container id> <policy>`. Labels cannot change, so after an in-place
/// update this file, not the `io.lsm.restart-policy` label, says what lsm set.
pub(crate) const RESTART_RECORD_PATH: &str = "/root/.lnd/lsm/restart-policy";
/// lsm's directory's mode: it holds the wallet password copy.
pub(crate) const LSM_DIR_MODE: u32 = 0o700;
/// The mode of lsm's files in the volume.
pub(crate) const LSM_FILE_MODE: u32 = 0o600;
/// lnd's certificate.
pub(crate) const TLS_CERT_PATH: &str = "/root/.lnd/tls.cert";
/// Ports lnd listens on inside the container.
pub(crate) const RPC_PORT: u16 = 10012;
pub(crate) const REST_PORT: u16 = 10013;
/// A watch-only node's Lightning p2p port inside the container.
pub(crate) const P2P_PORT: u16 = 9735;
/// A watch-only node's copy of its signer's certificate (the bundle's tls.cert).
pub(crate) const SIGNER_TLS_CERT_PATH: &str = "/root/.lnd/lsm/signer-tls.cert";
/// A watch-only node's copy of the bundle's macaroon, which its signer accepts.
pub(crate) const SIGNER_MACAROON_PATH: &str = "/root/.lnd/lsm/signer.macaroon";

/// A file lsm keeps in lsm's directory of the volume besides lnd.conf and
/// the password copy: a watch-only node's credentials for its signer.
#[derive(Clone)]
pub(crate) struct ManagedFile {
    pub path: &'static str,
    pub content: crate::secrets::SecretBytes,
}

impl std::fmt::Debug for ManagedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({})",
            self.path,
            crate::secrets::fingerprint(&self.content)
        )
    }
}

/// Where lsm has lnd write its admin.macaroon for `network` (lnd.conf's
/// `adminmacaroonpath`): in lsm's directory of the volume, so that one
/// archive read of that directory sees lnd.conf, the password copy and the
/// macaroon, instead of a second read of lnd's network directory. The
/// network is in the name because lnd writes the file only when it is
/// missing: a copy left by another network's wallet would not be replaced.
pub(crate) fn admin_macaroon_path(network: Network) -> String {
    format!("{LSM_DIR}/admin-{network}.macaroon")
}

/// Everything the Docker runtime converges to.
#[derive(Debug, Clone)]
pub(crate) struct DockerTarget {
    pub kind: crate::manifest::schema::Kind,
    pub signer: String,
    /// `[docker] host`, else DOCKER_HOST, else the local socket.
    pub host: Option<String>,
    /// `image:version[@digest]`.
    pub reference: String,
    pub digest: Option<String>,
    pub volume: String,
    pub volume_labels: BTreeMap<String, String>,
    /// The container spec, labels and spec hash included.
    pub spec: ContainerSpec,
    pub spec_hash: String,
    /// Format-1 spec hashes (which covered the restart policy) of this spec
    /// under each policy a manifest can name, with that policy: a container
    /// an earlier lsm made from this manifest carries one of them.
    pub legacy_hashes: Vec<(String, RestartPolicy)>,
    /// The exact lnd.conf bytes.
    pub conf: String,
    /// The same with secret values replaced by fingerprints.
    pub conf_display: String,
    pub auto_unlock: bool,
    pub network: Network,
    pub rpc_bind: SocketAddr,
    /// The host's wallet-password.txt, copied into the volume on auto_unlock.
    pub password_host_path: PathBuf,
    /// The bundle's copy of lnd's certificate; when lnd proves it serves
    /// exactly this, observation need not read tls.cert out of the volume.
    /// None for a watch-only node (its bundle is its signer's).
    pub bundle_tls_cert: Option<PathBuf>,
    /// A watch-only node's signer credentials, kept in the volume.
    pub signer_files: Vec<ManagedFile>,
}

fn restart_policy(p: ManifestRestart) -> RestartPolicy {
    match p {
        ManifestRestart::No => RestartPolicy::No,
        ManifestRestart::Always => RestartPolicy::Always,
        ManifestRestart::UnlessStopped => RestartPolicy::UnlessStopped,
        ManifestRestart::OnFailure => RestartPolicy::OnFailure { max_retries: 0 },
    }
}

/// A watch-only node's lnd.conf additions (p2p, `[remotesigner]`) and the
/// bundle's credentials that go into the volume beside it.
fn link_signer(
    inputs: &mut lnd_conf::ConfInputs,
    link: &crate::watchonly::SignerLink,
) -> Vec<ManagedFile> {
    inputs.p2p_listen = Some(format!("0.0.0.0:{P2P_PORT}"));
    inputs.remote_signer = Some(lnd_conf::RemoteSignerConf {
        rpchost: link.endpoint.clone(),
        tlscertpath: SIGNER_TLS_CERT_PATH.to_string(),
        macaroonpath: SIGNER_MACAROON_PATH.to_string(),
    });
    vec![
        ManagedFile {
            path: SIGNER_TLS_CERT_PATH,
            content: link.bundle.tls_cert_pem.clone().into(),
        },
        ManagedFile {
            path: SIGNER_MACAROON_PATH,
            content: link.bundle.macaroon.clone().into(),
        },
    ]
}

/// The host binds the container publishes: gRPC, REST when enabled, and a
/// watch-only node's p2p.
fn published_ports(r: &Resolved) -> Vec<PortBinding> {
    let mut ports = vec![PortBinding {
        host_ip: r.rpc.listen.ip(),
        host_port: r.rpc.listen.port(),
        container_port: RPC_PORT,
    }];
    if let Some(rest) = r.rest.listen {
        ports.push(PortBinding {
            host_ip: rest.ip(),
            host_port: rest.port(),
            container_port: REST_PORT,
        });
    }
    if let Some(wo) = &r.watchonly {
        ports.push(PortBinding {
            host_ip: wo.p2p_listen.ip(),
            host_port: wo.p2p_listen.port(),
            container_port: P2P_PORT,
        });
    }
    ports
}

impl DockerTarget {
    /// The Docker target of a resolved manifest with `runtime = "docker"`;
    /// `signer` is a watch-only node's imported bundle and endpoint.
    pub(crate) fn from_resolved(
        r: &Resolved,
        signer: Option<&crate::watchonly::SignerLink>,
    ) -> Result<DockerTarget, crate::runtime::Error> {
        let d = r.docker.as_ref().ok_or(super::Error::NotDockerManifest)?;
        let mut inputs = crate::runtime::conf::conf_inputs(
            r,
            format!("0.0.0.0:{RPC_PORT}"),
            r.rest.listen.map(|_| format!("0.0.0.0:{REST_PORT}")),
            r.wallet.auto_unlock.then(|| PASSWORD_PATH.to_string()),
        )?;
        inputs.admin_macaroon_path = Some(admin_macaroon_path(r.signer.network));
        let signer_files = signer
            .map(|l| link_signer(&mut inputs, l))
            .unwrap_or_default();
        let conf = lnd_conf::render(&inputs);
        let conf_display = lnd_conf::redact(&conf);
        let mut ports = published_ports(r);
        ports.sort();
        let spec = ContainerSpec {
            name: r.signer.name.clone(),
            image: d.reference(),
            args: vec![
                format!("--lnddir={LND_DIR}"),
                format!("--configfile={CONF_PATH}"),
            ],
            env: BTreeMap::new(),
            volume: VolumeMount {
                name: d.volume.clone(),
                mount_path: LND_DIR.to_string(),
            },
            restart: restart_policy(d.restart),
            network: d.network.clone(),
            ports,
            labels: BTreeMap::new(),
        }
        .with_lsm_labels(&r.signer.name, &[(CONF_PATH, conf.as_bytes())]);
        let spec_hash = spec
            .labels
            .get(labels::SPEC_HASH)
            .cloned()
            .unwrap_or_default();
        let legacy_hashes = [
            ManifestRestart::No,
            ManifestRestart::Always,
            ManifestRestart::UnlessStopped,
            ManifestRestart::OnFailure,
        ]
        .into_iter()
        .map(|p| {
            let mut s = spec.clone();
            s.restart = restart_policy(p);
            let h = crate::docker::legacy_spec_hash(&s, &[(CONF_PATH, conf.as_bytes())]);
            (h, s.restart)
        })
        .collect();
        Ok(DockerTarget {
            kind: r.kind(),
            signer: r.signer.name.clone(),
            host: d.host.clone(),
            reference: d.reference(),
            digest: d.digest.clone(),
            volume: d.volume.clone(),
            volume_labels: labels::ownership_labels(&r.signer.name),
            spec,
            spec_hash,
            legacy_hashes,
            conf,
            conf_display,
            auto_unlock: r.wallet.auto_unlock,
            network: r.signer.network,
            rpc_bind: r.rpc.listen,
            password_host_path: r.wallet.password_file(),
            bundle_tls_cert: r
                .watchonly
                .is_none()
                .then(|| r.bundle.path.join(crate::bundle::TLS_CERT_FILE)),
            signer_files,
        })
    }

    pub(crate) fn admin_macaroon_path(&self) -> String {
        admin_macaroon_path(self.network)
    }

    /// Whether a container labelled with spec hash `hash` was made from
    /// this manifest (restart policy aside), and if by an earlier lsm, the
    /// policy it was made with.
    pub(crate) fn made_from_this(&self, hash: Option<&str>) -> Option<Option<RestartPolicy>> {
        let hash = hash?;
        if hash == self.spec_hash {
            return Some(None);
        }
        self.legacy_hashes
            .iter()
            .find(|(h, _)| h == hash)
            .map(|(_, p)| Some(*p))
    }
}
