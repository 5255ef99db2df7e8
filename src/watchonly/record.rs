//! Which signer a watch-only node's wallet was made for, recorded in its
//! secrets directory when lsm creates the wallet (`watchonly-signer.json`,
//! 0600). While lnd does not answer, the node's own wallet cannot be asked
//! whose it is; this record can, so a bundle of another signer is refused
//! before its credentials are written and lnd starts with them.

use super::SignerLink;
use crate::error::Failure;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The record's file name in the secrets directory.
pub(crate) const RECORD_FILE: &str = "watchonly-signer.json";

/// What the wallet was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub signer: String,
    pub network: String,
    /// The signer's identity pubkey, when the bundle recorded it.
    pub identity_pubkey: Option<String>,
    /// sha256 over the accounts' derivation paths and xpubs.
    pub accounts_sha256: String,
}

impl Record {
    pub(crate) fn of(link: &SignerLink) -> Record {
        let b = &link.bundle;
        let mut lines: Vec<String> = b
            .accounts
            .iter()
            .map(|a| format!("{}/{}/{} {}", a.purpose, a.coin_type, a.account, a.xpub))
            .collect();
        lines.sort();
        Record {
            signer: b.signer.clone(),
            network: b.network.to_string(),
            identity_pubkey: b.identity_pubkey.clone(),
            accounts_sha256: crate::secrets::sha256_hex(lines.join("\n").as_bytes()),
        }
    }

    /// Whether `other` describes the same wallet: the same accounts (the
    /// identity and name may be missing from an older bundle).
    pub(crate) fn same_wallet(&self, other: &Record) -> bool {
        self.accounts_sha256 == other.accounts_sha256
    }
}

/// The record in `dir`: `None` when there is none, an error text when it
/// cannot be read.
pub(crate) fn observe(dir: &Path) -> Option<Result<Record, String>> {
    let path = dir.join(RECORD_FILE);
    match crate::regular_file::read(&path, 64 * 1024) {
        Err(crate::regular_file::ReadError::NotFound) => None,
        Err(e) => Some(Err(format!("{}: {e}", path.display()))),
        Ok(bytes) => {
            Some(serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())))
        }
    }
}

/// Writes the record for `link` (atomically, 0600), once the wallet exists.
pub(crate) fn write(
    files: &crate::wallet::files::WalletFiles,
    link: &SignerLink,
) -> Result<(), Failure> {
    files.prepare_dir()?;
    let mut bytes = serde_json::to_vec_pretty(&Record::of(link)).unwrap_or_default();
    bytes.push(b'\n');
    let path = files.dir.join(RECORD_FILE);
    crate::fsutil::atomic_write(
        &path,
        &bytes,
        crate::secrets::FILE_MODE,
        crate::fsutil::Existing::Replace,
    )
    .map_err(|e| Failure::error(format!("cannot write {}: {e}", path.display())))
}
