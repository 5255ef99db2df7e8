//! What can go wrong reading, writing or verifying a bundle. Messages name
//! the path and never include file contents.

use std::path::{Path, PathBuf};

/// What can go wrong reading or writing a bundle. Messages name the path
/// and never include file contents.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bundle path {}: {why}", shown(path))]
    BadPath { path: PathBuf, why: String },
    #[error("{} is {kind}, not a directory", shown(path))]
    NotADirectory { path: PathBuf, kind: &'static str },
    #[error(
        "{} is {kind}; lsm only reads and replaces regular files there",
        shown(path)
    )]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "{} is larger than {limit} bytes; it is not a bundle file",
        shown(path)
    )]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("cannot {what} {}: {source}", shown(path))]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {file}: {why}")]
    Incomplete { file: String, why: String },
    #[error("the plan names {name}, which is not {what}")]
    NotInBundle { name: String, what: &'static str },
    #[error("the macaroon to export does not decode: {0}")]
    Macaroon(#[from] crate::lnd::macaroon::MacaroonError),
    #[error("cannot build the archive: {0}")]
    Archive(std::io::Error),
    /// The bundle fails `lsm bundle verify`: every problem, one per line.
    #[error("{} failed verification with {} problem{}:{}", shown(Path::new(bundle)), problems.len(),
        if problems.len() == 1 { "" } else { "s" }, listed(problems))]
    Rejected {
        /// The directory, archive or other source read.
        bundle: String,
        problems: Vec<String>,
    },
    /// A crash point fired in `return(error)` mode (in-process tests only).
    #[error("injected crash at {0}")]
    Injected(&'static str),
    /// The directory is not one lsm may write into, or cannot be made
    /// ready (see [`crate::dirguard`]).
    #[error(transparent)]
    Dir(#[from] crate::dirguard::Error),
}

/// A path as a message shows it: the names in a bundle directory are
/// anyone's, and a newline or an escape sequence in one must not fake a
/// line of lsm's output.
fn shown(path: &Path) -> String {
    crate::diagnostic::escape_line(&path.display().to_string()).into_owned()
}

/// Problems as an indented list under their heading.
fn listed(problems: &[String]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

impl Error {
    pub(crate) fn io(what: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}
