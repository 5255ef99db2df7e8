//! Apply: carry out a plan in order, then observe again and fail unless the
//! signer converged ([`execute`]); plus the guards every writer needs: the
//! per-signer lock ([`lock`]) and the approval prompt ([`confirm`]), and
//! progress output ([`progress`]).

pub mod confirm;
pub mod execute;
pub mod lock;
pub mod progress;
