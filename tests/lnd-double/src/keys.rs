//! The keys a fresh lnd signer has (lnd-facts §1.4, §7, §8): one `default`
//! account in each of the BIP49+, BIP84 and BIP86 scopes (coin type 0 on
//! every network), and accounts 0–255 of lnd's internal scope
//! m/1017'/C' (C = 0 on mainnet, 1 elsewhere), all as depth-3 xpubs with
//! btcwallet's SLIP-132 versions. The identity key is key family 6,
//! index 0: m/1017'/C'/6'/0/0. Derived once at unlock (hardened derivation
//! of 259 accounts) and cached.

use crate::network::Network;
use bip32::{ChildNumber, Prefix, XPrv, XPub};
use lsm_lnd::proto::walletrpc::AddressType;

/// lnd's key family of the node identity key.
pub const KEY_FAMILY_NODE_KEY: u32 = 6;
const INTERNAL_PURPOSE: u32 = 1017;
const INTERNAL_ACCOUNTS: u32 = 256;

/// One account as ListAccounts reports it.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub address_type: AddressType,
    pub extended_public_key: String,
    pub derivation_path: String,
}

/// Everything derived from the master key at unlock.
#[derive(Debug, Clone)]
pub struct DerivedKeys {
    /// In lnd's order: 49, 84, 86, then 1017 accounts 0–255.
    pub accounts: Vec<Account>,
    /// 33-byte compressed identity public key.
    pub identity_pubkey: [u8; 33],
    /// The identity private key, for lnrpc SignMessage.
    pub node_key: bip32::secp256k1::ecdsa::SigningKey,
}

pub fn derive(master: &XPrv, network: Network) -> Result<DerivedKeys, String> {
    let (p49, p84, p_other) = network.account_prefixes();
    let mut accounts = Vec::with_capacity(3 + INTERNAL_ACCOUNTS as usize);
    for (purpose, addr_type, prefix) in [
        (49, AddressType::HybridNestedWitnessPubkeyHash, p49),
        (84, AddressType::WitnessPubkeyHash, p84),
        (86, AddressType::TaprootPubkey, p_other),
    ] {
        let scope = derive_path(master, &[hardened(purpose)?, hardened(0)?])?;
        let acct = scope.derive_child(hardened(0)?).map_err(err)?;
        accounts.push(account(
            "default".into(),
            addr_type,
            &acct.public_key(),
            prefix,
            purpose,
            0,
            0,
        ));
    }

    let coin = network.internal_coin_type();
    let scope = derive_path(master, &[hardened(INTERNAL_PURPOSE)?, hardened(coin)?])?;
    let mut identity = None;
    for index in 0..INTERNAL_ACCOUNTS {
        let acct = scope.derive_child(hardened(index)?).map_err(err)?;
        let xpub = acct.public_key();
        if index == KEY_FAMILY_NODE_KEY {
            let node_key = acct
                .derive_child(ChildNumber(0))
                .and_then(|k| k.derive_child(ChildNumber(0)))
                .map_err(err)?;
            identity = Some((
                node_key.public_key().to_bytes(),
                node_key.private_key().clone(),
            ));
        }
        let name = if index == 0 {
            "default".to_string()
        } else {
            format!("act:{index}")
        };
        accounts.push(account(
            name,
            AddressType::WitnessPubkeyHash,
            &xpub,
            p_other,
            INTERNAL_PURPOSE,
            coin,
            index,
        ));
    }
    let (identity_pubkey, node_key) =
        identity.ok_or_else(|| "identity key not derived".to_string())?;
    Ok(DerivedKeys {
        accounts,
        identity_pubkey,
        node_key,
    })
}

fn account(
    name: String,
    address_type: AddressType,
    xpub: &XPub,
    prefix: Prefix,
    purpose: u32,
    coin: u32,
    index: u32,
) -> Account {
    Account {
        name,
        address_type,
        extended_public_key: xpub.to_string(prefix),
        derivation_path: format!("m/{purpose}'/{coin}'/{index}'"),
    }
}

fn derive_path(master: &XPrv, path: &[ChildNumber]) -> Result<XPrv, String> {
    path.iter()
        .try_fold(master.clone(), |k, c| k.derive_child(*c))
        .map_err(err)
}

fn hardened(i: u32) -> Result<ChildNumber, String> {
    ChildNumber::new(i, true).map_err(err)
}

fn err(e: bip32::Error) -> String {
    format!("key derivation failed: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_signer_has_259_accounts_in_lnd_order() {
        let master = XPrv::new(&[9u8; 16]).unwrap();
        for (network, prefixes) in [
            (Network::Mainnet, ["ypub", "zpub", "xpub", "xpub"]),
            (Network::Regtest, ["upub", "vpub", "tpub", "tpub"]),
            (Network::Simnet, ["ypub", "zpub", "spub", "spub"]),
        ] {
            let keys = derive(&master, network).unwrap();
            assert_eq!(keys.accounts.len(), 259);
            let paths: Vec<&str> = keys
                .accounts
                .iter()
                .map(|a| a.derivation_path.as_str())
                .collect();
            let c = network.internal_coin_type();
            assert_eq!(paths[0], "m/49'/0'/0'");
            assert_eq!(paths[1], "m/84'/0'/0'");
            assert_eq!(paths[2], "m/86'/0'/0'");
            assert_eq!(paths[3], format!("m/1017'/{c}'/0'"));
            assert_eq!(paths[258], format!("m/1017'/{c}'/255'"));
            for (i, a) in keys.accounts.iter().enumerate() {
                let want = prefixes[i.min(3)];
                assert!(a.extended_public_key.starts_with(want), "{i} {a:?}");
            }
            assert_eq!(keys.accounts[4].name, "act:1");
            assert_eq!(keys.accounts[258].name, "act:255");
            assert_eq!(keys.identity_pubkey.len(), 33);
        }
    }
}
