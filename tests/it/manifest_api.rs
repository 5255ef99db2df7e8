//! The library API the rest of lsm is written against: `manifest::load`
//! returns a typed, fully resolved manifest, or an error that becomes a
//! `Failure` (exit 1) carrying the rendered diagnostics.

use crate::manifest_util;

use lsm::error::Failure;
use lsm::exit::Exit;
use lsm::manifest::{
    self, LndBinary, MacaroonScope, Network, RestartPolicy, Runtime, Source, Supervisor,
};
use lsm_lnd::permissions;
use manifest_util::repo;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

#[test]
fn hardened_example_resolves_to_typed_values() {
    let loaded = manifest::load(&repo("examples/mainnet-hardened.toml")).expect("valid");
    let r = &loaded.resolved;
    assert_eq!(r.signer.network, Network::Mainnet);
    assert_eq!(r.signer.runtime, Runtime::Docker);
    let docker = r
        .docker
        .as_ref()
        .expect("docker settings for the docker runtime");
    assert!(r.native.is_none() && r.neutrino.is_none() && r.bitcoind.is_none());
    assert_eq!(docker.restart, RestartPolicy::UnlessStopped);
    assert!(
        docker
            .reference()
            .starts_with("lightninglabs/lnd:v0.20.0-beta@sha256:")
    );
    assert_eq!(
        r.rpc.listen,
        "10.0.0.5:10012".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        r.rpc.tls_extra_ips,
        vec!["10.0.0.5".parse::<IpAddr>().unwrap()]
    );
    assert!(!r.rest.enabled && r.rest.listen.is_none());
    assert_eq!(r.macaroon.scope, MacaroonScope::SignerOnly);
    assert_eq!(
        r.macaroon.permissions,
        permissions::signer_only(),
        "scopes resolve to the concrete set"
    );
    assert_eq!(r.macaroon.root_key_id, 7);
    assert_eq!(
        r.wallet.seed_file(),
        Path::new("/var/lib/lsm/mainnet-signer/secrets/seed.txt")
    );
    assert_eq!(
        r.bundle.archive_path(),
        Path::new("/var/lib/lsm/mainnet-signer/credentials-bundle.tar.gz.b64")
    );
    assert!(matches!(
        loaded.provenance.get("docker.digest"),
        Some(Source::Manifest { .. })
    ));
    assert_eq!(loaded.digest(), r.digest());
    assert_eq!(loaded.digest().len(), 64);
}

#[test]
fn native_and_regtest_examples() {
    let native = manifest::load(&repo("examples/native.toml"))
        .expect("valid")
        .resolved;
    let n = native.native.as_ref().expect("native settings");
    assert_eq!(n.supervisor, Supervisor::Systemd);
    assert_eq!(n.lnd_path, LndBinary::Path("/usr/local/bin/lnd".into()));
    assert!(n.lnd_dir.is_absolute());
    assert!(native.docker.is_none());
    assert!(native.bundle.path.is_absolute());

    let regtest = manifest::load(&repo("examples/regtest.toml"))
        .expect("valid")
        .resolved;
    let b = regtest.bitcoind.as_ref().expect("bitcoind settings");
    assert!(b.rpcpass_file.ends_with(".lnget/regtest-bitcoind-rpcpass"));
    assert_eq!(regtest.macaroon.scope, MacaroonScope::Custom);
    assert_eq!(regtest.macaroon.permissions.len(), 6);
    assert!(
        regtest.macaroon.permissions.windows(2).all(|w| w[0] < w[1]),
        "sorted"
    );
    assert_eq!(
        regtest.signer.extra_config["healthcheck.chainbackend.attempts"],
        vec!["0"]
    );
    assert_eq!(
        regtest.signer.extra_config["protocol.simple-taproot-chans"],
        vec!["true"]
    );
}

#[test]
fn admin_scope_resolves_to_the_admin_set() {
    let text = "version = 1\n[signer]\nnetwork = \"regtest\"\n[macaroon]\nscope = \"admin\"\n";
    let loaded = manifest::load_text(
        Path::new("/x/signer.toml"),
        text.into(),
        Some(Path::new("/home/op")),
    )
    .unwrap();
    assert_eq!(loaded.resolved.macaroon.permissions, permissions::admin());
    assert_eq!(
        loaded.resolved.wallet.secrets_dir,
        Path::new("/home/op/.lnget/signer")
    );
    assert_eq!(
        loaded.resolved.rpc.tls_extra_domains,
        vec!["signer", "litd-signer"]
    );
    assert_eq!(
        loaded.resolved.docker.as_ref().unwrap().volume,
        "litd-signer-data"
    );
}

#[test]
fn errors_become_exit_1_failures_with_the_rendering() {
    let text = "version = 1\n[signer]\nnetwork = \"testnt\"\n";
    let err = manifest::load_text(
        Path::new("dir/signer.toml"),
        text.into(),
        Some(Path::new("/home/op")),
    )
    .unwrap_err();
    let failure = Failure::from(err);
    assert_eq!(failure.exit, Exit::Error);
    // main prints "error: " first; the message continues the first diagnostic.
    assert!(
        failure
            .message
            .starts_with("`signer.network` has an unknown value"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("--> dir/signer.toml:3:11"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.ends_with("dir/signer.toml: 1 problem"),
        "{}",
        failure.message
    );
    assert!(!failure.message.contains('\x1b'));

    let missing = Failure::from(manifest::load(Path::new("/nonexistent/signer.toml")).unwrap_err());
    assert_eq!(missing.exit, Exit::Error);
    assert!(missing.message.contains("/nonexistent/signer.toml"));
    assert!(missing.hints.iter().any(|h| h.contains("lsm init")));
}

/// An apply from a clone must never leave a seed (or a bundle, which holds a
/// macaroon) inside the repository, where `git add -A` would commit it.
#[test]
fn no_example_writes_inside_the_repository() {
    let root = repo("");
    let mut checked = 0;
    for entry in std::fs::read_dir(repo("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let r = manifest::load_text(&path, text, Some(Path::new("/home/op")))
            .unwrap_or_else(|e| panic!("{}", e.render(false)))
            .resolved;
        let mut written = vec![
            ("wallet.secrets_dir", r.wallet.secrets_dir.clone()),
            ("bundle.path", r.bundle.path.clone()),
        ];
        if let Some(b) = &r.bitcoind {
            written.push(("bitcoind.rpcpass_file", b.rpcpass_file.clone()));
        }
        if let Some(n) = &r.native {
            written.push(("native.lnd_dir", n.lnd_dir.clone()));
        }
        for (key, p) in written {
            assert!(
                !p.starts_with(&root),
                "{}: {key} = {} is inside the repository",
                path.display(),
                p.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 4, "{checked} examples");
}

/// The safety net behind that: what lsm writes for a signer is ignored by
/// git wherever a manifest in a clone might put it.
#[test]
fn git_ignores_what_lsm_writes_beside_a_manifest() {
    let ignored = |p: &str| {
        std::process::Command::new("git")
            .args(["check-ignore", "-q", "--no-index", p])
            .current_dir(repo(""))
            .status()
            .expect("git")
            .success()
    };
    for p in [
        "examples/secrets/seed.txt",
        "examples/bundle/regtest-signer/tls.cert",
        "examples/credentials-bundle.tar.gz.b64",
        "deploy/secrets/wallet-password.txt",
        "seed.txt",
        "some/credentials-bundle/accounts.json",
        "signer-lnd.conf",
    ] {
        assert!(ignored(p), "{p} is not ignored by .gitignore");
    }
    for p in ["examples/new.toml", "src/secrets.rs", "README.md"] {
        assert!(!ignored(p), "{p} is ignored by .gitignore");
    }
}
