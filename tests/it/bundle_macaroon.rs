//! The bundle's macaroon is proved against the live signer, not only
//! decoded: another signer's macaroon (same permissions, same root key id,
//! another node's signature) and the signer's own macaroon
//! with a caveat lsm did not bake (an expiry two hours out) are both drift,
//! and apply bakes a macaroon the signer accepts. Run on the double and on
//! real lnd, with real lncli as the judge.

use crate::signer_kit;

use signer_kit::{Backend, Signer, assert_contains_all};
use std::time::{Duration, SystemTime};

/// A custom scope that adds message:write to the signer-only set, so real
/// lncli's `signmessage` can judge the macaroon on both backends (lncli has
/// no command for the signrpc calls a watch-only node makes).
const JUDGED: &str = "[macaroon]\nscope = \"custom\"\n\
                      permissions = [\"message:write\", \"onchain:write\", \"signer:generate\"]\n";

fn bundle_macaroon_path(s: &Signer) -> std::path::PathBuf {
    s.bundle().join("custom.macaroon")
}

/// lncli signmessage with `macaroon` against `s` (message:write).
fn signs_with(s: &Signer, macaroon: &[u8]) -> signer_kit::Run {
    s.lncli(macaroon, &["signmessage", "lsm"])
}

fn a_macaroon_the_signer_rejects_is_baked_again(backend: Backend) {
    let Some(a) = Signer::docker_on(backend, JUDGED) else {
        return;
    };
    let Some(b) = Signer::docker_on(backend, JUDGED) else {
        return;
    };
    a.apply();
    b.apply();
    assert_eq!(signs_with(&a, &a.bundle_macaroon()).code, 0);

    // Case (a): another signer's macaroon copied into the bundle.
    let foreign = b.bundle_macaroon();
    std::fs::write(bundle_macaroon_path(&a), &foreign).unwrap();
    assert_ne!(
        signs_with(&a, &foreign).code,
        0,
        "the signer accepted another signer's macaroon"
    );
    let plan = a.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains_all(
        &plan.stdout,
        &[
            "~ macaroon.watchonly",
            "the signer rejects the bundle's custom.macaroon",
            "signature mismatch",
            "[changed outside lsm]",
        ],
    );
    let status = a.lsm(&["status", "--json"]).expect(2).json();
    let bundle = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "BundleInSync")
        .unwrap()
        .clone();
    assert_eq!(bundle["status"], false, "{status:#}");
    a.apply();
    let run = signs_with(&a, &a.bundle_macaroon());
    assert_eq!(run.code, 0, "the re-baked macaroon: {run:?}");
    a.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    a.lsm(&["bundle", "verify", "out/credentials-bundle"])
        .expect(0);

    // Case (b): the signer's own macaroon with an expiry lsm did not bake.
    let mut capped = lsm_lnd::macaroon::Macaroon::decode(&a.bundle_macaroon()).expect("a macaroon");
    capped.add_first_party_caveat(lsm_lnd::macaroon::time_before_condition(
        SystemTime::now() + Duration::from_secs(2 * 3600),
    ));
    std::fs::write(bundle_macaroon_path(&a), &capped.encode()[..]).unwrap();
    assert_eq!(signs_with(&a, &capped.encode()).code, 0, "valid for now");
    let plan = a.lsm(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains_all(
        &plan.stdout,
        &[
            "~ macaroon.watchonly",
            "carries caveats lsm did not bake (time-before ",
            "[changed outside lsm]",
        ],
    );
    a.apply();
    let rebaked = lsm_lnd::macaroon::Macaroon::decode(&a.bundle_macaroon()).unwrap();
    assert!(rebaked.caveats().is_empty(), "still capped");
    assert_eq!(signs_with(&a, &a.bundle_macaroon()).code, 0);
    a.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    a.assert_no_secret_leaked();
}

crate::on_both_backends!(a_macaroon_the_signer_rejects_is_baked_again);
