//! signer.toml exactly as written: serde + schemars types with the manifest's
//! key names. These types are the ONE description of the format:
//! - `schemas/signer.schema.json` is generated from them;
//! - the structural check (`structure.rs`) walks the parsed TOML against that
//!   generated schema (unknown keys, types, enum values, ranges, required);
//! - serde then deserializes the checked document into them.
//!
//! Every key a default exists for is an `Option`, so resolution can tell
//! "written in the manifest" from "defaulted" (provenance). Formats the
//! schema can only hint at (patterns) are checked precisely in `fields.rs`.

use super::defaults;
use super::enums::{
    ChainBackend, DebugLevel, MacaroonScope, Network, RestartPolicy, Runtime, Supervisor,
};
use super::fields::REFUSED_NETWORK_MODES;
use super::schema_rules::{self, bind_pattern};
use crate::lnd::permissions::{ACTIONS, ENTITIES};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

pub(crate) mod watchonly;

/// The only manifest format version this lsm reads.
pub(crate) const FORMAT_VERSION: u64 = 1;

/// Regex (JSON Schema dialect) for a container/instance name, as Docker allows.
pub(crate) const NAME_PATTERN: &str = "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$";
/// Docker volume and network names need at least two characters.
pub(crate) const VOLUME_PATTERN: &str = "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$";
/// A Docker image tag.
pub(crate) const TAG_PATTERN: &str = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$";
/// A pinned image digest.
pub(crate) const DIGEST_PATTERN: &str = "^sha256:[0-9a-f]{64}$";
/// A compressed secp256k1 public key in hex.
pub(crate) const PUBKEY_PATTERN: &str = "^0[23][0-9a-fA-F]{64}$";

/// `entity:action` with lnd's vocabulary, or `uri:/pkg.Service/Method`.
/// Built from the same lists `Permission::from_str` checks against.
pub(crate) fn permission_pattern() -> String {
    format!(
        "^(({}):({})|uri:/[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+/[A-Za-z][A-Za-z0-9_]*)$",
        ENTITIES
            .iter()
            .filter(|e| **e != "uri")
            .copied()
            .collect::<Vec<_>>()
            .join("|"),
        ACTIONS.join("|")
    )
}

/// A manifest of either kind, as written.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    Signer(Manifest),
    WatchOnly(watchonly::WatchOnlyManifest),
}

/// signer.toml, format version 1.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    transform = schema_rules::manifest_rules,
    title = "signer.toml",
    description = "Declares one lnd remote signer for lsm (format version 1). \
                   The README's manifest reference documents every key."
)]
pub(crate) struct Manifest {
    /// Manifest format version. Required; must be 1.
    #[schemars(required)]
    pub version: Option<FormatVersion>,
    /// The signer itself: name, network, runtime and lnd settings.
    #[schemars(required)]
    pub signer: Option<SignerTable>,
    /// Neutrino light client settings; only with signer.chain_backend = "neutrino".
    pub neutrino: Option<NeutrinoTable>,
    /// bitcoind settings; only with signer.chain_backend = "bitcoind".
    pub bitcoind: Option<BitcoindTable>,
    /// btcd settings; only with signer.chain_backend = "btcd".
    pub btcd: Option<watchonly::BtcdTable>,
    /// Docker runtime settings; only with signer.runtime = "docker".
    pub docker: Option<DockerTable>,
    /// Native runtime settings; only with signer.runtime = "native".
    pub native: Option<NativeTable>,
    /// The signer's gRPC listener (what the watch-only node dials).
    pub rpc: Option<RpcTable>,
    /// The signer's REST listener (local only by default; disable it when nothing uses it).
    pub rest: Option<RestTable>,
    /// Where the wallet's secrets live and how the wallet is unlocked.
    pub wallet: Option<WalletTable>,
    /// The macaroon exported to the watch-only node.
    pub macaroon: Option<MacaroonTable>,
    /// The credentials bundle for the watch-only node.
    pub bundle: Option<BundleTable>,
}

/// `[signer]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignerTable {
    /// Container / instance name (Docker name rules: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 63 characters).
    #[schemars(regex(pattern = NAME_PATTERN), length(min = 1, max = 63), extend("default" = defaults::SIGNER_NAME))]
    pub name: Option<String>,
    /// Bitcoin network. Required: a wrong default could put a wallet on the wrong chain.
    #[schemars(required)]
    pub network: Option<Network>,
    /// Where lnd runs.
    #[schemars(extend("default" = defaults::RUNTIME))]
    pub runtime: Option<Runtime>,
    /// lnd's node alias (at most 32 bytes).
    #[schemars(length(min = 1, max = 32), extend("default" = defaults::ALIAS))]
    pub alias: Option<String>,
    /// lnd's debuglevel.
    #[schemars(extend("default" = defaults::DEBUG_LEVEL))]
    pub debug_level: Option<DebugLevel>,
    /// lnd's bitcoin.node. nochainbackend is lnd's pure signing mode.
    #[schemars(extend("default" = defaults::CHAIN_BACKEND))]
    pub chain_backend: Option<ChainBackend>,
    /// Extra lnd.conf options the operator owns. Keys lsm manages are refused.
    /// Values: string, integer, boolean, or an array of those (one line each).
    /// Nested tables become dotted keys (`routing.strictgraphpruning = true`).
    pub extra_config: Option<BTreeMap<String, ExtraValue>>,
}

/// A value in `[signer.extra_config]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ExtraValue {
    /// One `key=value` line.
    Scalar(ExtraScalar),
    /// One `key=value` line per element (lnd's repeatable options).
    List(Vec<ExtraScalar>),
    /// A TOML dotted key or sub-table: `a.b = 1` is lnd's `a.b=1`.
    Table(BTreeMap<String, ExtraValue>),
}

/// One lnd.conf value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ExtraScalar {
    Bool(bool),
    Integer(i64),
    String(String),
}

/// `[neutrino]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NeutrinoTable {
    /// Peers to connect to (host or host:port); lnd's neutrino.addpeer.
    pub peers: Option<Vec<String>>,
    /// Fee estimation URL (lnd's fee.url); required by lnd on mainnet.
    pub fee_url: Option<String>,
}

/// `[bitcoind]`: every key is required when chain_backend = "bitcoind".
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BitcoindTable {
    /// bitcoind RPC address, host or host:port.
    pub rpchost: Option<String>,
    /// bitcoind RPC user.
    pub rpcuser: Option<String>,
    /// File holding the bitcoind RPC password (kept out of the manifest).
    pub rpcpass_file: Option<String>,
    /// ZMQ raw-block endpoint, tcp://host:port.
    pub zmqpubrawblock: Option<String>,
    /// ZMQ raw-transaction endpoint, tcp://host:port.
    pub zmqpubrawtx: Option<String>,
}

/// `[docker]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DockerTable {
    /// Image repository without tag (default LND_IMAGE from versions.env).
    #[schemars(length(min = 1))]
    pub image: Option<String>,
    /// Image tag (default LND_VERSION from versions.env).
    #[schemars(regex(pattern = TAG_PATTERN))]
    pub version: Option<String>,
    /// Optional digest pin: sha256: followed by 64 lowercase hex digits.
    #[schemars(regex(pattern = DIGEST_PATTERN))]
    pub digest: Option<String>,
    /// Data volume (default "<signer.name>-data").
    #[schemars(regex(pattern = VOLUME_PATTERN))]
    pub volume: Option<String>,
    /// Optional user-defined Docker network to join. Not "host", "none" or
    /// "container:<id>": Docker would ignore the published ports.
    #[schemars(regex(pattern = VOLUME_PATTERN), extend("not" = { "enum": REFUSED_NETWORK_MODES }))]
    pub network: Option<String>,
    /// Docker restart policy.
    #[schemars(extend("default" = defaults::RESTART))]
    pub restart: Option<RestartPolicy>,
    /// Docker endpoint (unix://, tcp://, http://, https://, ssh://); else DOCKER_HOST, else the local socket.
    #[schemars(length(min = 1))]
    pub host: Option<String>,
}

/// `[native]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NativeTable {
    /// lnd binary: a bare name is looked up in PATH, anything else is a path.
    #[schemars(length(min = 1), extend("default" = defaults::LND_PATH))]
    pub lnd_path: Option<String>,
    /// lnd's data directory (lnddir).
    #[schemars(length(min = 1), extend("default" = defaults::LND_DIR))]
    pub lnd_dir: Option<String>,
    /// What keeps lnd running.
    #[schemars(extend("default" = defaults::SUPERVISOR))]
    pub supervisor: Option<Supervisor>,
}

/// `[rpc]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RpcTable {
    /// Host bind for the signer's gRPC: `IPv4:port` or `[IPv6]:port`, port 1–65535.
    #[schemars(regex(pattern = bind_pattern()), extend("default" = defaults::RPC_LISTEN))]
    pub listen: Option<String>,
    /// Extra IP addresses in the signer's TLS certificate (no repeats).
    #[schemars(extend("uniqueItems" = true))]
    pub tls_extra_ips: Option<Vec<String>>,
    /// Extra DNS names in the signer's TLS certificate (default ["signer", "<signer.name>"]; no repeats).
    #[schemars(extend("uniqueItems" = true))]
    pub tls_extra_domains: Option<Vec<String>>,
}

/// `[rest]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = schema_rules::rest_rules)]
pub(crate) struct RestTable {
    /// Run lnd's REST listener.
    #[schemars(extend("default" = defaults::REST_ENABLED))]
    pub enabled: Option<bool>,
    /// Host bind for REST (local only by default): `IPv4:port` or `[IPv6]:port`. Only with enabled = true.
    #[schemars(regex(pattern = bind_pattern()), extend("default" = defaults::REST_LISTEN))]
    pub listen: Option<String>,
}

/// `[wallet]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WalletTable {
    /// Directory for wallet-password.txt and seed.txt (0600 files in a 0700 directory).
    #[schemars(length(min = 1), extend("default" = defaults::SECRETS_DIR))]
    pub secrets_dir: Option<String>,
    /// Unlock the wallet automatically at lnd start (wallet-unlock-password-file).
    #[schemars(extend("default" = defaults::AUTO_UNLOCK))]
    pub auto_unlock: Option<bool>,
    /// Optional assertion: the wallet's identity pubkey (66 hex characters, 02 or 03 first).
    #[schemars(regex(pattern = PUBKEY_PATTERN))]
    pub expected_identity_pubkey: Option<String>,
}

/// `[macaroon]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = schema_rules::macaroon_rules)]
pub(crate) struct MacaroonTable {
    /// Permission set of the exported macaroon.
    #[schemars(extend("default" = defaults::MACAROON_SCOPE))]
    pub scope: Option<MacaroonScope>,
    /// Only with scope = "custom", and then at least one: "entity:action" or "uri:/package.Service/Method"; no repeats.
    #[schemars(inner(regex(pattern = permission_pattern())), extend("uniqueItems" = true))]
    pub permissions: Option<Vec<String>>,
    /// Root key ID the macaroon is baked under (1 or more; 0 is lnd's undeletable default key).
    #[schemars(range(min = 1), extend("default" = defaults::ROOT_KEY_ID))]
    pub root_key_id: Option<u64>,
}

/// `[bundle]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BundleTable {
    /// Directory the credentials bundle is exported to.
    #[schemars(length(min = 1), extend("default" = defaults::BUNDLE_PATH))]
    pub path: Option<String>,
    /// Also write `<path>.tar.gz.b64` beside the directory.
    #[schemars(extend("default" = defaults::BUNDLE_ARCHIVE))]
    pub archive: Option<bool>,
}

/// `version = 1`: a type of its own so both serde and the schema refuse
/// every other number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FormatVersion;

impl<'de> Deserialize<'de> for FormatVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        if v == FORMAT_VERSION {
            Ok(FormatVersion)
        } else {
            Err(serde::de::Error::custom(format!(
                "unsupported manifest format version {v}; this lsm reads version {FORMAT_VERSION}"
            )))
        }
    }
}

impl JsonSchema for FormatVersion {
    fn schema_name() -> Cow<'static, str> {
        "FormatVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Manifest format version; this lsm reads version 1.",
            "type": "integer",
            "const": FORMAT_VERSION,
        })
    }
}
