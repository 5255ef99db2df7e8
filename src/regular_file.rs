//! Reading a file an operator named (a manifest, versions.env, a macaroon,
//! a certificate, a password file, a saved plan, a bundle archive) without
//! ever hanging: `open(2)` of a FIFO blocks until a writer appears, and a
//! read of a FIFO, a terminal or a device may never end.
//!
//! So the path is opened with `O_NONBLOCK | O_NOCTTY` (opening a FIFO
//! returns at once, a terminal never becomes lsm's), and the *opened* file is
//! checked with `fstat`: anything but a regular file is refused by name
//! before one byte is read. Checking the descriptor rather than the path
//! leaves no window in which the path could be swapped for a FIFO.
//!
//! Symlinks are followed on purpose, as `cat` does: operators link
//! `/etc/lsm/signer.toml` into place. The check applies to what the link
//! points at. (The bundle directory, which lsm owns, is stricter: see
//! `bundle::observe`.)

use std::fmt;
use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use zeroize::Zeroizing;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    NotFound,
    /// The path names something other than a regular file.
    NotRegular {
        kind: &'static str,
    },
    /// Larger than the limit (bytes).
    TooLarge {
        limit: u64,
    },
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("no such file"),
            ReadError::NotRegular { kind } => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge { limit } => write!(f, "it is larger than {limit} bytes"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Whether a symlink at the path itself is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// As `cat` does: for files an operator names.
    Follow,
    /// Refused: for lsm's own secret files (seed.txt, the wallet password),
    /// which lsm writes as plain files and never reads through a link.
    Refuse,
}

/// Opens `path` for reading, refusing anything but a regular file (see the
/// module comment). Never blocks.
pub(crate) fn open(path: &Path) -> Result<(File, Metadata), ReadError> {
    open_with(path, Links::Follow)
}

/// [`open`], with the choice of following a final symlink.
pub(crate) fn open_with(path: &Path, links: Links) -> Result<(File, Metadata), ReadError> {
    let mut flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    if links == Links::Refuse {
        flags |= rustix::fs::OFlags::NOFOLLOW;
    }
    let file = File::options()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound,
            // O_NOFOLLOW on a symlink.
            _ if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
                ReadError::NotRegular {
                    kind: "a symbolic link",
                }
            }
            _ => ReadError::Io(e),
        })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular {
            kind: kind_of(&meta.file_type()),
        });
    }
    Ok((file, meta))
}

/// Reads at most `limit` bytes of the regular file at `path` into a buffer
/// that is wiped when dropped (the file may hold a secret).
pub(crate) fn read(path: &Path, limit: u64) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    read_with(path, limit, Links::Follow).map(|f| f.bytes)
}

/// A regular file's content, mode bits and owner.
pub(crate) struct RegularFile {
    pub bytes: Zeroizing<Vec<u8>>,
    pub mode: u32,
    /// The owning user id (secrets must be the user's own).
    pub uid: u32,
}

/// [`read`], with the file's mode and the choice of following a final
/// symlink.
pub(crate) fn read_with(path: &Path, limit: u64, links: Links) -> Result<RegularFile, ReadError> {
    use std::os::unix::fs::MetadataExt;
    let (file, meta) = open_with(path, links)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize));
    // The file may grow after fstat: the read is bounded too.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(RegularFile {
        bytes,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
    })
}

/// Like [`read`], but a missing file is `Ok(None)`.
pub(crate) fn read_optional(
    path: &Path,
    limit: u64,
) -> Result<Option<Zeroizing<Vec<u8>>>, ReadError> {
    match read(path, limit) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ReadError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What a non-regular file is, for messages ("it is a named pipe (FIFO)").
pub(crate) fn kind_of(ft: &FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a named pipe (FIFO)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "not a file"
    }
}

/// Test helpers: a FIFO, and a guard that turns a hang into a failure.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;
    use std::time::Duration;

    /// Creates a FIFO at `path`.
    pub(crate) fn mkfifo(path: &Path) {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .expect("mkfifo");
    }

    /// A FIFO named `name` in a fresh temporary directory (removed when the
    /// returned guard drops).
    pub(crate) fn temp_fifo(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join(name);
        mkfifo(&fifo);
        (dir, fifo)
    }

    /// Asserts an error message says a FIFO was refused.
    pub(crate) fn assert_fifo_refused(message: &str) {
        assert!(
            message.contains("named pipe (FIFO), not a regular file"),
            "{message}"
        );
    }

    /// Runs `f` on another thread; a call that blocks (the bug these tests
    /// guard against) fails the test instead of hanging the suite.
    pub(crate) fn without_hanging<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the call blocked: it opened or read a FIFO")
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{mkfifo, without_hanging};
    use super::*;

    #[test]
    fn refuses_fifos_directories_and_devices_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        for (path, kind) in [
            (fifo, "a named pipe (FIFO)"),
            (link, "a named pipe (FIFO)"),
            (dir.path().to_path_buf(), "a directory"),
            ("/dev/null".into(), "a character device"),
        ] {
            let got = without_hanging(move || read(&path, 1024));
            match got {
                Err(ReadError::NotRegular { kind: k }) => assert_eq!(k, kind),
                other => panic!("{kind}: {other:?}"),
            }
        }
    }

    #[test]
    fn reads_regular_files_and_symlinks_to_them_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"abc").unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(&read(&link, 3).unwrap()[..], b"abc");
        assert!(matches!(
            read(&file, 2),
            Err(ReadError::TooLarge { limit: 2 })
        ));
        assert!(matches!(
            read(&dir.path().join("none"), 2),
            Err(ReadError::NotFound)
        ));
        assert!(
            read_optional(&dir.path().join("none"), 2)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_secret_read_refuses_a_symlink_even_to_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("seed.txt");
        std::fs::write(&file, b"words").unwrap();
        let read = read_with(&file, 100, Links::Refuse).unwrap();
        assert_eq!(read.bytes.as_slice(), b"words");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for path in [link, dangling] {
            match read_with(&path, 100, Links::Refuse) {
                Err(ReadError::NotRegular { kind }) => assert_eq!(kind, "a symbolic link"),
                Err(e) => panic!("{path:?}: {e}"),
                Ok(_) => panic!("{path:?} was read through"),
            }
        }
    }
}
