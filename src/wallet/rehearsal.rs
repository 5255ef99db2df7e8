//! The restore rehearsal's record: proof that seed.txt restores the signer
//! it belongs to. What a rehearsal compares against ([`Reference`]: the
//! identity pubkey and every account xpub of the live signer), what it
//! found ([`Outcome`]), and `seed-rehearsal.json` beside seed.txt that
//! keeps the last outcome (for `lsm status`), with fingerprints only.
//!
//! Running one takes a throwaway lnd from the runtime, which sits above
//! the wallet: that part is the reconcile layer's, `reconcile::rehearsal`.

use crate::lnd::proto::walletrpc::Account;
use crate::wallet::Error;
use crate::wallet::diff::REHEARSAL_FILE;
use crate::wallet::files::WalletFiles;
use crate::wallet::identity::{self, short};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// `seed-rehearsal.json`'s format.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// [`Reference::source`] (and [`Outcome::compared_with`]) of the live
/// signer.
pub const LIVE_SIGNER: &str = "the live signer";

/// What the rehearsal compares against: the live signer as lnd reports it
/// or, when lnd cannot be asked, the identity record (and the accounts of
/// the bundle the watch-only node was given).
pub(crate) struct Reference {
    pub identity_pubkey: String,
    /// Derivation path → xpub of every account, when known.
    pub xpubs: Option<BTreeMap<String, String>>,
    /// What it is, for messages ("the live signer").
    pub source: String,
}

impl Reference {
    /// The live signer, from what lnd reported.
    pub(crate) fn live(identity_pubkey: &str, accounts: &[Account]) -> Reference {
        Reference {
            identity_pubkey: identity_pubkey.to_string(),
            xpubs: Some(owned(xpubs(accounts))),
            source: LIVE_SIGNER.to_string(),
        }
    }
}

fn owned(m: BTreeMap<&str, &str>) -> BTreeMap<String, String> {
    m.into_iter()
        .map(|(p, x)| (p.to_string(), x.to_string()))
        .collect()
}

/// What a rehearsal found. Also the content of `seed-rehearsal.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Outcome {
    pub format_version: u32,
    /// Unix time it ran.
    pub ran_at: u64,
    /// seed.txt restores the live wallet: same identity, same xpubs.
    pub passed: bool,
    /// [`identity::seed_fingerprint`] of the seed.txt rehearsed.
    pub seed_sha256: String,
    pub network: String,
    /// The identity it was compared with (the live signer's, else the
    /// identity record's).
    pub live_identity: String,
    /// What it was compared with.
    #[serde(default)]
    pub compared_with: String,
    /// The identity the restored wallet has (none if lnd refused the seed).
    pub restored_identity: Option<String>,
    /// Accounts whose xpub matched, of the live signer's.
    pub accounts_matched: usize,
    pub accounts_total: usize,
    /// sha256 over the live accounts (path and xpub), to show.
    pub accounts_sha256: String,
    /// Why it failed, when it did.
    pub reason: Option<String>,
    /// What lnd it ran (image or binary).
    pub lnd: String,
    /// Wall time of the rehearsal, milliseconds.
    pub took_ms: u64,
}

impl Outcome {
    /// Whether it was compared with the live signer (not with the files
    /// beside seed.txt, which prove nothing about lnd's data).
    pub(crate) fn against_live(&self) -> bool {
        self.compared_with == LIVE_SIGNER
    }

    /// One line for status and messages (fingerprints only).
    pub(crate) fn summary(&self) -> String {
        let when = crate::lnd::macaroon::format_rfc3339(
            std::time::UNIX_EPOCH + Duration::from_secs(self.ran_at),
        );
        if self.passed && self.accounts_total == 0 {
            format!(
                "passed {when}: seed.txt (seed {}) restores identity {} ({})",
                short(&self.seed_sha256),
                self.live_identity,
                self.compared_with
            )
        } else if self.passed {
            format!(
                "passed {when}: seed.txt (seed {}) restores identity {} and all {} account \
                 xpubs ({}, as {})",
                short(&self.seed_sha256),
                self.live_identity,
                self.accounts_total,
                short(&self.accounts_sha256),
                self.compared_with
            )
        } else {
            format!(
                "FAILED {when}: seed.txt (seed {}) {}",
                short(&self.seed_sha256),
                self.reason
                    .as_deref()
                    .unwrap_or("did not restore this wallet")
            )
        }
    }
}

/// A fingerprint of an account set (derivation path and xpub of each).
pub(crate) fn accounts_fingerprint(xpubs: &BTreeMap<String, String>) -> String {
    let text: Vec<String> = xpubs.iter().map(|(p, x)| format!("{p} {x}")).collect();
    crate::secrets::sha256_hex(text.join("\n").as_bytes())
}

/// Derivation path → xpub of each account.
pub(crate) fn xpubs(accounts: &[Account]) -> BTreeMap<&str, &str> {
    accounts
        .iter()
        .map(|a| (a.derivation_path.as_str(), a.extended_public_key.as_str()))
        .collect()
}

/// Writes the outcome to `seed-rehearsal.json` (0600, replacing the last).
pub(crate) fn write(files: &WalletFiles, outcome: &Outcome) -> Result<(), Error> {
    files.prepare_dir()?;
    let path = files.dir.join(REHEARSAL_FILE);
    let mut bytes = match serde_json::to_vec_pretty(outcome) {
        Ok(bytes) => bytes,
        Err(source) => return Err(Error::Encode { path, source }),
    };
    bytes.push(b'\n');
    crate::fsutil::atomic_write(
        &path,
        &bytes,
        crate::secrets::FILE_MODE,
        crate::fsutil::Existing::Replace,
    )
    .map_err(|source| Error::Write { path, source })
}

/// The last rehearsal's outcome, if one was recorded and is readable (and,
/// like the identity record, the user's own and written by no one else).
pub(crate) fn read(dir: &Path) -> Option<Outcome> {
    identity::read_json(dir, REHEARSAL_FILE).ok().flatten()
}

/// A failed outcome as a refusal, for `destroy --purge-volume`.
pub(crate) fn refusal(outcome: &Outcome) -> Error {
    Error::RehearsalFailed {
        summary: outcome.summary(),
    }
}
