//! Which signer a watch-only node's wallet was made for, recorded in its
//! secrets directory (`watchonly-signer.json`, 0600) when lsm creates the
//! wallet, or once lnd confirmed an older wallet is the bundle's. While lnd
//! does not answer, the node's own wallet cannot be asked whose it is; this
//! record can, so a bundle of another wallet is refused before its
//! credentials are written and lnd starts with them.

use super::{Error, SignerLink};
use crate::wallet::files::WATCHONLY_RECORD_FILE;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What the wallet was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub signer: String,
    pub network: String,
    /// The signer's identity pubkey, when the bundle recorded it.
    pub identity_pubkey: Option<String>,
    /// Derivation path (`m/84'/1'/0'`) → extended public key.
    pub accounts: BTreeMap<String, String>,
}

impl Record {
    pub(crate) fn of(link: &SignerLink) -> Record {
        let b = &link.bundle;
        Record {
            signer: b.signer.clone(),
            network: b.network.to_string(),
            identity_pubkey: b.identity_pubkey.clone(),
            accounts: b
                .accounts
                .iter()
                .map(|a| {
                    (
                        format!("m/{}'/{}'/{}'", a.purpose, a.coin_type, a.account),
                        a.xpub.clone(),
                    )
                })
                .collect(),
        }
    }

    /// Whether `other` describes the same wallet: the same identity when
    /// both know it, else no shared derivation path with another key. A
    /// bundle that adds accounts (a newer signer) is the same wallet.
    pub(crate) fn same_wallet(&self, other: &Record) -> bool {
        if let (Some(a), Some(b)) = (&self.identity_pubkey, &other.identity_pubkey) {
            return a == b;
        }
        self.accounts
            .iter()
            .all(|(path, xpub)| other.accounts.get(path).is_none_or(|o| o == xpub))
    }

    /// A short stable digest for the observed state (no secrets in it).
    pub(crate) fn digest(&self) -> String {
        crate::secrets::sha256_hex(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }
}

/// The record in `dir`: `None` when there is none, an error text when it
/// cannot be read.
pub(crate) fn observe(dir: &Path) -> Option<Result<Record, String>> {
    let path = dir.join(WATCHONLY_RECORD_FILE);
    match crate::regular_file::read(&path, 256 * 1024) {
        Err(crate::regular_file::ReadError::NotFound) => None,
        Err(e) => Some(Err(format!("{}: {e}", path.display()))),
        Ok(bytes) => {
            Some(serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())))
        }
    }
}

/// Writes the record for `link` (atomically, 0600).
pub(crate) fn write(
    files: &crate::wallet::files::WalletFiles,
    link: &SignerLink,
) -> Result<(), Error> {
    files.prepare_dir()?;
    let mut bytes = serde_json::to_vec_pretty(&Record::of(link)).unwrap_or_default();
    bytes.push(b'\n');
    let path = files.dir.join(WATCHONLY_RECORD_FILE);
    crate::fsutil::atomic_write(
        &path,
        &bytes,
        crate::secrets::FILE_MODE,
        crate::fsutil::Existing::Replace,
    )
    .map_err(|source| Error::Write { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(identity: Option<&str>, accounts: &[(&str, &str)]) -> Record {
        Record {
            signer: "s".into(),
            network: "regtest".into(),
            identity_pubkey: identity.map(String::from),
            accounts: accounts
                .iter()
                .map(|(p, x)| (p.to_string(), x.to_string()))
                .collect(),
        }
    }

    #[test]
    fn more_accounts_are_the_same_wallet_another_key_is_not() {
        let made = record(
            None,
            &[("m/84'/1'/0'", "vpubA"), ("m/1017'/1'/0'", "tpubA")],
        );
        let more = record(
            None,
            &[
                ("m/84'/1'/0'", "vpubA"),
                ("m/1017'/1'/0'", "tpubA"),
                ("m/86'/1'/0'", "tpubT"),
            ],
        );
        assert!(made.same_wallet(&more));
        let other = record(
            None,
            &[("m/84'/1'/0'", "vpubB"), ("m/1017'/1'/0'", "tpubA")],
        );
        assert!(!made.same_wallet(&other));
        // The identity decides when both records know it.
        let a = record(Some("02aa"), &[("m/84'/1'/0'", "vpubA")]);
        let b = record(Some("02bb"), &[("m/84'/1'/0'", "vpubA")]);
        assert!(!a.same_wallet(&b));
        assert!(a.same_wallet(&record(Some("02aa"), &[])));
    }
}
