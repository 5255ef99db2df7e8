//! Whatever bytes are passed as a manifest, lsm answers with exit 1 and a
//! located message: never a panic, a backtrace or a hang.

use crate::manifest_util;

use lsm::manifest::{ManifestError, load, load_text};
use manifest_util::{Scratch, run};
use proptest::prelude::*;
use std::path::Path;
use std::time::Duration;

/// Runs `lsm validate` on `bytes` with a deadline; returns stderr.
fn refused(bytes: &[u8]) -> String {
    let s = Scratch::new();
    s.write("signer.toml", bytes);
    let mut cmd = s.lsm(&["validate", "-f", "signer.toml"]);
    cmd.timeout(Duration::from_secs(60));
    let r = run(cmd);
    assert_eq!(
        r.code,
        1,
        "exit code for {} bytes:\n{}",
        bytes.len(),
        r.stderr
    );
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("--> signer.toml"),
        "no location:\n{}",
        r.stderr
    );
    r.stderr
}

#[test]
fn empty_and_blank_files() {
    assert!(refused(b"").contains("the manifest is empty"));
    assert!(refused(b"\n\n   \t\n").contains("the manifest is empty"));
}

#[test]
fn non_utf8_is_located_at_the_first_bad_byte() {
    let err = refused(b"version = 1\n[signer]\nname = \"\xc3\x28\"\n");
    assert!(err.contains("not UTF-8 text (byte 0xc3)"), "{err}");
    assert!(err.contains("signer.toml:3:9"), "{err}");
}

#[test]
fn binary_garbage() {
    let mut bytes = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..64 * 1024 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    refused(&bytes);
    // NUL and control characters in otherwise valid UTF-8.
    let err = refused(b"version = 1\0\x07\x1b[2J\n");
    assert!(err.contains("invalid TOML"), "{err}");
    assert!(
        !err.contains('\x1b'),
        "a terminal escape from the file reached the terminal"
    );
}

#[test]
fn multi_megabyte_input_is_refused_before_parsing() {
    let err = refused(&vec![b'#'; 5 * 1024 * 1024]);
    assert!(err.contains("larger than 1024 KiB"), "{err}");
}

#[test]
fn endless_device_is_refused_not_read_forever() {
    let s = Scratch::new();
    let mut cmd = s.lsm(&["validate", "-f", "/dev/zero"]);
    cmd.timeout(Duration::from_secs(60));
    let r = run(cmd);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("it is a character device, not a regular file"),
        "{}",
        r.stderr
    );
}

#[test]
fn deep_nesting_and_long_lines() {
    let deep_arrays = format!(
        "version = 1\nx = {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(refused(deep_arrays.as_bytes()).contains("invalid TOML"));
    let deep_tables = format!(
        "version = 1\nx = {}{}\n",
        "{a = ".repeat(10_000),
        "}".repeat(10_000)
    );
    assert!(refused(deep_tables.as_bytes()).contains("invalid TOML"));
    let dotted = format!("version = 1\n{} = 1\n", vec!["a"; 50_000].join("."));
    refused(dotted.as_bytes());
    let long = format!(
        "version = 1\n[signer]\nnetwork = \"testnet\"\nalias = \"{}\"\n",
        "x".repeat(900_000)
    );
    let err = refused(long.as_bytes());
    assert!(
        err.lines().all(|l| l.chars().count() < 500),
        "a long line was not clipped"
    );
    let huge_key = format!(
        "version = 1\n[signer]\nnetwork = \"testnet\"\n{} = 1\n",
        "k".repeat(900_000)
    );
    let err = refused(huge_key.as_bytes());
    assert!(err.contains("unknown key"), "{err}");
    assert!(
        err.lines().all(|l| l.chars().count() < 500),
        "a long key was not clipped"
    );
}

#[test]
fn many_problems_are_capped_in_the_rendering() {
    let mut text = String::from("version = 1\n[signer]\nnetwork = \"testnet\"\n");
    for i in 0..5000 {
        text.push_str(&format!("unknown{i} = 1\n"));
    }
    let err = refused(text.as_bytes());
    assert!(err.contains("more problems not shown"), "{err}");
    assert!(err.ends_with("signer.toml: 5000 problems\n"));
}

/// Checks a loader result: errors must render, and every location must lie
/// inside the text.
fn check(text: &str, result: Result<lsm::manifest::Loaded, ManifestError>) {
    if let Err(e) = result {
        let rendered = e.render(false);
        assert!(rendered.contains("error: "), "{rendered}");
        for d in e.diagnostics() {
            if let Some(span) = &d.span {
                assert!(
                    span.start <= text.len().max(d.file.text().len()),
                    "span {span:?} outside the text"
                );
            }
        }
    }
}

const NOWHERE: &str = "/nonexistent-lsm-test-dir/signer.toml";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_panic(text in ".{0,400}") {
        check(&text, load_text(Path::new(NOWHERE), text.clone(), Some(Path::new("/home/op"))));
    }

    #[test]
    fn random_toml_like_text_never_panics(parts in prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..60)) {
        let text = parts.concat();
        check(&text, load_text(Path::new(NOWHERE), text.clone(), Some(Path::new("/home/op"))));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_on_disk_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signer.toml");
        std::fs::write(&path, &bytes).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        check(&text, load(&path));
    }
}

/// Pieces of plausible and implausible manifests, so random concatenations
/// reach deep into the checks, not only the TOML parser.
const FRAGMENTS: &[&str] = &[
    "version = 1\n",
    "version = 2\n",
    "[signer]\n",
    "network = \"testnet\"\n",
    "network = \"mainnet\"\n",
    "runtime = \"native\"\n",
    "runtime = \"docker\"\n",
    "chain_backend = \"neutrino\"\n",
    "chain_backend = \"bitcoind\"\n",
    "[docker]\n",
    "[native]\n",
    "[neutrino]\n",
    "[bitcoind]\n",
    "[rpc]\n",
    "[rest]\n",
    "[wallet]\n",
    "[macaroon]\n",
    "[bundle]\n",
    "[signer.extra_config]\n",
    "listen = \"0.0.0.0:10013\"\n",
    "listen = \"[::]:1\"\n",
    "listen = 5\n",
    "enabled = false\n",
    "scope = \"custom\"\n",
    "permissions = [\"signer:read\", \"uri:/a.B/C\"]\n",
    "permissions = []\n",
    "name = \"x\"\n",
    "name = \"-\"\n",
    "alias = \"ä\"\n",
    "path = \"~\"\n",
    "path = \"/\"\n",
    "secrets_dir = \"~/.lnget\"\n",
    "digest = \"sha256:00\"\n",
    "peers = [\"a:1\"]\n",
    "a.b.c = 1\n",
    "\"bitcoin.node\" = \"x\"\n",
    "x = [1, \"a\", true]\n",
    "y = 1.5\n",
    "root_key_id = 0\n",
    "root_key_id = 18446744073709551615\n",
    "t = 1979-05-27\n",
    "[[signer]]\n",
    "{",
    "}",
    "[",
    "]",
    "=",
    "\"",
    "'",
    "#",
    "\n",
    "\t",
    " ",
    ",",
    ".",
    "\u{202e}",
    "\u{0}",
    "\r\n",
    "ä",
    "🦀",
    "0x10",
    "1_000",
    "inf",
    "nan",
    "\"\"\"",
    "'''",
];
