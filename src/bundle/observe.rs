//! What is on disk at the bundle path, read without changing anything and
//! without ever following a symlink: the directory's mode, every regular
//! file lsm manages there (bytes and mode), every other entry (so strays
//! are seen and left alone), crash leftovers of atomic writes, and the
//! archive beside the directory.

use crate::bundle::bundle_json::BundleJson;
use crate::bundle::{ACCOUNTS_FILE, BUNDLE_JSON_FILE, BundleLayout, Error, TLS_CERT_FILE};
use crate::fsutil::{TEMP_PREFIX, list_temp_files, temp_prefix_for};
use crate::lnd::macaroon::Macaroon;
use crate::scope::MacaroonFile;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Bundle files are a few KiB (accounts.json for 259 accounts ~100 KiB);
/// anything far larger is not one of ours and is not read into memory.
pub(crate) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A regular file as found. `Debug` shows its size, never its bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ObservedFile {
    pub bytes: Zeroizing<Vec<u8>>,
    pub mode: u32,
}

impl fmt::Debug for ObservedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ObservedFile({} bytes, {:04o})",
            self.bytes.len(),
            self.mode
        )
    }
}

/// The bundle as found on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ObservedBundle {
    /// The directory's mode; `None` when it does not exist (an empty bundle).
    pub dir_mode: Option<u32>,
    /// lsm created the directory (its marker is there), so its mode is
    /// lsm's to repair; see [`crate::dirguard`].
    pub dir_marked: bool,
    /// Regular files lsm may manage: accounts.json, tls.cert, bundle.json
    /// and every `*.macaroon`.
    pub files: BTreeMap<String, ObservedFile>,
    /// Crash leftovers of lsm's atomic writes in the directory
    /// (`.lsm-tmp-<managed file>.*`).
    pub temp_leftovers: Vec<String>,
    /// Everything else in the directory (other files, subdirectories,
    /// symlinks), by name; lsm leaves these alone.
    pub unmanaged: Vec<String>,
    /// The `<dir>.tar.gz.b64` beside the directory, if present.
    pub archive: Option<ObservedFile>,
    /// Crash leftovers of archive writes beside the directory.
    pub archive_temp_leftovers: Vec<String>,
}

impl ObservedBundle {
    /// The macaroon files, decoded, for the scope diff.
    pub(crate) fn macaroon_files(&self) -> Vec<MacaroonFile> {
        self.files
            .iter()
            .filter(|(name, _)| is_macaroon_name(name))
            .map(|(name, f)| decode_macaroon_file(name, &f.bytes))
            .collect()
    }

    /// bundle.json as found, when it parses.
    pub(crate) fn bundle_json(&self) -> Option<BundleJson> {
        BundleJson::parse(&self.files.get(BUNDLE_JSON_FILE)?.bytes).ok()
    }

    /// The macaroon file bundle.json says the bundle hands out.
    pub(crate) fn described_macaroon_file(&self) -> Option<String> {
        self.bundle_json().map(|j| j.macaroon_file)
    }
}

/// Decodes one macaroon file into what the scope diff compares.
pub(crate) fn decode_macaroon_file(name: &str, bytes: &[u8]) -> MacaroonFile {
    let decoded = Macaroon::decode(bytes).and_then(|m| {
        let caveats = m
            .caveats()
            .iter()
            .map(|c| match c.kind() {
                crate::lnd::macaroon::CaveatKind::ThirdParty { location } => {
                    format!("third-party caveat at {location}")
                }
                _ => c.condition(),
            })
            .collect();
        Ok((m.permissions()?, m.root_key_id()?, caveats))
    });
    match decoded {
        Ok((permissions, root_key_id, caveats)) => MacaroonFile::Decoded {
            name: name.to_string(),
            permissions,
            root_key_id,
            caveats,
        },
        Err(e) => MacaroonFile::Unreadable {
            name: name.to_string(),
            error: e.to_string(),
        },
    }
}

pub(crate) fn is_macaroon_name(name: &str) -> bool {
    name.len() > ".macaroon".len() && name.ends_with(".macaroon") && !name.starts_with('.')
}

/// A crash leftover of lsm's own atomic write of a bundle file,
/// `.lsm-tmp-<a file lsm manages>.<random>`. Anything else, even with lsm's
/// prefix, is not lsm's to delete.
pub(crate) fn is_own_temp(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX)
        .and_then(|rest| rest.rsplit_once('.'))
        .is_some_and(|(target, random)| is_managed_name(target) && !random.is_empty())
}

/// The entries among `names` that make a directory not a bundle of this
/// scope (see [`crate::dirguard`]): none when it has bundle.json (it is a
/// bundle; other files in it are left alone), else everything but what
/// the export writes — accounts.json, tls.cert, `macaroon_file` and its
/// own temp files. lnd's data directory, with its admin and invoice
/// macaroons and wallet.db, is no bundle.
pub(crate) fn foreign_names(names: &[String], macaroon_file: &str) -> Vec<String> {
    if names.iter().any(|n| n == BUNDLE_JSON_FILE) {
        return Vec::new();
    }
    names
        .iter()
        .filter(|n| {
            !(matches!(n.as_str(), ACCOUNTS_FILE | TLS_CERT_FILE)
                || *n == macaroon_file
                || is_own_temp(n))
        })
        .cloned()
        .collect()
}

/// Names whose content lsm reads and may replace.
fn is_managed_name(name: &str) -> bool {
    matches!(name, ACCOUNTS_FILE | TLS_CERT_FILE | BUNDLE_JSON_FILE) || is_macaroon_name(name)
}

/// Reads the bundle at `layout`. A missing directory is an empty bundle;
/// a path that is a file or a symlink is refused.
pub(crate) fn observe(layout: &BundleLayout) -> Result<ObservedBundle, Error> {
    let mut obs = ObservedBundle::default();
    let dir = layout.dir();
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("inspect", dir, e)),
        Ok(meta) if meta.file_type().is_dir() => {
            obs.dir_mode = Some(meta.mode() & 0o7777);
            read_dir(dir, &mut obs)?;
        }
        Ok(meta) => {
            return Err(Error::NotADirectory {
                path: dir.to_path_buf(),
                kind: kind_of(&meta.file_type()),
            });
        }
    }
    read_archive(layout, &mut obs)?;
    Ok(obs)
}

fn read_dir(dir: &Path, obs: &mut ObservedBundle) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == crate::dirguard::MARKER {
            // lsm's mark of a directory it created: no bundle file.
            obs.dir_marked = entry.file_type().is_ok_and(|t| t.is_file());
            continue;
        }
        let path = entry.path();
        // DirEntry::file_type does not follow symlinks.
        let ft = entry
            .file_type()
            .map_err(|e| Error::io("inspect", &path, e))?;
        if is_own_temp(&name) && ft.is_file() {
            obs.temp_leftovers.push(name);
        } else if is_managed_name(&name) {
            if !ft.is_file() {
                return Err(Error::NotRegular {
                    path,
                    kind: kind_of(&ft),
                });
            }
            obs.files.insert(name, read_regular(&path)?);
        } else {
            obs.unmanaged.push(name);
        }
    }
    obs.temp_leftovers.sort();
    obs.unmanaged.sort();
    Ok(())
}

fn read_archive(layout: &BundleLayout, obs: &mut ObservedBundle) -> Result<(), Error> {
    let path = layout.archive_path();
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("inspect", &path, e)),
        Ok(meta) if meta.file_type().is_file() => obs.archive = Some(read_regular(&path)?),
        Ok(meta) => {
            return Err(Error::NotRegular {
                path,
                kind: kind_of(&meta.file_type()),
            });
        }
    }
    // Only leftovers of *this* archive: the parent may be shared.
    let prefix = temp_prefix_for(&layout.archive_name());
    let parent = layout.parent();
    obs.archive_temp_leftovers = list_temp_files(&parent, |n| n.starts_with(&prefix))
        .map_err(|e| Error::io("list", &parent, e))?;
    Ok(())
}

/// Opens without following a symlink and without blocking on a FIFO
/// swapped in since the directory was listed, then checks the opened file
/// itself is regular (see [`regular_file`](crate::regular_file)).
/// `Ok(None)` when it does not exist.
pub(crate) fn open_regular(path: &Path) -> Result<Option<(File, fs::Metadata)>, Error> {
    use crate::regular_file::{Links, ReadError, open_with};
    match open_with(path, Links::Refuse) {
        Ok(opened) => Ok(Some(opened)),
        Err(ReadError::NotFound) => Ok(None),
        Err(ReadError::NotRegular { kind }) => Err(Error::NotRegular {
            path: path.to_path_buf(),
            kind,
        }),
        Err(ReadError::Io(e)) => Err(Error::io("open", path, e)),
        Err(ReadError::TooLarge { limit }) => Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit,
        }),
    }
}

/// Reads a regular file (see [`open_regular`]) up to [`MAX_FILE_BYTES`].
pub(crate) fn read_regular(path: &Path) -> Result<ObservedFile, Error> {
    let (mut file, meta) = open_regular(path)?
        .ok_or_else(|| Error::io("read", path, io::Error::from(io::ErrorKind::NotFound)))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize));
    file.by_ref()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(ObservedFile {
        bytes,
        mode: meta.mode() & 0o7777,
    })
}

pub(crate) use crate::regular_file::kind_of;

/// The path of a name as plan actions spell it (`../x` is beside the dir).
pub(crate) fn path_of(layout: &BundleLayout, name: &str) -> PathBuf {
    match name.strip_prefix("../") {
        Some(beside) => layout.parent().join(beside),
        None => layout.dir().join(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn layout(tmp: &Path) -> BundleLayout {
        BundleLayout::new(tmp.join("bundle"), true).unwrap()
    }

    #[test]
    fn missing_directory_is_an_empty_bundle() {
        let tmp = tempfile::tempdir().unwrap();
        let obs = observe(&layout(tmp.path())).unwrap();
        assert_eq!(obs, ObservedBundle::default());
    }

    #[test]
    fn sees_files_modes_strays_leftovers_and_archive() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("bundle");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(dir.join("tls.cert"), b"cert").unwrap();
        fs::set_permissions(dir.join("tls.cert"), fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(dir.join("admin.macaroon"), b"junk").unwrap();
        fs::write(dir.join("notes.txt"), b"mine").unwrap();
        fs::write(dir.join(".lsm-tmp-tls.cert.x1"), b"half").unwrap();
        fs::create_dir(dir.join("old")).unwrap();
        symlink("/etc/passwd", dir.join("link")).unwrap();
        fs::write(tmp.path().join("bundle.tar.gz.b64"), b"text").unwrap();
        fs::write(tmp.path().join(".lsm-tmp-bundle.tar.gz.b64.y2"), b"half").unwrap();
        fs::write(tmp.path().join(".lsm-tmp-other.tar.gz.b64.z3"), b"not ours").unwrap();

        let obs = observe(&layout(tmp.path())).unwrap();
        assert_eq!(obs.dir_mode, Some(0o755));
        assert_eq!(obs.files["tls.cert"].mode, 0o644);
        assert_eq!(obs.files["tls.cert"].bytes.as_slice(), b"cert");
        assert_eq!(obs.temp_leftovers, [".lsm-tmp-tls.cert.x1"]);
        assert_eq!(obs.unmanaged, ["link", "notes.txt", "old"]);
        assert_eq!(obs.archive.as_ref().unwrap().bytes.as_slice(), b"text");
        assert_eq!(
            obs.archive_temp_leftovers,
            [".lsm-tmp-bundle.tar.gz.b64.y2"]
        );
        assert!(matches!(
            obs.macaroon_files()[0],
            MacaroonFile::Unreadable { ref name, .. } if name == "admin.macaroon"
        ));
    }

    #[test]
    fn refuses_a_file_or_symlink_as_the_bundle_path_and_symlinked_bundle_files() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("bundle"), b"x").unwrap();
        let err = observe(&layout(tmp.path())).unwrap_err().to_string();
        assert!(err.contains("is a regular file, not a directory"), "{err}");

        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("real")).unwrap();
        symlink(tmp.path().join("real"), tmp.path().join("bundle")).unwrap();
        let err = observe(&layout(tmp.path())).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link, not a directory"), "{err}");

        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("bundle");
        fs::create_dir(&dir).unwrap();
        fs::write(tmp.path().join("outside"), b"secret").unwrap();
        symlink(tmp.path().join("outside"), dir.join("accounts.json")).unwrap();
        let err = observe(&layout(tmp.path())).unwrap_err().to_string();
        assert!(err.contains("accounts.json is a symbolic link"), "{err}");
    }

    #[test]
    fn read_regular_never_follows_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("target"), b"x").unwrap();
        symlink(tmp.path().join("target"), tmp.path().join("l")).unwrap();
        assert!(matches!(
            read_regular(&tmp.path().join("l")),
            Err(Error::NotRegular {
                kind: "a symbolic link",
                ..
            })
        ));
    }
}
