//! What goes wrong in a runtime (Docker or native). The CLI edge
//! (`cli::failure::runtime`) decides the exit code and the hints.

use crate::error::Failure;
use crate::plan::op::ForeignStep;

/// A runtime's failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Another runtime's step reached this one: lsm's own bug, never
    /// executed.
    #[error(transparent)]
    ForeignStep(#[from] ForeignStep),
    /// A failure the runtime still reports in the CLI's terms; each moves
    /// to a typed variant of its own.
    #[error(transparent)]
    Untyped(#[from] Failure),
}

impl Error {
    /// Whether the error already shows lnd's last log lines (a failed
    /// start), so apply does not attach them a second time.
    pub(crate) fn has_lnd_logs(&self) -> bool {
        match self {
            Error::Untyped(f) => f.message.contains("last lnd log lines"),
            Error::ForeignStep(_) => false,
        }
    }
}
