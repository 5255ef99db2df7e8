//! `lsm macaroon inspect` end to end: real lnd macaroons in, permissions and
//! fingerprints out, never the macaroon; bad inputs exit 1 naming the input.

use assert_cmd::Command;
use lsm_lnd::macaroon::Macaroon;
use lsm_lnd::permissions;
use predicates::prelude::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/macaroons")
        .join(name)
}

fn fixture_hex(name: &str) -> String {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .trim()
        .to_string()
}

fn lsm() -> Command {
    let mut c = Command::cargo_bin("lsm").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Neither the macaroon's hex nor its signature may appear anywhere.
fn assert_no_secret(output: &[u8], mac_hex: &str) {
    let text = String::from_utf8_lossy(output);
    let sig_hex = &mac_hex[mac_hex.len() - 64..];
    assert!(!text.contains(sig_hex), "signature leaked:\n{text}");
    assert!(
        !text.to_lowercase().contains(&mac_hex[..80]),
        "macaroon leaked:\n{text}"
    );
}

#[test]
fn inspects_a_binary_admin_macaroon_file() {
    let out = lsm()
        .args(["macaroon", "inspect"])
        .arg(fixture("admin-warnet.macaroon"))
        .assert()
        .success()
        .stdout(predicate::str::contains("root key id  0"))
        .stdout(predicate::str::contains("location     lnd"))
        .stdout(predicate::str::contains("(19, lnd's admin set)"))
        .stdout(predicate::str::contains("caveats      none"))
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    for p in permissions::admin() {
        assert!(stdout.contains(&format!("  {p}\n")), "{p} missing");
    }
    assert_no_secret(&out.stdout, &fixture_hex("admin-warnet.hex"));
    assert_no_secret(&out.stderr, &fixture_hex("admin-warnet.hex"));
}

/// Runs `lsm --json macaroon inspect INPUT`, expects success, parses stdout.
fn inspect_json(input: &str) -> (std::process::Output, serde_json::Value) {
    let out = lsm()
        .args(["--json", "macaroon", "inspect", input])
        .assert()
        .success()
        .get_output()
        .clone();
    let v = serde_json::from_slice(&out.stdout).unwrap();
    (out, v)
}

#[test]
fn json_output_has_decimal_root_key_id_and_permission_strings() {
    let hex = fixture_hex("admin-warnet.hex");
    let (out, v) = inspect_json(&hex);
    assert_no_secret(&out.stdout, &hex);
    assert_eq!(v["root_key_id"], "0");
    assert_eq!(v["location"], "lnd");
    let perms: Vec<String> = permissions::admin().iter().map(|p| p.to_string()).collect();
    assert_eq!(v["permissions"], serde_json::json!(perms));
    assert_eq!(v["caveats"], serde_json::json!([]));
    assert_eq!(v["nonce"], "62beabbf2a614b112128afa0c0b4fdd6");
    let m = Macaroon::from_hex_or_bytes(hex.as_bytes()).unwrap();
    assert_eq!(v["fingerprint"], m.fingerprint());
}

#[test]
fn caveats_show_kind_and_expiry() {
    let hex = fixture_hex("info-timebefore-ipaddr-boltobserver.hex");
    lsm()
        .args(["macaroon", "inspect"])
        .arg(fixture("info-timebefore-ipaddr-boltobserver.hex"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "time-before 2022-08-08T08:10:04.88930363Z  (expired)",
        ))
        .stdout(predicate::str::contains("  ipaddr 1.2.3.4\n"));
    let (_, v) = inspect_json(&hex);
    assert_eq!(
        v["caveats"],
        serde_json::json!([
            {"kind": "time-before", "condition": "time-before 2022-08-08T08:10:04.88930363Z",
             "expires_at": "2022-08-08T08:10:04.88930363Z", "expired": true},
            {"kind": "ipaddr", "condition": "ipaddr 1.2.3.4"}
        ])
    );
}

#[test]
fn a_future_time_before_is_not_expired_and_stdin_works() {
    let mut m = Macaroon::mint(&[1; 32], 9, [0; 16], &permissions::signer_only()).unwrap();
    m.add_first_party_caveat("time-before 2999-01-01T00:00:00Z");
    let out = lsm()
        .args(["--json", "macaroon", "inspect", "-"])
        .write_stdin(m.encode().to_vec())
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["root_key_id"], "9");
    assert_eq!(v["caveats"][0]["expired"], false);
    lsm()
        .args(["macaroon", "inspect", "-"])
        .write_stdin(m.to_hex().as_bytes().to_vec())
        .assert()
        .success()
        .stdout(predicate::str::contains("the watch-only signer set"));
}

#[test]
fn a_truncated_file_exits_1_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.macaroon");
    let full = std::fs::read(fixture("admin-warnet.macaroon")).unwrap();
    std::fs::write(&path, &full[..full.len() - 10]).unwrap();
    let out = lsm()
        .args(["macaroon", "inspect"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(path.display().to_string()))
        .stderr(predicate::str::contains("truncated"))
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
}

#[test]
fn a_truncated_hex_argument_exits_1_without_echoing_it() {
    let hex = fixture_hex("admin-warnet.hex");
    let cut = &hex[..hex.len() - 20];
    let out = lsm()
        .args(["macaroon", "inspect", cut])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the hex argument (566 digits)"))
        .stderr(predicate::str::contains("truncated"))
        .get_output()
        .clone();
    assert_no_secret(&out.stderr, &hex);
}

/// `lsm macaroon inspect PATH` exits 1 and says `needle` on stderr.
fn inspect_fails(path: &std::path::Path, needle: &str) {
    lsm()
        .args(["macaroon", "inspect"])
        .arg(path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(needle));
}

#[test]
fn non_macaroon_inputs_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    inspect_fails(
        &write("notes.txt", b"hello\n"),
        "notes.txt is not a valid lnd macaroon",
    );
    // A v1 (base64 text) macaroon.
    inspect_fails(
        &write("v1.macaroon", b"MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCg"),
        "not a hex digit",
    );
    // A binary macaroon whose identifier is not lnd's.
    let mut foreign = vec![2u8, 2, 2, b'i', b'd', 0, 0, 6, 32];
    foreign.extend([0u8; 32]);
    inspect_fails(
        &write("foreign.macaroon", &foreign),
        "identifier starts with version byte 105",
    );
    inspect_fails(dir.path(), "is a directory");
}

#[test]
fn neither_a_file_nor_hex_says_so() {
    lsm()
        .args(["macaroon", "inspect", "no/such/admin.macaroon"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "\"no/such/admin.macaroon\" is neither an existing file nor hex",
        ));
    // A long mostly-hex argument is not echoed.
    let hex = fixture_hex("admin-warnet.hex");
    let mangled = format!("{}g{}", &hex[..100], &hex[100..]);
    let out = lsm()
        .args(["--json", "macaroon", "inspect", &mangled])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("character 101 is not a hex digit"))
        .get_output()
        .clone();
    assert_no_secret(&out.stderr, &hex);
    assert_no_secret(&out.stdout, &hex);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
}

/// A crafted macaroon's location, permissions and caveats reach the
/// terminal escaped: a newline in them cannot fake a line of the report,
/// nor U+202E reverse the text after it.
#[test]
fn names_in_a_crafted_macaroon_cannot_fake_output_lines() {
    use lsm_lnd::permissions::Permission;
    let perms = [
        Permission::new("signer\nroot key id  0", "generate"),
        Permission::new("message", "write\u{202e}daer"),
    ];
    let mut mac = Macaroon::mint(&[7; 32], 1, [3; 16], &perms).unwrap();
    mac.add_first_party_caveat("lnd-custom x\ncaveats      none");
    let bytes = mac.encode().to_vec();
    // Replace the location packet (field 1, length 3, "lnd") with one
    // holding a newline and a fake row.
    assert_eq!(&bytes[..6], &[2, 1, 3, b'l', b'n', b'd']);
    let location = b"lnd\nlocation     lnd";
    let mut crafted = vec![2, 1, location.len() as u8];
    crafted.extend_from_slice(location);
    crafted.extend_from_slice(&bytes[6..]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crafted.macaroon");
    std::fs::write(&file, &crafted).unwrap();
    let out = lsm()
        .args(["macaroon", "inspect"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for fake in ["location     lnd", "root key id  0", "caveats      none"] {
        assert_eq!(
            stdout.lines().filter(|l| l.trim_start() == fake).count(),
            0,
            "a crafted field printed its own line {fake:?}:\n{stdout}"
        );
    }
    assert!(!stdout.contains('\u{202e}'), "{stdout}");
    for escaped in [
        "lnd\\nlocation     lnd",
        "signer\\nroot key id  0:generate",
        "message:write\\u{202e}daer",
        "lnd-custom x\\ncaveats      none",
    ] {
        assert!(stdout.contains(escaped), "{escaped:?} not shown:\n{stdout}");
    }
}
