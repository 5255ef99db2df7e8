//! lnrpc SignMessage as lnd does it (rpcserver.go SignMessage,
//! lnwallet's SignMessageCompact): the message is prefixed with "Lightning
//! Signed Message:", hashed with double SHA-256 (one round with
//! `single_hash`), signed by the node identity key as a 65-byte compact
//! recoverable signature (header 31 + recovery id: compressed key), and
//! encoded in zbase32.

use bip32::secp256k1::ecdsa::SigningKey;
use sha2::{Digest, Sha256};

const SIGNED_MSG_PREFIX: &[u8] = b"Lightning Signed Message:";
const ZBASE32: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

/// The zbase32 compact signature lnd returns for `msg`.
pub fn sign(key: &SigningKey, msg: &[u8], single_hash: bool) -> String {
    let mut digest: [u8; 32] = Sha256::new()
        .chain_update(SIGNED_MSG_PREFIX)
        .chain_update(msg)
        .finalize()
        .into();
    if !single_hash {
        digest = Sha256::digest(digest).into();
    }
    let (sig, recid) = key.sign_prehash_recoverable(&digest);
    let mut compact = Vec::with_capacity(65);
    compact.push(27 + 4 + recid.to_byte());
    compact.extend_from_slice(&sig.to_bytes());
    zbase32(&compact)
}

/// zbase32 as github.com/tv42/zbase32 encodes it: 5 bits per character,
/// most significant first, the last group padded with zero bits.
fn zbase32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ZBASE32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ZBASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zbase32_matches_the_reference_vectors() {
        // tv42/zbase32's tests.
        assert_eq!(zbase32(&[0x00]), "yy");
        assert_eq!(zbase32(&[0xf0, 0xbf, 0xc7]), "6n9hq");
        assert_eq!(zbase32(&[0xd4, 0x7a, 0x04]), "4t7ye");
    }

    #[test]
    fn a_signature_is_65_bytes_with_a_compressed_key_header() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let sig = sign(&key, b"hello", false);
        // 65 bytes = 520 bits = 104 characters.
        assert_eq!(sig.len(), 104);
        // Header 31 or 32: 0b00011 (d) or 0b00100 (r) first.
        assert!(sig.starts_with('d') || sig.starts_with('r'), "{sig}");
    }
}
