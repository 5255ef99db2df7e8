//! One resolver per manifest table: each field is resolved on its own (so
//! every problem is reported), then the table is built when all resolved.

use super::{Resolver, p};
use crate::lnd::permissions::{self, Permission};
use crate::manifest::defaults;
use crate::manifest::enums::{ChainBackend, MacaroonScope, Network, Runtime};
use crate::manifest::fields::{self, FieldResult};
use crate::manifest::provenance::Source;
use crate::manifest::raw;
use crate::manifest::resolved::{
    Bitcoind, Btcd, Bundle, Docker, Macaroon, Native, Neutrino, Rest, Rpc, Signer, Wallet,
};
use crate::manifest::versions_env::VersionKey;

impl Resolver<'_> {
    /// The node's own table (`[signer]` or `[watchonly]`), with its kind's defaults.
    pub(super) fn signer(&mut self, raw: Option<&raw::SignerTable>) -> Option<Signer> {
        let node = self.node;
        let name = self.parsed(
            p(&[node, "name"]),
            raw.and_then(|s| s.name.as_deref()),
            self.defaults.name,
            fields::name,
        );
        let network = self.required(p(&[node, "network"]), raw.and_then(|s| s.network));
        let runtime = self.value(
            p(&[node, "runtime"]),
            raw.and_then(|s| s.runtime),
            defaults::RUNTIME,
        );
        let alias = self.parsed(
            p(&[node, "alias"]),
            raw.and_then(|s| s.alias.as_deref()),
            self.defaults.alias,
            fields::alias,
        );
        let debug_level = self.value(
            p(&[node, "debug_level"]),
            raw.and_then(|s| s.debug_level),
            defaults::DEBUG_LEVEL,
        );
        let chain_backend = self.value(
            p(&[node, "chain_backend"]),
            raw.and_then(|s| s.chain_backend),
            self.defaults.chain_backend,
        );
        let extra_config = self.extra_config(raw.and_then(|s| s.extra_config.as_ref()));
        Some(Signer {
            name: name?,
            network: network?,
            runtime: runtime?,
            alias: alias?,
            debug_level: debug_level?,
            chain_backend: chain_backend?,
            extra_config: extra_config?,
        })
    }

    pub(super) fn docker(
        &mut self,
        raw: Option<&raw::DockerTable>,
        runtime: Option<Runtime>,
        name: Option<&str>,
    ) -> Option<Option<Docker>> {
        if !self.section(
            "docker",
            raw.is_some(),
            runtime.map(|r| r == Runtime::Docker),
            "runtime",
            "docker",
        )? {
            return Some(None);
        }
        let d = raw;
        let image = self.versioned(
            p(&["docker", "image"]),
            d.and_then(|d| d.image.as_deref()),
            VersionKey::LndImage,
            fields::image,
        );
        let version = self.versioned(
            p(&["docker", "version"]),
            d.and_then(|d| d.version.as_deref()),
            VersionKey::LndVersion,
            fields::tag,
        );
        let digest = self.optional(
            p(&["docker", "digest"]),
            d.and_then(|d| d.digest.as_deref()),
            fields::digest,
        );
        let volume = match name {
            Some(n) => self.parsed(
                p(&["docker", "volume"]),
                d.and_then(|d| d.volume.as_deref()),
                &format!("{n}{}", defaults::VOLUME_SUFFIX),
                fields::docker_object_name,
            ),
            None => None,
        };
        let network = self.optional(
            p(&["docker", "network"]),
            d.and_then(|d| d.network.as_deref()),
            fields::docker_network,
        );
        let restart = self.value(
            p(&["docker", "restart"]),
            d.and_then(|d| d.restart),
            defaults::RESTART,
        );
        let host = self.optional(
            p(&["docker", "host"]),
            d.and_then(|d| d.host.as_deref()),
            fields::docker_host,
        );
        Some(Some(Docker {
            image: image?,
            version: version?,
            digest: digest?,
            volume: volume?,
            network: network?,
            restart: restart?,
            host: host?,
        }))
    }

    pub(super) fn native(
        &mut self,
        raw: Option<&raw::NativeTable>,
        runtime: Option<Runtime>,
    ) -> Option<Option<Native>> {
        if !self.section(
            "native",
            raw.is_some(),
            runtime.map(|r| r == Runtime::Native),
            "runtime",
            "native",
        )? {
            return Some(None);
        }
        let n = raw;
        let base = self.cx.base.clone();
        let lnd_path = self.parsed(
            p(&["native", "lnd_path"]),
            n.and_then(|n| n.lnd_path.as_deref()),
            defaults::LND_PATH,
            |s| fields::lnd_binary(s, &base),
        );
        let lnd_dir = self.parsed(
            p(&["native", "lnd_dir"]),
            n.and_then(|n| n.lnd_dir.as_deref()),
            self.defaults.lnd_dir,
            |s| fields::own_dir(s, &base),
        );
        let supervisor = self.value(
            p(&["native", "supervisor"]),
            n.and_then(|n| n.supervisor),
            defaults::SUPERVISOR,
        );
        // Only versions.env pins it: the manifest format has no key for it.
        let lnd_version = self.versioned(
            p(&["native", "lnd_version"]),
            None,
            VersionKey::LndVersion,
            fields::tag,
        );
        Some(Some(Native {
            lnd_path: lnd_path?,
            lnd_dir: lnd_dir?,
            supervisor: supervisor?,
            lnd_version: lnd_version?,
        }))
    }

    pub(super) fn neutrino(
        &mut self,
        raw: Option<&raw::NeutrinoTable>,
        backend: Option<ChainBackend>,
        network: Option<Network>,
    ) -> Option<Option<Neutrino>> {
        if !self.section(
            "neutrino",
            raw.is_some(),
            backend.map(|b| b == ChainBackend::Neutrino),
            "chain_backend",
            "neutrino",
        )? {
            return Some(None);
        }
        let n = raw;
        let peers_path = p(&["neutrino", "peers"]);
        let peers = match n.and_then(|n| n.peers.as_deref()) {
            Some(list) => self.list(&peers_path, list, fields::host_port),
            None if self.poisoned(&peers_path) => None,
            None => {
                self.source(&peers_path, false);
                Some(Vec::new())
            }
        };
        let fee_url = self.optional(
            p(&["neutrino", "fee_url"]),
            n.and_then(|n| n.fee_url.as_deref()),
            fields::url,
        );
        if network == Some(Network::Mainnet) && matches!(fee_url, Some(None)) {
            let at = if raw.is_some() {
                p(&["neutrino"])
            } else {
                p(&[self.node, "chain_backend"])
            };
            self.report(
                &at,
                "neutrino on mainnet needs a fee estimation URL",
                "set [neutrino] fee_url = \"https://...\" (lnd refuses to start neutrino on mainnet without fee.url)",
            );
            return None;
        }
        Some(Some(Neutrino {
            peers: peers?,
            fee_url: fee_url?,
        }))
    }

    pub(super) fn bitcoind(
        &mut self,
        raw: Option<&raw::BitcoindTable>,
        backend: Option<ChainBackend>,
    ) -> Option<Option<Bitcoind>> {
        if !self.section(
            "bitcoind",
            raw.is_some(),
            backend.map(|b| b == ChainBackend::Bitcoind),
            "chain_backend",
            "bitcoind",
        )? {
            return Some(None);
        }
        let Some(b) = raw else {
            if !self.poisoned(&p(&["bitcoind"])) {
                self.report(
                    &p(&[self.node, "chain_backend"]),
                    "chain_backend = \"bitcoind\" needs a [bitcoind] table",
                    "add [bitcoind] with rpchost, rpcuser, rpcpass_file, zmqpubrawblock and zmqpubrawtx",
                );
            }
            return None;
        };
        let base = self.cx.base.clone();
        let as_path = |s: &str| fields::path(s, &base).map(|p| p.to_string_lossy().into_owned());
        let t = "bitcoind";
        let rpchost = self.table_key(t, "rpchost", b.rpchost.as_deref(), &fields::host_port);
        let rpcuser = self.table_key(t, "rpcuser", b.rpcuser.as_deref(), &fields::rpc_user);
        let rpcpass_file = self.table_key(t, "rpcpass_file", b.rpcpass_file.as_deref(), &as_path);
        let zmqpubrawblock = self.table_key(
            t,
            "zmqpubrawblock",
            b.zmqpubrawblock.as_deref(),
            &fields::zmq_endpoint,
        );
        let zmqpubrawtx = self.table_key(
            t,
            "zmqpubrawtx",
            b.zmqpubrawtx.as_deref(),
            &fields::zmq_endpoint,
        );
        Some(Some(Bitcoind {
            rpchost: rpchost?,
            rpcuser: rpcuser?,
            rpcpass_file: rpcpass_file?.into(),
            zmqpubrawblock: zmqpubrawblock?,
            zmqpubrawtx: zmqpubrawtx?,
        }))
    }

    /// `[btcd]`: like `[bitcoind]`, every key required when selected.
    pub(super) fn btcd(
        &mut self,
        raw: Option<&raw::watchonly::BtcdTable>,
        backend: Option<ChainBackend>,
    ) -> Option<Option<Btcd>> {
        if !self.section(
            "btcd",
            raw.is_some(),
            backend.map(|b| b == ChainBackend::Btcd),
            "chain_backend",
            "btcd",
        )? {
            return Some(None);
        }
        let Some(b) = raw else {
            if !self.poisoned(&p(&["btcd"])) {
                self.report(
                    &p(&[self.node, "chain_backend"]),
                    "chain_backend = \"btcd\" needs a [btcd] table",
                    "add [btcd] with rpchost, rpcuser, rpcpass_file and rpccert",
                );
            }
            return None;
        };
        let base = self.cx.base.clone();
        let as_path = |s: &str| fields::path(s, &base).map(|p| p.to_string_lossy().into_owned());
        let rpchost = self.table_key("btcd", "rpchost", b.rpchost.as_deref(), &fields::host_port);
        let rpcuser = self.table_key("btcd", "rpcuser", b.rpcuser.as_deref(), &fields::rpc_user);
        let rpcpass_file =
            self.table_key("btcd", "rpcpass_file", b.rpcpass_file.as_deref(), &as_path);
        let rpccert = self.table_key("btcd", "rpccert", b.rpccert.as_deref(), &as_path);
        Some(Some(Btcd {
            rpchost: rpchost?,
            rpcuser: rpcuser?,
            rpcpass_file: rpcpass_file?.into(),
            rpccert: rpccert?.into(),
        }))
    }

    /// A key a selected backend table must have.
    fn table_key(
        &mut self,
        table: &str,
        key: &str,
        value: Option<&str>,
        parse: &dyn Fn(&str) -> FieldResult<String>,
    ) -> Option<String> {
        let path = p(&[table, key]);
        match value {
            Some(_) => self.optional(path, value, parse).flatten(),
            None if self.poisoned(&path) => None,
            None => {
                self.report(
                    &p(&[table]),
                    format!("missing `{key}` in [{table}]"),
                    format!("add {key} = ... (needed with chain_backend = \"{table}\")"),
                );
                None
            }
        }
    }

    pub(super) fn rpc(
        &mut self,
        raw: Option<&raw::RpcTable>,
        name: Option<&str>,
        listen: Option<std::net::SocketAddr>,
    ) -> Option<Rpc> {
        let ips_path = p(&["rpc", "tls_extra_ips"]);
        let ips = match raw.and_then(|r| r.tls_extra_ips.as_deref()) {
            Some(list) => self
                .list(&ips_path, list, fields::ip)
                .and_then(|v| self.unique(&ips_path, v)),
            None if self.poisoned(&ips_path) => None,
            None => {
                self.source(&ips_path, false);
                Some(Vec::new())
            }
        };
        let domains_path = p(&["rpc", "tls_extra_domains"]);
        let domains = match raw.and_then(|r| r.tls_extra_domains.as_deref()) {
            Some(list) => self
                .list(&domains_path, list, fields::dns_name)
                .and_then(|v| self.unique(&domains_path, v)),
            None if self.poisoned(&domains_path) => None,
            None => name.map(|n| {
                self.source(&domains_path, false);
                let mut d: Vec<String> = self
                    .defaults
                    .tls_extra_domain
                    .iter()
                    .map(|d| d.to_string())
                    .collect();
                if !d.iter().any(|d| d == n) {
                    d.push(n.to_string());
                }
                d
            }),
        };
        Some(Rpc {
            listen: listen?,
            tls_extra_ips: ips?,
            tls_extra_domains: domains?,
        })
    }

    pub(super) fn rest(&mut self, raw: Option<&raw::RestTable>) -> Option<Rest> {
        let enabled = self.value(
            p(&["rest", "enabled"]),
            raw.and_then(|r| r.enabled),
            defaults::REST_ENABLED,
        )?;
        let listen_path = p(&["rest", "listen"]);
        let raw_listen = raw.and_then(|r| r.listen.as_deref());
        if !enabled {
            if raw_listen.is_some() {
                self.report(
                    &listen_path,
                    "`rest.listen` is set but REST is disabled (rest.enabled = false)",
                    "remove rest.listen, or set rest.enabled = true",
                );
                return None;
            }
            self.source(&listen_path, false);
            return Some(Rest {
                enabled,
                listen: None,
            });
        }
        let listen = self.parsed(
            listen_path,
            raw_listen,
            self.defaults.rest_listen,
            fields::bind,
        )?;
        Some(Rest {
            enabled,
            listen: Some(listen),
        })
    }

    pub(super) fn wallet(
        &mut self,
        raw: Option<&raw::WalletTable>,
        secrets_dir: Option<std::path::PathBuf>,
    ) -> Option<Wallet> {
        let auto_unlock = self.value(
            p(&["wallet", "auto_unlock"]),
            raw.and_then(|w| w.auto_unlock),
            defaults::AUTO_UNLOCK,
        );
        let pubkey = self.optional(
            p(&["wallet", "expected_identity_pubkey"]),
            raw.and_then(|w| w.expected_identity_pubkey.as_deref()),
            fields::pubkey,
        );
        Some(Wallet {
            secrets_dir: secrets_dir?,
            auto_unlock: auto_unlock?,
            expected_identity_pubkey: pubkey?,
        })
    }

    pub(super) fn macaroon(&mut self, raw: Option<&raw::MacaroonTable>) -> Option<Macaroon> {
        let scope = self.value(
            p(&["macaroon", "scope"]),
            raw.and_then(|m| m.scope),
            defaults::MACAROON_SCOPE,
        );
        let root_key_id = self.value(
            p(&["macaroon", "root_key_id"]),
            raw.and_then(|m| m.root_key_id),
            defaults::ROOT_KEY_ID,
        );
        let perms_path = p(&["macaroon", "permissions"]);
        let listed = raw.and_then(|m| m.permissions.as_deref());
        let permissions = match (scope, listed) {
            (None, _) => None,
            (Some(MacaroonScope::Custom), None | Some([])) => {
                if !self.poisoned(&perms_path) {
                    let at = if listed.is_some() {
                        perms_path.clone()
                    } else {
                        p(&["macaroon", "scope"])
                    };
                    self.report(
                        &at,
                        "scope = \"custom\" needs at least one permission",
                        "list them in macaroon.permissions, e.g. [\"signer:generate\", \"signer:read\"]",
                    );
                }
                None
            }
            (Some(MacaroonScope::Custom), Some(list)) => self
                .list(&perms_path, list, fields::permission)
                .and_then(|v| self.unique(&perms_path, v))
                .map(|mut v| {
                    v.sort();
                    v
                }),
            (Some(other), Some(_)) => {
                self.report(
                    &perms_path,
                    format!("`macaroon.permissions` is only used with scope = \"custom\", but scope is \"{other}\""),
                    "remove macaroon.permissions, or set macaroon.scope = \"custom\"",
                );
                None
            }
            (Some(other), None) => {
                self.provenance
                    .insert(perms_path.to_string(), Source::Default);
                Some(scope_permissions(other))
            }
        };
        Some(Macaroon {
            scope: scope?,
            permissions: permissions?,
            root_key_id: root_key_id?,
        })
    }

    pub(super) fn bundle(&mut self, raw: Option<&raw::BundleTable>) -> Option<Bundle> {
        let base = self.cx.base.clone();
        let path = self.parsed(
            p(&["bundle", "path"]),
            raw.and_then(|b| b.path.as_deref()),
            defaults::BUNDLE_PATH,
            |s| {
                // The archive is named after the directory's last component.
                fields::own_dir(s, &base)
            },
        );
        let archive = self.value(
            p(&["bundle", "archive"]),
            raw.and_then(|b| b.archive),
            defaults::BUNDLE_ARCHIVE,
        );
        Some(Bundle {
            path: path?,
            archive: archive?,
        })
    }
}

/// The concrete permission set of a predefined scope.
fn scope_permissions(scope: MacaroonScope) -> Vec<Permission> {
    match scope {
        MacaroonScope::SignerOnly => permissions::signer_only(),
        MacaroonScope::Admin => permissions::admin(),
        MacaroonScope::Custom => Vec::new(),
    }
}
