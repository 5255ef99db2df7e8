//! Secret files and what may be shown of them. Secrets live in 0600 files in
//! a 0700 directory, are written atomically and — for the seed and the
//! wallet password — never overwritten. In memory they stay in
//! [`Zeroizing`] buffers; in output only their [`fingerprint`] appears.

use crate::fsutil::{self, Existing};
use crate::regular_file::ReadError;
use std::io;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Why a secret file could not be read or written. Messages name the
/// path, never the content.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
    #[error("cannot create secrets directory {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A seed or password file is never overwritten: a protection.
    #[error("refusing to overwrite {}: it already exists", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no randomness from the OS")]
    NoRandomness(#[source] getrandom::Error),
}

/// Mode of every secret file.
pub(crate) const FILE_MODE: u32 = 0o600;
/// Mode of every directory holding secrets.
pub(crate) const DIR_MODE: u32 = 0o700;

/// Full sha256 hex (bundle.json file hashes, digests).
pub(crate) use crate::lnd::fingerprint::sha256_hex;
/// What plans show instead of a secret (`sha256:` + 16 hex digits).
pub(crate) use crate::lnd::fingerprint::short as fingerprint;

/// Bytes that may be secret — a password copy or a macaroon read from a
/// file or out of the engine — held so that no `{:?}` can print them: their
/// Debug shows only the length, and they are zeroized when dropped.
#[derive(Clone, Default)]
pub(crate) struct SecretBytes(Zeroizing<Vec<u8>>);

impl<T: AsRef<[u8]> + ?Sized> PartialEq<T> for SecretBytes {
    fn eq(&self, other: &T) -> bool {
        self.as_slice() == other.as_ref()
    }
}

impl Eq for SecretBytes {}

impl SecretBytes {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(Zeroizing::new(bytes))
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// A zeroizing copy, for APIs that take one.
    pub(crate) fn to_zeroizing(&self) -> Zeroizing<Vec<u8>> {
        self.0.clone()
    }
}

impl std::ops::Deref for SecretBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        SecretBytes::new(bytes)
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(bytes: Zeroizing<Vec<u8>>) -> Self {
        SecretBytes(bytes)
    }
}

/// A file read out of a container keeps its zeroizing buffer.
impl From<crate::docker::FileBytes> for SecretBytes {
    fn from(bytes: crate::docker::FileBytes) -> Self {
        SecretBytes(bytes.into_zeroizing())
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

/// Secret files are a line or two; a larger one is not lsm's.
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Reads a secret file with its mode: only a regular file of at most
/// [`MAX_SECRET_FILE_BYTES`], never through a symlink, never waiting on a
/// FIFO or device in its place.
pub(crate) fn read_file(
    path: &Path,
) -> Result<crate::regular_file::RegularFile, crate::regular_file::ReadError> {
    use crate::regular_file::{Links, read_with};
    read_with(path, MAX_SECRET_FILE_BYTES, Links::Refuse)
}

/// [`read_file`]'s content in a zeroizing buffer; `Ok(None)` when absent.
pub(crate) fn read(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
    match read_file(path) {
        Ok(f) => Ok(Some(f.bytes)),
        Err(ReadError::NotFound) => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a new secret file (0600) in `dir`. Refuses ([`Error::Exists`])
/// if the file exists: a seed or password file is never overwritten.
/// `before_rename` runs when the content is durable under its temp name.
/// Callers check the directory first (the wallet's
/// `WalletFiles::prepare_dir`, above this module); one that is still
/// missing is created 0700.
pub(crate) fn write_new(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    before_rename: impl FnOnce() -> io::Result<()>,
) -> Result<(), Error> {
    fsutil::ensure_dir(dir, DIR_MODE).map_err(|source| Error::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(name);
    fsutil::atomic_write_with(&path, bytes, FILE_MODE, Existing::Refuse, before_rename).map_err(
        |source| {
            if source.kind() == io::ErrorKind::AlreadyExists {
                Error::Exists { path }
            } else {
                Error::Write { path, source }
            }
        },
    )
}

/// A fresh wallet password: 44 characters of base64url over 33 random bytes
/// (264 bits), printable so operators can type it into lncli if needed.
pub(crate) fn generate_password() -> Result<Zeroizing<String>, Error> {
    use base64::Engine;
    let mut raw = Zeroizing::new([0u8; 33]);
    getrandom::fill(raw.as_mut()).map_err(Error::NoRandomness)?;
    Ok(Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_ref()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("secrets");
        write_new(&dir, "seed.txt", b"words", || Ok(())).unwrap();
        assert_eq!(fsutil::mode_of(&dir), Some(0o700));
        assert_eq!(fsutil::mode_of(&dir.join("seed.txt")), Some(0o600));
        let err = write_new(&dir, "seed.txt", b"other", || Ok(())).unwrap_err();
        assert!(matches!(err, Error::Exists { .. }), "{err:?}");
        assert_eq!(std::fs::read(dir.join("seed.txt")).unwrap(), b"words");
    }

    #[test]
    fn secret_bytes_never_show_their_content() {
        let s = SecretBytes::new(b"hunter2-password".to_vec());
        assert_eq!(format!("{s:?}"), "<16 bytes>");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(<16 bytes>)");
        assert_eq!(s.as_slice(), b"hunter2-password");
    }

    #[test]
    fn a_fifo_in_place_of_a_secret_is_refused_not_waited_on() {
        use crate::regular_file::test_support::{assert_fifo_refused, temp_fifo, without_hanging};
        let (dir, fifo) = temp_fifo("seed.txt");
        let err = without_hanging(move || read(&fifo)).unwrap_err();
        assert_fifo_refused(&crate::error::chain(&err));
        assert!(read(&dir.path().join("absent")).unwrap().is_none());
    }

    #[test]
    fn passwords_are_long_and_distinct() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_eq!(a.len(), 44);
        assert_ne!(*a, *b);
    }
}
