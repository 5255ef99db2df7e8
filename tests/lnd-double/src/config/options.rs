//! The option vocabulary of lnd v0.20.0-beta (data/lnd_options.tsv): every
//! long option name, the ini section it lives in and its Go type. The
//! double accepts exactly these names, so a config real lnd would refuse
//! ("unknown option") is refused here too, and one lnd accepts is never
//! refused for its spelling.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../data/lnd_options.tsv");

/// One lnd option as go-flags sees it.
#[derive(Debug, Clone)]
pub struct OptionSpec {
    pub name: &'static str,
    /// The Go type of the config field (`bool`, `[]string`, `time.Duration`, ...).
    pub go_type: &'static str,
    /// go-flags `choice` tags; empty when any value of the type is allowed.
    pub choices: Vec<&'static str>,
}

impl OptionSpec {
    /// Bool options take no argument on the command line.
    pub fn is_bool(&self) -> bool {
        self.go_type == "bool"
    }

    /// Slices and maps collect every occurrence instead of keeping the last.
    pub fn is_multi(&self) -> bool {
        self.go_type.starts_with("[]") || self.go_type.starts_with("map[")
    }

    /// go-flags' spelling of the option in messages: `--name`, or
    /// `-V, --version` when it has a short name.
    pub fn display(&self) -> String {
        match short_of(self.name) {
            Some(c) => format!("-{c}, --{}", self.name),
            None => format!("--{}", self.name),
        }
    }
}

static OPTIONS: LazyLock<HashMap<&'static str, OptionSpec>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let name = cols.next()?;
            let _section = cols.next()?;
            let go_type = cols.next()?;
            let choices = cols
                .next()
                .filter(|c| !c.is_empty())
                .map(|c| c.split('|').collect())
                .unwrap_or_default();
            Some((
                name,
                OptionSpec {
                    name,
                    go_type,
                    choices,
                },
            ))
        })
        .collect()
});

/// Short flags lnd defines (config.go): `-V`, `-C`, `-b`, `-d`, plus
/// go-flags' own `-h`.
const SHORTS: &[(char, &str)] = &[
    ('V', "version"),
    ('C', "configfile"),
    ('b', "datadir"),
    ('d', "debuglevel"),
    ('h', "help"),
];

pub fn lookup(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.get(name)
}

pub fn lookup_short(c: char) -> Option<&'static OptionSpec> {
    SHORTS
        .iter()
        .find(|(s, _)| *s == c)
        .and_then(|(_, long)| lookup(long))
}

fn short_of(name: &str) -> Option<char> {
    SHORTS.iter().find(|(_, l)| *l == name).map(|(c, _)| *c)
}

/// go-flags option groups (their `group:"..."` tags) and the namespace
/// each adds to option names. Dev-build-only groups are left out.
const GROUPS: &[(&str, &str)] = &[
    ("Bitcoin", "bitcoin"),
    ("Btcd", "btcd"),
    ("Bitcoind", "bitcoind"),
    ("neutrino", "neutrino"),
    ("Autopilot", "autopilot"),
    ("Tor", "tor"),
    ("Pprof", "pprof"),
    ("apriori", "apriori"),
    ("autopilotrpc", "autopilotrpc"),
    ("bimodal", "bimodal"),
    ("blinding", "blinding"),
    ("bolt", "bolt"),
    ("caches", "caches"),
    ("chainbackend", "chainbackend"),
    ("chainrpc", "chainrpc"),
    ("cluster", "cluster"),
    ("console", "console"),
    ("db", "db"),
    ("diskspace", "diskspace"),
    ("etcd", "etcd"),
    ("fee", "fee"),
    ("file", "file"),
    ("gossip", "gossip"),
    ("grpc", "grpc"),
    ("healthcheck", "healthcheck"),
    ("htlcswitch", "htlcswitch"),
    ("invoices", "invoices"),
    ("invoicesrpc", "invoicesrpc"),
    ("leader", "leader"),
    ("legacy", "legacy"),
    ("logging", "logging"),
    ("neutrinorpc", "neutrinorpc"),
    ("peersrpc", "peersrpc"),
    ("postgres", "postgres"),
    ("prometheus", "prometheus"),
    ("protocol", "protocol"),
    ("query", "query"),
    ("remotesigner", "remotesigner"),
    ("routerrpc", "routerrpc"),
    ("routing", "routing"),
    ("rpcmiddleware", "rpcmiddleware"),
    ("signrpc", "signrpc"),
    ("sqlite", "sqlite"),
    ("subrpc", ""),
    ("sweeper", "sweeper"),
    ("sweeper.budget", "budget"),
    ("tls", "tls"),
    ("torconnection", "torconnection"),
    ("walletrpc", "walletrpc"),
    ("watchtower", "watchtower"),
    ("watchtowerrpc", "watchtowerrpc"),
    ("workers", "workers"),
    ("wtclient", "wtclient"),
    ("wtclientrpc", "wtclientrpc"),
];

/// The top-level group every option belongs to.
pub const APPLICATION_OPTIONS: &str = "Application Options";

/// How an ini `[section]` header restricts the keys below it, as go-flags
/// does: the section names a group (case-insensitively) and only options of
/// that group and its sub-groups are found in it. `None` when no group has
/// that name.
pub fn section_scope(section: &str) -> Option<SectionScope> {
    if section.eq_ignore_ascii_case(APPLICATION_OPTIONS) {
        return Some(SectionScope::All);
    }
    GROUPS
        .iter()
        .find(|(g, _)| g.eq_ignore_ascii_case(section))
        .map(|(_, ns)| {
            if ns.is_empty() {
                SectionScope::All
            } else {
                SectionScope::Namespace(ns)
            }
        })
}

/// Which options a section can set.
#[derive(Debug, Clone, Copy)]
pub enum SectionScope {
    All,
    /// Options whose dotted name has this namespace among its prefixes
    /// (`[etcd]` holds `db.etcd.host`).
    Namespace(&'static str),
}

impl SectionScope {
    pub fn contains(self, option: &str) -> bool {
        match self {
            SectionScope::All => true,
            SectionScope::Namespace(ns) => {
                let parts: Vec<&str> = option.split('.').collect();
                parts[..parts.len().saturating_sub(1)].contains(&ns)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_options_lsm_writes() {
        for name in [
            "rpclisten",
            "restlisten",
            "norest",
            "nolisten",
            "listen",
            "nobootstrap",
            "bitcoin.mainnet",
            "bitcoin.regtest",
            "bitcoin.node",
            "bitcoin.active",
            "tlsextraip",
            "tlsextradomain",
            "wallet-unlock-password-file",
            "wallet-unlock-allow-create",
            "debuglevel",
            "alias",
            "color",
            "lnddir",
            "configfile",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
        assert!(lookup("rpclisten").unwrap().is_multi());
        assert!(lookup("nolisten").unwrap().is_bool());
        assert!(lookup("bitcoin.testnet3").is_none());
        assert_eq!(
            lookup("bitcoin.node").unwrap().choices,
            ["btcd", "bitcoind", "neutrino", "nochainbackend"]
        );
        assert_eq!(lookup_short('V').unwrap().display(), "-V, --version");
    }

    #[test]
    fn sections_scope_like_go_flags() {
        assert!(
            section_scope("application options")
                .unwrap()
                .contains("bitcoin.mainnet")
        );
        assert!(
            section_scope("Bitcoin")
                .unwrap()
                .contains("bitcoin.mainnet")
        );
        assert!(!section_scope("Bitcoin").unwrap().contains("rpclisten"));
        assert!(section_scope("etcd").unwrap().contains("db.etcd.host"));
        assert!(section_scope("nosuchgroup").is_none());
    }
}
