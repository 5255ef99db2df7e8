//! The macaroon codec against real lnd macaroons (tests/fixtures/macaroons)
//! and against arbitrary bytes: every input decodes or fails with a typed
//! error, never a panic.

use lsm_lnd::macaroon::{CaveatKind, Macaroon, MacaroonError, parse_rfc3339};
use lsm_lnd::permissions::{self, Permission};
use proptest::prelude::*;
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/macaroons")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decode_hex_fixture(name: &str) -> (Vec<u8>, Macaroon) {
    let text = fixture(name);
    let bytes = hex::decode(text.trim_ascii()).unwrap();
    let m = Macaroon::from_hex_or_bytes(&text).unwrap();
    (bytes, m)
}

/// Minting with the real macaroon's nonce must reproduce its identifier byte
/// for byte: proves the canonical op order and protobuf layout are lnd's.
fn assert_mint_reproduces_identifier(m: &Macaroon, perms: &[Permission]) {
    let nonce: [u8; 16] = m.id().unwrap().nonce.try_into().unwrap();
    let minted = Macaroon::mint(&[0; 32], 0, nonce, perms).unwrap();
    assert_eq!(minted.identifier(), m.identifier());
    assert_eq!(minted.location(), m.location());
}

fn strings(perms: &[Permission]) -> Vec<String> {
    perms.iter().map(|p| p.to_string()).collect()
}

#[test]
fn real_admin_macaroon_is_root_key_0_with_lnds_admin_set() {
    let (bytes, m) = decode_hex_fixture("admin-warnet.hex");
    assert_eq!(m.root_key_id().unwrap(), 0);
    assert_eq!(m.permissions().unwrap(), permissions::admin());
    assert_eq!(m.location_str().as_deref(), Some("lnd"));
    assert!(m.caveats().is_empty());
    assert_mint_reproduces_identifier(&m, &permissions::admin());
    let id = m.id().unwrap();
    assert_eq!(id.nonce.len(), 16);
    assert_eq!(id.storage_id, b"0");
    // Byte-exact re-encoding, and the binary file decodes to the same value.
    assert_eq!(&m.encode()[..], &bytes[..]);
    let binary = fixture("admin-warnet.macaroon");
    assert_eq!(binary, bytes);
    assert_eq!(Macaroon::decode(&binary).unwrap(), m);
    assert_eq!(Macaroon::from_hex_or_bytes(&binary).unwrap(), m);
}

#[test]
fn real_readonly_and_invoice_macaroons_match_lnds_sets() {
    let (bytes, m) = decode_hex_fixture("readonly.hex");
    assert_eq!(m.root_key_id().unwrap(), 0);
    assert_eq!(m.permissions().unwrap(), permissions::readonly());
    assert_mint_reproduces_identifier(&m, &permissions::readonly());
    assert_eq!(&m.encode()[..], &bytes[..]);

    let (bytes, m) = decode_hex_fixture("invoice-makeinvoice.hex");
    assert_eq!(m.root_key_id().unwrap(), 0);
    assert_eq!(m.permissions().unwrap(), permissions::invoice());
    assert_mint_reproduces_identifier(&m, &permissions::invoice());
    assert_eq!(&m.encode()[..], &bytes[..]);
}

#[test]
fn real_caveats_are_classified() {
    let (bytes, m) = decode_hex_fixture("info-timebefore-ipaddr-boltobserver.hex");
    assert_eq!(&m.encode()[..], &bytes[..]);
    assert_eq!(strings(&m.permissions().unwrap()), ["info:read"]);
    let kinds: Vec<CaveatKind> = m.caveats().iter().map(|c| c.kind()).collect();
    assert_eq!(
        kinds,
        vec![
            CaveatKind::TimeBefore {
                arg: "2022-08-08T08:10:04.88930363Z".into(),
                at: parse_rfc3339("2022-08-08T08:10:04.88930363Z"),
            },
            CaveatKind::IpAddr("1.2.3.4".into()),
        ]
    );
    assert!(kinds[0].is_expired(std::time::SystemTime::now()));
}

#[test]
fn lnd_itest_macaroon_with_external_permissions_decodes() {
    let (bytes, m) = decode_hex_fixture("lit-expired-lnd-itest.hex");
    assert_eq!(&m.encode()[..], &bytes[..]);
    assert_eq!(m.root_key_id().unwrap(), 0);
    let perms = strings(&m.permissions().unwrap());
    for p in [
        "loop:in",
        "loop:out",
        "swap:execute",
        "account:write",
        "signer:generate",
    ] {
        assert!(perms.contains(&p.to_string()), "{p} missing from {perms:?}");
    }
    assert_eq!(perms.len(), 37);
    assert!(matches!(
        m.caveats()[0].kind(),
        CaveatKind::TimeBefore { at: Some(_), .. }
    ));
}

#[test]
fn minted_macaroons_round_trip_and_verify() {
    let key = [0x5au8; 32];
    for (rk, perms) in [
        (0u64, permissions::admin()),
        (7, permissions::signer_only()),
        (
            u64::MAX,
            vec!["uri:/lnrpc.Lightning/GetInfo".parse().unwrap()],
        ),
    ] {
        let mut m = Macaroon::mint(&key, rk, [3u8; 16], &perms).unwrap();
        m.add_first_party_caveat("time-before 2030-01-01T00:00:00Z");
        let d = Macaroon::decode(&m.encode()).unwrap();
        assert_eq!(d, m);
        assert_eq!(d.root_key_id().unwrap(), rk);
        assert_eq!(d.permissions().unwrap(), perms);
        assert!(d.verify_signature(&key));
        assert!(!d.verify_signature(&[0x5bu8; 32]));
    }
}

fn valid_bytes() -> Vec<u8> {
    let mut m = Macaroon::mint(&[1; 32], 42, [2; 16], &permissions::signer_only()).unwrap();
    m.add_first_party_caveat("ipaddr 192.0.2.1");
    m.encode().to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(m) = Macaroon::decode(&bytes) {
            // Whatever decodes re-encodes to the same bytes.
            prop_assert_eq!(&m.encode()[..], &bytes[..]);
            let _ = m.id();
            let _ = m.permissions();
        }
        let _ = Macaroon::from_hex_or_bytes(&bytes);
    }

    #[test]
    fn random_bytes_after_a_v2_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = vec![2u8, 1, 3, b'l', b'n', b'd'];
        bytes.extend(tail);
        let _ = Macaroon::decode(&bytes);
    }

    #[test]
    fn every_truncation_is_a_typed_error(cut in 0usize..200) {
        let full = valid_bytes();
        let cut = cut % full.len();
        let err = Macaroon::decode(&full[..cut]).unwrap_err();
        prop_assert!(matches!(
            err,
            MacaroonError::Empty
                | MacaroonError::Truncated { .. }
                | MacaroonError::LengthPastEnd { .. }
        ), "cut {}: {:?}", cut, err);
        let hex_cut = hex::encode(&full[..cut]);
        prop_assert!(Macaroon::from_hex_or_bytes(hex_cut.as_bytes()).is_err());
    }

    #[test]
    fn single_byte_flips_never_verify(pos in 0usize..200, bit in 0u8..8) {
        let full = valid_bytes();
        let original = Macaroon::decode(&full).unwrap();
        let mut bytes = full.clone();
        let pos = pos % bytes.len();
        bytes[pos] ^= 1 << bit;
        if let Ok(m) = Macaroon::decode(&bytes) {
            // The location is not signed (macaroon design); anything else is.
            let only_location_changed =
                m.identifier() == original.identifier() && m.caveats() == original.caveats()
                    && m.signature_fingerprint() == original.signature_fingerprint();
            prop_assert!(only_location_changed || !m.verify_signature(&[1; 32]));
        }
    }
}
