//! lnd.conf options lsm writes itself. `[signer.extra_config]` may not set
//! them: a second value would either be ignored or silently override what
//! the manifest declares. Each entry says which manifest key to use instead.
//! Later, lnd.conf rendering reads the same list.

/// One managed option (or a whole option group when `group` is true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ManagedKey {
    pub name: &'static str,
    /// `true`: every option `name.*` (e.g. all of `bitcoin.*`).
    pub group: bool,
    /// What to write instead.
    pub instead: &'static str,
}

const fn key(name: &'static str, instead: &'static str) -> ManagedKey {
    ManagedKey {
        name,
        group: false,
        instead,
    }
}

const fn group(name: &'static str, instead: &'static str) -> ManagedKey {
    ManagedKey {
        name,
        group: true,
        instead,
    }
}

pub(crate) const MANAGED_KEYS: &[ManagedKey] = &[
    key(
        "nolisten",
        "lsm always sets it: a signer accepts no peer-to-peer connections",
    ),
    key(
        "listen",
        "use [p2p] listen on a watch-only node; a signer accepts no peer-to-peer connections",
    ),
    key("nobootstrap", "lsm always sets it: a signer has no peers"),
    key("externalip", "a signer accepts no peer-to-peer connections"),
    key("rpclisten", "use [rpc] listen"),
    key("restlisten", "use [rest] listen"),
    key("norest", "use [rest] enabled = false"),
    key(
        "no-rest-tls",
        "lsm always speaks TLS to REST and will not disable it",
    ),
    key("tlsextraip", "use [rpc] tls_extra_ips"),
    key("tlsextradomain", "use [rpc] tls_extra_domains"),
    key(
        "tlsautorefresh",
        "lsm always sets it: lnd renews tls.cert when [rpc] tls names change",
    ),
    key(
        "tlsdisableautofill",
        "lsm always sets it: tls.cert names only what [rpc] declares",
    ),
    key(
        "tlscertpath",
        "lsm pins the certificate lnd writes at its default place",
    ),
    key("tlskeypath", "lsm keeps the TLS key at lnd's default place"),
    key("wallet-unlock-password-file", "use [wallet] auto_unlock"),
    key("wallet-unlock-allow-create", "use [wallet] auto_unlock"),
    key(
        "noseedbackup",
        "lsm creates the wallet and keeps its seed in [wallet] secrets_dir",
    ),
    key(
        "no-macaroons",
        "a signer without macaroons serves any caller; lsm refuses it",
    ),
    key(
        "adminmacaroonpath",
        "lsm reads admin.macaroon from lnd's default place",
    ),
    key("readonlymacaroonpath", "lsm manages lnd's macaroon files"),
    key("invoicemacaroonpath", "lsm manages lnd's macaroon files"),
    key("debuglevel", "use [signer] debug_level"),
    key("alias", "use [signer] alias"),
    key(
        "lnddir",
        "use [native] lnd_dir (with Docker, the data volume holds it)",
    ),
    key("configfile", "lsm writes lnd.conf itself"),
    key("datadir", "lsm manages lnd's directories"),
    key("fee.url", "use [neutrino] fee_url"),
    key("feeurl", "use [neutrino] fee_url"),
    group("bitcoin", "use [signer] network and chain_backend"),
    group("neutrino", "use the [neutrino] table"),
    group("bitcoind", "use the [bitcoind] table"),
    group("btcd", "use the [btcd] table"),
    group(
        "remotesigner",
        "lsm sets remotesigner.* on a watch-only node from its [bundle]; a signer has none",
    ),
];

/// The managed option `key` falls under, if any (lnd option names are
/// matched case-insensitively).
pub(crate) fn managed(key: &str) -> Option<&'static ManagedKey> {
    let key = key.to_ascii_lowercase();
    MANAGED_KEYS.iter().find(|m| {
        if m.group {
            key == m.name
                || key
                    .strip_prefix(m.name)
                    .is_some_and(|rest| rest.starts_with('.'))
        } else {
            key == m.name
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_keys_and_groups() {
        assert_eq!(managed("alias").unwrap().instead, "use [signer] alias");
        assert!(managed("RPCListen").is_some());
        assert!(managed("bitcoin.node").is_some());
        assert!(managed("bitcoin").is_some());
        assert!(managed("bitcoind.rpchost").is_some());
        assert!(managed("bitcoinx.y").is_none());
        assert!(managed("routing.strictgraphpruning").is_none());
        assert!(managed("listenx").is_none());
    }
}
