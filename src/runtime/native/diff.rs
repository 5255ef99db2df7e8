//! The native runtime's plan: lnd_dir → signer-lnd.conf → systemd unit →
//! the lnd process, each with the reason an operator needs, and blockers
//! for what must never happen silently: starting a missing or wrongly
//! versioned lnd, or driving a systemd that is not there.
//!
//! A running lnd is compared with lsm's record of how it was started (what
//! lsm executed and its file stamp, the arguments, the config's hash) and
//! with what /proc shows runs, so a change made while lnd ran — or a
//! restart lsm never got to — is still seen. A process in the signer's
//! place that lsm did not start, or a pidfile lsm cannot read, blocks the
//! plan: lsm never signals what it cannot prove is its own.

use super::binary::Binary;
use super::observation::NativeObservation;
use super::pidfile::{ProcessState, Record};
use super::procfs::ProcInfo;
use super::systemd;
use super::target::NativeTarget;
use crate::desired::display_path;
use crate::manifest::enums::Supervisor;
use crate::plan::PlanPart;
use crate::plan::ReasonCode;
use crate::plan::op::NativeOp;
use crate::plan::{Action, ActionKind, Address, Blocker, Detail};
use crate::runtime::WalletFacts;

fn process_addr() -> Address {
    Address::PROCESS_SIGNER
}

fn binary_blocker(t: &NativeTarget, b: &Binary) -> Option<Blocker> {
    let address = Address::BINARY_LND;
    match b {
        Binary::Found {
            version_ok: true, ..
        } => None,
        Binary::Found {
            path, version_line, ..
        } => Some(Blocker {
            code: crate::plan::BlockerCode::LndVersionMismatch,
            address,
            reason: format!(
                "{} reports \"{version_line}\", but versions.env pins lnd {}; lsm will not start \
                 another version",
                path.display(),
                t.lnd_version
            ),
            fix: format!(
                "install lnd {} at {}, or pin LND_VERSION in a versions.env beside the manifest \
                 to the version you run",
                t.lnd_version, t.lnd_path
            ),
        }),
        Binary::Unusable { reason } => Some(Blocker {
            code: crate::plan::BlockerCode::LndBinaryUnusable,
            address,
            reason: format!("[native] lnd_path = \"{}\": {reason}", t.lnd_path),
            fix: format!(
                "install lnd {} there, or set [native] lnd_path to the lnd binary",
                t.lnd_version
            ),
        }),
    }
}

/// Blockers for what lsm cannot prove is its own: a pidfile it cannot read
/// (an lnd it started may still run) and processes in the signer's place.
fn not_lsms(t: &NativeTarget, o: &NativeObservation) -> Vec<Blocker> {
    let mut out = Vec::new();
    let pidfile = display_path(&t.pidfile);
    if let ProcessState::Unreadable { reason } = &o.process {
        out.push(Blocker {
            code: crate::plan::BlockerCode::PidfileUnreadable,
            address: process_addr(),
            reason: format!("{reason}: lsm cannot tell which lnd, if any, it started"),
            fix: "if an lnd of this signer still runs, stop it yourself; then move aside the \
                  file named above and run lsm again"
                .into(),
        });
    }
    for f in &o.foreign {
        let stop = match f.pid {
            Some(pid) => {
                format!("stop it yourself (`kill {pid}`, with sudo if another user runs it)")
            }
            None => "find and stop it (`sudo ss -ltnp`)".to_string(),
        };
        out.push(Blocker {
            code: crate::plan::BlockerCode::ForeignLndRunning,
            address: process_addr(),
            reason: format!(
                "{}, but lsm did not start it (it is not the lnd recorded in {pidfile}); lsm \
                 never signals a process it cannot prove is its own",
                f.describe()
            ),
            fix: format!(
                "{stop}, or, if another lsm started it (another LSM_STATE_DIR or user), run \
                 `lsm destroy` there; or give this signer other ports and another lnd_dir"
            ),
        });
    }
    out
}

/// The config file action, if the file differs from the rendering.
fn conf_action(t: &NativeTarget, o: &NativeObservation) -> Option<Action> {
    if o.conf.as_deref() == Some(t.conf.as_bytes()) {
        return None;
    }
    let old = o
        .conf
        .as_ref()
        .map(|b| crate::desired::lnd_conf::redact(&String::from_utf8_lossy(b)));
    let path = display_path(&t.conf_path);
    // lnd was started with exactly the desired config, yet the file differs:
    // it was edited in place.
    let edited = o.record().is_some_and(|r| r.conf_sha256 == t.conf_sha256);
    let (kind, reason) = match (&old, edited) {
        (None, _) => (
            ActionKind::Create,
            format!("write lnd's config {path} (0600)"),
        ),
        (Some(_), true) => (ActionKind::Update, format!("{path} was edited outside lsm")),
        (Some(_), false) => (
            ActionKind::Update,
            format!("{path} differs from signer.toml"),
        ),
    };
    let mut a = Action::new(
        Address::FILE_LND_CONF,
        kind,
        if kind == ActionKind::Create {
            ReasonCode::ConfigMissing
        } else {
            ReasonCode::ConfigChanged
        },
        reason,
        NativeOp::WriteConfig.into(),
    )
    .detail(Detail::FileDiff {
        path: t.conf_path.display().to_string(),
        old,
        new: t.conf_display.clone(),
    });
    a.drift = edited && o.conf.is_some();
    Some(a)
}

/// A watch-only node's signer credentials, written when missing or
/// different from the imported bundle's; lnd restarts to read them.
fn signer_credentials_action(t: &NativeTarget, o: &NativeObservation) -> Option<Action> {
    let differs: Vec<(bool, String)> = t
        .signer_files
        .iter()
        .filter_map(|(path, content)| {
            let want = crate::secrets::sha256_hex(content);
            let seen = o.signer_files.iter().find(|(p, _)| p == path)?.1.clone();
            match seen {
                Some(h) if h == want => None,
                other => Some((other.is_none(), display_path(path))),
            }
        })
        .collect();
    if differs.is_empty() {
        return None;
    }
    let changed: Vec<String> = differs
        .iter()
        .filter(|(missing, _)| !missing)
        .map(|(_, name)| name.clone())
        .collect();
    let names: Vec<&str> = differs.iter().map(|(_, n)| n.as_str()).collect();
    Some(crate::runtime::signer_credentials_action(
        &changed,
        format!(
            "copy the bundle's tls.cert and macaroon to {} (0600) for lnd's remotesigner options",
            names.join(" and ")
        ),
        NativeOp::WriteSignerCredentials,
    ))
}

/// The unit file action (systemd), if the installed unit differs or
/// systemd has not loaded it.
fn unit_action(o: &NativeObservation) -> Option<Action> {
    let u = o.unit.as_ref()?;
    let desired = u.desired.as_ref()?;
    let path = systemd::unit_path(&u.name);
    let need_reload = u.service.as_ref().is_ok_and(|s| s.need_reload);
    let (kind, reason) = match &u.file {
        None => (
            ActionKind::Create,
            format!("install {} and reload systemd", path.display()),
        ),
        Some(f) if f != desired => (
            ActionKind::Update,
            format!("{} differs from signer.toml", path.display()),
        ),
        Some(_) if need_reload => (
            ActionKind::Update,
            format!("systemd has not loaded the current {}", u.name),
        ),
        Some(_) => return None,
    };
    Some(
        Action::new(
            Address::FILE_SYSTEMD_UNIT,
            kind,
            if kind == ActionKind::Create {
                ReasonCode::UnitMissing
            } else {
                ReasonCode::UnitChanged
            },
            reason,
            NativeOp::InstallUnit.into(),
        )
        .detail(Detail::FileDiff {
            path: path.display().to_string(),
            old: u.file.clone(),
            new: desired.clone(),
        }),
    )
}

/// What to do with lnd under supervisor = "process".
fn process_action(t: &NativeTarget, o: &NativeObservation, conf_written: bool) -> Option<Action> {
    let (record, now) = match &o.process {
        ProcessState::Running { record, now } => (record, now),
        ProcessState::NotStarted => {
            return Some(Action::new(
                process_addr(),
                ActionKind::Create,
                ReasonCode::NotStarted,
                format!(
                    "start lnd {} detached; pidfile {}, log {}",
                    t.lnd_version,
                    display_path(&t.pidfile),
                    display_path(&t.log_path)
                ),
                NativeOp::StartProcess.into(),
            ));
        }
        other => {
            let why = other.why_not_running().unwrap_or_default();
            let mut a = Action::new(
                process_addr(),
                ActionKind::Start,
                ReasonCode::NotRunning,
                why,
                NativeOp::StartProcess.into(),
            );
            a.drift = matches!(
                other,
                ProcessState::Exited { .. } | ProcessState::PidReused { .. }
            );
            return Some(a);
        }
    };
    let mut changes: Vec<(String, String)> =
        binary_change(o, Some(record), now).into_iter().collect();
    let args = t.lnd_args();
    if record.args() != args.as_slice() {
        changes.push((
            "args".into(),
            format!(
                "lnd arguments [{}] → [{}] force a restart",
                record.args().join(" "),
                args.join(" ")
            ),
        ));
    }
    if !changes.is_empty() {
        return Some(replace(t, &changes));
    }
    restart_for_config(t, o, conf_written, record.pid)
}

/// A restart that runs another binary or other arguments: lnd's
/// replacement, in the supervisor's restart.
fn replace(t: &NativeTarget, changes: &[(String, String)]) -> Action {
    crate::runtime::replace_signer(
        process_addr(),
        changes,
        format!(
            "lnd_dir {} and the wallet in it are kept",
            display_path(&t.lnd_dir)
        ),
        restart_op(t.supervisor),
    )
}

/// How lnd is restarted under `supervisor`.
fn restart_op(supervisor: Supervisor) -> NativeOp {
    match supervisor {
        Supervisor::Process => NativeOp::RestartProcess,
        Supervisor::Systemd => NativeOp::RestartUnit,
    }
}

/// Why the running lnd (`now`) must restart to run what lnd_path names
/// now. `record`: lsm's record of how it started this very process (none
/// when systemd restarted lnd on its own).
fn binary_change(
    o: &NativeObservation,
    record: Option<&Record>,
    now: &ProcInfo,
) -> Option<(String, String)> {
    let Binary::Found {
        canonical: want,
        stamp,
        script,
        ..
    } = &o.binary
    else {
        return None; // a blocker says why
    };
    let change = |reason: String| Some(("lnd_path".to_string(), reason));
    let moved = |from: &std::path::Path| {
        change(format!(
            "lnd binary {} → {} forces a restart",
            from.display(),
            want.display()
        ))
    };
    let replaced = |p: &std::path::Path| {
        change(format!(
            "{} was replaced on disk since lnd started; restart to run it",
            p.display()
        ))
    };
    match record.and_then(|r| r.launcher().map(|l| (r, l))) {
        // What lsm executed (lnd, or a wrapper that execs it) is no longer
        // what lnd_path names, or that file changed since.
        Some((_, launcher)) if launcher != want => return moved(launcher),
        Some((r, launcher))
            if r.launcher_stamp.is_some() && stamp.is_some() && r.launcher_stamp != *stamp =>
        {
            return replaced(launcher);
        }
        Some(_) => {}
        // Started without lsm (systemd's own restart, a boot): lnd_path,
        // unless it is a wrapper script, is exactly what must run.
        None if !script => {
            if let Some(exe) = &now.exe
                && exe != want
            {
                return moved(exe);
            }
        }
        None => {}
    }
    if now.exe_deleted {
        return replaced(
            now.exe
                .as_deref()
                .unwrap_or(std::path::Path::new(&now.comm)),
        );
    }
    None
}

/// A restart when the config changes now, or lnd runs an older one.
fn restart_for_config(
    t: &NativeTarget,
    o: &NativeObservation,
    conf_written: bool,
    pid: u32,
) -> Option<Action> {
    let conf = display_path(&t.conf_path);
    let reason = match o.record() {
        _ if conf_written => format!("restart lnd (pid {pid}) so it reads the new config"),
        None => format!(
            "lsm has no record of the config lnd (pid {pid}) was started with; restart it on {conf}"
        ),
        Some(r) if r.conf_sha256 != t.conf_sha256 => format!(
            "lnd (pid {pid}) runs with an older config than {conf}: it was not restarted after \
             the last change"
        ),
        Some(_) => return None,
    };
    Some(restart(t, ReasonCode::RestartForConfig, reason))
}

/// A restart of lnd by its supervisor (disruptive: the watch-only node
/// loses its signer while lnd starts).
pub(crate) fn restart(t: &NativeTarget, code: ReasonCode, reason: String) -> Action {
    Action::new(
        process_addr(),
        ActionKind::Restart,
        code,
        reason,
        restart_op(t.supervisor).into(),
    )
    .disruptive()
}

/// What to do with the unit's service under supervisor = "systemd".
fn service_action(
    t: &NativeTarget,
    o: &NativeObservation,
    conf_written: bool,
    unit_changed: bool,
) -> Option<Action> {
    let u = o.unit.as_ref()?;
    let start = |kind, reason: String| {
        Action::new(
            process_addr(),
            kind,
            if kind == ActionKind::Restart {
                ReasonCode::RestartForConfig
            } else {
                ReasonCode::NotRunning
            },
            reason,
            NativeOp::StartUnit.into(),
        )
    };
    let s = match &u.service {
        Ok(s) if u.file.is_some() && s.load != "not-found" => s,
        // Not installed yet (or systemd unknown: the plan is blocked then).
        _ => {
            return Some(start(
                ActionKind::Create,
                format!("enable and start {}", u.name),
            ));
        }
    };
    // Down, or crash-looping (auto-restart): a start that fails fast with
    // the journal beats a plan that says nothing while lnd keeps failing.
    let down = s.given_up().or_else(|| {
        (!s.is_active() && s.active != "activating" && s.active != "reloading")
            .then(|| format!("is {} ({})", s.active, s.sub))
    });
    if let Some(why) = down {
        let mut a = start(
            ActionKind::Start,
            format!(
                "{} {why}: stopped outside lsm, or lnd failed (journalctl -u {})",
                u.name, u.name
            ),
        );
        a.drift = true;
        return Some(a);
    }
    let pid = s.main_pid;
    if unit_changed {
        return Some(restart(
            t,
            ReasonCode::RestartForConfig,
            format!("restart {} (lnd pid {pid}) to run the new unit", u.name),
        ));
    }
    if let Some(now) = &u.main {
        let record = o.process.running().filter(|r| r.pid == now.pid);
        if let Some(change) = binary_change(o, record, now) {
            return Some(replace(t, &[change]));
        }
    }
    if let Some(a) = restart_for_config(t, o, conf_written, pid) {
        return Some(a);
    }
    if !s.is_enabled() {
        let mut a = start(
            ActionKind::Update,
            format!("enable {} so lnd starts at boot", u.name),
        );
        a.drift = true;
        return Some(a);
    }
    None
}

/// The native runtime's actions.
pub(crate) fn diff(t: &NativeTarget, o: &NativeObservation, _wallet: WalletFacts) -> PlanPart {
    // lnd reads wallet-password.txt where lsm keeps it: there is no copy to
    // plan, so the wallet's facts matter only to the wallet's own plan.
    let mut d = PlanPart::default();
    d.blockers.extend(binary_blocker(t, &o.binary));
    if t.supervisor == Supervisor::Systemd && !systemd::booted() {
        d.blockers.push(Blocker {
            code: crate::plan::BlockerCode::SystemdNotBooted,
            address: process_addr(),
            reason: systemd::NOT_BOOTED.to_string(),
            fix: "use supervisor = \"process\", or run lsm on a host booted with systemd".into(),
        });
    }
    d.blockers.extend(not_lsms(t, o));

    if !o.lnd_dir_exists {
        d.actions.push(Action::new(
            Address::DIRECTORY_LND_DIR,
            ActionKind::Create,
            ReasonCode::DirectoryMissing,
            format!(
                "create {} (0700) for lnd's data and wallet",
                display_path(&t.lnd_dir)
            ),
            NativeOp::CreateLndDir.into(),
        ));
    }
    let conf = conf_action(t, o);
    let creds = signer_credentials_action(t, o);
    let conf_written = conf.is_some() || creds.is_some();
    d.actions.extend(conf);
    d.actions.extend(creds);
    let process = match t.supervisor {
        Supervisor::Process => process_action(t, o, conf_written),
        Supervisor::Systemd => {
            let unit = unit_action(o);
            let unit_changed = unit.is_some();
            d.actions.extend(unit);
            service_action(t, o, conf_written, unit_changed)
        }
    };
    d.actions.extend(process);
    d
}

/// `lsm destroy`: stop lnd (and remove its unit); lnd_dir and the secrets
/// are never touched, so `--purge-volume` is refused.
pub(crate) fn destroy_diff(t: &NativeTarget, o: &NativeObservation, purge: bool) -> PlanPart {
    let mut d = PlanPart::default();
    let lnd_dir = display_path(&t.lnd_dir);
    if purge {
        d.blockers.push(Blocker {
            code: crate::plan::BlockerCode::PurgeNative,
            address: Address::DIRECTORY_LND_DIR,
            reason: format!(
                "--purge-volume does not apply to runtime = \"native\": lsm never deletes \
                 lnd_dir ({lnd_dir}), which holds lnd's wallet"
            ),
            fix: format!(
                "run `lsm destroy` without --purge-volume; {lnd_dir} is yours to delete once \
                 seed.txt is backed up"
            ),
        });
    }
    d.blockers.extend(not_lsms(t, o));
    let stop = match (&o.unit, o.process.running()) {
        // A unit file, but no systemd to stop and disable it with.
        (Some(u), _) if u.file.is_some() && !systemd::booted() => {
            let path = systemd::unit_path(&u.name);
            d.blockers.push(Blocker {
                code: crate::plan::BlockerCode::SystemdNotBooted,
                address: Address::FILE_SYSTEMD_UNIT,
                reason: format!(
                    "{} is installed, but {}",
                    path.display(),
                    systemd::NOT_BOOTED.trim_start_matches("supervisor = \"systemd\", but ")
                ),
                fix: format!(
                    "run lsm destroy where systemd runs, or, if this host no longer uses \
                     systemd, delete {} yourself",
                    path.display()
                ),
            });
            None
        }
        (Some(u), _) => {
            let installed = u.file.is_some()
                || u.service
                    .as_ref()
                    .is_ok_and(|s| s.load != "not-found" || s.is_active());
            installed.then(|| {
                (
                    format!("stop and disable {} and remove its unit file", u.name),
                    NativeOp::RemoveUnit,
                )
            })
        }
        (None, Some(r)) => Some((
            format!(
                "stop lnd (pid {}): SIGTERM, then SIGKILL after {}s",
                r.pid,
                super::process::STOP_DEADLINE.as_secs()
            ),
            NativeOp::StopProcess,
        )),
        (None, None) => None,
    };
    if let Some((reason, op)) = stop {
        d.actions.push(
            Action::new(
                process_addr(),
                ActionKind::Destroy,
                ReasonCode::DestroyRequested,
                reason,
                op.into(),
            )
            .disruptive(),
        );
    }
    d.notes.push(format!(
        "lnd_dir {lnd_dir} (lnd's wallet), the secrets and the bundle are kept; lnd_dir is yours \
         to delete"
    ));
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Op;
    use crate::runtime::native::foreign::Foreign;
    use crate::runtime::native::observation::ObservedUnit;
    use crate::runtime::native::systemd::ServiceState;
    use crate::runtime::native::target::test_target;
    use std::path::PathBuf;

    const LND: &str = "/usr/local/bin/lnd";

    fn argv(t: &NativeTarget) -> Vec<String> {
        let mut argv = vec![LND.to_string()];
        argv.extend(t.lnd_args());
        argv
    }

    fn record(t: &NativeTarget) -> Record {
        Record {
            pid: 4242,
            start_time: 1,
            boot_id: "boot".into(),
            launcher: Some(PathBuf::from(LND)),
            launcher_stamp: Some("stamp-1".into()),
            args: Some(t.lnd_args()),
            exe: Some(PathBuf::from(LND)),
            argv: argv(t),
            conf_sha256: t.conf_sha256.clone(),
            dial: t.dial.clone(),
            started_at: 0,
        }
    }

    /// What /proc shows of lnd (pid 4242) running `LND`.
    fn lnd_proc(t: &NativeTarget) -> ProcInfo {
        ProcInfo {
            pid: 4242,
            state: 'S',
            start_time: 1,
            comm: "lnd".into(),
            exe: Some(PathBuf::from(LND)),
            exe_deleted: false,
            argv: argv(t),
        }
    }

    /// A converged observation of `t`.
    fn converged(t: &NativeTarget) -> NativeObservation {
        let unit = (t.supervisor == Supervisor::Systemd).then(|| {
            let text = "[Service]\nExecStart=lnd\n".to_string();
            ObservedUnit {
                name: "lsm-s1.service".into(),
                file: Some(text.clone()),
                desired: Some(text),
                service: Ok(ServiceState {
                    load: "loaded".into(),
                    active: "active".into(),
                    sub: "running".into(),
                    unit_file: "enabled".into(),
                    main_pid: 4242,
                    need_reload: false,
                }),
                main: Some(lnd_proc(t)),
            }
        });
        NativeObservation {
            binary: Binary::Found {
                path: LND.into(),
                canonical: LND.into(),
                version_line: "lnd version 0.20.0-beta commit=v0.20.0-beta".into(),
                version_ok: true,
                stamp: Some("stamp-1".into()),
                script: false,
            },
            lnd_dir_exists: true,
            conf: Some(t.conf.clone().into_bytes()),
            signer_files: Vec::new(),
            tls_cert: None,
            admin_macaroon: None,
            process: ProcessState::Running {
                record: record(t),
                now: lnd_proc(t),
            },
            unit,
            foreign: Vec::new(),
            dial: t.dial.clone(),
        }
    }

    /// A wrapper script at lnd_path (`exec <store>/lnd "$@"`): lsm executed
    /// the script, /proc shows the lnd it exec'd.
    fn wrapped(o: &mut NativeObservation) {
        const WRAPPER: &str = "/nix/store/abc-lnd/bin/lnd";
        const REAL: &str = "/nix/store/abc-lnd/bin/.lnd-wrapped";
        if let Binary::Found {
            canonical, script, ..
        } = &mut o.binary
        {
            *canonical = WRAPPER.into();
            *script = true;
        }
        let real = |p: &mut ProcInfo| {
            p.exe = Some(REAL.into());
            p.argv[0] = REAL.into();
        };
        if let ProcessState::Running { record, now } = &mut o.process {
            record.launcher = Some(WRAPPER.into());
            real(now);
            record.exe = now.exe.clone();
            record.argv = now.argv.clone();
        }
        if let Some(m) = o.unit.as_mut().and_then(|u| u.main.as_mut()) {
            real(m);
        }
    }

    /// Fails unless the first action's reason contains `part`.
    fn assert_reason(d: &PlanPart, part: &str) {
        let reason = d.actions.first().map(|a| a.reason.as_str());
        assert!(
            reason.is_some_and(|r| r.contains(part)),
            "{part}: {:?}",
            d.actions
        );
    }

    /// (address, kind, op, drift) of each action.
    fn steps(d: &PlanPart) -> Vec<(String, ActionKind, Op, bool)> {
        d.actions
            .iter()
            .map(|a| (a.address.to_string(), a.kind, a.op.clone(), a.drift))
            .collect()
    }

    fn step(
        addr: &str,
        kind: ActionKind,
        op: NativeOp,
        drift: bool,
    ) -> (String, ActionKind, Op, bool) {
        (addr.to_string(), kind, op.into(), drift)
    }

    /// wallet-password.txt exists (the native plan never depends on it).
    const FACTS: WalletFacts = WalletFacts {
        password: crate::runtime::PasswordFile::Present,
        no_wallet: false,
    };

    fn process() -> NativeTarget {
        test_target(
            "lnd_path = \"/usr/local/bin/lnd\"\nlnd_dir = \"/srv/lnd\"",
            "/srv/secrets",
        )
    }

    fn systemd() -> NativeTarget {
        test_target(
            "lnd_path = \"/usr/local/bin/lnd\"\nlnd_dir = \"/srv/lnd\"\nsupervisor = \"systemd\"",
            "/srv/secrets",
        )
    }

    #[test]
    fn a_converged_process_needs_nothing() {
        let t = process();
        let d = diff(&t, &converged(&t), FACTS);
        assert_eq!(d, PlanPart::default());
    }

    #[test]
    fn the_process_is_started_restarted_or_replaced_for_a_reason() {
        let t = process();
        let run = |f: &dyn Fn(&mut NativeObservation)| {
            let mut o = converged(&t);
            f(&mut o);
            diff(&t, &o, FACTS)
        };
        use ActionKind::*;
        use NativeOp::*;

        let fresh = run(&|o| {
            o.process = ProcessState::NotStarted;
            o.conf = None;
            o.lnd_dir_exists = false;
        });
        assert_eq!(
            steps(&fresh),
            [
                step("directory.lnd_dir", Create, CreateLndDir, false),
                step("file.lnd_conf", Create, WriteConfig, false),
                step("process.signer", Create, StartProcess, false),
            ]
        );

        let died = run(&|o| o.process = ProcessState::Exited { record: record(&t) });
        assert_eq!(
            steps(&died),
            [step("process.signer", Start, StartProcess, true)]
        );

        let changed = run(&|o| {
            o.conf = Some(b"old".to_vec());
            if let ProcessState::Running { record, .. } = &mut o.process {
                record.conf_sha256 = "older".into();
            }
        });
        assert_eq!(
            steps(&changed),
            [
                step("file.lnd_conf", Update, WriteConfig, false),
                step("process.signer", Restart, RestartProcess, false),
            ]
        );
        assert!(
            changed.actions[0]
                .reason
                .contains("differs from signer.toml")
        );

        let edited = run(&|o| o.conf = Some(b"edited".to_vec()));
        assert_eq!(
            steps(&edited)[0],
            step("file.lnd_conf", Update, WriteConfig, true)
        );
        assert!(edited.actions[0].reason.contains("edited outside lsm"));

        let stale = run(&|o| {
            if let ProcessState::Running { record, .. } = &mut o.process {
                record.conf_sha256 = "older".into();
            }
        });
        assert_eq!(
            steps(&stale),
            [step("process.signer", Restart, RestartProcess, false)]
        );
        assert!(
            stale.actions[0]
                .reason
                .contains("runs with an older config")
        );

        let args = run(&|o| {
            if let ProcessState::Running { record, .. } = &mut o.process {
                record.args = Some(vec!["--lnddir=/srv/old".into()]);
            }
        });
        assert_eq!(
            steps(&args),
            [step("process.signer", Replace, RestartProcess, false)]
        );
        assert_eq!(args.actions[0].replace_paths, ["args"]);

        let moved = run(&|o| {
            if let Binary::Found { canonical, .. } = &mut o.binary {
                *canonical = "/opt/lnd-0.20/lnd".into();
            }
        });
        assert_eq!(moved.actions[0].replace_paths, ["lnd_path"]);
        assert!(
            moved.actions[0]
                .reason
                .contains("lnd binary /usr/local/bin/lnd → /opt/lnd-0.20/lnd"),
            "{}",
            moved.actions[0].reason
        );

        // The file at lnd_path was replaced or rewritten since the start
        // (a new stamp), or the running executable was deleted.
        let restamped = run(&|o| {
            if let Binary::Found { stamp, .. } = &mut o.binary {
                *stamp = Some("stamp-2".into());
            }
        });
        let deleted = run(&|o| {
            if let ProcessState::Running { now, .. } = &mut o.process {
                now.exe_deleted = true;
            }
        });
        for d in [restamped, deleted] {
            assert_eq!(
                steps(&d),
                [step("process.signer", Replace, RestartProcess, false)]
            );
            assert_reason(&d, "/usr/local/bin/lnd was replaced on disk");
        }
    }

    #[test]
    fn a_wrapper_script_that_execs_lnd_is_compared_by_what_lsm_ran() {
        let t = process();
        let mut o = converged(&t);
        wrapped(&mut o);
        assert_eq!(diff(&t, &o, FACTS), PlanPart::default());
        // The wrapper now points elsewhere (lnd_path resolves to another file).
        if let Binary::Found { canonical, .. } = &mut o.binary {
            *canonical = "/nix/store/def-lnd/bin/lnd".into();
        }
        let d = diff(&t, &o, FACTS);
        assert_reason(
            &d,
            "/nix/store/abc-lnd/bin/lnd → /nix/store/def-lnd/bin/lnd",
        );
    }

    #[test]
    fn what_lsm_cannot_prove_is_its_own_blocks_plan_and_destroy() {
        let t = process();
        let mut o = converged(&t);
        o.process = ProcessState::NotStarted;
        o.foreign = vec![Foreign {
            pid: Some(777),
            program: "/usr/local/bin/lnd".into(),
            holds: vec!["runs with --lnddir=/srv/lnd".into()],
        }];
        for d in [diff(&t, &o, FACTS), destroy_diff(&t, &o, false)] {
            assert_eq!(d.blockers.len(), 1, "{:?}", d.blockers);
            let b = &d.blockers[0];
            assert!(
                b.reason
                    .contains("pid 777 (/usr/local/bin/lnd) runs with --lnddir=/srv/lnd")
                    && b.reason.contains("lsm did not start it")
                    && b.fix.contains("kill 777"),
                "{b:?}"
            );
        }
        o.foreign.clear();
        o.process = ProcessState::Unreadable {
            reason: "the pidfile /var/lib/lsm/native/s1.pid is not lsm's (EOF)".into(),
        };
        for d in [diff(&t, &o, FACTS), destroy_diff(&t, &o, false)] {
            assert!(
                d.blockers[0].reason.contains("cannot tell which lnd"),
                "{:?}",
                d.blockers
            );
        }
    }

    #[test]
    fn a_wrong_or_unusable_binary_is_a_blocker() {
        let t = process();
        let mut o = converged(&t);
        o.binary = Binary::Found {
            path: LND.into(),
            canonical: LND.into(),
            version_line: "lnd version 0.19.3-beta".into(),
            version_ok: false,
            stamp: None,
            script: false,
        };
        let d = diff(&t, &o, FACTS);
        assert_eq!(d.blockers.len(), 1);
        assert_eq!(d.blockers[0].address.as_str(), "binary.lnd");
        assert!(d.blockers[0].reason.contains("pins lnd v0.20.0-beta"));
        o.binary = Binary::Unusable {
            reason: "no executable \"lnd\" in PATH".into(),
        };
        let d = diff(&t, &o, FACTS);
        assert!(d.blockers[0].reason.contains("in PATH"), "{:?}", d.blockers);
    }

    #[test]
    fn the_systemd_unit_is_installed_started_and_restarted_for_a_reason() {
        let t = systemd();
        let run = |f: &dyn Fn(&mut ObservedUnit, &mut NativeObservation)| {
            let mut o = converged(&t);
            let mut u = o.unit.take().unwrap();
            f(&mut u, &mut o);
            o.unit = Some(u);
            diff(&t, &o, FACTS)
        };
        use ActionKind::*;
        use NativeOp::*;
        let blocked = !systemd::booted();

        let d = run(&|_, _| {});
        assert!(d.actions.is_empty(), "{:?}", d.actions);
        assert_eq!(d.blockers.len(), usize::from(blocked));

        let fresh = run(&|u, _| {
            u.file = None;
            if let Ok(s) = &mut u.service {
                s.load = "not-found".into();
                s.active = "inactive".into();
            }
        });
        assert_eq!(
            steps(&fresh),
            [
                step("file.systemd_unit", Create, InstallUnit, false),
                step("process.signer", Create, StartUnit, false),
            ]
        );

        let edited = run(&|u, _| u.file = Some("[Service]\nExecStart=other\n".into()));
        assert_eq!(
            steps(&edited),
            [
                step("file.systemd_unit", Update, InstallUnit, false),
                step("process.signer", Restart, RestartUnit, false),
            ]
        );
        assert!(edited.actions[1].reason.contains("to run the new unit"));

        let failed = run(&|u, _| {
            if let Ok(s) = &mut u.service {
                s.active = "failed".into();
            }
        });
        assert_eq!(
            steps(&failed),
            [step("process.signer", Start, StartUnit, true)]
        );
        let crash_looping = run(&|u, _| {
            if let Ok(s) = &mut u.service {
                s.active = "activating".into();
                s.sub = "auto-restart".into();
            }
        });
        assert_eq!(
            steps(&crash_looping),
            [step("process.signer", Start, StartUnit, true)]
        );
        assert_reason(&crash_looping, "auto-restart");

        let disabled = run(&|u, _| {
            if let Ok(s) = &mut u.service {
                s.unit_file = "disabled".into();
            }
        });
        assert_eq!(
            steps(&disabled),
            [step("process.signer", Update, StartUnit, true)]
        );

        let unrecorded = run(&|_, o| o.process = ProcessState::NotStarted);
        assert_eq!(
            steps(&unrecorded),
            [step("process.signer", Restart, RestartUnit, false)]
        );
        assert!(unrecorded.actions[0].reason.contains("no record"));
    }

    #[test]
    fn a_new_lnd_binary_restarts_the_systemd_unit() {
        let t = systemd();
        let run = |f: &dyn Fn(&mut NativeObservation)| {
            let mut o = converged(&t);
            f(&mut o);
            diff(&t, &o, FACTS)
        };
        let elsewhere = |o: &mut NativeObservation| {
            if let Binary::Found { canonical, .. } = &mut o.binary {
                *canonical = "/opt/lnd-0.21/lnd".into();
            }
        };
        let replace = [step(
            "process.signer",
            ActionKind::Replace,
            NativeOp::RestartUnit,
            false,
        )];

        // The executable MainPID runs was replaced on disk.
        let replaced = run(&|o| {
            if let Some(m) = o.unit.as_mut().and_then(|u| u.main.as_mut()) {
                m.exe_deleted = true;
            }
        });
        assert_eq!(steps(&replaced), replace);
        assert_reason(&replaced, "was replaced on disk");

        // lnd_path resolves to another binary: compared with what lsm ran
        // (its record of MainPID) ...
        let moved = run(&elsewhere);
        // ... or, after systemd restarted lnd on its own, with /proc's exe.
        let restarted = run(&|o| {
            elsewhere(o);
            o.process = ProcessState::Exited { record: record(&t) };
        });
        for d in [moved, restarted] {
            assert_eq!(steps(&d), replace);
            assert_reason(&d, "lnd binary /usr/local/bin/lnd → /opt/lnd-0.21/lnd");
        }

        // A wrapper script runs another executable by design: no restart.
        let wrapper = run(&|o| {
            wrapped(o);
            o.process = ProcessState::Exited { record: record(&t) };
        });
        assert!(wrapper.actions.is_empty(), "{:?}", wrapper.actions);
        let wrapper = run(&wrapped);
        assert!(wrapper.actions.is_empty(), "{:?}", wrapper.actions);
    }

    #[test]
    fn destroy_stops_lnd_and_never_purges() {
        let t = process();
        let o = converged(&t);
        let d = destroy_diff(&t, &o, false);
        assert_eq!(
            steps(&d),
            [step(
                "process.signer",
                ActionKind::Destroy,
                NativeOp::StopProcess,
                false
            )]
        );
        assert!(d.blockers.is_empty());
        let purge = destroy_diff(&t, &o, true);
        assert!(
            purge.blockers[0]
                .reason
                .contains("--purge-volume does not apply")
        );
        assert!(
            !purge
                .actions
                .iter()
                .any(|a| matches!(&a.op, Op::Runtime(op) if op.removes_data()))
        );

        let mut gone = converged(&t);
        gone.process = ProcessState::Exited { record: record(&t) };
        assert!(destroy_diff(&t, &gone, false).actions.is_empty());

        let t = systemd();
        let d = destroy_diff(&t, &converged(&t), false);
        if systemd::booted() {
            assert!(
                d.actions[0].reason.contains("disable lsm-s1.service"),
                "{:?}",
                d.actions
            );
            assert_eq!(d.actions[0].op, NativeOp::RemoveUnit.into());
        } else {
            // A unit file without systemd: a blocker, not a failing step.
            assert!(d.actions.is_empty(), "{:?}", d.actions);
            assert!(
                d.blockers[0]
                    .reason
                    .contains("is installed, but systemd is not running")
                    && d.blockers[0]
                        .fix
                        .contains("delete /etc/systemd/system/lsm-s1.service"),
                "{:?}",
                d.blockers
            );
        }
    }
}
