//! What the native runtime sees: the lnd binary and its version, lnd_dir,
//! the config file lsm renders, lnd's certificate and admin macaroon, and
//! the process — through lsm's pidfile and /proc for supervisor = "process",
//! through systemctl (plus the unit file) for supervisor = "systemd".

use super::binary::Binary;
use super::foreign::Foreign;
use super::pidfile::{ProcessState, Record};
use super::procfs::ProcInfo;
use super::systemd::ServiceState;
use crate::runtime::{Condition, Observation};
use crate::secrets::SecretBytes;
use crate::signer::SignerAccess;
use serde_json::json;

/// The unit under supervisor = "systemd".
#[derive(Debug, Clone)]
pub(crate) struct ObservedUnit {
    pub name: String,
    /// The installed unit file, if any.
    pub file: Option<String>,
    /// The unit lsm would install for the binary found (None while the
    /// binary is unusable).
    pub desired: Option<String>,
    /// systemd's view; `Err` says why it is unknown (systemd not running).
    pub service: Result<ServiceState, String>,
    /// /proc's view of the unit's MainPID while it runs (what executable
    /// runs, and whether it was replaced on disk since).
    pub main: Option<ProcInfo>,
}

/// The native runtime's observation.
#[derive(Debug, Clone)]
pub(crate) struct NativeObservation {
    pub binary: Binary,
    pub lnd_dir_exists: bool,
    /// signer-lnd.conf on disk.
    pub conf: Option<Vec<u8>>,
    /// A watch-only node's signer credentials on disk, as sha256 by path
    /// (None: absent or unreadable).
    pub signer_files: Vec<(std::path::PathBuf, Option<String>)>,
    pub tls_cert: Option<Vec<u8>>,
    pub admin_macaroon: Option<SecretBytes>,
    /// The pidfile checked against /proc.
    pub process: ProcessState,
    /// Only with supervisor = "systemd".
    pub unit: Option<ObservedUnit>,
    /// Processes in the signer's place that lsm did not start.
    pub foreign: Vec<Foreign>,
    /// `host:port` lsm dials: what the running lnd was started with, else
    /// the manifest's bind.
    pub dial: String,
}

impl NativeObservation {
    /// Whether lnd runs, and why not.
    pub(crate) fn running(&self) -> Result<(), String> {
        match &self.unit {
            None => match self.process.why_not_running() {
                None => Ok(()),
                Some(why) => Err(why),
            },
            Some(u) => match &u.service {
                Ok(s) if s.is_active() => Ok(()),
                Ok(s) if s.load == "not-found" => Err(format!("{} is not installed", u.name)),
                Ok(s) => Err(format!("{} is {} ({})", u.name, s.active, s.sub)),
                Err(why) => Err(why.clone()),
            },
        }
    }

    /// The record of the lnd lsm last started, whatever became of it.
    pub(crate) fn record(&self) -> Option<&Record> {
        self.process.record()
    }

    fn pid(&self) -> Option<u32> {
        match &self.unit {
            None => self.process.running().map(|r| r.pid),
            Some(u) => u
                .service
                .as_ref()
                .ok()
                .filter(|s| s.is_active() && s.main_pid != 0)
                .map(|s| s.main_pid),
        }
    }
}

fn digest_of(bytes: Option<&[u8]>) -> serde_json::Value {
    match bytes {
        Some(b) => json!(crate::secrets::sha256_hex(b)),
        None => json!("absent"),
    }
}

impl Observation for NativeObservation {
    fn digest_input(&self) -> serde_json::Value {
        let process = match &self.process {
            ProcessState::NotStarted => json!("not_started"),
            ProcessState::Running { record, now } => json!({
                "running": record.pid,
                "start_time": record.start_time,
                "conf": record.conf_sha256,
                "launcher": record.launcher(),
                "launcher_stamp": record.launcher_stamp,
                "exe": now.exe,
                "exe_replaced": now.exe_deleted,
            }),
            ProcessState::Exited { record } => json!({"exited": record.pid}),
            ProcessState::PidReused { record, .. } => json!({"pid_reused": record.pid}),
            ProcessState::Unreadable { .. } => json!("unreadable"),
        };
        let unit = self.unit.as_ref().map(|u| {
            json!({
                "file": digest_of(u.file.as_deref().map(str::as_bytes)),
                "service": u.service.as_ref().ok(),
                "main_exe": u.main.as_ref().map(|m| (&m.exe, m.exe_deleted)),
            })
        });
        let mut doc = json!({
            "runtime": "native",
            "binary": self.binary,
            "lnd_dir": self.lnd_dir_exists,
            "conf": digest_of(self.conf.as_deref()),
            "process": process,
            "unit": unit,
            "foreign": self.foreign,
            "tls_cert": digest_of(self.tls_cert.as_deref()),
            "admin_macaroon": digest_of(self.admin_macaroon.as_ref().map(|m| m.as_slice())),
        });
        // A watch-only node's credential copies (hashes); a signer has
        // none, and its digest stays what it was.
        if !self.signer_files.is_empty() {
            doc["signer_files"] = json!(self.signer_files);
        }
        doc
    }

    fn access(&self) -> Result<SignerAccess, String> {
        self.running()?;
        SignerAccess::once_certified(
            &self.dial,
            self.tls_cert.as_deref(),
            self.admin_macaroon.as_ref(),
        )
    }

    fn wallet_exists(&self) -> Option<bool> {
        if !self.lnd_dir_exists {
            return Some(false);
        }
        // lnd writes admin.macaroon when the wallet is created; its absence
        // alone proves nothing (stateless init, deleted files).
        self.admin_macaroon.as_ref().map(|_| true)
    }

    fn conditions(&self) -> Vec<Condition> {
        let c = match (self.running(), self.pid()) {
            (Ok(()), pid) => Condition::new(
                "ProcessRunning",
                true,
                "Running",
                match (&self.unit, pid) {
                    (Some(u), Some(pid)) => format!("{} is active (lnd pid {pid})", u.name),
                    (Some(u), None) => format!("{} is active", u.name),
                    (None, pid) => format!("lnd is running (pid {})", pid.unwrap_or(0)),
                },
            ),
            (Err(why), _) if !self.foreign.is_empty() => {
                let others: Vec<String> = self.foreign.iter().map(Foreign::describe).collect();
                Condition::new(
                    "ProcessRunning",
                    false,
                    "NotLsms",
                    format!("{why}; not lsm's: {}", others.join("; ")),
                )
            }
            (Err(why), _) => {
                let reason = match (&self.unit, &self.process) {
                    (Some(_), _) => "NotActive",
                    (None, ProcessState::NotStarted) => "NotStarted",
                    (None, ProcessState::PidReused { .. }) => "PidReused",
                    (None, ProcessState::Unreadable { .. }) => "Unknown",
                    (None, _) => "Exited",
                };
                Condition::new("ProcessRunning", false, reason, why)
            }
        };
        vec![c]
    }

    fn stopped(&self) -> Option<String> {
        match &self.unit {
            // Under systemd, "activating" may still come up; "auto-restart"
            // means lnd already failed and systemd is retrying it.
            Some(u) => match &u.service {
                Ok(s) => s.given_up().map(|why| format!("{} {why}", u.name)),
                Err(_) => None,
            },
            None => self.process.why_not_running(),
        }
    }
}
