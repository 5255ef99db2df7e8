//! The restore rehearsal: proof that seed.txt restores the signer it
//! belongs to. A throwaway lnd from the signer's own image or binary (see
//! [`Throwaway`]) restores a wallet from seed.txt and the wallet password
//! (InitWallet, stateless: no macaroon file is written), and lsm compares
//! what comes out — the identity pubkey and every account xpub — with the
//! live signer's. The throwaway lnd and its data are removed afterwards,
//! whatever happened.
//!
//! The outcome is written to `seed-rehearsal.json` beside seed.txt (for
//! `lsm status`), with fingerprints only. A passing rehearsal of a wallet
//! without an identity record writes that record, so later plans can tell
//! a swapped seed.txt offline. The record and what is compared are the
//! wallet's ([`crate::wallet::rehearsal`]); running one spans the runtime
//! and the wallet, so it is here, above both.

use super::Error;
use crate::lnd::client::{ClientOptions, InitWalletParams, LndClient};
use crate::lnd::error::LndError;
use crate::lnd::proto::lnrpc::WalletState;
use crate::lnd::proto::walletrpc::Account;
use crate::runtime::{Runtime, Throwaway};
use crate::wallet::files::WalletFiles;
use crate::wallet::identity;
use crate::wallet::rehearsal::{FORMAT_VERSION, Outcome, Reference, accounts_fingerprint, xpubs};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// How long the throwaway lnd gets to restore the wallet and become active.
const RESTORE_DEADLINE: Duration = Duration::from_secs(180);

/// Runs a rehearsal for the seed.txt and password in `files` on `network`,
/// against `live`, in a throwaway lnd of `rt`. Refusals to use the files
/// (missing, not the user's own, offline checks failing) are errors; a
/// seed lnd refuses or that restores another wallet is a failed outcome.
pub(crate) async fn rehearse<R: Runtime>(
    rt: &R,
    files: &WalletFiles,
    network: &str,
    live: &Reference,
) -> Result<Outcome, Error> {
    let seed = files.read_seed()?;
    let password = files.read_password()?;
    let seed_sha256 = identity::seed_fingerprint(&seed.words);
    let started = std::time::Instant::now();
    let mut outcome = Outcome {
        format_version: FORMAT_VERSION,
        ran_at: crate::fsutil::unix_now(),
        passed: false,
        seed_sha256,
        network: network.to_string(),
        live_identity: live.identity_pubkey.clone(),
        compared_with: live.source.clone(),
        restored_identity: None,
        accounts_matched: 0,
        accounts_total: live.xpubs.as_ref().map_or(0, BTreeMap::len),
        accounts_sha256: live
            .xpubs
            .as_ref()
            .map(accounts_fingerprint)
            .unwrap_or_default(),
        reason: None,
        lnd: String::new(),
        took_ms: 0,
    };
    // A Ctrl-C from here on removes the throwaway lnd and exits; nothing
    // it cut short is taken for the rehearsal's outcome.
    let (what, restored, removed) = crate::interrupt::unless_interrupted(async {
        let throwaway = rt.start_throwaway().await?;
        let what = throwaway.what.clone();
        let restored = restore(&throwaway, &password, &seed.words).await;
        // The throwaway lnd holds the restored wallet, unlocked: the moment
        // a Ctrl-C must not leave it behind (see crate::interrupt).
        crate::crashpoint!("rehearsal::after_restore");
        // Removed whatever happened; a failure to remove is said, not hidden.
        let removed = rt.remove_throwaway(throwaway).await;
        Ok::<_, Error>((what, restored, removed))
    })
    .await?;
    outcome.lnd = what;
    outcome.took_ms = started.elapsed().as_millis() as u64;
    match restored? {
        Restored::Refused(why) => {
            outcome.reason = Some(format!("cannot be restored by lnd: {why}"));
        }
        Restored::Wallet {
            identity_pubkey,
            accounts,
        } => {
            let got = xpubs(&accounts);
            let accounts_ok = match &live.xpubs {
                Some(want) => {
                    outcome.accounts_matched = want
                        .iter()
                        .filter(|(path, xpub)| got.get(path.as_str()) == Some(&xpub.as_str()))
                        .count();
                    outcome.accounts_matched == want.len() && got.len() == want.len()
                }
                // Nothing to compare them with: the identity decides.
                None => true,
            };
            let same_identity = identity_pubkey.eq_ignore_ascii_case(&live.identity_pubkey);
            outcome.passed = same_identity && accounts_ok;
            if !same_identity {
                outcome.reason = Some(format!(
                    "restores identity {identity_pubkey}, not {}'s {}: it is another wallet's \
                     seed",
                    live.source, live.identity_pubkey
                ));
            } else if !outcome.passed {
                outcome.reason = Some(format!(
                    "restores the identity but {} of {} account xpubs differ",
                    outcome.accounts_total - outcome.accounts_matched,
                    outcome.accounts_total
                ));
            }
            outcome.restored_identity = Some(identity_pubkey);
        }
    }
    if let Err(source) = removed {
        return Err(Error::ThrowawayLeft {
            summary: outcome.summary(),
            source: Box::new(source),
        });
    }
    Ok(outcome)
}

/// What the throwaway lnd made of the seed.
enum Restored {
    /// lnd refused the words (a passphrase it cannot guess, a bad mnemonic).
    Refused(String),
    Wallet {
        identity_pubkey: String,
        accounts: Vec<Account>,
    },
}

async fn restore<H>(
    t: &Throwaway<H>,
    password: &[u8],
    words: &[String],
) -> Result<Restored, LndError> {
    let opts = ClientOptions {
        cert_label: "the throwaway lnd's tls.cert".to_string(),
        ..ClientOptions::default()
    };
    let client = LndClient::connect(&t.access.addr, &t.access.tls_cert_pem, opts)?;
    let deadline = Instant::now() + RESTORE_DEADLINE;
    client
        .wait_for_state(&[WalletState::NonExisting], deadline)
        .await?;
    let params = InitWalletParams {
        wallet_password: password,
        mnemonic: words,
        aezeed_passphrase: b"",
        recovery_window: 0,
        // No macaroon files on disk: the admin macaroon comes back to lsm
        // alone, and goes with this process.
        stateless_init: true,
        macaroon_root_key: None,
    };
    let admin = match client.init_wallet(&params).await {
        Ok(m) => m,
        Err(LndError::Other { status, .. })
            if status.code() == tonic::Code::Unknown
                && let Some(why) = aezeed_refusal(status.message()) =>
        {
            return Ok(Restored::Refused(why.to_string()));
        }
        // Anything else (a connection lost, lnd gone) says nothing about
        // the seed: the rehearsal could not run.
        Err(e) => return Err(e),
    };
    client
        .wait_for_state(&[WalletState::ServerActive], deadline)
        .await?;
    let authed = client.with_macaroon(&admin);
    let info = authed.get_info().await?;
    let accounts = authed.list_accounts().await?;
    Ok(Restored::Wallet {
        identity_pubkey: info.identity_pubkey,
        accounts,
    })
}

/// What lnd's InitWallet says when aezeed refuses the words (lnd
/// v0.20.0-beta aezeed/errors.go), as lsm reports it;
/// `None` for any other error, which is no verdict on the seed (tonic
/// reports a lost connection with the same gRPC code, Unknown). A word
/// lnd names is never repeated: it is a seed word.
fn aezeed_refusal(message: &str) -> Option<&'static str> {
    Some(if message == "invalid passphrase" {
        "invalid passphrase: the seed was made with an aezeed passphrase, and lsm restores \
         with none"
    } else if message.contains(crate::wallet::UNKNOWN_WORD) {
        "a word is not in the aezeed word list"
    } else if message.contains("checksum doesn't match") {
        "the mnemonic's checksum does not match"
    } else if message.contains("wrong seed version") {
        "the seed's aezeed version is not one lnd knows"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only aezeed's refusals are a verdict on the seed: a connection lost
    /// mid-InitWallet (tonic reports it as Unknown too) is not, and a word
    /// lnd names is never repeated.
    #[test]
    fn only_aezeed_refusals_fail_a_rehearsal() {
        assert!(aezeed_refusal("invalid passphrase").is_some());
        assert!(aezeed_refusal("mnemonic phrase checksum doesn't match").is_some());
        assert!(aezeed_refusal("wrong seed version").is_some());
        let word = aezeed_refusal("word zebra isn't a part of default word list (index=3)");
        assert!(word.is_some_and(|w| !w.contains("zebra")), "{word:?}");
        for other in ["transport error", "h2 protocol error: broken pipe", ""] {
            assert_eq!(aezeed_refusal(other), None, "{other}");
        }
    }
}
