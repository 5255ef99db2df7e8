//! Reading the signer's credentials bundle on the watch-only side: the
//! directory or the `.tar.gz.b64` that crossed machines. The bundle is
//! checked exactly as `lsm bundle verify` checks it, and refused on any
//! problem: a watch-only wallet made from another wallet's or a partial
//! set of accounts is broken for good (lnd accepts it, then exits).

use crate::bundle::accounts::AccountsJson;
use crate::bundle::bundle_json::BundleJson;
use crate::bundle::verify::{self, VerifyOptions, VerifyReport};
use crate::bundle::{ACCOUNTS_FILE, BUNDLE_JSON_FILE, TLS_CERT_FILE};
use crate::error::Failure;
use crate::lnd::proto::lnrpc::WatchOnlyAccount;
use crate::secrets::SecretBytes;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The lnd account family whose 256 accounts a watch-only wallet must
/// have: without any one of them lnd exits at start ("address manager is
/// watching-only"), and the wallet stays broken across restarts.
const LN_KEY_PURPOSE: u32 = 1017;
const LN_KEY_ACCOUNTS: u32 = 256;

/// A verified bundle, as the watch-only node uses it.
#[derive(Clone)]
pub(crate) struct Imported {
    /// Where it was read from, for messages.
    pub source: PathBuf,
    pub json: BundleJson,
    /// The accounts for a watch-only InitWallet, in accounts.json's order.
    pub accounts: Vec<WatchOnlyAccount>,
    /// The signer's certificate (PEM): the pin.
    pub tls_cert_pem: Vec<u8>,
    pub macaroon: SecretBytes,
}

impl std::fmt::Debug for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imported")
            .field("source", &self.source)
            .field("signer", &self.json.signer)
            .field("accounts", &self.accounts.len())
            .field("tls_cert", &crate::secrets::fingerprint(&self.tls_cert_pem))
            .field("macaroon", &crate::secrets::fingerprint(&self.macaroon))
            .finish()
    }
}

impl Imported {
    /// Reads and verifies the bundle at `path` (a directory or an archive).
    pub(crate) fn read(path: &Path) -> Result<Imported, Failure> {
        let (report, files) = read_files(path)?;
        if !report.ok {
            return Err(Failure::error(format!(
                "the bundle {} cannot be imported: {}",
                path.display(),
                report.problems.join("; ")
            ))
            .hint("export it again on the signer (`lsm apply` there), then copy it here"));
        }
        let problem = |what: String| {
            Failure::error(format!(
                "the bundle {} cannot be imported: {what}",
                path.display()
            ))
            .hint("export it again on the signer (`lsm apply` there), then copy it here")
        };
        let take = |name: &str| {
            files
                .get(name)
                .map(|b| b.to_vec())
                .ok_or_else(|| problem(format!("{name} is missing")))
        };
        let json = BundleJson::parse(&take(BUNDLE_JSON_FILE)?)
            .map_err(|e| problem(format!("bundle.json: {e}")))?;
        let accounts = AccountsJson::parse(&take(ACCOUNTS_FILE)?)
            .map_err(|e| problem(format!("accounts.json: {e}")))?;
        let accounts = watch_only_accounts(&accounts).map_err(problem)?;
        let tls_cert_pem = take(TLS_CERT_FILE)?;
        let macaroon = SecretBytes::from(take(&json.macaroon_file)?);
        Ok(Imported {
            source: path.to_path_buf(),
            json,
            accounts,
            tls_cert_pem,
            macaroon,
        })
    }

    /// The signer's identity pubkey, when bundle.json records it (format 2).
    pub(crate) fn json_identity(&self) -> Option<&str> {
        None
    }

    /// The wallet birthday (unix seconds) bundle.json records, if any.
    pub(crate) fn birthday(&self) -> Option<u64> {
        self.json.wallet_birthday.as_ref().map(|b| b.unix)
    }
}

/// The bundle's files, read once, and the verdict of `bundle verify` on them.
fn read_files(path: &Path) -> Result<(VerifyReport, BTreeMap<String, Vec<u8>>), Failure> {
    let opts = VerifyOptions::default();
    let cannot = |why: String| {
        Failure::error(format!("cannot read the bundle {}: {why}", path.display()))
            .hint("set [bundle] path to the signer's bundle directory or its .tar.gz.b64 file")
    };
    let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
    if meta.is_dir() {
        let report = verify::verify_dir(path, &opts).map_err(|e| cannot(e.to_string()))?;
        let layout =
            crate::bundle::BundleLayout::new(path, false).map_err(|e| cannot(e.to_string()))?;
        let observed = crate::bundle::observe(&layout).map_err(|e| cannot(e.to_string()))?;
        let files = observed
            .files
            .into_iter()
            .map(|(n, f)| (n, f.bytes.to_vec()))
            .collect();
        return Ok((report, files));
    }
    let limit = crate::bundle::observe::MAX_FILE_BYTES;
    let text = crate::regular_file::read(path, limit).map_err(|e| cannot(e.to_string()))?;
    let report = verify::verify_archive(&path.display().to_string(), &text, &opts);
    let files = crate::bundle::archive::extract(&text)
        .map(|entries| entries.into_iter().map(|(n, b)| (n, b.to_vec())).collect())
        .unwrap_or_default();
    Ok((report, files))
}

/// accounts.json as InitWallet's watch-only accounts: purpose, coin type
/// and account from each derivation path. Refuses a set lnd would accept
/// and then fail on: any of the 256 lnd key accounts missing.
fn watch_only_accounts(a: &AccountsJson) -> Result<Vec<WatchOnlyAccount>, String> {
    let mut out = Vec::with_capacity(a.accounts.len());
    for acc in &a.accounts {
        let (purpose, coin_type, account) = parse_path(&acc.derivation_path).ok_or_else(|| {
            format!(
                "accounts.json: account {:?} has the derivation path {:?}, not m/purpose'/coin'/account'",
                acc.name, acc.derivation_path
            )
        })?;
        out.push(WatchOnlyAccount {
            purpose,
            coin_type,
            account,
            xpub: acc.extended_public_key.clone(),
        });
    }
    let missing: Vec<u32> = (0..LN_KEY_ACCOUNTS)
        .filter(|n| {
            !out.iter()
                .any(|a| a.purpose == LN_KEY_PURPOSE && a.account == *n)
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "accounts.json lacks {} of lnd's {LN_KEY_ACCOUNTS} key accounts m/{LN_KEY_PURPOSE}'/…/n' \
             (first missing: {}); lnd would accept such a watch-only wallet and then refuse to \
             start with it, for good",
            missing.len(),
            missing[0]
        ));
    }
    Ok(out)
}

/// `m/84'/0'/0'` → (84, 0, 0); every level hardened.
fn parse_path(path: &str) -> Option<(u32, u32, u32)> {
    let mut parts = path.strip_prefix("m/")?.split('/');
    let mut next = || -> Option<u32> { parts.next()?.strip_suffix('\'')?.parse().ok() };
    let v = (next()?, next()?, next()?);
    parts.next().is_none().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::accounts::AccountJson;

    fn account(path: &str) -> AccountJson {
        AccountJson {
            name: "default".into(),
            address_type: "WITNESS_PUBKEY_HASH".into(),
            extended_public_key: format!("xpub-{path}"),
            master_key_fingerprint: String::new(),
            derivation_path: path.into(),
            external_key_count: 0,
            internal_key_count: 0,
            watch_only: false,
        }
    }

    #[test]
    fn derivation_paths_parse_only_as_three_hardened_levels() {
        assert_eq!(parse_path("m/84'/0'/0'"), Some((84, 0, 0)));
        assert_eq!(parse_path("m/1017'/1'/255'"), Some((1017, 1, 255)));
        for bad in [
            "84'/0'/0'",
            "m/84/0'/0'",
            "m/84'/0'",
            "m/84'/0'/0'/1'",
            "m/x'/0'/0'",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_lnd_key_account_is_required() {
        let mut all: Vec<AccountJson> = vec![account("m/84'/1'/0'")];
        all.extend((0..256).map(|n| account(&format!("m/1017'/1'/{n}'"))));
        let ok = watch_only_accounts(&AccountsJson {
            accounts: all.clone(),
        })
        .unwrap();
        assert_eq!(ok.len(), 257);
        assert_eq!((ok[0].purpose, ok[0].coin_type, ok[0].account), (84, 1, 0));
        all.remove(256);
        let err = watch_only_accounts(&AccountsJson { accounts: all }).unwrap_err();
        assert!(
            err.contains("lacks 1 of lnd's 256") && err.contains("first missing: 255"),
            "{err}"
        );
    }
}
