//! Reads an operator's text file safely: bounded size (garbage or a wrong
//! path such as /dev/zero cannot exhaust memory or hang lsm), UTF-8 checked
//! with the position of the first bad byte.

use crate::diagnostic::{Diagnostic, SourceFile};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Why a file could not be turned into text.
#[derive(Debug)]
pub enum ReadError {
    NotFound,
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

/// Reads at most `limit` bytes of text from `path`.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e),
    })?;
    if file.metadata().map_err(ReadError::Io)?.is_dir() {
        return Err(ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
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
pub fn content_diagnostic(name: &str, error: ReadError) -> Result<Diagnostic, ReadError> {
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
            .help("save the file as UTF-8; binary files cannot be read as TOML"))
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
        assert!(matches!(read_text(dir.path(), 10), Err(ReadError::Io(_))));
    }
}
