//! Wire truth: what lsm exports is what lnd's own tools print, and the lnd
//! double answers as real lnd v0.20.0-beta does, byte for byte and word for
//! word. Every scenario runs twice (`on_both_backends!`): against the
//! double and against real lnd built from Go modules. The expected values
//! are real lnd's, read off it, so a divergence of the double fails the
//! `double` test and a change of real lnd fails the `real` one.
//!
//! - lsm's bundle against `lncli wallet accounts list` and `lncli
//!   printmacaroon`, `lsm bundle verify` on applied bundles, and `lsm
//!   export` from a signer lsm does not manage;
//! - lnd's answers and refusals per wallet state, its macaroon service and
//!   macaroon checks, the keys of a given master key (ListAccounts,
//!   identity key, SignMessage), its files and certificate, how it stops
//!   (bad TLS files, signals), lnd.conf errors, and its REST gateway.

use crate::signer_kit;

use crate::support::{self, Backend, DoubleOptions, NativeDouble, TestContainer};
use lsm::bundle::accounts::AccountsJson;
use lsm_lnd::macaroon::Macaroon;
use lsm_lnd::permissions::{self, Permission};
use lsm_lnd::proto::lnrpc::lightning_client::LightningClient;
use lsm_lnd::proto::lnrpc::state_client::StateClient;
use lsm_lnd::proto::lnrpc::wallet_unlocker_client::WalletUnlockerClient;
use lsm_lnd::proto::lnrpc::*;
use lsm_lnd::proto::walletrpc::wallet_kit_client::WalletKitClient;
use lsm_lnd::proto::walletrpc::{ListAccountsRequest, ListAccountsResponse};
use signer_kit::{Run, Signer};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tonic::Request;

crate::on_both_backends!(
    the_bundles_accounts_json_is_what_lncli_prints,
    lsm_macaroon_inspect_agrees_with_lncli_printmacaroon,
    lsm_bundle_verify_passes_on_an_applied_bundle,
    lsm_export_works_against_a_signer_lsm_does_not_manage,
    a_given_master_key_gives_lnds_keys_byte_for_byte,
    each_wallet_state_refuses_with_lnds_words,
    the_macaroon_service_answers_and_refuses_like_lnd,
    lnds_files_modes_and_certificate,
    lnd_stops_with_its_words_on_bad_tls_files_and_signals,
    lnd_conf_errors_for_what_lsm_renders,
    the_rest_gateway_answers_like_lnd,
);

// ------------------------------------------------------------- helpers

const PASSWORD: &[u8] = b"wire truth password";

/// A master key both backends derive the same wallet from: lnd's keys for
/// it are known (below), read off real lnd v0.20.0-beta.
fn test_tprv() -> String {
    bip32::XPrv::new(&[7u8; 32])
        .expect("master key")
        .to_string(bip32::Prefix::TPRV)
        .to_string()
}
const IDENTITY_PUBKEY: &str = "02fbc8fe1741938f86cdb1cb134924b7c6e9bb5ad0887efc89928d5fdb13e9f201";
/// SignMessage("hello") by the node key (double SHA-256, compact, zbase32).
const SIGNATURE_HELLO: &str = "d9caobiadzjonq8z6nb56itwokrbtumnedyd6u3w18mduh4jehhkcyn8ywwmb88yxy1fjietrd3kd7ke9pq88r6w8hwt6k6q9cfnnw7q";
/// The same with single_hash.
const SIGNATURE_HELLO_SINGLE: &str = "dh1q3g5kdbk7pom4y57txj9ieg64x1rk47to9ntjum657qggw9xthaet7ucus9zrc3bgfkgdteju5czusrmixkmoea5a7fymfoo4to6o";

/// SHA-256 of `lncli wallet accounts list` for that wallet.
const ACCOUNTS_JSON_SHA256: &str =
    "b51a8083d3530d8e46051660f86e3afd6d949656da6f7455cd2ca8b901c7db41";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// `backend`'s lnd as a host process with a fresh lnddir.
fn start(backend: Backend) -> NativeDouble {
    NativeDouble::start_with(DoubleOptions {
        backend,
        ..Default::default()
    })
}

fn deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(60)
}

/// InitWallet from [`test_tprv`], then SERVER_ACTIVE; the admin macaroon.
async fn init_from_master_key(d: &NativeDouble) -> Vec<u8> {
    let mut wu = WalletUnlockerClient::new(channel(d));
    let admin = wu
        .init_wallet(InitWalletRequest {
            wallet_password: PASSWORD.to_vec(),
            extended_master_key: test_tprv(),
            ..Default::default()
        })
        .await
        .expect("InitWallet")
        .into_inner()
        .admin_macaroon;
    d.client()
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .expect("SERVER_ACTIVE");
    admin
}

fn channel(d: &NativeDouble) -> tonic::transport::Channel {
    support::pinned_channel(&d.rpc_addr(), &d.tls_cert())
}

fn with_mac<T>(msg: T, mac: &[u8]) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("macaroon", hex::encode(mac).parse().expect("hex is ASCII"));
    r
}

/// A call's error as lnd sent it, `OK` for success.
fn outcome<T>(r: Result<tonic::Response<T>, tonic::Status>) -> String {
    match r {
        Ok(_) => "OK".into(),
        Err(s) => format!("{:?}: {}", s.code(), s.message()),
    }
}

fn unknown(msg: &str) -> String {
    format!("Unknown: {msg}")
}

/// Real lncli on the host against `rpc`, pinned to `cert`.
fn lncli_at(rpc: &str, cert: &[u8], macaroon: &[u8], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("tls.cert"), cert).expect("write cert");
    std::fs::write(dir.path().join("call.macaroon"), macaroon).expect("write macaroon");
    let out = Command::new(support::real_lnd().bin("lncli"))
        .arg("--network=regtest")
        .arg(format!("--rpcserver={rpc}"))
        .arg(format!(
            "--tlscertpath={}",
            dir.path().join("tls.cert").display()
        ))
        .arg(format!(
            "--macaroonpath={}",
            dir.path().join("call.macaroon").display()
        ))
        .arg(format!("--lnddir={}", dir.path().display()))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run lncli");
    run_of(out)
}

/// `lncli printmacaroon --macaroon_file <file>` (offline).
fn lncli_printmacaroon(macaroon: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("m.macaroon");
    std::fs::write(&file, macaroon).expect("write macaroon");
    let out = Command::new(support::real_lnd().bin("lncli"))
        .args(["printmacaroon", "--macaroon_file"])
        .arg(&file)
        .output()
        .expect("run lncli");
    let run = run_of(out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

fn run_of(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The lsm binary, no colour.
fn lsm(args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("lsm")
        .expect("lsm binary")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run lsm");
    run_of(out)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// lsm's inspection and lncli's printing of one macaroon agree on every
/// decoded field: location, root key id, permissions, caveats.
fn assert_inspect_matches_printmacaroon(macaroon: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("m.macaroon");
    std::fs::write(&file, macaroon).expect("write macaroon");
    let ours = lsm(&["macaroon", "inspect", "--json", file.to_str().unwrap()]).expect(0);
    let ours = ours.json();
    let theirs = lncli_printmacaroon(macaroon);
    assert_eq!(theirs["version"], 2, "{theirs}");
    assert_eq!(ours["location"], theirs["location"], "{ours}\n{theirs}");
    assert_eq!(
        ours["root_key_id"], theirs["root_key_id"],
        "{ours}\n{theirs}"
    );
    assert_eq!(
        ours["permissions"], theirs["permissions"],
        "{ours}\n{theirs}"
    );
    // lncli prints no caveats as null.
    let their_caveats = match &theirs["caveats"] {
        serde_json::Value::Null => serde_json::json!([]),
        v => v.clone(),
    };
    let our_caveats: Vec<serde_json::Value> = ours["caveats"]
        .as_array()
        .expect("caveats")
        .iter()
        .map(|c| c.get("condition").cloned().unwrap_or_else(|| c.clone()))
        .collect();
    assert_eq!(
        serde_json::Value::Array(our_caveats),
        their_caveats,
        "{ours}\n{theirs}"
    );
}

// ------------------------------------------------------------- wire truth

/// The bundle's accounts.json is, byte for byte, what `lncli wallet
/// accounts list` prints for the same wallet (Docker signer).
fn the_bundles_accounts_json_is_what_lncli_prints(backend: Backend) {
    let Some(s) = Signer::docker_on(backend, "") else {
        return;
    };
    s.apply();
    let listed = s.lncli(&s.admin_macaroon(), &["wallet", "accounts", "list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let exported = std::fs::read(s.bundle().join("accounts.json")).expect("accounts.json");
    assert_eq!(
        String::from_utf8_lossy(&exported),
        listed.stdout,
        "accounts.json differs from lncli's output"
    );
    assert_eq!(
        AccountsJson::parse(&exported)
            .expect("accounts.json")
            .accounts
            .len(),
        259
    );
    s.assert_no_secret_leaked();
}

/// `lsm macaroon inspect` decodes what `lncli printmacaroon` decodes: the
/// bundle's baked macaroon, lnd's admin macaroon, and one with a `uri:`
/// permission and caveats of every kind lnd checks.
fn lsm_macaroon_inspect_agrees_with_lncli_printmacaroon(backend: Backend) {
    let d = start(backend);
    runtime().block_on(async {
        let admin = init_from_master_key(&d).await;
        let out = tempfile::tempdir().expect("temp dir");
        let (cert, mac) = (
            out.path().join("tls.cert"),
            out.path().join("admin.macaroon"),
        );
        std::fs::write(&cert, d.tls_cert()).unwrap();
        std::fs::write(&mac, &admin).unwrap();
        let bundle = out.path().join("bundle");
        let run = tokio::task::spawn_blocking({
            let (rpc, cert, mac, bundle) =
                (d.rpc_addr(), cert.clone(), mac.clone(), bundle.clone());
            move || {
                lsm(&[
                    "export",
                    "--rpcserver",
                    &rpc,
                    "--tlscertpath",
                    cert.to_str().unwrap(),
                    "--macaroonpath",
                    mac.to_str().unwrap(),
                    "--out",
                    bundle.to_str().unwrap(),
                ])
            }
        })
        .await
        .unwrap();
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let baked = std::fs::read(bundle.join("signer-only.macaroon")).expect("bundle macaroon");
        assert_inspect_matches_printmacaroon(&baked);
        assert_inspect_matches_printmacaroon(&admin);

        let mut ln = LightningClient::new(channel(&d));
        let hex = ln
            .bake_macaroon(with_mac(
                BakeMacaroonRequest {
                    permissions: vec![
                        MacaroonPermission {
                            entity: "uri".into(),
                            action: "/lnrpc.Lightning/GetInfo".into(),
                        },
                        MacaroonPermission {
                            entity: "signer".into(),
                            action: "generate".into(),
                        },
                    ],
                    root_key_id: 42,
                    allow_external_permissions: false,
                },
                &admin,
            ))
            .await
            .expect("BakeMacaroon")
            .into_inner()
            .macaroon;
        let mut m = Macaroon::from_hex_or_bytes(hex.as_bytes()).expect("hex macaroon");
        for c in [
            "time-before 2099-01-02T03:04:05Z",
            "ipaddr 127.0.0.1",
            "iprange 127.0.0.0/8",
            "lnd-custom lit-mac-fw read-only",
        ] {
            m.add_first_party_caveat(c);
        }
        assert_inspect_matches_printmacaroon(&m.encode());
    });
}

/// An applied native signer's bundle verifies, directory and archive.
fn lsm_bundle_verify_passes_on_an_applied_bundle(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    s.lsm(&["bundle", "verify", s.bundle().to_str().unwrap()])
        .expect(0);
    let archive = s.path("out/credentials-bundle.tar.gz.b64");
    s.lsm(&["bundle", "verify", archive.to_str().unwrap()])
        .expect(0);
    // The bundle's cert is the one lnd serves and lncli accepts.
    assert_eq!(
        std::fs::read(s.bundle().join("tls.cert")).unwrap(),
        s.lnd_file("tls.cert")
    );
    let info = s.lncli(&s.bundle_macaroon(), &["getinfo"]);
    assert_ne!(info.code, 0, "the signer-only macaroon must not read info");
    assert!(info.stderr.contains("permission denied"), "{}", info.stderr);
    s.assert_no_secret_leaked();
}

/// `lsm export` against a signer lsm never saw: a container started here,
/// its wallet made over gRPC, then export and verify; the export equals
/// what the signer and lncli say.
fn lsm_export_works_against_a_signer_lsm_does_not_manage(backend: Backend) {
    if !support::require_docker() {
        return;
    }
    let image = format!("{}:{}", backend.image_repo(), backend.version());
    backend.ensure_image();
    let c = TestContainer::run(
        &image,
        &["-p", "127.0.0.1::10009"],
        &[
            "--lnddir=/root/.lnd",
            "--bitcoin.regtest",
            "--bitcoin.node=nochainbackend",
            "--nolisten",
            "--norest",
            "--rpclisten=0.0.0.0:10009",
        ],
    );
    let cert = c.wait_for_file("/root/.lnd/tls.cert", Duration::from_secs(60));
    let rpc = format!("127.0.0.1:{}", c.host_port(10009));
    let admin = runtime().block_on(async {
        let client =
            lsm_lnd::client::LndClient::connect(&rpc, &cert, Default::default()).expect("client");
        client
            .wait_for_state(
                &[WalletState::NonExisting],
                tokio::time::Instant::now() + Duration::from_secs(60),
            )
            .await
            .expect("NON_EXISTING");
        let words = client.gen_seed(None).await.expect("GenSeed");
        client
            .init_wallet(&lsm_lnd::client::InitWalletParams {
                wallet_password: PASSWORD,
                mnemonic: &words,
                ..Default::default()
            })
            .await
            .expect("InitWallet");
        client
            .wait_for_state(&[WalletState::ServerActive], deadline())
            .await
            .expect("SERVER_ACTIVE");
        c.wait_for_file(
            "/root/.lnd/data/chain/bitcoin/regtest/admin.macaroon",
            Duration::from_secs(30),
        )
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert_file, mac_file) = (
        dir.path().join("tls.cert"),
        dir.path().join("admin.macaroon"),
    );
    std::fs::write(&cert_file, &cert).unwrap();
    std::fs::write(&mac_file, &admin).unwrap();
    let bundle = dir.path().join("bundle");
    let run = lsm(&[
        "export",
        "--rpcserver",
        &rpc,
        "--tlscertpath",
        cert_file.to_str().unwrap(),
        "--macaroonpath",
        mac_file.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(&hex::encode(&admin)[..40]));
    lsm(&["bundle", "verify", bundle.to_str().unwrap()]).expect(0);
    let archive = dir.path().join("bundle.tar.gz.b64");
    lsm(&["bundle", "verify", archive.to_str().unwrap()]).expect(0);
    let listed = lncli_at(&rpc, &cert, &admin, &["wallet", "accounts", "list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(
        std::fs::read_to_string(bundle.join("accounts.json")).unwrap(),
        listed.stdout
    );
    assert_eq!(std::fs::read(bundle.join("tls.cert")).unwrap(), cert);
    // lnd verifies the exported macaroon (its signature and root key) and
    // refuses lnrpc's SignMessage for want of message:write, which the
    // watch-only set leaves out: "permission denied", not "verification
    // failed". (lncli has no command for the signrpc calls it grants.)
    let baked = std::fs::read(bundle.join("signer-only.macaroon")).unwrap();
    let signed = lncli_at(&rpc, &cert, &baked, &["signmessage", "wire truth"]);
    assert_ne!(signed.code, 0, "{}", signed.stdout);
    assert!(
        signed.stderr.contains("permission denied"),
        "{}",
        signed.stderr
    );
}

// ------------------------------------------------------------- lnd itself

/// aezeed words cross between the double and real lnd: each GenSeed's
/// words (same entropy, a passphrase) create the other's wallet, and both
/// wallets have one identity key. Needs both backends at once.
#[test]
fn aezeed_words_restore_across_the_double_and_real_lnd() {
    let (double, real) = (start(Backend::Double), start(Backend::Real));
    runtime().block_on(async {
        let entropy: Vec<u8> = (100..116).collect();
        let pass = b"cross restore".to_vec();
        let words = |d: &NativeDouble| {
            let mut wu = WalletUnlockerClient::new(channel(d));
            let (entropy, pass) = (entropy.clone(), pass.clone());
            async move {
                wu.gen_seed(GenSeedRequest {
                    aezeed_passphrase: pass,
                    seed_entropy: entropy,
                })
                .await
                .expect("GenSeed")
                .into_inner()
                .cipher_seed_mnemonic
            }
        };
        let (from_double, from_real) = (words(&double).await, words(&real).await);
        let init = |d: &NativeDouble, mnemonic: Vec<String>| {
            let mut wu = WalletUnlockerClient::new(channel(d));
            let client = d.client();
            let pass = pass.clone();
            async move {
                let admin = wu
                    .init_wallet(InitWalletRequest {
                        wallet_password: PASSWORD.to_vec(),
                        cipher_seed_mnemonic: mnemonic,
                        aezeed_passphrase: pass,
                        ..Default::default()
                    })
                    .await
                    .expect("InitWallet with the other's words")
                    .into_inner()
                    .admin_macaroon;
                client
                    .wait_for_state(&[WalletState::ServerActive], deadline())
                    .await
                    .expect("SERVER_ACTIVE");
                client
                    .with_macaroon(&admin)
                    .get_info()
                    .await
                    .expect("GetInfo")
                    .identity_pubkey
            }
        };
        let on_double = init(&double, from_real).await;
        let on_real = init(&real, from_double).await;
        assert_eq!(on_double, on_real);
    });
}

/// InitWallet with one extended master key gives lnd's keys: accounts,
/// identity key and node-key signatures byte for byte, and the GetInfo
/// fields lsm reads.
fn a_given_master_key_gives_lnds_keys_byte_for_byte(backend: Backend) {
    let d = start(backend);
    runtime().block_on(async {
        let admin = init_from_master_key(&d).await;
        let mut ln = LightningClient::new(channel(&d));
        let info = ln
            .get_info(with_mac(GetInfoRequest {}, &admin))
            .await
            .expect("GetInfo")
            .into_inner();
        assert_eq!(info.identity_pubkey, IDENTITY_PUBKEY);
        assert_eq!(info.version, "0.20.0-beta commit=v0.20.0-beta");
        assert_eq!(info.chains.len(), 1);
        assert_eq!(info.chains[0].network, "regtest");
        assert_eq!(info.alias, &IDENTITY_PUBKEY[..20]);
        assert_eq!(info.color, "#3399ff");
        assert_eq!(info.block_height, 1);
        assert!(!info.synced_to_chain, "the no-chain backend never syncs");
        assert!(info.best_header_timestamp > 1_700_000_000);
        assert_eq!(info.features.len(), 16, "{:?}", info.features);
        assert_eq!(info.features[&0].name, "data-loss-protect");
        for (single_hash, want) in [(false, SIGNATURE_HELLO), (true, SIGNATURE_HELLO_SINGLE)] {
            let sig = ln
                .sign_message(with_mac(
                    SignMessageRequest {
                        msg: b"hello".to_vec(),
                        single_hash,
                    },
                    &admin,
                ))
                .await
                .expect("SignMessage")
                .into_inner()
                .signature;
            assert_eq!(sig, want, "single_hash={single_hash}");
        }
        let mut wk = WalletKitClient::new(channel(&d));
        let accounts = wk
            .list_accounts(with_mac(ListAccountsRequest::default(), &admin))
            .await
            .expect("ListAccounts")
            .into_inner()
            .accounts;
        let json = AccountsJson::from(&ListAccountsResponse {
            accounts: accounts.clone(),
        })
        .to_lncli_bytes();
        assert_eq!(
            lsm_lnd::fingerprint::sha256_hex(&json),
            ACCOUNTS_JSON_SHA256,
            "accounts.json of the test master key"
        );
        let by_path = |p: &str| {
            accounts
                .iter()
                .find(|a| a.derivation_path == p)
                .unwrap_or_else(|| panic!("no {p}"))
                .extended_public_key
                .clone()
        };
        assert_eq!(
            by_path("m/84'/0'/0'"),
            "vpub5ZP4B3N55to22JbrwPkSPqgRhHL6BxSf1Tzx6LQQpBCcrwm5wazCjvop6y7Xc96ToLFYpDQYYmFtLvK5k1PbK7oBdsiBzPYqRUf4PtK1ZyR"
        );
        assert_eq!(
            by_path("m/1017'/1'/255'"),
            "tpubDCy4G4hG1nNfTNb4Rc4h1su2AEhj7wqsnktJrHzYmqsrkhWA1juvM8vu88K98uoa8v2YPhETaqgtmvpBhMA673iVDPJpJQ4K5yE6mZNYKSV"
        );
        // Filters: names search the default scopes only.
        for (name, address_type, want) in [
            ("default", 0, "OK m/49'/0'/0' m/84'/0'/0' m/86'/0'/0'"),
            ("default", 4, "OK m/86'/0'/0'"),
            ("", 2, "OK m/49'/0'/0'"),
            ("act:1", 0, "Unknown: account name 'act:1' not found"),
            ("", 9, "Unknown: unhandled address type 9"),
        ] {
            let got = match wk
                .list_accounts(with_mac(
                    ListAccountsRequest {
                        name: name.into(),
                        address_type,
                    },
                    &admin,
                ))
                .await
            {
                Ok(r) => {
                    let paths: Vec<String> = r
                        .into_inner()
                        .accounts
                        .into_iter()
                        .map(|a| a.derivation_path)
                        .collect();
                    format!("OK {}", paths.join(" "))
                }
                Err(s) => format!("{:?}: {}", s.code(), s.message()),
            };
            assert_eq!(got, want, "ListAccounts name={name:?} type={address_type}");
        }
    });
}

/// GetState and every WalletUnlocker/Lightning refusal lsm meets, per
/// wallet state, in lnd's words.
fn each_wallet_state_refuses_with_lnds_words(backend: Backend) {
    let mut d = start(backend);
    let rt = runtime();
    let admin = rt.block_on(async {
        let (mut su, mut wu) = (
            StateClient::new(channel(&d)),
            WalletUnlockerClient::new(channel(&d)),
        );
        let (mut ln, mut wk) = (
            LightningClient::new(channel(&d)),
            WalletKitClient::new(channel(&d)),
        );
        let state = su.get_state(GetStateRequest {}).await.unwrap().into_inner();
        assert_eq!(state.state(), WalletState::NonExisting);
        let no_wallet = unknown("wallet not created, create one to enable full RPC access");
        assert_eq!(outcome(ln.get_info(GetInfoRequest {}).await), no_wallet);
        assert_eq!(
            outcome(wk.list_accounts(ListAccountsRequest::default()).await),
            no_wallet
        );
        let unlock = |pw: &[u8]| UnlockWalletRequest {
            wallet_password: pw.to_vec(),
            ..Default::default()
        };
        assert_eq!(
            outcome(wu.unlock_wallet(unlock(PASSWORD)).await),
            unknown("wallet not found")
        );
        assert_eq!(
            outcome(
                wu.gen_seed(GenSeedRequest {
                    seed_entropy: vec![1; 15],
                    ..Default::default()
                })
                .await
            ),
            unknown("incorrect entropy length: expected 16 bytes, instead got 15 bytes")
        );
        let words = wu
            .gen_seed(GenSeedRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cipher_seed_mnemonic;
        assert_eq!(words.len(), 24);
        let init = |pw: &[u8], words: Vec<String>, xprv: String| InitWalletRequest {
            wallet_password: pw.to_vec(),
            cipher_seed_mnemonic: words,
            extended_master_key: xprv,
            ..Default::default()
        };
        let child = bip32::XPrv::new(&[7u8; 32])
            .unwrap()
            .derive_child(bip32::ChildNumber::new(0, true).unwrap())
            .unwrap()
            .to_string(bip32::Prefix::TPRV)
            .to_string();
        let mainnet = bip32::XPrv::new(&[7u8; 32])
            .unwrap()
            .to_string(bip32::Prefix::XPRV)
            .to_string();
        let mut bad_word = words.clone();
        bad_word[3] = "notaword".into();
        for (req, want) in [
            (
                init(b"short", words.clone(), String::new()),
                "password must have at least 8 characters",
            ),
            (
                init(PASSWORD, words.clone(), test_tprv()),
                "cannot specify both the cipher seed mnemonic and the extended master key",
            ),
            (
                init(PASSWORD, vec![], String::new()),
                "must either specify cipher seed mnemonic or the extended master key",
            ),
            (
                init(PASSWORD, bad_word, String::new()),
                "word notaword isn't a part of default word list (index=3)",
            ),
            (
                init(PASSWORD, vec![], child),
                "extended master key must be at depth 0 not a child key",
            ),
            (
                init(PASSWORD, vec![], mainnet),
                "extended master key must be for network regtest",
            ),
            (
                InitWalletRequest {
                    macaroon_root_key: vec![1; 31],
                    ..init(PASSWORD, vec![], test_tprv())
                },
                "macaroon root key must be exactly 32 bytes, is instead 31",
            ),
            (
                InitWalletRequest {
                    recovery_window: -1,
                    ..init(PASSWORD, vec![], test_tprv())
                },
                "recovery window -1 must be non-negative",
            ),
        ] {
            assert_eq!(outcome(wu.init_wallet(req).await), unknown(want));
        }
        let admin = init_from_master_key(&d).await;
        let gone =
            unknown("wallet already unlocked, WalletUnlocker service is no longer available");
        assert_eq!(outcome(wu.gen_seed(GenSeedRequest::default()).await), gone);
        assert_eq!(
            outcome(wu.init_wallet(init(PASSWORD, words, String::new())).await),
            gone
        );
        assert_eq!(outcome(wu.unlock_wallet(unlock(PASSWORD)).await), gone);
        let state = su.get_state(GetStateRequest {}).await.unwrap().into_inner();
        assert_eq!(state.state(), WalletState::ServerActive);
        admin
    });
    d.restart();
    rt.block_on(async {
        let (mut su, mut wu, mut ln) = (
            StateClient::new(channel(&d)),
            WalletUnlockerClient::new(channel(&d)),
            LightningClient::new(channel(&d)),
        );
        let state = su.get_state(GetStateRequest {}).await.unwrap().into_inner();
        assert_eq!(state.state(), WalletState::Locked);
        assert_eq!(
            outcome(ln.get_info(with_mac(GetInfoRequest {}, &admin)).await),
            unknown("wallet locked, unlock it to enable full RPC access")
        );
        let exists = unknown("wallet already exists");
        assert_eq!(
            outcome(wu.gen_seed(GenSeedRequest::default()).await),
            exists
        );
        assert_eq!(
            outcome(
                wu.init_wallet(InitWalletRequest {
                    wallet_password: PASSWORD.to_vec(),
                    extended_master_key: test_tprv(),
                    ..Default::default()
                })
                .await
            ),
            exists
        );
        let wrong = unknown("invalid passphrase for master public key");
        assert_eq!(
            outcome(
                wu.unlock_wallet(UnlockWalletRequest {
                    wallet_password: b"not the password".to_vec(),
                    ..Default::default()
                })
                .await
            ),
            wrong
        );
        assert_eq!(
            outcome(
                wu.change_password(ChangePasswordRequest {
                    current_password: b"not the password".to_vec(),
                    new_password: b"a new password".to_vec(),
                    ..Default::default()
                })
                .await
            ),
            wrong
        );
        assert_eq!(
            outcome(
                wu.change_password(ChangePasswordRequest {
                    current_password: PASSWORD.to_vec(),
                    new_password: b"short".to_vec(),
                    ..Default::default()
                })
                .await
            ),
            unknown("password must have at least 8 characters")
        );
        // lsm's classifier knows every one of these texts.
        use lsm_lnd::error::{LndError, classify_message};
        assert!(matches!(
            classify_message(&wrong, ""),
            Some(LndError::InvalidPassphrase)
        ));
        assert!(matches!(
            classify_message(&exists, ""),
            Some(LndError::WalletAlreadyExists)
        ));
        let client = d.client();
        client.unlock_wallet(PASSWORD).await.expect("UnlockWallet");
        client
            .wait_for_state(&[WalletState::ServerActive], deadline())
            .await
            .expect("SERVER_ACTIVE");
        // The admin macaroon from before the restart still works.
        assert_eq!(
            outcome(ln.get_info(with_mac(GetInfoRequest {}, &admin)).await),
            "OK"
        );
    });
}

/// BakeMacaroon's validation, root key ids, DeleteMacaroonID, and every
/// macaroon rejection lnd sends, word for word.
fn the_macaroon_service_answers_and_refuses_like_lnd(backend: Backend) {
    let d = start(backend);
    runtime().block_on(async {
        let admin = init_from_master_key(&d).await;
        let mut ln = LightningClient::new(channel(&d));
        let perm = |e: &str, a: &str| MacaroonPermission {
            entity: e.into(),
            action: a.into(),
        };
        let help = "supported actions are [read write generate], supported entities are \
                    [onchain offchain address message peers info invoices signer macaroon uri]";
        for (perms, want) in [
            (
                vec![],
                format!(
                    "permission list cannot be empty. specify at least one action/entity pair. {help}"
                ),
            ),
            (
                vec![perm("foo", "read")],
                format!("invalid permission entity. {help}"),
            ),
            (
                vec![perm("info", "foo")],
                format!("invalid permission action. {help}"),
            ),
            (
                vec![perm("uri", "/lnrpc.Lightning/Nope")],
                "invalid permission action, must be an existing URI in the format \
                 /package.Service/MethodName"
                    .to_string(),
            ),
        ] {
            let r = ln
                .bake_macaroon(with_mac(
                    BakeMacaroonRequest {
                        permissions: perms,
                        root_key_id: 0,
                        allow_external_permissions: false,
                    },
                    &admin,
                ))
                .await;
            assert_eq!(outcome(r), unknown(&want));
        }
        let bake = |id: u64, perms: Vec<MacaroonPermission>| BakeMacaroonRequest {
            permissions: perms,
            root_key_id: id,
            allow_external_permissions: false,
        };
        let mut baked = Vec::new();
        for id in [5, 10, 2, u64::MAX] {
            let hex = ln
                .bake_macaroon(with_mac(bake(id, vec![perm("info", "read")]), &admin))
                .await
                .expect("BakeMacaroon")
                .into_inner()
                .macaroon;
            let m = Macaroon::from_hex_or_bytes(hex.as_bytes()).expect("hex");
            assert_eq!(m.root_key_id().unwrap(), id);
            assert_eq!(m.location_str().as_deref(), Some("lnd"));
            baked.push(m.encode().to_vec());
        }
        // Ops are canonical: sorted, grouped, deduplicated.
        let hex = ln
            .bake_macaroon(with_mac(
                bake(
                    5,
                    vec![perm("onchain", "read"), perm("info", "read"), perm("info", "read")],
                ),
                &admin,
            ))
            .await
            .unwrap()
            .into_inner()
            .macaroon;
        assert_eq!(
            Macaroon::from_hex_or_bytes(hex.as_bytes())
                .unwrap()
                .permissions()
                .unwrap(),
            vec![Permission::new("info", "read"), Permission::new("onchain", "read")]
        );
        // bbolt's byte order: ids as decimal strings.
        let ids = ln
            .list_macaroon_i_ds(with_mac(ListMacaroonIDsRequest {}, &admin))
            .await
            .unwrap()
            .into_inner()
            .root_key_ids;
        assert_eq!(ids, [0, 10, u64::MAX, 2, 5]);
        assert_eq!(
            outcome(
                ln.delete_macaroon_id(with_mac(DeleteMacaroonIdRequest { root_key_id: 0 }, &admin))
                    .await
            ),
            unknown("the specified ID cannot be deleted")
        );
        let deleted = |id| {
            let mut ln = LightningClient::new(channel(&d));
            let admin = admin.clone();
            async move {
                ln.delete_macaroon_id(with_mac(DeleteMacaroonIdRequest { root_key_id: id }, &admin))
                    .await
                    .unwrap()
                    .into_inner()
                    .deleted
            }
        };
        assert!(!deleted(99).await, "a missing id is deleted: false");
        assert_eq!(
            outcome(ln.get_info(with_mac(GetInfoRequest {}, &baked[0])).await),
            "OK"
        );
        assert!(deleted(5).await);
        assert_eq!(
            outcome(ln.get_info(with_mac(GetInfoRequest {}, &baked[0])).await),
            unknown("cannot retrieve macaroon: cannot get macaroon: root key with id 5 doesn't exist")
        );

        // Rejections of the macaroon a call carries.
        let mut wrong_sig = admin.clone();
        let last = wrong_sig.len() - 1;
        wrong_sig[last] ^= 1;
        assert_eq!(
            outcome(ln.get_info(with_mac(GetInfoRequest {}, &wrong_sig)).await),
            unknown("verification failed: signature mismatch after caveat verification")
        );
        assert_eq!(
            outcome(ln.get_info(GetInfoRequest {}).await),
            unknown("expected 1 macaroon, got 0")
        );
        let raw = |v: &str| {
            let mut r = Request::new(GetInfoRequest {});
            r.metadata_mut().insert("macaroon", v.parse().unwrap());
            r
        };
        assert_eq!(
            outcome(ln.get_info(raw("zz")).await),
            unknown("encoding/hex: invalid byte: U+007A 'z'")
        );
        assert_eq!(
            outcome(ln.get_info(raw("abc")).await),
            unknown("encoding/hex: odd length hex string")
        );
        assert_eq!(
            outcome(ln.get_info(raw("0102030405")).await),
            unknown("cannot determine data format of binary-encoded macaroon")
        );
        let mut two = Request::new(GetInfoRequest {});
        two.metadata_mut()
            .append("macaroon", hex::encode(&admin).parse().unwrap());
        two.metadata_mut()
            .append("macaroon", hex::encode(&admin).parse().unwrap());
        assert_eq!(
            outcome(ln.get_info(two).await),
            unknown("expected 1 macaroon, got 2")
        );
        let with_caveats = |cavs: &[&str]| {
            let mut m = Macaroon::decode(&admin).unwrap();
            for c in cavs {
                m.add_first_party_caveat(*c);
            }
            m.encode().to_vec()
        };
        for (cavs, want) in [
            (&["time-before 2099-01-01T00:00:00Z"][..], "OK".to_string()),
            (&["ipaddr 127.0.0.1"][..], "OK".to_string()),
            (&["iprange 127.0.0.0/8"][..], "OK".to_string()),
            (&["declared a b"][..], "OK".to_string()),
            (
                &["time-before 2020-01-01T00:00:00Z"][..],
                unknown(
                    "caveat \"time-before 2020-01-01T00:00:00Z\" not satisfied: macaroon has expired",
                ),
            ),
            (
                &["ipaddr 10.1.2.3"][..],
                unknown(
                    "caveat \"ipaddr 10.1.2.3\" not satisfied: macaroon locked to different IP address",
                ),
            ),
            (
                &["iprange 10.0.0.0/8"][..],
                unknown(
                    "caveat \"iprange 10.0.0.0/8\" not satisfied: macaroon locked to different IP range",
                ),
            ),
            (
                &["iprange 10.0.0.0"][..],
                unknown(
                    "caveat \"iprange 10.0.0.0\" not satisfied: unable to parse macaroon IP range: \
                     invalid CIDR address: 10.0.0.0",
                ),
            ),
            (
                &["lnd-custom foo bar"][..],
                unknown(
                    "caveat \"lnd-custom foo bar\" not satisfied: cannot accept macaroon with custom \
                     caveat 'foo', no middleware registered to handle it",
                ),
            ),
            (
                &["declared a b", "declared a c"][..],
                unknown("caveat \"declared a b\" not satisfied: got a=null, expected \"b\""),
            ),
            (
                &["declared a"][..],
                unknown("caveat \"declared a\" not satisfied: declared caveat has no value"),
            ),
            (
                &["frob 1"][..],
                unknown("caveat \"frob 1\" not satisfied: caveat not recognized"),
            ),
            (
                &[" x"][..],
                unknown("cannot parse caveat \" x\": caveat starts with space character"),
            ),
        ] {
            assert_eq!(
                outcome(ln.get_info(with_mac(GetInfoRequest {}, &with_caveats(cavs))).await),
                want,
                "{cavs:?}"
            );
        }
        let readonly = std::fs::read(d.network_dir().join("readonly.macaroon")).unwrap();
        assert_eq!(
            outcome(
                ln.bake_macaroon(with_mac(bake(0, vec![perm("info", "read")]), &readonly))
                    .await
            ),
            unknown("permission denied")
        );
        // ListPermissions: one entry per method lnd serves, the watch-only
        // node's signer methods among them.
        let all = d
            .client()
            .with_macaroon(&admin)
            .list_permissions()
            .await
            .expect("ListPermissions");
        assert_eq!(all.len(), 164);
        assert_eq!(
            all["/signrpc.Signer/SignMessage"],
            [Permission::new("signer", "generate")]
        );
        assert_eq!(
            all["/walletrpc.WalletKit/SignPsbt"],
            [Permission::new("onchain", "write")]
        );
    });
}

/// lnd's lnddir after one unlock: directories, file modes, the default
/// and sub-server macaroons, and the certificate's shape.
fn lnds_files_modes_and_certificate(backend: Backend) {
    let d = start(backend);
    runtime().block_on(async {
        init_from_master_key(&d).await;
    });
    let lnd = d.lnd_dir();
    for (rel, want) in [
        ("tls.cert", 0o644),
        ("tls.key", 0o600),
        ("data", 0o700),
        ("data/chain/bitcoin/regtest", 0o700),
        ("data/graph/regtest", 0o700),
        ("data/watchtower/bitcoin/regtest", 0o700),
        ("letsencrypt", 0o700),
        ("logs", 0o700),
        ("logs/bitcoin/regtest", 0o700),
        ("logs/bitcoin/regtest/lnd.log", 0o644),
        ("data/chain/bitcoin/regtest/wallet.db", 0o600),
        ("data/chain/bitcoin/regtest/macaroons.db", 0o600),
    ] {
        assert_eq!(mode(&lnd.join(rel)), want, "{rel}");
    }
    let net = d.network_dir();
    let p = Permission::new;
    for (file, want_mode, perms) in [
        ("admin.macaroon", 0o640, permissions::admin()),
        ("readonly.macaroon", 0o644, permissions::readonly()),
        ("invoice.macaroon", 0o644, permissions::invoice()),
        (
            "signer.macaroon",
            0o644,
            vec![p("signer", "generate"), p("signer", "read")],
        ),
        (
            "walletkit.macaroon",
            0o644,
            vec![
                p("address", "read"),
                p("address", "write"),
                p("onchain", "read"),
                p("onchain", "write"),
            ],
        ),
        (
            "router.macaroon",
            0o644,
            vec![p("offchain", "read"), p("offchain", "write")],
        ),
        ("chainnotifier.macaroon", 0o644, vec![p("onchain", "read")]),
        (
            "invoices.macaroon",
            0o644,
            vec![p("invoices", "read"), p("invoices", "write")],
        ),
    ] {
        assert_eq!(mode(&net.join(file)), want_mode, "{file}");
        let m = Macaroon::decode(&std::fs::read(net.join(file)).unwrap()).expect(file);
        assert_eq!(m.permissions().unwrap(), perms, "{file}");
        assert_eq!(m.root_key_id().unwrap(), 0, "{file}");
        assert!(m.caveats().is_empty(), "{file}");
    }
    let cert = lsm_lnd::tls::CertInfo::from_pem(&d.tls_cert()).expect("tls.cert");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(cert.common_name.as_deref(), Some(host.trim()), "{cert:?}");
    for name in [host.trim(), "localhost", "unix", "unixpacket", "bufconn"] {
        assert!(cert.dns_names.iter().any(|n| n == name), "{name}: {cert:?}");
    }
    for ip in ["127.0.0.1", "::1"] {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        assert!(cert.ip_addresses.contains(&ip), "{ip}: {cert:?}");
    }
    let key = std::fs::read_to_string(lnd.join("tls.key")).unwrap();
    assert!(key.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
}

/// Startup failures and signals end lnd as lnd.Main does: lnd's error on
/// stderr, exit 1, "Shutdown complete" in the log, even for a signal that
/// came while lnd waited for the wallet password.
fn lnd_stops_with_its_words_on_bad_tls_files_and_signals(backend: Backend) {
    let mut d = start(backend);
    // A signal before the wallet password: an error exit.
    d.signal("TERM");
    let status = d.wait_exit(Duration::from_secs(20));
    let logs = d.logs();
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{logs}");
    assert!(logs.contains("[INF] LTND: Received terminated"), "{logs}");
    assert!(
        logs.ends_with(
            "error creating wallet config: unable to set up wallet password listeners: shutting down\n"
        ),
        "{logs}"
    );
    let cert_path = d.lnd_dir().join("tls.cert");
    let key_path = d.lnd_dir().join("tls.key");
    let (good_cert, good_key) = (
        std::fs::read(&cert_path).unwrap(),
        std::fs::read(&key_path).unwrap(),
    );
    let other_key = {
        let other = start(backend);
        std::fs::read(other.lnd_dir().join("tls.key")).unwrap()
    };
    let tls_error =
        "error setting cert before unlock: unable to generate or renew TLS certificate: ";
    for (cert, key, want) in [
        (
            &b"not a certificate\n"[..],
            &good_key[..],
            "tls: failed to find any PEM data in certificate input",
        ),
        (
            &good_key[..],
            &good_key[..],
            "tls: failed to find certificate PEM data in certificate input, but did find a \
             private key; PEM inputs may have been switched",
        ),
        (
            &good_cert[..],
            &other_key[..],
            "tls: private key does not match public key",
        ),
        (
            &good_cert[..],
            &b"garbage"[..],
            "the TLS key is encrypted but the --tlsencryptkey flag is not passed. Please either \
             restart lnd with the --tlsencryptkey flag or delete the TLS files for regeneration",
        ),
    ] {
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        d.restart_no_wait();
        let status = d.wait_exit(Duration::from_secs(20));
        let logs = d.logs();
        assert_eq!(status.and_then(|s| s.code()), Some(1), "{logs}");
        assert!(
            logs.ends_with(&format!("{tls_error}{want}\n")),
            "{want}:\n{logs}"
        );
        let last_lines: Vec<&str> = logs.lines().rev().take(3).collect();
        assert!(
            last_lines[1].ends_with("[INF] LTND: Shutdown complete"),
            "{logs}"
        );
    }
    // A missing key next to a certificate is not regenerated.
    std::fs::write(&cert_path, &good_cert).unwrap();
    std::fs::remove_file(&key_path).unwrap();
    d.restart_no_wait();
    let status = d.wait_exit(Duration::from_secs(20));
    assert_eq!(status.and_then(|s| s.code()), Some(1));
    assert!(
        d.logs().ends_with(&format!(
            "{tls_error}open {}: no such file or directory\n",
            key_path.display()
        )),
        "{}",
        d.logs()
    );
    // After the unlock a signal is a clean stop.
    std::fs::write(&key_path, &good_key).unwrap();
    d.restart();
    runtime().block_on(async {
        init_from_master_key(&d).await;
    });
    d.signal("INT");
    let status = d.wait_exit(Duration::from_secs(20));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", d.logs());
    assert!(d.logs().contains("[INF] LTND: Received interrupt"));
}

/// lnd.conf as lsm renders it starts lnd; the keys lsm renders, given bad
/// values, stop it with lnd's words on stderr and exit 1.
fn lnd_conf_errors_for_what_lsm_renders(backend: Backend) {
    let bin = backend.lnd_binary();
    let run = |conf: &str, args: &[&str]| -> Run {
        let dir = tempfile::tempdir().unwrap();
        let lnd_dir = dir.path().join("lnd");
        std::fs::create_dir_all(&lnd_dir).unwrap();
        let conf = conf.replace("@DIR@", dir.path().to_str().unwrap());
        std::fs::write(lnd_dir.join("lnd.conf"), conf).unwrap();
        let out = Command::new(&bin)
            .arg(format!("--lnddir={}", lnd_dir.display()))
            .args(args)
            .env("HOME", dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let mut r = run_of(out);
        r.stderr = r.stderr.replace(dir.path().to_str().unwrap(), "<DIR>");
        r.stdout = r.stdout.replace(dir.path().to_str().unwrap(), "<DIR>");
        r
    };
    let conf = |app: &str, bitcoin: &str| {
        format!(
            "[Application Options]\nalias=lsm-signer\ndebuglevel=info\nnolisten=true\n\
             nobootstrap=true\nrpclisten=127.0.0.1:0\nnorest=true\n{app}\n\n[Bitcoin]\n\
             bitcoin.regtest=true\nbitcoin.node=nochainbackend\n{bitcoin}\n"
        )
    };
    for (app, bitcoin, want, logged) in [
        (
            "tlsextradomain=signer\nfrob=1",
            "",
            "failed to load config: <DIR>/lnd/lnd.conf:9: unknown option: frob\n",
            false,
        ),
        (
            "",
            "alias=x",
            "failed to load config: <DIR>/lnd/lnd.conf:13: unknown option: alias\n",
            false,
        ),
        (
            "tlsautorefresh=maybe",
            "",
            "failed to load config: <DIR>/lnd/lnd.conf:8: strconv.ParseBool: parsing \"maybe\": \
             invalid syntax\n",
            false,
        ),
        (
            "debuglevel=loud",
            "",
            "Use lnd -h to show usage\nfailed to load config: ValidateConfig: error parsing debug \
             level: the specified debug level [loud] is invalid\n",
            true,
        ),
        (
            "restlisten=127.0.0.1:99999",
            "",
            "failed to load config: ValidateConfig: error normalizing REST listen addrs: parse \
             address 127.0.0.1:99999 failed: address 99999: invalid port\n",
            true,
        ),
        (
            "wallet-unlock-password-file=@DIR@/nope.txt\nwallet-unlock-allow-create=true",
            "",
            "failed to load config: ValidateConfig: wallet unlock password file \
             <DIR>/nope.txt does not exist\n",
            true,
        ),
        (
            "",
            "bitcoin.testnet=true",
            "failed to load config: ValidateConfig: The mainnet, testnet, testnet4, regtest, \
             simnet and signet params can't be used together -- choose one of the five\n",
            false,
        ),
    ] {
        let text = conf(app, bitcoin);
        let r = run(&text, &[]);
        assert_eq!(r.code, 1, "{text}\n{}", r.stderr);
        // The program's name is lnd's file name: the double's is lnd-double.
        let stderr = r.stderr.replace("lnd-double -h", "lnd -h");
        assert_eq!(stderr, want, "{text}");
        let warned = r
            .stdout
            .contains("[WRN] LTND: Error validating config: ValidateConfig: ");
        assert_eq!(warned, logged, "{text}\n{}", r.stdout);
    }
}

/// The REST gateway: paths lsm's tests and operators use, its error JSON
/// and status codes, and how it reads bodies.
fn the_rest_gateway_answers_like_lnd(backend: Backend) {
    let d = start(backend);
    let admin = runtime().block_on(init_from_master_key(&d));
    let mac = hex::encode(&admin);
    let authed = [("Grpc-Metadata-macaroon", mac.as_str())];
    let (status, state) = rest(&d, "GET", "/v1/state", &[], None);
    assert_eq!(
        (status, state),
        (200, serde_json::json!({"state": "SERVER_ACTIVE"}))
    );
    let (status, info) = rest(&d, "GET", "/v1/getinfo", &authed, None);
    assert_eq!(status, 200);
    assert_eq!(info["identity_pubkey"], IDENTITY_PUBKEY);
    assert!(
        info["best_header_timestamp"].is_string(),
        "int64 as a string"
    );
    assert_eq!(info["block_height"], 1, "uint32 as a number");
    assert_eq!(info["features"]["2023"]["name"], "script-enforced-lease");
    let err = |code: i64, message: &str| serde_json::json!({"code": code, "message": message, "details": []});
    for (method, path, headers, body, want_status, want) in [
        (
            "GET",
            "/v1/getinfo",
            &[][..],
            None,
            500,
            err(2, "expected 1 macaroon, got 0"),
        ),
        (
            "DELETE",
            "/v1/macaroon/0",
            &authed[..],
            None,
            500,
            err(2, "the specified ID cannot be deleted"),
        ),
        (
            "POST",
            "/v1/unlockwallet",
            &[][..],
            Some("{}"),
            500,
            err(
                2,
                "wallet already unlocked, WalletUnlocker service is no longer available",
            ),
        ),
        (
            "POST",
            "/v1/macaroon",
            &authed[..],
            Some("{"),
            400,
            err(3, "unexpected EOF"),
        ),
        (
            "POST",
            "/v1/macaroon",
            &authed[..],
            Some("{]"),
            400,
            err(
                3,
                "invalid character ']' looking for beginning of object key string",
            ),
        ),
        (
            "GET",
            "/v1/nothing",
            &authed[..],
            None,
            404,
            err(5, "Not Found"),
        ),
        (
            "POST",
            "/v1/getinfo",
            &authed[..],
            Some("{}"),
            501,
            err(12, "Method Not Allowed"),
        ),
    ] {
        let (status, v) = rest(&d, method, path, headers, body);
        assert_eq!(
            (status, &v),
            (want_status, &want),
            "{method} {path} {body:?}"
        );
    }
    // protojson's own errors: compared without its deliberately unstable
    // space after "proto:" (a non-breaking one in some builds).
    for (body, want) in [
        ("null", "syntax error (line 1:1): unexpected token null"),
        ("{\"foo\":1}", "(line 1:2): unknown field \"foo\""),
        (
            "{\"root_key_id\":true}",
            "(line 1:16): invalid value for uint64 type: true",
        ),
    ] {
        let (status, v) = rest(&d, "POST", "/v1/macaroon", &authed, Some(body));
        assert_eq!(status, 400, "{body}: {v}");
        let msg = v["message"].as_str().unwrap_or_default();
        let msg = msg
            .strip_prefix("proto:")
            .map(|m| m.trim_start_matches([' ', '\u{a0}']))
            .unwrap_or(msg);
        assert_eq!(msg, want, "{body}");
    }
    // Only the first JSON value of a body is read.
    let (status, v) = rest(
        &d,
        "POST",
        "/v1/macaroon",
        &authed,
        Some("{\"permissions\":[{\"entity\":\"info\",\"action\":\"read\"}]} trailing"),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = rest(
        &d,
        "GET",
        "/v2/wallet/accounts?name=default&address_type=TAPROOT_PUBKEY",
        &authed,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(v["accounts"][0]["derivation_path"], "m/86'/0'/0'");
    assert_eq!(v["accounts"][0]["master_key_fingerprint"], "");
    assert_eq!(v["accounts"].as_array().unwrap().len(), 1);
    let (status, v) = rest(&d, "GET", "/v1/macaroon/ids", &authed, None);
    assert_eq!(
        (status, v),
        (200, serde_json::json!({"root_key_ids": ["0"]}))
    );
}

/// One HTTPS request to lnd's REST port, pinned to its tls.cert; the
/// status and the JSON body.
fn rest(
    d: &NativeDouble,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let verifier = lsm_lnd::tls::PinnedCertVerifier::from_pem(&d.tls_cert()).expect("tls.cert");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(verifier))
    .with_no_client_auth();
    let conn = rustls::ClientConnection::new(
        Arc::new(config),
        "127.0.0.1".try_into().expect("server name"),
    )
    .expect("TLS client");
    let tcp = std::net::TcpStream::connect(("127.0.0.1", d.rest_port)).expect("connect REST");
    tcp.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        d.rest_port,
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    tls.write_all(req.as_bytes()).expect("write request");
    let mut raw = Vec::new();
    // lnd may close without close_notify: what arrived is the answer.
    let _ = tls.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    (status, json)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}
