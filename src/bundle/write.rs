//! Carrying out the bundle's actions, crash-safely.
//!
//! Every file is written atomically (temp file, fsync, rename, fsync the
//! directory) with mode 0600 in a 0700 directory. The order makes every
//! crash recoverable by simply running again: the payload files first,
//! then bundle.json (which hashes them), the archive last (which holds
//! them all). A crash in between leaves old-or-new files and at worst a
//! `.lsm-tmp-*` temp file; the next observe sees what still differs and the
//! leftovers, and the next write removes them.
//!
//! Crash points (compiled in only with `--features failpoints`):
//! `bundle::before_rename` (a file's temp copy complete in the directory,
//! not yet renamed), `bundle::after_file` (after each payload file),
//! `bundle::after_bundle_json`, `bundle::archive_before_rename` (the
//! archive's temp copy beside the directory), `bundle::after_archive`,
//! `bundle::after_remove` (after each stale file). The next export removes
//! the temp files of lsm's own writes — only those: another `.lsm-tmp-*`
//! name in the directory, or another archive's beside it, is left alone.
//! `FAILPOINTS="bundle::after_file=return"` exits the process there with
//! [`CRASH_EXIT`](crate::crashpoint::CRASH_EXIT), like the wallet's
//! [`crashpoint!`](crate::crashpoint); `return(error)` instead makes the
//! call fail with [`Error::Injected`], for in-process tests.

use crate::bundle::contents::{Content, DesiredBundle};
use crate::bundle::observe::{is_macaroon_name, is_own_temp, kind_of, open_regular, path_of};
use crate::bundle::{BUNDLE_JSON_FILE, BundleLayout, DIR_MODE, Error, FILE_MODE};
use crate::fsutil::{self, Existing, temp_prefix_for};
use std::fs;
use std::io;
use std::path::Path;

/// A crash point: see the module doc for the two ways to trigger it.
macro_rules! crash_point {
    ($name:literal) => {
        #[cfg(feature = "failpoints")]
        fail::fail_point!($name, |arg: Option<String>| {
            if arg.as_deref() == Some("error") {
                Err(Error::Injected($name))
            } else {
                std::process::exit($crate::crashpoint::CRASH_EXIT)
            }
        })
    };
}

/// Writes `files` (names as [`BundleOp::Export`] lists them) from the
/// desired bundle, which must know their content. An empty list still
/// creates the directory and forces its mode.
///
/// [`BundleOp::Export`]: crate::plan::op::BundleOp::Export
pub fn export(desired: &DesiredBundle, files: &[String]) -> Result<(), Error> {
    let layout = &desired.layout;
    prepare_dir(desired)?;
    remove_temp_leftovers(layout)?;

    let archive_key = BundleLayout::beside(&layout.archive_name());
    let mut payload = Vec::new();
    let (mut manifest, mut archive) = (None, None);
    for name in files {
        let content = desired.content(name).ok_or_else(|| Error::NotInBundle {
            name: name.clone(),
            what: "a file of this bundle",
        })?;
        let bytes = match content {
            Content::Known(b) => b.as_slice(),
            Content::Pending => return Err(incomplete(name, "it is still pending (bake first)")),
            Content::Unknown => {
                // Planned offline for its mode alone: fix that, keep the bytes.
                restrict_mode(&path_of(layout, name))?;
                continue;
            }
        };
        if *name == archive_key {
            archive = Some(bytes);
        } else if name == BUNDLE_JSON_FILE {
            manifest = Some(bytes);
        } else {
            payload.push((name, bytes));
        }
    }

    for (name, bytes) in payload {
        write_file(&layout.dir().join(name), bytes, "bundle::before_rename")?;
        crash_point!("bundle::after_file");
    }
    if let Some(bytes) = manifest {
        write_file(
            &layout.dir().join(BUNDLE_JSON_FILE),
            bytes,
            "bundle::before_rename",
        )?;
        crash_point!("bundle::after_bundle_json");
    }
    if let Some(bytes) = archive {
        write_file(
            &layout.archive_path(),
            bytes,
            "bundle::archive_before_rename",
        )?;
        crash_point!("bundle::after_archive");
    }
    Ok(())
}

/// Removes files that no longer belong. Refuses anything lsm does not
/// own or that the desired bundle still needs, so a hand-edited plan
/// cannot make it delete arbitrary files. Already-gone files are fine.
pub(crate) fn remove_stale(desired: &DesiredBundle, files: &[String]) -> Result<(), Error> {
    let layout = &desired.layout;
    if layout.dir().exists() {
        // Never delete from a directory that is not this bundle's.
        prepare_dir(desired)?;
    }
    for name in files {
        if !is_removable(desired, name) {
            return Err(Error::NotInBundle {
                name: name.clone(),
                what: "a stale file lsm manages",
            });
        }
    }
    let mut touched_dir = false;
    let mut touched_parent = false;
    for name in files {
        let path = path_of(layout, name);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", &path, e)),
        }
        if name.starts_with("../") {
            touched_parent = true;
        } else {
            touched_dir = true;
        }
        crash_point!("bundle::after_remove");
    }
    if touched_dir && layout.dir().is_dir() {
        sync(layout.dir())?;
    }
    if touched_parent {
        sync(&layout.parent())?;
    }
    Ok(())
}

fn is_removable(desired: &DesiredBundle, name: &str) -> bool {
    let layout = &desired.layout;
    match name.strip_prefix("../") {
        Some(beside) => {
            (beside == layout.archive_name() && desired.archive.is_none())
                || beside.starts_with(&temp_prefix_for(&layout.archive_name()))
        }
        None => {
            !name.contains('/')
                && ((is_macaroon_name(name) && name != desired.macaroon_file) || is_own_temp(name))
        }
    }
}

fn incomplete(name: &str, why: &str) -> Error {
    Error::Incomplete {
        file: name.to_string(),
        why: why.to_string(),
    }
}

/// Creates the directory (0700, marked as lsm's) or checks the existing
/// one (see [`crate::dirguard`]): never through a symlink, never one that
/// is not the user's own, writable by others, or someone else's directory
/// with other files in it (lnd's data directory, `/etc`). Its mode is
/// repaired only when lsm created it.
fn prepare_dir(desired: &DesiredBundle) -> Result<(), Error> {
    let dir = desired.layout.dir();
    match fs::symlink_metadata(dir) {
        Ok(m) if !m.file_type().is_dir() => {
            return Err(Error::NotADirectory {
                path: dir.to_path_buf(),
                kind: kind_of(&m.file_type()),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("inspect", dir, e)),
    }
    crate::dirguard::prepare(dir, crate::dirguard::Role::Bundle, DIR_MODE, |names| {
        crate::bundle::observe::foreign_names(names, &desired.macaroon_file)
    })
    .map_err(Error::Dir)
}

/// chmod 0600 on an existing regular file, through a descriptor opened
/// without following symlinks. A missing file cannot be written without
/// its content.
fn restrict_mode(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let (file, _) = open_regular(path)?.ok_or_else(|| {
        incomplete(
            &path.display().to_string(),
            "it is missing and the signer's data is not known yet",
        )
    })?;
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))
        .map_err(|e| Error::io("chmod", path, e))?;
    file.sync_all().map_err(|e| Error::io("sync", path, e))
}

/// An atomic write with crash point `point` between the complete temp file
/// and its rename (the only place a crash leaves a temp file behind).
fn write_file(path: &Path, bytes: &[u8], point: &'static str) -> Result<(), Error> {
    let injected = std::cell::Cell::new(false);
    let result = fsutil::atomic_write_with(path, bytes, FILE_MODE, Existing::Replace, || {
        // Both are used only when failpoints are compiled in.
        let _ = (point, &injected);
        #[cfg(feature = "failpoints")]
        fail::fail_point!(point, |arg: Option<String>| {
            if arg.as_deref() == Some("error") {
                injected.set(true);
                Err(io::Error::other("injected crash"))
            } else {
                std::process::exit(crate::crashpoint::CRASH_EXIT)
            }
        });
        Ok(())
    });
    match result {
        Err(_) if injected.get() => Err(Error::Injected(point)),
        r => r.map_err(|e| Error::io("write", path, e)),
    }
}

fn sync(dir: &Path) -> Result<(), Error> {
    fsutil::sync_dir(dir).map_err(|e| Error::io("sync", dir, e))
}

/// Deletes crash leftovers of lsm's own writes: in the bundle directory the
/// temp files of the files it manages, and beside it only this archive's.
fn remove_temp_leftovers(layout: &BundleLayout) -> Result<(), Error> {
    let dir = layout.dir();
    fsutil::remove_temp_files(dir, is_own_temp).map_err(|e| Error::io("clean up", dir, e))?;
    let parent = layout.parent();
    let archive_prefix = temp_prefix_for(&layout.archive_name());
    fsutil::remove_temp_files(&parent, |n| n.starts_with(&archive_prefix))
        .map_err(|e| Error::io("clean up", &parent, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::contents::tests::{admin_intent, inputs, signer_only_intent};
    use crate::bundle::diff::diff;
    use crate::bundle::observe::observe;
    use crate::plan::op::{BundleOp, Op};
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Mutex, MutexGuard};

    /// Failpoint settings are process-wide: every test here that writes
    /// holds this, so a crash configured by one test never hits another.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn desired(tmp: &Path, intent: &crate::scope::ScopeIntent, archive: bool) -> DesiredBundle {
        let layout = BundleLayout::new(tmp.join("bundle"), archive).unwrap();
        DesiredBundle::build(layout, inputs(intent)).unwrap()
    }

    /// Runs what the plan says, like the executor does.
    fn apply(d: &DesiredBundle) -> usize {
        let obs = observe(&d.layout).unwrap();
        let out = diff(d, &obs);
        for a in &out.actions {
            match &a.op {
                Op::Bundle(BundleOp::Export { files }) => export(d, files).unwrap(),
                Op::Bundle(BundleOp::RemoveStale { files }) => remove_stale(d, files).unwrap(),
                other => panic!("unexpected {other:?}"),
            }
        }
        out.actions.len()
    }

    /// The entries of `dir`, lsm's marker aside.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != crate::dirguard::MARKER)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_a_whole_bundle_then_nothing() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let intent = signer_only_intent();
        let d = desired(tmp.path(), &intent, true);
        assert_eq!(apply(&d), 1);
        let dir = tmp.path().join("bundle");
        assert_eq!(fsutil::mode_of(&dir), Some(0o700));
        assert!(
            dir.join(crate::dirguard::MARKER).is_file(),
            "lsm marks what it creates"
        );
        assert_eq!(
            names(&dir),
            [
                "accounts.json",
                "bundle.json",
                "signer-only.macaroon",
                "tls.cert"
            ]
        );
        for n in names(&dir) {
            assert_eq!(fsutil::mode_of(&dir.join(&n)), Some(0o600), "{n}");
            assert_eq!(
                fs::read(dir.join(&n)).unwrap(),
                d.files[&n].known().unwrap(),
                "{n}"
            );
        }
        assert_eq!(names(tmp.path()), ["bundle", "bundle.tar.gz.b64"]);
        assert_eq!(
            fsutil::mode_of(&tmp.path().join("bundle.tar.gz.b64")),
            Some(0o600)
        );
        // Second run: converged, nothing rewritten (the inode stays).
        let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
        let before = ino(&dir.join("accounts.json"));
        assert_eq!(apply(&d), 0);
        assert_eq!(ino(&dir.join("accounts.json")), before);
    }

    #[test]
    fn repairs_modes_and_removes_admin_macaroon_after_scope_change() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let admin = admin_intent();
        apply(&desired(tmp.path(), &admin, true));
        let dir = tmp.path().join("bundle");
        assert!(dir.join("admin.macaroon").exists());
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(dir.join("tls.cert"), fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(dir.join("notes.txt"), b"operator's").unwrap();

        let intent = signer_only_intent();
        let d = desired(tmp.path(), &intent, false);
        assert_eq!(apply(&d), 2);
        assert_eq!(
            names(&dir),
            [
                "accounts.json",
                "bundle.json",
                "notes.txt",
                "signer-only.macaroon",
                "tls.cert"
            ]
        );
        assert_eq!(fsutil::mode_of(&dir), Some(0o700));
        assert_eq!(fsutil::mode_of(&dir.join("tls.cert")), Some(0o600));
        assert_eq!(names(tmp.path()), ["bundle"], "archive removed");
        assert_eq!(apply(&d), 0);
    }

    #[test]
    fn crash_leftovers_are_cleaned_and_a_rerun_converges() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let intent = signer_only_intent();
        let d = desired(tmp.path(), &intent, true);
        // As if a previous run died mid-write: one file written, one temp
        // file never renamed in the dir and one beside it; a neighbour's
        // temp file in the shared parent must survive.
        let dir = tmp.path().join("bundle");
        // Made (and marked) by the interrupted run.
        crate::dirguard::prepare(&dir, crate::dirguard::Role::Bundle, 0o700, |_| Vec::new())
            .unwrap();
        fs::write(dir.join("tls.cert"), d.files["tls.cert"].known().unwrap()).unwrap();
        fs::write(dir.join(".lsm-tmp-accounts.json.Ab12"), b"half").unwrap();
        fs::write(dir.join(".lsm-tmp-signer-only.macaroon.Xy90"), b"half").unwrap();
        fs::write(tmp.path().join(".lsm-tmp-bundle.tar.gz.b64.Cd34"), b"half").unwrap();
        fs::write(tmp.path().join(".lsm-tmp-other.tar.gz.b64.Ef56"), b"x").unwrap();
        // Not a temp file of a bundle file: someone else's, left alone.
        fs::write(dir.join(".lsm-tmp-notes.txt.Gh78"), b"x").unwrap();
        apply(&d);
        assert_eq!(
            names(&dir)
                .into_iter()
                .filter(|n| n.starts_with(".lsm-tmp-"))
                .collect::<Vec<_>>(),
            [".lsm-tmp-notes.txt.Gh78"]
        );
        assert_eq!(
            names(tmp.path()),
            [
                ".lsm-tmp-other.tar.gz.b64.Ef56",
                "bundle",
                "bundle.tar.gz.b64"
            ]
        );
        assert_eq!(apply(&d), 0);
    }

    #[test]
    fn refuses_to_remove_what_it_does_not_own_or_still_needs() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let intent = signer_only_intent();
        let d = desired(tmp.path(), &intent, true);
        for bad in [
            "notes.txt",
            "signer-only.macaroon",
            "../bundle.tar.gz.b64",
            "../other.macaroon",
            "sub/x.macaroon",
            "../.lsm-tmp-other.b64.x",
            ".lsm-tmp-notes.txt.x",
        ] {
            assert!(remove_stale(&d, &[bad.to_string()]).is_err(), "{bad}");
        }
        assert!(remove_stale(&d, &["gone.macaroon".to_string()]).is_ok());
    }

    #[test]
    fn refuses_incomplete_content_and_symlinked_directories() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let intent = signer_only_intent();
        let layout = BundleLayout::new(tmp.path().join("bundle"), true).unwrap();
        let partial = crate::bundle::PartialInputs {
            macaroon: crate::bundle::Part::Pending,
            ..inputs(&intent).into()
        };
        let d = DesiredBundle::partial(layout, partial).unwrap();
        let err = export(&d, &["bundle.json".to_string()]).unwrap_err();
        assert!(err.to_string().contains("pending"), "{err}");

        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("linked")).unwrap();
        let layout = BundleLayout::new(tmp.path().join("linked"), false).unwrap();
        let d = DesiredBundle::build(layout, inputs(&intent)).unwrap();
        assert!(matches!(
            export(&d, &["tls.cert".to_string()]),
            Err(Error::NotADirectory { .. })
        ));
        assert!(names(&real).is_empty());
    }

    #[test]
    fn offline_fixes_modes_but_cannot_invent_content() {
        let _serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let intent = signer_only_intent();
        apply(&desired(tmp.path(), &intent, true));
        let cert = tmp.path().join("bundle/tls.cert");
        let before = fs::read(&cert).unwrap();
        fs::set_permissions(&cert, fs::Permissions::from_mode(0o644)).unwrap();
        let offline = crate::bundle::PartialInputs {
            accounts: crate::bundle::Part::Unknown,
            tls_cert_pem: crate::bundle::Part::Unknown,
            macaroon: crate::bundle::Part::Unknown,
            ..inputs(&intent).into()
        };
        let layout = BundleLayout::new(tmp.path().join("bundle"), true).unwrap();
        let d = DesiredBundle::partial(layout, offline).unwrap();
        assert_eq!(apply(&d), 1);
        assert_eq!(fsutil::mode_of(&cert), Some(0o600));
        assert_eq!(fs::read(&cert).unwrap(), before);
        assert_eq!(apply(&d), 0);
        fs::remove_file(&cert).unwrap();
        let err = export(&d, &["tls.cert".to_string()]).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }

    /// With failpoints compiled in: stop after each step, run again, and
    /// the bundle converges with no temp file left.
    #[cfg(feature = "failpoints")]
    #[test]
    fn crash_at_every_point_then_rerun_converges() {
        let _serial = serial();
        for point in [
            "bundle::before_rename",
            "bundle::after_file",
            "bundle::after_bundle_json",
            "bundle::archive_before_rename",
            "bundle::after_archive",
            "bundle::after_remove",
        ] {
            let scenario = fail::FailScenario::setup();
            let tmp = tempfile::tempdir().unwrap();
            // Start from an admin bundle so the removal step runs too.
            apply(&desired(tmp.path(), &admin_intent(), true));
            let intent = signer_only_intent();
            let d = desired(tmp.path(), &intent, true);
            fail::cfg(point, "return(error)").unwrap();
            let obs = observe(&d.layout).unwrap();
            let mut hit = false;
            for a in &diff(&d, &obs).actions {
                let r = match &a.op {
                    Op::Bundle(BundleOp::Export { files }) => export(&d, files),
                    Op::Bundle(BundleOp::RemoveStale { files }) => remove_stale(&d, files),
                    _ => unreachable!(),
                };
                if let Err(Error::Injected(p)) = r {
                    assert_eq!(p, point);
                    hit = true;
                    break;
                }
            }
            assert!(hit, "{point} was never reached");
            // Stopped between a temp file and its rename: the temp file
            // is there, so the clean-up below is really tested.
            let dir = tmp.path().join("bundle");
            let temps = |p: &Path| names(p).into_iter().filter(|n| n.starts_with(".lsm-tmp-"));
            let left = temps(&dir).count() + temps(tmp.path()).count();
            assert_eq!(
                left,
                usize::from(point.ends_with("before_rename")),
                "{point}"
            );
            fail::remove(point);
            apply(&d);
            assert_eq!(apply(&d), 0, "{point}: not converged");
            assert!(!dir.join("admin.macaroon").exists());
            assert_eq!(
                temps(&dir).count() + temps(tmp.path()).count(),
                0,
                "{point}"
            );
            scenario.teardown();
        }
    }
}
