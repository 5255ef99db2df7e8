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
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if entry.size() > MAX_DOWNLOAD {
                    return Err(bad(format!(
                        "the file is {} bytes, more than lsm reads ({MAX_DOWNLOAD})",
                        entry.size()
                    )));
                }
                let mut content = Vec::with_capacity(entry.size() as usize);
                entry
                    .read_to_end(&mut content)
                    .map_err(|e| bad(e.to_string()))?;
                return Ok(content);
            }
            tar::EntryType::Directory => {
                return Err(bad("it is a directory, not a file".into()));
            }
            tar::EntryType::Symlink => {
                return Err(bad("it is a symbolic link, not a file".into()));
            }
            _ => continue,
        }
    }
    Err(bad("the engine returned an empty archive".into()))
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
