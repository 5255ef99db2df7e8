//! The commented starter manifest `lsm init` writes. It sets what an
//! operator must decide (network, runtime, name) and the two choices worth
//! reading before the first apply (rpc.listen, macaroon.scope), and shows
//! every other key commented out with its default, so reading it teaches
//! the format. A test loads it for every network × runtime; another keeps
//! `lsm init --help` naming exactly the keys it sets.

use super::defaults;
use super::enums::{Network, Runtime};
use super::versions_env::{self, VersionKey};

/// The starter manifest text for `network` and `runtime`.
pub fn starter(network: Network, runtime: Runtime) -> String {
    let (image, version) = match versions_env::embedded() {
        Ok(v) => (
            v.get(VersionKey::LndImage)
                .map(|v| v.value.clone())
                .unwrap_or_default(),
            v.get(VersionKey::LndVersion)
                .map(|v| v.value.clone())
                .unwrap_or_default(),
        ),
        Err(_) => (String::new(), String::new()),
    };
    let name = defaults::SIGNER_NAME;
    let mut out = String::new();
    out.push_str(&format!(
        r#"# signer.toml: one lnd remote signer, kept as declared by lsm.
# `lsm validate` checks this file; `lsm validate --show` prints every
# resolved value and where it came from. Commented keys show their defaults.

version = 1

[signer]
name = "{name}"                 # container / instance name
network = "{network}"               # mainnet | testnet | testnet4 | signet | regtest
runtime = "{runtime}"                # docker | native
# alias = "{alias}"
# debug_level = "{debug}"             # trace | debug | info | warn | error | critical
# chain_backend = "{backend}"  # lnd's pure signing mode; neutrino and bitcoind need their own table

# Extra lnd.conf options you own; lsm refuses the ones it manages.
# [signer.extra_config]
# "routing.strictgraphpruning" = true
"#,
        network = network,
        runtime = runtime,
        alias = defaults::ALIAS,
        debug = defaults::DEBUG_LEVEL,
        backend = defaults::CHAIN_BACKEND,
    ));
    match runtime {
        Runtime::Docker => out.push_str(&format!(
            r#"
[docker]
# image = "{image}"      # default: LND_IMAGE from versions.env
# version = "{version}"         # default: LND_VERSION from versions.env
# digest = "sha256:<64 hex>"       # pin the exact image (recommended on mainnet)
# volume = "{name}{suffix}"
# network = "lightning"            # a user-defined Docker network (not host or none)
# restart = "{restart}"       # no | always | unless-stopped | on-failure
"#,
            suffix = defaults::VOLUME_SUFFIX,
            restart = defaults::RESTART,
        )),
        Runtime::Native => out.push_str(&format!(
            r#"
[native]
# lnd_path = "{lnd_path}"                 # a name looked up in PATH, or a path
# lnd_dir = "{lnd_dir}"
# supervisor = "{supervisor}"          # process | systemd
"#,
            lnd_path = defaults::LND_PATH,
            lnd_dir = defaults::LND_DIR,
            supervisor = defaults::SUPERVISOR,
        )),
    }
    out.push_str(&format!(
        r#"
[rpc]
listen = "{rpc}"         # what the watch-only node dials
# tls_extra_ips = ["10.0.0.5"]     # addresses the watch-only node uses
# tls_extra_domains = ["{domain}", "{name}"]

[rest]
# enabled = {rest_enabled}
# listen = "{rest}"      # local only

[wallet]
# secrets_dir = "{secrets}"   # wallet-password.txt and seed.txt, 0600
# auto_unlock = {auto_unlock}
# expected_identity_pubkey = "02<64 hex>"   # refuse a wallet with another identity

[macaroon]
scope = "{scope}"             # signer-only | admin | custom
# permissions = ["signer:generate"] # only with scope = "custom"
# root_key_id = {root_key_id}

[bundle]
# path = "{bundle}"
# archive = {archive}                  # also write <path>.tar.gz.b64
"#,
        rpc = defaults::RPC_LISTEN,
        domain = defaults::TLS_EXTRA_DOMAIN,
        rest_enabled = defaults::REST_ENABLED,
        rest = defaults::REST_LISTEN,
        secrets = defaults::SECRETS_DIR,
        auto_unlock = defaults::AUTO_UNLOCK,
        scope = defaults::MACAROON_SCOPE,
        root_key_id = defaults::ROOT_KEY_ID,
        bundle = defaults::BUNDLE_PATH,
        archive = defaults::BUNDLE_ARCHIVE,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load_text;
    use std::path::Path;

    #[test]
    fn every_starter_is_valid_and_says_what_it_was_asked() {
        for network in Network::ALL {
            for runtime in Runtime::ALL {
                let text = starter(*network, *runtime);
                let loaded = load_text(
                    Path::new("/nonexistent-dir/signer.toml"),
                    text,
                    Some(Path::new("/home/op")),
                )
                .unwrap_or_else(|e| panic!("{network}/{runtime}: {}", e.render(false)));
                assert_eq!(loaded.resolved.signer.network, *network);
                assert_eq!(loaded.resolved.signer.runtime, *runtime);
            }
        }
    }

    #[test]
    fn every_commented_key_is_a_real_key_when_uncommented() {
        // Uncommenting every "# key = value" line (with placeholders filled)
        // must still give a manifest whose keys the schema knows.
        let text = starter(Network::Testnet, Runtime::Docker)
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") || rest.starts_with('[') => rest.to_string(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
            .replace("sha256:<64 hex>", &format!("sha256:{}", "a".repeat(64)))
            .replace("02<64 hex>", &format!("02{}", "b".repeat(64)));
        let err = load_text(
            Path::new("/nonexistent-dir/signer.toml"),
            text,
            Some(Path::new("/home/op")),
        )
        .expect_err("permissions with a non-custom scope is refused");
        let rendered = err.render(false);
        assert!(!rendered.contains("unknown key"), "{rendered}");
        assert!(
            rendered.contains("only used with scope = \"custom\""),
            "{rendered}"
        );
        assert!(rendered.ends_with("signer.toml: 1 problem\n"), "{rendered}");
    }
}
