//! [`bundle::Error`](crate::bundle::Error) as a command failure (exit 1,
//! or the directory guard's exit 5) with the fix for each kind of problem.

use crate::bundle::Error;
use crate::error::{Failure, chain};

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        if let Error::Dir(dir) = e {
            return dir.into();
        }
        Failure::error(chain(&e)).with_hints(hint(&e))
    }
}

/// The fix printed under a bundle error.
fn hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::NotADirectory { .. } | Error::BadPath { .. } => {
            Some("point [bundle] path (or --out) at a directory of its own; lsm creates it")
        }
        Error::NotRegular { .. } => {
            Some("move it away; lsm never follows symlinks or writes through them in the bundle")
        }
        Error::Incomplete { .. } => {
            Some("the signer must be running and unlocked to export the bundle")
        }
        Error::Rejected { .. } => Some(
            "export the bundle again on the signer's host (lsm apply); \
             lsm bundle verify lists the same problems",
        ),
        Error::Dir(_)
        | Error::TooLarge { .. }
        | Error::Io { .. }
        | Error::NotInBundle { .. }
        | Error::Macaroon(_)
        | Error::Archive(_)
        | Error::Injected(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    #[test]
    fn a_rejected_bundle_lists_its_problems_and_says_where_to_export_it() {
        let f = Failure::from(Error::Rejected {
            bundle: "/srv/bundle".into(),
            problems: vec!["tls.cert does not cover 10.9.9.9".into(), "x".into()],
        });
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(
            f.message,
            "/srv/bundle failed verification with 2 problems:\n  - tls.cert does not cover \
             10.9.9.9\n  - x"
        );
        assert_eq!(
            f.hints,
            [
                "export the bundle again on the signer's host (lsm apply); lsm bundle verify lists \
              the same problems"
            ]
        );
    }

    #[test]
    fn a_refused_directory_keeps_the_guard_exit_and_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("b");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("passwd"), b"x").unwrap();
        let guard =
            crate::dirguard::prepare(&dir, crate::dirguard::Role::Bundle, 0o700, |n| n.to_vec())
                .unwrap_err();
        let f = Failure::from(Error::Dir(guard));
        assert_eq!(f.exit, Exit::Blocked);
        assert!(
            f.message.ends_with("not lsm's: \"passwd\""),
            "{}",
            f.message
        );
        assert!(
            f.hints[0].starts_with("point [bundle] path at a new or empty"),
            "{f:?}"
        );
    }

    #[test]
    fn an_io_failure_names_its_cause_once() {
        let f = Failure::from(Error::io(
            "read",
            std::path::Path::new("/srv/bundle/tls.cert"),
            std::io::Error::other("disk on fire"),
        ));
        assert_eq!(f.message, "cannot read /srv/bundle/tls.cert: disk on fire");
        assert!(f.hints.is_empty());
    }
}
