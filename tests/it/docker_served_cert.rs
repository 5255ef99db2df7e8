//! Observation takes the bundle's tls.cert for lnd's only when lnd proves it
//! serves exactly that certificate and the copy is byte for byte what lnd
//! writes; otherwise it reads tls.cert from the volume as before, so a
//! changed or re-encoded bundle certificate is still found and repaired.

use crate::signer_kit;

use signer_kit::Signer;

const SERVED: &str = "lnd serves the bundle's tls.cert";

/// lnd's tls.cert, read out of the volume with the docker CLI.
fn volume_cert(s: &Signer) -> Vec<u8> {
    let out = std::process::Command::new("docker")
        .args(["cp", &format!("{}:/root/.lnd/tls.cert", s.name), "-"])
        .output()
        .expect("docker cp");
    assert!(out.status.success());
    let mut archive = tar::Archive::new(&out.stdout[..]);
    let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
    bytes
}

fn debug_plan(s: &Signer, code: i32) -> signer_kit::Run {
    s.lsm_env(
        &["plan", "--detailed-exitcode"],
        &[("LSM_LOG", "lsm=debug")],
    )
    .expect(code)
}

#[test]
fn the_bundle_cert_stands_for_tls_cert_only_when_lnd_serves_it() {
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let cert_path = s.bundle().join("tls.cert");
    let lnd_cert = volume_cert(&s);
    assert_eq!(std::fs::read(&cert_path).unwrap(), lnd_cert);

    // Converged: lnd proves the copy, the volume's file is not read.
    let run = debug_plan(&s, 0);
    assert!(run.stderr.contains(SERVED), "{}", run.stderr);

    // Another certificate in the bundle: lnd does not serve it, tls.cert is
    // read from the volume, the signer is still reached and the copy repaired.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let other = rcgen::CertificateParams::new(vec!["signer".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(&cert_path, other.pem()).unwrap();
    let run = debug_plan(&s, 2);
    assert!(!run.stderr.contains(SERVED), "{}", run.stderr);
    assert!(run.stdout.contains("bundle.files"), "{}", run.stdout);
    assert!(!run.stdout.contains("not answering"), "{}", run.stdout);
    s.apply();
    assert_eq!(std::fs::read(&cert_path).unwrap(), lnd_cert);
    debug_plan(&s, 0);

    // The same certificate, encoded differently (CRLF): not lnd's bytes, so
    // it is compared with the volume's file and rewritten, as before.
    let crlf = String::from_utf8(lnd_cert.clone())
        .unwrap()
        .replace('\n', "\r\n");
    std::fs::write(&cert_path, crlf).unwrap();
    let run = debug_plan(&s, 2);
    assert!(!run.stderr.contains(SERVED), "{}", run.stderr);
    assert!(run.stdout.contains("bundle.files"), "{}", run.stdout);
    s.apply();
    assert_eq!(std::fs::read(&cert_path).unwrap(), lnd_cert);

    // A stopped signer cannot prove anything: the file is read, the plan
    // starts the container and nothing else.
    crate::support::docker(&["stop", &s.name]);
    let run = debug_plan(&s, 2);
    assert!(!run.stderr.contains(SERVED), "{}", run.stderr);
    assert!(
        run.stdout.contains("container was stopped outside lsm"),
        "{}",
        run.stdout
    );
    s.apply();
    debug_plan(&s, 0);
    s.assert_no_secret_leaked();
}

#[test]
fn a_no_op_plan_reads_the_volume_with_one_archive_request() {
    // lnd writes admin.macaroon beside lsm's files and proves it serves the
    // bundle's tls.cert, so one read of /root/.lnd/lsm is all the volume
    // costs a converged plan (each archive read runs a helper process in
    // the engine: the most expensive request a plan makes).
    let Some(s) = Signer::new("") else { return };
    s.apply();
    let run = s
        .lsm_env(
            &["plan", "--detailed-exitcode"],
            &[("LSM_LOG", "bollard=debug")],
        )
        .expect(0);
    let reads: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("/archive?path="))
        .collect();
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert!(
        reads[0].ends_with("archive?path=%2Froot%2F.lnd%2Flsm"),
        "{reads:#?}"
    );
}
