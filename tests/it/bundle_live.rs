//! `lsm bundle verify --live`: the bundle's own tls.cert and macaroon
//! against the signer it is for, with a harmless call of every RPC a
//! watch-only lnd makes. Run against real lnd (the judge) and the double
//! (which implements signrpc as far as lnd's permission check and request
//! validation): the bundle lsm exports passes; a macaroon with only
//! signer:generate lacks onchain:write for SignPsbt; a closed port is
//! unreachable at once; a host the certificate does not name, a locked
//! wallet and another signer's macaroon are each named as such.

use crate::signer_kit;

use signer_kit::{Backend, Run, Signer, assert_contains_all};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const BUNDLE: &str = "out/credentials-bundle";

/// What real lnd v0.20.0-beta answers to lsm's harmless calls with the
/// signer-only macaroon (measured): its request validation, after the
/// macaroon check. The double answers the same.
const LND_ANSWERS: [(&str, &str); 8] = [
    (
        "/signrpc.Signer/SignMessage",
        "a message to sign MUST be passed in",
    ),
    (
        "/signrpc.Signer/DeriveSharedKey",
        "must provide ephemeral pubkey",
    ),
    (
        "/signrpc.Signer/MuSig2CreateSession",
        "error parsing version: unknown MuSig2 version <MUSIG2_VERSION_UNDEFINED>, make sure \
         your client software is up to date, the version field is mandatory for this release \
         of lnd",
    ),
    (
        "/signrpc.Signer/MuSig2RegisterNonces",
        "error parsing session ID: invalid session ID size, got 0 but expected 32",
    ),
    (
        "/signrpc.Signer/MuSig2Sign",
        "error parsing session ID: invalid session ID size, got 0 but expected 32",
    ),
    (
        "/signrpc.Signer/MuSig2CombineSig",
        "error parsing session ID: invalid session ID size, got 0 but expected 32",
    ),
    (
        "/signrpc.Signer/MuSig2Cleanup",
        "error cleaning up session: session with ID \
         0000000000000000000000000000000000000000000000000000000000000000 not found",
    ),
    ("/walletrpc.WalletKit/SignPsbt", "error parsing PSBT: EOF"),
];

fn live(s: &Signer, extra: &[&str]) -> Run {
    let mut args = vec!["bundle", "verify", BUNDLE, "--live"];
    args.extend_from_slice(extra);
    s.lsm(&args)
}

fn live_json(s: &Signer, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "bundle", "verify", BUNDLE, "--live"];
    args.extend_from_slice(extra);
    s.lsm(&args).json()
}

fn the_exported_bundle_passes(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    let run = live(&s, &[]).expect(0);
    assert_contains_all(
        &run.stdout,
        &[
            &format!("signer      127.0.0.1:{} answers", s.rpc_port),
            "tls name    tls.cert names 127.0.0.1",
            "wallet      the signer is SERVER_ACTIVE",
            "rpcs        the macaroon grants all 8 calls a watch-only lnd makes",
            "bundle OK",
        ],
    );
    let doc = live_json(&s, &[]);
    assert_eq!(doc["ok"], true, "{doc:#}");
    let rpcs = doc["live"]["rpcs"].as_array().unwrap();
    assert_eq!(rpcs.len(), 8);
    // lnd's own validation errors: each call got past the macaroon check.
    let answers: Vec<(&str, &str)> = rpcs
        .iter()
        .map(|r| {
            assert_eq!(r["verdict"], "ok", "{r:#}");
            (r["method"].as_str().unwrap(), r["detail"].as_str().unwrap())
        })
        .collect();
    assert_eq!(answers, LND_ANSWERS);
    s.assert_no_secret_leaked();
}

fn only_signer_generate_lacks_onchain_write(backend: Backend) {
    let s = Signer::native_on(
        backend,
        "\n[macaroon]\nscope = \"custom\"\npermissions = [\"signer:generate\"]\n",
    );
    s.apply();
    // Offline, the bundle is what it says it is.
    s.lsm(&["bundle", "verify", BUNDLE]).expect(0);
    let run = live(&s, &[]).expect(1);
    assert_contains_all(
        &run.stderr,
        &[
            "failed verification with 1 problem",
            "the macaroon lacks onchain:write: lnd answers permission denied to SignPsbt",
            "sending coins, funding channels",
        ],
    );
    assert!(!run.stderr.contains("signer:generate"), "{}", run.stderr);
    let doc = live_json(&s, &[]);
    let rpcs = doc["live"]["rpcs"].as_array().unwrap();
    for r in rpcs {
        let want = if r["method"] == "/walletrpc.WalletKit/SignPsbt" {
            "permission_denied"
        } else {
            "ok"
        };
        assert_eq!(r["verdict"], want, "{r:#}");
    }
    s.assert_no_secret_leaked();
}

/// The narrowest macaroon the research proved: one `uri:` permission per
/// method a watch-only lnd calls. Without the MuSig2 ones, those are named.
fn a_uri_macaroon_of_exactly_the_eight_methods_passes(backend: Backend) {
    let uris = |skip: &[&str]| -> String {
        LND_ANSWERS
            .iter()
            .map(|(m, _)| *m)
            .filter(|m| !skip.iter().any(|s| m.ends_with(s)))
            .map(|m| format!("\"uri:{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let s = Signer::native_on(
        backend,
        &format!(
            "\n[macaroon]\nscope = \"custom\"\npermissions = [{}]\n",
            uris(&[])
        ),
    );
    s.apply();
    live(&s, &[]).expect(0);

    let text = s.manifest_text().replace(
        &uris(&[]),
        &uris(&["/MuSig2RegisterNonces", "/MuSig2Cleanup"]),
    );
    s.set_manifest(&text);
    s.apply();
    let run = live(&s, &[]).expect(1);
    assert_contains_all(
        &run.stderr,
        &[
            "the macaroon lacks signer:generate: lnd answers permission denied to \
             MuSig2RegisterNonces, MuSig2Cleanup (grant signer:generate, or uri:<method> for \
             each) — a watch-only node then fails: taproot channels fail (MuSig2)",
        ],
    );
}

fn a_closed_port_is_unreachable_at_once(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    let closed = crate::support::free_port();
    let endpoint = format!("127.0.0.1:{closed}");
    let started = Instant::now();
    let run = live(&s, &["--endpoint", &endpoint]).expect(1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_contains_all(
        &run.stderr,
        &[
            &format!("cannot reach the signer at {endpoint}"),
            "a watch-only lnd gives up after 5 s",
        ],
    );
    assert!(!run.stderr.contains("permission"), "{}", run.stderr);
    let doc = live_json(&s, &["--endpoint", &endpoint]);
    assert_eq!(doc["live"]["reachable"], false);
    assert_eq!(doc["live"]["rpcs"].as_array().unwrap().len(), 0);
}

/// Forwards every connection to 127.0.0.2:<port> to `target` (so the
/// signer is reached under a name its certificate does not carry).
fn forward_from_127_0_0_2(target: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            };
            pipe(conn.try_clone().unwrap(), upstream.try_clone().unwrap());
            pipe(upstream, conn);
        }
    });
    port
}

fn a_host_the_certificate_does_not_name_is_named(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    let port = forward_from_127_0_0_2(s.rpc_port);
    let endpoint = format!("127.0.0.2:{port}");
    let run = live(&s, &["--endpoint", &endpoint]).expect(1);
    assert_contains_all(
        &run.stderr,
        &[
            "failed verification with 1 problem",
            "tls.cert does not name 127.0.0.2 (it names ",
            &format!("a watch-only lnd dialling {endpoint} fails its TLS check"),
        ],
    );
    // Reached through the pin all the same: every call is allowed.
    assert!(
        run.stdout
            .contains("rpcs        the macaroon grants all 8 calls"),
        "{}",
        run.stdout
    );
    let doc = live_json(&s, &["--endpoint", &endpoint]);
    assert_eq!(doc["live"]["reachable"], true);
    assert_eq!(doc["live"]["tls_names_host"], false);
}

/// lnd restarted by hand with the same command line: without
/// auto_unlock it waits, LOCKED, for an unlock that never comes.
fn a_locked_signer_is_named(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.set_manifest(
        &s.manifest_text()
            .replace("[wallet]\n", "[wallet]\nauto_unlock = false\n"),
    );
    s.apply();
    let pid = s.lnd_pid();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let argv: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    signer_kit::kill_9(pid);
    let mut lnd = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start lnd again");
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let run = live(&s, &[]);
        if run.stderr.contains("wallet is locked") || Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let run = run.expect(1);
    assert_contains_all(
        &run.stderr,
        &[
            "failed verification with 1 problem",
            "the signer's wallet is locked: a watch-only lnd exits",
        ],
    );
    assert!(
        run.stdout.contains("rpcs        not asked"),
        "{}",
        run.stdout
    );
    let doc = live_json(&s, &[]);
    assert_eq!(doc["live"]["wallet_state"], "LOCKED");
    // (On a panic, the signer's cleanup kills it: its command line names
    // the signer's directory.)
    let _ = lnd.kill();
    let _ = lnd.wait();
}

/// Another signer's macaroon (same scope, same root key id, another
/// node's signature): every call is refused the same way, said once.
fn another_signers_macaroon_is_rejected(backend: Backend) {
    let a = Signer::native_on(backend, "");
    let b = Signer::native_on(backend, "");
    a.apply();
    b.apply();
    let foreign = b.bundle_macaroon();
    // Hand it to a's bundle and re-seal the hashes as if exported so.
    let dir = a.bundle();
    std::fs::write(dir.join("signer-only.macaroon"), &foreign).unwrap();
    let path = dir.join("bundle.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["sha256"]["signer-only.macaroon"] = hex_sha256(&foreign).into();
    let mut bytes = serde_json::to_vec_pretty(&json).unwrap();
    bytes.push(b'\n');
    std::fs::write(&path, bytes).unwrap();
    let _ = std::fs::remove_file(dir.with_extension("tar.gz.b64"));
    a.lsm(&["bundle", "verify", BUNDLE]).expect(0);
    let run = live(&a, &[]).expect(1);
    assert_contains_all(
        &run.stderr,
        &[
            "failed verification with 1 problem",
            "SignMessage, DeriveSharedKey, MuSig2CreateSession, MuSig2RegisterNonces, \
             MuSig2Sign, MuSig2CombineSig, MuSig2Cleanup, SignPsbt: lnd rejected the macaroon",
            "signature mismatch",
        ],
    );
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

crate::on_both_backends!(
    the_exported_bundle_passes,
    only_signer_generate_lacks_onchain_write,
    a_uri_macaroon_of_exactly_the_eight_methods_passes,
    a_closed_port_is_unreachable_at_once,
    a_host_the_certificate_does_not_name_is_named,
    a_locked_signer_is_named,
    another_signers_macaroon_is_rejected,
);
