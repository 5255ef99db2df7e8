//! Why a manifest could not be used, as located diagnostics: every command
//! reports manifest problems the same way (the CLI edge renders them and
//! attaches them for `--json`).

use crate::diagnostic::{self, Diagnostic, JsonProblem, SourceFile};
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

/// Why lsm wants the manifest in a file, and what to do instead (a
/// diagnostic's help, and the CLI's hint).
pub(crate) const NOT_REGULAR_HELP: &str = "lsm reads the manifest only from a regular file: relative paths and a \
     versions.env beside it resolve against its directory, and apply reads it again. Save it to a \
     file and pass -f FILE";

pub(crate) fn not_found_help(path: &std::path::Path) -> String {
    format!(
        "create it with `lsm init -f {}`, or point at another manifest with -f FILE",
        path.display()
    )
}
