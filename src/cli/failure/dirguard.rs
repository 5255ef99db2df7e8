//! [`dirguard::Error`](crate::dirguard::Error) as a command failure: a
//! directory lsm must not use is a protection (exit 5) with its fix.

use crate::dirguard::Error;
use crate::error::{Failure, chain};
use crate::exit::Exit;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match &e {
            Error::Refused { role, refusal, .. } => {
                Failure::with_exit(Exit::Blocked, chain(&e)).hint(refusal.fix(*role))
            }
            Error::FinishCreating { .. }
            | Error::Create { .. }
            | Error::Mark { .. }
            | Error::Chmod { .. } => Failure::error(chain(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dirguard::{Role, prepare};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_refused_directory_is_a_protection_with_its_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("shared");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let f = Failure::from(prepare(&dir, Role::Bundle, 0o700, |_| Vec::new()).unwrap_err());
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            format!(
                "{} ([bundle] path) is world-writable (0777): anyone who can write there can \
                 plant or swap what lsm reads",
                dir.display()
            )
        );
        assert_eq!(
            f.hints,
            [
                "point [bundle] path at a directory of its own that only you can write (lsm \
              creates it 0700); lsm never changes the mode of a directory it did not create"
            ]
        );
    }

    #[test]
    fn a_directory_that_cannot_be_made_is_an_error_naming_its_cause() {
        let f = Failure::from(Error::Create {
            dir: "/srv/bundle".into(),
            source: std::io::Error::other("disk full"),
        });
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(f.message, "cannot create /srv/bundle: disk full");
        assert!(f.hints.is_empty());
    }
}
