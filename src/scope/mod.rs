//! The watch-only node's macaroon: which permissions and root key it must
//! carry, decided offline by decoding the bundle's macaroon file, and the
//! bake/revoke actions that get it there.
//!
//! A macaroon stays valid as long as its root key exists, so a narrower
//! scope is only real once every root key that signed a different macaroon
//! is deleted (DeleteMacaroonID). The rules:
//!
//! - lsm revokes only root keys it recorded baking under ([`ledger`]). A
//!   macaroon file it did not bake — one dropped into the bundle by hand —
//!   is never grounds for revoking its key; the plan mentions it instead.
//! - Root key id 0 also signs lnd's admin.macaroon and cannot be deleted,
//!   so it is never revoked; moving away from `admin` says so.
//! - Moving to another root key id (or to `admin`): bake the new macaroon,
//!   write the bundle, and only then revoke the old key, so the bundle
//!   always holds a working macaroon.
//! - Changing permissions under the same root key id: revoke that key,
//!   bake, write the bundle — in that order, back to back. No other order
//!   works: a bake under a live key is signed by that same key, so revoking
//!   after the bake would kill the new macaroon too. The bundle on disk
//!   holds a dead macaroon only for one BakeMacaroon call and one bundle
//!   write; a crash in between is repaired by the next apply, which sees
//!   the old permissions in the bundle and bakes.

pub(crate) mod ledger;

use crate::lnd::permissions::Permission;
use crate::plan::ReasonCode;
use crate::plan::op::{MacaroonOp, Op};
use crate::plan::{Action, ActionKind, Address, Blocker, Detail, PlanPart};
use ledger::{Ledger, LedgerView};

/// What the manifest's `[macaroon]` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeIntent {
    /// `admin`, `signer-only` or `custom`.
    pub scope: String,
    /// The concrete permission set (admin's and signer-only's resolved too).
    pub permissions: Vec<Permission>,
    /// The root key id the bundle's macaroon must be baked under (0 for admin).
    pub root_key_id: u64,
    /// False for `admin`: the signer's own admin.macaroon is exported as is.
    pub bake: bool,
}

impl ScopeIntent {
    /// The bundle file name for this scope: admin.macaroon, signer-only.macaroon, custom.macaroon.
    pub(crate) fn file_name(&self) -> String {
        file_name_of(&self.scope)
    }
}

fn file_name_of(scope: &str) -> String {
    format!("{scope}.macaroon")
}

/// The file names lsm gives the bundle's macaroon, one per scope.
const SCOPE_FILES: &[&str] = &["admin.macaroon", "signer-only.macaroon", "custom.macaroon"];

/// Whether lsm would give a bundle macaroon this name (any other
/// `*.macaroon` in the bundle was put there by someone else).
pub(crate) fn is_scope_file_name(name: &str) -> bool {
    SCOPE_FILES.contains(&name)
}

/// A macaroon file found in the bundle directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MacaroonFile {
    /// Decodes; its permissions, root key id and caveats.
    Decoded {
        name: String,
        permissions: Vec<Permission>,
        root_key_id: u64,
        /// Caveats added to it (lnd's BakeMacaroon adds none, so neither
        /// does lsm): first-party conditions as written, third-party ones
        /// by location. A macaroon lsm baked has none.
        caveats: Vec<String>,
    },
    /// Present but not an lnd macaroon.
    Unreadable { name: String, error: String },
}

impl MacaroonFile {
    pub(crate) fn name(&self) -> &str {
        match self {
            MacaroonFile::Decoded { name, .. } | MacaroonFile::Unreadable { name, .. } => name,
        }
    }
}

/// What the scope diff is decided from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeInputs<'a> {
    /// The macaroon files in the bundle.
    pub files: &'a [MacaroonFile],
    /// The macaroon file bundle.json says the bundle hands out, if readable:
    /// the previous macaroon when the scope (and so the file name) changes.
    pub described: Option<&'a str>,
    /// The signer's root key ids when it could be asked (None when not).
    pub live: Option<&'a [u64]>,
    /// lsm's record of the root keys it baked under.
    pub ledger: &'a LedgerView,
    /// Why lnd rejects the bundle's macaroon of the declared scope
    /// (CheckMacaroonPermissions), when it was asked and does; `None` when
    /// it accepts it or could not be asked.
    pub rejected: Option<&'a str>,
}

fn joined(perms: &[Permission]) -> String {
    perms
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn macaroon_addr() -> Address {
    Address::MACAROON_WATCHONLY
}

/// DeleteMacaroonID of root key `id`, as `op` (a renewal before the bake,
/// or a revocation after the export).
fn revoke_action(id: u64, reason: String, op: MacaroonOp) -> Action {
    Action::new(
        Address::root_key(id),
        ActionKind::Destroy,
        ReasonCode::RootKeyRevoke,
        reason,
        Op::Macaroon(op),
    )
    .disruptive()
}

/// The macaroon the bundle hands out now: the declared scope's file, else
/// the one bundle.json names, else any file lsm would have named.
fn current<'a>(intent: &ScopeIntent, obs: &ScopeInputs<'a>) -> Option<&'a MacaroonFile> {
    let find = |name: &str| obs.files.iter().find(|f| f.name() == name);
    find(&intent.file_name())
        .or_else(|| obs.described.and_then(find))
        .or_else(|| SCOPE_FILES.iter().find_map(|n| find(n)))
}

/// Decides bake and revoke actions.
pub(crate) fn diff(intent: &ScopeIntent, obs: &ScopeInputs<'_>) -> PlanPart {
    let mut d = PlanPart::default();
    let ledger = match obs.ledger {
        LedgerView::Readable(l) => l,
        LedgerView::Unreadable { error } => {
            d.blockers.push(Blocker {
                code: crate::plan::BlockerCode::MacaroonLedgerUnreadable,
                address: Address::MACAROON_ROOT_KEYS,
                reason: format!(
                    "{error}; without it lsm cannot tell which macaroon root keys it baked, so \
                     it neither bakes nor revokes"
                ),
                fix: "restore the file from your backup of the secrets directory, or delete it: \
                      lsm then owns no root key and leaves old ones live (revoke those with \
                      `lncli deletemacaroonid ID`)"
                    .into(),
            });
            return d;
        }
    };
    let live = |id: u64| obs.live.is_none_or(|l| l.contains(&id));
    let current = current(intent, obs);
    // The bundle itself shows a macaroon with other permissions under `id`:
    // whoever made it, that key signs it, so it stays valid until revoked.
    let bundle_shows_other = |id: u64| {
        matches!(current, Some(MacaroonFile::Decoded { root_key_id, permissions, .. })
            if *root_key_id == id && *permissions != intent.permissions)
    };

    // Root keys lsm baked that must go: every one but the declared id, and
    // the declared id too when a different macaroon was baked under it.
    let mut revoke_first = None;
    let mut revoke_after = Vec::new();
    for id in ledger.ids().filter(|id| *id != 0 && live(*id)) {
        if intent.bake && id == intent.root_key_id {
            if !ledger.only_baked(id, &intent.permissions) || bundle_shows_other(id) {
                revoke_first = Some(id);
            }
        } else {
            revoke_after.push(id);
        }
    }

    if intent.bake {
        bake_actions(
            intent,
            obs,
            current,
            ledger,
            revoke_first,
            &live,
            obs.live,
            &mut d,
        );
    }
    for id in revoke_after {
        let now = if intent.bake {
            format!(
                "{} under root key id {}",
                intent.file_name(),
                intent.root_key_id
            )
        } else {
            "admin.macaroon (root key id 0)".to_string()
        };
        d.actions.push(revoke_action(
            id,
            format!(
                "revoke root key id {id}: lsm baked the bundle's earlier macaroon under it, and \
                 the bundle now carries {now}"
            ),
            MacaroonOp::Revoke { root_key_id: id },
        ));
    }
    // Records of root keys lnd no longer has (revoked by hand, or a crash
    // between DeleteMacaroonID and the record's update): forgotten, except
    // the declared id while its bake is still to come.
    if let Some(live_ids) = obs.live {
        let dead: Vec<u64> = ledger
            .ids()
            .filter(|id| !live_ids.contains(id))
            .filter(|id| !(intent.bake && *id == intent.root_key_id))
            .collect();
        if !dead.is_empty() {
            let shown = dead
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            d.actions.push(Action::new(
                Address::MACAROON_ROOT_KEYS,
                ActionKind::Update,
                ReasonCode::RootKeyForgotten,
                format!(
                    "forget root key id {shown} in lsm's record: lnd no longer has it, so a \
                     later root key under the same id is not lsm's"
                ),
                Op::Macaroon(MacaroonOp::Forget { root_key_ids: dead }),
            ));
        }
    }
    foreign_notes(intent, obs.files, ledger, &live, &mut d.notes);
    if intent.bake && current.is_some_and(|c| c.name() == "admin.macaroon") {
        d.notes.push(ADMIN_STAYS_VALID.into());
    }
    d
}

/// Said when the bundle moves away from admin.macaroon.
pub(crate) const ADMIN_STAYS_VALID: &str = "any copy of admin.macaroon exported earlier (to the \
     watch-only node or elsewhere) stays valid for good: it is signed by root key 0, which lnd \
     cannot delete, so removing it from the bundle does not revoke it. To invalidate such copies, \
     rotate the signer's macaroon root keys with lnd's ChangePassword and new_macaroon_root_key \
     set (`lncli changepassword --new_mac_root_key`, on the locked wallet); that invalidates \
     every macaroon the signer ever issued, the bundle's included, so delete the bundle's \
     macaroon file afterwards and apply again. lsm does not do this for you";

/// The bake (and, first, the revocation of the declared root key when a
/// different macaroon was baked under it).
#[allow(clippy::too_many_arguments)]
fn bake_actions(
    intent: &ScopeIntent,
    obs: &ScopeInputs<'_>,
    current: Option<&MacaroonFile>,
    ledger: &Ledger,
    revoke_first: Option<u64>,
    live: &dyn Fn(u64) -> bool,
    live_ids: Option<&[u64]>,
    d: &mut PlanPart,
) {
    let id = intent.root_key_id;
    let (details, drift, mut reason) = match current {
        None => (Vec::new(), false, None),
        Some(MacaroonFile::Unreadable { name, error }) => (
            Vec::new(),
            *name == intent.file_name(),
            Some(format!(
                "{name} in the bundle is not a valid macaroon ({error}); bake it again"
            )),
        ),
        Some(MacaroonFile::Decoded {
            name,
            permissions,
            root_key_id,
            caveats,
        }) => {
            let details = scope_changes(intent, name, permissions, *root_key_id);
            let found = rebake_reason(intent, obs, live, &details, name, caveats, *root_key_id);
            d.notes.extend(unrecorded_sharer_note(
                intent,
                ledger,
                permissions,
                *root_key_id,
            ));
            let (reason, drift) = found.map_or((None, false), |(r, drift)| (Some(r), drift));
            (details, drift, reason)
        }
    };
    if let Some(first) = revoke_first {
        d.actions
            .push(revoke_first_action(intent, ledger, current, first));
        reason.get_or_insert_with(|| {
            format!(
                "bake the {} macaroon again under the renewed root key id {id}",
                intent.scope
            )
        });
    }
    let reason = match reason {
        Some(r) => r,
        None if current.is_none() => format!(
            "bake a {} macaroon (root key id {id}): {}",
            intent.scope,
            joined(&intent.permissions)
        ),
        None => return,
    };
    // Only when lnd said so: an unknown list is no sign the key exists.
    let known_live = live_ids.is_some_and(|l| l.contains(&id));
    if known_live && id != 0 && !ledger.owns(id) && revoke_first.is_none() {
        d.notes.push(format!(
            "root key id {id} already exists on the signer and lsm did not create it: macaroons \
             baked under it elsewhere stay valid, and lsm will treat it as its own (revoking it, \
             and them, when the scope changes again); declare an unused root_key_id to keep \
             them apart"
        ));
    }
    let mut a = Action::new(
        macaroon_addr(),
        if current.is_some() {
            ActionKind::Update
        } else {
            ActionKind::Create
        },
        if current.is_some() {
            ReasonCode::MacaroonRebake
        } else {
            ReasonCode::MacaroonMissing
        },
        reason,
        Op::Macaroon(MacaroonOp::Bake),
    );
    a.details = details;
    a.drift = drift;
    a.disruptive = current.is_some();
    d.actions.push(a);
}

/// How the bundle's macaroon (`name`, granting `permissions` under
/// `root_key_id`) differs from the declared scope, field by field.
fn scope_changes(
    intent: &ScopeIntent,
    name: &str,
    permissions: &[Permission],
    root_key_id: u64,
) -> Vec<Detail> {
    let mut details = Vec::new();
    if name != intent.file_name() {
        let old = name.strip_suffix(".macaroon").unwrap_or(name);
        details.push(Detail::Change {
            field: "scope".into(),
            from: old.to_string(),
            to: intent.scope.clone(),
        });
    }
    if permissions != intent.permissions {
        details.push(Detail::Change {
            field: "permissions".into(),
            from: joined(permissions),
            to: joined(&intent.permissions),
        });
    }
    if root_key_id != intent.root_key_id {
        details.push(Detail::Change {
            field: "root key id".into(),
            from: root_key_id.to_string(),
            to: intent.root_key_id.to_string(),
        });
    }
    details
}

/// Why the bundle's decoded macaroon must be baked again, and whether that
/// repairs a change made outside lsm; `None` when it is fine. A declared
/// change (`details`) is never drift; a macaroon that matches the
/// declaration yet no longer works is.
fn rebake_reason(
    intent: &ScopeIntent,
    obs: &ScopeInputs<'_>,
    live: &dyn Fn(u64) -> bool,
    details: &[Detail],
    name: &str,
    caveats: &[String],
    root_key_id: u64,
) -> Option<(String, bool)> {
    let is_declared_file = name == intent.file_name();
    if !details.is_empty() {
        return Some((changed_scope_reason(intent, name), false));
    }
    if is_declared_file && let Some(why) = obs.rejected {
        // The bytes decode like the declared macaroon, but lnd says
        // no: another signer's macaroon, or one whose caveats fail.
        return Some((
            format!(
                "the signer rejects the bundle's {name} ({why}), so the watch-only node \
                 could not use it; bake it again"
            ),
            true,
        ));
    }
    if is_declared_file && !caveats.is_empty() {
        // lsm bakes without caveats: these were added to it later.
        return Some((
            format!(
                "the bundle's {name} carries caveats lsm did not bake ({}); they can cut \
                 the watch-only node off (an expiry, an IP lock), so bake it again",
                caveats.join("; ")
            ),
            true,
        ));
    }
    if root_key_id != 0 && !live(root_key_id) {
        return Some((
            format!(
                "root key id {root_key_id} no longer exists on the signer, so the bundle's \
                 macaroon is dead; bake it again"
            ),
            true,
        ));
    }
    None
}

/// The reason for a bake that follows a change of signer.toml; moving away
/// from admin.macaroon says that its exported copies stay valid.
fn changed_scope_reason(intent: &ScopeIntent, name: &str) -> String {
    let id = intent.root_key_id;
    if name == "admin.macaroon" {
        format!(
            "the scope changed in signer.toml: bake a {} macaroon (root key id \
             {id}); copies of admin.macaroon exported earlier stay valid (root key \
             0 cannot be revoked; see the notes, `lsm plan -v`)",
            intent.scope
        )
    } else if name != intent.file_name() {
        format!(
            "the scope changed in signer.toml: bake a {} macaroon (root key id {id})",
            intent.scope
        )
    } else {
        format!(
            "the bundle's {} macaroon differs from signer.toml",
            intent.scope
        )
    }
}

/// The declared root key also signs the bundle's previous macaroon, which
/// lsm has no record of baking: lsm does not revoke it, so the operator
/// must know it stays valid.
fn unrecorded_sharer_note(
    intent: &ScopeIntent,
    ledger: &Ledger,
    permissions: &[Permission],
    root_key_id: u64,
) -> Option<String> {
    let id = intent.root_key_id;
    (root_key_id == id && permissions != intent.permissions && !ledger.owns(id)).then(|| {
        format!(
            "root key id {id} also signs the bundle's previous macaroon ({}), which lsm \
             has no record of baking, so it does not revoke it and that macaroon stays \
             valid: revoke it by hand (`lncli deletemacaroonid {id}`) and apply again, \
             or declare an unused [macaroon] root_key_id",
            joined(permissions)
        )
    })
}

/// Revokes the declared root key before the bake, naming every other
/// permission set lsm (or the bundle) shows was signed under it.
fn revoke_first_action(
    intent: &ScopeIntent,
    ledger: &Ledger,
    current: Option<&MacaroonFile>,
    first: u64,
) -> Action {
    let mut other_sets = ledger.other_sets(first, &intent.permissions);
    if let Some(MacaroonFile::Decoded { permissions, .. }) = current
        && *permissions != intent.permissions
    {
        let shown = joined(permissions);
        if !other_sets.contains(&shown) {
            other_sets.push(shown);
        }
    }
    let others = other_sets.join("; ");
    revoke_action(
        first,
        format!(
            "revoke root key id {first} first: it signs a macaroon granting {others}, which \
             must stop working; the bake that follows gets a fresh root key"
        ),
        MacaroonOp::Renew { root_key_id: first },
    )
}

/// Macaroon files whose root key lsm did not bake under: mentioned, never
/// revoked.
fn foreign_notes(
    intent: &ScopeIntent,
    files: &[MacaroonFile],
    ledger: &Ledger,
    live: &dyn Fn(u64) -> bool,
    notes: &mut Vec<String>,
) {
    for f in files {
        let MacaroonFile::Decoded {
            name, root_key_id, ..
        } = f
        else {
            continue;
        };
        let id = *root_key_id;
        let declared = intent.bake && id == intent.root_key_id;
        if id != 0 && !declared && !ledger.owns(id) && live(id) {
            notes.push(format!(
                "{name} in the bundle is signed by root key id {id}, which lsm did not bake \
                 under, so lsm does not revoke it; if it should stop working, revoke it by hand \
                 (`lncli deletemacaroonid {id}`)"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lnd::permissions;
    use crate::plan::op::Phase;

    fn signer_only(id: u64) -> ScopeIntent {
        ScopeIntent {
            scope: "signer-only".into(),
            permissions: permissions::signer_only(),
            root_key_id: id,
            bake: true,
        }
    }

    fn custom(id: u64, perms: &[&str]) -> ScopeIntent {
        ScopeIntent {
            scope: "custom".into(),
            permissions: perms.iter().map(|p| p.parse().unwrap()).collect(),
            root_key_id: id,
            bake: true,
        }
    }

    fn admin() -> ScopeIntent {
        ScopeIntent {
            scope: "admin".into(),
            permissions: permissions::admin(),
            root_key_id: 0,
            bake: false,
        }
    }

    fn decoded(name: &str, perms: Vec<Permission>, id: u64) -> MacaroonFile {
        MacaroonFile::Decoded {
            name: name.into(),
            permissions: perms,
            root_key_id: id,
            caveats: Vec::new(),
        }
    }

    /// A ledger with `perms` baked under each of `ids`.
    fn ledger(bakes: &[(u64, Vec<Permission>)]) -> LedgerView {
        let mut l = Ledger::default();
        for (id, perms) in bakes {
            l.record_bake(*id, perms, None);
        }
        LedgerView::Readable(l)
    }

    fn run(
        intent: &ScopeIntent,
        files: &[MacaroonFile],
        described: Option<&str>,
        live: &[u64],
        ledger: &LedgerView,
    ) -> PlanPart {
        diff(
            intent,
            &ScopeInputs {
                files,
                described,
                live: Some(live),
                ledger,
                rejected: None,
            },
        )
    }

    /// The actions up to the bake (a renewal of the declared key first).
    fn bake(d: &PlanPart) -> Vec<Action> {
        in_phases(d, Phase::Renew..=Phase::Bake)
    }

    /// The actions after the bundle's export (old keys revoked, forgotten).
    fn revoke(d: &PlanPart) -> Vec<Action> {
        in_phases(d, Phase::Revoke..=Phase::Revoke)
    }

    fn in_phases(d: &PlanPart, phases: std::ops::RangeInclusive<Phase>) -> Vec<Action> {
        d.actions
            .iter()
            .filter(|a| phases.contains(&a.op.phase()))
            .cloned()
            .collect()
    }

    fn revoked(actions: &[Action]) -> Vec<u64> {
        actions
            .iter()
            .filter_map(|a| match a.op {
                Op::Macaroon(
                    MacaroonOp::Revoke { root_key_id } | MacaroonOp::Renew { root_key_id },
                ) => Some(root_key_id),
                _ => None,
            })
            .collect()
    }

    fn changes(a: &Action) -> Vec<(String, String, String)> {
        a.details
            .iter()
            .filter_map(|d| match d {
                Detail::Change { field, from, to } => {
                    Some((field.clone(), from.clone(), to.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// A macaroon file that decodes as the declared one is not enough:
    /// lnd must accept it (another signer's, with the same permissions and
    /// root key id, does not), and it must carry no caveat lsm did not
    /// bake (an expiry cuts the watch-only node off later).
    #[test]
    fn a_macaroon_lnd_rejects_or_with_foreign_caveats_is_baked_again() {
        let so = permissions::signer_only();
        let l = ledger(&[(1, so.clone())]);
        let f = decoded("signer-only.macaroon", so.clone(), 1);
        let d = diff(
            &signer_only(1),
            &ScopeInputs {
                files: std::slice::from_ref(&f),
                described: None,
                live: Some(&[0, 1]),
                ledger: &l,
                rejected: Some("verification failed: signature mismatch after caveat verification"),
            },
        );
        assert_eq!(bake(&d).len(), 1, "{d:?}");
        assert!(bake(&d)[0].drift);
        assert!(bake(&d)[0].reason.contains("signature mismatch"), "{d:?}");
        assert!(revoke(&d).is_empty(), "nothing of lsm's to revoke: {d:?}");
        let MacaroonFile::Decoded {
            name, permissions, ..
        } = f
        else {
            unreachable!()
        };
        let capped = MacaroonFile::Decoded {
            name,
            permissions,
            root_key_id: 1,
            caveats: vec!["time-before 2031-01-01T00:00:00Z".into()],
        };
        let d = run(&signer_only(1), &[capped], None, &[0, 1], &l);
        assert_eq!(bake(&d).len(), 1, "{d:?}");
        assert!(bake(&d)[0].reason.contains("time-before 2031"), "{d:?}");
        assert!(bake(&d)[0].drift);
    }

    #[test]
    fn missing_macaroon_is_baked() {
        let d = run(&signer_only(1), &[], None, &[0], &ledger(&[]));
        assert_eq!(bake(&d).len(), 1);
        assert_eq!(bake(&d)[0].kind, ActionKind::Create);
        assert!(revoke(&d).is_empty() && d.notes.is_empty(), "{d:?}");
    }

    #[test]
    fn matching_macaroon_needs_nothing() {
        let so = permissions::signer_only();
        let f = decoded("signer-only.macaroon", so.clone(), 1);
        let d = run(&signer_only(1), &[f], None, &[0, 1], &ledger(&[(1, so)]));
        assert_eq!(d, PlanPart::default());
    }

    #[test]
    fn root_key_change_bakes_then_revokes_old() {
        let so = permissions::signer_only();
        let f = decoded("signer-only.macaroon", so.clone(), 1);
        let d = run(&signer_only(2), &[f], None, &[0, 1], &ledger(&[(1, so)]));
        assert_eq!(bake(&d).len(), 1);
        assert_eq!(
            changes(&bake(&d)[0]),
            [("root key id".into(), "1".into(), "2".into())]
        );
        assert_eq!(revoked(&revoke(&d)), [1]);
    }

    /// The bundle already holds the new macaroon (apply died after writing
    /// it): the old key is still revoked, because the ledger remembers it.
    #[test]
    fn a_crash_after_the_bundle_write_still_revokes_the_old_key() {
        let so = permissions::signer_only();
        let f = decoded("signer-only.macaroon", so.clone(), 2);
        let l = ledger(&[(1, so.clone()), (2, so)]);
        let d = run(&signer_only(2), &[f], None, &[0, 1, 2], &l);
        assert!(bake(&d).is_empty(), "{d:?}");
        assert_eq!(revoked(&revoke(&d)), [1]);
        // Once lnd no longer has it, only lsm's record of it is left to
        // drop (so a later key under id 1 is never taken for lsm's).
        let f = decoded("signer-only.macaroon", permissions::signer_only(), 2);
        let d = run(&signer_only(2), &[f], None, &[0, 2], &l);
        assert!(bake(&d).is_empty() && d.notes.is_empty(), "{d:?}");
        assert_eq!(
            revoke(&d).iter().map(|a| &a.op).collect::<Vec<_>>(),
            [&Op::Macaroon(MacaroonOp::Forget {
                root_key_ids: vec![1]
            })]
        );
    }

    #[test]
    fn a_scope_change_under_the_same_id_revokes_first_and_shows_old_and_new() {
        let so = permissions::signer_only();
        let f = decoded("signer-only.macaroon", so.clone(), 1);
        let intent = custom(1, &["signer:generate"]);
        let d = run(
            &intent,
            &[f],
            Some("signer-only.macaroon"),
            &[0, 1],
            &ledger(&[(1, so.clone())]),
        );
        assert_eq!(revoked(&bake(&d)), [1], "{d:?}");
        assert_eq!(bake(&d)[0].kind, ActionKind::Destroy);
        let bake = &bake(&d)[1];
        assert_eq!(bake.op, Op::Macaroon(MacaroonOp::Bake));
        assert_eq!(bake.kind, ActionKind::Update);
        assert!(!bake.drift, "a manifest change is not drift");
        assert_eq!(
            changes(bake),
            [
                ("scope".into(), "signer-only".into(), "custom".into()),
                ("permissions".into(), joined(&so), "signer:generate".into()),
            ]
        );
        assert!(revoke(&d).is_empty());
    }

    #[test]
    fn narrowing_under_same_id_revokes_first() {
        let f = decoded("signer-only.macaroon", permissions::admin(), 1);
        let l = ledger(&[(1, permissions::admin())]);
        let d = run(&signer_only(1), &[f], None, &[0, 1], &l);
        assert_eq!(revoked(&bake(&d)), [1]);
        assert_eq!(bake(&d)[1].op, Op::Macaroon(MacaroonOp::Bake));
    }

    /// Crash after the revoke-and-bake of a narrowing, before the bundle
    /// was written: the bundle still shows the wider macaroon under id 1.
    /// Offline, lsm cannot tell whether the live key 1 signs it (the
    /// renewed key does not; a swapped-in file might), so it revokes again
    /// before baking: one extra DeleteMacaroonID in a crash window, never a
    /// wider macaroon left valid.
    #[test]
    fn after_a_renewed_key_the_revoke_and_bake_are_redone() {
        let f = decoded("signer-only.macaroon", permissions::admin(), 1);
        let l = ledger(&[(1, permissions::signer_only())]);
        let d = run(&signer_only(1), &[f], None, &[0, 1], &l);
        assert_eq!(revoked(&bake(&d)), [1], "{d:?}");
        assert_eq!(bake(&d)[1].op, Op::Macaroon(MacaroonOp::Bake));
        assert!(revoke(&d).is_empty());
    }

    #[test]
    fn a_foreign_macaroon_never_gets_its_key_revoked() {
        let so = permissions::signer_only();
        let files = [
            decoded("monitor.macaroon", permissions::readonly(), 42),
            decoded("signer-only.macaroon", so.clone(), 1),
        ];
        let d = run(
            &signer_only(1),
            &files,
            None,
            &[0, 1, 42],
            &ledger(&[(1, so)]),
        );
        assert!(bake(&d).is_empty() && revoke(&d).is_empty(), "{d:?}");
        assert_eq!(d.notes.len(), 1);
        assert!(d.notes[0].contains("monitor.macaroon"), "{:?}", d.notes);
        assert!(d.notes[0].contains("deletemacaroonid 42"), "{:?}", d.notes);
    }

    #[test]
    fn a_same_id_change_lsm_has_no_record_of_is_noted_not_revoked() {
        let f = decoded("signer-only.macaroon", permissions::admin(), 1);
        let d = run(&signer_only(1), &[f], None, &[0, 1], &ledger(&[]));
        assert!(
            revoked(&bake(&d)).is_empty() && revoke(&d).is_empty(),
            "{d:?}"
        );
        assert_eq!(bake(&d).len(), 1);
        assert!(
            d.notes.iter().any(|n| n.contains("stays valid")),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn moving_to_admin_revokes_the_scoped_root_key() {
        let so = permissions::signer_only();
        let f = decoded("signer-only.macaroon", so.clone(), 1);
        let d = run(&admin(), &[f], None, &[0, 1], &ledger(&[(1, so)]));
        assert!(bake(&d).is_empty());
        assert_eq!(revoked(&revoke(&d)), [1]);
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    #[test]
    fn moving_away_from_admin_warns_that_exported_copies_stay_valid() {
        let f = decoded("admin.macaroon", permissions::admin(), 0);
        let d = run(
            &signer_only(1),
            &[f],
            Some("admin.macaroon"),
            &[0],
            &ledger(&[]),
        );
        assert!(revoke(&d).is_empty() && revoked(&bake(&d)).is_empty());
        let bake = &bake(&d)[0];
        assert_eq!(bake.kind, ActionKind::Update);
        assert!(!bake.drift);
        assert!(bake.reason.contains("stay valid"), "{}", bake.reason);
        assert!(
            changes(bake).contains(&("scope".into(), "admin".into(), "signer-only".into())),
            "{bake:?}"
        );
        assert_eq!(d.notes, [ADMIN_STAYS_VALID]);
        assert!(ADMIN_STAYS_VALID.contains("new_macaroon_root_key"));
    }

    #[test]
    fn root_key_zero_is_never_revoked() {
        // Even if the record (edited by hand) claims it.
        let l = ledger(&[(0, permissions::admin())]);
        let f = decoded("admin.macaroon", permissions::admin(), 0);
        let d = run(&admin(), std::slice::from_ref(&f), None, &[0], &l);
        assert_eq!(d, PlanPart::default());
        let d = run(&signer_only(1), &[f], None, &[0], &l);
        assert!(revoked(&bake(&d)).is_empty() && revoked(&revoke(&d)).is_empty());
    }

    #[test]
    fn deleted_root_key_means_rebake() {
        let so = permissions::signer_only();
        let f = decoded("signer-only.macaroon", so.clone(), 1);
        let d = run(&signer_only(1), &[f], None, &[0], &ledger(&[(1, so)]));
        assert_eq!(bake(&d).len(), 1);
        assert!(bake(&d)[0].drift);
        assert!(revoke(&d).is_empty(), "a deleted key is not revoked again");
    }

    #[test]
    fn an_unreadable_ledger_blocks_baking_and_revoking() {
        let bad = LedgerView::Unreadable {
            error: "secrets/macaroon-root-keys.json is not lsm's root key record".into(),
        };
        let d = run(&signer_only(2), &[], None, &[0, 1], &bad);
        assert!(bake(&d).is_empty() && revoke(&d).is_empty());
        assert_eq!(d.blockers.len(), 1);
        assert!(d.blockers[0].reason.contains("macaroon-root-keys.json"));
    }

    #[test]
    fn a_wider_macaroon_under_lsms_own_key_is_revoked_before_the_bake() {
        // The ledger says lsm baked only signer-only under 1, but the bundle
        // holds a wider macaroon signed by root key 1: revoke 1 first.
        let so = permissions::signer_only();
        let wide: Vec<Permission> = ["macaroon:generate", "onchain:write", "signer:generate"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        let files = [decoded("signer-only.macaroon", wide, 1)];
        let d = run(
            &signer_only(1),
            &files,
            None,
            &[0, 1],
            &ledger(&[(1, so.clone())]),
        );
        assert_eq!(revoked(&bake(&d)), [1], "{d:?}");
        assert!(
            bake(&d)[0].reason.contains("macaroon:generate"),
            "{}",
            bake(&d)[0].reason
        );
        assert!(
            bake(&d)
                .iter()
                .any(|a| a.op == Op::Macaroon(MacaroonOp::Bake)),
            "{d:?}"
        );
    }

    #[test]
    fn records_of_keys_lnd_no_longer_has_are_forgotten_not_revoked() {
        let so = permissions::signer_only();
        let files = [decoded("signer-only.macaroon", so.clone(), 4)];
        let d = run(
            &signer_only(4),
            &files,
            None,
            &[0, 4],
            &ledger(&[(3, so.clone()), (4, so.clone())]),
        );
        assert!(revoked(&revoke(&d)).is_empty(), "{d:?}");
        let forget: Vec<_> = revoke(&d)
            .iter()
            .filter_map(|a| match &a.op {
                Op::Macaroon(MacaroonOp::Forget { root_key_ids }) => Some(root_key_ids.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(forget, [vec![3]]);
        // The declared id, still to be baked, is never forgotten.
        let d = run(&signer_only(4), &[], None, &[0], &ledger(&[(4, so)]));
        assert!(
            revoke(&d)
                .iter()
                .all(|a| !matches!(a.op, Op::Macaroon(MacaroonOp::Forget { .. }))),
            "{d:?}"
        );
    }

    #[test]
    fn an_unknown_live_list_is_no_sign_a_key_exists() {
        let d = diff(
            &signer_only(1),
            &ScopeInputs {
                files: &[],
                described: None,
                live: None,
                ledger: &ledger(&[]),
                rejected: None,
            },
        );
        assert!(
            d.notes.iter().all(|n| !n.contains("already exists")),
            "{:?}",
            d.notes
        );
    }
}
