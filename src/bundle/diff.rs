//! The bundle's part of a plan: which files to (re)write and which to
//! remove, each with a reason an operator can check.
//!
//! Desired content may be partial. Unknown content (the signer is not
//! reachable) is only checked offline — presence, modes, stale files — and
//! a note says the full comparison waits for the signer. Pending content (a
//! bake is planned) is always rewritten. Files lsm does not manage are
//! never touched, only mentioned.

use crate::bundle::accounts::AccountsJson;
use crate::bundle::bundle_json::FORMAT_VERSION;
use crate::bundle::contents::{Content, DesiredBundle};
use crate::bundle::observe::{ObservedBundle, ObservedFile, is_macaroon_name};
use crate::bundle::{
    ACCOUNTS_FILE, BUNDLE_JSON_FILE, BundleLayout, DIR_MODE, FILE_MODE, TLS_CERT_FILE,
};
use crate::lnd::fingerprint;
use crate::plan::ReasonCode;
use crate::plan::op::{BundleOp, Op};
use crate::plan::{Action, ActionKind, Address, Detail, PlanPart};
use crate::scope::is_scope_file_name;
use std::collections::BTreeSet;

/// Compares the desired bundle with what is on disk.
pub(crate) fn diff(desired: &DesiredBundle, observed: &ObservedBundle) -> PlanPart {
    let mut out = PlanPart::default();
    if let Some(a) = export_action(desired, observed, &mut out.notes) {
        out.actions.push(a);
    }
    if let Some(a) = stale_action(desired, observed) {
        out.actions.push(a);
    }
    if !observed.unmanaged.is_empty() {
        out.notes.push(format!(
            "the bundle directory also holds {}, which lsm does not manage; left alone",
            observed.unmanaged.join(", ")
        ));
    }
    out
}

fn mode_text(mode: u32) -> String {
    format!("{mode:04o}")
}

/// The export of the files that are missing or differ, with every reason;
/// `None` when the bundle is as desired.
fn export_action(
    desired: &DesiredBundle,
    observed: &ObservedBundle,
    notes: &mut Vec<String>,
) -> Option<Action> {
    let mut f = Findings::default();
    notes.extend(dir_mode(observed, &mut f));

    let archive_name = desired.layout.archive_name();
    let archive_key = BundleLayout::beside(&archive_name);
    let pairs = desired
        .files
        .iter()
        .map(|(n, c)| (n.as_str(), n.as_str(), c, observed.files.get(n)))
        .chain(desired.archive.iter().map(|c| {
            (
                archive_key.as_str(),
                archive_name.as_str(),
                c,
                observed.archive.as_ref(),
            )
        }));
    for (key, shown, want, have) in pairs {
        let file = Compared {
            key,
            shown,
            is_archive: key == archive_key,
        };
        f.compare(desired, &file, want, have);
    }

    notes.extend(unknown_note(desired, &f.unknown_present));
    let nothing_there = observed.dir_mode.is_none()
        || !desired.files.keys().any(|n| observed.files.contains_key(n));
    let mut reasons = f.reasons;
    if nothing_there {
        reasons.insert(0, format!("no bundle yet: write {}", f.missing.join(", ")));
    } else if !f.missing.is_empty() {
        reasons.insert(0, format!("{} missing", f.missing.join(", ")));
    }
    if reasons.is_empty() {
        return None;
    }
    let kind = if nothing_there {
        ActionKind::Create
    } else {
        ActionKind::Update
    };
    let mut action = Action::new(
        Address::BUNDLE_FILES,
        kind,
        if kind == ActionKind::Create {
            ReasonCode::BundleMissing
        } else {
            ReasonCode::BundleOutOfDate
        },
        reasons.join("; "),
        Op::Bundle(BundleOp::Export { files: f.files }),
    );
    action.details = f.details;
    action.drift = kind == ActionKind::Update
        && changed_outside_lsm(
            desired,
            observed,
            f.drift,
            f.archive_changed && !f.content_changed,
        );
    Some(action)
}

/// What the comparison of the bundle's files found, file by file.
#[derive(Default)]
struct Findings {
    /// Files to write (by key).
    files: Vec<String>,
    reasons: Vec<String>,
    details: Vec<Detail>,
    /// Present files whose desired content is not known yet.
    unknown_present: Vec<String>,
    missing: Vec<String>,
    /// Drift is decided per difference, not for the action (see
    /// [`changed_outside_lsm`]).
    drift: bool,
    content_changed: bool,
    archive_changed: bool,
}

/// One file of the bundle: its key in the layout, the name shown, and
/// whether it is the archive beside the directory.
struct Compared<'a> {
    key: &'a str,
    shown: &'a str,
    is_archive: bool,
}

impl Findings {
    /// Compares one file's desired content and mode with what is on disk.
    fn compare(
        &mut self,
        desired: &DesiredBundle,
        file: &Compared<'_>,
        want: &Content,
        have: Option<&ObservedFile>,
    ) {
        let (key, shown) = (file.key, file.shown);
        let Some(have) = have else {
            self.files.push(key.to_string());
            self.missing.push(shown.to_string());
            self.drift |= !matches!(want, Content::Pending);
            return;
        };
        let mut changed = false;
        match want {
            Content::Known(bytes) if bytes.as_slice() != have.bytes.as_slice() => {
                changed = true;
                self.content_differs(file, bytes, have);
            }
            Content::Known(_) => {}
            Content::Pending => {
                changed = true;
                self.reasons.push(pending_reason(key, shown, desired));
            }
            Content::Unknown => self.unknown_present.push(shown.to_string()),
        }
        if have.mode != FILE_MODE {
            changed = true;
            self.drift = true;
            self.reasons.push(format!(
                "{shown} mode {} → {}",
                mode_text(have.mode),
                mode_text(FILE_MODE)
            ));
        }
        if changed {
            self.files.push(key.to_string());
        }
    }

    /// A file whose known content differs: why, and its fingerprints. A
    /// bundle.json that differs only in fields following signer.toml is
    /// no sign of an edit.
    fn content_differs(&mut self, file: &Compared<'_>, want: &[u8], have: &ObservedFile) {
        let (key, shown) = (file.key, file.shown);
        if file.is_archive {
            self.archive_changed = true;
        } else {
            self.content_changed = true;
            self.drift |= !(key == BUNDLE_JSON_FILE && manifest_fields_only(want, &have.bytes));
        }
        self.reasons.push(why_differs(key, shown, want, have));
        self.details.push(Detail::Change {
            field: shown.to_string(),
            from: fingerprint::short(&have.bytes),
            to: fingerprint::short(want),
        });
    }
}

/// The directory's mode is lsm's to repair only when lsm created it (a
/// reason, and drift); one it found keeps the mode its owner gave it (said
/// in the note returned).
fn dir_mode(observed: &ObservedBundle, f: &mut Findings) -> Option<String> {
    let mode = observed.dir_mode.filter(|m| *m != DIR_MODE)?;
    if observed.dir_marked {
        f.drift = true;
        f.reasons.push(format!(
            "bundle directory mode {} → {}",
            mode_text(mode),
            mode_text(DIR_MODE)
        ));
        None
    } else {
        Some(format!(
            "the bundle directory is {}; lsm did not create it and leaves its mode to you \
             (chmod 700 it: the bundle holds the macaroon)",
            mode_text(mode)
        ))
    }
}

/// Whether an existing bundle's differences were made outside lsm.
///
/// An existing bundle that differs where lsm did not plan a change (a
/// rotated cert, a chmod, an edited or deleted file) was altered outside
/// lsm. Not drift: content a planned bake changes, bundle.json fields that
/// follow signer.toml (a new port, scope or name), the archive when it
/// only follows the files in it, and anything at all when bundle.json
/// shows the bundle was made for another signer.toml (a new scope moves
/// files too).
/// A bundle.json whose sealed fields no longer match their seal was edited
/// by hand (an rpc_endpoint pointing elsewhere): that is drift, whatever
/// signer.toml says.
fn changed_outside_lsm(
    desired: &DesiredBundle,
    observed: &ObservedBundle,
    drift: bool,
    archive_only: bool,
) -> bool {
    let hand_edited = observed.bundle_json().is_some_and(|j| j.edited_by_hand());
    let manifest_changed = !hand_edited
        && observed
            .bundle_json()
            .is_some_and(|j| !desired.described.changed_fields(&j).is_empty());
    hand_edited || (!manifest_changed && (drift || archive_only))
}

/// bundle.json fields that come from signer.toml (or lsm's version), so a
/// difference in them follows a manifest change, not an edit of the bundle.
const MANIFEST_FIELDS: &[&str] = &[
    "described_sha256",
    "lsm_version",
    "macaroon_file",
    "network",
    "permissions",
    "root_key_id",
    "rpc_endpoint",
    "scope",
    "signer",
];

/// What bundle.json format 2 added: a format-1 bundle.json differs in them
/// because an older lsm wrote it, not because anyone edited it.
const FORMAT_2_FIELDS: &[&str] = &[
    "format_version",
    "identity_pubkey",
    "master_key_fingerprint",
    "master_key_fingerprint_note",
];

/// Facts lsm may learn after the bundle was written (a seed proven later
/// dates the wallet and gives the fingerprint), each with its note: null
/// before and known now is news, not an edit.
const LEARNED_FIELDS: &[(&str, &str)] = &[
    ("wallet_birthday", "wallet_birthday_note"),
    ("master_key_fingerprint", "master_key_fingerprint_note"),
];

/// The format_version a bundle.json document declares (0 if none).
fn format_of(doc: &serde_json::Map<String, serde_json::Value>) -> u64 {
    doc.get("format_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

/// True when the two bundle.json documents differ only where lsm itself
/// explains it — fields that follow signer.toml, what a newer format adds,
/// facts learned since — and both are lsm's JSON objects in lsm's layout.
fn manifest_fields_only(want: &[u8], have: &[u8]) -> bool {
    let parse = |b: &[u8]| match serde_json::from_slice::<serde_json::Value>(b) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    };
    let (Some(w), Some(h)) = (parse(want), parse(have)) else {
        return false;
    };
    let upgraded = format_of(&h) < u64::from(FORMAT_VERSION);
    let learned = |k: &str| {
        LEARNED_FIELDS.iter().any(|(field, note)| {
            (k == *field || k == *note)
                && h.get(*field).is_none_or(serde_json::Value::is_null)
                && w.get(*field).is_some_and(|v| !v.is_null())
        })
    };
    w.keys()
        .chain(h.keys())
        .filter(|k| w.get(*k) != h.get(*k))
        .all(|k| {
            MANIFEST_FIELDS.contains(&k.as_str())
                || (upgraded && FORMAT_2_FIELDS.contains(&k.as_str()))
                || learned(k)
        })
        && serde_json::to_vec_pretty(&h).is_ok_and(|mut b| {
            b.push(b'\n');
            b == have
        })
}

/// When the signer cannot be asked: which files wait for it, and that
/// only offline checks ran.
fn unknown_note(desired: &DesiredBundle, present: &[String]) -> Option<String> {
    let unknown: Vec<String> = desired
        .names()
        .into_iter()
        .filter(|n| matches!(desired.content(n), Some(Content::Unknown)))
        .map(|n| n.trim_start_matches("../").to_string())
        .collect();
    if unknown.is_empty() {
        return None;
    }
    let missing: Vec<&String> = unknown.iter().filter(|n| !present.contains(n)).collect();
    let mut note = format!(
        "the signer cannot be asked now, so the bundle is compared with it once it runs ({}); \
         offline, only presence, modes and stale files were checked",
        unknown.join(", ")
    );
    if !missing.is_empty() {
        note.push_str("; missing files are written from the signer during apply");
    }
    Some(note)
}

fn pending_reason(key: &str, shown: &str, desired: &DesiredBundle) -> String {
    if key == desired.macaroon_file {
        format!(
            "{shown} will hold the newly baked {} macaroon",
            desired.scope
        )
    } else {
        format!("{shown} changes with the new macaroon")
    }
}

/// Says what differs in terms of the file, not just "bytes differ".
fn why_differs(key: &str, shown: &str, want: &[u8], have: &ObservedFile) -> String {
    match key {
        TLS_CERT_FILE => "tls.cert differs from the signer's certificate".into(),
        ACCOUNTS_FILE => accounts_reason(want, &have.bytes),
        BUNDLE_JSON_FILE => bundle_json_reason(want, &have.bytes),
        k if is_macaroon_name(k) => format!("{shown} differs from the macaroon to export"),
        _ => format!("{shown} is out of date"),
    }
}

fn accounts_reason(want: &[u8], have: &[u8]) -> String {
    let (Ok(want), Ok(have)) = (AccountsJson::parse(want), AccountsJson::parse(have)) else {
        return "accounts.json is not in lncli's format; rewritten from the signer's accounts"
            .into();
    };
    let paths = |a: &AccountsJson| -> BTreeSet<String> {
        a.accounts
            .iter()
            .map(|x| x.derivation_path.clone())
            .collect()
    };
    let (w, h) = (paths(&want), paths(&have));
    let missing = w.difference(&h).count();
    let extra = h.difference(&w).count();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (missing, extra) {
        (0, 0) => "accounts.json differs from the signer's accounts (keys or fields)".into(),
        (m, 0) => format!("accounts.json missing {m} account{}", plural(m)),
        (0, e) => format!(
            "accounts.json has {e} account{} the signer does not",
            plural(e)
        ),
        (m, e) => format!(
            "accounts.json missing {m} account{} and has {e} the signer does not",
            plural(m)
        ),
    }
}

fn bundle_json_reason(want: &[u8], have: &[u8]) -> String {
    let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok();
    let (Some(serde_json::Value::Object(w)), Some(serde_json::Value::Object(h))) =
        (parse(want), parse(have))
    else {
        return "bundle.json is not valid JSON; rewritten".into();
    };
    const SEAL: &str = "described_sha256";
    let keys: BTreeSet<&String> = w.keys().chain(h.keys()).collect();
    // The seal follows the fields it seals: named only when it is new.
    let changed: Vec<&str> = keys
        .into_iter()
        .filter(|k| w.get(*k) != h.get(*k) && *k != SEAL)
        .map(String::as_str)
        .collect();
    let edited =
        crate::bundle::bundle_json::BundleJson::parse(have).is_ok_and(|j| j.edited_by_hand());
    let old_format = format_of(&h);
    if old_format < u64::from(FORMAT_VERSION) {
        let also: Vec<&str> = changed
            .iter()
            .copied()
            .filter(|k| !FORMAT_2_FIELDS.contains(k))
            .collect();
        return format!(
            "bundle.json is format {old_format}, written by an older lsm: re-exported as format \
             {FORMAT_VERSION}, which adds the signer's identity_pubkey and the wallet's \
             master_key_fingerprint{}",
            if also.is_empty() {
                String::new()
            } else {
                format!(" (also changed: {})", also.join(", "))
            }
        );
    }
    if changed.is_empty() && !h.contains_key(SEAL) && w.contains_key(SEAL) {
        "bundle.json gets lsm's seal of its signer.toml fields (described_sha256)".into()
    } else if changed.is_empty() {
        // Same values, different bytes (reformatted by hand).
        "bundle.json is not in lsm's layout".into()
    } else if edited {
        format!(
            "bundle.json was edited by hand ({}); rewritten from {}",
            changed.join(", "),
            if changed
                .iter()
                .all(|k| matches!(*k, "identity_pubkey" | "master_key_fingerprint"))
            {
                "the signer"
            } else {
                "signer.toml"
            }
        )
    } else {
        format!("bundle.json out of date ({})", changed.join(", "))
    }
}

fn stale_action(desired: &DesiredBundle, observed: &ObservedBundle) -> Option<Action> {
    let mut files = Vec::new();
    let mut reasons = Vec::new();
    for name in observed.files.keys() {
        if is_macaroon_name(name) && *name != desired.macaroon_file {
            files.push(name.clone());
            reasons.push(if name == "admin.macaroon" {
                format!(
                    "admin.macaroon must not stay in a {} bundle: it grants everything",
                    desired.scope
                )
            } else if is_scope_file_name(name) {
                format!(
                    "{name} no longer belongs (the bundle now carries {})",
                    desired.macaroon_file
                )
            } else {
                format!(
                    "{name} is not part of this bundle (lsm did not write it): removed so it is \
                     not shipped with it; its root key is left alone"
                )
            });
        }
    }
    if desired.archive.is_none() && observed.archive.is_some() {
        let name = desired.layout.archive_name();
        files.push(BundleLayout::beside(&name));
        reasons.push(format!("{name}: archive = false"));
    }
    let leftovers: Vec<String> = observed
        .temp_leftovers
        .iter()
        .cloned()
        .chain(
            observed
                .archive_temp_leftovers
                .iter()
                .map(|n| BundleLayout::beside(n)),
        )
        .collect();
    if !leftovers.is_empty() {
        reasons.push(format!(
            "{} half-written temp file{} from an interrupted write",
            leftovers.len(),
            if leftovers.len() == 1 { "" } else { "s" }
        ));
        files.extend(leftovers);
    }
    if files.is_empty() {
        return None;
    }
    Some(Action::new(
        Address::BUNDLE_STALE,
        ActionKind::Destroy,
        ReasonCode::BundleStaleFiles,
        reasons.join("; "),
        Op::Bundle(BundleOp::RemoveStale { files }),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bundle::contents::tests::{admin_intent, inputs, layout, signer_only_intent};
    use crate::bundle::contents::{BundleInputs, Part, PartialInputs};
    use crate::bundle::observe::ObservedFile;
    use std::path::Path;
    use zeroize::Zeroizing;

    fn observed_from(d: &DesiredBundle) -> ObservedBundle {
        let file = |c: &Content| ObservedFile {
            bytes: Zeroizing::new(c.known().unwrap().to_vec()),
            mode: 0o600,
        };
        ObservedBundle {
            dir_mode: Some(0o700),
            dir_marked: true,
            files: d.files.iter().map(|(n, c)| (n.clone(), file(c))).collect(),
            archive: d.archive.as_ref().map(file),
            ..Default::default()
        }
    }

    fn export_files(a: &Action) -> &[String] {
        match &a.op {
            Op::Bundle(BundleOp::Export { files }) => files,
            other => panic!("not an export: {other:?}"),
        }
    }

    fn stale_files(a: &Action) -> &[String] {
        match &a.op {
            Op::Bundle(BundleOp::RemoveStale { files }) => files,
            other => panic!("not a removal: {other:?}"),
        }
    }

    fn full(archive: bool) -> DesiredBundle {
        let intent = signer_only_intent();
        DesiredBundle::build(layout(Path::new("/x"), archive), inputs(&intent)).unwrap()
    }

    #[test]
    fn converged_bundle_needs_nothing() {
        let d = full(true);
        let out = diff(&d, &observed_from(&d));
        assert!(out.actions.is_empty() && out.notes.is_empty(), "{out:?}");
    }

    #[test]
    fn empty_bundle_is_created_whole() {
        let d = full(true);
        let out = diff(&d, &ObservedBundle::default());
        assert_eq!(out.actions.len(), 1);
        let a = &out.actions[0];
        assert_eq!(a.kind, ActionKind::Create);
        assert_eq!(a.address.as_str(), "bundle.files");
        assert_eq!(export_files(a), d.names());
        assert_eq!(
            a.reason,
            "no bundle yet: write accounts.json, bundle.json, signer-only.macaroon, tls.cert, \
             bundle.tar.gz.b64"
        );
    }

    #[test]
    fn only_what_differs_is_rewritten_with_reasons() {
        let d = full(true);
        let mut obs = observed_from(&d);
        obs.files.get_mut("tls.cert").unwrap().bytes = Zeroizing::new(b"old cert".to_vec());
        obs.files.get_mut("bundle.json").unwrap().mode = 0o644;
        let mut fewer = AccountsJson::parse(&obs.files["accounts.json"].bytes).unwrap();
        fewer.accounts.truncate(fewer.accounts.len() - 3);
        obs.files.get_mut("accounts.json").unwrap().bytes = Zeroizing::new(fewer.to_lncli_bytes());
        let out = diff(&d, &obs);
        let a = &out.actions[0];
        assert_eq!(a.kind, ActionKind::Update);
        assert!(a.drift);
        assert_eq!(
            export_files(a),
            ["accounts.json", "bundle.json", "tls.cert"]
        );
        for want in [
            "tls.cert differs from the signer's certificate",
            "accounts.json missing 3 accounts",
            "bundle.json mode 0644 → 0600",
        ] {
            assert!(a.reason.contains(want), "{want:?} not in {}", a.reason);
        }
        // Fingerprints, never content.
        assert!(a.details.iter().any(|d| matches!(d,
            Detail::Change { field, from, .. } if field == "tls.cert" && from.starts_with("sha256:"))));
    }

    /// A hand edit of rpc_endpoint in bundle.json is drift (its seal no
    /// longer matches); the same difference after a change of signer.toml
    /// (the bundle on disk sealed with the old endpoint) is not.
    #[test]
    fn a_hand_edited_endpoint_is_drift_a_manifest_change_is_not() {
        let d = full(false);
        let mut obs = observed_from(&d);
        let text = String::from_utf8(obs.files["bundle.json"].bytes.to_vec()).unwrap();
        let edited = text.replace("10.0.0.2:10012", "10.0.0.9:10012");
        obs.files.get_mut("bundle.json").unwrap().bytes = Zeroizing::new(edited.into_bytes());
        let a = &diff(&d, &obs).actions[0];
        assert_eq!(
            a.reason,
            "bundle.json was edited by hand (rpc_endpoint); rewritten from signer.toml"
        );
        assert!(a.drift, "{a:?}");

        let intent = signer_only_intent();
        let moved = DesiredBundle::build(
            layout(Path::new("/x"), false),
            BundleInputs {
                rpc_endpoint: "10.0.0.9:10012".into(),
                ..inputs(&intent)
            },
        )
        .unwrap();
        let a = &diff(&moved, &observed_from(&d)).actions[0];
        assert_eq!(a.reason, "bundle.json out of date (rpc_endpoint)");
        assert!(!a.drift, "{a:?}");
    }

    /// bundle.json as an older lsm (format 1) wrote it for the same signer:
    /// no identity_pubkey, no master_key_fingerprint, the format-1 seal.
    pub(crate) fn format_1_bundle_json(v2: &[u8]) -> Vec<u8> {
        use crate::bundle::bundle_json::BundleJson;
        let v1 = BundleJson {
            format_version: 1,
            identity_pubkey: None,
            master_key_fingerprint: None,
            master_key_fingerprint_note: None,
            ..BundleJson::parse(v2).unwrap()
        }
        .sealed();
        let mut doc = serde_json::to_value(&v1).unwrap();
        let map = doc.as_object_mut().unwrap();
        map.remove("identity_pubkey");
        map.remove("master_key_fingerprint");
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap();
        bytes.push(b'\n');
        bytes
    }

    #[test]
    fn a_format_1_bundle_is_re_exported_and_that_is_not_drift() {
        let d = full(true);
        let mut obs = observed_from(&d);
        let v1 = format_1_bundle_json(d.files["bundle.json"].known().unwrap());
        obs.files.get_mut("bundle.json").unwrap().bytes = Zeroizing::new(v1);
        obs.archive.as_mut().unwrap().bytes = Zeroizing::new(b"the old archive".to_vec());
        let out = diff(&d, &obs);
        assert_eq!(out.actions.len(), 1, "{out:?}");
        let a = &out.actions[0];
        assert_eq!(a.kind, ActionKind::Update);
        assert_eq!(a.code, ReasonCode::BundleOutOfDate);
        assert_eq!(export_files(a), ["bundle.json", "../bundle.tar.gz.b64"]);
        assert!(!a.drift, "{a:?}");
        assert!(
            a.reason.contains(
                "bundle.json is format 1, written by an older lsm: re-exported as format 2, \
                 which adds the signer's identity_pubkey and the wallet's master_key_fingerprint"
            ),
            "{}",
            a.reason
        );
        // Once written, the second run has nothing to do.
        assert!(diff(&d, &observed_from(&d)).actions.is_empty());
    }

    /// A fingerprint (or birthday) learned since the export is news, not
    /// an edit; a changed identity is the bundle of another wallet.
    #[test]
    fn a_learned_fingerprint_is_not_drift_a_new_identity_is() {
        let intent = signer_only_intent();
        let unknown = DesiredBundle::build(
            layout(Path::new("/x"), false),
            BundleInputs {
                master_key_fingerprint: None,
                birthday_unix: None,
                ..inputs(&intent)
            },
        )
        .unwrap();
        let d = full(false);
        let a = &diff(&d, &observed_from(&unknown)).actions[0];
        assert_eq!(export_files(a), ["bundle.json"]);
        assert!(!a.drift, "{a:?}");
        assert!(
            a.reason.contains("master_key_fingerprint") && a.reason.contains("wallet_birthday"),
            "{}",
            a.reason
        );

        let other = DesiredBundle::build(
            layout(Path::new("/x"), false),
            BundleInputs {
                identity_pubkey: Some(
                    "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5".into(),
                ),
                ..inputs(&intent)
            },
        )
        .unwrap();
        let a = &diff(&d, &observed_from(&other)).actions[0];
        assert!(a.drift, "{a:?}");
        assert_eq!(a.reason, "bundle.json out of date (identity_pubkey)");
    }

    #[test]
    fn directory_mode_alone_is_an_update_without_files() {
        let d = full(true);
        let mut obs = observed_from(&d);
        obs.dir_mode = Some(0o755);
        let a = &diff(&d, &obs).actions[0];
        assert!(export_files(a).is_empty());
        assert_eq!(a.reason, "bundle directory mode 0755 → 0700");
    }

    #[test]
    fn offline_checks_only_modes_and_stale_files_and_says_so() {
        let intent = signer_only_intent();
        let full = full(true);
        let mut obs = observed_from(&full);
        obs.files.get_mut("tls.cert").unwrap().bytes = Zeroizing::new(b"whatever".to_vec());
        obs.files.get_mut("tls.cert").unwrap().mode = 0o640;
        let offline = PartialInputs {
            accounts: Part::Unknown,
            tls_cert_pem: Part::Unknown,
            macaroon: Part::Unknown,
            ..inputs(&intent).into()
        };
        let d = DesiredBundle::partial(layout(Path::new("/x"), true), offline).unwrap();
        let out = diff(&d, &obs);
        assert_eq!(out.actions.len(), 1);
        assert_eq!(export_files(&out.actions[0]), ["tls.cert"]);
        assert_eq!(out.actions[0].reason, "tls.cert mode 0640 → 0600");
        assert_eq!(out.notes.len(), 1);
        assert!(
            out.notes[0].contains("compared with it once it runs"),
            "{out:?}"
        );
        // With everything in order offline, nothing to do but the note.
        obs.files.get_mut("tls.cert").unwrap().mode = 0o600;
        let out = diff(&d, &obs);
        assert!(out.actions.is_empty());
        assert_eq!(out.notes.len(), 1);
    }

    #[test]
    fn planned_bake_rewrites_macaroon_bundle_json_and_archive() {
        let intent = signer_only_intent();
        let full = full(true);
        let obs = observed_from(&full);
        let pending = PartialInputs {
            macaroon: Part::Pending,
            ..inputs(&intent).into()
        };
        let d = DesiredBundle::partial(layout(Path::new("/x"), true), pending).unwrap();
        let a = &diff(&d, &obs).actions[0];
        assert_eq!(
            export_files(a),
            [
                "bundle.json",
                "signer-only.macaroon",
                "../bundle.tar.gz.b64"
            ]
        );
        assert!(!a.drift);
        assert!(
            a.reason.contains("newly baked signer-only macaroon"),
            "{}",
            a.reason
        );
    }

    #[test]
    fn admin_macaroon_is_removed_after_the_scope_moves_away() {
        let admin = admin_intent();
        let old = DesiredBundle::build(layout(Path::new("/x"), true), inputs(&admin)).unwrap();
        let obs = observed_from(&old);
        let d = full(true);
        let out = diff(&d, &obs);
        assert_eq!(out.actions.len(), 2);
        assert_eq!(
            export_files(&out.actions[0]),
            [
                "bundle.json",
                "signer-only.macaroon",
                "../bundle.tar.gz.b64"
            ]
        );
        assert!(
            !out.actions[0].drift,
            "a scope change in signer.toml is not drift"
        );
        let stale = &out.actions[1];
        assert_eq!(stale.kind, ActionKind::Destroy);
        assert_eq!(stale.address.as_str(), "bundle.stale");
        assert_eq!(stale_files(stale), ["admin.macaroon"]);
        assert!(
            stale.reason.contains("admin.macaroon must not stay"),
            "{}",
            stale.reason
        );
    }

    /// custom → admin changes bundle.json's scope: the manifest changed,
    /// so the rewrite is not flagged as drift; the same bundle with an
    /// edited tls.cert is.
    #[test]
    fn a_scope_change_is_not_drift_but_an_edited_file_is() {
        let mut custom = signer_only_intent();
        custom.scope = "custom".into();
        custom.permissions = vec!["signer:generate".parse().unwrap()];
        let old = DesiredBundle::build(layout(Path::new("/x"), true), inputs(&custom)).unwrap();
        let admin = admin_intent();
        let d = DesiredBundle::build(layout(Path::new("/x"), true), inputs(&admin)).unwrap();
        let out = diff(&d, &observed_from(&old));
        let export = &out.actions[0];
        assert_eq!(export.kind, ActionKind::Update);
        assert!(!export.drift, "{export:?}");
        assert_eq!(stale_files(&out.actions[1]), ["custom.macaroon"]);

        let mut edited = observed_from(&d);
        edited.files.get_mut("tls.cert").unwrap().bytes = Zeroizing::new(b"other".to_vec());
        assert!(diff(&d, &edited).actions[0].drift);
    }

    #[test]
    fn a_foreign_macaroon_is_removed_as_not_part_of_the_bundle() {
        let d = full(false);
        let mut obs = observed_from(&d);
        obs.files.insert(
            "monitor.macaroon".into(),
            ObservedFile {
                bytes: Zeroizing::new(b"x".to_vec()),
                mode: 0o600,
            },
        );
        let out = diff(&d, &obs);
        assert_eq!(out.actions.len(), 1, "{out:?}");
        assert_eq!(stale_files(&out.actions[0]), ["monitor.macaroon"]);
        assert!(
            out.actions[0]
                .reason
                .contains("lsm did not write it): removed so it is not shipped"),
            "{}",
            out.actions[0].reason
        );
    }

    #[test]
    fn archive_off_removes_the_archive_and_leftovers_are_stale() {
        let with = full(true);
        let mut obs = observed_from(&with);
        obs.temp_leftovers = vec![".lsm-tmp-tls.cert.a1".into()];
        obs.archive_temp_leftovers = vec![".lsm-tmp-bundle.tar.gz.b64.b2".into()];
        obs.unmanaged = vec!["README".into()];
        let d = full(false);
        let out = diff(&d, &obs);
        assert_eq!(out.actions.len(), 1, "{out:?}");
        assert_eq!(
            stale_files(&out.actions[0]),
            [
                "../bundle.tar.gz.b64",
                ".lsm-tmp-tls.cert.a1",
                "../.lsm-tmp-bundle.tar.gz.b64.b2"
            ]
        );
        assert!(out.notes[0].contains("README, which lsm does not manage"));
    }
}
