//! Renders the signer's lnd.conf (lnd-facts §1.1). Same inputs → same bytes,
//! so the plan can diff the file lnd actually reads against this rendering.
//!
//! The layout follows lnd's sample-lnd.conf sections. go-flags resolves a
//! section name to an option group and searches its subgroups, so the
//! operator's `extra_config` keys (namespaced or not) are valid under
//! `[Application Options]`.

use std::fmt::Write;

/// The chain backend block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChainConf {
    /// lnd's pure signing mode: no chain, no peers.
    NoChainBackend,
    Neutrino {
        peers: Vec<String>,
        fee_url: Option<String>,
    },
    Bitcoind {
        rpchost: String,
        rpcuser: String,
        /// Read from `rpcpass_file`; a secret, redacted in plans.
        rpcpass: String,
        zmqpubrawblock: String,
        zmqpubrawtx: String,
    },
    Btcd {
        rpchost: String,
        rpcuser: String,
        /// Read from `rpcpass_file`; a secret, redacted in plans.
        rpcpass: String,
        /// btcd's RPC certificate, hex-encoded PEM (lnd's `btcd.rawrpccert`),
        /// so the file need not be placed where lnd runs.
        rawrpccert: String,
    },
}

/// A watch-only node's `[remotesigner]` block: where its signer is and the
/// bundle's certificate and macaroon, as lnd sees the paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteSignerConf {
    pub rpchost: String,
    pub tlscertpath: String,
    pub macaroonpath: String,
}

/// Everything the rendering depends on, already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfInputs {
    pub signer_name: String,
    pub alias: String,
    pub debug_level: String,
    /// lnd's network flag suffix: mainnet, testnet, testnet4, signet, regtest.
    pub network: String,
    /// As lnd binds it (inside the container for Docker).
    pub rpc_listen: String,
    /// None renders `norest=true`.
    pub rest_listen: Option<String>,
    pub tls_extra_ips: Vec<String>,
    pub tls_extra_domains: Vec<String>,
    pub chain: ChainConf,
    /// The wallet password file as lnd sees it; None when auto_unlock is off.
    pub password_file: Option<String>,
    /// Where lnd writes admin.macaroon, when not its default place (Docker:
    /// beside lsm's own files, so that one archive read sees them all).
    pub admin_macaroon_path: Option<String>,
    /// Operator-owned keys; a key with several values is repeated.
    pub extra: Vec<(String, Vec<String>)>,
    /// Set for a watch-only node: its signer.
    pub remote_signer: Option<RemoteSignerConf>,
    /// A watch-only node's p2p bind as lnd binds it; None renders a signer's
    /// `nolisten`/`nobootstrap`.
    pub p2p_listen: Option<String>,
}

/// Keys whose values are secrets: shown as fingerprints in plans.
const SECRET_KEYS: &[&str] = &["bitcoind.rpcpass", "btcd.rpcpass"];

/// Renders lnd.conf.
pub(crate) fn render(c: &ConfInputs) -> String {
    let mut s = String::new();
    let (what, table) = match c.remote_signer {
        None => ("the remote signer", "signer"),
        Some(_) => ("the watch-only node", "watchonly"),
    };
    let _ = writeln!(
        s,
        "; lnd.conf for {what} \"{}\", rendered by lsm.\n\
         ; Do not edit: `lsm apply` reverts edits. Add keys under\n\
         ; [{table}.extra_config] in the manifest instead.",
        c.signer_name
    );
    s.push_str("\n[Application Options]\n");
    kv(&mut s, "alias", &c.alias);
    kv(&mut s, "debuglevel", &c.debug_level);
    match &c.p2p_listen {
        Some(listen) => kv(&mut s, "listen", listen),
        None => {
            // A signer never routes: no p2p listener, no peer bootstrap.
            kv(&mut s, "nolisten", "true");
            kv(&mut s, "nobootstrap", "true");
        }
    }
    kv(&mut s, "rpclisten", &c.rpc_listen);
    match &c.rest_listen {
        Some(r) => kv(&mut s, "restlisten", r),
        None => kv(&mut s, "norest", "true"),
    }
    for ip in &c.tls_extra_ips {
        kv(&mut s, "tlsextraip", ip);
    }
    for d in &c.tls_extra_domains {
        kv(&mut s, "tlsextradomain", d);
    }
    // The certificate names exactly what [rpc] declares (no interface IPs
    // or host name, which change with the container), and lnd issues a new
    // one at start when the declared names change (cert_names.rs).
    kv(&mut s, "tlsdisableautofill", "true");
    kv(&mut s, "tlsautorefresh", "true");
    if let Some(p) = &c.password_file {
        kv(&mut s, "wallet-unlock-password-file", p);
        // Lets lsm create the wallet over RPC on first start; lnd ignores
        // the password file while no wallet exists.
        kv(&mut s, "wallet-unlock-allow-create", "true");
    }
    if let Some(p) = &c.admin_macaroon_path {
        kv(&mut s, "adminmacaroonpath", p);
    }
    for (k, vs) in &c.extra {
        for v in vs {
            kv(&mut s, k, v);
        }
    }

    s.push_str("\n[Bitcoin]\n");
    kv(&mut s, &format!("bitcoin.{}", c.network), "true");
    match &c.chain {
        ChainConf::NoChainBackend => kv(&mut s, "bitcoin.node", "nochainbackend"),
        ChainConf::Neutrino { peers, fee_url } => {
            kv(&mut s, "bitcoin.node", "neutrino");
            s.push_str("\n[Neutrino]\n");
            for p in peers {
                kv(&mut s, "neutrino.connect", p);
            }
            if let Some(u) = fee_url {
                s.push_str("\n[fee]\n");
                kv(&mut s, "fee.url", u);
            }
        }
        ChainConf::Bitcoind {
            rpchost,
            rpcuser,
            rpcpass,
            zmqpubrawblock,
            zmqpubrawtx,
        } => {
            kv(&mut s, "bitcoin.node", "bitcoind");
            s.push_str("\n[Bitcoind]\n");
            kv(&mut s, "bitcoind.rpchost", rpchost);
            kv(&mut s, "bitcoind.rpcuser", rpcuser);
            kv(&mut s, "bitcoind.rpcpass", rpcpass);
            kv(&mut s, "bitcoind.zmqpubrawblock", zmqpubrawblock);
            kv(&mut s, "bitcoind.zmqpubrawtx", zmqpubrawtx);
        }
        ChainConf::Btcd {
            rpchost,
            rpcuser,
            rpcpass,
            rawrpccert,
        } => {
            kv(&mut s, "bitcoin.node", "btcd");
            s.push_str("\n[Btcd]\n");
            kv(&mut s, "btcd.rpchost", rpchost);
            kv(&mut s, "btcd.rpcuser", rpcuser);
            kv(&mut s, "btcd.rpcpass", rpcpass);
            kv(&mut s, "btcd.rawrpccert", rawrpccert);
        }
    }
    if let Some(r) = &c.remote_signer {
        s.push_str("\n[remotesigner]\n");
        kv(&mut s, "remotesigner.enable", "true");
        kv(&mut s, "remotesigner.rpchost", &r.rpchost);
        kv(&mut s, "remotesigner.tlscertpath", &r.tlscertpath);
        kv(&mut s, "remotesigner.macaroonpath", &r.macaroonpath);
    }
    s
}

fn kv(s: &mut String, k: &str, v: &str) {
    let _ = writeln!(s, "{k}={v}");
}

/// The same text with secret values replaced by a fingerprint, for plans,
/// diffs and logs.
pub(crate) fn redact(conf: &str) -> String {
    let mut out = String::with_capacity(conf.len());
    for line in conf.lines() {
        let key = line.split_once('=').map(|(k, _)| k.trim());
        match key {
            // Not secret, but a few KiB of hex that says nothing to a reader.
            Some(k) if k == "btcd.rawrpccert" => {
                let v = line.split_once('=').map(|(_, v)| v.trim()).unwrap_or("");
                let _ = writeln!(
                    out,
                    "{k}=<certificate {}>",
                    crate::secrets::fingerprint(v.as_bytes())
                );
            }
            Some(k) if SECRET_KEYS.contains(&k) => {
                let v = line.split_once('=').map(|(_, v)| v.trim()).unwrap_or("");
                let _ = writeln!(
                    out,
                    "{k}=<secret {}>",
                    crate::secrets::fingerprint(v.as_bytes())
                );
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn inputs() -> ConfInputs {
        ConfInputs {
            signer_name: "litd-signer".into(),
            alias: "lsm-signer".into(),
            debug_level: "info".into(),
            network: "testnet".into(),
            rpc_listen: "0.0.0.0:10012".into(),
            rest_listen: Some("0.0.0.0:10013".into()),
            tls_extra_ips: vec![],
            tls_extra_domains: vec!["signer".into(), "litd-signer".into()],
            chain: ChainConf::NoChainBackend,
            password_file: Some("/root/.lnd/wallet-password.txt".into()),
            admin_macaroon_path: None,
            extra: vec![],
            remote_signer: None,
            p2p_listen: None,
        }
    }

    #[test]
    fn renders_the_documented_signer_config() {
        let text = render(&inputs());
        for line in [
            "nolisten=true",
            "nobootstrap=true",
            "rpclisten=0.0.0.0:10012",
            "restlisten=0.0.0.0:10013",
            "tlsextradomain=signer",
            "tlsextradomain=litd-signer",
            "wallet-unlock-password-file=/root/.lnd/wallet-password.txt",
            "wallet-unlock-allow-create=true",
            "bitcoin.testnet=true",
            "bitcoin.node=nochainbackend",
            "debuglevel=info",
            "alias=lsm-signer",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
        }
        assert_eq!(text, render(&inputs()), "rendering must be deterministic");
    }

    #[test]
    fn rest_disabled_and_no_auto_unlock() {
        let mut i = inputs();
        i.rest_listen = None;
        i.password_file = None;
        let text = render(&i);
        assert!(text.contains("\nnorest=true\n"));
        assert!(!text.contains("restlisten"));
        assert!(!text.contains("wallet-unlock"));
    }

    #[test]
    fn bitcoind_password_is_redacted_for_display() {
        let mut i = inputs();
        i.chain = ChainConf::Bitcoind {
            rpchost: "127.0.0.1:8332".into(),
            rpcuser: "lnd".into(),
            rpcpass: "hunter2hunter2".into(),
            zmqpubrawblock: "tcp://127.0.0.1:28332".into(),
            zmqpubrawtx: "tcp://127.0.0.1:28333".into(),
        };
        let text = render(&i);
        assert!(text.contains("bitcoind.rpcpass=hunter2hunter2"));
        let shown = redact(&text);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("bitcoind.rpcpass=<secret sha256:"),
            "{shown}"
        );
    }
}
