use super::*;
use crate::bundle::contents::tests::{macaroon_for, signer_only_intent};
use crate::bundle::network::version;
use crate::bundle::{BundleInputs, BundleLayout, DesiredBundle};
use crate::lnd::proto::walletrpc::{Account, AddressType};
use bip32::{ChildNumber, Prefix, XPrv};
use std::fs;

const IDENTITY: &str = crate::bundle::bundle_json::tests::IDENTITY;

fn derive(path: &str) -> XPrv {
    XPrv::derive_from_path(&[0x5e; 32], &path.parse().unwrap()).unwrap()
}

fn account(name: String, t: AddressType, key: &XPrv, v: u32, path: String) -> Account {
    let prefix = Prefix::from_parts_unchecked(version::name(v).unwrap(), v);
    Account {
        name,
        address_type: t as i32,
        extended_public_key: key.public_key().to_string(prefix),
        derivation_path: path,
        ..Default::default()
    }
}

/// The 259 accounts a fresh regtest signer lists, with real keys.
fn regtest_accounts() -> Vec<Account> {
    let net = Network::Regtest;
    let mut out = Vec::new();
    for (purpose, t) in [
        (49, AddressType::HybridNestedWitnessPubkeyHash),
        (84, AddressType::WitnessPubkeyHash),
        (86, AddressType::TaprootPubkey),
    ] {
        let path = format!("m/{purpose}'/0'/0'");
        let v = net.xpub_version(purpose).unwrap();
        out.push(account("default".into(), t, &derive(&path), v, path));
    }
    let parent = derive("m/1017'/1'");
    let v = net.xpub_version(1017).unwrap();
    for i in 0..256u32 {
        let key = parent
            .derive_child(ChildNumber::new(i, true).unwrap())
            .unwrap();
        let name = if i == 0 {
            "default".into()
        } else {
            format!("act:{i}")
        };
        let path = format!("m/1017'/1'/{i}'");
        out.push(account(name, AddressType::WitnessPubkeyHash, &key, v, path));
    }
    out
}

/// An lnd-shaped certificate (CA:TRUE) naming 127.0.0.1 and localhost.
fn cert() -> Vec<u8> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    params.self_signed(&key).unwrap().pem().into_bytes()
}

/// Writes a good bundle (with its archive) under `root`, after `edit`
/// changed its inputs; returns the directory.
fn write_bundle(root: &Path, edit: impl FnOnce(&mut BundleInputs<'_>)) -> std::path::PathBuf {
    let intent = signer_only_intent();
    let mut inputs = BundleInputs {
        signer: "signer-1".into(),
        network: "regtest".into(),
        rpc_endpoint: "127.0.0.1:10009".into(),
        scope: &intent,
        tls_cert_pem: cert(),
        accounts: regtest_accounts(),
        macaroon: macaroon_for(&intent, 1),
        birthday_unix: Some(1_700_000_000),
        identity_pubkey: Some(IDENTITY.into()),
        master_key_fingerprint: Some("3442193e".into()),
    };
    edit(&mut inputs);
    let layout = BundleLayout::new(root.join("bundle"), true).unwrap();
    let desired = DesiredBundle::build(layout, inputs).unwrap();
    crate::bundle::write::export(&desired, &desired.names()).unwrap();
    desired.layout.dir().to_path_buf()
}

fn problems(e: Error) -> Vec<String> {
    match e {
        Error::Rejected { problems, .. } => problems,
        other => panic!("not a rejection: {other}"),
    }
}

#[test]
fn a_good_bundle_reads_from_its_directory_and_its_archive_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bundle(tmp.path(), |_| {});
    let from_dir = ImportedBundle::read(&dir).unwrap();
    assert_eq!(from_dir.network, Network::Regtest);
    assert_eq!(from_dir.format_version, 2);
    assert_eq!(from_dir.rpc_endpoint, "127.0.0.1:10009");
    assert_eq!(from_dir.identity_pubkey.as_deref(), Some(IDENTITY));
    assert_eq!(from_dir.master_key_fingerprint.as_deref(), Some("3442193e"));
    assert_eq!(
        from_dir.master_key_fingerprint_bytes(),
        Some([0x34, 0x42, 0x19, 0x3e])
    );
    assert_eq!(from_dir.wallet_birthday, Some(1_700_000_000));
    assert_eq!(from_dir.macaroon_file, "signer-only.macaroon");
    assert_eq!(from_dir.scope, "signer-only");
    assert_eq!(
        from_dir.macaroon.as_slice(),
        fs::read(dir.join("signer-only.macaroon")).unwrap()
    );
    assert_eq!(
        from_dir.tls_cert_pem,
        fs::read(dir.join("tls.cert")).unwrap()
    );
    assert_eq!(
        from_dir.tls_cert_sha256,
        sha256_hex(&fs::read(dir.join("tls.cert")).unwrap())
    );
    assert_eq!(from_dir.accounts.len(), 259);
    let p2wkh = &from_dir.accounts[1];
    assert_eq!((p2wkh.purpose, p2wkh.coin_type, p2wkh.account), (84, 0, 0));
    assert!(p2wkh.xpub.starts_with("vpub"), "{}", p2wkh.xpub);
    let last = from_dir.accounts.last().unwrap();
    assert_eq!((last.purpose, last.coin_type, last.account), (1017, 1, 255));
    assert!(from_dir.warnings.is_empty(), "{:?}", from_dir.warnings);
    let shown = format!("{from_dir:?}");
    assert!(shown.contains(&from_dir.macaroon_sha256), "{shown}");

    let archive = tmp.path().join("bundle.tar.gz.b64");
    let from_archive = ImportedBundle::read(&archive).unwrap();
    assert_eq!(from_archive.source, archive.display().to_string());
    assert_eq!(from_archive.accounts, from_dir.accounts);
    assert_eq!(from_archive.macaroon, from_dir.macaroon);
    assert_eq!(from_archive.macaroon_sha256, from_dir.macaroon_sha256);
}

#[test]
fn a_bundle_without_every_internal_account_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bundle(tmp.path(), |i| {
        i.accounts
            .retain(|a| a.derivation_path != "m/1017'/1'/255'");
    });
    for path in [dir, tmp.path().join("bundle.tar.gz.b64")] {
        let p = problems(ImportedBundle::read(&path).unwrap_err());
        assert!(
            p.iter().any(|p| p.contains(
                "missing 1 of lnd's 256 internal accounts m/1017'/1'/N' for regtest: N = 255"
            ) && p.contains("never starts")),
            "{p:?}"
        );
    }
}

#[test]
fn a_missing_address_type_is_only_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bundle(tmp.path(), |i| {
        i.accounts.retain(|a| a.derivation_path != "m/86'/0'/0'");
    });
    let b = ImportedBundle::read(&dir).unwrap();
    assert_eq!(b.accounts.len(), 258);
    assert!(
        b.warnings
            .iter()
            .any(|w| w.contains("missing m/86'/0'/0' (p2tr)") && w.contains("account 0 not found")),
        "{:?}",
        b.warnings
    );
}

#[test]
fn every_problem_is_listed_and_no_secret_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bundle(tmp.path(), |i| {
        i.rpc_endpoint = "10.9.9.9:10009".into();
        i.identity_pubkey = Some(format!("02{}05", "0".repeat(62)));
    });
    let err = ImportedBundle::read(&dir).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("failed verification with 2 problems"),
        "{text}"
    );
    assert!(text.contains("tls.cert does not cover 10.9.9.9"), "{text}");
    assert!(
        text.contains("is not a compressed secp256k1 public key"),
        "{text}"
    );
    let mac = fs::read(dir.join("signer-only.macaroon")).unwrap();
    assert!(!text.contains(&hex::encode(&mac)));
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
}

#[test]
fn a_format_1_bundle_reads_without_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_bundle(tmp.path(), |_| {});
    let v2 = fs::read(dir.join("bundle.json")).unwrap();
    let v1 = crate::bundle::diff::tests::format_1_bundle_json(&v2);
    fs::write(dir.join("bundle.json"), &v1).unwrap();
    fs::remove_file(tmp.path().join("bundle.tar.gz.b64")).unwrap();
    let b = ImportedBundle::read(&dir).unwrap();
    assert_eq!(b.format_version, 1);
    assert_eq!(b.identity_pubkey, None);
    assert_eq!(b.master_key_fingerprint, None);
    assert!(
        b.warnings
            .iter()
            .any(|w| w.contains("bundle.json is format 1")),
        "{:?}",
        b.warnings
    );

    // A newer format than this lsm knows is refused.
    let v3 = String::from_utf8(v2)
        .unwrap()
        .replace("\"format_version\": 2", "\"format_version\": 3");
    fs::write(dir.join("bundle.json"), v3).unwrap();
    let p = problems(ImportedBundle::read(&dir).unwrap_err());
    assert!(
        p.iter()
            .any(|p| p.contains("format_version 3; this lsm understands up to 2")),
        "{p:?}"
    );
}

#[test]
fn what_is_no_bundle_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        ImportedBundle::read(&tmp.path().join("nothing")),
        Err(Error::Io { .. })
    ));
    let junk = tmp.path().join("junk.b64");
    fs::write(&junk, b"not an archive").unwrap();
    let p = problems(ImportedBundle::read(&junk).unwrap_err());
    assert!(p[0].contains("the archive cannot be read"), "{p:?}");
}
