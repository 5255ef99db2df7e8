//! The native runtime's throwaway lnd for a restore rehearsal: the
//! signer's own lnd binary (checked to be the pinned version, as for a
//! start), with its lnddir in a fresh 0700 temp directory — on /dev/shm,
//! a tmpfs, where there is one — that is removed with it, gRPC on a free
//! loopback port, no REST, no p2p listener, no chain backend. It runs in a
//! session of its own (so a wrapper script's lnd is stopped with it) and
//! dies with lsm (PR_SET_PDEATHSIG), so no throwaway lnd outlives a killed
//! lsm.

use super::Error;
use super::process::passes_to_lnd;
use crate::manifest::enums::Network;
use crate::runtime::{Throwaway, throwaway_lnd_flags};
use crate::signer::SignerAccess;
use lsm_lnd::backoff::Backoff;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::time::Instant;

/// How long the throwaway lnd may take to write tls.cert.
const START_DEADLINE: Duration = Duration::from_secs(120);
/// Its console output, inside its temp directory.
const LOG: &str = "rehearsal-lnd.log";

/// What removes a throwaway lnd: the process and its lnddir.
pub(crate) struct Handle {
    pub(super) child: std::process::Child,
    /// Its lnddir; removed when dropped.
    pub(super) dir: tempfile::TempDir,
}

/// Starts `exe` as the throwaway lnd for `network`.
pub(crate) async fn start(
    exe: &Path,
    network: Network,
) -> Result<Throwaway<Handle>, crate::runtime::Error> {
    let dir = private_dir()?;
    // From here on a Ctrl-C stops lnd (once started) and removes its
    // directory (with the wallet it may hold by then) before lsm exits.
    let started: Started = Default::default();
    let on_interrupt = cleanup_on_interrupt(&started, dir.path());
    let port = free_port()?;
    let mut args = vec![format!("--lnddir={}", dir.path().display())];
    args.extend(throwaway_lnd_flags(network, &format!("127.0.0.1:{port}")));
    let mut child = spawn(exe, &args, dir.path())?;
    *started.lock().unwrap_or_else(|e| e.into_inner()) = Some(child.id());
    let cert = wait_for_cert(&mut child, dir.path()).await?;
    Ok(Throwaway {
        access: SignerAccess {
            addr: format!("127.0.0.1:{port}"),
            tls_cert_pem: cert,
            admin_macaroon: None,
        },
        what: format!(
            "{} with its data in {} (removed afterwards), gRPC on 127.0.0.1:{port} only",
            exe.display(),
            dir.path().display()
        ),
        handle: Handle { child, dir },
        on_interrupt,
    })
}

/// The pid of the throwaway lnd once it is spawned, for the interrupt
/// handler.
type Started = std::sync::Arc<std::sync::Mutex<Option<u32>>>;

/// A fresh 0700 temp directory for lnd's data: on /dev/shm (a tmpfs, so
/// the rehearsal's wallet never reaches a disk) where there is one.
fn private_dir() -> Result<tempfile::TempDir, Error> {
    let parent = ["/dev/shm"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_dir() && tempfile::Builder::new().tempfile_in(p).is_ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("lsm-rehearsal-")
        .tempdir_in(&parent)
        .map_err(|source| Error::TempDir {
            parent: parent.clone(),
            source,
        })?;
    // tempfile makes it 0700 already; be explicit.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .map_err(|source| Error::Chmod {
        path: dir.path().to_path_buf(),
        source,
    })?;
    Ok(dir)
}

/// On Ctrl-C: kill the throwaway lnd's session (once `started` names it)
/// and remove `dir`, with the wallet it may hold by then.
fn cleanup_on_interrupt(started: &Started, dir: &Path) -> crate::interrupt::Guard {
    let (started, path) = (started.clone(), dir.to_path_buf());
    crate::interrupt::on_interrupt(
        format!("the restore rehearsal's lnd and {}", path.display()),
        move || async move {
            let pid = *started.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(pid) = pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            let _ = std::fs::remove_dir_all(&path);
        },
    )
}

/// Spawns lnd with only the environment it needs, its console output in
/// `dir`, in a session of its own that dies with lsm.
fn spawn(exe: &Path, args: &[String], dir: &Path) -> Result<std::process::Child, Error> {
    let log = std::fs::File::create(dir.join(LOG)).map_err(Error::RehearsalLog)?;
    let err = log.try_clone().map_err(Error::RehearsalLog)?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .env_clear()
        .envs(std::env::vars_os().filter(|(k, _)| k.to_str().is_some_and(passes_to_lnd)))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .current_dir("/");
    // SAFETY: runs in the child between fork and exec and makes only
    // async-signal-safe system calls (setsid, prctl); it allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid().map_err(std::io::Error::from)?;
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().map_err(|source| Error::Spawn {
        exe: exe.to_path_buf(),
        source,
    })
}

/// Waits for lnd's tls.cert in `dir`: the sign it is ready to dial. Fails
/// at once if lnd exits (with its last log lines), and kills it at the
/// deadline.
async fn wait_for_cert(
    child: &mut std::process::Child,
    dir: &Path,
) -> Result<Vec<u8>, crate::runtime::Error> {
    let cert_path = dir.join("tls.cert");
    let deadline = Instant::now() + START_DEADLINE;
    let mut backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(250));
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            // The header shows even when the log is empty: lnd said nothing.
            return Err(crate::runtime::Error::NoStart {
                cause: Box::new(Error::ThrowawayExited { status }.into()),
                logs: crate::runtime::LndLogs(tail(&dir.join(LOG))),
            });
        }
        // lnd writes the key and then the certificate; a complete PEM ends
        // with its END line.
        if let Ok(pem) = std::fs::read(&cert_path)
            && pem.ends_with(b"-----END CERTIFICATE-----\n")
        {
            return Ok(pem);
        }
        if Instant::now() >= deadline {
            kill(child);
            return Err(Error::ThrowawayNoCert {
                secs: START_DEADLINE.as_secs(),
            }
            .into());
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// Stops the throwaway lnd (its whole session) and removes its directory.
pub(crate) fn remove(mut child: std::process::Child, dir: tempfile::TempDir) -> Result<(), Error> {
    kill(&mut child);
    let path = dir.path().to_path_buf();
    dir.close()
        .map_err(|source| Error::ThrowawayDirLeft { path, source })
}

/// SIGKILLs the child's session and reaps the child.
fn kill(child: &mut std::process::Child) {
    let group = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16, Error> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(Error::NoFreePort)?;
    l.local_addr().map(|a| a.port()).map_err(Error::NoFreePort)
}

/// The last lines of the throwaway lnd's log, for a failure report.
fn tail(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}
