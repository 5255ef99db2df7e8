//! The native runtime: lnd as a host process, started and tracked by lsm
//! (supervisor = "process") or by a systemd unit lsm manages (supervisor =
//! "systemd").
//!
//! [`NativeObserver`] only reads (files, /proc, `lnd --version`,
//! `systemctl show`); [`NativeRuntime`] is the only type that writes files,
//! starts or signals processes and drives systemctl, and only apply and
//! destroy make one.

pub(crate) mod binary;
pub(crate) mod diff;
mod error;
pub(crate) mod foreign;
pub(crate) mod observation;
pub(crate) mod pidfile;
pub(crate) mod process;
pub(crate) mod procfs;
pub(crate) mod systemd;
pub(crate) mod target;
pub(crate) mod throwaway;

use crate::manifest::enums::Supervisor;
use crate::plan::PlanPart;
use crate::plan::Subject;
use crate::plan::op::NativeOp;
use crate::runtime::{Observer, Runtime, WalletFacts};
use crate::secrets::SecretBytes;
pub(crate) use error::Error;
use lsm_lnd::backoff::Backoff;
use observation::{NativeObservation, ObservedUnit};
use pidfile::{Launch, Record};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use target::NativeTarget;

/// How long systemd may take to report the unit active.
const ACTIVE_DEADLINE: Duration = Duration::from_secs(60);

/// Read-only view of the native signer.
pub(crate) struct NativeObserver {
    target: NativeTarget,
    run_as: systemd::RunAs,
    manifest_name: String,
    network: String,
}

/// lnd.conf, tls.cert and unit files are a few KiB.
const MAX_OBSERVED_FILE_BYTES: u64 = 1024 * 1024;

/// A file's bytes, `None` when absent; other errors are reported (a FIFO
/// or a device in its place is refused, never waited on).
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    crate::regular_file::read_optional(path, MAX_OBSERVED_FILE_BYTES)
        .map(|b| b.map(|mut b| std::mem::take(&mut *b)))
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })
}

impl NativeObserver {
    pub(crate) fn new(target: NativeTarget, manifest_name: &str, network: &str) -> NativeObserver {
        NativeObserver {
            target,
            run_as: systemd::RunAs::current(),
            manifest_name: manifest_name.to_string(),
            network: network.to_string(),
        }
    }

    fn unit_name(&self) -> String {
        systemd::unit_name(&self.target.signer)
    }

    async fn observe_unit(&self, exe: Option<&Path>) -> Result<ObservedUnit, Error> {
        let name = self.unit_name();
        let file = read_optional(&systemd::unit_path(&name))?
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let service = if systemd::booted() {
            systemd::show(&name)
                .await
                .map_err(|e| crate::error::chain(&e))
        } else {
            Err(systemd::NOT_BOOTED.to_string())
        };
        let main = service
            .as_ref()
            .ok()
            .filter(|s| s.main_pid != 0)
            .and_then(|s| procfs::read(s.main_pid))
            .filter(|p| !p.is_zombie());
        Ok(ObservedUnit {
            desired: exe.map(|exe| systemd::render(&self.target, exe, &self.run_as)),
            name,
            file,
            service,
            main,
        })
    }
}

impl Observer for NativeObserver {
    type Observation = NativeObservation;

    fn admin_macaroon_location(&self) -> String {
        self.target.admin_macaroon_path().display().to_string()
    }

    fn restart_hint(&self) -> String {
        "stop the lnd process (or `systemctl restart` its unit)".to_string()
    }

    fn lnd_artifact(&self) -> &'static str {
        "binary"
    }

    fn subject(&self) -> Subject {
        let t = &self.target;
        Subject {
            kind: self.target.kind,
            signer: t.signer.clone(),
            runtime: "native".into(),
            network: self.network.clone(),
            target: format!("lnd {} ({}, {})", t.lnd_version, t.lnd_path, t.supervisor),
            manifest_name: self.manifest_name.clone(),
        }
    }

    async fn observe(&self) -> Result<NativeObservation, crate::runtime::Error> {
        let t = &self.target;
        // `lnd --version` runs while the files and /proc are read.
        let files = async {
            let conf = read_optional(&t.conf_path)?;
            let signer_files = t
                .signer_files
                .iter()
                .map(|(path, _)| {
                    let seen = crate::secrets::read(path)
                        .ok()
                        .flatten()
                        .map(|b| crate::secrets::sha256_hex(&b));
                    (path.clone(), seen)
                })
                .collect::<Vec<_>>();
            let tls_cert = read_optional(&t.tls_cert_path())?;
            let admin_macaroon =
                crate::secrets::read(&t.admin_macaroon_path())?.map(SecretBytes::from);
            let process = pidfile::observe(&t.pidfile);
            Ok::<_, Error>((conf, signer_files, tls_cert, admin_macaroon, process))
        };
        let (binary, files) = tokio::join!(binary::check(&t.lnd_path, t.expected_version()), files);
        let (conf, signer_files, tls_cert, admin_macaroon, process) = files?;
        let unit = match t.supervisor {
            Supervisor::Process => None,
            Supervisor::Systemd => {
                // The unit runs the binary with symlinks resolved: exactly
                // the file whose version lsm checked. A path as written
                // still shows the unit while the binary is missing (the
                // plan is blocked on it anyway).
                let exe = binary.canonical().or(match &t.lnd_path {
                    crate::manifest::LndBinary::Path(p) => Some(p.as_path()),
                    crate::manifest::LndBinary::Search(_) => None,
                });
                Some(self.observe_unit(exe).await?)
            }
        };
        // What runs as lsm's lnd: the recorded process, or the unit's.
        let own = match &unit {
            None => process.running().map(|r| r.pid),
            Some(u) => u.main.as_ref().map(|m| m.pid),
        };
        let foreign = foreign::find(t, own);
        let mut o = NativeObservation {
            binary,
            lnd_dir_exists: t.lnd_dir.is_dir(),
            conf,
            signer_files,
            tls_cert,
            admin_macaroon,
            process,
            unit,
            foreign,
            dial: t.dial.clone(),
        };
        // Dial what the running lnd was started with, not what the manifest
        // asks now (they differ while a change is pending).
        if o.running().is_ok()
            && let Some(r) = o.record()
        {
            o.dial = r.dial.clone();
        }
        Ok(o)
    }

    fn diff(&self, observed: &NativeObservation, wallet: WalletFacts) -> PlanPart {
        diff::diff(&self.target, observed, wallet)
    }

    fn destroy_diff(&self, observed: &NativeObservation, purge: bool) -> PlanPart {
        diff::destroy_diff(&self.target, observed, purge)
    }

    fn restart(
        &self,
        observed: &NativeObservation,
        code: crate::plan::ReasonCode,
        reason: String,
    ) -> Option<crate::plan::Action> {
        observed
            .running()
            .is_ok()
            .then(|| diff::restart(&self.target, code, reason))
    }
}

/// The native runtime that can change things; only apply and destroy make one.
pub(crate) struct NativeRuntime {
    observer: NativeObserver,
    mutations: AtomicU64,
}

impl NativeRuntime {
    pub(crate) fn new(target: NativeTarget, manifest_name: &str, network: &str) -> NativeRuntime {
        NativeRuntime {
            observer: NativeObserver::new(target, manifest_name, network),
            mutations: AtomicU64::new(0),
        }
    }

    fn target(&self) -> &NativeTarget {
        &self.observer.target
    }

    fn mutated(&self) {
        self.mutations.fetch_add(1, Ordering::Relaxed);
    }

    /// The binary to start, checked again right before it is started:
    /// never a silent start of a missing or wrongly versioned lnd.
    async fn checked_binary(&self) -> Result<binary::Binary, Error> {
        let t = self.target();
        match binary::check(&t.lnd_path, t.expected_version()).await {
            found @ binary::Binary::Found {
                version_ok: true, ..
            } => Ok(found),
            binary::Binary::Found {
                path, version_line, ..
            } => Err(Error::WrongVersion {
                path,
                version_line,
                expected: t.lnd_version.to_string(),
            }),
            binary::Binary::Unusable { reason } => Err(Error::BinaryUnusable { reason }),
        }
    }

    /// A watch-only node's copies of its signer's certificate and
    /// macaroon, written atomically, 0600, in its secrets directory.
    fn write_signer_credentials(&self) -> Result<(), Error> {
        let t = self.target();
        t.secrets.prepare_dir()?;
        for (path, content) in &t.signer_files {
            crate::fsutil::atomic_write(
                path,
                content,
                crate::secrets::FILE_MODE,
                crate::fsutil::Existing::Replace,
            )
            .map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    fn write_config(&self) -> Result<(), Error> {
        let t = self.target();
        t.secrets.prepare_dir()?;
        crate::fsutil::atomic_write(
            &t.conf_path,
            t.conf.as_bytes(),
            crate::secrets::FILE_MODE,
            crate::fsutil::Existing::Replace,
        )
        .map_err(|source| Error::Write {
            path: t.conf_path.clone(),
            source,
        })
    }

    /// How lsm starts `bin` now.
    fn launch<'a>(&'a self, bin: &'a binary::Binary, args: &'a [String]) -> Launch<'a> {
        let t = self.target();
        Launch {
            launcher: bin.canonical().unwrap_or(Path::new("")),
            launcher_stamp: bin.stamp(),
            args,
            conf_sha256: &t.conf_sha256,
            dial: &t.dial,
        }
    }

    /// Starts lnd detached, records it, and waits for its gRPC port.
    ///
    /// The record is written right after the spawn (if lsm dies during
    /// startup, the next plan still knows lnd) and completed once lnd
    /// listens: only then has a wrapper script exec'd lnd, and until lsm
    /// reaps its child the pid cannot belong to anything else. lnd is never
    /// left running unrecorded: the state directory is checked before the
    /// spawn, and a record that cannot be written kills it again.
    async fn start_process(&self) -> Result<(), Error> {
        let t = self.target();
        let bin = self.checked_binary().await?;
        let exe = bin.path().unwrap_or(Path::new(""));
        let args = t.lnd_args();
        pidfile::prepare(&t.pidfile)?;
        let deadline = tokio::time::Instant::now() + process::START_DEADLINE;
        let mut child = process::spawn(exe, &args, &t.log_path)?;
        self.mutated();
        let pid = child.id();
        let unreadable = || Error::ProcUnreadable { pid };
        let recorded = procfs::read(pid)
            .ok_or_else(unreadable)
            .map(|info| Record::spawned(&info, self.launch(&bin, &args)))
            .and_then(|r| pidfile::write(&t.pidfile, &r).map(|()| r));
        let record = match recorded {
            Ok(r) => r,
            Err(e) => {
                process::abandon(child);
                return Err(Error::NotRecorded(Box::new(e)));
            }
        };
        process::wait_started(&mut child, t.rpc_bind.port(), deadline).await?;
        let confirmed = procfs::read(pid)
            .ok_or_else(unreadable)
            .and_then(|info| record.confirmed(&info))
            .and_then(|r| pidfile::write(&t.pidfile, &r));
        if let Err(e) = confirmed {
            process::abandon(child);
            let _ = pidfile::remove(&t.pidfile);
            return Err(Error::NotRecorded(Box::new(e)));
        }
        Ok(())
    }

    /// Stops the recorded lnd, if it still runs.
    async fn stop_process(&self) -> Result<(), Error> {
        if let Some(record) = pidfile::read(&self.target().pidfile)?
            && process::stop(&record, process::stop_grace()).await?
        {
            self.mutated();
        }
        Ok(())
    }

    async fn install_unit(&self) -> Result<(), Error> {
        let t = self.target();
        // Refuse before writing anything.
        systemd::require_booted()?;
        let bin = self.checked_binary().await?;
        let exe = bin.canonical().unwrap_or(Path::new(""));
        let unit = systemd::render(t, exe, &self.observer.run_as);
        let path = systemd::unit_path(&self.observer.unit_name());
        crate::fsutil::atomic_write(
            &path,
            unit.as_bytes(),
            0o644,
            crate::fsutil::Existing::Replace,
        )
        .map_err(|source| Error::WriteUnit {
            path: path.clone(),
            source,
        })?;
        self.mutated();
        systemd::systemctl(&["daemon-reload"]).await?;
        Ok(())
    }

    /// `systemctl <verb>` on the unit, then waits for it to be active and
    /// records the config lnd now runs with.
    async fn drive_unit(&self, verbs: &[&[&str]]) -> Result<(), Error> {
        let t = self.target();
        let name = self.observer.unit_name();
        let bin = self.checked_binary().await?;
        for verb in verbs {
            let mut args = verb.to_vec();
            args.push(&name);
            systemd::systemctl(&args).await?;
            self.mutated();
        }
        let deadline = tokio::time::Instant::now() + ACTIVE_DEADLINE;
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(500));
        let state = loop {
            let s = systemd::show(&name).await?;
            if let Some(why) = s.given_up() {
                return Err(Error::UnitGaveUp { unit: name, why });
            }
            match s.active.as_str() {
                "active" if s.main_pid != 0 => break s,
                _ if tokio::time::Instant::now() >= deadline => {
                    return Err(Error::UnitNotActive {
                        unit: name,
                        secs: ACTIVE_DEADLINE.as_secs(),
                        state: s.active,
                    });
                }
                // systemd has no cheap event for this from outside D-Bus.
                _ => tokio::time::sleep(backoff.next_delay()).await,
            }
        };
        // Identity and launch only: a Type=simple unit is "active" from the
        // fork on, so /proc may not show lnd's executable yet.
        if let Some(info) = procfs::read(state.main_pid) {
            let args = t.lnd_args();
            pidfile::write(
                &t.pidfile,
                &Record::spawned(&info, self.launch(&bin, &args)),
            )?;
        }
        Ok(())
    }

    async fn remove_unit(&self) -> Result<(), Error> {
        let name = self.observer.unit_name();
        let path = systemd::unit_path(&name);
        systemd::systemctl(&["disable", "--now", &name]).await?;
        self.mutated();
        match std::fs::remove_file(&path) {
            Ok(()) => self.mutated(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(Error::Remove { path, source }),
        }
        systemd::systemctl(&["daemon-reload"]).await?;
        pidfile::remove(&self.target().pidfile)
    }

    fn create_lnd_dir(&self) -> Result<(), Error> {
        let dir = &self.target().lnd_dir;
        crate::fsutil::ensure_dir(dir, 0o700).map_err(|source| Error::CreateDir {
            path: dir.clone(),
            source,
        })?;
        self.mutated();
        Ok(())
    }
}

impl Runtime for NativeRuntime {
    type Observer = NativeObserver;
    type Op = NativeOp;
    type ThrowawayHandle = throwaway::Handle;

    fn observer(&self) -> &NativeObserver {
        &self.observer
    }

    async fn execute(&self, op: &NativeOp) -> Result<(), crate::runtime::Error> {
        let done: Result<(), Error> = match op {
            NativeOp::CreateLndDir => self.create_lnd_dir(),
            NativeOp::WriteSignerCredentials => {
                self.write_signer_credentials()?;
                self.mutated();
                Ok(())
            }
            NativeOp::WriteConfig => {
                self.write_config()?;
                self.mutated();
                Ok(())
            }
            NativeOp::InstallUnit => self.install_unit().await,
            NativeOp::StartUnit => self.drive_unit(&[&["enable", "--now"]]).await,
            NativeOp::RestartUnit => self.drive_unit(&[&["enable"], &["restart"]]).await,
            NativeOp::RemoveUnit => self.remove_unit().await,
            NativeOp::StartProcess => self.start_process().await,
            NativeOp::RestartProcess => {
                self.stop_process().await?;
                self.start_process().await
            }
            NativeOp::StopProcess => {
                self.stop_process().await?;
                pidfile::remove(&self.target().pidfile)
            }
        };
        Ok(done?)
    }

    async fn recent_logs(&self, lines: usize) -> Vec<String> {
        let t = self.target();
        match t.supervisor {
            Supervisor::Systemd => systemd::journal(&self.observer.unit_name(), lines).await,
            Supervisor::Process => tail(&t.log_path, lines),
        }
    }

    async fn start_throwaway(
        &self,
    ) -> Result<crate::runtime::Throwaway<throwaway::Handle>, crate::runtime::Error> {
        let bin = self.checked_binary().await?;
        let exe = bin.path().ok_or(Error::NoBinaryPath)?;
        throwaway::start(exe, self.target().network).await
    }

    async fn remove_throwaway(
        &self,
        t: crate::runtime::Throwaway<throwaway::Handle>,
    ) -> Result<(), crate::runtime::Error> {
        let removed = throwaway::remove(t.handle.child, t.handle.dir);
        // Removed (or said why not): nothing is left for a Ctrl-C to clean.
        drop(t.on_interrupt);
        Ok(removed?)
    }
}

/// The last `lines` lines of a log file written since lsm last started lnd
/// (reading at most its last 64 KiB): a startup failure never shows the
/// previous run's lines as if they were this one's.
fn tail(path: &Path, lines: usize) -> Vec<String> {
    use std::io::{Read, Seek, SeekFrom};
    // A FIFO in the log's place is skipped, never waited on.
    let Ok((mut f, meta)) = crate::regular_file::open(path) else {
        return Vec::new();
    };
    let len = meta.len();
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    if f.read_to_end(&mut buf).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    let this_run = all
        .iter()
        .rposition(|l| l.starts_with(process::LOG_MARKER))
        .map_or(&all[..], |marker| &all[marker + 1..]);
    let all: Vec<&str> = this_run
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regular_file::test_support::{assert_fifo_refused, temp_fifo, without_hanging};

    #[test]
    fn fifos_in_place_of_observed_files_are_refused_not_waited_on() {
        let (_dir, fifo) = temp_fifo("tls.cert");
        let path = fifo.clone();
        let err = without_hanging(move || read_optional(&path)).unwrap_err();
        assert_fifo_refused(&crate::error::chain(&err));
        assert!(without_hanging(move || tail(&fifo, 5)).is_empty());
    }
}
