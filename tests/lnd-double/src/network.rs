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
    /// (scope 49, scope 84, scopes 86 and 1017).
    pub fn account_prefixes(self) -> (Prefix, Prefix, Prefix) {
        match self {
            Network::Mainnet => (Prefix::YPUB, Prefix::ZPUB, Prefix::XPUB),
            _ => (UPUB, VPUB, Prefix::TPUB),
        }
    }

    /// Extended private key version for the network (`xprv`/`tprv`).
    pub fn private_prefix(self) -> Prefix {
        match self {
            Network::Mainnet => Prefix::XPRV,
            _ => Prefix::TPRV,
        }
    }
}

/// SLIP-132 testnet BIP49 public version (`upub`).
pub const UPUB: Prefix = Prefix::from_parts_unchecked("upub", 0x044a_5262);
/// SLIP-132 testnet BIP84 public version (`vpub`).
pub const VPUB: Prefix = Prefix::from_parts_unchecked("vpub", 0x045f_1cf6);
