//! Secret files and what may be shown of them. Secrets live in 0600 files in
//! a 0700 directory, are written atomically and — for the seed and the
//! wallet password — never overwritten. In memory they stay in
//! [`Zeroizing`] buffers; in output only their [`fingerprint`] appears.

use crate::error::Failure;
use crate::exit::Exit;
use crate::fsutil::{self, Existing};
use std::io;
use std::path::Path;
use zeroize::Zeroizing;

/// Mode of every secret file.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every directory holding secrets.
pub const DIR_MODE: u32 = 0o700;

/// Full sha256 hex (bundle.json file hashes, digests).
pub use crate::lnd::fingerprint::sha256_hex;
/// What plans show instead of a secret (`sha256:` + 16 hex digits).
pub use crate::lnd::fingerprint::short as fingerprint;

/// Secret files are a line or two; a larger one is not lsm's.
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Reads a secret file into a zeroizing buffer. `Ok(None)` when absent; a
/// FIFO or a device in its place is refused, never waited on.
pub fn read(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, Failure> {
    crate::regular_file::read_optional(path, MAX_SECRET_FILE_BYTES)
        .map_err(|e| Failure::error(format!("cannot read {}: {e}", path.display())))
}

/// Writes a new secret file (0600) in `dir` (made 0700). Refuses with exit 5
/// if the file exists: a seed or password file is never overwritten.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    fsutil::ensure_dir(dir, DIR_MODE).map_err(|e| {
        Failure::error(format!(
            "cannot create secrets directory {}: {e}",
            dir.display()
        ))
    })?;
    let path = dir.join(name);
    fsutil::atomic_write(&path, bytes, FILE_MODE, Existing::Refuse).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            Failure::with_exit(
                Exit::Blocked,
                format!("refusing to overwrite {}: it already exists", path.display()),
            )
            .hint("lsm never replaces a seed or password file; move it away yourself if it is really unwanted")
        } else {
            Failure::error(format!("cannot write {}: {e}", path.display()))
        }
    })
}

/// A fresh wallet password: 44 characters of base64url over 33 random bytes
/// (264 bits), printable so operators can type it into lncli if needed.
pub fn generate_password() -> Result<Zeroizing<String>, Failure> {
    use base64::Engine;
    let mut raw = Zeroizing::new([0u8; 33]);
    getrandom::fill(raw.as_mut())
        .map_err(|e| Failure::error(format!("no randomness from the OS: {e}")))?;
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
        write_new(&dir, "seed.txt", b"words").unwrap();
        assert_eq!(fsutil::mode_of(&dir), Some(0o700));
        assert_eq!(fsutil::mode_of(&dir.join("seed.txt")), Some(0o600));
        let err = write_new(&dir, "seed.txt", b"other").unwrap_err();
        assert_eq!(err.exit, Exit::Blocked);
        assert_eq!(std::fs::read(dir.join("seed.txt")).unwrap(), b"words");
    }

    #[test]
    fn a_fifo_in_place_of_a_secret_is_refused_not_waited_on() {
        use crate::regular_file::test_support::{assert_fifo_refused, temp_fifo, without_hanging};
        let (dir, fifo) = temp_fifo("seed.txt");
        let err = without_hanging(move || read(&fifo)).unwrap_err();
        assert_fifo_refused(&err.message);
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
