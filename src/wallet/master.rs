//! The wallet's BIP32 master key as lnd derives it from the seed: the
//! aezeed's 16 bytes of entropy are the BIP32 seed (lnd hands
//! `cipherSeed.Entropy[:]` to btcwallet, which calls
//! `hdkeychain.NewMaster`, HMAC-SHA512 keyed "Bitcoin seed"). lnd reports
//! no master key fingerprint (ListAccounts gives ""), so lsm computes it
//! from a seed.txt it holds, and checks the seed really is the wallet's by
//! deriving the node key (m/1017'/coin'/6'/0/0, key family 6) and
//! comparing it with the identity lnd reports.

use crate::bundle::network::Network;
use bip32::{ChildNumber, XPrv};

/// What the master key tells about a wallet. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MasterKey {
    /// BIP32 fingerprint: the first 4 bytes of HASH160 of the master
    /// public key, as 8 lowercase hex digits.
    pub fingerprint: String,
    /// The node identity key the wallet's GetInfo reports, compressed hex.
    pub node_pubkey: String,
}

/// lnd's key family of the node identity key (keychain.KeyFamilyNodeKey).
const NODE_KEY_FAMILY: u32 = 6;
/// lnd's key purpose (keychain.BIP0043Purpose).
const LND_PURPOSE: u32 = 1017;

/// The master key of a wallet made from `words` (no aezeed passphrase:
/// lsm never sets one) on `network`. Runs aezeed's scrypt (32 MiB).
pub(crate) fn from_words(words: &[String], network: Network) -> Result<MasterKey, String> {
    // Deciphering runs scrypt (32 MiB): a test asserts that a converged
    // signer's plan, status and apply never get here.
    crate::crashpoint!("wallet::master_from_words");
    let seed = lsm_lnd::aezeed::CipherSeed::from_mnemonic(words, b"")
        .map_err(|e| format!("the seed does not decipher: {e}"))?;
    from_entropy(&seed.entropy[..], network)
}

/// The master key of the BIP32 seed `entropy`.
pub(crate) fn from_entropy(entropy: &[u8], network: Network) -> Result<MasterKey, String> {
    let master = XPrv::new(entropy).map_err(|e| format!("no BIP32 master key: {e}"))?;
    let fingerprint = hex::encode(master.public_key().fingerprint());
    let hardened = |i: u32| ChildNumber::new(i, true);
    let path = [
        hardened(LND_PURPOSE),
        hardened(network.internal_coin_type()),
        hardened(NODE_KEY_FAMILY),
        ChildNumber::new(0, false),
        ChildNumber::new(0, false),
    ];
    let mut key = master;
    for child in path {
        key = child
            .and_then(|c| key.derive_child(c))
            .map_err(|e| format!("cannot derive the node key: {e}"))?;
    }
    Ok(MasterKey {
        fingerprint,
        node_pubkey: hex::encode(key.public_key().to_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BIP32 test vector 1: seed 000102…0f (16 bytes, like aezeed's
    /// entropy); its master key's identifier starts 3442193e.
    #[test]
    fn fingerprint_is_bip32s_key_identifier() {
        let seed: Vec<u8> = (0u8..16).collect();
        let k = from_entropy(&seed, Network::Mainnet).unwrap();
        assert_eq!(k.fingerprint, "3442193e");
        assert_eq!(k.node_pubkey.len(), 66);
        let regtest = from_entropy(&seed, Network::Regtest).unwrap();
        assert_eq!(regtest.fingerprint, k.fingerprint);
        assert_ne!(regtest.node_pubkey, k.node_pubkey, "coin type 1 on regtest");
    }

    #[test]
    fn words_give_the_entropys_key() {
        let entropy = [5u8; 16];
        let seed = lsm_lnd::aezeed::CipherSeed::new(entropy, 1_700_000_000, [1; 5]);
        let words = seed.to_mnemonic(b"");
        assert_eq!(
            from_words(&words, Network::Regtest).unwrap(),
            from_entropy(&entropy, Network::Regtest).unwrap()
        );
        let with_pass = seed.to_mnemonic(b"secret");
        assert!(from_words(&with_pass, Network::Regtest).is_err());
    }
}
