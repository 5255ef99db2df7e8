//! The Docker runtime's plan: image → volume → container → lnd.conf →
//! password copy → start/restart, each with the reason an operator needs.
//!
//! The container is compared field by field with the desired spec so each
//! replacement names what forces it ("rpc port 10012 → 10022"); the spec-hash
//! label then catches what fields cannot show — the content of lnd.conf the
//! container was created for. The restart policy is the one field the engine
//! changes in place, so it is an update, not a replacement.
//!
//! Drift (`[changed outside lsm]`) is decided by the cause, never by the
//! mere difference: a difference is drift when the object no longer is what
//! lsm last made it (the spec-hash label still names this manifest, the
//! restart policy is not the one lsm recorded, a mode lsm set was changed),
//! and not drift when the manifest changed or lnd itself failed.

use super::observation::{DockerObservation, PasswordCopy};
use super::target::{
    DockerTarget, LND_DIR, LSM_DIR, LSM_DIR_MODE, LSM_FILE_MODE, P2P_PORT, PASSWORD_PATH,
    REST_PORT, RPC_PORT,
};
use crate::docker::{ContainerStatus, ObservedContainer, PortBinding, RestartPolicy, VolumeFile};
use crate::plan::PlanPart;
use crate::plan::ReasonCode;
use crate::plan::op::DockerOp;
use crate::plan::{Action, ActionKind, Address, Blocker, Detail};
use crate::runtime::{PasswordFile, WalletFacts};

fn port_name(container_port: u16) -> &'static str {
    match container_port {
        RPC_PORT => "rpc",
        REST_PORT => "rest",
        P2P_PORT => "p2p",
        _ => "port",
    }
}

/// The container ports lsm may publish: a watch-only node also has p2p.
const DECLARABLE_PORTS: [u16; 3] = [RPC_PORT, REST_PORT, P2P_PORT];

fn binding(ports: &[PortBinding], container_port: u16) -> Option<PortBinding> {
    ports
        .iter()
        .find(|p| p.container_port == container_port)
        .copied()
}

fn show(b: Option<PortBinding>) -> String {
    match b {
        Some(b) if b.host_ip.is_ipv6() => format!("[{}]:{}", b.host_ip, b.host_port),
        Some(b) => format!("{}:{}", b.host_ip, b.host_port),
        None => "not published".into(),
    }
}

/// What differs between the container and the desired spec in fields the
/// engine cannot change in place: (replace path, human reason). The restart
/// policy is not among them (see [`restart_update`]).
fn spec_changes(t: &DockerTarget, c: &ObservedContainer) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let spec = &t.spec;
    if c.image != spec.image {
        out.push((
            "image".to_string(),
            format!("image {} → {} forces replacement", c.image, spec.image),
        ));
    }
    for port in DECLARABLE_PORTS {
        let want = binding(&spec.ports, port);
        let have = binding(&c.ports, port);
        if want != have {
            let name = port_name(port);
            let reason = match (have, want) {
                (Some(h), Some(w)) if h.host_ip == w.host_ip => format!(
                    "{name} port {} → {} forces replacement",
                    h.host_port, w.host_port
                ),
                (h, w) => format!(
                    "{name} address {} → {} forces replacement",
                    show(h),
                    show(w)
                ),
            };
            out.push((format!("ports.{name}"), reason));
        }
    }
    if c.ports
        .iter()
        .any(|p| !DECLARABLE_PORTS.contains(&p.container_port))
        || !c.other_ports.is_empty()
    {
        out.push((
            "ports".to_string(),
            "the container publishes ports lsm did not declare".to_string(),
        ));
    }
    if c.args != spec.args {
        out.push((
            "args".to_string(),
            format!(
                "lnd arguments [{}] → [{}] force replacement",
                c.args.join(" "),
                spec.args.join(" ")
            ),
        ));
    }
    if c.user_network() != spec.network.as_deref() {
        out.push((
            "network".to_string(),
            format!(
                "network {} → {} forces replacement",
                c.user_network().unwrap_or("default"),
                spec.network.as_deref().unwrap_or("default")
            ),
        ));
    }
    if c.volume_at(LND_DIR) != Some(spec.volume.name.as_str()) {
        out.push((
            "volume".to_string(),
            format!(
                "volume at {LND_DIR} {} → {} forces replacement",
                c.volume_at(LND_DIR).unwrap_or("none"),
                spec.volume.name
            ),
        ));
    }
    if out.is_empty() && t.made_from_this(c.spec_hash.as_deref()).is_none() {
        out.push((
            "lnd.conf".to_string(),
            match &c.spec_hash {
                Some(_) => {
                    "lnd.conf in signer.toml changed; the container is recreated for it".to_string()
                }
                None => "the container carries no spec hash; it is recreated from signer.toml"
                    .to_string(),
            },
        ));
    }
    out
}

/// Whether a replacement repairs a change made outside lsm: the container
/// claims (by its spec hash) to be made from this very manifest, yet its
/// fixed fields differ, or it carries lsm's labels without a spec hash. A
/// container made from an older manifest is replaced because the manifest
/// changed, which is not drift.
fn replaced_for_drift(t: &DockerTarget, c: &ObservedContainer) -> bool {
    c.spec_hash.is_none() || t.made_from_this(c.spec_hash.as_deref()).is_some()
}

/// The restart policy lsm last set on `c`: its record in the volume (an
/// in-place update), else the container's label (its creation), else the
/// policy an earlier lsm's spec hash was made with. `None`: unknown.
fn restart_set_by_lsm(
    t: &DockerTarget,
    o: &DockerObservation,
    c: &ObservedContainer,
) -> Option<String> {
    o.restart_record
        .clone()
        .or_else(|| c.labels.get(crate::docker::labels::RESTART_POLICY).cloned())
        .or_else(|| {
            t.made_from_this(c.spec_hash.as_deref())
                .flatten()
                .map(|p: RestartPolicy| p.to_string())
        })
}

/// The in-place restart-policy update, when the policy differs: drift when
/// the container's policy is not what lsm last set (`docker update
/// --restart`), a manifest change otherwise.
fn restart_update(
    t: &DockerTarget,
    o: &DockerObservation,
    c: &ObservedContainer,
) -> Option<Action> {
    if c.restart == t.spec.restart {
        return None;
    }
    let mut a = Action::new(
        Address::CONTAINER_SIGNER,
        ActionKind::Update,
        ReasonCode::RestartPolicyChanged,
        format!(
            "restart policy {} → {} (updated in place)",
            c.restart, t.spec.restart
        ),
        DockerOp::UpdateRestartPolicy.into(),
    );
    a.drift = restart_set_by_lsm(t, o, c).is_some_and(|set| set != c.restart.to_string());
    Some(a)
}

/// Why a stopped container is not running, and whether that was done
/// outside lsm. A container whose restart policy would have brought lnd
/// back after a crash, or that ended as `docker stop` leaves it (exit code
/// 0, 137 or 143, or lnd's exit 1 for a signal while it waited for the
/// wallet password), was stopped; otherwise lnd itself exited.
fn exit_reason(c: &ObservedContainer) -> (String, bool) {
    let code = c.state.exit_code.unwrap_or(0);
    if c.state.oom_killed {
        return (
            format!("lnd was killed for lack of memory (exit code {code})"),
            false,
        );
    }
    let restarts_on_crash = matches!(
        c.restart,
        RestartPolicy::Always | RestartPolicy::UnlessStopped
    );
    if c.state.stopped_waiting_for_password && !restarts_on_crash {
        return (
            format!(
                "container was stopped outside lsm while lnd waited for the wallet password \
                 (lnd exits with code {code} then)"
            ),
            true,
        );
    }
    if restarts_on_crash || matches!(code, 0 | 137 | 143) {
        (
            format!("container was stopped outside lsm (exit code {code})"),
            true,
        )
    } else {
        (
            format!(
                "lnd exited with code {code} (`docker logs {}` shows why)",
                c.name
            ),
            false,
        )
    }
}

/// Mode problems of lsm's directory and lnd.conf in the volume, each with
/// whether it is drift. lsm before 0700 left its directory at the engine's
/// 0755; that is lsm's own old default, not a change outside lsm.
fn loose_modes(o: &DockerObservation) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(m) = o.modes.dir.filter(|m| *m != LSM_DIR_MODE) {
        out.push((
            format!("{LSM_DIR} in the volume is {m:04o}, not {LSM_DIR_MODE:04o}"),
            m != 0o755,
        ));
    }
    if let Some(m) = o.modes.conf.filter(|m| *m != LSM_FILE_MODE) {
        out.push((
            format!("lnd.conf in the volume is {m:04o}, not {LSM_FILE_MODE:04o}"),
            true,
        ));
    }
    out
}

/// The Docker runtime's actions, in the order apply runs them.
pub(crate) fn diff(t: &DockerTarget, o: &DockerObservation, wallet: WalletFacts) -> PlanPart {
    let mut d = PlanPart::default();
    d.actions.extend(image_action(t, o));
    d.actions.extend(volume_action(t, o));
    d.warnings.extend(foreign_volume_warning(t, o));
    let (container, new_container) = container_action(t, o);
    d.actions.extend(container);

    // Files read through a container that mounts another volume say nothing
    // about the declared one, which the replacement will mount: unknown.
    let other_volume = o.other_volume.is_some();
    let (conf_seen, copy_seen) = if other_volume {
        (&VolumeFile::Unknown, PasswordCopy::Unknown)
    } else {
        (&o.conf, o.password)
    };

    // lnd.conf in the volume. With no container it cannot be read, so it is
    // written (a fresh container needs it anyway).
    let conf_ok = matches!(conf_seen, VolumeFile::Present(b) if b.as_slice() == t.conf.as_bytes());
    if conf_ok {
        if !other_volume {
            d.actions.extend(conf_modes_action(o));
        }
    } else {
        d.actions.push(conf_write_action(t, o, conf_seen));
    }
    let creds_written = signer_credentials_action(t, o, other_volume).map(|a| {
        d.actions.push(a);
    });
    let conf_written = !conf_ok || creds_written.is_some();

    // The password copy lnd's auto-unlock reads. A copy that differs from
    // the host's is replaced only when lnd proved there is no wallet: while
    // one may exist, that copy may be the only password that opens it.
    if t.auto_unlock && wallet.password != PasswordFile::Missing {
        let mode = if other_volume { None } else { o.modes.password };
        password_copy(&mut d, copy_seen, mode, wallet, &t.volume);
    } else if !t.auto_unlock {
        stale_password_copy(&mut d, copy_seen, &t.volume);
    }

    d.actions
        .extend(start_action(o, new_container, conf_written));
    if !t.auto_unlock {
        d.notes
            .push("auto_unlock is off; lsm unlocks the wallet over gRPC".into());
    }
    d
}

/// A watch-only node's copies of the bundle's certificate and macaroon:
/// written when missing or different. lnd reads them at start, so writing
/// them restarts it (the caller plans that with the start action).
fn signer_credentials_action(
    t: &DockerTarget,
    o: &DockerObservation,
    other_volume: bool,
) -> Option<Action> {
    use super::observation::FileSeen;
    let mut missing = false;
    let mut changed = Vec::new();
    for f in &t.signer_files {
        let want = crate::secrets::sha256_hex(&f.content);
        let seen = o
            .signer_files
            .iter()
            .find(|(p, _)| *p == f.path)
            .map(|(_, s)| s.clone())
            .unwrap_or(FileSeen::Unknown);
        match seen {
            FileSeen::Sha256(h) if h == want && !other_volume => {}
            FileSeen::Sha256(_) if !other_volume => changed.push(f.path),
            _ => missing = true,
        }
    }
    if !missing && changed.is_empty() {
        return None;
    }
    let changed: Vec<String> = changed
        .iter()
        .map(|p| format!("{} in the volume", p.rsplit('/').next().unwrap_or(p)))
        .collect();
    Some(crate::runtime::signer_credentials_action(
        &changed,
        "copy the bundle's tls.cert and macaroon into the volume for lnd's remotesigner options"
            .into(),
        DockerOp::CopySignerCredentials,
    ))
}

/// A pull when the image is missing, or lacks the digest signer.toml pins.
fn image_action(t: &DockerTarget, o: &DockerObservation) -> Option<Action> {
    let Some(img) = &o.image else {
        return Some(Action::new(
            Address::IMAGE_LND,
            ActionKind::Create,
            ReasonCode::ImageMissing,
            format!("pull {} (not on the engine)", t.reference),
            DockerOp::PullImage.into(),
        ));
    };
    let digest = t.digest.as_ref()?;
    if img.has_digest(digest) {
        return None;
    }
    Some(Action::new(
        Address::IMAGE_LND,
        ActionKind::Update,
        ReasonCode::ImageDigestMismatch,
        format!(
            "pull {}: the local image does not carry the pinned digest",
            t.reference
        ),
        DockerOp::PullImage.into(),
    ))
}

/// The data volume's creation, when it does not exist.
fn volume_action(t: &DockerTarget, o: &DockerObservation) -> Option<Action> {
    o.volume.is_none().then(|| {
        Action::new(
            Address::VOLUME_DATA,
            ActionKind::Create,
            ReasonCode::VolumeMissing,
            format!("create volume {} for lnd's data and wallet", t.volume),
            DockerOp::CreateVolume.into(),
        )
    })
}

/// A volume lsm did not create may hold someone's wallet: it is used, but
/// the operator is told it is never purged.
fn foreign_volume_warning(t: &DockerTarget, o: &DockerObservation) -> Option<String> {
    let v = o.volume.as_ref()?;
    (!v.managed()).then(|| {
        format!(
            "volume {} was not created by lsm: it is used as is (it may hold an existing \
             wallet), and `lsm destroy --purge-volume` will never remove it",
            t.volume
        )
    })
}

/// The container's creation, replacement or in-place update; `true` when
/// a new container results (which must then be started).
fn container_action(t: &DockerTarget, o: &DockerObservation) -> (Option<Action>, bool) {
    let Some(c) = &o.container else {
        return (Some(create_container(t)), true);
    };
    let changes = spec_changes(t, c);
    if changes.is_empty() {
        (restart_update(t, o, c), false)
    } else {
        (Some(replace_container(t, c, &changes)), true)
    }
}

/// A new container, with the ports it publishes.
fn create_container(t: &DockerTarget) -> Action {
    Action::new(
        Address::CONTAINER_SIGNER,
        ActionKind::Create,
        ReasonCode::ContainerMissing,
        format!("create container {} from {}", t.signer, t.reference),
        DockerOp::CreateContainer.into(),
    )
    .detail(Detail::Note {
        text: format!(
            "publishes {}",
            t.spec
                .ports
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// A replacement for fields the engine cannot change in place; a differing
/// restart policy rides along (the new container gets the declared one).
fn replace_container(
    t: &DockerTarget,
    c: &ObservedContainer,
    changes: &[(String, String)],
) -> Action {
    let mut a = crate::runtime::replace_signer(
        Address::CONTAINER_SIGNER,
        changes,
        format!("volume {} and the wallet in it are kept", t.volume),
        DockerOp::ReplaceContainer,
    );
    if c.restart != t.spec.restart {
        a = a.detail(Detail::Change {
            field: "restart policy".into(),
            from: c.restart.to_string(),
            to: t.spec.restart.to_string(),
        });
    }
    a.drift = replaced_for_drift(t, c);
    a
}

/// Same content, loose modes: rewriting lnd.conf restores 0600 in a 0700
/// directory; lnd need not restart for it.
fn conf_modes_action(o: &DockerObservation) -> Option<Action> {
    let loose = loose_modes(o);
    if loose.is_empty() {
        return None;
    }
    let mut a = Action::new(
        Address::FILE_LND_CONF,
        ActionKind::Update,
        ReasonCode::ConfigPermissions,
        loose
            .iter()
            .map(|(r, _)| r.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        DockerOp::CopyConfig.into(),
    );
    a.drift = loose.iter().any(|(_, drift)| *drift);
    Some(a)
}

/// Writing lnd.conf, whose content in the volume (`seen`) differs, is
/// absent or cannot be read; shown as a diff of the file.
fn conf_write_action(t: &DockerTarget, o: &DockerObservation, seen: &VolumeFile) -> Action {
    let (old, reason, drift) = conf_write_reason(t, o, seen);
    let detail = match seen {
        // Unknown is not absent: a volume kept from before may hold a file.
        VolumeFile::Unknown => Detail::FileUnread {
            path: "lnd.conf".into(),
            why: "no container mounts the volume to read it through".into(),
            new: t.conf_display.clone(),
        },
        _ => Detail::FileDiff {
            path: "lnd.conf".into(),
            old: old.clone(),
            new: t.conf_display.clone(),
        },
    };
    let mut a = Action::new(
        Address::FILE_LND_CONF,
        if old.is_some() {
            ActionKind::Update
        } else {
            ActionKind::Create
        },
        if old.is_some() {
            ReasonCode::ConfigChanged
        } else {
            ReasonCode::ConfigMissing
        },
        reason,
        DockerOp::CopyConfig.into(),
    )
    .detail(detail);
    a.drift = drift;
    a
}

/// The old content (redacted) of lnd.conf, why it is written, and whether
/// that repairs an edit outside lsm: a container that still carries this
/// manifest's spec hash proves the file was edited in place.
fn conf_write_reason(
    t: &DockerTarget,
    o: &DockerObservation,
    seen: &VolumeFile,
) -> (Option<String>, &'static str, bool) {
    match seen {
        VolumeFile::Present(b) => {
            let old = crate::desired::lnd_conf::redact(&String::from_utf8_lossy(b));
            let edited = o
                .container
                .as_ref()
                .is_some_and(|c| c.spec_hash.as_deref() == Some(t.spec_hash.as_str()));
            if edited {
                (
                    Some(old),
                    "lnd.conf in the volume was edited outside lsm",
                    true,
                )
            } else {
                (Some(old), "lnd.conf differs from signer.toml", false)
            }
        }
        VolumeFile::Absent => (None, "lnd.conf is not in the volume yet", false),
        VolumeFile::Unknown => (
            None,
            "write lnd.conf into the volume (what the volume holds now cannot be read \
             without a container)",
            false,
        ),
    }
}

/// Start or restart the container: a new one starts; an existing one
/// starts when stopped, restarts when it crash-loops or lnd must read a
/// new lnd.conf.
fn start_action(o: &DockerObservation, new_container: bool, conf_written: bool) -> Option<Action> {
    if new_container {
        return Some(Action::new(
            Address::CONTAINER_SIGNER,
            ActionKind::Start,
            ReasonCode::NotStarted,
            "start the new container",
            DockerOp::StartContainer.into(),
        ));
    }
    let c = o.container.as_ref()?;
    if c.state.status == ContainerStatus::Restarting {
        Some(crash_loop_restart(c, conf_written))
    } else if !c.is_running() {
        Some(stopped_start(c))
    } else if conf_written {
        Some(
            Action::new(
                Address::CONTAINER_SIGNER,
                ActionKind::Restart,
                ReasonCode::RestartForConfig,
                "restart so lnd reads the new lnd.conf",
                DockerOp::RestartContainer.into(),
            )
            .disruptive(),
        )
    } else {
        None
    }
}

/// lnd crashes and the engine restarts it: not a change outside lsm. A
/// restart (start would be a no-op on a restarting container) lets apply
/// see whether it now stays up.
fn crash_loop_restart(c: &ObservedContainer, conf_written: bool) -> Action {
    Action::new(
        Address::CONTAINER_SIGNER,
        ActionKind::Restart,
        ReasonCode::CrashLoop,
        format!(
            "lnd keeps exiting (exit code {}, restarted {} times); restart it{}",
            c.state.exit_code.unwrap_or(0),
            c.state.restart_count,
            if conf_written {
                " with the new lnd.conf"
            } else {
                ""
            }
        ),
        DockerOp::RestartContainer.into(),
    )
}

/// A start of a container that is not running, with why it is not and
/// whether that was done outside lsm.
fn stopped_start(c: &ObservedContainer) -> Action {
    let (reason, drift) = match c.state.status {
        ContainerStatus::Exited => exit_reason(c),
        ContainerStatus::Created => ("container was created but never started".into(), false),
        ContainerStatus::Paused => ("container was paused outside lsm".into(), true),
        other => (format!("container is {other}"), false),
    };
    let mut a = Action::new(
        Address::CONTAINER_SIGNER,
        ActionKind::Start,
        ReasonCode::NotRunning,
        reason,
        DockerOp::StartContainer.into(),
    );
    a.drift = drift;
    a
}

/// A restart of the running container for `reason`; None when it is not
/// running (the diff plans its start then).
pub(crate) fn restart(o: &DockerObservation, code: ReasonCode, reason: String) -> Option<Action> {
    o.container.as_ref().filter(|c| c.is_running())?;
    Some(
        Action::new(
            Address::CONTAINER_SIGNER,
            ActionKind::Restart,
            code,
            reason,
            DockerOp::RestartContainer.into(),
        )
        .disruptive(),
    )
}

/// `lsm destroy`: remove the container (and the volume with `purge`).
pub(crate) fn destroy_diff(t: &DockerTarget, o: &DockerObservation, purge: bool) -> PlanPart {
    let mut d = PlanPart::default();
    if o.container.is_some() {
        d.actions.push(
            Action::new(
                Address::CONTAINER_SIGNER,
                ActionKind::Destroy,
                ReasonCode::DestroyRequested,
                format!("remove container {}", t.signer),
                DockerOp::RemoveContainer.into(),
            )
            .disruptive(),
        );
    }
    match (&o.volume, purge) {
        (Some(v), true) if !v.managed() => d.blockers.push(crate::plan::Blocker {
            code: crate::plan::BlockerCode::PurgeUnmanagedVolume,
            address: Address::VOLUME_DATA,
            reason: format!(
                "--purge-volume removes only a volume lsm created, and {} was not (it carries \
                 no io.lsm labels; it may hold a wallet lsm did not make)",
                t.volume
            ),
            fix: format!(
                "run `lsm destroy` without --purge-volume, and remove the volume yourself \
                 (`docker volume rm {}`) only if you are sure",
                t.volume
            ),
        }),
        (Some(_), true) => d.actions.push(
            Action::new(
                Address::VOLUME_DATA,
                ActionKind::Destroy,
                ReasonCode::PurgeRequested,
                match t.kind {
                    crate::manifest::schema::Kind::Signer => format!(
                        "remove volume {} with lnd's wallet (only while seed.txt can restore it)",
                        t.volume
                    ),
                    crate::manifest::schema::Kind::WatchOnly => format!(
                        "remove volume {} with the watch-only wallet and channel state (only \
                         while lnd reports no channels)",
                        t.volume
                    ),
                },
                DockerOp::RemoveVolume.into(),
            )
            .disruptive(),
        ),
        (Some(_), false) => d.notes.push(format!(
            "volume {} (lnd's wallet) and every secret are kept; --purge-volume removes the volume",
            t.volume
        )),
        (None, _) => {}
    }
    d
}

/// The password copy's action, or the blocker when replacing it could lock
/// the wallet out. `mode` is the copy's mode in the volume, when seen.
/// `wallet.password` is present or planned (a missing one is not copied).
fn password_copy(
    d: &mut PlanPart,
    copy: PasswordCopy,
    mode: Option<u32>,
    wallet: WalletFacts,
    volume: &str,
) {
    // A copy of another password may be the only one that opens the
    // wallet, so it is replaced only when no wallet can exist: the host's
    // password is new, or lnd reported there is no wallet.
    let guards_nothing = wallet.password == PasswordFile::Planned || wallet.no_wallet;
    let addr = || Address::FILE_WALLET_PASSWORD;
    let note = "0600 inside the volume; its content is never shown";
    match (copy, guards_nothing) {
        (PasswordCopy::Matches, _) if mode.is_some_and(|m| m != LSM_FILE_MODE) => {
            // Same bytes, rewritten with lsm's mode: nothing is lost.
            d.actions.push(
                Action::new(
                    addr(),
                    ActionKind::Update,
                    ReasonCode::PasswordCopyPermissions,
                    "the wallet password copy in the volume is readable by others (not 0600)",
                    DockerOp::CopyPassword.into(),
                )
                .note(note)
                .drift(),
            );
        }
        (PasswordCopy::Matches, _) => {}
        (PasswordCopy::Absent | PasswordCopy::Unknown, _) => {
            let reason = if wallet.password == PasswordFile::Planned {
                "copy the new wallet password into the volume"
            } else {
                "copy wallet-password.txt into the volume for wallet-unlock-password-file"
            };
            d.actions.push(
                Action::new(
                    addr(),
                    ActionKind::Create,
                    ReasonCode::PasswordCopyMissing,
                    reason,
                    DockerOp::CopyPassword.into(),
                )
                .note(note),
            );
        }
        (PasswordCopy::Differs, true) => d.actions.push(
            Action::new(
                addr(),
                ActionKind::Update,
                ReasonCode::PasswordCopyDiffers,
                "the wallet password copy in the volume differs from wallet-password.txt; the \
                 signer has no wallet, so the copy guards nothing",
                DockerOp::ReplacePasswordCopy.into(),
            )
            .note(note),
        ),
        (PasswordCopy::Differs, false) => d.blockers.push(Blocker {
            code: crate::plan::BlockerCode::PasswordCopyDiffers,
            address: addr(),
            reason: format!(
                "the wallet password copy in volume {volume} ({PASSWORD_PATH}, what lnd's \
                 auto-unlock reads) differs from wallet-password.txt; one of them does not open \
                 the wallet, and lsm cannot tell which, so it overwrites neither"
            ),
            fix: "overwrite neither before you know: first save both somewhere safe (`docker \
                  cp <signer>:/root/.lnd/lsm/wallet-password.txt ./copy-from-volume.txt`, and \
                  wallet-password.txt), then find the one that opens the wallet (lnd read the \
                  volume's copy when it last started, and either file may have changed since; \
                  with auto_unlock off, `lsm apply` unlocks with wallet-password.txt and says \
                  whether it works). Then make both files that password"
                .into(),
        }),
    }
}
/// With auto_unlock off, lnd never reads the copy, yet it is the wallet's
/// password lying in the volume next to the wallet: empty it while it is a
/// copy of wallet-password.txt; leave one that differs (it may be the only
/// one that opens the wallet) with a warning.
fn stale_password_copy(d: &mut PlanPart, copy: PasswordCopy, volume: &str) {
    match copy {
        PasswordCopy::Matches => d.actions.push(
            Action::new(
                Address::FILE_WALLET_PASSWORD,
                ActionKind::Destroy,
                ReasonCode::PasswordCopyUnused,
                "auto_unlock is off: empty the wallet password copy in the volume (lnd no longer \
                 reads it; wallet-password.txt keeps the password)",
                DockerOp::BlankPasswordCopy.into(),
            )
            .note("the Docker API cannot delete a file in a volume; lsm writes it empty"),
        ),
        PasswordCopy::Differs => d.warnings.push(format!(
            "volume {volume} still holds a wallet password copy ({PASSWORD_PATH}) that differs \
             from wallet-password.txt; auto_unlock is off, so lnd does not read it, but lsm \
             leaves it (it may be the only password that opens the wallet): remove it yourself \
             once you know which password is right"
        )),
        PasswordCopy::Absent | PasswordCopy::Unknown => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Op;

    fn facts(password: PasswordFile, no_wallet: bool) -> WalletFacts {
        WalletFacts {
            password,
            no_wallet,
        }
    }

    /// wallet-password.txt exists; lnd did not say there is no wallet.
    const PRESENT: WalletFacts = WalletFacts {
        password: PasswordFile::Present,
        no_wallet: false,
    };

    fn decide(copy: PasswordCopy, wallet: WalletFacts) -> PlanPart {
        let mut d = PlanPart::default();
        password_copy(&mut d, copy, None, wallet, "signer-data");
        d
    }

    fn steps(d: &PlanPart) -> Vec<Op> {
        d.actions.iter().map(|a| a.op.clone()).collect()
    }

    #[test]
    fn a_differing_copy_is_never_overwritten_while_a_wallet_may_exist() {
        let d = decide(PasswordCopy::Differs, PRESENT);
        assert!(d.actions.is_empty(), "{:?}", d.actions);
        assert_eq!(d.blockers.len(), 1);
        assert!(d.blockers[0].reason.contains("overwrites neither"));
    }

    #[test]
    fn a_differing_copy_is_replaced_once_lnd_proved_there_is_no_wallet() {
        for wallet in [
            facts(PasswordFile::Present, true),
            facts(PasswordFile::Planned, false),
            facts(PasswordFile::Planned, true),
        ] {
            let d = decide(PasswordCopy::Differs, wallet);
            assert_eq!(steps(&d), [DockerOp::ReplacePasswordCopy.into()]);
            assert!(d.blockers.is_empty());
        }
    }

    #[test]
    fn a_missing_or_unseen_copy_is_written_with_a_check_at_apply() {
        for copy in [PasswordCopy::Absent, PasswordCopy::Unknown] {
            let d = decide(copy, PRESENT);
            assert_eq!(steps(&d), [DockerOp::CopyPassword.into()]);
        }
        assert!(decide(PasswordCopy::Matches, PRESENT).actions.is_empty());
    }

    #[test]
    fn a_loose_copy_with_the_right_bytes_is_rewritten_as_drift() {
        let mut d = PlanPart::default();
        password_copy(
            &mut d,
            PasswordCopy::Matches,
            Some(0o644),
            PRESENT,
            "signer-data",
        );
        assert_eq!(steps(&d), [DockerOp::CopyPassword.into()]);
        assert!(d.actions[0].drift);
    }

    #[test]
    fn with_auto_unlock_off_only_a_copy_of_the_hosts_password_is_emptied() {
        let mut d = PlanPart::default();
        stale_password_copy(&mut d, PasswordCopy::Matches, "signer-data");
        assert_eq!(steps(&d), [DockerOp::BlankPasswordCopy.into()]);
        let mut d = PlanPart::default();
        stale_password_copy(&mut d, PasswordCopy::Differs, "signer-data");
        assert!(d.actions.is_empty() && d.warnings.len() == 1, "{d:?}");
        for copy in [PasswordCopy::Absent, PasswordCopy::Unknown] {
            let mut d = PlanPart::default();
            stale_password_copy(&mut d, copy, "signer-data");
            assert!(d.actions.is_empty() && d.warnings.is_empty());
        }
    }
}
