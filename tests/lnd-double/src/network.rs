//! The bitcoin networks lnd can run on and the per-network names and
//! constants the double needs (lnd-facts §4, §8).

use bip32::Prefix;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Mainnet,
    Testnet,
    Testnet4,
    Signet,
    Regtest,
    Simnet,
}

impl Network {
    /// `lncfg.NormalizeNetwork`: the directory under data/chain/bitcoin and
    /// GetInfo's `chains[].network`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Testnet4 => "testnet4",
            Network::Signet => "signet",
            Network::Regtest => "regtest",
            Network::Simnet => "simnet",
        }
    }

    /// btcd's chain params name (what lnd prints in "must be for network").
    pub fn params_name(self) -> &'static str {
        match self {
            Network::Testnet => "testnet3",
            other => other.dir_name(),
        }
    }

    /// The coin type of lnd's internal key scope m/1017'/C'.
    pub fn internal_coin_type(self) -> u32 {
        match self {
            Network::Mainnet => 0,
            _ => 1,
        }
    }

    /// GetInfo's deprecated `testnet` flag (`chainreg.IsTestnet`).
    pub fn is_testnet(self) -> bool {
        matches!(self, Network::Testnet | Network::Testnet4)
    }

    /// SLIP-132 versions btcwallet gives non-watch-only account xpubs:
    /// (scope 49, scope 84, scopes 86 and 1017). btcwallet v0.16.17
    /// waddrmgr/scoped_manager.go cloneKeyWithVersion (L2512–2566)
    /// re-versions the default scopes; simnet has only `spub`, so 49 and 84
    /// take mainnet's ypub/zpub there. Scope 1017 is not a default scope
    /// and keeps the chain params' HDPublicKeyID (L611–620).
    pub fn account_prefixes(self) -> (Prefix, Prefix, Prefix) {
        match self {
            Network::Mainnet => (Prefix::YPUB, Prefix::ZPUB, Prefix::XPUB),
            Network::Simnet => (Prefix::YPUB, Prefix::ZPUB, SPUB),
            _ => (UPUB, VPUB, Prefix::TPUB),
        }
    }

    /// The chain params' HDPrivateKeyID (`xprv`/`tprv`, btcd simnet `sprv`).
    pub fn private_prefix(self) -> Prefix {
        match self {
            Network::Mainnet => Prefix::XPRV,
            Network::Simnet => SPRV,
            _ => Prefix::TPRV,
        }
    }
}

/// SLIP-132 testnet BIP49 public version (`upub`).
pub const UPUB: Prefix = Prefix::from_parts_unchecked("upub", 0x044a_5262);
/// SLIP-132 testnet BIP84 public version (`vpub`).
pub const VPUB: Prefix = Prefix::from_parts_unchecked("vpub", 0x045f_1cf6);
/// btcd SimNetParams HDPublicKeyID (`spub`).
pub const SPUB: Prefix = Prefix::from_parts_unchecked("spub", 0x0420_bd3a);
/// btcd SimNetParams HDPrivateKeyID (`sprv`).
pub const SPRV: Prefix = Prefix::from_parts_unchecked("sprv", 0x0420_b900);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simnet_keys_use_btcd_simnet_versions() {
        let master = bip32::XPrv::new(&[7u8; 16]).unwrap();
        let s = master.to_string(Network::Simnet.private_prefix());
        assert!(s.starts_with("sprv"), "{}", s.as_str());
        let parsed: bip32::ExtendedKey = s.parse().unwrap();
        assert_eq!(parsed.prefix.version(), 0x0420_b900);
        assert!(parsed.prefix.is_private());
        let xpub = master.public_key().to_string(SPUB);
        assert!(xpub.starts_with("spub"), "{xpub}");
    }
}
