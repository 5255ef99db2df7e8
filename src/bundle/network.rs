//! The bitcoin networks a signer can serve, named as lnd names them
//! (GetInfo `chains[].network`), and what each implies for the accounts a
//! watch-only node needs (lnd-facts §1.4, §8): the coin type of the
//! internal 1017' scope and the SLIP-132 version of each account's xpub.

use std::str::FromStr;

/// The network type is the manifest's, one type for the whole of lsm;
/// what a network implies for a bundle's accounts lives here.
pub use crate::manifest::Network;

/// Every network name [`Network::from_str`] accepts.
pub(crate) const NAMES: &[&str] = &["mainnet", "testnet", "testnet4", "signet", "regtest"];

/// The BIP32 version bytes of the extended public keys lnd exports.
pub mod version {
    pub(crate) const XPUB: u32 = 0x0488_b21e;
    pub(crate) const YPUB: u32 = 0x049d_7cb2;
    pub(crate) const ZPUB: u32 = 0x04b2_4746;
    pub(crate) const TPUB: u32 = 0x0435_87cf;
    pub(crate) const UPUB: u32 = 0x044a_5262;
    pub(crate) const VPUB: u32 = 0x045f_1cf6;

    /// The human name of a version, for messages (`zpub`), if it is one of
    /// the public or private versions a bitcoin wallet uses.
    pub fn name(v: u32) -> Option<&'static str> {
        Some(match v {
            XPUB => "xpub",
            YPUB => "ypub",
            ZPUB => "zpub",
            TPUB => "tpub",
            UPUB => "upub",
            VPUB => "vpub",
            0x0488_ade4 => "xprv",
            0x049d_7878 => "yprv",
            0x04b2_430c => "zprv",
            0x0435_8394 => "tprv",
            0x044a_4e28 => "uprv",
            0x045f_18bc => "vprv",
            _ => return None,
        })
    }

    /// Whether `v` is a private-key version: an account "xpub" with one of
    /// these would hand out the signer's keys.
    pub(crate) fn is_private(v: u32) -> bool {
        name(v).is_some_and(|n| n.ends_with("prv"))
    }
}

impl Network {
    pub(crate) fn is_mainnet(self) -> bool {
        self == Network::Mainnet
    }

    /// Coin type of the internal key scope m/1017'/C': 0 on mainnet, 1 on
    /// every test network. The default scopes 49/84/86 always use 0.
    pub fn internal_coin_type(self) -> u32 {
        if self.is_mainnet() { 0 } else { 1 }
    }

    /// The xpub version lnd gives a (non-watch-only) account of `purpose`.
    pub fn xpub_version(self, purpose: u32) -> Option<u32> {
        use version::*;
        let main = self.is_mainnet();
        match purpose {
            49 => Some(if main { YPUB } else { UPUB }),
            84 => Some(if main { ZPUB } else { VPUB }),
            86 | 1017 => Some(if main { XPUB } else { TPUB }),
            _ => None,
        }
    }
}

/// A network name lsm does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network \"{name}\"; use one of {}", NAMES.join(", "))]
pub struct UnknownNetwork {
    pub name: String,
}

impl FromStr for Network {
    type Err = UnknownNetwork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "mainnet" => Network::Mainnet,
            "testnet" | "testnet3" => Network::Testnet,
            "testnet4" => Network::Testnet4,
            "signet" => Network::Signet,
            "regtest" => Network::Regtest,
            other => {
                return Err(UnknownNetwork {
                    name: other.to_string(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_lnd_facts_section_8() {
        let m = Network::Mainnet;
        let r: Network = "regtest".parse().unwrap();
        assert_eq!(version::name(m.xpub_version(49).unwrap()), Some("ypub"));
        assert_eq!(version::name(m.xpub_version(84).unwrap()), Some("zpub"));
        assert_eq!(version::name(m.xpub_version(1017).unwrap()), Some("xpub"));
        assert_eq!(version::name(r.xpub_version(49).unwrap()), Some("upub"));
        assert_eq!(version::name(r.xpub_version(84).unwrap()), Some("vpub"));
        assert_eq!(version::name(r.xpub_version(86).unwrap()), Some("tpub"));
        assert_eq!((m.internal_coin_type(), r.internal_coin_type()), (0, 1));
        assert!(version::is_private(0x0488_ade4));
        assert!(!version::is_private(version::XPUB));
        assert!("simnet".parse::<Network>().is_err());
    }
}
