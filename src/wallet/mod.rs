//! The wallet lifecycle around the seed: decide ([`diff`]) and carry out
//! ([`execute`]) create, restore and unlock, with the seed durable on disk
//! before lnd ever sees it; [`files`] knows the secrets directory's layout.

pub mod diff;
pub mod execute;
pub mod files;
pub mod identity;
pub mod proof;
pub mod rehearsal;
pub mod seed;
