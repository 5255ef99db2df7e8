//! Crash-safe file writes. A reader (or a crash) sees the old file or the new
//! one, never half of either: write a temp file in the same directory, fsync
//! it, rename it over the target, fsync the directory.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every temp file an atomic write creates starts with this, followed by the
/// target's file name and a random suffix (`.lsm-tmp-tls.cert.AbC123`), so a
/// crash leftover can be recognised — and attributed to its target even in
/// a directory lsm shares with others (the bundle archive's parent).
pub(crate) const TEMP_PREFIX: &str = ".lsm-tmp-";

/// The temp-name prefix used for writes to a file named `file_name`.
pub(crate) fn temp_prefix_for(file_name: &str) -> String {
    format!("{TEMP_PREFIX}{file_name}.")
}

/// How an atomic write treats an existing target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Replace it.
    Replace,
    /// Refuse with `ErrorKind::AlreadyExists` (the seed file's rule).
    Refuse,
}

/// Writes `bytes` to `path` atomically with `mode` (set on the temp file
/// before any byte is written, so the content is never exposed wider).
pub(crate) fn atomic_write(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    existing: Existing,
) -> io::Result<()> {
    atomic_write_with(path, bytes, mode, existing, || Ok(()))
}

/// [`atomic_write`] with `before_rename` run once the temp file is complete
/// and synced but not yet renamed over `path`: the one moment a crash
/// leaves a temp file behind, where crash tests stop a writer. If it fails,
/// the write is abandoned and the temp file stays, as a crash would leave it.
pub(crate) fn atomic_write_with(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    existing: Existing,
    before_rename: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix_for(&name))
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(&dir)?;
    // Builder::permissions is subject to the umask on some paths; be explicit.
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if let Err(e) = before_rename() {
        tmp.keep().map_err(|k| k.error)?;
        return Err(e);
    }
    match existing {
        Existing::Replace => {
            tmp.persist(path).map_err(|e| e.error)?;
        }
        Existing::Refuse => {
            tmp.persist_noclobber(path).map_err(|e| e.error)?;
        }
    }
    sync_dir(&dir)
}

/// The regular files in `dir` whose names `ours` accepts — crash leftovers
/// of a writer's own atomic writes — sorted. A missing `dir` has none;
/// symlinks and directories are never listed.
pub(crate) fn list_temp_files(dir: &Path, ours: impl Fn(&str) -> bool) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| ours(n))
        .collect();
    names.sort();
    Ok(names)
}

/// Removes what [`list_temp_files`] lists and fsyncs `dir` if any went.
pub(crate) fn remove_temp_files(dir: &Path, ours: impl Fn(&str) -> bool) -> io::Result<()> {
    let mut removed = false;
    for name in list_temp_files(dir, ours)? {
        match fs::remove_file(dir.join(&name)) {
            Ok(()) => removed = true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    if removed {
        sync_dir(dir)?;
    }
    Ok(())
}

/// fsyncs a directory so a rename or unlink in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` (and any missing parents) with `mode` on `dir` itself,
/// and says whether it did. An existing directory is left exactly as it
/// is: lsm changes the mode only of a directory it created (dirguard.rs,
/// above this module, says whose a directory is), never of one it merely
/// found (`/tmp`, say).
pub(crate) fn ensure_dir(dir: &Path, mode: u32) -> io::Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {
            // create_dir's mode is subject to the umask: set it exactly.
            fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The mode bits of a file, if it exists.
pub(crate) fn mode_of(path: &Path) -> Option<u32> {
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Seconds since the Unix epoch, as lsm stamps the records and logs it
/// writes; 0 on a clock set before 1970, which no record can trust anyway.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_mode_and_refuses_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("seed.txt");
        atomic_write(&p, b"one", 0o600, Existing::Refuse).unwrap();
        assert_eq!(mode_of(&p), Some(0o600));
        let err = atomic_write(&p, b"two", 0o600, Existing::Refuse).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&p).unwrap(), b"one");
        atomic_write(&p, b"three", 0o644, Existing::Replace).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"three");
        assert_eq!(mode_of(&p), Some(0o644));
        // No temp file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn ensure_dir_sets_the_mode_only_of_a_directory_it_creates() {
        let tmp = tempfile::tempdir().unwrap();
        let new = tmp.path().join("a/b");
        assert!(ensure_dir(&new, 0o700).unwrap());
        assert_eq!(mode_of(&new), Some(0o700));
        let found = tmp.path().join("found");
        fs::create_dir(&found).unwrap();
        fs::set_permissions(&found, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(!ensure_dir(&found, 0o700).unwrap());
        assert_eq!(
            mode_of(&found),
            Some(0o1777),
            "an existing directory is not chmodded"
        );
    }

    #[test]
    fn a_failing_hook_leaves_the_temp_file_and_the_old_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tls.cert");
        fs::write(&p, b"old").unwrap();
        let err = atomic_write_with(&p, b"new", 0o600, Existing::Replace, || {
            Err(io::Error::other("stop"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "stop");
        assert_eq!(fs::read(&p).unwrap(), b"old");
        let temps: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&temp_prefix_for("tls.cert")))
            .collect();
        assert_eq!(temps.len(), 1, "{temps:?}");
        assert_eq!(fs::read(dir.path().join(&temps[0])).unwrap(), b"new");
    }
}
