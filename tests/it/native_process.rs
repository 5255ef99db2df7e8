//! supervisor = "process": what lsm guarantees about the lnd it starts and
//! the processes it finds. lnd is detached and holds nothing of lsm's
//! (session, stdin, descriptors, environment); a wrapper script that execs
//! lnd is tracked as the lnd it becomes; lnd is never left running
//! unrecorded; an lnd lsm did not start (or cannot prove it did) blocks
//! plan, apply and destroy and is never signalled; a pidfile naming another
//! lnd is not mistaken for lsm's; a stop SIGTERM does not finish ends in
//! SIGKILL.

use crate::signer_kit;
use crate::support;

use signer_kit::{Signer, kill_9, process_alive, wait_until_gone};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp,
/// session, ...
fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let (_, rest) = stat.rsplit_once(')').expect("stat format");
    rest.split_whitespace().map(str::to_string).collect()
}

fn fd_targets(pid: u32) -> Vec<(String, PathBuf)> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .flatten()
        .filter_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), target))
        })
        .collect()
}

fn pidfile_json(s: &Signer) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(s.pidfile()).expect("pidfile")).expect("json")
}

/// Makes `[native] lnd_path` a shell script at `bin/lnd` with `body`
/// (which names the double as `$LND`), like Nix's makeWrapper.
fn use_wrapper(s: &mut Signer, body: &str) -> PathBuf {
    let script = s.path("bin/lnd");
    write_script(&script, body);
    s.runtime_table = s.runtime_table.replace(
        &support::double_binary().display().to_string(),
        &script.display().to_string(),
    );
    s.write_manifest();
    script
}

fn write_script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = format!(
        "#!/bin/sh\nLND='{}'\n{body}\n",
        support::double_binary().display()
    );
    // A new file renamed over the old one, as installers do.
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn canonical_double() -> PathBuf {
    std::fs::canonicalize(support::double_binary()).unwrap()
}

#[test]
fn lnd_is_detached_and_holds_nothing_of_lsms() {
    let s = Signer::native("");
    // `lsm apply 7>file`, with a variable lnd has no business seeing.
    let held = s.path("held-by-lsm");
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec 7>\"$0\"; exec \"$@\"")
        .arg(&held)
        .arg(assert_cmd::cargo::cargo_bin("lsm"))
        .args(["apply", "--auto-approve", "-f"])
        .arg(&s.manifest)
        .current_dir(s.dir.path())
        .env("LSM_STATE_DIR", s.path("state"))
        .env("NO_COLOR", "1")
        .env("LSM_TEST_CI_TOKEN", "not-for-lnd")
        .stdin(Stdio::null())
        .output()
        .expect("run lsm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = s.lnd_pid();

    // Its own session and process group: lsm's terminal and signals are not lnd's.
    let stat = stat_fields(pid);
    assert_eq!(stat[2], pid.to_string(), "pgrp: {stat:?}");
    assert_eq!(stat[3], pid.to_string(), "session: {stat:?}");

    let fds = fd_targets(pid);
    let target = |fd: &str| fds.iter().find(|(n, _)| n == fd).map(|(_, t)| t.clone());
    let log = s.secrets().join("signer-lnd.log");
    assert_eq!(target("0").as_deref(), Some(Path::new("/dev/null")));
    assert_eq!(target("1").as_deref(), Some(log.as_path()));
    assert_eq!(target("2").as_deref(), Some(log.as_path()));
    assert!(
        fds.iter().all(|(_, t)| t != &held),
        "lnd inherited lsm's descriptor 7: {fds:?}"
    );

    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
    let vars: Vec<String> = environ
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    assert!(vars.iter().any(|v| v.starts_with("PATH=")), "{vars:?}");
    for name in ["LSM_TEST_CI_TOKEN=", "LSM_STATE_DIR=", "NO_COLOR="] {
        assert!(
            !vars.iter().any(|v| v.starts_with(name)),
            "lnd got {name}: {vars:?}"
        );
    }
}

#[test]
fn a_wrapper_script_that_execs_lnd_is_tracked_as_lnd() {
    let mut s = Signer::native("");
    let wrapper = use_wrapper(&mut s, "exec \"$LND\" \"$@\"");
    let applied = s
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode"])
        .expect(2);
    assert!(
        !applied.stderr.contains("not running"),
        "{}",
        applied.stderr
    );
    let pid = s.lnd_pid();
    assert_eq!(signer_kit::exe_of(pid), canonical_double());
    // Recorded as what runs, once it ran: lnd, started through the wrapper.
    let record = pidfile_json(&s);
    assert_eq!(record["exe"], canonical_double().display().to_string());
    assert_eq!(record["launcher"], wrapper.display().to_string());

    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    let second = s
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode", "--json"])
        .expect(0)
        .json();
    assert_eq!(second["changed"], false, "{second:#}");
    let status = s.lsm(&["status", "--json"]).expect(0).json();
    assert_eq!(status["ok"], true, "{status:#}");

    // The wrapper now execs another copy of lnd: a restart runs it.
    let other = s.path("bin/lnd-0.20.0");
    std::fs::copy(support::double_binary(), &other).unwrap();
    write_script(&wrapper, &format!("exec '{}' \"$@\"", other.display()));
    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            "-/+ process.signer".to_string(),
            format!(
                "{} was replaced on disk since lnd started",
                wrapper.display()
            ),
        ],
    );
    s.apply();
    let restarted = s.lnd_pid();
    assert_ne!(restarted, pid);
    assert_eq!(signer_kit::exe_of(restarted), other);
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    let destroy = s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(
        destroy
            .stdout
            .contains(&format!("stop lnd (pid {restarted})")),
        "{}",
        destroy.stdout
    );
    wait_until_gone(restarted);
    assert_eq!(s.lnd_processes(), Vec::<u32>::new());
    let again = s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn a_pidfile_lsm_cannot_write_never_leaves_lnd_running() {
    let s = Signer::native("");
    // Where lsm keeps its pidfiles there is a regular file: the plan sees
    // it, before any lnd is started.
    std::fs::create_dir_all(s.path("state")).unwrap();
    std::fs::write(s.path("state/native"), "").unwrap();
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout.contains(&format!(
            "{} is not a directory, so lsm can neither read nor write lnd's pidfile",
            s.path("state/native").display()
        )),
        "{}",
        plan.stdout
    );
    for _ in 0..2 {
        s.lsm(&["apply", "--auto-approve"]).expect(5);
        assert_eq!(
            s.lnd_processes(),
            Vec::<u32>::new(),
            "an unrecorded lnd runs"
        );
    }
    std::fs::remove_file(s.path("state/native")).unwrap();
    s.apply();
    assert_eq!(s.lnd_processes(), vec![s.lnd_pid()]);
}

/// A pidfile write that fails after lnd was spawned (the first write, right
/// after the spawn; the second, once lnd is up) kills lnd again.
#[cfg(feature = "failpoints")]
#[test]
fn a_record_that_fails_after_the_spawn_kills_lnd_again() {
    let s = Signer::native("");
    for failpoint in ["return", "1*off->return"] {
        let run = s
            .lsm_env(
                &["apply", "--auto-approve"],
                &[("FAILPOINTS", &format!("native::pidfile_write={failpoint}"))],
            )
            .expect(1);
        assert!(
            run.stderr.contains("injected failure") && run.stderr.contains("lnd was stopped again"),
            "{}",
            run.stderr
        );
        assert_eq!(
            s.lnd_processes(),
            Vec::<u32>::new(),
            "an unrecorded lnd runs ({failpoint})"
        );
        assert!(s.recorded_pid().is_none(), "a record of a killed lnd");
    }
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn an_lnd_lsm_did_not_start_blocks_plan_apply_and_destroy() {
    let s = Signer::native("");
    s.apply();
    let pid = s.lnd_pid();
    let double = canonical_double().display().to_string();

    // Another state directory (another user, sudo, a lost pidfile): lsm
    // has no record of this lnd, and must neither start a second one nor
    // say there is nothing to destroy.
    let elsewhere = s.path("other-state").display().to_string();
    let env = [("LSM_STATE_DIR", elsewhere.as_str())];
    let plan = s.lsm_env(&["plan", "--detailed-exitcode"], &env).expect(5);
    signer_kit::assert_contains_all(
        &plan.stdout,
        &[
            format!(
                "pid {pid} ({double}) runs with --lnddir={}",
                s.path("lnd").display()
            ),
            format!("listens on port {} (rpc.listen)", s.rpc_port),
            "but lsm did not start it".into(),
            format!("kill {pid}"),
        ],
    );
    s.lsm_env(&["apply", "--auto-approve"], &env).expect(5);
    let destroy = s.lsm_env(&["destroy", "--auto-approve"], &env).expect(5);
    assert!(
        destroy.stdout.contains(&format!("pid {pid} (")),
        "{}",
        destroy.stdout
    );
    let status = s.lsm_env(&["status", "--json"], &env).expect(2).json();
    let running = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ProcessRunning")
        .unwrap()
        .clone();
    assert_eq!(running["reason"], "NotLsms", "{running}");
    assert_eq!(
        s.lnd_processes(),
        vec![pid],
        "lsm started or stopped an lnd"
    );

    // A pidfile lsm cannot read: blocked too, and lnd left alone.
    let record = std::fs::read(s.pidfile()).unwrap();
    std::fs::write(s.pidfile(), "{ not json").unwrap();
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout.contains("is not lsm's") && plan.stdout.contains("cannot tell which lnd"),
        "{}",
        plan.stdout
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    s.lsm(&["destroy", "--auto-approve"]).expect(5);
    assert_eq!(s.lnd_processes(), vec![pid]);
    std::fs::write(s.pidfile(), record).unwrap();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);

    // Anything on lnd's gRPC port (here: this test) blocks a start.
    s.lsm(&["destroy", "--auto-approve"]).expect(0);
    wait_until_gone(pid);
    let squatter = std::net::TcpListener::bind(("127.0.0.1", s.rpc_port)).expect("bind");
    let plan = s.lsm(&["plan"]).expect(5);
    assert!(
        plan.stdout
            .contains(&format!("pid {} (", std::process::id()))
            && plan
                .stdout
                .contains(&format!("listens on port {} (rpc.listen)", s.rpc_port)),
        "{}",
        plan.stdout
    );
    s.lsm(&["apply", "--auto-approve"]).expect(5);
    assert_eq!(s.lnd_processes(), Vec::<u32>::new());
    drop(squatter);
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_pidfile_naming_an_lnd_started_since_is_not_mistaken_for_lsms() {
    let s = Signer::native("");
    s.apply();
    let pid = s.lnd_pid();
    kill_9(pid);
    // Another lnd, the very same executable, now runs (elsewhere) and the
    // pidfile names its pid: only the start time tells them apart.
    let other = support::NativeDouble::start();
    let other_pid = other.pid().expect("pid");
    let mut record = pidfile_json(&s);
    record["pid"] = other_pid.into();
    std::fs::write(s.pidfile(), record.to_string()).unwrap();

    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert!(
        plan.stdout.contains(&format!(
            "lnd (pid {other_pid}) is gone; that pid now belongs to another process"
        )),
        "{}",
        plan.stdout
    );
    let destroy = s.lsm(&["destroy", "--auto-approve"]).expect(0);
    assert!(
        !destroy.stdout.contains("- process.signer"),
        "{}",
        destroy.stdout
    );
    s.apply();
    assert_ne!(s.lnd_pid(), other_pid);
    assert!(process_alive(other_pid), "lsm signalled another lnd");
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}

/// An lnd stuck shutting down is SIGKILLed once the grace is over (the
/// grace shortened through a test-build failpoint, not waited for).
#[cfg(feature = "failpoints")]
#[test]
fn an_lnd_that_does_not_stop_on_sigterm_is_killed() {
    let mut s = Signer::native("");
    use_wrapper(
        &mut s,
        "export LND_DOUBLE_HANG_ON_SHUTDOWN=1\nexec \"$LND\" \"$@\"",
    );
    s.apply();
    let pid = s.lnd_pid();
    let destroy = s
        .lsm_env(
            &["destroy", "--auto-approve"],
            &[("FAILPOINTS", "native::stop_grace_ms=return(300)")],
        )
        .expect(0);
    assert!(
        destroy.stderr.contains(&format!(
            "lnd (pid {pid}) did not stop within 0.3s of SIGTERM; sending SIGKILL"
        )),
        "{}",
        destroy.stderr
    );
    assert!(!process_alive(pid), "lnd survived destroy");
    let log = std::fs::read_to_string(s.secrets().join("signer-lnd.log")).unwrap();
    assert!(
        log.contains("Received shutdown request; LND_DOUBLE_HANG_ON_SHUTDOWN=1"),
        "SIGTERM came first:\n{log}"
    );
}

/// lnd that dies right after it opened the wallet, while apply waits for
/// it to become active (the double's startup stages slowed to 3 s each so
/// the window is wide): apply fails at once, saying lnd is not running,
/// instead of waiting out --timeout (180 s by default) as it did.
#[test]
fn lnd_dying_after_opening_the_wallet_fails_apply_at_once() {
    let mut s = Signer::native("");
    use_wrapper(
        &mut s,
        "export LND_DOUBLE_STARTUP_DELAY_MS=3000\nexec \"$LND\" \"$@\"",
    );
    let mut child = s
        .lsm_process(&["apply", "--auto-approve", "--timeout", "90"])
        .spawn()
        .expect("spawn lsm apply");
    let log = s.secrets().join("signer-lnd.log");
    // Until lnd logs "Opened wallet" (InitWallet answered, the unlock
    // done), or apply ends without getting there.
    loop {
        if std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Opened wallet")) {
            break;
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            let run = s.finish(child);
            panic!("apply ended ({status}) before lnd opened the wallet:\n{run:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    kill_9(s.lnd_pid());
    let run = s.finish(child).expect(1);
    assert!(
        run.stderr.contains("lnd is not running"),
        "apply did not notice lnd died:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("waiting for the signer"),
        "{}",
        run.stderr
    );
    // The next apply starts lnd again and converges.
    s.apply();
    s.lsm(&["plan", "--detailed-exitcode"]).expect(0);
}
