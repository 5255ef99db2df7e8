//! Remote engines end to end: fleets whose signers sit on hosts reached
//! over `ssh://` and over `https://` with client certificates, lsm running
//! in its own network namespace (tests/it/test_hosts.rs). A link cut in the
//! middle of a fleet apply fails only that host's nodes, within a bounded
//! time, leaves their seeds, bundles and locks whole, and a re-run after
//! the link returns converges everything. A host that black-holes traffic
//! fails its nodes after lsm's timeouts instead of hanging the fleet.

use crate::signer_kit::{Run, Signer};
use crate::support::Backend;
use crate::test_hosts::TestHosts;
use std::time::{Duration, Instant};

/// A fleet command must end within this, or it hangs (the test kills it).
const WATCHDOG: Duration = Duration::from_secs(240);

fn fleet_args<'a>(cmd: &[&'a str], signers: &'a [&Signer]) -> Vec<&'a str> {
    let mut args = cmd.to_vec();
    for s in signers {
        args.push("-f");
        args.push(s.manifest.to_str().expect("UTF-8 temp path"));
    }
    args
}

/// The NDJSON lines of a fleet run: (node name → its line), and the summary.
fn node_lines(run: &Run) -> (Vec<serde_json::Value>, serde_json::Value) {
    let mut lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{}", run.stderr)))
        .collect();
    let summary = lines.pop().expect("a fleet_summary line");
    assert_eq!(summary["type"], "fleet_summary", "{}", run.stdout);
    (lines, summary)
}

fn line_of<'a>(lines: &'a [serde_json::Value], s: &Signer) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| l["node"] == s.name.as_str())
        .unwrap_or_else(|| panic!("no line for {}: {lines:?}", s.name))
}

/// Runs a spawned fleet command to its end, killing it (and failing) if it
/// outlives the watchdog.
fn finish_within(mut child: std::process::Child, what: &str) -> Run {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("poll lsm").is_some() {
            return Run::from(child.wait_with_output().expect("lsm output"));
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            let out = child.wait_with_output().expect("lsm output");
            panic!(
                "{what} hung for {}s\n{}\n{}",
                WATCHDOG.as_secs(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn record(signers: &[&Signer], run: &Run) {
    for s in signers {
        s.record_output(&run.stdout);
        s.record_output(&run.stderr);
    }
}

/// Each test's hosts need the engine; without it (and with
/// LSM_SKIP_DOCKER_TESTS=1 on a laptop) the test returns early.
fn engine() -> bool {
    crate::support::require_docker()
}

/// A signer on the engine behind `url`.
fn signer_at(url: &str) -> Signer {
    Signer::docker_at(Backend::Double, url, "").expect("the engine answered a moment ago")
}

/// How long a cut link may take to fail a node: the gRPC keep-alive
/// (10 s + 10 s) ends a call on a dead path; without it InitWallet would
/// wait out its 120 s deadline. A bound on behaviour, not a speed target.
const CUT_FAILS_WITHIN: Duration = Duration::from_secs(60);

/// How long a black-holed host may take to fail a node: connecting is
/// bounded (10 s for https, ssh's own 10 s connect timeout).
const BLACK_HOLE_FAILS_WITHIN: Duration = Duration::from_secs(45);

#[test]
fn a_cut_link_mid_apply_fails_only_its_host_and_a_rerun_converges() {
    if !engine() {
        return;
    }
    let mut hosts = TestHosts::new();
    let a = hosts.ssh_host();
    let b = hosts.tls_host();
    let on_a: Vec<Signer> = (0..2).map(|_| signer_at(&a.url)).collect();
    let on_b: Vec<Signer> = (0..2).map(|_| signer_at(&b.url)).collect();
    let all: Vec<&Signer> = on_a.iter().chain(on_b.iter()).collect();

    // Every node pauses 3 s right after writing its seed, before InitWallet:
    // host A's link goes down while A's nodes hold a seed and no wallet yet.
    let mut apply = hosts.lsm_command(&fleet_args(&["apply", "--auto-approve", "--json"], &all));
    apply.env("FAILPOINTS", "wallet::after_seed_write=sleep(3000)");
    let child = apply.spawn().expect("start the fleet apply");
    let seeds_written = Instant::now() + Duration::from_secs(120);
    while !on_a.iter().all(|s| s.secrets().join("seed.txt").exists()) {
        assert!(
            Instant::now() < seeds_written,
            "host A's nodes never wrote their seeds"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    a.cut();
    let cut_at = Instant::now();
    let run = finish_within(child, "the fleet apply with host A cut");
    let after_cut = cut_at.elapsed();
    record(&all, &run);
    assert_eq!(run.code, 1, "a failed node fails the fleet\n{}", run.stderr);
    let (lines, summary) = node_lines(&run);
    for s in &on_a {
        let line = line_of(&lines, s);
        assert_eq!(line["exit_code"], 1, "{line}");
        let error = line["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(&a.ip.to_string()),
            "the error names host A: {error}"
        );
    }
    for s in &on_b {
        let line = line_of(&lines, s);
        assert_eq!(
            line["outcome"], "changes",
            "host B's nodes converged: {line}"
        );
        assert_eq!(line["converged"], true, "{line}");
    }
    assert_eq!(summary["counts"]["failed"], 2, "{summary}");
    eprintln!("host A's nodes failed {after_cut:?} after the cut");
    assert!(
        after_cut < CUT_FAILS_WITHIN,
        "host A's nodes took {after_cut:?} to fail after the cut"
    );

    // Nothing half-written: each seed is whole and stays; no lock is left.
    let seeds: Vec<Vec<u8>> = on_a
        .iter()
        .map(|s| std::fs::read(s.secrets().join("seed.txt")).expect("the seed survives"))
        .collect();
    for (s, seed) in on_a.iter().zip(&seeds) {
        let words = String::from_utf8_lossy(seed)
            .split_whitespace()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
            .count();
        assert!(words >= 24, "{}: seed.txt is whole ({words} words)", s.name);
    }

    a.restore();
    let mut again = hosts.lsm_command(&fleet_args(&["apply", "--auto-approve", "--json"], &all));
    let again = finish_within(again.spawn().expect("re-run"), "the re-run");
    record(&all, &again);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    for (s, seed) in on_a.iter().zip(&seeds) {
        assert_eq!(
            &std::fs::read(s.secrets().join("seed.txt")).unwrap(),
            seed,
            "{}: the re-run kept the seed written before the cut",
            s.name
        );
    }
    // Converged: a fleet plan finds nothing to do, and every bundle verifies.
    let plan = hosts.lsm(&fleet_args(&["plan", "--detailed-exitcode"], &all));
    record(&all, &plan);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.ends_with("Fleet: 4 nodes: 4 no changes\n"),
        "{}",
        plan.stdout
    );
    for s in &all {
        let verify = hosts.lsm(&["bundle", "verify", s.bundle().to_str().unwrap()]);
        assert_eq!(verify.code, 0, "{}: {}", s.name, verify.stderr);
        s.assert_no_secret_leaked();
    }
}

#[test]
fn a_black_holed_host_fails_its_nodes_after_the_timeout_not_a_hang() {
    if !engine() {
        return;
    }
    let mut hosts = TestHosts::new();
    let over_ssh = hosts.ssh_host();
    let over_tls = hosts.tls_host();
    let healthy = hosts.ssh_host();
    let s_ssh = signer_at(&over_ssh.url);
    let s_tls = signer_at(&over_tls.url);
    let s_ok = signer_at(&healthy.url);
    let all = [&s_ssh, &s_tls, &s_ok];
    let apply = hosts.lsm(&fleet_args(&["apply", "--auto-approve"], &all));
    record(&all, &apply);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);

    over_ssh.black_hole();
    over_tls.black_hole();
    for cmd in [
        &["plan", "--json", "--detailed-exitcode"][..],
        &["apply", "--auto-approve", "--json"][..],
    ] {
        let started = Instant::now();
        let child = hosts
            .lsm_command(&fleet_args(cmd, &all))
            .spawn()
            .expect("start lsm");
        let run = finish_within(child, &format!("lsm {cmd:?} with two hosts black-holed"));
        let took = started.elapsed();
        eprintln!("lsm {cmd:?}: black-holed nodes failed after {took:?}");
        assert!(
            took < BLACK_HOLE_FAILS_WITHIN,
            "lsm {cmd:?} took {took:?} with two hosts black-holed"
        );
        record(&all, &run);
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        let (lines, _) = node_lines(&run);
        for (s, host) in [(&s_ssh, &over_ssh), (&s_tls, &over_tls)] {
            let line = line_of(&lines, s);
            assert_eq!(line["exit_code"], 1, "{line}");
            let error = line["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(&host.url)
                    && (error.contains("timed out") || error.contains("within")),
                "a timeout naming the endpoint: {error}"
            );
        }
        let ok = line_of(&lines, &s_ok);
        assert_eq!(
            ok["outcome"], "no_changes",
            "the healthy host is untouched: {ok}"
        );
    }
    for s in all {
        s.assert_no_secret_leaked();
    }
}

#[test]
fn an_untrusted_host_key_or_a_missing_client_certificate_is_refused() {
    if !engine() {
        return;
    }
    let mut hosts = TestHosts::new();
    let over_ssh = hosts.ssh_host();
    let over_tls = hosts.tls_host();
    let s_ssh = signer_at(&over_ssh.url);
    let s_tls = signer_at(&over_tls.url);

    // Another host key than the pinned one: ssh refuses, lsm says ssh's words.
    let known = hosts.path("ssh/known_hosts");
    let pinned = std::fs::read_to_string(&known).unwrap();
    let other = hosts.path("ssh/other_key");
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other_pub: Vec<&str> = other_pub.split_whitespace().take(2).collect();
    std::fs::write(
        &known,
        format!("[{}]:2222 {}\n", over_ssh.ip, other_pub.join(" ")),
    )
    .unwrap();
    let run = hosts.lsm(&["plan", "-f", s_ssh.manifest.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains(&over_ssh.url) && run.stderr.contains("Host key verification failed"),
        "{}",
        run.stderr
    );
    std::fs::write(&known, pinned).unwrap();

    // The right client certificate passes (so the proxy is up) ...
    let ok = hosts.lsm(&["plan", "-f", s_tls.manifest.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    s_tls.record_output(&ok.stdout);
    // ... and one the engine's CA did not sign is refused: the proxy ends
    // the handshake, and the hint says what to check.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["lsm".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(hosts.path("docker-tls/cert.pem"), cert.pem()).unwrap();
    std::fs::write(hosts.path("docker-tls/key.pem"), key.serialize_pem()).unwrap();
    let run = hosts.lsm(&["plan", "-f", s_tls.manifest.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains(&over_tls.url)
            && run.stderr.contains("a client certificate that CA signed"),
        "{}",
        run.stderr
    );
    // And nothing was created on either host.
    for s in [&s_ssh, &s_tls] {
        assert!(s.inspect("{{.Id}}").is_none(), "{} was created", s.name);
        s.record_output(&run.stderr);
        s.assert_no_secret_leaked();
    }
}
