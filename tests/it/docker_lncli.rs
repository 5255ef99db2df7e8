//! `support::lncli`: lncli run inside an lsm-managed real lnd container
//! finds lnd, its certificate and lsm's admin macaroon where the helper
//! says they are.

use crate::signer_kit::{Backend, Signer};
use crate::support::lncli::{lncli_json, lncli_try};

#[test]
fn lncli_in_the_container_answers_as_the_signer() {
    let Some(s) = Signer::docker_on(Backend::Real, "") else {
        return;
    };
    s.apply();
    let info = lncli_json(&s.name, "regtest", &["getinfo"]);
    assert_eq!(info["identity_pubkey"], s.identity().as_str(), "{info:#}");
    assert_eq!(info["chains"][0]["network"], "regtest", "{info:#}");
    // lnd's refusal comes back as an Err carrying lncli's stderr.
    let err = lncli_try(&s.name, "regtest", &["getchaninfo", "--chan_id", "1"])
        .expect_err("there is no channel 1");
    assert!(err.contains("rpc error"), "{err}");
    // The wrong network names a macaroon lsm did not write.
    let err = lncli_try(&s.name, "testnet", &["getinfo"]).expect_err("no testnet macaroon");
    assert!(err.contains("admin-testnet.macaroon"), "{err}");
}
