//! What the executor does for an action. Ops carry only tags and small
//! parameters: the content they write (container spec, lnd.conf bytes) is
//! recomputed from the resolved manifest at apply time, and a saved plan is
//! only applied when that manifest's hash is unchanged.
//!
//! Ops are not part of the JSON document: `lsm apply PLAN` plans again and
//! runs the new plan's ops once its actions match the saved ones. Each
//! runtime steps in its own vocabulary ([`DockerOp`], [`NativeOp`]), so a
//! step says what that runtime really does.

mod docker;
mod native;

pub(crate) use docker::DockerOp;
pub(crate) use native::NativeOp;

/// An executable step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// A step the runtime carries out, in its own vocabulary.
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
        match self {
            Op::Runtime(op) => op.starts_lnd(),
            Op::Wallet(_) | Op::Macaroon(_) | Op::Bundle(_) => false,
        }
    }
}

/// A runtime's step, in the vocabulary of the runtime that planned it and
/// carries it out. Plan and apply never look inside one beyond the
/// properties below; a runtime executes only its own (see [`Vocabulary`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuntimeOp {
    Docker(DockerOp),
    Native(NativeOp),
}

impl RuntimeOp {
    /// Whether the step brings up an lnd (see [`Op::starts_lnd`]).
    pub(crate) fn starts_lnd(&self) -> bool {
        match self {
            RuntimeOp::Docker(op) => op.starts_lnd(),
            RuntimeOp::Native(op) => op.starts_lnd(),
        }
    }

    /// Whether the step deletes lnd's data, and so the wallet in it
    /// (`destroy --purge-volume`): the plan must prove that loses nothing.
    pub(crate) fn removes_data(&self) -> bool {
        match self {
            RuntimeOp::Docker(op) => op.removes_data(),
            RuntimeOp::Native(_) => false,
        }
    }

    /// The runtime whose step it is, and the step's name, for messages.
    fn describe(&self) -> (&'static str, String) {
        match self {
            RuntimeOp::Docker(op) => (DockerOp::RUNTIME, format!("{op:?}")),
            RuntimeOp::Native(op) => (NativeOp::RUNTIME, format!("{op:?}")),
        }
    }
}

/// One runtime's own steps, as the plan holds them.
pub(crate) trait Vocabulary: Sized + Into<RuntimeOp> {
    /// The runtime's name, for messages.
    const RUNTIME: &'static str;
    /// `op` when it is one of this runtime's steps.
    fn own(op: &RuntimeOp) -> Option<&Self>;
    /// `op` as this runtime's step, or the error that another runtime's
    /// step reached it: a plan is made by the runtime that carries it out,
    /// so that is a bug in lsm, never something to execute.
    fn expect(op: &RuntimeOp) -> Result<&Self, ForeignStep> {
        Self::own(op).ok_or_else(|| {
            let (of, step) = op.describe();
            ForeignStep {
                step,
                of,
                reached: Self::RUNTIME,
            }
        })
    }
}

/// Another runtime's step handed to a runtime (see [`Vocabulary::expect`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal: the {of} step {step} reached the {reached} runtime")]
pub(crate) struct ForeignStep {
    step: String,
    of: &'static str,
    reached: &'static str,
}

impl Vocabulary for DockerOp {
    const RUNTIME: &'static str = "Docker";
    fn own(op: &RuntimeOp) -> Option<&Self> {
        match op {
            RuntimeOp::Docker(op) => Some(op),
            RuntimeOp::Native(_) => None,
        }
    }
}

impl Vocabulary for NativeOp {
    const RUNTIME: &'static str = "native";
    fn own(op: &RuntimeOp) -> Option<&Self> {
        match op {
            RuntimeOp::Native(op) => Some(op),
            RuntimeOp::Docker(_) => None,
        }
    }
}

impl From<DockerOp> for RuntimeOp {
    fn from(op: DockerOp) -> Self {
        RuntimeOp::Docker(op)
    }
}

impl From<NativeOp> for RuntimeOp {
    fn from(op: NativeOp) -> Self {
        RuntimeOp::Native(op)
    }
}

impl From<DockerOp> for Op {
    fn from(op: DockerOp) -> Self {
        Op::Runtime(op.into())
    }
}

impl From<NativeOp> for Op {
    fn from(op: NativeOp) -> Self {
        Op::Runtime(op.into())
    }
}

/// Wallet steps, in the order a fresh signer needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MacaroonOp {
    /// BakeMacaroon with the declared permissions and root key id.
    Bake,
    /// DeleteMacaroonID of the declared root key before its bake, because
    /// it signs a macaroon that must stop working (the same call as
    /// `Revoke`, in an earlier phase).
    Renew { root_key_id: u64 },
    /// DeleteMacaroonID: revoke every macaroon of an old root key id.
    Revoke { root_key_id: u64 },
    /// Drop root keys lnd no longer has from lsm's record, so a later key
    /// under the same id (the operator's) is never taken for lsm's.
    Forget { root_key_ids: Vec<u64> },
}

/// Bundle steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BundleOp {
    /// Write the bundle files that differ from the live signer.
    Export { files: Vec<String> },
    /// Remove files that no longer belong (e.g. admin.macaroon after a scope change).
    RemoveStale { files: Vec<String> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_takes_only_its_own_steps() {
        let docker: RuntimeOp = DockerOp::CopyConfig.into();
        let native: RuntimeOp = NativeOp::WriteConfig.into();
        assert_eq!(DockerOp::expect(&docker), Ok(&DockerOp::CopyConfig));
        assert_eq!(NativeOp::expect(&native), Ok(&NativeOp::WriteConfig));
        let err = DockerOp::expect(&native).unwrap_err();
        assert_eq!(
            err.to_string(),
            "internal: the native step WriteConfig reached the Docker runtime"
        );
        let err = NativeOp::expect(&docker).unwrap_err();
        assert_eq!(
            err.to_string(),
            "internal: the Docker step CopyConfig reached the native runtime"
        );
    }

    #[test]
    fn starting_lnd_and_removing_its_data_are_properties_of_the_step() {
        let starts: Vec<Op> = vec![
            DockerOp::CreateContainer.into(),
            DockerOp::ReplaceContainer.into(),
            DockerOp::StartContainer.into(),
            DockerOp::RestartContainer.into(),
            NativeOp::StartProcess.into(),
            NativeOp::RestartProcess.into(),
            NativeOp::StartUnit.into(),
            NativeOp::RestartUnit.into(),
        ];
        assert!(starts.iter().all(Op::starts_lnd));
        let others: Vec<Op> = vec![
            DockerOp::PullImage.into(),
            DockerOp::CopyPassword.into(),
            DockerOp::UpdateRestartPolicy.into(),
            DockerOp::RemoveContainer.into(),
            NativeOp::InstallUnit.into(),
            NativeOp::StopProcess.into(),
            NativeOp::RemoveUnit.into(),
            Op::Wallet(WalletOp::UnlockWallet),
        ];
        assert!(!others.iter().any(Op::starts_lnd));
        let removes = |op: RuntimeOp| op.removes_data();
        assert!(removes(DockerOp::RemoveVolume.into()));
        assert!(!removes(DockerOp::RemoveContainer.into()));
        assert!(!removes(NativeOp::StopProcess.into()));
        assert!(!removes(NativeOp::RemoveUnit.into()));
    }
}
