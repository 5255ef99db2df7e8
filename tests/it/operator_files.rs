//! Every file an operator names is read without ever hanging: a FIFO (or
//! `-` where lsm needs a real file) is refused at once with exit 1 and a
//! message saying what it is. Each run has a generous deadline only so a
//! regression fails instead of hanging the suite; nothing here measures time.

use crate::manifest_util;

use manifest_util::{Run, Scratch, repo, run};
use std::path::Path;
use std::time::Duration;

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// `lsm ARGS` in the scratch directory, killed if it blocks.
fn lsm(s: &Scratch, args: &[&str]) -> Run {
    let mut cmd = s.lsm(args);
    cmd.timeout(Duration::from_secs(60));
    let r = run(cmd);
    assert!(
        !r.stderr.contains("panicked"),
        "{args:?} panicked:\n{}",
        r.stderr
    );
    r
}

fn assert_refused(r: &Run, what: &str, needle: &str) {
    assert_eq!(r.code, 1, "{what}: exit code\n{}", r.stderr);
    assert!(
        r.stderr.contains(needle),
        "{what}: no {needle:?} in\n{}",
        r.stderr
    );
}

#[test]
fn a_fifo_as_the_manifest_is_refused() {
    let s = Scratch::new();
    mkfifo(&s.path("signer.toml"));
    for args in [
        &["validate", "-f", "signer.toml"][..],
        &["validate"],
        &["plan", "-f", "signer.toml"],
    ] {
        let r = lsm(&s, args);
        assert_refused(
            &r,
            &format!("{args:?}"),
            "named pipe (FIFO), not a regular file",
        );
        assert!(
            r.stderr.contains("-f FILE"),
            "{args:?}: no fix\n{}",
            r.stderr
        );
    }
    // --json carries the problem like any other.
    let r = lsm(&s, &["validate", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["problems"][0]["file"], "signer.toml");
    assert!(
        doc["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("named pipe")
    );
}

#[test]
fn standard_input_is_refused_for_the_manifest() {
    let s = Scratch::new();
    let text = std::fs::read_to_string(repo("examples/signer.toml")).unwrap();
    for file in ["-", "/dev/stdin"] {
        let mut cmd = s.lsm(&["validate", "-f", file]);
        cmd.timeout(Duration::from_secs(60))
            .write_stdin(text.clone());
        let r = run(cmd);
        assert_eq!(r.code, 1, "{file}:\n{}", r.stderr);
        assert!(
            r.stderr.contains("not a regular file") && r.stderr.contains("-f FILE"),
            "{file}:\n{}",
            r.stderr
        );
    }
}

#[test]
fn a_fifo_named_versions_env_is_refused_by_validate_and_init() {
    let s = Scratch::new();
    std::fs::copy(repo("examples/signer.toml"), s.path("signer.toml")).unwrap();
    mkfifo(&s.path("versions.env"));
    let r = lsm(&s, &["validate"]);
    assert_refused(
        &r,
        "validate",
        "cannot read versions.env: it is a named pipe (FIFO)",
    );
    assert!(r.stderr.contains("--> versions.env"), "{}", r.stderr);

    let r = lsm(&s, &["init", "-f", "new.toml"]);
    assert_refused(
        &r,
        "init",
        "cannot read versions.env: it is a named pipe (FIFO)",
    );
    assert!(!s.path("new.toml").exists(), "init wrote a manifest anyway");
}

#[test]
fn a_fifo_given_to_macaroon_inspect_is_refused() {
    let s = Scratch::new();
    mkfifo(&s.path("admin.macaroon"));
    let r = lsm(&s, &["macaroon", "inspect", "admin.macaroon"]);
    assert_refused(
        &r,
        "macaroon inspect",
        "named pipe (FIFO), not a regular file",
    );
}

#[test]
fn a_fifo_given_to_export_is_refused_before_connecting() {
    let s = Scratch::new();
    mkfifo(&s.path("tls.cert"));
    s.write("admin.macaroon", b"x");
    let r = lsm(
        &s,
        &[
            "export",
            "--rpcserver",
            "127.0.0.1:1",
            "--tlscertpath",
            "tls.cert",
            "--macaroonpath",
            "admin.macaroon",
            "--out",
            "bundle",
        ],
    );
    assert_refused(
        &r,
        "export",
        "cannot read the TLS certificate tls.cert: it is a named pipe",
    );
}

#[test]
fn a_fifo_given_to_bundle_verify_is_refused() {
    let s = Scratch::new();
    mkfifo(&s.path("bundle.tar.gz.b64"));
    let r = lsm(&s, &["bundle", "verify", "bundle.tar.gz.b64"]);
    assert_refused(&r, "bundle verify", "named pipe (FIFO), not a regular file");
}
