//! Why an action is planned, as a stable code beside the prose: pipelines,
//! tests and the JSON document (`reason_code`) match on the code, never on
//! the sentence, which may be reworded. A code names the condition found,
//! not the step taken (Terraform's `action_reason` is the model).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The condition an action answers. Codes are part of the plan format:
/// add new ones freely, never rename or reuse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReasonCode {
    /// The lnd image is not on the engine.
    ImageMissing,
    /// The local image lacks the pinned digest.
    ImageDigestMismatch,
    /// The data volume does not exist.
    VolumeMissing,
    /// lnd's data directory (native) does not exist.
    DirectoryMissing,
    /// The signer's container does not exist.
    ContainerMissing,
    /// The container's spec differs from the declared one: replaced.
    SpecChanged,
    /// The container's restart policy differs; updated in place.
    RestartPolicyChanged,
    /// lnd.conf does not exist yet.
    ConfigMissing,
    /// lnd.conf differs from the rendered one.
    ConfigChanged,
    /// lsm's files in lnd's data are readable by others.
    ConfigPermissions,
    /// The systemd unit does not exist yet.
    UnitMissing,
    /// The systemd unit differs from the rendered one.
    UnitChanged,
    /// lnd was never started (a new container or process).
    NotStarted,
    /// lnd is not running (stopped, exited, paused, killed).
    NotRunning,
    /// lnd runs with an older config, binary or unit than declared.
    RestartForConfig,
    /// lnd keeps exiting.
    CrashLoop,
    /// tls.cert lacks names `[rpc]` declares: lnd must issue a new one.
    CertNamesChanged,
    /// The wallet password copy for auto-unlock is missing.
    PasswordCopyMissing,
    /// The wallet password copy differs from wallet-password.txt.
    PasswordCopyDiffers,
    /// The wallet password copy is readable by others.
    PasswordCopyPermissions,
    /// auto_unlock is off: the password copy is emptied.
    PasswordCopyUnused,
    /// `lsm destroy`: the signer's container or process goes.
    DestroyRequested,
    /// `lsm destroy --purge-volume`: lnd's data goes.
    PurgeRequested,
    /// Temp files of an interrupted write in secrets_dir.
    SecretLeftovers,
    /// Secret files are readable by others.
    SecretPermissions,
    /// wallet-password.txt does not exist (and lnd has no wallet).
    PasswordMissing,
    /// lnd has no wallet: one is created (GenSeed, seed.txt, InitWallet).
    WalletCreate,
    /// lnd has no wallet and seed.txt exists: it is restored from it.
    WalletRestore,
    /// The wallet is locked and auto_unlock is off: apply unlocks it.
    WalletLocked,
    /// lsm initialised the wallet but did not record its identity.
    IdentityUnrecorded,
    /// The declared macaroon has not been baked yet.
    MacaroonMissing,
    /// The bundle's macaroon is not the declared one (another scope or
    /// root key, a caveat lsm did not bake, rejected by lnd): baked again.
    MacaroonRebake,
    /// A root key lsm baked under signs a macaroon that must stop working.
    RootKeyRevoke,
    /// lnd no longer has a root key lsm's record names.
    RootKeyForgotten,
    /// There is no credentials bundle yet.
    BundleMissing,
    /// The bundle's files differ from what they must hold.
    BundleOutOfDate,
    /// Files in the bundle directory that the bundle no longer has.
    BundleStaleFiles,
    /// A watch-only node's copies of its signer's certificate and macaroon
    /// are missing from its data.
    SignerCredentialsMissing,
    /// They differ from the imported bundle's (a re-exported bundle).
    SignerCredentialsChanged,
    /// A watch-only node has no wallet: one is made from the bundle's accounts.
    WatchOnlyWalletCreate,
    /// The record of which signer a watch-only wallet was made for is
    /// missing or older than the bundle lnd confirmed.
    WatchOnlyRecordOutdated,
}

/// The protection that blocks a plan (exit 5), as a stable code beside the
/// prose (`blockers[].code` in the JSON document, plan format 1.4).
/// Codes are part of the plan format: add new ones freely, never rename
/// or reuse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum BlockerCode {
    /// `--purge-volume` on a volume lsm did not create.
    PurgeUnmanagedVolume,
    /// `--purge-volume` on a native signer: lsm never deletes lnd_dir.
    PurgeNative,
    /// Removing lnd's data is not proven to lose no keys (lnd not running
    /// unlocked, seed.txt unusable or refused by the identity record).
    PurgeNotProvenSafe,
    /// Removing a watch-only node's data while lnd reports channels (or
    /// cannot say).
    PurgeWithChannels,
    /// The wallet-password copy in the volume differs from
    /// wallet-password.txt.
    PasswordCopyDiffers,
    /// The native lnd binary reports another version than versions.env.
    LndVersionMismatch,
    /// The native lnd binary is missing or cannot run.
    LndBinaryUnusable,
    /// The native pidfile cannot be read.
    PidfileUnreadable,
    /// An lnd lsm did not start holds the signer's ports or directory.
    ForeignLndRunning,
    /// supervisor = "systemd" on a host not booted with systemd.
    SystemdNotBooted,
    /// seed.txt or wallet-password.txt is not a regular file.
    SecretNotRegularFile,
    /// The secrets directory is not one lsm may write into.
    SecretsDirRefused,
    /// A secret file someone else could have chosen (owner, mode).
    SecretUntrusted,
    /// wallet-password.txt is unreadable or malformed.
    PasswordFileUnusable,
    /// The wallet exists but wallet-password.txt is missing.
    PasswordMissingForWallet,
    /// wallet-password.txt is missing and whether a wallet exists is unknown.
    PasswordMissingWalletUnknown,
    /// seed.txt is not proven to be this wallet's backup.
    SeedNotProven,
    /// No wallet, and seed.txt cannot restore one.
    SeedCannotRestore,
    /// No wallet and no seed.txt, but signer.toml expects an identity.
    ExpectedIdentityWithoutSeed,
    /// No wallet and no seed.txt, but a wallet existed before.
    SeedMissingWalletExisted,
    /// The signer's identity is not the one signer.toml expects.
    IdentityMismatch,
    /// lsm's record of the macaroon root keys it baked cannot be read.
    MacaroonLedgerUnreadable,
    /// lnd runs unlocked but its admin.macaroon is missing.
    AdminMacaroonMissing,
    /// signer.network changes under an existing wallet.
    NetworkChange,
    /// `[bundle] path` is a directory lsm must not write into.
    BundleDirRefused,
    /// The signer's certificate does not name the host the watch-only node
    /// dials.
    CertificateLacksSignerName,
    /// The watch-only node's signer does not answer as the bundle says.
    SignerUnreachable,
    /// The watch-only wallet was made from another signer's bundle.
    AnotherSignersBundle,
    /// The watch-only wallet has accounts the bundle does not.
    ForeignAccounts,
    /// The watch-only node's identity is not the bundle signer's.
    WatchOnlyIdentityMismatch,
}
