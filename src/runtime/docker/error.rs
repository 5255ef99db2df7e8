//! What goes wrong in the Docker runtime. The CLI edge
//! (`cli::failure::runtime`) decides the exit code and the hints.

use crate::docker::DockerError;
use std::fmt;
use std::path::PathBuf;

/// A Docker runtime failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The engine refused or failed a request.
    #[error(transparent)]
    Engine(#[from] DockerError),
    /// The host's wallet password could not be read.
    #[error(transparent)]
    Secrets(#[from] crate::secrets::Error),
    /// lsm's own bug: a manifest without `[docker]` reached this runtime.
    #[error("internal: the Docker runtime was given a non-Docker manifest")]
    NotDockerManifest,
    /// A container with the signer's name that is not this signer's.
    #[error(
        "a container named \"{name}\" already exists and belongs to {owner}; lsm will not touch it"
    )]
    ContainerNotOurs { name: String, owner: Owner },
    /// The volume is labelled as another signer's.
    #[error(
        "the volume \"{volume}\" belongs to lsm's signer \"{owner}\" (its io.lsm.signer \
         label); lsm will not use, change or remove it for signer \"{signer}\""
    )]
    VolumeNotOurs {
        volume: String,
        owner: String,
        signer: String,
    },
    /// The container disappeared between two requests.
    #[error("container {name} vanished")]
    ContainerVanished { name: String },
    /// wallet-password.txt is gone, so there is nothing to copy.
    #[error("{} is missing; cannot copy it into the volume", path.display())]
    PasswordMissing { path: PathBuf },
    /// A first copy would overwrite a copy that differs: it may be the only
    /// one that opens the wallet (a protection).
    #[error(
        "volume {volume} already holds a wallet password copy that differs from {}; it may \
         be the only one that opens the wallet, so lsm does not overwrite it",
        host.display()
    )]
    PasswordCopyDiffers { volume: String, host: PathBuf },
    /// The copy to blank is no longer the host's password (a protection).
    #[error(
        "the wallet password copy in volume {volume} no longer matches {}; lsm does not \
         empty a copy that may be the only one",
        host.display()
    )]
    PasswordCopyChanged { volume: String, host: PathBuf },
    /// A rehearsal dials its container's address, which only a local
    /// engine routes.
    #[error(
        "a restore rehearsal needs the Docker engine on this host: lsm dials the throwaway \
         lnd at its container address, which a remote engine does not route"
    )]
    RehearsalNeedsLocalEngine,
    /// The rehearsal container's name is taken by something else.
    #[error(
        "a container named \"{name}\" exists and is not lsm's rehearsal container for signer \
         \"{signer}\"; lsm will not touch it"
    )]
    RehearsalNameTaken { name: String, signer: String },
    #[error("the rehearsal container {name} vanished")]
    RehearsalVanished { name: String },
    /// The throwaway lnd's container stopped; `why` is how it ended.
    #[error("the throwaway lnd stopped before it was ready: {why}")]
    RehearsalStopped { why: String },
    #[error("the throwaway lnd in {name} did not write its tls.cert within {secs}s")]
    RehearsalNoCert { name: String, secs: u64 },
}

/// Who a container that is not this signer's belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// Another signer of lsm's.
    Signer(String),
    /// Not lsm at all.
    Foreign,
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Signer(other) => write!(f, "lsm's signer \"{other}\""),
            Owner::Foreign => f.write_str("something other than lsm"),
        }
    }
}
