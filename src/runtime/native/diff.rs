//! The native runtime's plan: lnd_dir → signer-lnd.conf → systemd unit →
//! the lnd process, each with the reason an operator needs, and blockers
//! for what must never happen silently: starting a missing or wrongly
//! versioned lnd, or driving a systemd that is not there.
//!
//! A running lnd is compared with lsm's record of how it was started (the
//! binary /proc showed, its arguments, the config's hash), so a change made
//! while lnd ran — or a restart lsm never got to — is still seen.

use super::binary::Binary;
use super::observation::NativeObservation;
use super::pidfile::ProcessState;
use super::systemd;
use super::target::NativeTarget;
use crate::desired::display_path;
use crate::manifest::enums::Supervisor;
use crate::plan::op::{Op, RuntimeOp};
use crate::plan::{Action, ActionKind, Address, Blocker, Detail};
use crate::runtime::{HostPassword, RuntimeDiff};

fn process_addr() -> Address {
    Address::new("process", "signer")
}

fn binary_blocker(t: &NativeTarget, b: &Binary) -> Option<Blocker> {
    let address = Address::new("binary", "lnd");
    match b {
        Binary::Found {
            version_ok: true, ..
        } => None,
        Binary::Found {
            path, version_line, ..
        } => Some(Blocker {
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
            address,
            reason: format!("[native] lnd_path = \"{}\": {reason}", t.lnd_path),
            fix: format!(
                "install lnd {} there, or set [native] lnd_path to the lnd binary",
                t.lnd_version
            ),
        }),
    }
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
        Address::new("file", "lnd_conf"),
        kind,
        reason,
        Op::Runtime(RuntimeOp::WriteConfig),
    )
    .detail(Detail::FileDiff {
        path: t.conf_path.display().to_string(),
        old,
        new: t.conf_display.clone(),
    });
    a.drift = edited && o.conf.is_some();
    Some(a)
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
            Address::new("file", "systemd_unit"),
            kind,
            reason,
            Op::Runtime(RuntimeOp::InstallUnit),
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
    let (record, exe_replaced) = match &o.process {
        ProcessState::Running {
            record,
            exe_replaced,
        } => (record, *exe_replaced),
        ProcessState::NotStarted => {
            return Some(Action::new(
                process_addr(),
                ActionKind::Create,
                format!(
                    "start lnd {} detached; pidfile {}, log {}",
                    t.lnd_version,
                    display_path(&t.pidfile),
                    display_path(&t.log_path)
                ),
                Op::Runtime(RuntimeOp::StartSigner),
            ));
        }
        other => {
            let why = other.why_not_running().unwrap_or_default();
            let mut a = Action::new(
                process_addr(),
                ActionKind::Start,
                why,
                Op::Runtime(RuntimeOp::StartSigner),
            );
            a.drift = matches!(
                other,
                ProcessState::Exited { .. } | ProcessState::PidReused { .. }
            );
            return Some(a);
        }
    };
    let mut changes: Vec<(String, String)> = Vec::new();
    match o.binary.canonical() {
        Some(want) if want != record.exe => changes.push((
            "lnd_path".into(),
            format!(
                "lnd binary {} → {} forces a restart",
                record.exe.display(),
                want.display()
            ),
        )),
        _ if exe_replaced => changes.push((
            "lnd_path".into(),
            format!(
                "{} was replaced on disk since lnd started; restart to run it",
                record.exe.display()
            ),
        )),
        _ => {}
    }
    let args = t.lnd_args();
    if record.argv.get(1..) != Some(args.as_slice()) {
        changes.push((
            "args".into(),
            format!(
                "lnd arguments [{}] → [{}] force a restart",
                record.argv.get(1..).unwrap_or_default().join(" "),
                args.join(" ")
            ),
        ));
    }
    if !changes.is_empty() {
        return Some(crate::runtime::replace_signer(
            process_addr(),
            &changes,
            format!(
                "lnd_dir {} and the wallet in it are kept",
                display_path(&t.lnd_dir)
            ),
        ));
    }
    restart_for_config(t, o, conf_written, record.pid)
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
    Some(restart(reason))
}

fn restart(reason: String) -> Action {
    Action::new(
        process_addr(),
        ActionKind::Restart,
        reason,
        Op::Runtime(RuntimeOp::RestartSigner),
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
            reason,
            Op::Runtime(RuntimeOp::StartSigner),
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
    if !s.is_active() && s.active != "activating" && s.active != "reloading" {
        let mut a = start(
            ActionKind::Start,
            format!(
                "{} is {} ({}): stopped outside lsm, or lnd failed (journalctl -u {})",
                u.name, s.active, s.sub, u.name
            ),
        );
        a.drift = true;
        return Some(a);
    }
    let pid = s.main_pid;
    if unit_changed {
        return Some(restart(format!(
            "restart {} (lnd pid {pid}) to run the new unit",
            u.name
        )));
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
pub fn diff(t: &NativeTarget, o: &NativeObservation, _password: HostPassword) -> RuntimeDiff {
    // lnd reads wallet-password.txt where lsm keeps it: there is no copy to
    // plan, so the password's state matters only to the wallet's own plan.
    let mut d = RuntimeDiff::default();
    d.blockers.extend(binary_blocker(t, &o.binary));
    if t.supervisor == Supervisor::Systemd && !systemd::booted() {
        d.blockers.push(Blocker {
            address: process_addr(),
            reason: systemd::NOT_BOOTED.to_string(),
            fix: "use supervisor = \"process\", or run lsm on a host booted with systemd".into(),
        });
    }

    if !o.lnd_dir_exists {
        d.actions.push(Action::new(
            Address::new("directory", "lnd_dir"),
            ActionKind::Create,
            format!(
                "create {} (0700) for lnd's data and wallet",
                display_path(&t.lnd_dir)
            ),
            Op::Runtime(RuntimeOp::CreateVolume),
        ));
    }
    let conf = conf_action(t, o);
    let conf_written = conf.is_some();
    d.actions.extend(conf);
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
pub fn destroy_diff(t: &NativeTarget, o: &NativeObservation, purge: bool) -> RuntimeDiff {
    let mut d = RuntimeDiff::default();
    let lnd_dir = display_path(&t.lnd_dir);
    if purge {
        d.blockers.push(Blocker {
            address: Address::new("directory", "lnd_dir"),
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
    let stop = match (&o.unit, o.process.running()) {
        (Some(u), _) => {
            let installed = u.file.is_some()
                || u.service
                    .as_ref()
                    .is_ok_and(|s| s.load != "not-found" || s.is_active());
            installed.then(|| format!("stop and disable {} and remove its unit file", u.name))
        }
        (None, Some(r)) => Some(format!(
            "stop lnd (pid {}): SIGTERM, then SIGKILL after {}s",
            r.pid,
            super::process::STOP_DEADLINE.as_secs()
        )),
        (None, None) => None,
    };
    if let Some(reason) = stop {
        d.actions.push(
            Action::new(
                process_addr(),
                ActionKind::Destroy,
                reason,
                Op::Runtime(RuntimeOp::RemoveSigner),
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
    use crate::runtime::native::observation::ObservedUnit;
    use crate::runtime::native::pidfile::Record;
    use crate::runtime::native::systemd::ServiceState;
    use crate::runtime::native::target::test_target;
    use std::path::PathBuf;

    const LND: &str = "/usr/local/bin/lnd";

    fn record(t: &NativeTarget) -> Record {
        let mut argv = vec![LND.to_string()];
        argv.extend(t.lnd_args());
        Record {
            pid: 4242,
            start_time: 1,
            boot_id: "boot".into(),
            exe: PathBuf::from(LND),
            argv,
            conf_sha256: t.conf_sha256.clone(),
            dial: t.dial.clone(),
            started_at: 0,
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
            }
        });
        NativeObservation {
            supervisor: t.supervisor,
            binary: Binary::Found {
                path: LND.into(),
                canonical: LND.into(),
                version_line: "lnd version 0.20.0-beta commit=v0.20.0-beta".into(),
                version_ok: true,
            },
            lnd_dir_exists: true,
            conf: Some(t.conf.clone().into_bytes()),
            tls_cert: None,
            admin_macaroon: None,
            process: ProcessState::Running {
                record: record(t),
                exe_replaced: false,
            },
            unit,
            dial: t.dial.clone(),
        }
    }

    /// (address, kind, op, drift) of each action.
    fn steps(d: &RuntimeDiff) -> Vec<(String, ActionKind, Op, bool)> {
        d.actions
            .iter()
            .map(|a| (a.address.0.clone(), a.kind, a.op.clone(), a.drift))
            .collect()
    }

    fn step(
        addr: &str,
        kind: ActionKind,
        op: RuntimeOp,
        drift: bool,
    ) -> (String, ActionKind, Op, bool) {
        (addr.to_string(), kind, Op::Runtime(op), drift)
    }

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
        let d = diff(&t, &converged(&t), HostPassword::Present);
        assert_eq!(d, RuntimeDiff::default());
    }

    #[test]
    fn the_process_is_started_restarted_or_replaced_for_a_reason() {
        let t = process();
        let run = |f: &dyn Fn(&mut NativeObservation)| {
            let mut o = converged(&t);
            f(&mut o);
            diff(&t, &o, HostPassword::Present)
        };
        use ActionKind::*;
        use RuntimeOp::*;

        let fresh = run(&|o| {
            o.process = ProcessState::NotStarted;
            o.conf = None;
            o.lnd_dir_exists = false;
        });
        assert_eq!(
            steps(&fresh),
            [
                step("directory.lnd_dir", Create, CreateVolume, false),
                step("file.lnd_conf", Create, WriteConfig, false),
                step("process.signer", Create, StartSigner, false),
            ]
        );

        let died = run(&|o| o.process = ProcessState::Exited { record: record(&t) });
        assert_eq!(
            steps(&died),
            [step("process.signer", Start, StartSigner, true)]
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
                step("process.signer", Restart, RestartSigner, false),
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
            [step("process.signer", Restart, RestartSigner, false)]
        );
        assert!(
            stale.actions[0]
                .reason
                .contains("runs with an older config")
        );

        let args = run(&|o| {
            if let ProcessState::Running { record, .. } = &mut o.process {
                record.argv.push("--debuglevel=trace".into());
            }
        });
        assert_eq!(
            steps(&args),
            [step("process.signer", Replace, ReplaceSigner, false)]
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
        };
        let d = diff(&t, &o, HostPassword::Present);
        assert_eq!(d.blockers.len(), 1);
        assert_eq!(d.blockers[0].address.0, "binary.lnd");
        assert!(d.blockers[0].reason.contains("pins lnd v0.20.0-beta"));
        o.binary = Binary::Unusable {
            reason: "no executable \"lnd\" in PATH".into(),
        };
        let d = diff(&t, &o, HostPassword::Present);
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
            diff(&t, &o, HostPassword::Present)
        };
        use ActionKind::*;
        use RuntimeOp::*;
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
                step("process.signer", Create, StartSigner, false),
            ]
        );

        let edited = run(&|u, _| u.file = Some("[Service]\nExecStart=other\n".into()));
        assert_eq!(
            steps(&edited),
            [
                step("file.systemd_unit", Update, InstallUnit, false),
                step("process.signer", Restart, RestartSigner, false),
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
            [step("process.signer", Start, StartSigner, true)]
        );

        let disabled = run(&|u, _| {
            if let Ok(s) = &mut u.service {
                s.unit_file = "disabled".into();
            }
        });
        assert_eq!(
            steps(&disabled),
            [step("process.signer", Update, StartSigner, true)]
        );

        let unrecorded = run(&|_, o| o.process = ProcessState::NotStarted);
        assert_eq!(
            steps(&unrecorded),
            [step("process.signer", Restart, RestartSigner, false)]
        );
        assert!(unrecorded.actions[0].reason.contains("no record"));
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
                RuntimeOp::RemoveSigner,
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
                .any(|a| a.op == Op::Runtime(RuntimeOp::RemoveVolume))
        );

        let mut gone = converged(&t);
        gone.process = ProcessState::Exited { record: record(&t) };
        assert!(destroy_diff(&t, &gone, false).actions.is_empty());

        let t = systemd();
        let d = destroy_diff(&t, &converged(&t), false);
        assert!(
            d.actions[0].reason.contains("disable lsm-s1.service"),
            "{:?}",
            d.actions
        );
    }
}
