//! Every default signer.toml relies on, in one place: resolution fills them
//! in and the JSON Schema advertises them (`default` annotations), so an
//! editor's hover text and lsm's behaviour cannot disagree.
//!
//! Image and version defaults are not here: they come from versions.env.

use super::enums::{ChainBackend, DebugLevel, MacaroonScope, RestartPolicy, Runtime, Supervisor};

pub(crate) const SIGNER_NAME: &str = "litd-signer";
pub(crate) const RUNTIME: Runtime = Runtime::Docker;
pub(crate) const ALIAS: &str = "lsm-signer";
pub(crate) const DEBUG_LEVEL: DebugLevel = DebugLevel::Info;
pub(crate) const CHAIN_BACKEND: ChainBackend = ChainBackend::Nochainbackend;

/// The Docker volume is `<signer.name>` + this suffix.
pub(crate) const VOLUME_SUFFIX: &str = "-data";
pub(crate) const RESTART: RestartPolicy = RestartPolicy::UnlessStopped;

pub(crate) const LND_PATH: &str = "lnd";
pub(crate) const LND_DIR: &str = "~/.lnd-signer";
pub(crate) const SUPERVISOR: Supervisor = Supervisor::Process;

pub(crate) const RPC_LISTEN: &str = "0.0.0.0:10012";
/// Always a TLS name besides `<signer.name>`: what a watch-only node in a
/// shared Docker network (or an /etc/hosts entry) dials.
pub(crate) const TLS_EXTRA_DOMAIN: &str = "signer";

pub(crate) const REST_ENABLED: bool = true;
pub(crate) const REST_LISTEN: &str = "127.0.0.1:10013";

pub(crate) const SECRETS_DIR: &str = "~/.lnget/signer";
pub(crate) const AUTO_UNLOCK: bool = true;

pub(crate) const MACAROON_SCOPE: MacaroonScope = MacaroonScope::SignerOnly;
/// Not 0: root key 0 is lnd's default key (admin.macaroon) and cannot be
/// deleted, so a macaroon baked under it could never be revoked.
pub(crate) const ROOT_KEY_ID: u64 = 1;

pub(crate) const BUNDLE_PATH: &str = "~/.lnget/signer/credentials-bundle";
pub(crate) const BUNDLE_ARCHIVE: bool = true;

/// The defaults of watchonly.toml where they differ from signer.toml's: a
/// watch-only node on the same host as its signer must not clash with it
/// (ports, names, directories).
pub(crate) mod watchonly {
    use crate::manifest::enums::{ChainBackend, Implementation};

    pub(crate) const NAME: &str = "lsm-watchonly";
    pub(crate) const ALIAS: &str = "lsm-watchonly";
    pub(crate) const IMPLEMENTATION: Implementation = Implementation::Lnd;
    /// The old kit's default: a watch-only node needs the chain, and
    /// neutrino needs no node of the operator's own.
    pub(crate) const CHAIN_BACKEND: ChainBackend = ChainBackend::Neutrino;
    pub(crate) const LND_DIR: &str = "~/.lnd-watchonly";
    /// lnd's own default ports: a signer (10012/10013) on the same host
    /// does not use them.
    pub(crate) const RPC_LISTEN: &str = "127.0.0.1:10009";
    pub(crate) const REST_LISTEN: &str = "127.0.0.1:8080";
    pub(crate) const P2P_LISTEN: &str = "0.0.0.0:9735";
    pub(crate) const SECRETS_DIR: &str = "~/.lnget/watchonly";
}
