//! One writer per signer. `apply` and `destroy` hold an exclusive advisory
//! lock (flock) on `<state dir>/locks/<signer>.lock`; the kernel releases it
//! when the process dies, so a crash never leaves a stale lock behind. The
//! file also records who holds it, so the second writer can name the holder.

use super::Error;
use lsm_lnd::backoff::Backoff;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// lsm's state directory: `LSM_STATE_DIR`, else the XDG state dir
/// (`~/.local/state/lsm` on Linux).
pub(crate) fn state_dir() -> Result<PathBuf, Error> {
    if let Some(d) = std::env::var_os("LSM_STATE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let dirs = directories::ProjectDirs::from("org", "lsm", "lsm").ok_or(Error::NoStateDir)?;
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
    ) -> Result<SignerLock, Error> {
        let dir = state_dir()?.join("locks");
        if let Err(source) = crate::fsutil::ensure_dir(&dir, 0o700) {
            return Err(Error::LockDir { dir, source });
        }
        Self::acquire_at(&dir.join(format!("{signer}.lock")), signer, command, wait)
    }

    /// As [`acquire`](Self::acquire), at an explicit path.
    pub(crate) fn acquire_at(
        path: &Path,
        signer: &str,
        command: &str,
        wait: Duration,
    ) -> Result<SignerLock, Error> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|source| Error::OpenLock {
                path: path.to_path_buf(),
                source,
            })?;
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
                Err(TryLockError::Error(source)) => {
                    return Err(Error::Lock {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            }
        }
        let holder = Holder {
            pid: std::process::id(),
            command: command.to_string(),
            since: crate::fsutil::unix_now(),
        };
        let record = serde_json::to_vec(&holder).unwrap_or_default();
        let written = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(&record))
            .and_then(|_| file.sync_data());
        if let Err(source) = written {
            return Err(Error::RecordHolder {
                path: path.to_path_buf(),
                source,
            });
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

fn held_error(path: &Path, signer: &str, holder: Option<Holder>) -> Error {
    let held_secs = holder
        .as_ref()
        .map_or(0, |h| crate::fsutil::unix_now().saturating_sub(h.since));
    Error::LockHeld {
        signer: signer.to_string(),
        path: path.to_path_buf(),
        holder,
        held_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.lock");
        let first = SignerLock::acquire_at(&p, "s", "lsm apply", Duration::ZERO).unwrap();
        let err =
            SignerLock::acquire_at(&p, "s", "lsm apply", Duration::from_millis(50)).unwrap_err();
        assert!(matches!(err, Error::LockHeld { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("lsm apply"), "{message}");
        drop(first);
        SignerLock::acquire_at(&p, "s", "lsm apply", Duration::ZERO).unwrap();
    }
}
