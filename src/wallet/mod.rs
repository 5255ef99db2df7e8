//! The wallet lifecycle around the seed: decide ([`diff`]) and carry out
//! create, restore and unlock, with the seed durable on disk before lnd ever
//! sees it.

pub mod diff;
