//! The Docker runtime's steps: an image, a named volume lsm writes its
//! files into through the engine's archive API, and a container.

/// A step of the Docker runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DockerOp {
    /// Pull the lnd image (checked against the digest when pinned).
    PullImage,
    /// Create the named data volume, with lsm's labels.
    CreateVolume,
    /// Create the signer's container from the desired spec; the start
    /// that follows brings lnd up.
    CreateContainer,
    /// Stop and remove the container and create it again from the desired
    /// spec; the volume, and the wallet in it, is kept.
    ReplaceContainer,
    /// Copy the rendered lnd.conf into the volume.
    CopyConfig,
    /// Copy a watch-only node's signer credentials (the bundle's tls.cert
    /// and macaroon) into the volume, where its lnd.conf's remotesigner
    /// options point.
    CopySignerCredentials,
    /// Copy wallet-password.txt into the volume, where lnd's
    /// wallet-unlock-password-file points. Refuses (exit 5) to replace a
    /// copy that differs: that copy may be the only one that opens the
    /// wallet.
    CopyPassword,
    /// Overwrite a differing password copy: planned only when lnd proved
    /// there is no wallet it could open.
    ReplacePasswordCopy,
    /// Empty the password copy once auto_unlock is off (the engine's API
    /// cannot delete a file from a volume): only while it matches
    /// wallet-password.txt, which still holds the password.
    BlankPasswordCopy,
    /// Change the container's restart policy in place (the one setting
    /// the engine changes without a new container), and record it.
    UpdateRestartPolicy,
    /// Start the container (resume a paused one) and wait until it runs.
    StartContainer,
    /// Restart the running container so lnd reads a changed config.
    RestartContainer,
    /// Stop and remove the container; the volume is kept.
    RemoveContainer,
    /// Remove the data volume (and so the wallet): `destroy
    /// --purge-volume` only.
    RemoveVolume,
}

impl DockerOp {
    /// Whether the step brings up a new lnd: a container created or
    /// replaced starts one (its start follows), and a start or restart runs
    /// it; lnd's log then explains a failure.
    pub(crate) fn starts_lnd(self) -> bool {
        matches!(
            self,
            DockerOp::CreateContainer
                | DockerOp::ReplaceContainer
                | DockerOp::StartContainer
                | DockerOp::RestartContainer
        )
    }

    /// Whether the step deletes lnd's data (the volume).
    pub(crate) fn removes_data(self) -> bool {
        self == DockerOp::RemoveVolume
    }
}
