//! Fingerprints: what plans, logs and JSON show instead of secrets or
//! certificates. Short ones are for humans comparing two values at a glance;
//! full ones are for pinning.

use sha2::{Digest, Sha256};

/// Hex digits kept by [`short`]: 64 bits, enough to tell values apart in a
/// plan, far too few to help anyone guess the secret.
pub const SHORT_HEX_LEN: usize = 16;

/// Full lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `sha256:` followed by the first [`SHORT_HEX_LEN`] hex digits of the
/// SHA-256 of `bytes`.
pub fn short(bytes: &[u8]) -> String {
    let mut full = sha256_hex(bytes);
    full.truncate(SHORT_HEX_LEN);
    format!("sha256:{full}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digest() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::short(b"abc"), "sha256:ba7816bf8f01cfea");
    }
}
