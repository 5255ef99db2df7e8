//! The native runtime's steps: files on the host (lnd_dir, lnd.conf, a
//! watch-only node's signer credentials, a systemd unit), and lnd as a
//! process lsm starts itself (supervisor = "process") or as the service of
//! a systemd unit (supervisor = "systemd").

/// A step of the native runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NativeOp {
    /// Create lnd_dir (0700) for lnd's data and wallet.
    CreateLndDir,
    /// Write the rendered lnd.conf (0600) where lnd reads it.
    WriteConfig,
    /// Write a watch-only node's signer credentials (the bundle's tls.cert
    /// and macaroon, 0600) where its lnd.conf's remotesigner options point.
    WriteSignerCredentials,
    /// Write the systemd unit and reload systemd.
    InstallUnit,
    /// Start lnd detached, record it in the pidfile, and wait for its gRPC
    /// port (supervisor = "process").
    StartProcess,
    /// Stop the recorded lnd and start it again: it reads a changed config,
    /// or runs another binary or other arguments.
    RestartProcess,
    /// Stop the recorded lnd (SIGTERM, then SIGKILL) and remove its pidfile.
    StopProcess,
    /// `systemctl enable --now` the unit and wait until it is active
    /// (supervisor = "systemd"): lnd runs now and at every boot.
    StartUnit,
    /// `systemctl enable` and `restart` the unit, and wait until it is
    /// active.
    RestartUnit,
    /// `systemctl disable --now` the unit, remove its file, reload systemd
    /// and remove the pidfile.
    RemoveUnit,
}

impl NativeOp {
    /// Whether the step runs a new lnd; lnd's log then explains a failure.
    pub(crate) fn starts_lnd(self) -> bool {
        matches!(
            self,
            NativeOp::StartProcess
                | NativeOp::RestartProcess
                | NativeOp::StartUnit
                | NativeOp::RestartUnit
        )
    }
}
