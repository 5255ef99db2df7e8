//! The wallet lifecycle around the seed: decide ([`diff`]) and carry out
//! ([`execute`]) create, restore and unlock, with the seed durable on disk
//! before lnd ever sees it; [`files`] knows the secrets directory's layout.

pub(crate) mod diff;
mod error;
pub(crate) mod execute;
pub(crate) mod files;
pub(crate) mod identity;
pub(crate) mod master;
pub(crate) mod proof;
pub(crate) mod rehearsal;
pub(crate) mod seed;

pub(crate) use error::{Error, SeedRefusal, UNKNOWN_WORD};
