//! The macaroon signature chain (lnd-facts §5.1, go-macaroon crypto.go):
//! k = HMAC("macaroons-key-generator", rootKey); sig = HMAC(k, id); each
//! caveat folds into sig. Only the holder of the root key can start the
//! chain; anyone holding a macaroon can extend it (attenuation).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Length of an HMAC-SHA256 output and therefore of a macaroon signature.
pub const SIGNATURE_LEN: usize = 32;

const KEY_GENERATOR: &[u8] = b"macaroons-key-generator";

pub(super) fn hmac(key: &[u8], msg: &[u8]) -> [u8; SIGNATURE_LEN] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(msg);
    let mut out = [0u8; SIGNATURE_LEN];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// The signature of a macaroon with no caveats.
pub(super) fn initial(root_key: &[u8], identifier: &[u8]) -> [u8; SIGNATURE_LEN] {
    let k = zeroize::Zeroizing::new(hmac(KEY_GENERATOR, root_key));
    hmac(&k[..], identifier)
}

/// Folds one caveat into the running signature. Third-party caveats (with a
/// verification id) use go-macaroon's keyedHash2; lnd only makes first-party
/// ones, which hash the caveat id alone.
pub(super) fn fold(
    sig: &[u8; SIGNATURE_LEN],
    verification_id: Option<&[u8]>,
    caveat_id: &[u8],
) -> [u8; SIGNATURE_LEN] {
    match verification_id {
        Some(vid) if !vid.is_empty() => {
            let mut data = zeroize::Zeroizing::new([0u8; 2 * SIGNATURE_LEN]);
            data[..SIGNATURE_LEN].copy_from_slice(&hmac(sig, vid));
            data[SIGNATURE_LEN..].copy_from_slice(&hmac(sig, caveat_id));
            hmac(sig, &data[..])
        }
        _ => hmac(sig, caveat_id),
    }
}

/// Compares two signatures without an early exit, so timing does not tell
/// an attacker how many leading bytes matched.
pub(super) fn constant_time_eq(a: &[u8; SIGNATURE_LEN], b: &[u8; SIGNATURE_LEN]) -> bool {
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let got = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(got),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn constant_time_eq_compares_every_byte() {
        let a = [7u8; SIGNATURE_LEN];
        let mut b = a;
        assert!(constant_time_eq(&a, &b));
        b[SIGNATURE_LEN - 1] ^= 1;
        assert!(!constant_time_eq(&a, &b));
    }
}
