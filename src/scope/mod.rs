//! The watch-only node's macaroon: which permissions and root key it must
//! carry, decided offline by decoding the bundle's macaroon file, and the
//! bake/revoke actions that get it there.
//!
//! A macaroon stays valid as long as its root key exists, so narrowing a
//! scope is only real once the old root key is deleted. Re-baking under the
//! same root key id therefore revokes first (DeleteMacaroonID, then a
//! BakeMacaroon that mints a fresh root key); moving to another id bakes the
//! new one and then revokes the old. Root key id 0 also signs lnd's
//! admin.macaroon and can never be deleted, so it is never revoked.

use crate::lnd::permissions::Permission;
use crate::plan::op::{MacaroonOp, Op};
use crate::plan::{Action, ActionKind, Address, Detail};

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
    pub fn file_name(&self) -> String {
        format!("{}.macaroon", self.scope)
    }
}

/// A macaroon file found in the bundle directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacaroonFile {
    /// Decodes; its permissions and root key id.
    Decoded {
        name: String,
        permissions: Vec<Permission>,
        root_key_id: u64,
    },
    /// Present but not an lnd macaroon.
    Unreadable { name: String, error: String },
}

impl MacaroonFile {
    pub fn name(&self) -> &str {
        match self {
            MacaroonFile::Decoded { name, .. } | MacaroonFile::Unreadable { name, .. } => name,
        }
    }
}

/// The macaroon's part of a plan.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScopeDiff {
    /// Bake actions (run before the bundle is exported).
    pub bake: Vec<Action>,
    /// Revoke actions (run after the bundle is exported).
    pub revoke: Vec<Action>,
    pub notes: Vec<String>,
}

fn joined(perms: &[Permission]) -> String {
    perms
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn macaroon_addr() -> Address {
    Address::new("macaroon", "watchonly")
}

/// Decides bake and revoke actions.
///
/// `files` are the macaroon files in the bundle; `live_root_key_ids` are the
/// signer's root key ids when it could be asked (None when it is not
/// reachable).
pub fn diff(
    intent: &ScopeIntent,
    files: &[MacaroonFile],
    live_root_key_ids: Option<&[u64]>,
) -> ScopeDiff {
    let mut d = ScopeDiff::default();
    let want_file = intent.file_name();
    let current = files.iter().find(|f| f.name() == want_file);
    let mut revoke_first: Option<u64> = None;

    if intent.bake {
        let reason = match current {
            None => Some((
                format!(
                    "bake a {} macaroon (root key id {}): {}",
                    intent.scope,
                    intent.root_key_id,
                    joined(&intent.permissions)
                ),
                false,
                Vec::new(),
            )),
            Some(MacaroonFile::Unreadable { error, .. }) => Some((
                format!(
                    "{want_file} in the bundle is not a valid macaroon ({error}); bake it again"
                ),
                true,
                Vec::new(),
            )),
            Some(MacaroonFile::Decoded {
                permissions,
                root_key_id,
                ..
            }) => {
                let mut details = Vec::new();
                if *permissions != intent.permissions {
                    details.push(Detail::Change {
                        field: "permissions".into(),
                        from: joined(permissions),
                        to: joined(&intent.permissions),
                    });
                }
                if *root_key_id != intent.root_key_id {
                    details.push(Detail::Change {
                        field: "root key id".into(),
                        from: root_key_id.to_string(),
                        to: intent.root_key_id.to_string(),
                    });
                }
                let revoked_outside = live_root_key_ids
                    .is_some_and(|ids| !ids.contains(root_key_id) && *root_key_id != 0);
                if !details.is_empty() {
                    if *root_key_id == intent.root_key_id {
                        revoke_first = Some(*root_key_id);
                    }
                    Some((
                        format!(
                            "the bundle's {} macaroon differs from signer.toml",
                            intent.scope
                        ),
                        false,
                        details,
                    ))
                } else if revoked_outside {
                    Some((
                        format!(
                            "root key id {root_key_id} no longer exists on the signer, so the \
                             bundle's macaroon is dead; bake it again"
                        ),
                        true,
                        Vec::new(),
                    ))
                } else {
                    None
                }
            }
        };
        if let Some((reason, drift, details)) = reason {
            if let Some(id) = revoke_first {
                if id == 0 {
                    d.notes.push(
                        "root key id 0 cannot be revoked (it also signs admin.macaroon), so the \
                         old macaroon stays valid; use a non-zero [macaroon] root_key_id"
                            .into(),
                    );
                } else {
                    d.bake.push(
                        Action::new(
                            Address(format!("macaroon.root_key_{id}")),
                            ActionKind::Destroy,
                            format!(
                                "revoke root key id {id} first, so the old, different macaroon \
                                 stops working"
                            ),
                            Op::Macaroon(MacaroonOp::Revoke { root_key_id: id }),
                        )
                        .disruptive(),
                    );
                }
            }
            let mut a = Action::new(
                macaroon_addr(),
                if current.is_some() {
                    ActionKind::Update
                } else {
                    ActionKind::Create
                },
                reason,
                Op::Macaroon(MacaroonOp::Bake),
            );
            a.details = details;
            a.drift = drift;
            if current.is_some() {
                a.disruptive = true;
            }
            d.bake.push(a);
        }
    }

    // Old root keys that the bundle no longer uses are revoked after the new
    // bundle is written, so the watch-only node is never left without one.
    let mut old_ids: Vec<u64> = files
        .iter()
        .filter_map(|f| match f {
            MacaroonFile::Decoded { root_key_id, .. } => Some(*root_key_id),
            MacaroonFile::Unreadable { .. } => None,
        })
        .filter(|id| *id != intent.root_key_id && *id != 0)
        .filter(|id| live_root_key_ids.is_none_or(|live| live.contains(id)))
        .collect();
    old_ids.sort_unstable();
    old_ids.dedup();
    for id in old_ids {
        d.revoke.push(
            Action::new(
                Address(format!("macaroon.root_key_{id}")),
                ActionKind::Destroy,
                format!(
                    "revoke root key id {id}: the bundle no longer uses it (now {})",
                    intent.root_key_id
                ),
                Op::Macaroon(MacaroonOp::Revoke { root_key_id: id }),
            )
            .disruptive(),
        );
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lnd::permissions;

    fn signer_only(id: u64) -> ScopeIntent {
        ScopeIntent {
            scope: "signer-only".into(),
            permissions: permissions::signer_only(),
            root_key_id: id,
            bake: true,
        }
    }

    fn decoded(name: &str, perms: Vec<Permission>, id: u64) -> MacaroonFile {
        MacaroonFile::Decoded {
            name: name.into(),
            permissions: perms,
            root_key_id: id,
        }
    }

    #[test]
    fn missing_macaroon_is_baked() {
        let d = diff(&signer_only(1), &[], Some(&[0]));
        assert_eq!(d.bake.len(), 1);
        assert_eq!(d.bake[0].kind, ActionKind::Create);
        assert!(d.revoke.is_empty());
    }

    #[test]
    fn matching_macaroon_needs_nothing() {
        let f = decoded("signer-only.macaroon", permissions::signer_only(), 1);
        let d = diff(&signer_only(1), &[f], Some(&[0, 1]));
        assert!(d.bake.is_empty() && d.revoke.is_empty(), "{d:?}");
    }

    #[test]
    fn root_key_change_bakes_then_revokes_old() {
        let f = decoded("signer-only.macaroon", permissions::signer_only(), 1);
        let d = diff(&signer_only(2), &[f], Some(&[0, 1]));
        assert_eq!(d.bake.len(), 1);
        assert!(matches!(
            d.bake[0].details[0],
            Detail::Change { ref field, .. } if field == "root key id"
        ));
        assert_eq!(
            d.revoke[0].op,
            Op::Macaroon(MacaroonOp::Revoke { root_key_id: 1 })
        );
    }

    #[test]
    fn narrowing_under_same_id_revokes_first() {
        let f = decoded("signer-only.macaroon", permissions::admin(), 1);
        let d = diff(&signer_only(1), &[f], Some(&[0, 1]));
        assert_eq!(
            d.bake[0].op,
            Op::Macaroon(MacaroonOp::Revoke { root_key_id: 1 })
        );
        assert_eq!(d.bake[1].op, Op::Macaroon(MacaroonOp::Bake));
    }

    #[test]
    fn moving_to_admin_revokes_the_scoped_root_key() {
        let intent = ScopeIntent {
            scope: "admin".into(),
            permissions: permissions::admin(),
            root_key_id: 0,
            bake: false,
        };
        let f = decoded("signer-only.macaroon", permissions::signer_only(), 1);
        let d = diff(&intent, &[f], Some(&[0, 1]));
        assert!(d.bake.is_empty());
        assert_eq!(
            d.revoke[0].op,
            Op::Macaroon(MacaroonOp::Revoke { root_key_id: 1 })
        );
    }

    #[test]
    fn root_key_zero_is_never_revoked() {
        let f = decoded("custom.macaroon", permissions::admin(), 0);
        let mut intent = signer_only(0);
        intent.scope = "custom".into();
        let d = diff(&intent, &[f], Some(&[0]));
        assert!(
            d.bake
                .iter()
                .chain(&d.revoke)
                .all(|a| !matches!(a.op, Op::Macaroon(MacaroonOp::Revoke { .. }))),
            "{d:?}"
        );
        assert_eq!(d.notes.len(), 1);
    }

    #[test]
    fn deleted_root_key_means_rebake() {
        let f = decoded("signer-only.macaroon", permissions::signer_only(), 1);
        let d = diff(&signer_only(1), &[f], Some(&[0]));
        assert_eq!(d.bake.len(), 1);
        assert!(d.bake[0].drift);
    }
}
