//! Reads an operator's text file safely: regular files only (a FIFO, a
//! device or a directory is refused without blocking, see
//! [`crate::regular_file`]), bounded size, UTF-8 checked with the position
//! of the first bad byte.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::regular_file;
use std::path::Path;
use std::sync::Arc;

/// Why a file could not be turned into text.
#[derive(Debug)]
pub(crate) enum ReadError {
    NotFound,
    /// Not a regular file: what it is ("a named pipe (FIFO)", ...).
    NotRegular {
        kind: &'static str,
    },
    Io(std::io::Error),
    /// Larger than the limit (bytes).
    TooLarge {
        limit: u64,
    },
    /// Not UTF-8: the text with invalid bytes replaced, and the byte offset
    /// of the first invalid byte in it.
    NotUtf8 {
        lossy: String,
        offset: usize,
        byte: u8,
    },
}

/// Reads at most `limit` bytes of text from the regular file `path`.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = regular_file::read(path, limit).map_err(|e| match e {
        regular_file::ReadError::NotFound => ReadError::NotFound,
        regular_file::ReadError::NotRegular { kind } => ReadError::NotRegular { kind },
        regular_file::ReadError::TooLarge { limit } => ReadError::TooLarge { limit },
        regular_file::ReadError::Io(e) => ReadError::Io(e),
    })?;
    // Manifests hold no secrets: the text lives on as an ordinary String.
    let mut bytes = bytes;
    let bytes = std::mem::take(&mut *bytes);
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[offset];
        ReadError::NotUtf8 {
            lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            offset,
            byte,
        }
    })
}

/// The diagnostic for a file that is too large or not text.
pub(crate) fn content_diagnostic(name: &str, error: ReadError) -> Result<Diagnostic, ReadError> {
    match error {
        ReadError::TooLarge { limit } => {
            let file = SourceFile::new(name, "");
            Ok(Diagnostic::new(&file, format!("the file is larger than {} KiB", limit / 1024))
                .help("this is not the file you meant to pass, or it is corrupt; lsm refuses files this large"))
        }
        ReadError::NotUtf8 {
            lossy,
            offset,
            byte,
        } => {
            let file: Arc<SourceFile> = SourceFile::new(name, lossy);
            Ok(Diagnostic::new(
                &file,
                format!("the file is not UTF-8 text (byte 0x{byte:02x})"),
            )
            .at(offset..offset + 1)
            .help("save the file as UTF-8 text; lsm reads no other encoding, and a binary file is not the file you meant"))
        }
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_size_and_locates_bad_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        assert!(matches!(
            read_text(&big, 1024),
            Err(ReadError::TooLarge { limit: 1024 })
        ));
        assert_eq!(read_text(&big, 2048).unwrap().len(), 2048);

        let bad = dir.path().join("bad");
        std::fs::write(&bad, b"a = 1\nb = \"\xff\"\n").unwrap();
        let Err(e) = read_text(&bad, 1024) else {
            panic!("accepted bad UTF-8")
        };
        let d = content_diagnostic("bad", e).unwrap();
        assert_eq!(d.position(), "bad:2:6");

        assert!(matches!(
            read_text(&dir.path().join("none"), 10),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_text(dir.path(), 10),
            Err(ReadError::NotRegular {
                kind: "a directory"
            })
        ));
    }
}
