//! Apply: carry out a plan in order, then observe again and fail unless the
//! signer converged. Also the guards every writer needs: the per-signer lock
//! and the approval prompt.

pub mod confirm;
pub mod lock;
