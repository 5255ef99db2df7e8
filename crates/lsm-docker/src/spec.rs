//! The runtime-neutral description of the signer container, its mapping onto
//! the Engine API's create body, and the spec hash.
//!
//! The hash follows compose's "label a hash and compare" design (anchors §2)
//! but fixes compose's blind spot: it covers the *content* of the files lsm
//! places in the volume (the rendered lnd.conf), so editing only the config
//! still changes the hash. It is computed over a canonical, versioned JSON
//! document (fixed field order, ports sorted, env and files keyed by name), so
//! it is stable across runs, HashMap orderings and label order, and labels are
//! not part of it (they carry the hash).
//!
//! The restart policy is *not* in the hash (format 2). The engine changes it
//! in place (`POST /containers/{id}/update`) while labels can never change,
//! so a hash covering it would go stale at the first in-place update and
//! force a replacement forever after. lsm compares the policy field by field
//! instead, and records the policy it set in the `io.lsm.restart-policy`
//! label at creation (and, after an in-place update, in the volume; see the
//! Docker runtime), which is what tells `docker update --restart` apart from
//! a manifest change. Containers made by an lsm that hashed format 1 (with
//! the policy) still match: see [`legacy_spec_hash`].

use super::labels;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, Mount, MountType, NetworkingConfig,
    RestartPolicy as BollardRestart, RestartPolicyNameEnum,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;

/// The container lsm wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Container name (no leading `/`).
    pub name: String,
    /// `repo:tag` or `repo:tag@sha256:…`.
    pub image: String,
    /// Arguments to the image's entrypoint (the container's `Cmd`). Empty means
    /// the image's default `Cmd`, which observation then reports.
    pub args: Vec<String>,
    /// Extra environment variables (the image's own env is observed alongside).
    pub env: BTreeMap<String, String>,
    /// The one named volume, holding lnd's data and the files lsm uploads.
    pub volume: VolumeMount,
    pub restart: RestartPolicy,
    /// A user-defined Docker network; `None` is the engine default (`bridge`).
    pub network: Option<String>,
    /// Published TCP ports.
    pub ports: Vec<PortBinding>,
    /// Labels, normally including [`labels::ownership_labels`] and the spec hash
    /// (see [`ContainerSpec::with_lsm_labels`]).
    pub labels: BTreeMap<String, String>,
}

/// A named volume mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
}

/// Docker's restart policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RestartPolicy {
    No,
    Always,
    #[default]
    UnlessStopped,
    OnFailure {
        max_retries: u32,
    },
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestartPolicy::No => f.write_str("no"),
            RestartPolicy::Always => f.write_str("always"),
            RestartPolicy::UnlessStopped => f.write_str("unless-stopped"),
            RestartPolicy::OnFailure { max_retries: 0 } => f.write_str("on-failure"),
            RestartPolicy::OnFailure { max_retries } => write!(f, "on-failure:{max_retries}"),
        }
    }
}

impl RestartPolicy {
    pub(crate) fn to_bollard(self) -> BollardRestart {
        let (name, retries) = match self {
            RestartPolicy::No => (RestartPolicyNameEnum::NO, None),
            RestartPolicy::Always => (RestartPolicyNameEnum::ALWAYS, None),
            RestartPolicy::UnlessStopped => (RestartPolicyNameEnum::UNLESS_STOPPED, None),
            RestartPolicy::OnFailure { max_retries } => (
                RestartPolicyNameEnum::ON_FAILURE,
                Some(i64::from(max_retries)),
            ),
        };
        BollardRestart {
            name: Some(name),
            maximum_retry_count: retries,
        }
    }

    /// Reads the engine's policy; an empty name is Docker's default, `no`.
    pub(crate) fn from_bollard(p: Option<&BollardRestart>) -> RestartPolicy {
        let Some(p) = p else {
            return RestartPolicy::No;
        };
        match p.name {
            Some(RestartPolicyNameEnum::ALWAYS) => RestartPolicy::Always,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED) => RestartPolicy::UnlessStopped,
            Some(RestartPolicyNameEnum::ON_FAILURE) => RestartPolicy::OnFailure {
                max_retries: p
                    .maximum_retry_count
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
            },
            Some(RestartPolicyNameEnum::NO | RestartPolicyNameEnum::EMPTY) | None => {
                RestartPolicy::No
            }
        }
    }
}

/// One published TCP port: `host_ip:host_port` on the host → `container_port`.
///
/// Ordering sorts by container port, then host address, so lists compare
/// equal regardless of the order Docker or the manifest gave them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortBinding {
    pub host_ip: IpAddr,
    pub host_port: u16,
    pub container_port: u16,
}

impl Ord for PortBinding {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.container_port, self.host_ip, self.host_port).cmp(&(
            other.container_port,
            other.host_ip,
            other.host_port,
        ))
    }
}

impl PartialOrd for PortBinding {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PortBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.host_ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.host_port)?,
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.host_port)?,
        }
        write!(f, "->{}/tcp", self.container_port)
    }
}

/// The Engine API's key for a TCP container port.
pub(crate) fn port_key(container_port: u16) -> String {
    format!("{container_port}/tcp")
}

impl ContainerSpec {
    /// Adds the ownership labels, `io.lsm.spec-hash` computed over this
    /// spec and `files` (the files lsm will upload into the volume), and
    /// `io.lsm.restart-policy` (the policy the container is created with).
    pub fn with_lsm_labels(mut self, signer: &str, files: &[(&str, &[u8])]) -> Self {
        let hash = spec_hash(&self, files);
        self.labels.extend(labels::ownership_labels(signer));
        self.labels.insert(labels::SPEC_HASH.to_string(), hash);
        self.labels
            .insert(labels::RESTART_POLICY.to_string(), self.restart.to_string());
        self
    }

    /// The Engine API create body for this spec.
    pub(crate) fn create_body(&self) -> ContainerCreateBody {
        let mut ports = self.ports.clone();
        ports.sort();
        ports.dedup();
        let mut bindings: HashMap<String, Option<Vec<bollard::models::PortBinding>>> =
            HashMap::new();
        for p in &ports {
            bindings
                .entry(port_key(p.container_port))
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(bollard::models::PortBinding {
                    host_ip: Some(p.host_ip.to_string()),
                    host_port: Some(p.host_port.to_string()),
                });
        }
        let mut exposed: Vec<String> = bindings.keys().cloned().collect();
        exposed.sort();
        let network = self.network.clone();
        ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: (!self.args.is_empty()).then(|| self.args.clone()),
            env: (!self.env.is_empty())
                .then(|| self.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            exposed_ports: (!exposed.is_empty()).then_some(exposed),
            labels: Some(self.labels.clone().into_iter().collect()),
            host_config: Some(HostConfig {
                port_bindings: (!bindings.is_empty()).then_some(bindings),
                restart_policy: Some(self.restart.to_bollard()),
                mounts: Some(vec![Mount {
                    typ: Some(MountType::VOLUME),
                    source: Some(self.volume.name.clone()),
                    target: Some(self.volume.mount_path.clone()),
                    read_only: Some(false),
                    ..Default::default()
                }]),
                network_mode: network.clone(),
                ..Default::default()
            }),
            networking_config: network.map(|n| NetworkingConfig {
                endpoints_config: Some(HashMap::from([(n, EndpointSettings::default())])),
            }),
            ..Default::default()
        }
    }
}

/// The canonical document the spec hash is taken over. Field order is fixed
/// by the struct; bump `format` whenever its meaning changes.
#[derive(Serialize)]
struct Canonical<'a> {
    format: u32,
    image: &'a str,
    args: &'a [String],
    env: &'a BTreeMap<String, String>,
    ports: Vec<String>,
    mounts: Vec<&'a VolumeMount>,
    /// Format 1 only (see the module doc).
    #[serde(skip_serializing_if = "Option::is_none")]
    restart: Option<String>,
    network: Option<&'a str>,
    /// path → sha256 of the content, one entry per file (sorted by path).
    files: BTreeMap<&'a str, String>,
}

/// sha256 (hex) over the canonical form of everything that forces a new
/// container: image, args, env, ports, mounts, network and the content of the
/// files lsm places in the volume. Not covered: name, labels and the restart
/// policy (updated in place; see the module doc).
pub fn spec_hash(spec: &ContainerSpec, files: &[(&str, &[u8])]) -> String {
    hash_format(spec, files, None)
}

/// The hash an earlier lsm (format 1) put on its containers, which also
/// covered the restart policy: a container carrying it for `spec` with
/// `spec.restart` matches `spec` in everything but possibly the policy.
pub fn legacy_spec_hash(spec: &ContainerSpec, files: &[(&str, &[u8])]) -> String {
    hash_format(spec, files, Some(spec.restart.to_string()))
}

fn hash_format(spec: &ContainerSpec, files: &[(&str, &[u8])], restart: Option<String>) -> String {
    let mut ports = spec.ports.clone();
    ports.sort();
    ports.dedup();
    let doc = Canonical {
        format: if restart.is_some() { 1 } else { 2 },
        image: &spec.image,
        args: &spec.args,
        env: &spec.env,
        ports: ports.iter().map(ToString::to_string).collect(),
        mounts: vec![&spec.volume],
        restart,
        network: spec.network.as_deref(),
        files: files
            .iter()
            .map(|(path, bytes)| (*path, hex::encode(Sha256::digest(bytes))))
            .collect(),
    };
    // Serialising plain strings, maps and vectors cannot fail.
    let json = serde_json::to_vec(&doc).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// Checks a container or volume name against Docker's rule
/// (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`), so a bad name is reported before any call.
pub fn validate_object_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if name.len() >= 2 && first_ok && rest_ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid Docker name: use at least 2 characters from \
             [a-zA-Z0-9_.-], starting with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "lsm-signer".into(),
            image: "lightninglabs/lnd:v0.20.0-beta".into(),
            args: vec!["--lnddir=/root/.lnd".into()],
            env: BTreeMap::new(),
            volume: VolumeMount {
                name: "lsm-signer-data".into(),
                mount_path: "/root/.lnd".into(),
            },
            restart: RestartPolicy::UnlessStopped,
            network: Some("signer-net".into()),
            ports: vec![
                PortBinding {
                    host_ip: "127.0.0.1".parse().unwrap(),
                    host_port: 10012,
                    container_port: 10012,
                },
                PortBinding {
                    host_ip: "::1".parse().unwrap(),
                    host_port: 10012,
                    container_port: 10012,
                },
            ],
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn create_body_maps_every_field() {
        let body = spec().create_body();
        assert_eq!(body.exposed_ports, Some(vec!["10012/tcp".to_string()]));
        let hc = body.host_config.unwrap();
        let b = hc.port_bindings.unwrap()["10012/tcp"].clone().unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(b[1].host_ip.as_deref(), Some("::1"));
        assert_eq!(hc.network_mode.as_deref(), Some("signer-net"));
        assert_eq!(
            hc.restart_policy.unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
        let m = &hc.mounts.unwrap()[0];
        assert_eq!(m.typ, Some(MountType::VOLUME));
        assert_eq!(m.source.as_deref(), Some("lsm-signer-data"));
        assert!(
            body.networking_config
                .unwrap()
                .endpoints_config
                .unwrap()
                .contains_key("signer-net")
        );
        assert_eq!(body.cmd, Some(vec!["--lnddir=/root/.lnd".to_string()]));
        assert_eq!(body.env, None);
    }

    #[test]
    fn names_are_checked_like_docker() {
        assert!(validate_object_name("lsm-signer_1.data").is_ok());
        for bad in ["", "a", "-x", "a/b", "a b", "é1"] {
            assert!(validate_object_name(bad).is_err(), "{bad}");
        }
    }
}
