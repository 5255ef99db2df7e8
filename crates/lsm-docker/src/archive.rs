//! Tar archives in memory: the Engine API moves files in and out of a
//! container only as tar streams. Files go into the volume *through the API*
//! (never a host bind mount), so a remote DOCKER_HOST works the same as the
//! local socket. Upload buffers are zeroized on drop because they may hold
//! secrets (the wallet password file).

use super::error::DockerError;
use std::io::Read;
use zeroize::Zeroizing;

/// Largest file lsm reads back out of a container (lnd.conf is a few KiB).
pub const MAX_DOWNLOAD: u64 = 16 * 1024 * 1024;

/// A file to place inside a container.
#[derive(Clone, Copy)]
pub struct UploadFile<'a> {
    /// Absolute path inside the container, e.g. `/root/.lnd/lnd.conf`.
    pub path: &'a str,
    pub content: &'a [u8],
    /// Unix permission bits, e.g. `0o600`.
    pub mode: u32,
}

impl std::fmt::Debug for UploadFile<'_> {
    /// Never prints the content: it may be secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadFile")
            .field("path", &self.path)
            .field("len", &self.content.len())
            .field("mode", &format_args!("{:o}", self.mode))
            .finish()
    }
}

/// A directory to create (or re-mode) with an upload: lsm's own directory in
/// the volume, kept 0700 because it holds the wallet password copy.
#[derive(Debug, Clone, Copy)]
pub struct UploadDir<'a> {
    /// Absolute path inside the container.
    pub path: &'a str,
    /// Unix permission bits, e.g. `0o700`.
    pub mode: u32,
}

/// Builds a tar to extract at `/`: entries are the paths without their leading
/// `/`, owned by uid/gid 0 with the given modes. Each of `dirs` gets a
/// directory entry first, so the engine creates it with (or sets it to) that
/// mode; other missing parents are created by the engine with its default
/// (0755), and existing ones keep their owner and mode because the archive
/// holds no entries for them.
pub(crate) fn build_upload(
    dirs: &[UploadDir<'_>],
    files: &[UploadFile<'_>],
) -> Result<Zeroizing<Vec<u8>>, DockerError> {
    let bad = |detail: String| DockerError::Archive {
        op: "preparing the upload".into(),
        detail,
    };
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut out = Zeroizing::new(Vec::new());
    {
        let mut builder = tar::Builder::new(&mut *out);
        for d in dirs {
            let rel = relative(d.path).map_err(bad)?;
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            header.set_mode(d.mode);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(mtime);
            builder
                .append_data(&mut header, format!("{rel}/"), std::io::empty())
                .map_err(|e| bad(format!("{}: {e}", d.path)))?;
        }
        for f in files {
            let rel = relative(f.path).map_err(bad)?;
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(f.content.len() as u64);
            header.set_mode(f.mode);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(mtime);
            builder
                .append_data(&mut header, rel, f.content)
                .map_err(|e| bad(format!("{}: {e}", f.path)))?;
        }
        builder
            .finish()
            .map_err(|e| bad(format!("finishing the archive: {e}")))?;
    }
    Ok(out)
}

/// `path` without its leading `/`, refused unless absolute and normalised.
fn relative(path: &str) -> Result<&str, String> {
    let rel = path
        .strip_prefix('/')
        .filter(|r| !r.is_empty() && !r.ends_with('/'))
        .ok_or_else(|| format!("{path:?} is not an absolute file path"))?;
    if rel
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(format!("{path:?} is not a normalised path"));
    }
    Ok(rel)
}

/// A regular file read out of a container: its content and permission bits
/// (from the archive header, so a chmod inside the volume is visible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    /// May be secret (the password copy, a macaroon): never shown.
    pub content: crate::FileBytes,
    pub mode: u32,
}

/// The content of the single regular file in a download archive. The engine
/// names the entry after the file's basename; a directory is an error.
/// `None` for an archive with no entry: the file went between the engine's
/// look at it and its read (lnd replacing tls.cert while it renews it), so
/// it is absent now, as a 404 would say.
pub(crate) fn read_single_file(
    tar_bytes: &[u8],
    path: &str,
) -> Result<Option<ReadFile>, DockerError> {
    let bad = |detail: String| DockerError::Archive {
        op: format!("reading {path} from the container"),
        detail,
    };
    let mut archive = tar::Archive::new(tar_bytes);
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        match read_entry(&mut entry, "the file").map_err(bad)? {
            Some(DirEntry::File(file)) => return Ok(Some(file)),
            Some(DirEntry::NotAFile(why)) => return Err(bad(why.into())),
            None => continue,
        }
    }
    Ok(None)
}

/// A directory read in one archive: its own mode and its entries by name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DirListing {
    pub mode: u32,
    pub entries: std::collections::BTreeMap<String, DirEntry>,
}

/// The regular files directly inside the directory a download archive
/// holds, by name, and the directory's mode. The engine names the root entry
/// after the directory's basename (`lsm/`, then `lsm/lnd.conf`, ...). `None` when the root entry
/// is not a directory (the path is a symbolic link, say): the caller then
/// reads file by file, which resolves such paths the way the engine does.
/// Entries that are not regular files (symbolic links, subdirectories) are
/// reported as such so the caller can refuse them as a single read would.
pub(crate) fn read_dir_files(
    tar_bytes: &[u8],
    dir: &str,
) -> Result<Option<DirListing>, DockerError> {
    let bad = |detail: String| DockerError::Archive {
        op: format!("reading {dir} from the container"),
        detail,
    };
    let mut archive = tar::Archive::new(tar_bytes);
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    let mut out = std::collections::BTreeMap::new();
    let mut root: Option<(String, u32)> = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry.path().map_err(|e| bad(e.to_string()))?;
        let path = path.to_string_lossy().trim_end_matches('/').to_string();
        let kind = entry.header().entry_type();
        let Some((root, _)) = root.as_ref() else {
            if kind != tar::EntryType::Directory || path.contains('/') {
                return Ok(None);
            }
            root = Some((path, mode_of(entry.header())));
            continue;
        };
        let Some(name) = path
            .strip_prefix(root)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|n| !n.is_empty() && !n.contains('/'))
        else {
            continue;
        };
        let name = name.to_string();
        if let Some(found) = read_entry(&mut entry, &name).map_err(bad)? {
            out.insert(name, found);
        }
    }
    let Some((_, mode)) = root else {
        return Err(bad("the engine returned an empty archive".into()));
    };
    Ok(Some(DirListing { mode, entries: out }))
}

/// The permission bits of an archive entry (0 when the header has none).
fn mode_of(h: &tar::Header) -> u32 {
    h.mode().unwrap_or(0) & 0o7777
}

/// A regular file's content (at most [`MAX_DOWNLOAD`] bytes), why another
/// kind of entry is not read as a file, or `None` for entries lsm skips
/// (extended headers and the like). `what` names the entry in errors.
fn read_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    what: &str,
) -> Result<Option<DirEntry>, String> {
    Ok(Some(match entry.header().entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => {
            if entry.size() > MAX_DOWNLOAD {
                return Err(format!(
                    "{what} is {} bytes, more than lsm reads ({MAX_DOWNLOAD})",
                    entry.size()
                ));
            }
            let mode = mode_of(entry.header());
            let mut content = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut content).map_err(|e| e.to_string())?;
            DirEntry::File(ReadFile {
                content: content.into(),
                mode,
            })
        }
        tar::EntryType::Directory => DirEntry::NotAFile("it is a directory, not a file"),
        tar::EntryType::Symlink => DirEntry::NotAFile("it is a symbolic link, not a file"),
        _ => return Ok(None),
    }))
}

/// One entry of a directory read with [`read_dir_files`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DirEntry {
    File(ReadFile),
    /// Something lsm does not read as a file, and why.
    NotAFile(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_round_trips_with_modes_and_root_owner() {
        let dirs = [UploadDir {
            path: "/root/.lnd/lsm",
            mode: 0o700,
        }];
        let files = [
            UploadFile {
                path: "/root/.lnd/lnd.conf",
                content: b"[Application Options]\n",
                mode: 0o644,
            },
            UploadFile {
                path: "/root/.lnd/pw",
                content: b"secret",
                mode: 0o600,
            },
        ];
        let tar_bytes = build_upload(&dirs, &files).unwrap();
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        let got: Vec<(String, u32, u64, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().display().to_string(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("root/.lnd/lsm/".to_string(), 0o700, 0, 0),
                ("root/.lnd/lnd.conf".to_string(), 0o644, 0, 0),
                ("root/.lnd/pw".to_string(), 0o600, 0, 0)
            ]
        );
        // The download reader takes the first regular file, with its mode.
        let files_only = build_upload(&[], &files).unwrap();
        assert_eq!(
            read_single_file(&files_only, "/root/.lnd/lnd.conf").unwrap(),
            Some(ReadFile {
                content: b"[Application Options]\n".to_vec().into(),
                mode: 0o644
            })
        );
        // An archive with no entry: the file went while the engine read it.
        let mut empty = Vec::new();
        tar::Builder::new(&mut empty).finish().unwrap();
        assert_eq!(
            read_single_file(&empty, "/root/.lnd/tls.cert").unwrap(),
            None
        );
    }

    /// A directory archive as the engine sends it: the root entry, then the
    /// entries under it.
    fn dir_archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut b = tar::Builder::new(&mut out);
            for (path, kind, content) in entries {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(*kind);
                h.set_size(content.len() as u64);
                h.set_mode(if *kind == tar::EntryType::Directory {
                    0o755
                } else {
                    0o600
                });
                if *kind == tar::EntryType::Symlink {
                    h.set_size(0);
                    b.append_link(&mut h, path, "elsewhere").unwrap();
                } else {
                    b.append_data(&mut h, path, *content).unwrap();
                }
            }
            b.finish().unwrap();
        }
        out
    }

    #[test]
    fn a_directory_archive_yields_its_files_by_name() {
        use tar::EntryType::{Directory, Regular, Symlink};
        let tar_bytes = dir_archive(&[
            ("lsm/", Directory, b""),
            ("lsm/lnd.conf", Regular, b"conf"),
            ("lsm/wallet-password.txt", Regular, b"pw"),
            ("lsm/link", Symlink, b""),
            ("lsm/sub/", Directory, b""),
            ("lsm/sub/deep.txt", Regular, b"deep"),
        ]);
        let got = read_dir_files(&tar_bytes, "/root/.lnd/lsm")
            .unwrap()
            .unwrap();
        assert_eq!(got.mode, 0o755, "the directory's own mode");
        let got = got.entries;
        let file = |content: &[u8]| {
            DirEntry::File(ReadFile {
                content: content.to_vec().into(),
                mode: 0o600,
            })
        };
        assert_eq!(got["lnd.conf"], file(b"conf"));
        assert_eq!(got["wallet-password.txt"], file(b"pw"));
        assert!(matches!(got["link"], DirEntry::NotAFile(_)));
        assert!(matches!(got["sub"], DirEntry::NotAFile(_)));
        assert!(!got.contains_key("deep.txt") && !got.contains_key("sub/deep.txt"));
    }

    #[test]
    fn a_directory_that_is_a_link_or_a_file_is_read_file_by_file() {
        use tar::EntryType::{Regular, Symlink};
        let link = dir_archive(&[("lsm", Symlink, b"")]);
        assert_eq!(read_dir_files(&link, "/root/.lnd/lsm").unwrap(), None);
        let file = dir_archive(&[("lsm", Regular, b"x")]);
        assert_eq!(read_dir_files(&file, "/root/.lnd/lsm").unwrap(), None);
        let mut empty = Vec::new();
        tar::Builder::new(&mut empty).finish().unwrap();
        assert!(read_dir_files(&empty, "/root/.lnd/lsm").is_err());
    }

    #[test]
    fn relative_or_dotted_paths_are_refused() {
        for p in ["lnd.conf", "/", "/a/../b", "/a//b", "/a/"] {
            let f = [UploadFile {
                path: p,
                content: b"x",
                mode: 0o600,
            }];
            assert!(build_upload(&[], &f).is_err(), "{p}");
            let d = [UploadDir {
                path: p,
                mode: 0o700,
            }];
            assert!(build_upload(&d, &[]).is_err(), "{p}");
        }
    }

    #[test]
    fn debug_never_shows_content() {
        let f = UploadFile {
            path: "/pw",
            content: b"hunter2",
            mode: 0o600,
        };
        let dbg = format!("{f:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }
}
