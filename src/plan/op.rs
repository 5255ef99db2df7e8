//! What the executor does for an action. Ops carry only tags and small
//! parameters: the content they write (container spec, lnd.conf bytes) is
//! recomputed from the resolved manifest at apply time, and a saved plan is
//! only applied when that manifest's hash is unchanged.

use serde::Serialize;

/// An executable step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Op {
    /// A step the runtime (Docker or native) carries out.
    Runtime(RuntimeOp),
    /// A step on the wallet, its secrets or the signer's gRPC API.
    Wallet(WalletOp),
    /// A step on the watch-only macaroon.
    Macaroon(MacaroonOp),
    /// A step on the exported credentials bundle.
    Bundle(BundleOp),
}

/// When a step runs, relative to the other resources' steps. The plan is
/// sorted by phase (stably), so the dependency chain is a property of the
/// ops themselves:
///
/// secrets → runtime (image, volume, lnd.conf, lnd) → wallet → renewal of
/// the declared root key → bake → bundle export → revocation of old root
/// keys → removal of stale bundle files.
///
/// Old root keys are revoked only after the new bundle is written, so the
/// watch-only node is never left without a working macaroon on disk; only
/// renewing the declared root key itself must revoke before its bake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    /// Files in the secrets directory; lnd need not run.
    Secrets,
    /// What the runtime owns, ending with lnd running.
    Runtime,
    /// The wallet, over lnd's gRPC.
    Wallet,
    /// Revoking the declared root key so the bake gets a fresh one.
    Renew,
    /// Baking the bundle's macaroon.
    Bake,
    /// Writing the bundle.
    Export,
    /// Revoking and forgetting root keys the new bundle no longer uses.
    Revoke,
    /// Removing bundle files that no longer belong.
    Prune,
}

impl Op {
    /// The phase this step runs in (see [`Phase`]).
    pub(crate) fn phase(&self) -> Phase {
        match self {
            Op::Wallet(
                WalletOp::GeneratePassword | WalletOp::FixPermissions | WalletOp::RemoveLeftovers,
            ) => Phase::Secrets,
            Op::Runtime(_) => Phase::Runtime,
            Op::Wallet(_) => Phase::Wallet,
            Op::Macaroon(MacaroonOp::Renew { .. }) => Phase::Renew,
            Op::Macaroon(MacaroonOp::Bake) => Phase::Bake,
            Op::Bundle(BundleOp::Export { .. }) => Phase::Export,
            Op::Macaroon(MacaroonOp::Revoke { .. } | MacaroonOp::Forget { .. }) => Phase::Revoke,
            Op::Bundle(BundleOp::RemoveStale { .. }) => Phase::Prune,
        }
    }

    /// Whether the step needs lnd running (after the runtime's phase).
    pub(crate) fn needs_lnd(&self) -> bool {
        self.phase() > Phase::Runtime
    }

    /// Whether the step (re)starts lnd: when lnd reads its config and
    /// credentials, issues a new certificate, and prints what explains a
    /// failed start.
    pub(crate) fn starts_lnd(&self) -> bool {
        matches!(
            self,
            Op::Runtime(
                RuntimeOp::CreateSigner
                    | RuntimeOp::StartSigner
                    | RuntimeOp::RestartSigner
                    | RuntimeOp::ReplaceSigner
            )
        )
    }
}

/// Runtime steps. Plan and apply never look inside them; the runtime that
/// planned them executes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum RuntimeOp {
    /// Pull the lnd image (checked against the digest when pinned).
    PullImage,
    /// Create the named data volume.
    CreateVolume,
    /// Write the rendered lnd.conf where lnd reads it.
    WriteConfig,
    /// Place a watch-only node's signer credentials (the bundle's tls.cert
    /// and macaroon) where its lnd.conf's remotesigner options point.
    WriteSignerCredentials,
    /// Place the wallet password where lnd's wallet-unlock-password-file
    /// points. Refuses (exit 5) to replace a copy that differs: that copy
    /// may be the only one that opens the wallet.
    WritePasswordFile,
    /// Replace a differing copy: planned only when lnd proved there is no
    /// wallet it could open.
    ReplacePasswordFile,
    /// Empty the password copy once auto_unlock is off (the engine's API
    /// cannot delete a file from a volume): only while it matches
    /// wallet-password.txt, which still holds the password.
    BlankPasswordFile,
    /// Create (and start) the signer.
    CreateSigner,
    /// Remove and create the signer again; its data is kept.
    ReplaceSigner,
    /// Change the signer's settings in place, without stopping it (Docker:
    /// the restart policy).
    UpdateSigner,
    /// Start a stopped signer.
    StartSigner,
    /// Restart a running signer so it reads a changed config.
    RestartSigner,
    /// Stop and remove the signer; its data is kept.
    RemoveSigner,
    /// Remove the data volume (and so the wallet): `destroy --purge-volume` only.
    RemoveVolume,
    /// Install or update the systemd unit.
    InstallUnit,
}

/// Wallet steps, in the order a fresh signer needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum WalletOp {
    /// Generate wallet-password.txt (never overwrites).
    GeneratePassword,
    /// GenSeed → seed.txt (durable) → InitWallet.
    CreateWallet,
    /// A watch-only node's InitWallet: the bundle's accounts and birthday,
    /// no seed (its signer holds the keys).
    CreateWatchOnlyWallet,
    /// Record which signer a watch-only wallet lnd confirmed as the
    /// bundle's was made for (a wallet older than the record, or a record
    /// lost in a crash right after InitWallet).
    RecordSigner,
    /// InitWallet with the words already in seed.txt.
    RestoreWallet,
    /// Write the identity record of the wallet lsm initialised from
    /// seed.txt when an earlier apply stopped before it could.
    RecordIdentity,
    /// UnlockWallet with wallet-password.txt.
    UnlockWallet,
    /// chmod the secrets directory to 0700 and its files to 0600.
    FixPermissions,
    /// Remove temp files an interrupted seed or password write left behind.
    RemoveLeftovers,
}

/// Macaroon steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum MacaroonOp {
    /// BakeMacaroon with the declared permissions and root key id.
    Bake,
    /// DeleteMacaroonID of the declared root key before its bake, because
    /// it signs a macaroon that must stop working. Written as `revoke` in
    /// plan documents: the same call, in an earlier phase.
    #[serde(rename = "revoke")]
    Renew { root_key_id: u64 },
    /// DeleteMacaroonID: revoke every macaroon of an old root key id.
    Revoke { root_key_id: u64 },
    /// Drop root keys lnd no longer has from lsm's record, so a later key
    /// under the same id (the operator's) is never taken for lsm's.
    Forget { root_key_ids: Vec<u64> },
}

/// Bundle steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum BundleOp {
    /// Write the bundle files that differ from the live signer.
    Export { files: Vec<String> },
    /// Remove files that no longer belong (e.g. admin.macaroon after a scope change).
    RemoveStale { files: Vec<String> },
}
