//! [`secrets::Error`](crate::secrets::Error) as a command failure: an
//! existing seed or password file is a protection (exit 5).

use crate::error::{Failure, chain};
use crate::exit::Exit;
use crate::secrets::Error;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Exists { .. } => Failure::with_exit(Exit::Blocked, chain(&e)).hint(
                "lsm never replaces a seed or password file; move it away yourself if it is \
                 really unwanted",
            ),
            Error::Read { .. }
            | Error::CreateDir { .. }
            | Error::Write { .. }
            | Error::NoRandomness(_) => Failure::error(chain(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_secret_is_a_protection_with_its_fix() {
        let tmp = tempfile::tempdir().unwrap();
        crate::secrets::write_new(tmp.path(), "seed.txt", b"words", || Ok(())).unwrap();
        let f = Failure::from(
            crate::secrets::write_new(tmp.path(), "seed.txt", b"x", || Ok(())).unwrap_err(),
        );
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            format!(
                "refusing to overwrite {}: it already exists",
                tmp.path().join("seed.txt").display()
            )
        );
        assert!(f.hints[0].starts_with("lsm never replaces a seed"), "{f:?}");
    }

    #[test]
    fn an_io_failure_is_an_error_naming_its_cause() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        // A file where the directory should be: mkdir fails.
        let f = Failure::from(
            crate::secrets::write_new(&file.join("sub"), "seed.txt", b"x", || Ok(())).unwrap_err(),
        );
        assert_eq!(f.exit, Exit::Error);
        assert!(
            f.message.starts_with(&format!(
                "cannot create secrets directory {}: ",
                file.join("sub").display()
            )),
            "{}",
            f.message
        );
        assert!(f.hints.is_empty());
    }
}
