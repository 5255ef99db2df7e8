//! watchonly.toml: its tables resolved with the same field machinery as
//! signer.toml's, under `[watchonly]` and the watch-only defaults (see
//! `NodeDefaults`), plus what only a watch-only node has: the
//! implementation, the imported bundle, the signer endpoint and p2p.

use super::{Resolver, p};
use crate::manifest::enums::{ChainBackend, Implementation};
use crate::manifest::fields;
use crate::manifest::raw::{self, watchonly as wo};
use crate::manifest::resolved::{Bundle, Macaroon, Resolved, WatchOnly};

impl Resolver<'_> {
    pub(super) fn watch_only(&mut self, raw: &wo::WatchOnlyManifest) -> Option<Resolved> {
        let version = self.required(p(&["version"]), raw.version.map(|_| raw::FORMAT_VERSION));
        let table = raw.watchonly.as_ref();
        let node = self.signer(table.map(node_table).as_ref());
        let implementation = self.value(
            p(&["watchonly", "implementation"]),
            table.and_then(|t| t.implementation),
            crate::manifest::defaults::watchonly::IMPLEMENTATION,
        );
        self.supported(implementation, node.as_ref().map(|n| n.chain_backend));
        let runtime = node
            .as_ref()
            .map(|s| s.runtime)
            .or_else(|| self.runtime_hint(table.and_then(|t| t.runtime)));
        let backend = node.as_ref().map(|s| s.chain_backend);
        let network = node.as_ref().map(|s| s.network);
        let name = node.as_ref().map(|s| s.name.as_str());

        let docker = self.docker(raw.docker.as_ref(), runtime, name);
        let native_table = raw.native.as_ref().map(|n| raw::NativeTable {
            lnd_path: n.lnd_path.clone(),
            lnd_dir: n.lnd_dir.clone(),
            supervisor: n.supervisor,
        });
        let native = self.native(native_table.as_ref(), runtime);
        let neutrino = self.neutrino(raw.neutrino.as_ref(), backend, network);
        let bitcoind = self.bitcoind(raw.bitcoind.as_ref(), backend);
        let btcd = self.btcd(raw.btcd.as_ref(), backend);
        let rpc_table = raw.rpc.as_ref().map(|r| raw::RpcTable {
            listen: r.listen.clone(),
            tls_extra_ips: r.tls_extra_ips.clone(),
            tls_extra_domains: r.tls_extra_domains.clone(),
        });
        let rpc_listen = self.rpc_listen(rpc_table.as_ref().and_then(|r| r.listen.as_deref()));
        let rpc = self.rpc(rpc_table.as_ref(), name, rpc_listen);
        let rest_table = raw.rest.as_ref().map(|r| raw::RestTable {
            enabled: r.enabled,
            listen: r.listen.clone(),
        });
        let rest = self.rest(rest_table.as_ref());
        let p2p_listen = self.parsed(
            p(&["p2p", "listen"]),
            raw.p2p.as_ref().and_then(|t| t.listen.as_deref()),
            crate::manifest::defaults::watchonly::P2P_LISTEN,
            fields::bind,
        );
        let wallet_table = raw.wallet.as_ref().map(|w| raw::WalletTable {
            secrets_dir: w.secrets_dir.clone(),
            auto_unlock: w.auto_unlock,
            expected_identity_pubkey: None,
        });
        let secrets_dir =
            self.secrets_dir(wallet_table.as_ref().and_then(|w| w.secrets_dir.as_deref()));
        let wallet = self.wallet(wallet_table.as_ref(), secrets_dir);
        let (bundle_source, signer_endpoint) = self.import(raw.bundle.as_ref());
        self.listeners_do_not_clash(rpc_listen, &rest, p2p_listen);

        let bundle_source = bundle_source?;
        Some(Resolved {
            version: version?,
            signer: node?,
            neutrino: neutrino?,
            bitcoind: bitcoind?,
            btcd: btcd?,
            docker: docker?,
            native: native?,
            rpc: rpc?,
            rest: rest?,
            wallet: wallet?,
            macaroon: Macaroon {
                scope: crate::manifest::defaults::MACAROON_SCOPE,
                permissions: Vec::new(),
                root_key_id: 0,
            },
            bundle: Bundle {
                path: bundle_source.clone(),
                archive: false,
            },
            watchonly: Some(WatchOnly {
                implementation: implementation?,
                bundle_source,
                signer_endpoint: signer_endpoint?,
                p2p_listen: p2p_listen?,
            }),
        })
    }

    /// What this lsm can run: lnd with a chain backend. A watch-only node
    /// without a chain sees no funds and cannot open channels.
    fn supported(&mut self, implementation: Option<Implementation>, backend: Option<ChainBackend>) {
        if implementation == Some(Implementation::Litd) {
            self.report(
                &p(&["watchonly", "implementation"]),
                "implementation = \"litd\" is not supported by this lsm yet: litd cannot be \
                 built from Go modules here, so lsm cannot test it",
                "use implementation = \"lnd\" (the watch-only lnd is what litd integrates)",
            );
        }
        if backend == Some(ChainBackend::Nochainbackend) {
            self.report(
                &p(&["watchonly", "chain_backend"]),
                "a watch-only node needs the chain: chain_backend = \"nochainbackend\" is a \
                 signer's mode",
                "set chain_backend = \"neutrino\", \"bitcoind\" or \"btcd\"",
            );
        }
    }

    /// `[bundle]`: the path (required) and the endpoint override.
    fn import(
        &mut self,
        raw: Option<&wo::ImportTable>,
    ) -> (Option<std::path::PathBuf>, Option<Option<String>>) {
        let base = self.cx.base.clone();
        let path = self.required(p(&["bundle", "path"]), raw.and_then(|b| b.path.as_deref()));
        let path = path.and_then(|s| match fields::path(s, &base) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = p(&["bundle", "path"]);
                self.report(&at, format!("`{at}`: {}", e.reason), e.help);
                None
            }
        });
        let endpoint = self.optional(
            p(&["bundle", "signer_endpoint"]),
            raw.and_then(|b| b.signer_endpoint.as_deref()),
            fields::host_port,
        );
        (path, endpoint)
    }
}

/// `[watchonly]`'s keys that `[signer]` also has, as the shared resolver
/// reads them.
fn node_table(t: &wo::WatchOnlyTable) -> raw::SignerTable {
    raw::SignerTable {
        name: t.name.clone(),
        network: t.network,
        runtime: t.runtime,
        alias: t.alias.clone(),
        debug_level: t.debug_level,
        chain_backend: t.chain_backend,
        extra_config: t.extra_config.clone(),
    }
}
