//! versions.env layering: built into lsm < beside the manifest < the
//! manifest itself; values are literal (no `$` expansion, no unknown keys).

use crate::manifest_util;

use manifest_util::{Scratch, run};
use serde_json::Value;

const MINIMAL: &str = "version = 1\n[signer]\nnetwork = \"testnet\"\n";

fn resolved(s: &Scratch) -> Value {
    let r = run(s.lsm(&["validate", "-f", "signer.toml", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON")
}

fn embedded(key: &str) -> String {
    lsm::manifest::versions_env::EMBEDDED_TEXT
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .expect("embedded key")
        .to_string()
}

#[test]
fn embedded_then_beside_then_manifest() {
    let s = Scratch::new();
    s.write("signer.toml", MINIMAL);

    // 1. Only the built-in file.
    let doc = resolved(&s);
    assert_eq!(
        doc["resolved"]["docker"]["version"],
        embedded("LND_VERSION")
    );
    assert_eq!(doc["resolved"]["docker"]["image"], embedded("LND_IMAGE"));
    assert_eq!(
        doc["sources"]["docker.version"]["kind"],
        "embedded_versions"
    );

    // 2. A versions.env beside the manifest overrides it, key by key.
    let beside = s.write("versions.env", "# fleet pin\nLND_VERSION=v0.99.0-beta\n");
    let doc = resolved(&s);
    assert_eq!(doc["resolved"]["docker"]["version"], "v0.99.0-beta");
    assert_eq!(doc["sources"]["docker.version"]["kind"], "versions_file");
    assert_eq!(doc["sources"]["docker.version"]["line"], 2);
    assert_eq!(
        doc["sources"]["docker.version"]["path"]
            .as_str()
            .map(std::path::PathBuf::from),
        Some(beside.canonicalize().unwrap())
    );
    assert_eq!(
        doc["resolved"]["docker"]["image"],
        embedded("LND_IMAGE"),
        "unset keys fall through"
    );
    assert_eq!(doc["sources"]["docker.image"]["kind"], "embedded_versions");

    // 3. The manifest wins over both.
    s.write(
        "signer.toml",
        format!("{MINIMAL}[docker]\nversion = \"v1.0.0-rc1\"\nimage = \"example.com/lnd\"\n"),
    );
    let doc = resolved(&s);
    assert_eq!(doc["resolved"]["docker"]["version"], "v1.0.0-rc1");
    assert_eq!(doc["resolved"]["docker"]["image"], "example.com/lnd");
    assert_eq!(doc["sources"]["docker.version"]["kind"], "manifest");
    assert_eq!(doc["sources"]["docker.version"]["line"], 5);
    assert_eq!(doc["sources"]["docker.version"]["column"], 11);

    // --show names each source.
    let r = run(s.lsm(&["validate", "-f", "signer.toml", "--show"]));
    assert!(r.stdout.contains("docker.version"), "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("docker.version") && l.ends_with("# signer.toml:5:11")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_versions_file_in_a_manifest_directory_elsewhere_is_found() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("fleet")).unwrap();
    s.write("fleet/signer.toml", MINIMAL);
    s.write(
        "fleet/versions.env",
        "LND_IMAGE=registry.example.com:5000/lnd\n",
    );
    let r = run(s.lsm(&["validate", "-f", "fleet/signer.toml"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("docker registry.example.com:5000/lnd:"),
        "{}",
        r.stdout
    );
}

#[test]
fn dollar_expansion_is_refused_with_its_location() {
    let s = Scratch::new();
    s.write("signer.toml", MINIMAL);
    s.write(
        "versions.env",
        "LND_IMAGE=lightninglabs/lnd\nLND_VERSION=${LND_TAG}\n",
    );
    let r = run(s.lsm(&["validate", "-f", "signer.toml"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--> versions.env:2:13"), "{}", r.stderr);
    assert!(
        r.stderr.contains("versions.env values are literal"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.ends_with("versions.env: 1 problem\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_keys_and_bad_values_in_versions_env_are_reported_with_the_manifest_problems() {
    let s = Scratch::new();
    s.write(
        "signer.toml",
        "version = 1\n[signer]\nnetwork = \"testnt\"\n",
    );
    s.write("versions.env", "LND_VERSON=v1\nLND_IMAGE=Light/Labs\n");
    let r = run(s.lsm(&["validate", "-f", "signer.toml"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--> versions.env:1:1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean LND_VERSION?"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--> versions.env:2:11"), "{}", r.stderr);
    assert!(r.stderr.contains("--> signer.toml:3:11"), "{}", r.stderr);
    assert!(
        r.stderr
            .ends_with("signer.toml: 1 problem\nversions.env: 2 problems\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn versions_env_does_not_apply_to_a_manifest_in_another_directory() {
    let s = Scratch::new();
    s.write("versions.env", "LND_VERSION=v0.99.0-beta\n");
    std::fs::create_dir(s.path("other")).unwrap();
    s.write("other/signer.toml", MINIMAL);
    let r = run(s.lsm(&["validate", "-f", "other/signer.toml", "--json"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc["resolved"]["docker"]["version"],
        embedded("LND_VERSION")
    );
}

#[test]
fn a_non_utf8_versions_env_is_not_called_toml() {
    let s = Scratch::new();
    s.write("signer.toml", MINIMAL);
    s.write("versions.env", b"LND_VERSION=v1\xff\n");
    let r = run(s.lsm(&["validate"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--> versions.env:1:15"), "{}", r.stderr);
    assert!(r.stderr.contains("not UTF-8 text"), "{}", r.stderr);
    assert!(!r.stderr.contains("TOML"), "{}", r.stderr);
}
