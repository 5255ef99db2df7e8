//! accounts.json as `lncli createwatchonly` and a watch-only lnd need it
//! (lnd-facts §1.4, §7, §8): lncli's strict format; account 0 of the
//! default scopes 49'/84'/86' (coin type 0) and accounts 0–255 of the
//! internal scope 1017' (coin type 0 on mainnet, 1 elsewhere); every key an
//! account-level (depth 3) extended *public* key whose version bytes —
//! decoded from base58check, not guessed from the first letters — match
//! the network.

use super::{Files, Findings};
use crate::bundle::ACCOUNTS_FILE;
use crate::bundle::accounts::AccountsJson;
use crate::bundle::network::{Network, version};
use bip32::{ChildNumber, ExtendedKey, XPub};
use std::collections::BTreeSet;
use std::str::FromStr;

/// Account indices lnd creates under 1017'.
pub(crate) const INTERNAL_ACCOUNTS: u32 = 256;
pub(crate) const DEFAULT_SCOPES: [u32; 3] = [49, 84, 86];
pub(crate) const INTERNAL_SCOPE: u32 = 1017;

/// Runs the checks; returns the one-line summary.
pub(super) fn check(files: &Files, network: Option<Network>, f: &mut Findings) -> String {
    let Some(bytes) = files.get(ACCOUNTS_FILE) else {
        return f.skip("accounts.json is missing");
    };
    let parsed = match AccountsJson::parse(bytes) {
        Ok(a) => a,
        Err(e) => {
            f.problem(format!(
                "accounts.json is not in the format lncli createwatchonly accepts: {e}"
            ));
            return String::new();
        }
    };
    if parsed.accounts.is_empty() {
        f.problem("accounts.json lists no accounts (lncli createwatchonly refuses that)");
        return String::new();
    }

    // Problems that hit many accounts are grouped: one line per kind, in
    // the order they first occur.
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen: BTreeSet<(u32, u32, u32)> = BTreeSet::new();
    for (i, acct) in parsed.accounts.iter().enumerate() {
        let path = &acct.derivation_path;
        let Some((purpose, coin, index)) = parse_path(path) else {
            f.problem(format!(
                "accounts.json: account #{} ({}) has derivation path {path:?}, not m/purpose'/coin'/account'",
                i + 1,
                acct.name
            ));
            continue;
        };
        if !seen.insert((purpose, coin, index)) {
            f.problem(format!("accounts.json lists {path} more than once"));
        }
        let required = is_required(purpose, coin, index, network);
        if let Err(kind) = check_key(&acct.extended_public_key, purpose, index, network, required) {
            if kind.starts_with("holds a PRIVATE key") {
                // Never grouped away: this one leaks the signer's keys.
                f.problem(format!("accounts.json: {path} {kind}"));
            } else {
                match grouped.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, paths)) => paths.push(path.clone()),
                    None => grouped.push((kind, vec![path.clone()])),
                }
            }
        }
    }
    for (kind, paths) in grouped {
        f.problem(format!("accounts.json: {} {kind}", list_paths(&paths)));
    }

    let Some(net) = network else {
        f.warn("the network is unknown (no bundle.json, no --network), so the account set and xpub versions were not checked against it");
        return format!("{} accounts", parsed.accounts.len());
    };
    // Measured on lnd v0.20 (watch-only research §3): without one of
    // these the node runs, but `newaddress` of that type fails.
    for purpose in DEFAULT_SCOPES {
        if !seen.contains(&(purpose, 0, 0)) {
            f.warn(format!(
                "accounts.json is missing m/{purpose}'/0'/0' ({}): the watch-only node runs, but \
                 cannot make {} addresses (lnd: account 0 not found)",
                scope_name(purpose),
                scope_name(purpose)
            ));
        }
    }
    let coin = net.internal_coin_type();
    let missing: Vec<u32> = (0..INTERNAL_ACCOUNTS)
        .filter(|i| !seen.contains(&(INTERNAL_SCOPE, coin, *i)))
        .collect();
    if !missing.is_empty() {
        // Measured: lnd's InitWallet accepts such a set and returns
        // success, then lnd exits ("address manager is watching-only") at
        // every start: the watch-only wallet is broken for good.
        f.problem(format!(
            "accounts.json is missing {} of lnd's {INTERNAL_ACCOUNTS} internal accounts \
             m/1017'/{coin}'/N' for {net}: N = {}; a watch-only wallet created without them \
             never starts (lnd: address manager is watching-only), even after a restart",
            missing.len(),
            ranges(&missing)
        ));
    }
    let other_coin = 1 - coin;
    let foreign = seen
        .iter()
        .filter(|(p, c, _)| *p == INTERNAL_SCOPE && *c == other_coin)
        .count();
    if foreign > 0 {
        f.problem(format!(
            "accounts.json has {foreign} m/1017'/{other_coin}'/… accounts, which belong to {} — \
             exported from a signer on another network?",
            if other_coin == 0 {
                "mainnet"
            } else {
                "a test network"
            }
        ));
    }
    format!(
        "{} accounts: 49'/84'/86' account 0 and 1017'/{coin}' accounts 0–255 with {net} key versions",
        parsed.accounts.len()
    )
}

fn scope_name(purpose: u32) -> &'static str {
    match purpose {
        49 => "np2wkh",
        84 => "p2wkh",
        86 => "p2tr",
        _ => "internal keys",
    }
}

fn is_required(purpose: u32, coin: u32, index: u32, network: Option<Network>) -> bool {
    match purpose {
        49 | 84 | 86 => coin == 0 && index == 0,
        INTERNAL_SCOPE => {
            network.is_none_or(|n| n.internal_coin_type() == coin) && index < INTERNAL_ACCOUNTS
        }
        _ => false,
    }
}

/// `m/P'/C'/A'` → (P, C, A); every level must be hardened, as lnd's are.
pub(crate) fn parse_path(path: &str) -> Option<(u32, u32, u32)> {
    let rest = path.strip_prefix("m/")?;
    let levels: Vec<u32> = rest
        .split('/')
        .map(|l| l.strip_suffix('\'')?.parse().ok())
        .collect::<Option<_>>()?;
    match levels[..] {
        [p, c, a] if a < ChildNumber::HARDENED_FLAG => Some((p, c, a)),
        _ => None,
    }
}

/// Checks one extended key; `Err` is the problem (without the path).
fn check_key(
    text: &str,
    purpose: u32,
    index: u32,
    network: Option<Network>,
    required: bool,
) -> Result<(), String> {
    let key = ExtendedKey::from_str(text)
        .map_err(|_| "is not a valid base58check extended key".to_string())?;
    let v = key.prefix.version();
    if version::is_private(v) || key.prefix.is_private() {
        return Err(
            "holds a PRIVATE key: whoever gets this bundle can spend — delete it and never share it"
                .into(),
        );
    }
    if key.attrs.depth != 3 {
        return Err(format!(
            "has a key at depth {}, not 3 (account level)",
            key.attrs.depth
        ));
    }
    let child = key.attrs.child_number;
    if !child.is_hardened() || child.index() != index {
        return Err("has a key that is not the path's account key".into());
    }
    XPub::try_from(key.clone())
        .map_err(|_| "has a key that is not a valid secp256k1 point".to_string())?;
    if let (true, Some(net)) = (required, network)
        && let Some(want) = net.xpub_version(purpose)
        && v != want
    {
        return Err(format!(
            "has {} keys (version 0x{v:08x}) where {net} needs {} (0x{want:08x})",
            version::name(v).unwrap_or("unknown-version"),
            version::name(want).unwrap_or("?"),
        ));
    }
    Ok(())
}

/// "m/86'/0'/0'" or "m/1017'/1'/0', m/1017'/1'/1', … (256 accounts)".
fn list_paths(paths: &[String]) -> String {
    match paths {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        _ => format!("{}, {}, … ({} accounts)", paths[0], paths[1], paths.len()),
    }
}

/// `[0,1,2,5,7,8]` → "0–2, 5, 7–8".
fn ranges(ns: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ns.len() {
        let start = ns[i];
        let mut end = start;
        while i + 1 < ns.len() && ns[i + 1] == end + 1 {
            i += 1;
            end = ns[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_ranges() {
        assert_eq!(parse_path("m/1017'/1'/6'"), Some((1017, 1, 6)));
        assert_eq!(parse_path("m/84'/0'/0"), None);
        assert_eq!(parse_path("m/84'/0'"), None);
        assert_eq!(parse_path("84'/0'/0'"), None);
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0–2, 5, 7–8");
        assert_eq!(ranges(&[3]), "3");
    }

    #[test]
    fn version_constants_agree_with_bip32() {
        use bip32::Prefix;
        assert_eq!(Prefix::XPUB.version(), version::XPUB);
        assert_eq!(Prefix::YPUB.version(), version::YPUB);
        assert_eq!(Prefix::ZPUB.version(), version::ZPUB);
        assert_eq!(Prefix::TPUB.version(), version::TPUB);
    }

    #[test]
    fn keys_are_judged_by_their_bytes() {
        let xprv =
            bip32::XPrv::derive_from_path(&[1u8; 32], &"m/86'/0'/2'".parse().unwrap()).unwrap();
        let xpub = xprv.public_key().to_string(bip32::Prefix::XPUB);
        let xpub = xpub.as_str();
        let main = Some(Network::Mainnet);
        assert_eq!(check_key(xpub, 86, 2, main, true), Ok(()));
        assert!(
            check_key(xpub, 84, 2, main, true)
                .unwrap_err()
                .contains("needs zpub")
        );
        assert!(check_key(xpub, 86, 3, main, true).is_err());
        // Relabelling the text does not make it a tpub (the checksum breaks).
        let relabelled = format!("tpub{}", &xpub[4..]);
        assert!(check_key(&relabelled, 86, 2, Some(Network::Regtest), true).is_err());
        let private = xprv.to_string(bip32::Prefix::XPRV);
        assert!(
            check_key(&private, 86, 2, main, true)
                .unwrap_err()
                .contains("PRIVATE")
        );
    }
}
