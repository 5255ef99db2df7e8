//! lsm's record of the lnd it started: a pidfile in lsm's state directory
//! holding the pid and the process's identity (start time, boot id), what
//! lsm executed and with which arguments, and — once lnd was up — the
//! executable and command line /proc showed, plus the config lnd read.
//!
//! A pid alone is not an identity: after lnd dies the kernel may hand the
//! same pid to any program. A pid with the same start time in the same boot
//! is the same process, and exec keeps both: so the record is written right
//! after the spawn (a crash of lsm then still leaves lnd known) and
//! completed once lnd is up, when a wrapper script (`exec lnd "$@"`) has
//! become lnd. [`observe`] trusts the record only while /proc still shows
//! the very same process, so lsm never signals a stranger.

use super::Error;
use super::procfs::{self, ProcInfo};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What lsm recorded when it started lnd.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub pid: u32,
    /// Clock ticks after boot, from /proc/<pid>/stat.
    pub start_time: u64,
    pub boot_id: String,
    /// What lsm executed: lnd_path with symlinks resolved (lnd itself, or a
    /// wrapper script that execs it). `None` in records of older lsm
    /// versions, which executed [`Record::exe`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launcher: Option<PathBuf>,
    /// [`super::binary::stamp`] of the launcher when lsm started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launcher_stamp: Option<String>,
    /// The arguments lsm passed (after the program).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// The executable /proc showed once lnd was up; `None` while startup
    /// was not confirmed (lsm stopped in between).
    pub exe: Option<PathBuf>,
    /// The command line /proc showed once lnd was up.
    pub argv: Vec<String>,
    /// sha256 of the lnd.conf lnd was started with.
    pub conf_sha256: String,
    /// `host:port` lsm dials while this lnd runs.
    pub dial: String,
    /// Unix seconds.
    pub started_at: u64,
}

/// How lsm started a process: what it executed, with which arguments and
/// config, and where it dials it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Launch<'a> {
    pub launcher: &'a Path,
    pub launcher_stamp: Option<&'a str>,
    pub args: &'a [String],
    pub conf_sha256: &'a str,
    pub dial: &'a str,
}

impl Record {
    /// The record of `info`, a process lsm has just started as `launch`
    /// (it may still be a wrapper about to exec lnd).
    pub(crate) fn spawned(info: &ProcInfo, launch: Launch<'_>) -> Record {
        Record {
            pid: info.pid,
            start_time: info.start_time,
            boot_id: procfs::boot_id().unwrap_or_default(),
            launcher: Some(launch.launcher.to_path_buf()),
            launcher_stamp: launch.launcher_stamp.map(str::to_string),
            args: Some(launch.args.to_vec()),
            exe: None,
            argv: Vec::new(),
            conf_sha256: launch.conf_sha256.to_string(),
            dial: launch.dial.to_string(),
            started_at: crate::fsutil::unix_now(),
        }
    }

    /// The record completed with what runs now that lnd is up (`info`, the
    /// same process: lsm's unreaped child or systemd's MainPID).
    pub(crate) fn confirmed(mut self, info: &ProcInfo) -> Result<Record, Error> {
        if info.pid != self.pid || info.start_time != self.start_time {
            return Err(Error::NotOurProcess { pid: info.pid });
        }
        let exe = info
            .exe
            .clone()
            .ok_or(Error::ExeUnreadable { pid: info.pid })?;
        self.exe = Some(exe);
        self.argv = info.argv.clone();
        Ok(self)
    }

    /// What lsm executed (older records: the executable /proc showed).
    pub(crate) fn launcher(&self) -> Option<&Path> {
        self.launcher.as_deref().or(self.exe.as_deref())
    }

    /// The arguments lsm passed (older records: those /proc showed).
    pub(crate) fn args(&self) -> &[String] {
        match &self.args {
            Some(a) => a,
            None => self.argv.get(1..).unwrap_or_default(),
        }
    }

    /// Whether `info` is the process this record describes: the same pid,
    /// start time and boot, and once lnd was confirmed up, the same
    /// executable and command line (lnd never execs again).
    pub(crate) fn describes(&self, info: &ProcInfo, boot_id: Option<&str>) -> bool {
        let same = info.pid == self.pid
            && info.start_time == self.start_time
            && boot_id.unwrap_or_default() == self.boot_id;
        same && match &self.exe {
            Some(exe) => info.exe.as_deref() == Some(exe.as_path()) && info.argv == self.argv,
            None => true,
        }
    }
}

/// The recorded lnd, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProcessState {
    /// No record: lsm has not started lnd here (or destroy stopped it).
    NotStarted,
    /// The recorded process runs; `now` is what /proc shows of it (its
    /// executable may have been replaced on disk since).
    Running { record: Record, now: ProcInfo },
    /// The recorded process is gone (or an unreaped zombie).
    Exited { record: Record },
    /// The recorded pid now belongs to another process: never touched.
    PidReused { record: Record, now: String },
    /// The pidfile exists but cannot be read or parsed.
    Unreadable { reason: String },
}

impl ProcessState {
    pub(crate) fn running(&self) -> Option<&Record> {
        match self {
            ProcessState::Running { record, .. } => Some(record),
            _ => None,
        }
    }

    /// The record, whatever became of its process.
    pub(crate) fn record(&self) -> Option<&Record> {
        match self {
            ProcessState::Running { record, .. }
            | ProcessState::Exited { record }
            | ProcessState::PidReused { record, .. } => Some(record),
            ProcessState::NotStarted | ProcessState::Unreadable { .. } => None,
        }
    }

    /// Why lnd is not running, for plans and status; `None` while it runs.
    pub(crate) fn why_not_running(&self) -> Option<String> {
        match self {
            ProcessState::Running { .. } => None,
            ProcessState::NotStarted => Some("lsm has not started lnd".into()),
            ProcessState::Exited { record } => Some(format!(
                "lnd (pid {}) is no longer running: it exited, or was killed outside lsm",
                record.pid
            )),
            ProcessState::PidReused { record, now } => Some(format!(
                "lnd (pid {}) is gone; that pid now belongs to another process ({now}, started \
                 since), which lsm leaves alone",
                record.pid
            )),
            ProcessState::Unreadable { reason } => Some(reason.clone()),
        }
    }
}

/// Why lsm's record of lnd cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// A file where a directory on the pidfile's path should be.
    #[error(
        "{} is not a directory, so lsm can neither read nor write lnd's pidfile {}",
        file.display(),
        path.display()
    )]
    NotADirectory { file: PathBuf, path: PathBuf },
    #[error("cannot read the pidfile {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not a record lsm wrote. The parser's complaint is in parentheses,
    /// so it is rendered here, not as a `#[source]`.
    #[error("the pidfile {} is not lsm's ({cause})", path.display())]
    NotLsms {
        path: PathBuf,
        cause: serde_json::Error,
    },
}

/// Reads the record; `Ok(None)` when there is none.
pub(crate) fn read(path: &Path) -> Result<Option<Record>, ReadError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            let file = path
                .ancestors()
                .skip(1)
                .find(|a| a.exists())
                .unwrap_or(path);
            return Err(ReadError::NotADirectory {
                file: file.to_path_buf(),
                path: path.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(ReadError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|cause| ReadError::NotLsms {
            path: path.to_path_buf(),
            cause,
        })
}

/// Reads the record and checks it against /proc.
pub(crate) fn observe(path: &Path) -> ProcessState {
    let record = match read(path) {
        Ok(Some(r)) => r,
        Ok(None) => return ProcessState::NotStarted,
        Err(e) => {
            return ProcessState::Unreadable {
                reason: crate::error::chain(&e),
            };
        }
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
    ProcessState::Running { record, now: info }
}

/// Makes sure the pidfile's directory exists (0700) and is one, before
/// lnd is started: a record that cannot be written must stop the start.
pub(crate) fn prepare(path: &Path) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::fsutil::ensure_dir(dir, 0o700)
        .map(|_| ())
        .map_err(|cause| Error::StateDir {
            dir: dir.to_path_buf(),
            cause,
        })
}

/// Writes the record atomically (0600, in a 0700 directory).
pub(crate) fn write(path: &Path, record: &Record) -> Result<(), Error> {
    prepare(path)?;
    let cannot = |source| Error::WritePidfile {
        path: path.to_path_buf(),
        source,
    };
    // Test builds: FAILPOINTS="native::pidfile_write=return".
    #[cfg(feature = "failpoints")]
    fail::fail_point!("native::pidfile_write", |_| Err(cannot(
        std::io::Error::other("injected failure")
    )));
    let text = serde_json::to_vec_pretty(record).unwrap_or_default();
    crate::fsutil::atomic_write(path, &text, 0o600, crate::fsutil::Existing::Replace)
        .map_err(cannot)
}

/// Removes the record (lnd was stopped on purpose).
pub(crate) fn remove(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::RemovePidfile {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_of_self() -> Record {
        let me = procfs::read(std::process::id()).unwrap();
        let launch = Launch {
            launcher: Path::new("/usr/bin/lnd-wrapper"),
            launcher_stamp: None,
            args: &[],
            conf_sha256: "abc",
            dial: "127.0.0.1:1",
        };
        Record::spawned(&me, launch).confirmed(&me).unwrap()
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

    #[test]
    fn a_record_before_exec_is_trusted_by_identity_and_completed_after() {
        let me = procfs::read(std::process::id()).unwrap();
        let boot = procfs::boot_id();
        let launch = Launch {
            launcher: Path::new("/nix/store/x-lnd/bin/lnd"),
            launcher_stamp: Some("1:2:3:4"),
            args: &["--lnddir=/srv/lnd".to_string()],
            conf_sha256: "abc",
            dial: "127.0.0.1:1",
        };
        // Written while a wrapper still runs: /proc shows a shell, later lnd.
        let spawned = Record::spawned(&me, launch);
        let mut shell = me.clone();
        shell.exe = Some("/bin/sh".into());
        shell.argv = vec!["/bin/sh".into(), "/nix/store/x-lnd/bin/lnd".into()];
        assert!(spawned.describes(&shell, boot.as_deref()));
        assert!(spawned.describes(&me, boot.as_deref()));
        let mut later = me.clone();
        later.start_time += 1;
        assert!(!spawned.describes(&later, boot.as_deref()));

        // Once lnd is up, what runs is pinned: a different program or
        // command line under the same pid and start time is not it.
        let confirmed = spawned.clone().confirmed(&me).unwrap();
        assert!(confirmed.describes(&me, boot.as_deref()));
        assert!(!confirmed.describes(&shell, boot.as_deref()));
        assert_eq!(
            confirmed.launcher(),
            Some(Path::new("/nix/store/x-lnd/bin/lnd"))
        );
        assert_eq!(confirmed.args(), ["--lnddir=/srv/lnd"]);
        assert!(spawned.confirmed(&later).is_err());
    }

    #[test]
    fn records_of_older_versions_still_read() {
        let old = r#"{"pid": 7, "start_time": 9, "boot_id": "b", "exe": "/usr/bin/lnd",
            "argv": ["/usr/bin/lnd", "--lnddir=/x"], "conf_sha256": "c", "dial": "d",
            "started_at": 0}"#;
        let r: Record = serde_json::from_str(old).unwrap();
        assert_eq!(r.launcher(), Some(Path::new("/usr/bin/lnd")));
        assert_eq!(r.args(), ["--lnddir=/x"]);
    }

    #[test]
    fn a_state_dir_that_is_a_file_is_refused_before_lnd_starts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("native"), "").unwrap();
        let err = prepare(&dir.path().join("native/s.pid")).unwrap_err();
        assert!(matches!(err, Error::StateDir { .. }), "{err:?}");
        assert!(err.to_string().ends_with("; lnd was not started"), "{err}");
    }
}
