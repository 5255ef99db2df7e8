//! lsm's record of the lnd it started: a pidfile in lsm's state directory
//! holding the pid *and* the identity /proc gave right after exec (start
//! time, boot id, executable, command line), plus the config lnd read.
//!
//! A pid alone is not an identity: after lnd dies the kernel may hand the
//! same pid to any program. [`observe`] trusts the record only while /proc
//! still shows the very same process, so lsm never signals a stranger.

use super::procfs::{self, ProcInfo};
use crate::error::Failure;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What lsm recorded when it started lnd.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub pid: u32,
    /// Clock ticks after boot, from /proc/<pid>/stat.
    pub start_time: u64,
    pub boot_id: String,
    /// The executable /proc showed (symlinks resolved).
    pub exe: PathBuf,
    pub argv: Vec<String>,
    /// sha256 of the lnd.conf lnd was started with.
    pub conf_sha256: String,
    /// `host:port` lsm dials while this lnd runs.
    pub dial: String,
    /// Unix seconds.
    pub started_at: u64,
}

impl Record {
    /// The record of `info`, a process lsm just started.
    pub fn of(info: &ProcInfo, conf_sha256: &str, dial: &str) -> Result<Record, Failure> {
        let exe = info.exe.clone().ok_or_else(|| {
            Failure::error(format!(
                "cannot read /proc/{}/exe of the lnd lsm just started",
                info.pid
            ))
        })?;
        Ok(Record {
            pid: info.pid,
            start_time: info.start_time,
            boot_id: procfs::boot_id().unwrap_or_default(),
            exe,
            argv: info.argv.clone(),
            conf_sha256: conf_sha256.to_string(),
            dial: dial.to_string(),
            started_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        })
    }

    /// Whether `info` is the process this record describes.
    pub fn describes(&self, info: &ProcInfo, boot_id: Option<&str>) -> bool {
        info.pid == self.pid
            && info.start_time == self.start_time
            && boot_id.unwrap_or_default() == self.boot_id
            && info.exe.as_deref() == Some(self.exe.as_path())
            && info.argv == self.argv
    }
}

/// The recorded lnd, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessState {
    /// No record: lsm has not started lnd here (or destroy stopped it).
    NotStarted,
    /// The recorded process runs. `exe_replaced`: its binary was replaced
    /// or removed on disk since it started.
    Running { record: Record, exe_replaced: bool },
    /// The recorded process is gone (or an unreaped zombie).
    Exited { record: Record },
    /// The recorded pid now belongs to another process: never touched.
    PidReused { record: Record, now: String },
    /// The pidfile exists but cannot be read or parsed.
    Unreadable { reason: String },
}

impl ProcessState {
    pub fn running(&self) -> Option<&Record> {
        match self {
            ProcessState::Running { record, .. } => Some(record),
            _ => None,
        }
    }

    /// The record, whatever became of its process.
    pub fn record(&self) -> Option<&Record> {
        match self {
            ProcessState::Running { record, .. }
            | ProcessState::Exited { record }
            | ProcessState::PidReused { record, .. } => Some(record),
            ProcessState::NotStarted | ProcessState::Unreadable { .. } => None,
        }
    }

    /// Why lnd is not running, for plans and status; `None` while it runs.
    pub fn why_not_running(&self) -> Option<String> {
        match self {
            ProcessState::Running { .. } => None,
            ProcessState::NotStarted => Some("lsm has not started lnd".into()),
            ProcessState::Exited { record } => Some(format!(
                "lnd (pid {}) is no longer running: it exited, or was killed outside lsm",
                record.pid
            )),
            ProcessState::PidReused { record, now } => Some(format!(
                "lnd (pid {}) is gone; that pid now belongs to another program ({now}), which lsm \
                 leaves alone",
                record.pid
            )),
            ProcessState::Unreadable { reason } => Some(reason.clone()),
        }
    }
}

/// Reads the record; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<Record>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the pidfile {}: {e}", path.display())),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("the pidfile {} is not lsm's ({e})", path.display()))
}

/// Reads the record and checks it against /proc.
pub fn observe(path: &Path) -> ProcessState {
    let record = match read(path) {
        Ok(Some(r)) => r,
        Ok(None) => return ProcessState::NotStarted,
        Err(reason) => return ProcessState::Unreadable { reason },
    };
    let Some(info) = procfs::read(record.pid) else {
        return ProcessState::Exited { record };
    };
    let boot = procfs::boot_id();
    // A zombie keeps its pid and start time but shows no executable or
    // command line: it is the recorded lnd, exited and not yet reaped.
    if info.is_zombie()
        && info.start_time == record.start_time
        && boot.as_deref().unwrap_or_default() == record.boot_id
    {
        return ProcessState::Exited { record };
    }
    if !record.describes(&info, boot.as_deref()) {
        let now = info
            .exe
            .as_ref()
            .map(|e| e.display().to_string())
            .unwrap_or_else(|| info.comm.clone());
        return ProcessState::PidReused { record, now };
    }
    ProcessState::Running {
        exe_replaced: info.exe_deleted,
        record,
    }
}

/// Writes the record atomically (0600, in a 0700 directory).
pub fn write(path: &Path, record: &Record) -> Result<(), Failure> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::fsutil::ensure_dir(dir, 0o700)
        .map_err(|e| Failure::error(format!("cannot create {}: {e}", dir.display())))?;
    let text = serde_json::to_vec_pretty(record).unwrap_or_default();
    crate::fsutil::atomic_write(path, &text, 0o600, crate::fsutil::Existing::Replace)
        .map_err(|e| Failure::error(format!("cannot write the pidfile {}: {e}", path.display())))
}

/// Removes the record (lnd was stopped on purpose).
pub fn remove(path: &Path) -> Result<(), Failure> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure::error(format!(
            "cannot remove the pidfile {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_of_self() -> Record {
        let me = procfs::read(std::process::id()).unwrap();
        Record::of(&me, "abc", "127.0.0.1:1").unwrap()
    }

    #[test]
    fn a_live_record_is_running_and_a_changed_one_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/native/s.pid");
        assert_eq!(observe(&path), ProcessState::NotStarted);
        let rec = record_of_self();
        write(&path, &rec).unwrap();
        assert_eq!(crate::fsutil::mode_of(&path), Some(0o600));
        assert!(matches!(observe(&path), ProcessState::Running { .. }));

        // Same pid, another start time: the pid was reused.
        let mut other = rec.clone();
        other.start_time += 1;
        write(&path, &other).unwrap();
        assert!(matches!(observe(&path), ProcessState::PidReused { .. }));

        // Another boot.
        let mut other = rec.clone();
        other.boot_id = "another-boot".into();
        write(&path, &other).unwrap();
        assert!(matches!(observe(&path), ProcessState::PidReused { .. }));

        // A pid that does not exist (beyond pid_max).
        let mut gone = rec;
        gone.pid = u32::MAX - 1;
        write(&path, &gone).unwrap();
        assert!(matches!(observe(&path), ProcessState::Exited { .. }));

        std::fs::write(&path, "4242\n").unwrap();
        assert!(matches!(observe(&path), ProcessState::Unreadable { .. }));
        remove(&path).unwrap();
        remove(&path).unwrap();
        assert_eq!(observe(&path), ProcessState::NotStarted);
    }
}
