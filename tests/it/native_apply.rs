//! lsm plan / apply / destroy / status with runtime = "native": the lnd
//! double runs as a host process that lsm starts, tracks through its
//! pidfile and /proc, restarts and stops. Convergence, a second apply that
//! does nothing, drift (kill -9, edits), config changes, a stale pidfile
//! naming a stranger, version and binary protections, startup failures,
//! and the systemd unit (planned; refused where systemd does not run).
//! What lsm guarantees about the process itself: tests/it/native_process.rs.

use crate::signer_kit;
use crate::support;

use signer_kit::{Backend, Signer, kill_9, process_alive, validate_against, wait_until_gone};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};

/// A process the test started, killed on drop even when the test panics.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn condition<'a>(status: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    status["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == kind))
        .unwrap_or_else(|| panic!("no {kind} condition: {status:#}"))
}

fn fresh_apply_converges_and_a_second_apply_changes_nothing(b: Backend) {
    let s = Signer::native_on(b, "");

    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            &format!("· native · regtest · lnd {}", b.version()),
            "+ secret.wallet_password",
            "+ directory.lnd_dir",
            "+ file.lnd_conf",
            &format!("+rpclisten=127.0.0.1:{}", s.rpc_port),
            &format!(
                "+wallet-unlock-password-file={}",
                s.secrets().join("wallet-password.txt").display()
            ),
            "+ process.signer",
            &format!("start lnd {} detached", b.version()),
            "+ wallet.signer",
            "+ macaroon.watchonly",
            "+ bundle.files",
            "Plan: 7 to add, 0 to change, 0 to replace, 0 to destroy.",
        ],
    );
    let doc = s.lsm(&["plan", "--json"]).expect(0).json();
    validate_against("schemas/plan.schema.json", &doc);
    assert_eq!(doc["runtime"], "native");

    // Without a terminal and without --auto-approve nothing happens.
    s.lsm(&["apply"]).expect(1);
    assert!(
        s.recorded_pid().is_none(),
        "apply without approval started lnd"
    );

    let applied = s
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode"])
        .expect(2);
    assert!(
        applied.stdout.contains("Apply complete"),
        "{}",
        applied.stdout
    );
    let pid = s.lnd_pid();
    let conf = s.secrets().join("signer-lnd.conf");
    assert_eq!(mode(&conf), 0o600);
    assert_eq!(mode(&s.secrets().join("signer-lnd.log")), 0o600);
    assert_eq!(mode(&s.path("lnd")), 0o700);
    assert_eq!(mode(&s.pidfile()), 0o600);
    // lnd reads the manifest's binds directly and lsm's own password file.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(
        String::from_utf8_lossy(&cmdline).contains(&format!("--configfile={}", conf.display())),
        "{}",
        String::from_utf8_lossy(&cmdline)
    );

    let again = s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        again
            .stdout
            .contains("No changes. The signer matches signer.toml."),
        "{}",
        again.stdout
    );

    // The second apply does nothing: no action, and the same lnd runs.
    let pidfile = std::fs::read(s.pidfile()).unwrap();
    let second = s
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode", "--json"])
        .expect(0)
        .json();
    assert_eq!(second["changed"], false, "{second:#}");
    assert_eq!(second["applied"], serde_json::json!([]), "{second:#}");
    assert_eq!(s.lnd_pid(), pid, "a no-op apply restarted lnd");
    assert_eq!(
        std::fs::read(s.pidfile()).unwrap(),
        pidfile,
        "a no-op apply rewrote the pidfile"
    );

    let status = s.lsm(&["status", "--json"]).expect(0).json();
    assert_eq!(status["ok"], true, "{status:#}");
    let running = condition(&status, "ProcessRunning");
    assert_eq!(running["status"], true);
    assert!(
        running["message"]
            .as_str()
            .unwrap()
            .contains(&pid.to_string()),
        "{running}"
    );
    assert!(
        !status.to_string().contains("ContainerRunning"),
        "{status:#}"
    );
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

fn lnd_killed_outside_lsm_is_drift_and_apply_starts_it_again(b: Backend) {
    let s = Signer::native_on(b, "");
    s.apply();
    let identity = s.identity();
    let pid = s.lnd_pid();

    kill_9(pid);
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains(&format!(
            "> process.signer  lnd (pid {pid}) is no longer running"
        )) && plan.stdout.contains("[changed outside lsm]"),
        "{}",
        plan.stdout
    );
    let status = s.lsm(&["status", "--json"]).expect(2).json();
    let running = condition(&status, "ProcessRunning");
    assert_eq!(running["status"], false);
    assert_eq!(running["reason"], "Exited");
    // The config is in sync, but the signer does not "run as declared".
    let config = condition(&status, "ConfigInSync");
    assert!(
        config["message"]
            .as_str()
            .unwrap()
            .contains("but the signer is not running"),
        "{config}"
    );

    // A saved plan applies exactly.
    s.lsm(&["plan", "-o", "restart.json"]).expect(0);
    s.lsm(&["apply", "restart.json", "--detailed-exitcode"])
        .expect(2);
    let new_pid = s.lnd_pid();
    assert_ne!(new_pid, pid);
    assert_eq!(s.identity(), identity, "the same wallet came back");
    let stale = s.lsm(&["apply", "restart.json"]).expect(3);
    assert!(
        stale.stderr.contains("Saved plan is stale"),
        "{}",
        stale.stderr
    );
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.assert_no_secret_leaked();
}

fn a_config_change_restarts_lnd_with_a_new_pid(b: Backend) {
    let s = Signer::native_on(b, "");
    s.apply();
    let identity = s.identity();
    let pid = s.lnd_pid();

    s.set_manifest(&s.manifest_text().replace(
        "runtime = \"native\"",
        "runtime = \"native\"\ndebug_level = \"debug\"",
    ));
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "~ file.lnd_conf",
            "-debuglevel=info",
            "+debuglevel=debug",
            &format!("> process.signer  restart lnd (pid {pid}) so it reads the new config"),
        ],
    );
    s.apply();
    let restarted = s.lnd_pid();
    assert_ne!(restarted, pid, "lnd was not restarted");
    assert!(!process_alive(pid), "the old lnd still runs");
    assert_eq!(s.identity(), identity);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // The config edited outside lsm: named, reverted, lnd restarted.
    let conf = s.secrets().join("signer-lnd.conf");
    let edited = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("debuglevel=debug", "debuglevel=trace");
    std::fs::write(&conf, edited).unwrap();
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains("was edited outside lsm")
            && plan.stdout.contains("-debuglevel=trace")
            && plan.stdout.contains("> process.signer"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_ne!(s.lnd_pid(), restarted);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    s.assert_no_secret_leaked();
}

/// A copy of the double at `to` (a file of its own: a hard link to the
/// same inode would make a rename over it a no-op).
fn install_double(to: &std::path::Path) {
    std::fs::copy(support::double_binary(), to).expect("copy the double");
}

#[test]
fn a_new_lnd_binary_restarts_lnd() {
    let mut s = Signer::native("");
    std::fs::create_dir(s.path("bin")).unwrap();
    let lnd = s.path("bin/lnd");
    install_double(&lnd);
    s.runtime_table = s
        .runtime_table
        .replace(&support::double_binary().display().to_string(), "./bin/lnd");
    s.write_manifest();
    s.apply();
    let pid = s.lnd_pid();

    // Upgraded in place (a new file renamed over the old one).
    install_double(&s.path("bin/lnd.new"));
    std::fs::rename(s.path("bin/lnd.new"), &lnd).unwrap();
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "-/+ process.signer".to_string(),
            format!("{} was replaced on disk since lnd started", lnd.display()),
        ],
    );
    s.apply();
    let upgraded = s.lnd_pid();
    assert_ne!(upgraded, pid);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // lnd_path points elsewhere.
    let other = s.path("bin/lnd-other");
    install_double(&other);
    s.runtime_table = s.runtime_table.replace("./bin/lnd", "./bin/lnd-other");
    s.write_manifest();
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[format!(
            "lnd binary {} → {} forces a restart",
            lnd.display(),
            other.display()
        )],
    );
    s.apply();
    let moved = s.lnd_pid();
    assert_ne!(moved, upgraded);
    assert_eq!(signer_kit::exe_of(moved), other);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_stale_pidfile_naming_another_live_process_is_never_touched() {
    let s = Signer::native("");
    s.apply();
    let pid = s.lnd_pid();
    let stranger = Guard(
        Command::new("sleep")
            .arg("600")
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn sleep"),
    );
    let stranger_pid = stranger.0.id();

    // lnd dies; its pid is (as far as the pidfile can tell) reused.
    kill_9(pid);
    let text = std::fs::read_to_string(s.pidfile()).unwrap();
    let mut record: serde_json::Value = serde_json::from_str(&text).unwrap();
    record["pid"] = serde_json::json!(stranger_pid);
    std::fs::write(s.pidfile(), record.to_string()).unwrap();

    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains(&format!(
            "lnd (pid {stranger_pid}) is gone; that pid now belongs to another process"
        )) && plan.stdout.contains("> process.signer"),
        "{}",
        plan.stdout
    );
    let status = s.lsm(&["status", "--json"]).expect(2).json();
    assert_eq!(condition(&status, "ProcessRunning")["reason"], "PidReused");

    // Destroy has nothing of lsm's to stop, and leaves the stranger alone.
    let destroy = s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(
        !destroy.stdout.contains("- process.signer"),
        "{}",
        destroy.stdout
    );
    assert!(
        process_alive(stranger_pid),
        "destroy signalled the stranger"
    );

    s.apply();
    let new_pid = s.lnd_pid();
    assert_ne!(new_pid, stranger_pid);
    assert!(process_alive(stranger_pid), "apply signalled the stranger");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn destroy_stops_lnd_and_keeps_lnd_dir_and_the_seed() {
    let s = Signer::native("");
    s.apply();
    let identity = s.identity();
    let pid = s.lnd_pid();

    s.lsm(&["destroy"]).expect(1); // no terminal, no --auto-approve
    assert!(process_alive(pid));

    let purge = s
        .lsm(&["destroy", "--purge-volume", "--auto-approve"])
        .expect(5);
    assert!(
        purge
            .stdout
            .contains("--purge-volume does not apply to runtime = \"native\"")
            && purge.stdout.contains("is yours to delete"),
        "{}",
        purge.stdout
    );
    assert!(process_alive(pid), "a refused destroy stopped lnd");

    let run = s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(
        run.stdout
            .contains(&format!("- process.signer  stop lnd (pid {pid})")),
        "{}",
        run.stdout
    );
    wait_until_gone(pid);
    assert!(!s.pidfile().exists(), "the pidfile outlived destroy");
    assert!(s.path("lnd/data/chain/bitcoin/regtest").is_dir());
    assert!(s.path("lnd/tls.cert").exists());
    assert!(s.secrets().join("seed.txt").exists());
    assert!(s.secrets().join("wallet-password.txt").exists());

    // Nothing left to do.
    let again = s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);

    // apply brings the same signer back from lnd_dir.
    let plan = s.lsm(&["plan"]).expect(0);
    assert!(plan.stdout.contains("+ process.signer"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("wallet.signer"), "{}", plan.stdout);
    s.apply();
    assert_eq!(s.identity(), identity);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

#[test]
fn a_wrong_or_missing_lnd_is_blocked_and_never_started() {
    let s = Signer::native("");
    // An "lnd" of another version that leaves a mark if it is ever started.
    let fake = s.path("fake-lnd");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then\n  echo 'lnd version 0.19.3-beta \
             commit=v0.19.3-beta'\n  exit 0\nfi\ntouch {}\n",
            s.path("fake-started").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let with_lnd = |lnd_path: &str| {
        s.set_manifest(&s.manifest_text().replace(
            &format!("lnd_path = \"{}\"", support::double_binary().display()),
            &format!("lnd_path = \"{lnd_path}\""),
        ))
    };

    with_lnd(fake.to_str().unwrap());
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(5);
    assert!(
        plan.stdout
            .contains("reports \"lnd version 0.19.3-beta commit=v0.19.3-beta\"")
            && plan.stdout.contains("versions.env pins lnd v0.20.0-beta")
            && plan.stdout.contains("! binary.lnd"),
        "{}",
        plan.stdout
    );
    let apply = s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert!(apply.stderr.contains("apply refused"), "{}", apply.stderr);
    assert!(
        !s.path("fake-started").exists(),
        "the wrong lnd was started"
    );
    assert!(s.recorded_pid().is_none());
    assert!(
        !s.secrets().exists(),
        "a blocked apply changed the secrets dir"
    );

    with_lnd("./no-such-lnd");
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout.contains(&format!(
            "{} does not exist",
            s.path("no-such-lnd").display()
        )),
        "{}",
        plan.stdout
    );

    with_lnd("no-such-lnd-in-path");
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout
            .contains("no executable \"no-such-lnd-in-path\" in PATH"),
        "{}",
        plan.stdout
    );

    // A bare name is looked up in PATH.
    let bin = support::double_binary();
    with_lnd(bin.file_name().unwrap().to_str().unwrap());
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let plan = s.lsm_env(&["plan"], &[("PATH", &path)]).expect(0);
    assert!(plan.stdout.contains("+ process.signer"), "{}", plan.stdout);
}

crate::on_both_backends!(a_startup_failure_shows_only_this_starts_log_lines);

fn a_startup_failure_shows_only_this_starts_log_lines(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    s.lsm(&["destroy", "--auto-approve"]).expect(0);
    // lnd's certificate is damaged: lnd exits during startup, with Go's
    // words for it (tls.X509KeyPair via lnd's TLS manager).
    let cert = s.path("lnd/tls.cert");
    let good = std::fs::read(&cert).unwrap();
    std::fs::write(&cert, "not a certificate\n").unwrap();
    let run = s.lsm(&["apply", "--auto-approve"]).expect(1);
    assert!(
        run.stderr.contains("lnd exited during startup")
            && run.stderr.contains("last lnd log lines")
            && run.stderr.contains(
                "unable to generate or renew TLS certificate: tls: failed to find any PEM data \
                 in certificate input"
            ),
        "{}",
        run.stderr
    );
    // The previous run's last lines (destroy stopped it) are in the log,
    // not in this failure. (lnd logs "Shutdown complete" at the end of
    // every run, the failed one too, so that line cannot tell them apart.)
    let log = std::fs::read_to_string(s.secrets().join("signer-lnd.log")).unwrap();
    assert!(log.contains("Received terminated"), "{log}");
    assert!(
        !run.stderr.contains("Received terminated"),
        "the previous run's lines were shown:\n{}",
        run.stderr
    );
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("> process.signer"), "{}", plan.stdout);
    std::fs::write(&cert, good).unwrap();
    s.apply();
    s.lnd_pid();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn the_systemd_supervisor_plans_a_hardened_unit_and_never_pretends() {
    let mut s = Signer::native("");
    s.runtime_table = s
        .runtime_table
        .replace("supervisor = \"process\"", "supervisor = \"systemd\"");
    s.write_manifest();
    let booted = std::path::Path::new("/run/systemd/system").is_dir();
    let plan = s.lsm(&["plan"]);
    let unit = format!("lsm-{}.service", s.name);
    let lnd_dir = s.path("lnd");
    let secrets = s.secrets();
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "+ file.systemd_unit".to_string(),
            format!("+++ /etc/systemd/system/{unit} (desired)"),
            // The binary with symlinks resolved: the file whose version
            // lsm checked.
            format!(
                "+ExecStart=\"{}\" \"--lnddir={}\" \"--configfile={}\"",
                std::fs::canonicalize(support::double_binary())
                    .unwrap()
                    .display(),
                lnd_dir.display(),
                secrets.join("signer-lnd.conf").display()
            ),
            format!(
                "+ReadWritePaths=\"{}\" \"{}\"",
                lnd_dir.display(),
                secrets.display()
            ),
            "+NoNewPrivileges=true".into(),
            "+ProtectSystem=strict".into(),
            "+Restart=on-failure".into(),
            "+WantedBy=multi-user.target".into(),
            format!("enable and start {unit}"),
            "+ file.lnd_conf".into(),
        ],
    );
    assert!(
        plan.stdout.contains("+ProtectHome=") && plan.stdout.contains("+PrivateTmp="),
        "{}",
        plan.stdout
    );
    if booted {
        eprintln!("systemd runs here: only the plan was checked");
        return;
    }
    plan.expect(5);
    for cmd in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let run = s.lsm(cmd).expect(5);
        assert!(
            run.stdout.contains("systemd is not running on this host"),
            "{}",
            run.stdout
        );
    }
    assert!(!s.secrets().exists(), "a refused apply wrote files");
    assert!(
        !std::path::Path::new("/etc/systemd/system")
            .join(&unit)
            .exists()
    );
    let status = s.lsm(&["status", "--json"]).expect(2).json();
    assert_eq!(condition(&status, "ProcessRunning")["status"], false);
    // Nothing is installed, so there is nothing to destroy.
    s.lsm(&["destroy", "--auto-approve"]).expect(0);
}

#[test]
fn a_deleted_admin_macaroon_blocks_until_a_restart_of_lnd_rewrites_it() {
    let s = Signer::native("");
    s.apply();
    let admin = s.path("lnd/data/chain/bitcoin/regtest/admin.macaroon");
    std::fs::remove_file(&admin).unwrap();

    // lsm cannot see identity, accounts or macaroons: never "matches".
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(5);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "! file.admin_macaroon",
            "data/chain/bitcoin/regtest/admin.macaroon) is missing",
            "fix: restart lnd: stop the lnd process",
        ],
    );
    let pid = s.lnd_pid();
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(s.lnd_pid(), pid, "a blocked apply touched lnd");

    // The fix it names: lnd restarted (here by apply) and unlocked writes
    // the missing file again.
    kill_9(pid);
    s.apply();
    assert!(admin.exists());
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

crate::on_both_backends!(
    fresh_apply_converges_and_a_second_apply_changes_nothing,
    lnd_killed_outside_lsm_is_drift_and_apply_starts_it_again,
    a_config_change_restarts_lnd_with_a_new_pid,
);

/// Every action in the JSON plan carries a stable `reason_code`; a plan
/// saved by format 1.1 (no codes) still applies, and a plan of another
/// major format is refused, naming both formats.
#[test]
fn reason_codes_are_in_the_plan_and_older_saved_plans_still_apply() {
    let s = Signer::native("");
    let doc = s.lsm(&["plan", "--json"]).expect(0).json();
    assert_eq!(doc["format_version"], "1.4");
    let codes: Vec<&str> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason_code"].as_str().expect("every action has a code"))
        .collect();
    for code in [
        "directory_missing",
        "config_missing",
        "not_started",
        "wallet_create",
    ] {
        assert!(codes.contains(&code), "{code} not in {codes:?}");
    }

    s.lsm(&["plan", "-o", "plan.json"]).expect(0);
    let mut saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("plan.json")).unwrap()).unwrap();
    let mut other = saved.clone();
    saved["format_version"] = "1.1".into();
    for a in saved["actions"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("reason_code");
    }
    std::fs::write(s.path("old.json"), saved.to_string()).unwrap();
    other["format_version"] = "2.0".into();
    std::fs::write(s.path("future.json"), other.to_string()).unwrap();

    let future = s.lsm(&["apply", "future.json"]).expect(1);
    assert!(
        future
            .stderr
            .contains("has plan format 2.0; this lsm reads format 1.4"),
        "{}",
        future.stderr
    );
    s.lsm(&["apply", "old.json", "--detailed-exitcode"])
        .expect(2);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}
