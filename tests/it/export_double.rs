//! `lsm export` against the lnd double: a fresh signer's bundle exports,
//! verifies, matches the signer byte for byte, and re-exports in place;
//! a macaroon that cannot bake, or cannot read the network, is refused
//! with a clear error. No macaroon ever appears in the output.

use crate::bundle_kit;
use crate::support;

use bundle_kit::{Run, assert_no_macaroon, run_lsm};
use lsm::bundle::accounts::AccountsJson;
use lsm::bundle::bundle_json::BundleJson;
use lsm_lnd::client::LndClient;
use lsm_lnd::macaroon::Macaroon;
use lsm_lnd::permissions::{self, Permission};
use lsm_lnd::proto::walletrpc::ListAccountsResponse;
use std::fs;
use std::path::{Path, PathBuf};
use support::NativeDouble;
use zeroize::Zeroizing;

/// A double with a fresh wallet; returns it, the admin macaroon and a
/// client carrying it.
async fn signer() -> (NativeDouble, Zeroizing<Vec<u8>>, LndClient) {
    let d = NativeDouble::start();
    let admin = d.create_wallet(b"export test password").await;
    let admin_client = d.client().with_macaroon(&admin);
    (d, admin, admin_client)
}

/// Runs lsm off the async runtime (it is a blocking child process).
async fn lsm(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || run_lsm(args))
        .await
        .unwrap()
}

fn export_args(d: &NativeDouble, dir: &Path, macaroon: &Path, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "export".into(),
        "--rpcserver".into(),
        d.rpc_addr(),
        "--tlscertpath".into(),
        dir.join("signer-tls.cert").display().to_string(),
        "--macaroonpath".into(),
        macaroon.display().to_string(),
        "--out".into(),
        dir.join("bundle").display().to_string(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn setup_files(d: &NativeDouble, admin: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("signer-tls.cert"), d.tls_cert()).unwrap();
    let mac = tmp.path().join("admin.macaroon");
    fs::write(&mac, admin).unwrap();
    (tmp, mac)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_a_signer_only_bundle_that_verifies_and_matches_the_signer() {
    let (d, admin, client) = signer().await;
    let (tmp, mac) = setup_files(&d, &admin);
    let bundle = tmp.path().join("bundle");

    let run = lsm(export_args(
        &d,
        tmp.path(),
        &mac,
        &["--birthday", "1700000000"],
    ))
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("bundle OK"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&bundle.display().to_string()),
        "says where the bundle is:\n{}",
        run.stdout
    );
    let baked = fs::read(bundle.join("signer-only.macaroon")).unwrap();
    assert_no_macaroon(&run, &[&admin, &baked]);

    // Byte for byte what the signer has.
    assert_eq!(fs::read(bundle.join("tls.cert")).unwrap(), d.tls_cert());
    let accounts = client.list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 259);
    assert_eq!(
        fs::read(bundle.join("accounts.json")).unwrap(),
        AccountsJson::from(&ListAccountsResponse { accounts }).to_lncli_bytes()
    );
    let mac = Macaroon::decode(&baked).unwrap();
    assert_eq!(mac.permissions().unwrap(), permissions::signer_only());
    assert_eq!(mac.root_key_id().unwrap(), 1);
    assert!(client.list_macaroon_ids().await.unwrap().contains(&1));
    let json = BundleJson::parse(&fs::read(bundle.join("bundle.json")).unwrap()).unwrap();
    assert_eq!(json.network, "regtest");
    assert_eq!(json.rpc_endpoint, d.rpc_addr());
    assert_eq!(json.wallet_birthday.unwrap().unix, 1_700_000_000);
    assert!(!bundle.join("admin.macaroon").exists());

    // Independent verification, directory and archive.
    let run = lsm(vec![
        "bundle".into(),
        "verify".into(),
        bundle.display().to_string(),
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let archive = tmp.path().join("bundle.tar.gz.b64");
    let run = lsm(vec![
        "bundle".into(),
        "verify".into(),
        archive.display().to_string(),
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // Switching to admin replaces the scoped macaroon and removes it.
    let run = lsm(export_args(
        &d,
        tmp.path(),
        &tmp.path().join("admin.macaroon"),
        &["--scope", "admin", "--json"],
    ))
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_no_macaroon(&run, &[&admin, &baked]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(
        v["files_removed"],
        serde_json::json!(["signer-only.macaroon"])
    );
    assert_eq!(fs::read(bundle.join("admin.macaroon")).unwrap(), *admin);
    assert!(!bundle.join("signer-only.macaroon").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readonly_macaroon_cannot_bake() {
    let (d, admin, client) = signer().await;
    let readonly = client
        .bake_macaroon(&permissions::readonly(), 2)
        .await
        .unwrap();
    let (tmp, _) = setup_files(&d, &admin);
    let mac = tmp.path().join("readonly.macaroon");
    fs::write(&mac, &*readonly).unwrap();
    let run = lsm(export_args(&d, tmp.path(), &mac, &[])).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("cannot bake the watch-only macaroon: it lacks macaroon:generate"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--scope admin"), "{}", run.stderr);
    assert!(!tmp.path().join("bundle").exists(), "nothing written");
    assert_no_macaroon(&run, &[&admin, &readonly]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_info_read_the_network_must_be_given() {
    let (d, admin, client) = signer().await;
    let perms: Vec<Permission> = ["macaroon:generate", "onchain:read"]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    let limited = client.bake_macaroon(&perms, 3).await.unwrap();
    let (tmp, _) = setup_files(&d, &admin);
    let mac = tmp.path().join("limited.macaroon");
    fs::write(&mac, &*limited).unwrap();

    let run = lsm(export_args(&d, tmp.path(), &mac, &[])).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot call GetInfo (info:read)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pass --network"), "{}", run.stderr);

    let run = lsm(export_args(&d, tmp.path(), &mac, &["--network", "regtest"])).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let before = fs::read(tmp.path().join("bundle/bundle.json")).unwrap();
    // A wrong --network is caught before anything is written.
    let run = lsm(export_args(&d, tmp.path(), &mac, &["--network", "mainnet"])).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("where mainnet needs"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(
        fs::read(tmp.path().join("bundle/bundle.json")).unwrap(),
        before
    );
    assert_no_macaroon(&run, &[&admin, &limited]);
}

/// A real crash (process exit, no destructors) after each step of the
/// bundle write; running export again converges to a bundle that verifies,
/// with no temp file left.
#[cfg(feature = "failpoints")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_write_then_a_rerun_converges() {
    let (d, admin, _) = signer().await;
    for point in [
        "bundle::after_file",
        "bundle::after_bundle_json",
        "bundle::after_archive",
    ] {
        let (tmp, mac) = setup_files(&d, &admin);
        let args = export_args(&d, tmp.path(), &mac, &[]);
        let crashed = tokio::task::spawn_blocking({
            let args = args.clone();
            move || {
                assert_cmd::Command::cargo_bin("lsm")
                    .unwrap()
                    .env("FAILPOINTS", format!("{point}=return"))
                    .args(&args)
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert_eq!(
            crashed.status.code(),
            Some(lsm::crashpoint::CRASH_EXIT),
            "{point}: {}",
            String::from_utf8_lossy(&crashed.stderr)
        );
        let run = lsm(args).await;
        assert_eq!(run.code, 0, "{point}: {}\n{}", run.stdout, run.stderr);
        let bundle = tmp.path().join("bundle");
        let run = lsm(vec![
            "bundle".into(),
            "verify".into(),
            bundle.display().to_string(),
        ])
        .await;
        assert_eq!(run.code, 0, "{point}: {}\n{}", run.stdout, run.stderr);
        for dir in [bundle.as_path(), tmp.path()] {
            for e in fs::read_dir(dir).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                assert!(
                    !name.starts_with(".lsm-tmp-"),
                    "{point}: {name} left behind"
                );
            }
        }
    }
}
