//! What goes wrong in a runtime (Docker or native). Each runtime has its
//! own error ([`docker::Error`](super::docker::Error),
//! [`native::Error`](super::native::Error)); this one wraps them with what
//! both share. The CLI edge (`cli::failure::runtime`) decides the exit code
//! and the hints.

use crate::plan::op::ForeignStep;
use std::fmt;
use std::path::PathBuf;

/// A runtime's failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Another runtime's step reached this one: lsm's own bug, never
    /// executed.
    #[error(transparent)]
    ForeignStep(#[from] ForeignStep),
    #[error(transparent)]
    Docker(#[from] super::docker::Error),
    #[error(transparent)]
    Native(#[from] super::native::Error),
    /// `[btcd] rpccert` cannot go into lnd.conf.
    #[error("cannot use [btcd] rpccert {}", path.display())]
    RpcCert {
        path: PathBuf,
        #[source]
        why: RpcCertProblem,
    },
    /// A chain backend's `rpcpass_file` cannot go into lnd.conf.
    #[error("cannot use [{table}] rpcpass_file {}", path.display())]
    RpcPass {
        /// The manifest table: `btcd` or `bitcoind`.
        table: &'static str,
        path: PathBuf,
        #[source]
        why: RpcPassProblem,
    },
    /// lnd did not start, and these are the last lines it wrote. The lines
    /// follow the cause's text, so this variant renders its cause itself
    /// (with the cause's own chain) rather than as a `#[source]`, which
    /// would print it twice.
    #[error("{}{logs}", crate::error::chain(&**cause))]
    NoStart { cause: Box<Error>, logs: LndLogs },
}

impl Error {
    /// Whether the error already shows lnd's last log lines (a failed
    /// start), so apply does not attach them a second time.
    pub(crate) fn has_lnd_logs(&self) -> bool {
        matches!(self, Error::NoStart { .. })
    }

    /// `cause`, with the last lines lnd wrote; just `cause` when there are
    /// none.
    pub(crate) fn with_logs(cause: impl Into<Error>, lines: Vec<String>) -> Error {
        let cause = cause.into();
        if lines.is_empty() {
            cause
        } else {
            Error::NoStart {
                cause: Box::new(cause),
                logs: LndLogs(lines),
            }
        }
    }
}

/// The engine's error, as the Docker runtime's.
impl From<crate::docker::DockerError> for Error {
    fn from(e: crate::docker::DockerError) -> Self {
        Error::Docker(e.into())
    }
}

/// The last lines lnd wrote, shown under a failed start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LndLogs(pub(crate) Vec<String>);

impl fmt::Display for LndLogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\nlast lnd log lines:\n  {}", self.0.join("\n  "))
    }
}

/// Why btcd's RPC certificate file is unusable.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RpcCertProblem {
    #[error(transparent)]
    Read(#[from] crate::regular_file::ReadError),
    #[error("it is not a PEM certificate")]
    NotPem,
}

/// Why a chain backend's RPC password file is unusable. The file's
/// content is never part of it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RpcPassProblem {
    #[error(transparent)]
    Read(#[from] crate::regular_file::ReadError),
    #[error("it is not UTF-8 text")]
    NotUtf8,
    #[error("it is empty")]
    Empty,
    #[error("it holds more than one line; lsm would write the other lines into lnd.conf")]
    Lines,
    #[error("the password contains control characters")]
    Control,
    #[error("the password starts or ends with blanks, which lnd's config reader drops")]
    Blanks,
    #[error("the password starts with a double quote, which lnd's config reader unquotes")]
    Quote,
}
