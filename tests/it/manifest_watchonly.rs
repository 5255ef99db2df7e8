//! watchonly.toml through the real binary: the defaults it resolves to,
//! and each bad manifest as one located, named problem with a fix (the
//! same guarantees as signer.toml's, checked against its own schema).

use crate::manifest_util::{Run, Scratch, locate, run};

/// A watch-only manifest: `node` lines go into `[watchonly]`, `tables` after it.
fn doc(node: &str, tables: &str) -> String {
    format!(
        "version = 1\n[watchonly]\nnetwork = \"regtest\"\n{node}\
         [bundle]\npath = \"bundle.tar.gz.b64\"\n{tables}"
    )
}

fn validate(text: &str, verbose: bool) -> Run {
    let s = Scratch::new();
    s.write("watchonly.toml", text);
    let mut args = vec!["validate", "-f", "watchonly.toml"];
    if verbose {
        args.push("-v");
    }
    run(s.lsm(&args))
}

#[test]
fn a_minimal_watchonly_toml_gets_defaults_that_do_not_clash_with_a_signer() {
    let r = validate(&doc("", ""), true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("watch-only node \"lsm-watchonly\", regtest, docker"),
        "{}",
        r.stdout
    );
    for want in [
        "127.0.0.1:10009",
        "127.0.0.1:8080",
        "0.0.0.0:9735",
        "neutrino",
        ".lnget/watchonly",
    ] {
        assert!(r.stdout.contains(want), "no {want} in:\n{}", r.stdout);
    }
}

/// (what, manifest, text the location points at, message, help)
fn cases() -> Vec<(
    &'static str,
    String,
    &'static str,
    &'static str,
    &'static str,
)> {
    vec![
        (
            "a signer's table",
            doc("", "[macaroon]\nscope = \"admin\"\n"),
            "macaroon",
            "unknown table [macaroon]",
            "",
        ),
        (
            "a signer's key",
            doc("", "[wallet]\nexpected_identity_pubkey = \"02\"\n"),
            "expected_identity_pubkey",
            "unknown key `expected_identity_pubkey` in [wallet]",
            "",
        ),
        (
            "nochainbackend",
            doc("chain_backend = \"nochainbackend\"\n", ""),
            "\"nochainbackend\"",
            "a watch-only node needs the chain",
            "set chain_backend = \"neutrino\", \"bitcoind\" or \"btcd\"",
        ),
        (
            "litd",
            doc("implementation = \"litd\"\n", ""),
            "\"litd\"",
            "implementation = \"litd\" is not supported by this lsm yet",
            "use implementation = \"lnd\"",
        ),
        (
            "btcd without its table",
            doc("chain_backend = \"btcd\"\n", ""),
            "\"btcd\"",
            "chain_backend = \"btcd\" needs a [btcd] table",
            "add [btcd] with rpchost, rpcuser, rpcpass_file and rpccert",
        ),
        (
            "btcd table incomplete",
            doc(
                "chain_backend = \"btcd\"\n",
                "[btcd]\nrpchost = \"chain:18334\"\nrpcuser = \"u\"\nrpcpass_file = \"p\"\n",
            ),
            "btcd]",
            "missing `rpccert` in [btcd]",
            "add rpccert = ...",
        ),
        (
            "btcd table with another backend",
            doc("", "[btcd]\nrpchost = \"chain:18334\"\n"),
            "btcd]",
            "[btcd] is set but watchonly.chain_backend is not \"btcd\"",
            "set watchonly.chain_backend = \"btcd\"",
        ),
        (
            "p2p on the rpc port",
            doc(
                "",
                "[rpc]\nlisten = \"0.0.0.0:10009\"\n[p2p]\nlisten = \"127.0.0.1:10009\"\n",
            ),
            "\"127.0.0.1:10009\"",
            "`p2p.listen` (127.0.0.1:10009) collides with another listener",
            "give the p2p listener its own port",
        ),
        (
            "a bad signer endpoint",
            doc("", "").replace(
                "[bundle]\n",
                "[bundle]\nsigner_endpoint = \"signer:port\"\n",
            ),
            "\"signer:port\"",
            "bundle.signer_endpoint",
            "",
        ),
        (
            "no bundle path",
            doc("", "").replace("path = \"bundle.tar.gz.b64\"\n", ""),
            "[bundle]",
            "bundle.path",
            "",
        ),
    ]
}

#[test]
fn each_bad_watchonly_toml_is_one_located_named_problem() {
    let mut failures = Vec::new();
    for (what, toml, at, message, help) in cases() {
        let r = validate(&toml, false);
        let (line, col) = locate(&toml, at);
        let location = format!("watchonly.toml:{line}:{col}");
        let mut problems = Vec::new();
        if r.code != 1 {
            problems.push(format!("exit code {} (want 1)", r.code));
        }
        if !r.stderr.contains(&format!("--> {location}\n")) {
            problems.push(format!("no location {location}"));
        }
        if !r.stderr.contains(message) {
            problems.push(format!("no message {message:?}"));
        }
        if !r.stderr.contains(help) {
            problems.push(format!("no help {help:?}"));
        }
        if !r.stderr.ends_with("watchonly.toml: 1 problem\n") {
            problems.push("not exactly one problem".to_string());
        }
        if r.stderr.contains("panicked") {
            problems.push("panicked".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "--- {what}: {}\n{toml}\n{}",
                problems.join("; "),
                r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A node whose bundle is gone can still be planned for removal: removing
/// it needs nothing from the bundle, which is named in a warning; every
/// other command refuses it.
#[test]
fn a_node_whose_bundle_is_gone_can_still_be_destroyed() {
    if !crate::support::require_docker() {
        return;
    }
    let s = Scratch::new();
    let name = format!("lsm-wo-gone-{}", std::process::id());
    let text = doc(&format!("name = \"{name}\"\n"), "")
        .replace("bundle.tar.gz.b64", "gone/bundle.tar.gz.b64");
    s.write("watchonly.toml", &text);
    let destroy = run(s.lsm(&["plan", "--destroy", "-f", "watchonly.toml"]));
    assert_eq!(destroy.code, 0, "{}", destroy.stderr);
    assert!(destroy.stderr.contains("warning: "), "{}", destroy.stderr);
    assert!(
        destroy.stderr.contains("gone/bundle.tar.gz.b64"),
        "{}",
        destroy.stderr
    );
    assert!(
        destroy.stdout.contains("Watch-only node"),
        "{}",
        destroy.stdout
    );
    let plan = run(s.lsm(&["plan", "-f", "watchonly.toml"]));
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert!(
        plan.stderr.contains("gone/bundle.tar.gz.b64"),
        "{}",
        plan.stderr
    );
}
