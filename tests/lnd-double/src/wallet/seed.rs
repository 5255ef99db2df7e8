//! lnd's aezeed cipher seed, as lsm-lnd implements it (lsm_lnd::aezeed:
//! the outer words-and-checksum layer and the scrypt + AEZ inner layer).
//! The double adds only what a fresh seed needs: a random salt.
//! The wallet's BIP32 root is the 16-byte entropy, as in lnd.

pub use lsm_lnd::aezeed::{CipherSeed, ENTROPY_SIZE, SALT_SIZE};

/// A fresh seed (GenSeed) with the given entropy, a birthday of
/// `now_unix` and a random salt.
pub fn new_seed(entropy: [u8; ENTROPY_SIZE], now_unix: u64) -> CipherSeed {
    CipherSeed::new(
        entropy,
        now_unix,
        super::crypto::random_bytes::<SALT_SIZE>(),
    )
}
