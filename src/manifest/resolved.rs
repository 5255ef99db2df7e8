//! The resolved manifest: every default filled in, every path absolute,
//! every value typed. This is what the rest of lsm (desired state, runtimes,
//! wallet, bundle) is written against; it never sees raw TOML.
//!
//! Invariants `resolve` guarantees:
//! - `docker.is_some()` iff `signer.runtime == Docker`; `native` likewise;
//! - `neutrino` / `bitcoind` are `Some` iff that chain backend is selected;
//! - `rest.listen.is_some()` iff `rest.enabled`;
//! - `macaroon.permissions` is the concrete, sorted, duplicate-free set for
//!   every scope (admin and signer-only included).

use super::enums::{
    ChainBackend, DebugLevel, Implementation, MacaroonScope, Network, RestartPolicy, Runtime,
    Supervisor,
};
use super::fields::LndBinary;
use crate::lnd::permissions::Permission;
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// Manifest format version (always 1).
    pub version: u64,
    pub signer: Signer,
    pub neutrino: Option<Neutrino>,
    pub bitcoind: Option<Bitcoind>,
    /// Absent from the digest input when unset, so the manifest hash of
    /// every signer written before btcd existed is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub btcd: Option<Btcd>,
    pub docker: Option<Docker>,
    pub native: Option<Native>,
    pub rpc: Rpc,
    pub rest: Rest,
    pub wallet: Wallet,
    /// For a signer, the macaroon it bakes for its watch-only node; a
    /// watch-only node bakes none (its value is the signer default, unused).
    pub macaroon: Macaroon,
    /// For a signer, where it exports its bundle; for a watch-only node,
    /// the bundle it imports (`archive` is then false).
    pub bundle: Bundle,
    /// Present exactly for a watch-only node (`[watchonly]` manifests):
    /// `signer` then holds the node's own table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchonly: Option<WatchOnly>,
}

/// What only a watch-only node has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchOnly {
    pub implementation: Implementation,
    /// The bundle's directory or `.tar.gz.b64` file.
    pub bundle_source: PathBuf,
    /// `host:port` the node dials instead of bundle.json's rpc_endpoint.
    pub signer_endpoint: Option<String>,
    /// Host bind of the Lightning p2p listener.
    pub p2p_listen: SocketAddr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Btcd {
    pub rpchost: String,
    pub rpcuser: String,
    pub rpcpass_file: PathBuf,
    /// btcd's RPC certificate (PEM), rendered into lnd.conf as hex.
    pub rpccert: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub name: String,
    pub network: Network,
    pub runtime: Runtime,
    pub alias: String,
    pub debug_level: DebugLevel,
    pub chain_backend: ChainBackend,
    /// Operator-owned lnd.conf options: key → one rendered value per line
    /// (nested tables already flattened to dotted keys).
    pub extra_config: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Neutrino {
    pub peers: Vec<String>,
    pub fee_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bitcoind {
    pub rpchost: String,
    pub rpcuser: String,
    pub rpcpass_file: PathBuf,
    pub zmqpubrawblock: String,
    pub zmqpubrawtx: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Docker {
    /// Repository, e.g. `lightninglabs/lnd`.
    pub image: String,
    /// Tag, e.g. `v0.20.0-beta`.
    pub version: String,
    /// `sha256:<64 hex>` when pinned.
    pub digest: Option<String>,
    pub volume: String,
    pub network: Option<String>,
    pub restart: RestartPolicy,
    /// Explicit endpoint; `None` means DOCKER_HOST, else the local socket.
    pub host: Option<String>,
}

impl Docker {
    /// `image:version`, plus `@digest` when pinned.
    pub fn reference(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}:{}@{d}", self.image, self.version),
            None => format!("{}:{}", self.image, self.version),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Native {
    pub lnd_path: LndBinary,
    pub lnd_dir: PathBuf,
    pub supervisor: Supervisor,
    /// The lnd version the binary must report: `LND_VERSION` from
    /// versions.env (there is no manifest key for it), e.g. `v0.20.0-beta`.
    pub lnd_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rpc {
    pub listen: SocketAddr,
    pub tls_extra_ips: Vec<IpAddr>,
    pub tls_extra_domains: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rest {
    pub enabled: bool,
    /// `None` exactly when REST is disabled.
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wallet {
    pub secrets_dir: PathBuf,
    pub auto_unlock: bool,
    /// Lowercase hex, when the operator asserts the identity.
    pub expected_identity_pubkey: Option<String>,
}

impl Wallet {
    pub(crate) const PASSWORD_FILE: &'static str = "wallet-password.txt";
    pub(crate) const SEED_FILE: &'static str = "seed.txt";

    pub(crate) fn password_file(&self) -> PathBuf {
        self.secrets_dir.join(Self::PASSWORD_FILE)
    }

    pub fn seed_file(&self) -> PathBuf {
        self.secrets_dir.join(Self::SEED_FILE)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Macaroon {
    pub scope: MacaroonScope,
    #[serde(serialize_with = "permission_strings")]
    pub permissions: Vec<Permission>,
    pub root_key_id: u64,
}

fn permission_strings<S: Serializer>(perms: &[Permission], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(perms.iter().map(|p| p.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bundle {
    pub path: PathBuf,
    pub archive: bool,
}

impl Bundle {
    /// `<path>.tar.gz.b64`, beside the bundle directory.
    pub fn archive_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".tar.gz.b64");
        self.path.with_file_name(name)
    }
}

impl Resolved {
    /// sha256 (hex) of the canonical JSON of the resolved values: struct
    /// fields in declaration order, maps sorted, no whitespace. Equal
    /// desired states give equal digests however they were written
    /// (defaults spelled out or not, comments, key order); provenance is
    /// not part of it.
    pub fn digest(&self) -> String {
        // Serialising these types to JSON cannot fail (no non-string map keys).
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }

    /// One line for humans: `signer "litd-signer", testnet, docker lightninglabs/lnd:v0.20.0-beta`.
    pub(crate) fn summary(&self) -> String {
        let runtime = match (&self.docker, &self.native) {
            (Some(d), _) => format!("docker {}", d.reference()),
            (None, Some(n)) => format!("native {} ({})", n.lnd_path, n.lnd_version),
            (None, None) => self.signer.runtime.to_string(),
        };
        format!(
            "{} \"{}\", {}, {runtime}",
            self.kind_noun(),
            self.signer.name,
            self.signer.network
        )
    }

    /// Which kind of node this manifest declares.
    pub fn kind(&self) -> super::schema::Kind {
        if self.watchonly.is_some() {
            super::schema::Kind::WatchOnly
        } else {
            super::schema::Kind::Signer
        }
    }

    /// `signer` or `watch-only node`, for messages.
    pub(crate) fn kind_noun(&self) -> &'static str {
        match self.kind() {
            super::schema::Kind::Signer => "signer",
            super::schema::Kind::WatchOnly => "watch-only node",
        }
    }
}
