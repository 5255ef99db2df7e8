//! Why a watch-only node cannot be made from its bundle, or its wallet not
//! created. The CLI edge decides the exit code: a bundle that fails its
//! checks or is for another network is a protection.

use crate::lnd::error::LndError;
use crate::manifest::Network;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The declared bundle cannot be read or fails `lsm bundle verify`.
    #[error(transparent)]
    Import(crate::bundle::Error),
    /// The bundle's accounts are another chain's keys.
    #[error(
        "the bundle {} is for {network} (signer {signer}), but watchonly.network is {declared}",
        bundle.display()
    )]
    NetworkMismatch {
        bundle: PathBuf,
        /// The bundle's network and signer.
        network: Network,
        signer: String,
        /// The node's declared network.
        declared: Network,
    },
    /// lnd has a wallet (in `state`) the plan did not expect.
    #[error("lnd reports {state} now, though the plan expected no wallet; nothing was created")]
    WalletExists { state: &'static str },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Wallet(#[from] crate::wallet::Error),
    #[error(transparent)]
    Lnd(#[from] LndError),
}
