//! Crafted inputs for each decode error, and the mint/verify chain against
//! the libmacaroons reference vectors.

use super::*;
use crate::permissions;

/// libmacaroons' README example: root key, identifier and the signatures
/// after 0, 1 and 2 first-party caveats (same chain as go-macaroon).
const REF_KEY: &[u8] = b"this is our super secret key; only we should know it";
const REF_ID: &[u8] = b"we used our secret key";
const REF_SIGS: [&str; 3] = [
    "e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f",
    "1efe4763f290dbce0c1d08477367e11f4eee456a64933cf662d79772dbb82128",
    "b5f06c8c8ef92f6c82c6ff282cd1f8bd1849301d09a2db634ba182536a611c49",
];

fn reference(caveats: &[&str]) -> Macaroon {
    let mut m = Macaroon {
        location: Some(b"http://mybank/".to_vec()),
        identifier: REF_ID.to_vec(),
        caveats: Vec::new(),
        signature: sign::initial(REF_KEY, REF_ID),
    };
    for c in caveats {
        m.add_first_party_caveat(*c);
    }
    m
}

#[test]
fn signature_chain_matches_libmacaroons() {
    let chain = ["account = 3735928559", "time < 2020-01-01T00:00"];
    for (n, want) in REF_SIGS.iter().enumerate() {
        let m = reference(&chain[..n]);
        assert_eq!(hex::encode(m.signature), *want, "after {n} caveats");
        assert!(m.verify_signature(REF_KEY));
        assert!(!m.verify_signature(b"this is not the key you are looking for"));
        let again = Macaroon::decode(&m.encode()).unwrap();
        assert_eq!(again, m);
        assert!(again.verify_signature(REF_KEY));
    }
    assert!(reference(&chain).extends(&reference(&chain[..1])));
    assert!(!reference(&chain[..1]).extends(&reference(&chain)));
}

fn minted() -> Macaroon {
    Macaroon::mint(&[9u8; 32], 0, [1u8; 16], &permissions::admin()).unwrap()
}

#[test]
fn minted_admin_decodes_like_lnds() {
    let m = minted();
    let bytes = m.encode();
    assert_eq!(
        &bytes[..8],
        &[0x02, 0x01, 0x03, b'l', b'n', b'd', 0x02, 0xf8]
    );
    let d = Macaroon::decode(&bytes).unwrap();
    assert_eq!(d, m);
    assert_eq!(d.root_key_id().unwrap(), 0);
    assert_eq!(d.permissions().unwrap(), permissions::admin());
    assert_eq!(d.location_str().as_deref(), Some("lnd"));
    assert!(d.verify_signature(&[9u8; 32]));
    assert!(!d.verify_signature(&[8u8; 32]));
}

#[test]
fn caveats_extend_the_signature_and_tampering_breaks_it() {
    let mut m = minted();
    let plain = m.clone();
    m.add_first_party_caveat("ipaddr 10.0.0.1");
    assert_ne!(m.signature, plain.signature);
    assert!(m.verify_signature(&[9u8; 32]));
    assert!(m.extends(&plain));
    let mut tampered = m.clone();
    tampered.caveats.clear();
    assert!(!tampered.verify_signature(&[9u8; 32]));
}

#[test]
fn mint_refuses_no_permissions() {
    assert_eq!(
        Macaroon::mint(&[0; 32], 0, [0; 16], &[]),
        Err(MacaroonError::NoPermissions)
    );
}

#[test]
fn debug_never_shows_the_signature() {
    let m = minted();
    let dbg = format!("{m:?}");
    assert!(!dbg.contains(&hex::encode(m.signature)));
    assert!(dbg.contains(&m.fingerprint()));
}

fn bytes_with(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = minted().encode().to_vec();
    edit(&mut b);
    b
}

#[test]
fn each_malformation_has_its_own_error() {
    let id_len = minted().identifier.len();
    let header_end = 1 + 5 + 3 + id_len; // version, location packet, id packet header
    type Check = fn(&MacaroonError) -> bool;
    let cases: Vec<(Vec<u8>, Check)> = vec![
        (vec![], |e| *e == MacaroonError::Empty),
        (bytes_with(|b| b[0] = 1), |e| {
            *e == MacaroonError::UnsupportedVersion(1)
        }),
        (bytes_with(|b| b.truncate(3)), |e| {
            matches!(e, MacaroonError::LengthPastEnd { .. })
        }),
        (bytes_with(|b| b.truncate(header_end)), |e| {
            matches!(e, MacaroonError::Truncated { .. })
        }),
        (bytes_with(|b| b.push(0)), |e| {
            matches!(e, MacaroonError::TrailingBytes { count: 1, .. })
        }),
        (
            bytes_with(|b| {
                let n = b.len();
                b.truncate(n - 1)
            }),
            |e| matches!(e, MacaroonError::LengthPastEnd { .. }),
        ),
        // Header: identifier before location.
        (vec![2, 2, 1, b'x', 1, 1, b'y', 0, 0, 6, 0], |e| {
            matches!(e, MacaroonError::FieldOutOfOrder { .. })
        }),
        // Header without identifier.
        (vec![2, 1, 1, b'x', 0, 0, 6, 0], |e| {
            *e == MacaroonError::MissingIdentifier("macaroon header")
        }),
        // Header with a signature field inside it.
        (vec![2, 2, 1, b'x', 6, 0, 0, 0, 6, 0], |e| {
            matches!(e, MacaroonError::UnexpectedField { field: 6, .. })
        }),
        // Caveat with only a location.
        (vec![2, 2, 1, b'x', 0, 1, 1, b'l', 0, 0], |e| {
            *e == MacaroonError::MissingIdentifier("caveat section")
        }),
        // Caveat with a signature field.
        (vec![2, 2, 1, b'x', 0, 2, 1, b'c', 6, 0, 0, 0], |e| {
            matches!(e, MacaroonError::UnexpectedField { field: 6, .. })
        }),
        // Signature of the wrong size.
        (vec![2, 2, 1, b'x', 0, 0, 6, 1, 0], |e| {
            *e == MacaroonError::BadSignatureLength(1)
        }),
        // Something other than a signature at the end.
        (vec![2, 2, 1, b'x', 0, 0, 4, 0], |e| {
            matches!(e, MacaroonError::MissingSignature { field: 4, .. })
        }),
        (vec![2, 2, 1, b'x', 0, 0, 0], |e| {
            matches!(e, MacaroonError::MissingSignature { field: 0, .. })
        }),
        (vec![2, 2, 1, b'x', 0, 0], |e| {
            matches!(e, MacaroonError::Truncated { .. })
        }),
        // Padded varint for the identifier length.
        (vec![2, 2, 0x81, 0x00, b'x', 0, 0], |e| {
            matches!(e, MacaroonError::NonCanonicalVarint { .. })
        }),
        // A length far beyond the input.
        (vec![2, 2, 0xff, 0xff, 0xff, 0xff, 0x0f], |e| {
            matches!(e, MacaroonError::LengthPastEnd { .. })
        }),
    ];
    for (i, (input, ok)) in cases.iter().enumerate() {
        let err = Macaroon::decode(input).expect_err(&format!("case {i} decoded"));
        assert!(ok(&err), "case {i}: unexpected error {err:?}");
    }
}

#[test]
fn hex_input_is_accepted_with_whitespace_and_either_case() {
    let m = minted();
    let hex = m.to_hex();
    assert_eq!(Macaroon::from_hex_or_bytes(hex.as_bytes()).unwrap(), m);
    let upper = format!("  {}\n", hex.to_uppercase());
    assert_eq!(Macaroon::from_hex_or_bytes(upper.as_bytes()).unwrap(), m);
    assert_eq!(Macaroon::from_hex_or_bytes(&m.encode()).unwrap(), m);
    assert!(matches!(
        Macaroon::from_hex_or_bytes(b"02010x"),
        Err(MacaroonError::BadHex(_))
    ));
    assert!(matches!(
        Macaroon::from_hex_or_bytes(&hex.as_bytes()[..hex.len() - 1]),
        Err(MacaroonError::BadHex(_))
    ));
    assert_eq!(
        Macaroon::from_hex_or_bytes(b" \n"),
        Err(MacaroonError::Empty)
    );
    // Error text never echoes the input.
    let err = Macaroon::from_hex_or_bytes(format!("{}zz", &hex[..]).as_bytes()).unwrap_err();
    assert!(!err.to_string().contains(&hex[..20]));
}
