//! lsm's own record of the macaroon root keys it baked under:
//! `macaroon-root-keys.json` in `[wallet] secrets_dir`.
//!
//! Revocation needs a memory. The bundle cannot be it: it is rewritten in
//! the same apply that must later revoke the key its old macaroon used, so
//! a crash in between would forget that key for good, and a macaroon file
//! someone dropped into the bundle would look like lsm's. So lsm writes
//! down each bake *before* calling BakeMacaroon, and forgets a root key only
//! *after* DeleteMacaroonID succeeded. A root key id is then lsm's to revoke
//! exactly when it is recorded here, and the permission sets baked under it
//! say whether a macaroon wider than the declared one may still be out there.
//!
//! Why the secrets directory and not lsm's state directory: root keys live
//! in the wallet's macaroon database, and the secrets directory is the
//! wallet's companion — per signer, kept and backed up with seed.txt, and
//! present wherever apply runs (a CI runner's state directory is not).
//! Nothing in it is secret (ids and permission names); it is written
//! atomically with mode 0600 like its neighbours.

use crate::fsutil::{self, Existing, temp_prefix_for};
use crate::lnd::permissions::Permission;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// The file's name in the secrets directory.
pub(crate) const LEDGER_FILE: &str = "macaroon-root-keys.json";
/// The format this lsm writes; a newer one is refused, not rewritten.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// Larger than any real ledger by orders of magnitude.
const MAX_BYTES: u64 = 1024 * 1024;

const ABOUT: &str = "Macaroon root keys lsm baked under on this signer, with every permission \
     set baked under each. lsm revokes (DeleteMacaroonID) only root keys listed here. Written by \
     lsm; do not edit.";

/// Root key id → every permission set lsm baked under it since lnd
/// created that root key (`entity:action` strings, in lnd's order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    root_keys: BTreeMap<u64, BTreeSet<Vec<String>>>,
}

/// The file as written.
#[derive(Serialize, Deserialize)]
struct LedgerFile {
    format_version: u32,
    #[serde(default)]
    about: String,
    root_keys: BTreeMap<u64, BTreeSet<Vec<String>>>,
}

/// The ledger as observed: unreadable is not the same as empty, because
/// treating it as empty would silently give up revocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LedgerView {
    /// Read (a missing file is an empty ledger).
    Readable(Ledger),
    /// Present but not usable; `error` names the file and the problem.
    Unreadable { error: String },
}

impl LedgerView {
    /// For the plan's observed digest.
    pub(crate) fn digest_input(&self) -> serde_json::Value {
        match self {
            LedgerView::Readable(l) => serde_json::json!(l.root_keys),
            LedgerView::Unreadable { error } => serde_json::json!({ "unreadable": error }),
        }
    }
}

fn strings(perms: &[Permission]) -> Vec<String> {
    perms.iter().map(ToString::to_string).collect()
}

impl Ledger {
    /// Root key ids lsm baked under, ascending.
    pub(crate) fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.root_keys.keys().copied()
    }

    pub(crate) fn owns(&self, id: u64) -> bool {
        self.root_keys.contains_key(&id)
    }

    /// Whether every macaroon lsm baked under `id` grants exactly `perms`
    /// (false when it baked nothing under it).
    pub(crate) fn only_baked(&self, id: u64, perms: &[Permission]) -> bool {
        let want = strings(perms);
        self.root_keys
            .get(&id)
            .is_some_and(|sets| !sets.is_empty() && sets.iter().all(|s| *s == want))
    }

    /// Permission sets baked under `id` other than `perms`, for plans.
    pub(crate) fn other_sets(&self, id: u64, perms: &[Permission]) -> Vec<String> {
        let want = strings(perms);
        self.root_keys
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|s| **s != want)
            .map(|s| s.join(" "))
            .collect()
    }

    /// Records a bake. A root key that is not live (`live` known and
    /// without it) is created afresh by BakeMacaroon, so what was recorded
    /// under it before no longer signs anything.
    pub(crate) fn record_bake(&mut self, id: u64, perms: &[Permission], live: Option<&[u64]>) {
        let fresh = live.is_some_and(|l| !l.contains(&id));
        let sets = self.root_keys.entry(id).or_default();
        if fresh {
            sets.clear();
        }
        sets.insert(strings(perms));
    }

    /// Forgets a root key lnd deleted.
    pub(crate) fn forget(&mut self, id: u64) {
        self.root_keys.remove(&id);
    }

    /// Drops root keys lnd no longer has (deleted by hand, or a crash
    /// between DeleteMacaroonID and [`forget`](Self::forget)), except
    /// `keep`, so a later root key under the same id is not taken for
    /// lsm's.
    pub(crate) fn prune(&mut self, live: Option<&[u64]>, keep: Option<u64>) {
        if let Some(live) = live {
            self.root_keys
                .retain(|id, _| live.contains(id) || Some(*id) == keep);
        }
    }
}

/// Where the ledger lives.
pub(crate) fn path_in(secrets_dir: &Path) -> PathBuf {
    secrets_dir.join(LEDGER_FILE)
}

/// Reads the ledger; never fails, an unusable file is reported as such.
pub(crate) fn observe(secrets_dir: &Path) -> LedgerView {
    match load(secrets_dir) {
        Ok(l) => LedgerView::Readable(l),
        Err(error) => LedgerView::Unreadable { error },
    }
}

/// Reads the ledger, or says what is wrong with it (naming the file).
pub(crate) fn load(secrets_dir: &Path) -> Result<Ledger, String> {
    let path = path_in(secrets_dir);
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Ledger::default()),
        Err(e) => return Err(format!("cannot inspect {shown}: {e}")),
    };
    if !meta.file_type().is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    if meta.len() > MAX_BYTES {
        return Err(format!("{shown} is larger than {MAX_BYTES} bytes"));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let file: LedgerFile = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{shown} is not lsm's root key record (line {}, column {}: {e})",
            e.line(),
            e.column()
        )
    })?;
    if file.format_version != FORMAT_VERSION {
        return Err(format!(
            "{shown} has format_version {}, this lsm reads {FORMAT_VERSION}",
            file.format_version
        ));
    }
    Ok(Ledger {
        root_keys: file.root_keys,
    })
}

/// Writes the ledger atomically (0600), first removing temp files a crash
/// left from an earlier write of it — only those, never a neighbour's.
pub(crate) fn save(secrets_dir: &Path, ledger: &Ledger) -> Result<(), String> {
    let path = path_in(secrets_dir);
    // Created 0700 if missing; an existing directory's mode is the wallet
    // plan's to repair (a planned, visible step), not changed here.
    if !secrets_dir.is_dir() {
        fsutil::ensure_dir(secrets_dir, crate::secrets::DIR_MODE)
            .map_err(|e| format!("cannot create {}: {e}", secrets_dir.display()))?;
    }
    let prefix = temp_prefix_for(LEDGER_FILE);
    fsutil::remove_temp_files(secrets_dir, |n| n.starts_with(&prefix))
        .map_err(|e| format!("cannot clean up in {}: {e}", secrets_dir.display()))?;
    let file = LedgerFile {
        format_version: FORMAT_VERSION,
        about: ABOUT.to_string(),
        root_keys: ledger.root_keys.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    bytes.push(b'\n');
    fsutil::atomic_write(&path, &bytes, crate::secrets::FILE_MODE, Existing::Replace)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Load, change, save: the executor's read-modify-write of one step.
pub(crate) fn update(secrets_dir: &Path, change: impl FnOnce(&mut Ledger)) -> Result<(), String> {
    let mut ledger = load(secrets_dir)?;
    change(&mut ledger);
    save(secrets_dir, &ledger)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lnd::permissions;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn records_bakes_and_forgets_revoked_keys() {
        let mut l = Ledger::default();
        let so = permissions::signer_only();
        let admin = permissions::admin();
        l.record_bake(1, &so, Some(&[0]));
        assert!(l.owns(1) && l.only_baked(1, &so));
        // A second, wider bake under the same live key: both recorded.
        l.record_bake(1, &admin, Some(&[0, 1]));
        assert!(!l.only_baked(1, &so));
        assert_eq!(l.other_sets(1, &so).len(), 1);
        // lnd lost the key: the next bake starts it afresh.
        l.record_bake(1, &so, Some(&[0]));
        assert!(l.only_baked(1, &so));
        l.forget(1);
        assert!(!l.owns(1));
        assert!(!l.only_baked(1, &so));
    }

    #[test]
    fn prune_drops_keys_lnd_no_longer_has() {
        let mut l = Ledger::default();
        let so = permissions::signer_only();
        for id in [1, 2, 3] {
            l.record_bake(id, &so, None);
        }
        l.prune(None, None);
        assert_eq!(l.ids().count(), 3, "unknown live set: keep everything");
        l.prune(Some(&[0, 2]), Some(3));
        assert_eq!(l.ids().collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn round_trips_atomically_with_mode_0600_and_cleans_its_own_leftovers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("secrets");
        assert_eq!(load(&dir).unwrap(), Ledger::default(), "missing is empty");
        let mut l = Ledger::default();
        l.record_bake(7, &permissions::signer_only(), None);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(".lsm-tmp-macaroon-root-keys.json.Ab12"), b"half").unwrap();
        std::fs::write(dir.join(".lsm-tmp-seed.txt.Cd34"), b"not ours").unwrap();
        save(&dir, &l).unwrap();
        assert_eq!(load(&dir).unwrap(), l);
        let path = path_in(&dir);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".lsm-tmp-seed.txt.Cd34", LEDGER_FILE]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"7\""), "{text}");
    }

    #[test]
    fn an_unusable_file_is_reported_not_taken_for_empty() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(path_in(tmp.path()), b"{ not json").unwrap();
        let LedgerView::Unreadable { error } = observe(tmp.path()) else {
            panic!("garbage read as a ledger");
        };
        assert!(
            error.contains(LEDGER_FILE) && error.contains("line 1"),
            "{error}"
        );
        std::fs::write(
            path_in(tmp.path()),
            br#"{"format_version": 9, "root_keys": {}}"#,
        )
        .unwrap();
        assert!(load(tmp.path()).unwrap_err().contains("format_version 9"));
        assert!(update(tmp.path(), |l| l.forget(1)).is_err());
    }
}
