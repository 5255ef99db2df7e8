//! What goes wrong while reconcile carries out a bundle step or runs a
//! restore rehearsal. The CLI edge (`cli::failure::reconcile`) decides the
//! exit code and the hints; each lower layer's error keeps its own.

use crate::lnd::error::LndError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The bundle cannot be computed or written.
    #[error(transparent)]
    Bundle(#[from] crate::bundle::Error),
    /// seed.txt or the wallet password cannot be used.
    #[error(transparent)]
    Wallet(#[from] crate::wallet::Error),
    /// The throwaway lnd could not be started.
    #[error(transparent)]
    Runtime(#[from] crate::runtime::Error),
    /// The throwaway lnd did not answer as a rehearsal needs (no verdict
    /// on the seed).
    #[error(transparent)]
    Lnd(#[from] LndError),
    /// The rehearsal ran to its outcome (`summary`), but its throwaway lnd
    /// could not be removed: said, not hidden, so nothing is left behind
    /// unnoticed.
    #[error("the rehearsal ran ({summary}), but its throwaway lnd was not removed")]
    ThrowawayLeft {
        summary: String,
        /// Boxed: the rehearsal's outcome beside it would make every
        /// `Result` of this error large.
        #[source]
        source: Box<crate::runtime::Error>,
    },
}

impl Error {
    /// Whether the error already shows lnd's last log lines (see
    /// [`crate::runtime::Error::has_lnd_logs`]).
    pub(crate) fn has_lnd_logs(&self) -> bool {
        match self {
            Error::Runtime(e) => e.has_lnd_logs(),
            Error::ThrowawayLeft { source, .. } => source.has_lnd_logs(),
            Error::Bundle(_) | Error::Wallet(_) | Error::Lnd(_) => false,
        }
    }
}
