//! bundle.json format 2 on a signer lsm applied: it records the identity
//! lnd reports and the wallet's master key fingerprint, which lsm computes
//! from the proven seed only when the node key it derives from it is the
//! identity lnd reports — so on real lnd a fingerprint in bundle.json
//! proves lsm derives the wallet's keys from the seed as lnd does. A
//! format-1 bundle.json (an older lsm's) is re-exported by the next apply,
//! and the apply after that changes nothing. The watch-only side's reader
//! (`ImportedBundle`) takes the exported bundle in.

use crate::signer_kit;

use lsm::bundle::import::ImportedBundle;
use signer_kit::{Backend, Signer, assert_contains_all};

fn bundle_json(s: &Signer) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(s.bundle().join("bundle.json")).unwrap()).unwrap()
}

fn format_2_then_a_format_1_bundle_is_re_exported(backend: Backend) {
    let s = Signer::native_on(backend, "");
    s.apply();
    let identity = s.identity();
    assert_eq!(identity.len(), 66, "{identity}");
    let json = bundle_json(&s);
    assert_eq!(json["format_version"], 2, "{json:#}");
    assert_eq!(json["identity_pubkey"], identity.as_str());
    // From the seed, independently of lsm: BIP32 master of the entropy.
    let words = s.seed_words().expect("seed.txt");
    let seed = lsm_lnd::aezeed::CipherSeed::from_mnemonic(&words, b"").unwrap();
    let master = bip32::XPrv::new(&seed.entropy[..]).unwrap();
    let want = hex::encode(master.public_key().fingerprint());
    assert_eq!(json["master_key_fingerprint"], want.as_str(), "{json:#}");
    assert!(json.get("master_key_fingerprint_note").is_none());

    let imported = ImportedBundle::read(&s.bundle()).unwrap();
    assert_eq!(imported.identity_pubkey.as_deref(), Some(identity.as_str()));
    assert_eq!(
        imported.master_key_fingerprint.as_deref(),
        Some(want.as_str())
    );
    assert_eq!(imported.accounts.len(), 259);
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);

    // As an older lsm wrote it: format 1, neither field (and its seal).
    let mut v1 = json.clone();
    let map = v1.as_object_mut().unwrap();
    for k in [
        "identity_pubkey",
        "master_key_fingerprint",
        "described_sha256",
    ] {
        map.remove(k);
    }
    map.insert("format_version".into(), 1.into());
    let mut bytes = serde_json::to_vec_pretty(&v1).unwrap();
    bytes.push(b'\n');
    std::fs::write(s.bundle().join("bundle.json"), bytes).unwrap();

    let plan = s.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains_all(
        &plan.stdout,
        &[
            "~ bundle.files",
            "bundle.json is format 1, written by an older lsm: re-exported as format 2",
        ],
    );
    assert!(
        !plan.stdout.contains("[changed outside lsm]"),
        "{}",
        plan.stdout
    );
    s.apply();
    assert_eq!(bundle_json(&s), json, "the same bundle.json as before");
    // Converged, nothing derives the master key from the seed again (aezeed's
    // scrypt: ~65 ms of CPU and 32 MiB per command): the fingerprint lsm
    // sealed into bundle.json stands. The crash point exits 86 if reached.
    let no_scrypt = [("FAILPOINTS", "wallet::master_from_words=return")];
    s.lsm_env(&["plan", "--detailed-exitcode"], &no_scrypt)
        .expect(0);
    s.lsm_env(&["status", "--json"], &no_scrypt).expect(0);
    s.lsm_env(
        &["apply", "--auto-approve", "--detailed-exitcode"],
        &no_scrypt,
    )
    .expect(0);
    s.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);
    s.assert_no_secret_leaked();
}

crate::on_both_backends!(format_2_then_a_format_1_bundle_is_re_exported);
