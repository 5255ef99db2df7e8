//! watchonly.toml exactly as written: the manifest of a watch-only lnd node
//! that imports a signer's credentials bundle and sends every signature to
//! that signer. Like signer.toml's types, these are the one description of
//! the format (`schemas/watchonly.schema.json` is generated from them).
//! Tables whose keys and defaults are the signer's reuse its types; the
//! others are declared here with the watch-only defaults.

use super::{BitcoindTable, DockerTable, ExtraValue, FormatVersion, NAME_PATTERN, NeutrinoTable};
use crate::manifest::defaults::{self, watchonly as wo};
use crate::manifest::enums::{
    ChainBackend, DebugLevel, Implementation, Network, Runtime, Supervisor,
};
use crate::manifest::schema_rules::bind_pattern;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// watchonly.toml, format version 1.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    transform = crate::manifest::schema_rules::watchonly_rules,
    title = "watchonly.toml",
    description = "Declares one watch-only lnd node that signs through a remote signer, for lsm \
                   (format version 1). The README's watchonly.toml reference documents every key."
)]
pub(crate) struct WatchOnlyManifest {
    /// Manifest format version. Required; must be 1.
    #[schemars(required)]
    pub version: Option<FormatVersion>,
    /// The watch-only node itself: name, network, runtime, implementation and chain backend.
    #[schemars(required)]
    pub watchonly: Option<WatchOnlyTable>,
    /// Neutrino light client settings; only with watchonly.chain_backend = "neutrino".
    pub neutrino: Option<NeutrinoTable>,
    /// bitcoind settings; only with watchonly.chain_backend = "bitcoind".
    pub bitcoind: Option<BitcoindTable>,
    /// btcd settings; only with watchonly.chain_backend = "btcd".
    pub btcd: Option<BtcdTable>,
    /// Docker runtime settings; only with watchonly.runtime = "docker".
    pub docker: Option<DockerTable>,
    /// Native runtime settings; only with watchonly.runtime = "native".
    pub native: Option<WatchOnlyNativeTable>,
    /// The node's gRPC listener (lncli and applications).
    pub rpc: Option<WatchOnlyRpcTable>,
    /// The node's REST listener.
    pub rest: Option<WatchOnlyRestTable>,
    /// The node's Lightning peer-to-peer listener.
    pub p2p: Option<P2pTable>,
    /// Where the watch-only wallet's password lives and how the wallet is unlocked.
    pub wallet: Option<WatchOnlyWalletTable>,
    /// The signer's credentials bundle this node imports.
    #[schemars(required)]
    pub bundle: Option<ImportTable>,
}

/// `[watchonly]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchOnlyTable {
    /// Container / instance name (Docker name rules: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 63 characters).
    #[schemars(regex(pattern = NAME_PATTERN), length(min = 1, max = 63), extend("default" = wo::NAME))]
    pub name: Option<String>,
    /// Bitcoin network; must be the signer's (the bundle says which).
    #[schemars(required)]
    pub network: Option<Network>,
    /// Where lnd runs.
    #[schemars(extend("default" = defaults::RUNTIME))]
    pub runtime: Option<Runtime>,
    /// Which program runs the node.
    #[schemars(extend("default" = wo::IMPLEMENTATION))]
    pub implementation: Option<Implementation>,
    /// lnd's node alias (at most 32 bytes).
    #[schemars(length(min = 1, max = 32), extend("default" = wo::ALIAS))]
    pub alias: Option<String>,
    /// lnd's debuglevel.
    #[schemars(extend("default" = defaults::DEBUG_LEVEL))]
    pub debug_level: Option<DebugLevel>,
    /// lnd's bitcoin.node. A watch-only node needs the chain: nochainbackend is refused.
    #[schemars(extend("default" = wo::CHAIN_BACKEND))]
    pub chain_backend: Option<ChainBackend>,
    /// Extra lnd.conf options the operator owns. Keys lsm manages are refused.
    pub extra_config: Option<BTreeMap<String, ExtraValue>>,
}

/// `[btcd]`: every key is required when chain_backend = "btcd".
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BtcdTable {
    /// btcd RPC address, host or host:port, as the node reaches it.
    pub rpchost: Option<String>,
    /// btcd RPC user.
    pub rpcuser: Option<String>,
    /// File holding the btcd RPC password (kept out of the manifest).
    pub rpcpass_file: Option<String>,
    /// btcd's RPC certificate (PEM file); lsm writes it into lnd.conf (btcd.rawrpccert).
    pub rpccert: Option<String>,
}

/// `[native]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchOnlyNativeTable {
    /// lnd binary: a bare name is looked up in PATH, anything else is a path.
    #[schemars(length(min = 1), extend("default" = defaults::LND_PATH))]
    pub lnd_path: Option<String>,
    /// lnd's data directory (lnddir).
    #[schemars(length(min = 1), extend("default" = wo::LND_DIR))]
    pub lnd_dir: Option<String>,
    /// What keeps lnd running.
    #[schemars(extend("default" = defaults::SUPERVISOR))]
    pub supervisor: Option<Supervisor>,
}

/// `[rpc]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchOnlyRpcTable {
    /// Host bind for the node's gRPC: `IPv4:port` or `[IPv6]:port`, port 1–65535.
    #[schemars(regex(pattern = bind_pattern()), extend("default" = wo::RPC_LISTEN))]
    pub listen: Option<String>,
    /// Extra IP addresses in the node's TLS certificate (no repeats).
    #[schemars(extend("uniqueItems" = true))]
    pub tls_extra_ips: Option<Vec<String>>,
    /// Extra DNS names in the node's TLS certificate (default ["<watchonly.name>"]; no repeats).
    #[schemars(extend("uniqueItems" = true))]
    pub tls_extra_domains: Option<Vec<String>>,
}

/// `[rest]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchOnlyRestTable {
    /// Run lnd's REST listener.
    #[schemars(extend("default" = defaults::REST_ENABLED))]
    pub enabled: Option<bool>,
    /// Host bind for REST (local only by default). Only with enabled = true.
    #[schemars(regex(pattern = bind_pattern()), extend("default" = wo::REST_LISTEN))]
    pub listen: Option<String>,
}

/// `[p2p]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct P2pTable {
    /// Host bind for Lightning peers: `IPv4:port` or `[IPv6]:port` (Docker publishes it there).
    #[schemars(regex(pattern = bind_pattern()), extend("default" = wo::P2P_LISTEN))]
    pub listen: Option<String>,
}

/// `[wallet]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchOnlyWalletTable {
    /// Directory for wallet-password.txt (a 0600 file in a 0700 directory; a watch-only wallet has no seed).
    #[schemars(length(min = 1), extend("default" = wo::SECRETS_DIR))]
    pub secrets_dir: Option<String>,
    /// Unlock the wallet automatically at lnd start (wallet-unlock-password-file).
    #[schemars(extend("default" = defaults::AUTO_UNLOCK))]
    pub auto_unlock: Option<bool>,
}

/// `[bundle]`
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportTable {
    /// The signer's credentials bundle: its directory, or its `.tar.gz.b64` file.
    #[schemars(required, length(min = 1))]
    pub path: Option<String>,
    /// `host:port` the node dials instead of bundle.json's rpc_endpoint (e.g. the
    /// signer's container name on a shared Docker network). The signer's certificate must name the host.
    #[schemars(length(min = 1))]
    pub signer_endpoint: Option<String>,
}
