//! [`plan::error::Error`](crate::plan::error::Error) as a command failure:
//! a stale saved plan exits 3; a file that is not a plan says how to make
//! one.

use crate::error::{Failure, chain};
use crate::exit::Exit;
use crate::plan::error::Error;

const MAKE_A_PLAN: &str = "make a plan with `lsm plan -o plan.json`";

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let hint = match &e {
            Error::Stale(_) => {
                return Failure::with_exit(Exit::StalePlan, chain(&e))
                    .hint("run `lsm plan -o <file>` again, review it, and apply the new plan");
            }
            Error::TooLarge { .. } | Error::NotJson { .. } | Error::NoFormatVersion { .. } => {
                Some(MAKE_A_PLAN.to_string())
            }
            Error::FormatVersion { .. } => Some("make the plan again with this lsm".to_string()),
            Error::Invalid { .. } => Some(format!("{MAKE_A_PLAN}; do not edit plan files by hand")),
            Error::Serialise(_) | Error::Write { .. } | Error::Read { .. } => None,
        };
        Failure::error(chain(&e)).with_hints(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::error::Staleness;

    #[test]
    fn a_stale_plan_exits_3_with_what_changed() {
        let f = Failure::from(Error::Stale(Staleness::Signer {
            saved: "a".into(),
            current: "b".into(),
        }));
        assert_eq!(f.exit, Exit::StalePlan);
        assert_eq!(
            f.message,
            "Saved plan is stale: it is for signer \"a\", the manifest declares \"b\""
        );
        assert_eq!(
            f.hints,
            ["run `lsm plan -o <file>` again, review it, and apply the new plan"]
        );
    }

    #[test]
    fn a_file_that_is_not_a_plan_says_where_and_how_to_make_one() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("plan.json");
        std::fs::write(&path, b"{\n  oops").unwrap();
        let f = Failure::from(crate::plan::saved::read(&path).unwrap_err());
        assert_eq!(f.exit, Exit::Error);
        assert!(
            f.message.starts_with(&format!(
                "{}:2:3: not a JSON plan file: key must be a string at line 2 column 3",
                path.display()
            )),
            "{}",
            f.message
        );
        assert_eq!(f.hints, [MAKE_A_PLAN]);
        std::fs::write(&path, br#"{"format_version": "99.0"}"#).unwrap();
        let f = Failure::from(crate::plan::saved::read(&path).unwrap_err());
        assert_eq!(
            f.message,
            format!(
                "{} has plan format 99.0; this lsm reads format {}",
                path.display(),
                crate::plan::document::FORMAT_VERSION
            )
        );
        assert_eq!(f.hints, ["make the plan again with this lsm"]);
    }
}
