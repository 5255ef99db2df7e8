//! `lsm export` without a signer: flags that do not fit together, unusable
//! inputs, a directory that is not a bundle and an unreachable signer all
//! exit 1 with a clear message — and never print the macaroon.

use crate::bundle_kit;

use bundle_kit::{assert_no_macaroon, run_lsm};
use lsm_lnd::permissions;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

struct Inputs {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    cert: PathBuf,
    macaroon: PathBuf,
    macaroon_bytes: Vec<u8>,
}

fn inputs() -> Inputs {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let cert = root.join("tls.cert");
    fs::write(&cert, bundle_kit::cert(&["127.0.0.1"], false, true)).unwrap();
    let mac = bundle_kit::macaroon(&permissions::admin(), 0);
    let macaroon = root.join("admin.macaroon");
    fs::write(&macaroon, &*mac).unwrap();
    Inputs {
        _tmp: tmp,
        root,
        cert,
        macaroon,
        macaroon_bytes: mac.to_vec(),
    }
}

/// A port nothing listens on (bound and released).
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn export(i: &Inputs, out: &Path, extra: &[&str]) -> (i32, String) {
    let rpcserver = format!("127.0.0.1:{}", dead_port());
    let mut args: Vec<&OsStr> = vec![
        "export".as_ref(),
        "--rpcserver".as_ref(),
        rpcserver.as_ref(),
        "--tlscertpath".as_ref(),
        i.cert.as_os_str(),
        "--macaroonpath".as_ref(),
        i.macaroon.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let run = run_lsm(args);
    assert_no_macaroon(&run, &[&i.macaroon_bytes]);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

#[test]
fn flags_that_do_not_fit_are_refused_before_connecting() {
    let i = inputs();
    let out = i.root.join("bundle");
    for (extra, needle) in [
        (
            &["--scope", "custom"][..],
            "--scope custom needs at least one --permission",
        ),
        (
            &["--permission", "signer:generate"][..],
            "--permission is only for --scope custom",
        ),
        (
            &["--scope", "admin", "--root-key-id", "3"][..],
            "--root-key-id does not apply to --scope admin",
        ),
        (
            &["--birthday", "last tuesday"][..],
            "--birthday \"last tuesday\"",
        ),
    ] {
        let (code, text) = export(&i, &out, extra);
        assert_eq!(code, 1, "{extra:?}: {text}");
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_directory_that_is_not_a_bundle_is_refused() {
    let i = inputs();
    let out = i.root.join("home");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("mine.macaroon"), b"someone's").unwrap();
    let (code, text) = export(&i, &out, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("is not a credentials bundle"), "{text}");
    assert_eq!(fs::read(out.join("mine.macaroon")).unwrap(), b"someone's");
}

#[test]
fn an_unreachable_signer_is_a_clear_error() {
    let i = inputs();
    let out = i.root.join("bundle");
    let (code, text) = export(&i, &out, &["--network", "regtest"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("cannot reach the signer at 127.0.0.1:"),
        "{text}"
    );
    assert!(!out.exists());
}

#[test]
fn unusable_inputs_are_named() {
    let i = inputs();
    let out = i.root.join("bundle");
    fs::write(&i.macaroon, b"not a macaroon").unwrap();
    let (code, text) = export(&i, &out, &[]);
    assert_eq!(code, 1);
    assert!(
        text.contains("admin.macaroon is not a valid lnd macaroon"),
        "{text}"
    );

    let i = inputs();
    fs::write(&i.cert, b"not a cert").unwrap();
    let (code, text) = export(&i, &out, &[]);
    assert_eq!(code, 1);
    assert!(text.contains("tls.cert"), "{text}");
}
