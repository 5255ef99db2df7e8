//! [`ManifestError`] as a command failure (exit 1) that carries the
//! located problems, so every command reports a manifest the same way on
//! stderr and in `--json`.

use crate::diagnostic;
use crate::error::{Failure, chain};
use crate::manifest::ManifestError;
use crate::manifest::error::{NOT_REGULAR_HELP, not_found_help};

impl From<ManifestError> for Failure {
    fn from(e: ManifestError) -> Self {
        let problems = e.json_problems();
        let failure = match &e {
            ManifestError::NotFound { path } => {
                Failure::error(chain(&e)).hint(not_found_help(path))
            }
            ManifestError::NotRegular { .. } => Failure::error(chain(&e)).hint(NOT_REGULAR_HELP),
            ManifestError::Read { .. } => Failure::error(chain(&e)),
            ManifestError::Invalid(ds) => {
                // main prints "error: " before the message; the rendering
                // starts with the first diagnostic's own "error: ".
                let text = diagnostic::render(ds, false);
                let text = text.strip_prefix("error: ").unwrap_or(&text);
                Failure::error(text.trim_end().to_string())
            }
        };
        failure.with_problems(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn an_unreadable_manifest_names_its_cause_once() {
        let f = Failure::from(ManifestError::Read {
            path: "/etc/lsm/signer.toml".into(),
            source: std::io::Error::other("disk on fire"),
        });
        assert_eq!(f.message, "cannot read /etc/lsm/signer.toml: disk on fire");
        assert!(f.hints.is_empty());
        assert_eq!(f.problems.len(), 1);
    }

    #[test]
    fn a_missing_manifest_says_how_to_create_one() {
        let f = Failure::from(crate::manifest::load(Path::new("/nonexistent/s.toml")).unwrap_err());
        assert_eq!(f.message, "/nonexistent/s.toml: no such file");
        assert_eq!(
            f.hints,
            [
                "create it with `lsm init -f /nonexistent/s.toml`, or point at another manifest \
              with -f FILE"
            ]
        );
    }
}
