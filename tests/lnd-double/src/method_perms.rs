//! lnd v0.20.0-beta's method → permission map (data/lnd_permissions.txt):
//! what each RPC requires of a macaroon, what ListPermissions returns, and
//! which `uri:` permissions BakeMacaroon accepts. It covers every method
//! of a release build, not only those the double serves, so a macaroon
//! baked for e.g. `uri:/signrpc.Signer/SignMessage` is accepted as lnd
//! would accept it.

use lsm_lnd::permissions::Permission;
use std::collections::BTreeMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../data/lnd_permissions.txt");

static MAP: LazyLock<BTreeMap<&'static str, Vec<Permission>>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| l.starts_with('/'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let method = parts.next()?;
            let perms = parts
                .filter_map(|p| p.split_once(':'))
                .map(|(e, a)| Permission::new(e, a))
                .collect();
            Some((method, perms))
        })
        .collect()
});

/// The permissions `method` requires, `None` for a method lnd does not know.
pub fn required(method: &str) -> Option<&'static [Permission]> {
    MAP.get(method).map(Vec::as_slice)
}

pub fn all() -> &'static BTreeMap<&'static str, Vec<Permission>> {
    &MAP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_methods_lsm_cares_about() {
        let p = |m: &str| -> Vec<String> {
            required(m).unwrap().iter().map(|p| p.to_string()).collect()
        };
        assert_eq!(p("/lnrpc.Lightning/GetInfo"), ["info:read"]);
        assert_eq!(p("/walletrpc.WalletKit/ListAccounts"), ["onchain:read"]);
        assert_eq!(p("/lnrpc.Lightning/BakeMacaroon"), ["macaroon:generate"]);
        assert_eq!(p("/lnrpc.Lightning/ListMacaroonIDs"), ["macaroon:read"]);
        assert_eq!(p("/lnrpc.Lightning/DeleteMacaroonID"), ["macaroon:write"]);
        assert_eq!(p("/lnrpc.Lightning/ListPermissions"), ["info:read"]);
        assert_eq!(p("/signrpc.Signer/SignMessage"), ["signer:generate"]);
        assert_eq!(p("/walletrpc.WalletKit/SignPsbt"), ["onchain:write"]);
        assert!(required("/lnrpc.State/GetState").is_none());
        assert_eq!(all().len(), 164);
    }
}
