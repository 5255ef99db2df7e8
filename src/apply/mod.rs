//! Apply: carry out a plan in order, then observe again and fail unless the
//! signer converged ([`execute`]); plus the guards every writer needs: the
//! per-signer lock ([`lock`]) and the approval prompt ([`confirm`]), and
//! progress output ([`progress`]).

pub(crate) mod confirm;
mod error;
pub(crate) mod execute;
pub(crate) mod lock;
pub(crate) mod progress;

pub(crate) use error::Error;
