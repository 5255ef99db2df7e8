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

/// Builds a tar to extract at `/`: entries are the paths without their leading
/// `/`, owned by uid/gid 0 with the given modes. Missing parent directories
/// are created by the engine; existing ones keep their owner and mode because
/// the archive holds no directory entries.
pub(crate) fn build_upload(files: &[UploadFile<'_>]) -> Result<Zeroizing<Vec<u8>>, DockerError> {
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
        for f in files {
            let rel = f
                .path
                .strip_prefix('/')
                .filter(|r| !r.is_empty() && !r.ends_with('/'))
                .ok_or_else(|| bad(format!("{:?} is not an absolute file path", f.path)))?;
            if rel
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
            {
                return Err(bad(format!("{:?} is not a normalised path", f.path)));
            }
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

/// The content of the single regular file in a download archive. The engine
/// names the entry after the file's basename; a directory is an error.
pub(crate) fn read_single_file(tar_bytes: &[u8], path: &str) -> Result<Vec<u8>, DockerError> {
    let bad = |detail: String| DockerError::Archive {
        op: format!("reading {path} from the container"),
        detail,
    };
    let mut archive = tar::Archive::new(tar_bytes);
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        match read_entry(&mut entry, "the file").map_err(bad)? {
            Some(DirEntry::File(content)) => return Ok(content),
            Some(DirEntry::NotAFile(why)) => return Err(bad(why.into())),
            None => continue,
        }
    }
    Err(bad("the engine returned an empty archive".into()))
}

/// The regular files directly inside the directory a download archive
/// holds, by name. The engine names the root entry after the directory's
/// basename (`lsm/`, then `lsm/lnd.conf`, ...). `None` when the root entry
/// is not a directory (the path is a symbolic link, say): the caller then
/// reads file by file, which resolves such paths the way the engine does.
/// Entries that are not regular files (symbolic links, subdirectories) are
/// reported as such so the caller can refuse them as a single read would.
pub(crate) fn read_dir_files(
    tar_bytes: &[u8],
    dir: &str,
) -> Result<Option<std::collections::BTreeMap<String, DirEntry>>, DockerError> {
    let bad = |detail: String| DockerError::Archive {
        op: format!("reading {dir} from the container"),
        detail,
    };
    let mut archive = tar::Archive::new(tar_bytes);
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    let mut out = std::collections::BTreeMap::new();
    let mut root: Option<String> = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry.path().map_err(|e| bad(e.to_string()))?;
        let path = path.to_string_lossy().trim_end_matches('/').to_string();
        let kind = entry.header().entry_type();
        let Some(root) = root.as_deref() else {
            if kind != tar::EntryType::Directory || path.contains('/') {
                return Ok(None);
            }
            root = Some(path);
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
    if root.is_none() {
        return Err(bad("the engine returned an empty archive".into()));
    }
    Ok(Some(out))
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
            let mut content = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut content).map_err(|e| e.to_string())?;
            DirEntry::File(content)
        }
        tar::EntryType::Directory => DirEntry::NotAFile("it is a directory, not a file"),
        tar::EntryType::Symlink => DirEntry::NotAFile("it is a symbolic link, not a file"),
        _ => return Ok(None),
    }))
}

/// One entry of a directory read with [`read_dir_files`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DirEntry {
    File(Vec<u8>),
    /// Something lsm does not read as a file, and why.
    NotAFile(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_round_trips_with_modes_and_root_owner() {
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
        let tar_bytes = build_upload(&files).unwrap();
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
                ("root/.lnd/lnd.conf".to_string(), 0o644, 0, 0),
                ("root/.lnd/pw".to_string(), 0o600, 0, 0)
            ]
        );
        // The download reader takes the first regular file.
        assert_eq!(
            read_single_file(&tar_bytes, "/root/.lnd/lnd.conf").unwrap(),
            b"[Application Options]\n"
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
                h.set_mode(0o600);
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
        assert_eq!(got["lnd.conf"], DirEntry::File(b"conf".to_vec()));
        assert_eq!(got["wallet-password.txt"], DirEntry::File(b"pw".to_vec()));
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
            assert!(build_upload(&f).is_err(), "{p}");
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
