//! `lsm bundle verify` end to end: real bundles (bip32-derived accounts,
//! lnd-shaped certs, minted macaroons) pass on mainnet and regtest; each
//! kind of breakage exits 1 and is named; several are listed at once; the
//! macaroon and the archive text never appear in the output.

use crate::bundle_kit;

use assert_cmd::Command;
use bundle_kit::{Run, Spec, assert_no_macaroon, run_lsm};
use lsm::bundle::network::Network;
use lsm_lnd::permissions;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn lsm() -> Command {
    let mut c = Command::cargo_bin("lsm").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn verify(input: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec!["bundle".as_ref(), "verify".as_ref(), input.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    run_lsm(args)
}

/// Neither the macaroon (hex or its signature) nor the archive text may
/// appear anywhere in the output.
fn assert_no_secrets(run: &Run, dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "macaroon") {
            assert_no_macaroon(run, &[&fs::read(&path).unwrap()]);
        }
    }
    let all = format!("{}{}", run.stdout, run.stderr);
    let archive = dir.with_extension("tar.gz.b64");
    if let Ok(text) = fs::read_to_string(archive) {
        assert!(!all.contains(&text.trim()[..60]), "archive text leaked");
    }
}

/// Expects exit 1 and every `needles` in stderr.
fn assert_fails_naming(run: &Run, needles: &[&str]) {
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "{n:?} not named in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn good_bundles_pass_on_mainnet_and_regtest_as_dir_archive_and_stdin() {
    for net in [Network::Mainnet, Network::Regtest] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Spec::good(net).write(tmp.path());
        let run = verify(&dir, &[]);
        assert_eq!(run.code, 0, "{net}:\n{}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("bundle OK"), "{}", run.stdout);
        assert!(run.stdout.contains("259 accounts"), "{}", run.stdout);
        assert!(run.stdout.contains("covers 127.0.0.1"), "{}", run.stdout);
        assert_no_secrets(&run, &dir);

        let archive = tmp.path().join("bundle.tar.gz.b64");
        let run = verify(&archive, &["--network", net.as_str()]);
        assert_eq!(
            run.code, 0,
            "{net} archive:\n{}\n{}",
            run.stdout, run.stderr
        );
        assert_no_secrets(&run, &dir);

        let out = lsm()
            .args(["--json", "bundle", "verify", "-"])
            .pipe_stdin(&archive)
            .unwrap()
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ok"], true);
        assert_eq!(v["problems"], serde_json::json!([]));
        assert!(v["checks"].as_array().unwrap().len() >= 7);
        assert_eq!(v["source"], "standard input");
    }
}

#[test]
fn missing_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    fs::remove_file(dir.join("tls.cert")).unwrap();
    assert_fails_naming(&verify(&dir, &[]), &["tls.cert is missing"]);
}

#[test]
fn hash_mismatch_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    let mut cert = fs::read(dir.join("tls.cert")).unwrap();
    cert.extend_from_slice(b"\n");
    fs::write(dir.join("tls.cert"), cert).unwrap();
    let run = verify(&dir, &[]);
    assert_fails_naming(&run, &["tls.cert does not match bundle.json"]);
    // The archive beside it still has the old cert.
    assert!(
        run.stderr.contains(
            "bundle.tar.gz.b64 beside the directory does not match it (tls.cert differs)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn wrong_network_prefixes_are_named_from_the_version_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    // Mainnet accounts in a bundle that says regtest.
    let mut spec = Spec::good(Network::Mainnet);
    spec.declared_network = "regtest".into();
    let dir = spec.write(tmp.path());
    assert_fails_naming(
        &verify(&dir, &[]),
        &[
            "m/49'/0'/0' has ypub keys (version 0x049d7cb2) where regtest needs upub",
            "m/84'/0'/0' has zpub keys (version 0x04b24746) where regtest needs vpub",
            "m/86'/0'/0' has xpub keys (version 0x0488b21e) where regtest needs tpub",
            "missing 256 of lnd's 256 internal accounts m/1017'/1'/N' for regtest: N = 0–255",
            "256 m/1017'/0'/… accounts, which belong to mainnet",
        ],
    );
    // --network asserts too: a good regtest bundle checked as mainnet.
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    assert_fails_naming(
        &verify(&dir, &["--network", "mainnet"]),
        &[
            "bundle.json is for regtest, but --network says mainnet",
            "m/84'/0'/0' has vpub keys",
        ],
    );
}

#[test]
fn missing_internal_account_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = Spec::good(Network::Regtest);
    spec.accounts
        .retain(|a| a.derivation_path != "m/1017'/1'/7'" && a.derivation_path != "m/86'/0'/0'");
    let dir = spec.write(tmp.path());
    assert_fails_naming(
        &verify(&dir, &[]),
        &[
            "missing 1 of lnd's 256 internal accounts m/1017'/1'/N' for regtest: N = 7",
            "never starts (lnd: address manager is watching-only)",
            // Only a warning: the node runs without taproot addresses.
            "warning: accounts.json is missing m/86'/0'/0' (p2tr): the watch-only node runs",
        ],
    );
}

#[test]
fn admin_macaroon_in_a_signer_only_bundle_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = Spec::good(Network::Regtest);
    spec.macaroon = bundle_kit::macaroon(&permissions::admin(), 1);
    let dir = spec.write(tmp.path());
    let run = verify(&dir, &[]);
    assert_fails_naming(
        &run,
        &[
            "signer-only.macaroon is an admin macaroon",
            "scope is signer-only",
        ],
    );
    assert_no_secrets(&run, &dir);

    // A stray admin.macaroon next to the right one is refused as well.
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    fs::write(
        dir.join("admin.macaroon"),
        &*bundle_kit::macaroon(&permissions::admin(), 0),
    )
    .unwrap();
    fs::set_permissions(
        dir.join("admin.macaroon"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    assert_fails_naming(
        &verify(&dir, &[]),
        &["admin.macaroon is in the bundle but bundle.json declares only signer-only.macaroon"],
    );
}

#[test]
fn expired_cert_and_cert_not_covering_the_host_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = Spec::good(Network::Mainnet);
    spec.cert = bundle_kit::cert(&["localhost", "127.0.0.1"], true, true);
    let dir = spec.write(tmp.path());
    assert_fails_naming(&verify(&dir, &[]), &["tls.cert expired at"]);

    let tmp = tempfile::tempdir().unwrap();
    let mut spec = Spec::good(Network::Mainnet);
    spec.rpc_endpoint = "signer.example.com:10009".into();
    let dir = spec.write(tmp.path());
    assert_fails_naming(
        &verify(&dir, &[]),
        &[
            "tls.cert does not cover signer.example.com, the host in rpc_endpoint (it covers localhost, 127.0.0.1)",
        ],
    );

    let tmp = tempfile::tempdir().unwrap();
    let mut spec = Spec::good(Network::Mainnet);
    spec.cert = bundle_kit::cert(&["127.0.0.1"], false, false);
    let dir = spec.write(tmp.path());
    assert_fails_naming(&verify(&dir, &[]), &["tls.cert is not CA:TRUE"]);
}

#[test]
fn unknown_key_in_accounts_json_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    let text = fs::read_to_string(dir.join("accounts.json")).unwrap();
    let edited = text.replacen(
        "\"name\": \"default\",",
        "\"name\": \"default\", \"label\": \"x\",",
        1,
    );
    fs::write(dir.join("accounts.json"), edited).unwrap();
    assert_fails_naming(
        &verify(&dir, &[]),
        &[
            "accounts.json is not in the format lncli createwatchonly accepts: unknown field `label`",
            "accounts.json does not match bundle.json",
        ],
    );
}

#[test]
fn truncated_archive_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    let archive = tmp.path().join("bundle.tar.gz.b64");
    let text = fs::read_to_string(&archive).unwrap();
    let cut = tmp.path().join("cut.tar.gz.b64");
    // Cut at a multiple of 4 so the base64 itself stays valid: the tar.gz
    // inside is what is truncated.
    fs::write(&cut, &text[..(text.len() / 2) & !3]).unwrap();
    let run = verify(&cut, &[]);
    assert_fails_naming(&run, &["the archive cannot be read"]);
    assert_no_secrets(&run, &dir);
}

#[test]
fn every_problem_is_listed_at_once_and_in_json() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = Spec::good(Network::Regtest);
    spec.birthday = None;
    spec.accounts
        .retain(|a| a.derivation_path != "m/1017'/1'/3'");
    let dir = spec.write(tmp.path());
    fs::remove_file(dir.join("tls.cert")).unwrap();
    fs::set_permissions(dir.join("accounts.json"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let run = verify(&dir, &[]);
    assert_fails_naming(
        &run,
        &[
            "failed verification with 5 problems",
            "tls.cert is missing",
            "missing 1 of lnd's 256 internal accounts m/1017'/1'/N' for regtest: N = 3",
            "accounts.json has mode 0644; it must be 0600",
            "the bundle directory has mode 0755; it must be 0700",
            "warning: no wallet birthday",
            "bundle.tar.gz.b64 beside the directory does not match it (tls.cert differs)",
        ],
    );
    let out = lsm()
        .args(["--json", "bundle", "verify"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"].as_array().unwrap().len(), 5, "{v:#}");
    assert!(v["warnings"][0].as_str().unwrap().contains("birthday"));
    let failed: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["files", "accounts", "modes", "archive"]);
}

#[test]
fn bad_inputs_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let run = verify(&tmp.path().join("nope"), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);

    let junk = tmp.path().join("junk.b64");
    fs::write(&junk, "definitely not base64 !!!").unwrap();
    assert_fails_naming(
        &verify(&junk, &[]),
        &["the archive cannot be read: not base64"],
    );

    let run = verify(tmp.path(), &["--network", "moonnet"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid value 'moonnet'")
            && run
                .stderr
                .contains("possible values: mainnet, testnet, testnet4, signet, regtest"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_desired_bundle_is_checked_before_it_is_written() {
    use lsm::bundle::verify::{VerifyOptions, verify_desired};
    let tmp = tempfile::tempdir().unwrap();
    let good = Spec::good(Network::Regtest).desired(tmp.path());
    assert!(verify_desired(&good, &VerifyOptions::default()).ok);
    let opts = VerifyOptions {
        network: Some(Network::Mainnet),
        ..VerifyOptions::default()
    };
    let report = verify_desired(&good, &opts);
    assert!(!report.ok);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("bundle.json is for regtest, but --network says mainnet")),
        "{:?}",
        report.problems
    );
    assert!(
        !tmp.path().join("bundle").exists(),
        "checking writes nothing"
    );
}

/// A name in a bundle directory that lsm refuses to read (a directory
/// where a macaroon file belongs) reaches the error escaped too: its
/// newline cannot fake a line of lsm's output, nor an escape sequence hide
/// what follows.
#[test]
fn a_refused_name_in_a_bundle_directory_cannot_fake_output_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    fs::create_dir(dir.join("x\nok: every check passed\u{1b}[8mz.macaroon")).unwrap();
    let run = verify(&dir, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !all.lines().any(|l| l.starts_with("ok: every check passed")),
        "a name faked a line:\n{all}"
    );
    assert!(!all.contains('\u{1b}'), "{all}");
    assert!(
        all.contains("x\\nok: every check passed\\u{1b}[8mz.macaroon is a directory"),
        "{all}"
    );
}

/// Names inside a bundle archive reach the report escaped: an entry whose
/// name holds a newline cannot add a line to the problem list, nor one
/// with U+202E reverse what follows it.
#[test]
fn entry_names_in_an_archive_cannot_fake_report_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .filter(|(name, _)| name != lsm::dirguard::MARKER)
        .collect();
    files.push(("notes\n  - every check passed".into(), b"x".to_vec()));
    files.push(("gpj.\u{202e}notes.txt".into(), b"x".to_vec()));
    let text = lsm::bundle::archive::build(&files).unwrap();
    let file = tmp.path().join("crafted.tar.gz.b64");
    fs::write(&file, text.as_bytes()).unwrap();
    let run = verify(&file, &[]);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !all.lines()
            .any(|l| l.trim_start() == "- every check passed"),
        "an entry name faked a line:\n{all}"
    );
    assert!(!all.contains('\u{202e}'), "{all}");
    assert!(all.contains("notes\\n  - every check passed"), "{all}");
    assert!(all.contains("gpj.\\u{202e}notes.txt"), "{all}");
}

/// Rewrites bundle.json of the bundle at `dir` through `edit` (as JSON)
/// and drops the archive beside it, which would no longer match.
fn edit_bundle_json(
    dir: &Path,
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    let path = dir.join("bundle.json");
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    edit(doc.as_object_mut().unwrap());
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap();
    bytes.push(b'\n');
    fs::write(&path, bytes).unwrap();
    let _ = fs::remove_file(dir.with_extension("tar.gz.b64"));
}

/// Format 2 records the signer's identity and the master key fingerprint;
/// a format-1 bundle (an older lsm's, unsealed) still verifies, with a
/// warning; a newer format is refused; malformed values are named.
#[test]
fn identity_fields_are_checked_and_format_1_still_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Spec::good(Network::Regtest).write(tmp.path());
    let run = verify(&dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "identity {}, master key {}",
            bundle_kit::IDENTITY,
            bundle_kit::FINGERPRINT
        )),
        "{}",
        run.stdout
    );

    edit_bundle_json(&dir, |m| {
        m.insert(
            "identity_pubkey".into(),
            format!("02{}05", "0".repeat(62)).into(),
        );
        m.insert("master_key_fingerprint".into(), "DEADBEEF".into());
    });
    assert_fails_naming(
        &verify(&dir, &[]),
        &[
            "bundle.json was edited after lsm wrote it",
            "is not a compressed secp256k1 public key",
            "master_key_fingerprint \"DEADBEEF\" is not 8 lowercase hex digits",
        ],
    );

    edit_bundle_json(&dir, |m| {
        for k in [
            "identity_pubkey",
            "master_key_fingerprint",
            "described_sha256",
        ] {
            m.remove(k);
        }
        m.insert("format_version".into(), 1.into());
    });
    let run = verify(&dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: bundle.json is format 1, written by an older lsm"),
        "{}",
        run.stderr
    );

    edit_bundle_json(&dir, |m| {
        m.insert("format_version".into(), 3.into());
    });
    assert_fails_naming(
        &verify(&dir, &[]),
        &["bundle.json has format_version 3; this lsm understands up to 2 (upgrade lsm)"],
    );
}
