//! One writer per signer. `apply` and `destroy` hold an exclusive advisory
//! lock (flock) on `<state dir>/locks/<signer>.lock`; the kernel releases it
//! when the process dies, so a crash never leaves a stale lock behind. The
//! file also records who holds it, so the second writer can name the holder.

use crate::error::Failure;
use crate::exit::Exit;
use lsm_lnd::backoff::Backoff;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// lsm's state directory: `LSM_STATE_DIR`, else the XDG state dir
/// (`~/.local/state/lsm` on Linux).
pub(crate) fn state_dir() -> Result<PathBuf, Failure> {
    if let Some(d) = std::env::var_os("LSM_STATE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let dirs = directories::ProjectDirs::from("org", "lsm", "lsm").ok_or_else(|| {
        Failure::error("cannot find a home directory for lsm's state").hint("set LSM_STATE_DIR")
    })?;
    Ok(dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf())
}

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Holder {
    pub pid: u32,
    pub command: String,
    /// Unix seconds.
    pub since: u64,
}

/// A held lock; released on drop (and by the kernel if lsm dies).
#[derive(Debug)]
pub(crate) struct SignerLock {
    file: File,
}

impl SignerLock {
    /// Takes the lock for `signer`, waiting up to `wait` for another holder.
    pub(crate) fn acquire(
        signer: &str,
        command: &str,
        wait: Duration,
    ) -> Result<SignerLock, Failure> {
        let dir = state_dir()?.join("locks");
        crate::fsutil::ensure_dir(&dir, 0o700).map_err(|e| {
            Failure::error(format!(
                "cannot create lock directory {}: {e}",
                dir.display()
            ))
        })?;
        Self::acquire_at(&dir.join(format!("{signer}.lock")), signer, command, wait)
    }

    /// As [`acquire`](Self::acquire), at an explicit path.
    pub(crate) fn acquire_at(
        path: &Path,
        signer: &str,
        command: &str,
        wait: Duration,
    ) -> Result<SignerLock, Failure> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Failure::error(format!("cannot open lock {}: {e}", path.display())))?;
        let deadline = Instant::now() + wait;
        let mut backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(250));
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    // Bounded wait for the holder to finish; flock has no
                    // timeout of its own.
                    std::thread::sleep(
                        backoff
                            .next_delay()
                            .min(deadline.saturating_duration_since(Instant::now())),
                    );
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(held_error(path, signer, read_holder(&mut file)));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(Failure::error(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        let holder = Holder {
            pid: std::process::id(),
            command: command.to_string(),
            since: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        let record = serde_json::to_vec(&holder).unwrap_or_default();
        let written = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(&record))
            .and_then(|_| file.sync_data());
        if let Err(e) = written {
            return Err(Failure::error(format!(
                "cannot record the lock holder in {}: {e}",
                path.display()
            )));
        }
        Ok(SignerLock { file })
    }
}

impl Drop for SignerLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    serde_json::from_str(&s).ok()
}

fn held_error(path: &Path, signer: &str, holder: Option<Holder>) -> Failure {
    let who = match holder {
        Some(h) => format!(
            "pid {} (`{}`, for {}s)",
            h.pid,
            h.command,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs().saturating_sub(h.since))
                .unwrap_or(0)
        ),
        None => "another process".to_string(),
    };
    Failure::with_exit(
        Exit::LockHeld,
        format!(
            "signer \"{signer}\" is locked by {who} (lock file {})",
            path.display()
        ),
    )
    .hint("wait for that lsm to finish and run again; the lock is released automatically when it exits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_gets_exit_4_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.lock");
        let first = SignerLock::acquire_at(&p, "s", "lsm apply", Duration::ZERO).unwrap();
        let err =
            SignerLock::acquire_at(&p, "s", "lsm apply", Duration::from_millis(50)).unwrap_err();
        assert_eq!(err.exit, Exit::LockHeld);
        assert!(
            err.message.contains(&format!("pid {}", std::process::id())),
            "{}",
            err.message
        );
        assert!(err.message.contains("lsm apply"), "{}", err.message);
        drop(first);
        SignerLock::acquire_at(&p, "s", "lsm apply", Duration::ZERO).unwrap();
    }
}
