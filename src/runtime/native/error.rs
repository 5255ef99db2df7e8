//! What goes wrong in the native runtime. The CLI edge
//! (`cli::failure::runtime`) decides the exit code and the hints.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// A native runtime failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A secret file (a signer credential copy, the admin macaroon) could
    /// not be read.
    #[error(transparent)]
    Secrets(#[from] crate::secrets::Error),
    /// The secrets directory could not be prepared.
    #[error(transparent)]
    Wallet(#[from] crate::wallet::Error),
    /// lsm's own bug: a manifest without `[native]` reached this runtime.
    #[error("internal: the native runtime was given a non-native manifest")]
    NotNativeManifest,
    /// A path lsm writes into lnd.conf or the unit, one per line.
    #[error("`{key}` ({}) contains a line break or control character", path.display())]
    ControlInPath { key: &'static str, path: PathBuf },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: crate::regular_file::ReadError,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The systemd unit could not be written (usually: not root).
    #[error("cannot write {}", path.display())]
    WriteUnit {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot remove {}", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot create {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The binary is not the pinned lnd version (a protection: lsm never
    /// starts another version).
    #[error(
        "{} reports \"{version_line}\", not lnd {expected}; lsm did not start it",
        path.display()
    )]
    WrongVersion {
        path: PathBuf,
        version_line: String,
        expected: String,
    },
    /// The binary is missing or cannot run; `reason` says why.
    #[error("cannot start lnd: {reason}")]
    BinaryUnusable { reason: String },
    /// lsm's own bug: a binary that passed the check has no path.
    #[error("internal: a checked lnd binary has no path")]
    NoBinaryPath,
    #[error("cannot read /proc/{pid} of the lnd lsm started")]
    ProcUnreadable { pid: u32 },
    /// lnd was started but could not be recorded, so lsm stopped it again.
    #[error(transparent)]
    NotRecorded(Box<Error>),
    /// systemd gave up on the unit after lsm started it; `why` is its state.
    #[error("{unit} {why}, after starting it")]
    UnitGaveUp { unit: String, why: String },
    #[error("{unit} did not become active within {secs}s (it is {state})")]
    UnitNotActive {
        unit: String,
        secs: u64,
        state: String,
    },
    // process.rs
    #[error("cannot rotate lnd's log {}", path.display())]
    RotateLog {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot open lnd's log {}", path.display())]
    OpenLog {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start {}", exe.display())]
    Spawn {
        exe: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("lnd exited during startup ({status})")]
    ExitedDuringStartup { status: ExitStatus },
    /// lnd's process runs but does not listen (often a wrapper script that
    /// does not exec lnd).
    #[error("lnd (pid {pid}) did not listen on its gRPC port {port} within {secs}s")]
    NotListening { pid: u32, port: u16, secs: u64 },
    /// No pidfd: the kernel is older than 5.3.
    #[error("cannot open a pidfd on lnd (pid {pid})")]
    Pidfd {
        pid: u32,
        #[source]
        source: rustix::io::Errno,
    },
    #[error("cannot signal lnd (pid {pid})")]
    Signal {
        pid: u32,
        #[source]
        source: rustix::io::Errno,
    },
    #[error("cannot watch lnd (pid {pid})")]
    Watch {
        pid: u32,
        #[source]
        source: io::Error,
    },
    #[error("lnd (pid {pid}) is still running after SIGKILL")]
    SurvivedKill { pid: u32 },
    // pidfile.rs
    /// lsm's own bug: the process confirmed is not the one recorded.
    #[error("internal: lnd (pid {pid}) is not the process lsm started")]
    NotOurProcess { pid: u32 },
    #[error("cannot read /proc/{pid}/exe of the lnd lsm just started")]
    ExeUnreadable { pid: u32 },
    /// The state directory cannot hold the pidfile, so lnd is not started.
    /// The cause sits mid-sentence, so it is rendered here, not as a
    /// `#[source]`.
    #[error("cannot create {} for lnd's pidfile: {cause}; lnd was not started", dir.display())]
    StateDir { dir: PathBuf, cause: io::Error },
    #[error("cannot write the pidfile {}", path.display())]
    WritePidfile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot remove the pidfile {}", path.display())]
    RemovePidfile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    ReadPidfile(#[from] super::pidfile::ReadError),
    // systemd.rs
    /// systemd is not this host's init system.
    #[error("{}; nothing was changed", super::systemd::NOT_BOOTED)]
    NotBooted,
    #[error("cannot run {command}")]
    Systemctl {
        command: String,
        #[source]
        source: io::Error,
    },
    #[error("{command} did not finish within {secs}s")]
    SystemctlTimeout { command: String, secs: u64 },
    #[error("{command} failed ({status}): {stderr}")]
    SystemctlFailed {
        command: String,
        status: ExitStatus,
        stderr: String,
    },
    // throwaway.rs
    #[error("cannot create a temp directory in {}", parent.display())]
    TempDir {
        parent: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot chmod {}", path.display())]
    Chmod {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot create the rehearsal's log")]
    RehearsalLog(#[source] io::Error),
    #[error("the throwaway lnd exited before it was ready ({status})")]
    ThrowawayExited { status: ExitStatus },
    #[error("the throwaway lnd did not write its tls.cert within {secs}s")]
    ThrowawayNoCert { secs: u64 },
    /// The throwaway lnd stopped, but its directory (with the rehearsal's
    /// wallet) is still there.
    #[error(
        "the throwaway lnd stopped, but its directory {} could not be removed",
        path.display()
    )]
    ThrowawayDirLeft {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot find a free loopback port")]
    NoFreePort(#[source] io::Error),
}
