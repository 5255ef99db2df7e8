//! The closed sets of values signer.toml accepts. The manifest's raw types and
//! the resolved manifest share these enums, so the names written in TOML, the
//! JSON Schema and the typed values later code matches on cannot drift apart.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Implements `as_str` (the exact TOML spelling, taken from serde) and Display.
macro_rules! spelled {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in documentation order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The spelling used in signer.toml.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The Bitcoin network the signer's wallet lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Real money.
    Mainnet,
    /// testnet3.
    Testnet,
    /// testnet4 (lnd v0.19 and later).
    Testnet4,
    /// The default signet.
    Signet,
    /// A local regression-test network.
    Regtest,
}
spelled!(Network { Mainnet => "mainnet", Testnet => "testnet", Testnet4 => "testnet4", Signet => "signet", Regtest => "regtest" });

/// Where lnd runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// A Docker container from the lnd image.
    Docker,
    /// An lnd process on the host.
    Native,
}
spelled!(Runtime { Docker => "docker", Native => "native" });

/// lnd's `bitcoin.node`: how (and whether) the signer talks to the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChainBackend {
    /// lnd's pure signing mode: no chain access at all (recommended for a signer).
    Nochainbackend,
    /// A light client; needs a `[neutrino]` table.
    Neutrino,
    /// A bitcoind node; needs a `[bitcoind]` table.
    Bitcoind,
    /// A btcd node; needs a `[btcd]` table.
    Btcd,
}
spelled!(ChainBackend { Nochainbackend => "nochainbackend", Neutrino => "neutrino", Bitcoind => "bitcoind", Btcd => "btcd" });

/// lnd's `debuglevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DebugLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}
spelled!(DebugLevel { Trace => "trace", Debug => "debug", Info => "info", Warn => "warn", Error => "error", Critical => "critical" });

/// Docker's restart policy for the signer container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    No,
    Always,
    UnlessStopped,
    OnFailure,
}
spelled!(RestartPolicy { No => "no", Always => "always", UnlessStopped => "unless-stopped", OnFailure => "on-failure" });

/// Who keeps a native lnd process running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Supervisor {
    /// lsm starts lnd as a detached process and tracks its pid.
    Process,
    /// A systemd unit that lsm writes and manages.
    Systemd,
}
spelled!(Supervisor { Process => "process", Systemd => "systemd" });

/// Which permissions the watch-only node's macaroon carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MacaroonScope {
    /// Only what a watch-only node needs (lnd's documented set plus signer:read).
    SignerOnly,
    /// lnd's admin permission set. Avoid: the watch-only node never needs it.
    Admin,
    /// Exactly the permissions listed in macaroon.permissions.
    Custom,
}
spelled!(MacaroonScope { SignerOnly => "signer-only", Admin => "admin", Custom => "custom" });

/// Which program a watch-only node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Implementation {
    /// lnd itself (image `lightninglabs/lnd`).
    Lnd,
    /// Lightning Terminal with lnd integrated (image `lightninglabs/lightning-terminal`).
    Litd,
}
spelled!(Implementation { Lnd => "lnd", Litd => "litd" });

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str` must be the serde spelling, or TOML and messages disagree.
    #[test]
    fn spellings_match_serde() {
        fn check<T: Serialize + fmt::Display>(all: &[T]) {
            for v in all {
                assert_eq!(
                    serde_json::to_value(v).unwrap(),
                    serde_json::json!(v.to_string())
                );
            }
        }
        check(Network::ALL);
        check(Runtime::ALL);
        check(ChainBackend::ALL);
        check(DebugLevel::ALL);
        check(RestartPolicy::ALL);
        check(Supervisor::ALL);
        check(MacaroonScope::ALL);
        check(Implementation::ALL);
    }
}
