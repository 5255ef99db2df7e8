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
    let reason = if conf_written {
        format!("restart lnd (pid {pid}) so it reads the new config")
    } else if o.record().map(|r| r.conf_sha256.as_str()) != Some(t.conf_sha256.as_str()) {
        format!(
            "lnd (pid {pid}) runs with an older config than {}: it was not restarted after the \
             last change",
            display_path(&t.conf_path)
        )
    } else {
        return None;
    };
    Some(
        Action::new(
            process_addr(),
            ActionKind::Restart,
            reason,
            Op::Runtime(RuntimeOp::RestartSigner),
        )
        .disruptive(),
    )
}

/// What to do with the unit's service under supervisor = "systemd".
fn service_action(o: &NativeObservation, changed: bool) -> Option<Action> {
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
        Err(_) => {
            return Some(start(
                ActionKind::Create,
                format!("enable and start {}", u.name),
            ));
        }
        Ok(s) if u.file.is_none() || s.load == "not-found" => {
            return Some(start(
                ActionKind::Create,
                format!("enable and start {}", u.name),
            ));
        }
        Ok(s) => s,
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
    if changed {
        return Some(
            Action::new(
                process_addr(),
                ActionKind::Restart,
                format!(
                    "restart {} (lnd pid {pid}) for the new unit or config",
                    u.name
                ),
                Op::Runtime(RuntimeOp::RestartSigner),
            )
            .disruptive(),
        );
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
            let changed = conf_written
                || unit.is_some()
                || o.record().map(|r| r.conf_sha256.as_str()) != Some(t.conf_sha256.as_str());
            d.actions.extend(unit);
            service_action(o, changed)
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
