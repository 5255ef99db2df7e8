//! A credentials bundle as a watch-only node takes it in: read from its
//! directory or its `.tar.gz.b64` archive, checked exactly as
//! `lsm bundle verify` checks it (any problem refuses it, every problem
//! listed), and handed over typed — the endpoint to dial, the pinned
//! certificate, the macaroon, and the accounts lnd's watch-only
//! InitWallet needs.
//!
//! The account rules are those measured on lnd v0.20 (watch-only research
//! §3): all 256 internal accounts m/1017'/coin'/0..255' must be there, or
//! the watch-only wallet lnd creates never starts; a missing 49'/84'/86'
//! account only disables that address type (a warning).

use crate::bundle::accounts::AccountsJson;
use crate::bundle::bundle_json::BundleJson;
use crate::bundle::network::Network;
use crate::bundle::verify::accounts::{INTERNAL_ACCOUNTS, INTERNAL_SCOPE, parse_path};
use crate::bundle::verify::{self, Files, VerifyOptions, VerifyReport};
use crate::bundle::{ACCOUNTS_FILE, BUNDLE_JSON_FILE, Error, TLS_CERT_FILE};
use crate::lnd::fingerprint::sha256_hex;
use std::path::Path;
use zeroize::Zeroizing;

/// One account for lnd's watch-only InitWallet (`watch_only.accounts[]`):
/// purpose, coin type and account index parsed from the derivation path
/// (`m/84'/0'/0'`), and the extended public key exactly as the signer
/// exported it (SLIP-132 prefixes such as `vpub` are accepted by lnd).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchOnlyAccount {
    pub purpose: u32,
    pub coin_type: u32,
    pub account: u32,
    pub xpub: String,
    /// lnd's address type name (`WITNESS_PUBKEY_HASH`, ...), for display.
    pub address_type: String,
    /// The account name (`default`, `act:1`, ...), for display.
    pub name: String,
}

/// A verified bundle. `Debug` shows the macaroon's fingerprint, never it.
#[derive(Clone)]
pub struct ImportedBundle {
    /// What was read: the directory or archive path.
    pub source: String,
    pub format_version: u32,
    /// `[signer] name` of the signer that exported it.
    pub signer: String,
    pub network: Network,
    /// host:port for `remotesigner.rpchost`.
    pub rpc_endpoint: String,
    /// The signer's node identity (compressed hex); `None` in a format-1
    /// bundle (or one `lsm export` made without info:read).
    pub identity_pubkey: Option<String>,
    /// The wallet's master key fingerprint, 8 hex digits, when recorded.
    pub master_key_fingerprint: Option<String>,
    /// Unix seconds, when recorded (`master_key_birthday_timestamp`).
    pub wallet_birthday: Option<u64>,
    /// Every account of accounts.json, in its order.
    pub accounts: Vec<WatchOnlyAccount>,
    /// tls.cert, byte for byte (`remotesigner.tlscertpath`).
    pub tls_cert_pem: Vec<u8>,
    /// The macaroon (`remotesigner.macaroonpath`), binary; wiped on drop.
    pub macaroon: Zeroizing<Vec<u8>>,
    /// Its file name in the bundle (`signer-only.macaroon`, ...).
    pub macaroon_file: String,
    /// `signer-only`, `admin` or `custom`.
    pub scope: String,
    /// `entity:action`, as the macaroon grants.
    pub permissions: Vec<String>,
    /// sha256 of tls.cert's bytes (as bundle.json records it), lowercase hex.
    pub tls_cert_sha256: String,
    /// sha256 of the macaroon's bytes, lowercase hex: show this, never it.
    pub macaroon_sha256: String,
    /// What `lsm bundle verify` warned about (nothing that refuses it).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for ImportedBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportedBundle")
            .field("source", &self.source)
            .field("network", &self.network)
            .field("rpc_endpoint", &self.rpc_endpoint)
            .field("identity_pubkey", &self.identity_pubkey)
            .field("accounts", &self.accounts.len())
            .field("macaroon_file", &self.macaroon_file)
            .field("macaroon_sha256", &self.macaroon_sha256)
            .finish_non_exhaustive()
    }
}

impl ImportedBundle {
    /// Reads and verifies the bundle at `path`: a bundle directory or its
    /// `.tar.gz.b64` archive (a regular file, read within the archive
    /// limits). Refused with [`Error::Rejected`] when
    /// `lsm bundle verify` would report any problem.
    pub fn read(path: &Path) -> Result<ImportedBundle, Error> {
        Self::read_with(path, &VerifyOptions::default())
    }

    /// [`read`](Self::read) with explicit options (network, "now").
    pub fn read_with(path: &Path, opts: &VerifyOptions) -> Result<ImportedBundle, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        if meta.is_dir() {
            let (report, files) = verify::verify_dir_files(path, opts)?;
            return Self::accept(report, &files);
        }
        let limit = crate::bundle::observe::MAX_FILE_BYTES;
        let text = crate::regular_file::read(path, limit).map_err(|e| match e {
            crate::regular_file::ReadError::TooLarge { limit } => Error::TooLarge {
                path: path.to_path_buf(),
                limit,
            },
            other => Error::BadPath {
                path: path.to_path_buf(),
                why: format!("{other}; pass a bundle directory or its .tar.gz.b64 archive"),
            },
        })?;
        Self::read_archive_text(&path.display().to_string(), &text, opts)
    }

    /// Verifies and takes in archive text (base64 tar.gz) from `source`,
    /// e.g. pasted by an operator.
    pub fn read_archive_text(
        source: &str,
        text: &[u8],
        opts: &VerifyOptions,
    ) -> Result<ImportedBundle, Error> {
        let (report, files) = verify::verify_archive_files(source, text, opts);
        Self::accept(report, &files)
    }

    /// A bundle whose report has no problem, typed.
    fn accept(report: VerifyReport, files: &Files) -> Result<ImportedBundle, Error> {
        let rejected = |problems: Vec<String>| Error::Rejected {
            bundle: report.source.clone(),
            problems,
        };
        if !report.ok {
            return Err(rejected(report.problems.clone()));
        }
        // Verified: every file is there and parses. Checked again all the
        // same, so a relaxed check can never hand out half a bundle.
        let file = |name: &str| {
            files
                .get(name)
                .ok_or_else(|| rejected(vec![format!("{name} is missing")]))
        };
        let json = BundleJson::parse(file(BUNDLE_JSON_FILE)?)
            .map_err(|e| rejected(vec![format!("bundle.json is not valid: {e}")]))?;
        let network: Network = json
            .network
            .parse()
            .map_err(|e| rejected(vec![format!("bundle.json: {e}")]))?;
        let accounts =
            watch_only_accounts(file(ACCOUNTS_FILE)?, network).map_err(|p| rejected(vec![p]))?;
        let cert = file(TLS_CERT_FILE)?;
        let macaroon = file(&json.macaroon_file)?;
        Ok(ImportedBundle {
            source: report.source.clone(),
            format_version: json.format_version,
            signer: json.signer,
            network,
            rpc_endpoint: json.rpc_endpoint,
            identity_pubkey: json.identity_pubkey,
            master_key_fingerprint: json.master_key_fingerprint,
            wallet_birthday: json.wallet_birthday.map(|b| b.unix),
            accounts,
            tls_cert_sha256: sha256_hex(cert),
            tls_cert_pem: cert.to_vec(),
            macaroon_sha256: sha256_hex(macaroon),
            macaroon: Zeroizing::new(macaroon.to_vec()),
            macaroon_file: json.macaroon_file,
            scope: json.scope,
            permissions: json.permissions,
            warnings: report.warnings,
        })
    }

    /// The fingerprint as InitWallet's `master_key_fingerprint` bytes.
    pub fn master_key_fingerprint_bytes(&self) -> Option<[u8; 4]> {
        let bytes = hex::decode(self.master_key_fingerprint.as_deref()?).ok()?;
        bytes.try_into().ok()
    }
}

/// accounts.json as InitWallet's accounts; refuses a set without all 256
/// internal accounts of the network's coin type.
fn watch_only_accounts(bytes: &[u8], network: Network) -> Result<Vec<WatchOnlyAccount>, String> {
    let parsed = AccountsJson::parse(bytes).map_err(|e| format!("accounts.json: {e}"))?;
    let mut out = Vec::with_capacity(parsed.accounts.len());
    for a in parsed.accounts {
        let (purpose, coin_type, account) = parse_path(&a.derivation_path).ok_or_else(|| {
            format!(
                "accounts.json: derivation path {:?} is not m/purpose'/coin'/account'",
                a.derivation_path
            )
        })?;
        out.push(WatchOnlyAccount {
            purpose,
            coin_type,
            account,
            xpub: a.extended_public_key,
            address_type: a.address_type,
            name: a.name,
        });
    }
    let coin = network.internal_coin_type();
    let internal = (0..INTERNAL_ACCOUNTS)
        .filter(|i| {
            out.iter()
                .any(|a| (a.purpose, a.coin_type, a.account) == (INTERNAL_SCOPE, coin, *i))
        })
        .count();
    if internal != INTERNAL_ACCOUNTS as usize {
        return Err(format!(
            "accounts.json has {internal} of the {INTERNAL_ACCOUNTS} internal accounts \
             m/1017'/{coin}'/N' a watch-only wallet needs"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
