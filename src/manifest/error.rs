//! Why a manifest could not be used. Converts into [`Failure`] (exit 1)
//! carrying the rendered diagnostics, so every command reports manifest
//! problems the same way.

use crate::diagnostic::{self, Diagnostic, JsonProblem, SourceFile};
use crate::error::Failure;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file does not exist.
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    /// The path is not a regular file (a FIFO, a device, a directory, or
    /// `-` for standard input): lsm refuses it rather than block on it.
    #[error("{}: {kind}, not a regular file", path.display())]
    NotRegular { path: PathBuf, kind: String },
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The manifest (or the versions.env beside it) has problems.
    #[error("{}", diagnostic::render(.0, false))]
    Invalid(Vec<Diagnostic>),
}

impl ManifestError {
    /// The problems as diagnostics (one whole-file diagnostic for I/O errors).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            ManifestError::Invalid(ds) => ds.clone(),
            ManifestError::NotFound { path } => {
                let file = SourceFile::new(path.display().to_string(), "");
                vec![Diagnostic::new(&file, "no such file").help(not_found_help(path))]
            }
            ManifestError::NotRegular { path, kind } => {
                let file = SourceFile::new(path.display().to_string(), "");
                vec![
                    Diagnostic::new(&file, format!("it is {kind}, not a regular file"))
                        .help(NOT_REGULAR_HELP),
                ]
            }
            ManifestError::Read { path, source } => {
                let file = SourceFile::new(path.display().to_string(), "");
                vec![
                    Diagnostic::new(&file, format!("cannot read the file: {source}"))
                        .help("check the path and its permissions"),
                ]
            }
        }
    }

    /// Human rendering; `color` adds ANSI styles.
    pub fn render(&self, color: bool) -> String {
        match self {
            ManifestError::Invalid(ds) => diagnostic::render(ds, color),
            other => diagnostic::render(&other.diagnostics(), color),
        }
    }

    /// The machine form for `--json`.
    pub(crate) fn json_problems(&self) -> Vec<JsonProblem> {
        self.diagnostics().iter().map(JsonProblem::from).collect()
    }
}

/// Why lsm wants the manifest in a file, and what to do instead.
pub(crate) const NOT_REGULAR_HELP: &str = "lsm reads the manifest only from a regular file: relative paths and a \
     versions.env beside it resolve against its directory, and apply reads it again. Save it to a \
     file and pass -f FILE";

fn not_found_help(path: &std::path::Path) -> String {
    format!(
        "create it with `lsm init -f {}`, or point at another manifest with -f FILE",
        path.display()
    )
}

impl From<ManifestError> for Failure {
    fn from(e: ManifestError) -> Self {
        let problems = e.json_problems();
        let failure = match &e {
            ManifestError::NotFound { path } => {
                Failure::error(format!("{}: no such file", path.display()))
                    .hint(not_found_help(path))
            }
            ManifestError::NotRegular { .. } => {
                Failure::error(e.to_string()).hint(NOT_REGULAR_HELP)
            }
            ManifestError::Read { .. } => Failure::error(e.to_string()),
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
