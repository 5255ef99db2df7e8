//! bundle.json's identity fields (format 2): the signer's identity_pubkey
//! must be a 33-byte compressed secp256k1 point in hex, the master key
//! fingerprint 4 bytes in hex. A format-1 bundle (an older lsm's) has
//! neither, which is a warning: `lsm apply` re-exports it.

use super::{Declared, Findings};

pub(super) fn check(declared: &Declared, f: &mut Findings) -> String {
    let Some(json) = &declared.json else {
        return f.skip("no readable bundle.json");
    };
    if json.format_version < 2 {
        f.warn(format!(
            "bundle.json is format {}, written by an older lsm: it records neither the signer's \
             identity_pubkey nor the wallet's master_key_fingerprint; lsm apply re-exports it \
             as format 2",
            json.format_version
        ));
        return "format 1: none recorded".into();
    }
    let mut parts = Vec::new();
    match &json.identity_pubkey {
        Some(id) if is_compressed_pubkey_hex(id) => parts.push(format!("identity {id}")),
        Some(id) => f.problem(format!(
            "bundle.json's identity_pubkey {id:?} is not a compressed secp256k1 public key \
             (66 lowercase hex digits starting 02 or 03, a point on the curve)"
        )),
        None => f.warn(
            "bundle.json records no identity_pubkey (exported with a macaroon that cannot call \
             GetInfo): a watch-only node cannot check that it dials the right signer",
        ),
    }
    match &json.master_key_fingerprint {
        Some(fp) if is_fingerprint_hex(fp) => parts.push(format!("master key {fp}")),
        Some(fp) => f.problem(format!(
            "bundle.json's master_key_fingerprint {fp:?} is not 8 lowercase hex digits"
        )),
        None => parts.push("master key fingerprint unknown".into()),
    }
    parts.join(", ")
}

/// 66 lowercase hex digits that decode to a compressed point on secp256k1.
pub(crate) fn is_compressed_pubkey_hex(s: &str) -> bool {
    let lower = s
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let Ok(bytes) = <[u8; 33]>::try_from(hex::decode(s).unwrap_or_default()) else {
        return false;
    };
    lower
        && matches!(bytes[0], 2 | 3)
        && <bip32::secp256k1::PublicKey as bip32::PublicKey>::from_bytes(bytes).is_ok()
}

/// 8 lowercase hex digits (a BIP32 key fingerprint).
pub(crate) fn is_fingerprint_hex(s: &str) -> bool {
    s.len() == 8
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pubkeys_and_fingerprints() {
        let g = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
        assert!(is_compressed_pubkey_hex(g));
        assert!(!is_compressed_pubkey_hex(&g.to_uppercase()));
        // x = 5 is not on the curve (5^3 + 7 = 132 is no square mod p).
        let off_curve = format!("02{}05", "0".repeat(62));
        assert!(!is_compressed_pubkey_hex(&off_curve));
        assert!(!is_compressed_pubkey_hex(&format!("04{}", &g[2..])));
        assert!(!is_compressed_pubkey_hex(&g[..64]));
        assert!(!is_compressed_pubkey_hex("zz"));
        assert!(is_fingerprint_hex("3442193e"));
        for bad in ["3442193", "3442193E", "3442193e0", "wxyz1234", ""] {
            assert!(!is_fingerprint_hex(bad), "{bad}");
        }
    }
}
