//! supervisor = "process": lsm starts lnd itself, detached (its own
//! session, stdin from /dev/null, stdout and stderr appended to
//! signer-lnd.log, none of lsm's other descriptors, a reduced environment),
//! so lnd outlives the lsm that started it and holds nothing of lsm's; and
//! stops it with SIGTERM, then SIGKILL after a deadline.
//!
//! Signals go through a pidfd opened *before* the identity check, so the
//! signal reaches exactly the process that was checked, even if it exits
//! and its pid is reused in between.

use super::Error;
use super::pidfile::Record;
use super::procfs;
use lsm_lnd::backoff::Backoff;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::time::Instant;

/// How long lnd may take to open its gRPC port after it was started.
pub(crate) const START_DEADLINE: Duration = Duration::from_secs(60);
/// How long lnd gets to shut down after SIGTERM before SIGKILL.
pub(crate) const STOP_DEADLINE: Duration = Duration::from_secs(30);

/// A log this large is moved to `<log>.1` when lnd next starts. lsm is not
/// a daemon, so this is the only moment it can rotate without touching a
/// running lnd's output; lnd keeps its own size-rotated logs in lnd_dir,
/// and this file (its console) is for startup failures.
pub(crate) const LOG_ROTATE_BYTES: u64 = 10 * 1024 * 1024;

/// Starts each run in lnd's log; a startup failure shows only the lines
/// after the last one.
pub(crate) const LOG_MARKER: &str = "lsm: starting ";

/// The grace between SIGTERM and SIGKILL. Test builds can shorten it
/// (`FAILPOINTS="native::stop_grace_ms=return(200)"`) so the SIGKILL path
/// is tested without waiting 30 s.
pub(crate) fn stop_grace() -> Duration {
    #[cfg(feature = "failpoints")]
    if let Some(Some(ms)) = fail::eval("native::stop_grace_ms", |arg| {
        arg.and_then(|a| a.parse::<u64>().ok())
    }) {
        return Duration::from_millis(ms);
    }
    STOP_DEADLINE
}

/// Whether lnd gets the variable `name` of lsm's environment: what any
/// program needs (PATH, HOME, the user, locale, time zone, temp dir) and
/// the Go runtime's own knobs. Everything else (a CI job's tokens, cloud
/// credentials) stays with lsm, and lnd runs alike whoever ran `lsm apply`
/// — as under systemd, which also starts lnd with a clean environment.
pub(crate) fn passes_to_lnd(name: &str) -> bool {
    matches!(
        name,
        "PATH"
            | "HOME"
            | "USER"
            | "LOGNAME"
            | "LANG"
            | "LANGUAGE"
            | "TZ"
            | "TMPDIR"
            | "GOMAXPROCS"
            | "GOMEMLIMIT"
            | "GOGC"
            | "GODEBUG"
            | "GOTRACEBACK"
    ) || name.starts_with("LC_")
}

/// Marks every descriptor above stderr close-on-exec, so lnd inherits none
/// of lsm's (`lsm apply 7>file`, a pipe a caller waits on for EOF). Marking
/// rather than closing keeps std's own exec-error pipe working. Runs
/// between fork and exec: raw syscalls only, no allocation.
fn cloexec_above_stderr() {
    // SAFETY: close_range(2) only sets a flag on this process's descriptors.
    let done = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    } == 0;
    if done {
        return;
    }
    // Before Linux 5.11: one by one, up to the descriptor limit (capped,
    // in case the limit is effectively infinite).
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(65_536)
        .min(1 << 20) as libc::c_int;
    for fd in 3..limit {
        // SAFETY: F_SETFD on a descriptor that is not open fails with EBADF
        // and changes nothing.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
}

/// Starts `exe args` detached, output appended to `log`. Returns the child
/// (the caller watches it through startup, then lets it go).
pub(crate) fn spawn(exe: &Path, args: &[String], log: &Path) -> Result<Child, Error> {
    if std::fs::metadata(log).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let mut old = log.as_os_str().to_owned();
        old.push(".1");
        std::fs::rename(log, &old).map_err(|source| Error::RotateLog {
            path: log.to_path_buf(),
            source,
        })?;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(log)
        .map_err(|source| Error::OpenLog {
            path: log.to_path_buf(),
            source,
        })?;
    // A marker, so the log shows where each start begins.
    let _ = writeln!(
        out,
        "{LOG_MARKER}{} {} (unix time {})",
        exe.display(),
        args.join(" "),
        crate::fsutil::unix_now()
    );
    let err = out.try_clone().map_err(|source| Error::OpenLog {
        path: log.to_path_buf(),
        source,
    })?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .env_clear()
        .envs(std::env::vars_os().filter(|(k, _)| k.to_str().is_some_and(passes_to_lnd)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .current_dir("/");
    // SAFETY: the closure runs in the child between fork and exec, after
    // std has set up stdin/stdout/stderr, and only makes async-signal-safe
    // system calls (setsid, close_range or fcntl); it allocates nothing and
    // touches no memory shared with the parent.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid().map_err(std::io::Error::from)?;
            cloexec_above_stderr();
            Ok(())
        });
    }
    cmd.spawn().map_err(|source| Error::Spawn {
        exe: exe.to_path_buf(),
        source,
    })
}

/// Kills a child lsm just started and reaps it, with everything it started
/// in its session (a wrapper's lnd): used when lsm cannot record it, so no
/// lnd outlives lsm unrecorded. The child is unreaped until the end, so
/// neither its pid nor its process group can have been reused.
pub(crate) fn abandon(mut child: Child) {
    let group = rustix::process::Pid::from_child(&child);
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits until lnd itself listens on its gRPC `port`, or fails as soon as
/// the process exits (with its status; the executor adds the log lines).
pub(crate) async fn wait_started(
    child: &mut Child,
    port: u16,
    deadline: Instant,
) -> Result<(), Error> {
    let mut backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(250));
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::ExitedDuringStartup { status });
        }
        if procfs::listens_on(child.id(), port) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::NotListening {
                pid: child.id(),
                port,
                secs: START_DEADLINE.as_secs(),
            });
        }
        // No event tells when a port opens: poll with backoff.
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// Opens a pidfd on the recorded process if /proc still shows exactly it.
fn open_verified(record: &Record) -> Result<Option<OwnedFd>, Error> {
    let Some(pid) = rustix::process::Pid::from_raw(record.pid as i32) else {
        return Ok(None);
    };
    let fd = match rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::SRCH) => return Ok(None),
        Err(source) => {
            return Err(Error::Pidfd {
                pid: record.pid,
                source,
            });
        }
    };
    let boot = procfs::boot_id();
    match procfs::read(record.pid) {
        Some(info) if record.describes(&info, boot.as_deref()) && !info.is_zombie() => Ok(Some(fd)),
        _ => Ok(None),
    }
}

/// Waits until the process behind `fd` exits (a pidfd becomes readable).
async fn exited(fd: &tokio::io::unix::AsyncFd<OwnedFd>, within: Duration) -> bool {
    tokio::time::timeout(within, fd.readable()).await.is_ok()
}

/// Stops the recorded lnd: SIGTERM, up to `grace` for it to exit, then
/// SIGKILL. A process that is not the recorded one is never signalled.
/// Returns false when there was nothing to stop.
pub(crate) async fn stop(record: &Record, grace: Duration) -> Result<bool, Error> {
    let Some(fd) = open_verified(record)? else {
        return Ok(false);
    };
    let signal =
        |fd: &OwnedFd, sig: rustix::process::Signal| match rustix::process::pidfd_send_signal(
            fd, sig,
        ) {
            Ok(()) | Err(rustix::io::Errno::SRCH) => Ok(()),
            Err(source) => Err(Error::Signal {
                pid: record.pid,
                source,
            }),
        };
    signal(&fd, rustix::process::Signal::TERM)?;
    // SAFETY: `fd` is an OwnedFd, valid and open for as long as the AsyncFd
    // that takes ownership of it lives.
    let fd = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
    }
    .map_err(|e| Error::Watch {
        pid: record.pid,
        source: e.into(),
    })?;
    if exited(&fd, grace).await {
        return Ok(true);
    }
    tracing::warn!(
        "lnd (pid {}) did not stop within {:.1}s of SIGTERM; sending SIGKILL",
        record.pid,
        grace.as_secs_f64()
    );
    signal(fd.get_ref(), rustix::process::Signal::KILL)?;
    if exited(&fd, Duration::from_secs(10)).await {
        Ok(true)
    } else {
        Err(Error::SurvivedKill { pid: record.pid })
    }
}
