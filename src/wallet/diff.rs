//! Decides what the wallet and its secret files need. Pure: it sees the
//! secrets directory and lnd's wallet state as plain views, so every rule
//! below is unit-tested without a signer.
//!
//! The rules, in the order an operator guarding money cares about them:
//! 1. A seed file is never overwritten, and no second seed is generated
//!    while one exists: an existing seed.txt means *restore*, never *create*.
//! 2. A wallet that exists is never re-initialised, and a password is
//!    generated only when lnd or the runtime has *proven* there is no wallet
//!    (a wallet that may exist has a password somewhere, and a new one would
//!    only lock it out).
//! 3. When the files and the wallet disagree (the wallet may exist but its
//!    password is gone, its identity is not the declared one, the seed file
//!    cannot restore it) or a secret file is not a plain file, the plan is
//!    blocked (exit 5) with an explanation, instead of guessing.
//! 4. A seed file that could not restore the wallet is reported even while
//!    the wallet is fine: it is the only backup.

use crate::plan::op::{Op, WalletOp};
use crate::plan::{Action, ActionKind, Address, Blocker};
use crate::plan::{PlanPart, ReasonCode};
use crate::secrets::{DIR_MODE, FILE_MODE};
use serde::Serialize;

/// File names inside `[wallet] secrets_dir`.
pub(crate) const PASSWORD_FILE: &str = "wallet-password.txt";
pub(crate) const SEED_FILE: &str = "seed.txt";
/// The wallet's identity record: which identity (and network) seed.txt
/// produced when lsm created or restored the wallet (see
/// [`identity`](super::identity)).
pub(crate) const IDENTITY_FILE: &str = "wallet-identity.json";
/// Written just before InitWallet: which seed lsm is about to initialise
/// the wallet from, so a crash before the identity record is written
/// still lets the next apply record it.
pub(crate) const IDENTITY_PENDING_FILE: &str = "wallet-identity.pending";
/// The outcome of the last restore rehearsal (`lsm seed verify`).
pub(crate) const REHEARSAL_FILE: &str = "seed-rehearsal.json";

/// What the manifest asks of the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WalletIntent {
    /// Shown in reasons, e.g. `~/.lnget/signer`.
    pub secrets_dir_display: String,
    /// `[signer] network` (`regtest`, ...): the identity record is per network.
    pub network: String,
    pub auto_unlock: bool,
    pub expected_identity_pubkey: Option<String>,
}

/// A secret file as observed: presence and mode, never content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum FileView {
    Missing,
    Present {
        mode: u32,
    },
    /// A symlink, FIFO, directory, ...: lsm neither reads nor replaces it.
    NotRegular {
        kind: &'static str,
    },
}

/// The secrets directory as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SecretsView {
    /// None when the directory does not exist.
    pub dir_mode: Option<u32>,
    /// Whose directory it is (see [`crate::dirguard`]); lsm repairs the
    /// mode only of one it created.
    pub dir: crate::dirguard::DirView,
    /// The user lsm runs as (owner checks are against it).
    pub euid: u32,
    /// Secret files lsm must not trust, with why: owned by another user,
    /// or writable by others (someone else may have chosen their content).
    pub untrusted: Vec<String>,
    pub password: FileView,
    /// Why the present password file cannot be the wallet's (too short,
    /// unreadable). Never its content.
    pub password_problem: Option<String>,
    pub seed: FileView,
    /// Why the present seed file could not restore a wallet (not 24 words,
    /// a word outside the list, a bad aezeed checksum). Never a word.
    pub seed_problem: Option<String>,
    /// Temp files of an interrupted seed or password write.
    pub temp_leftovers: Vec<String>,
    /// A sign outside the secrets directory that a wallet existed before
    /// (the bundle's accounts.json); set by the plan, not observed here.
    #[serde(skip)]
    pub earlier_wallet: Option<String>,
    /// The identity record, its pending note and seed.txt's fingerprint.
    pub identity: crate::wallet::identity::IdentityView,
    /// What the last restore rehearsal (`lsm seed verify`) found.
    pub last_rehearsal: Option<crate::wallet::rehearsal::Outcome>,
}

impl SecretsView {
    /// seed.txt exists and would restore a wallet (as far as lsm can check
    /// without the passphrase).
    pub(crate) fn seed_usable(&self) -> bool {
        matches!(self.seed, FileView::Present { .. }) && self.seed_problem.is_none()
    }
}

/// The wallet as lnd reports it, or why it cannot be seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum WalletView {
    /// lnd is not reachable (not running yet, starting). `wallet_exists` is
    /// what the runtime could tell from lnd's files, if anything.
    Unreachable {
        reason: String,
        wallet_exists: Option<bool>,
    },
    NonExisting,
    Locked,
    /// UNLOCKED, RPC_ACTIVE or SERVER_ACTIVE. The identity is known once an
    /// authenticated GetInfo succeeded.
    Unlocked {
        identity_pubkey: Option<String>,
    },
}

impl WalletView {
    /// Whether a wallet exists, when that is known.
    pub(crate) fn exists(&self) -> Option<bool> {
        match self {
            WalletView::Unreachable { wallet_exists, .. } => *wallet_exists,
            WalletView::NonExisting => Some(false),
            WalletView::Locked | WalletView::Unlocked { .. } => Some(true),
        }
    }
}

fn secret_addr(name: &str) -> Address {
    Address::secret(name)
}

fn wallet_addr() -> Address {
    Address::WALLET_SIGNER
}

/// The wallet's actions, blockers and notes. Each step below is one rule;
/// they run in the order an operator reads a plan (the files first, then
/// the password, the seed's proof, and the wallet itself).
pub(crate) fn diff(intent: &WalletIntent, secrets: &SecretsView, wallet: &WalletView) -> PlanPart {
    let mut d = secrets_diff(intent, secrets, wallet);
    let dir = &intent.secrets_dir_display;
    let exists = wallet.exists();
    d.warnings.extend(bad_seed_warning(dir, secrets, exists));
    let restorable = seed_proof_step(intent, secrets, wallet, &mut d);
    d.warnings.extend(failed_rehearsal_warning(dir, secrets));
    wallet_step(intent, secrets, wallet, restorable, &mut d);
    d
}

/// The secrets directory and the wallet password, which every kind of node
/// keeps the same way: whose directory it is, modes, leftovers of an
/// interrupted write, and a password generated only when no wallet exists.
pub(crate) fn secrets_diff(
    intent: &WalletIntent,
    secrets: &SecretsView,
    wallet: &WalletView,
) -> PlanPart {
    let mut d = PlanPart::default();
    let dir = &intent.secrets_dir_display;
    d.blockers.extend(not_regular_blockers(dir, secrets));
    d.actions.extend(leftovers_action(dir, secrets));
    d.blockers.extend(directory_refusal(dir, secrets));
    d.blockers.extend(untrusted_blockers(dir, secrets));
    loose_permissions(dir, secrets, &mut d);
    password_step(dir, secrets, wallet, &mut d);
    d
}

/// Something other than a plain file where a secret belongs: lsm neither
/// reads through it nor writes over it.
fn not_regular_blockers(dir: &str, secrets: &SecretsView) -> Vec<Blocker> {
    let mut out = Vec::new();
    for (name, view) in [(PASSWORD_FILE, secrets.password), (SEED_FILE, secrets.seed)] {
        if let FileView::NotRegular { kind } = view {
            out.push(Blocker {
                code: crate::plan::BlockerCode::SecretNotRegularFile,
                address: secret_addr(if name == SEED_FILE {
                    "seed"
                } else {
                    "wallet_password"
                }),
                reason: format!(
                    "{dir}/{name} is {kind}, not a regular file; lsm neither follows nor \
                     replaces it"
                ),
                fix: format!(
                    "put the real {name} there as a plain file (from your backup), mode 0600"
                ),
            });
        }
    }
    out
}

/// Leftovers of a write that was interrupted before its rename: their
/// content never reached lnd, so removing them loses nothing.
fn leftovers_action(dir: &str, secrets: &SecretsView) -> Option<Action> {
    if secrets.temp_leftovers.is_empty() {
        return None;
    }
    Some(Action::new(
        secret_addr("leftovers"),
        ActionKind::Destroy,
        ReasonCode::SecretLeftovers,
        format!(
            "remove {} left in {dir} by an interrupted write (never used)",
            secrets.temp_leftovers.join(", ")
        ),
        Op::Wallet(WalletOp::RemoveLeftovers),
    ))
}

/// A secrets directory that is not the user's own, is writable by others,
/// or holds files that are not lsm's is refused outright.
fn directory_refusal(dir: &str, secrets: &SecretsView) -> Option<Blocker> {
    let (reason, fix) = crate::dirguard::refusal(
        dir,
        crate::dirguard::Role::Secrets,
        &secrets.dir,
        secrets.euid,
    )?;
    Some(Blocker {
        code: crate::plan::BlockerCode::SecretsDirRefused,
        address: Address::DIRECTORY_SECRETS,
        reason,
        fix,
    })
}

/// Any secret file another user owns or could have written is refused: a
/// planted seed would give the signer another's keys.
fn untrusted_blockers(dir: &str, secrets: &SecretsView) -> Vec<Blocker> {
    secrets
        .untrusted
        .iter()
        .map(|why| Blocker {
            code: crate::plan::BlockerCode::SecretUntrusted,
            address: secret_addr("ownership"),
            reason: format!(
                "{dir}/{why}: lsm never uses a secret someone else could have chosen (a planted \
                 seed would give the signer another's keys)"
            ),
            fix: "remove that file and put your own copy there (owned by you, mode 0600), or \
                  point [wallet] secrets_dir at a directory of your own"
                .into(),
        })
        .collect()
}

/// Loose permissions on secrets are drift worth repairing first. The
/// directory's mode is lsm's to repair only when lsm created it; the mode
/// of one it found is the operator's (and never drift), so it only warns.
fn loose_permissions(dir: &str, secrets: &SecretsView, d: &mut PlanPart) {
    let mut loose = Vec::new();
    if let Some(m) = secrets.dir_mode.filter(|m| *m != DIR_MODE) {
        if secrets.dir.marked() {
            loose.push(format!("{dir} is {m:04o}, not {DIR_MODE:04o}"));
        } else if m & 0o022 == 0 {
            d.warnings.push(format!(
                "{dir} is {m:04o}, so others can list the secrets in it; lsm did not create \
                 this directory and leaves its mode to you: chmod 700 {dir}"
            ));
        }
    }
    for (name, view) in [(PASSWORD_FILE, secrets.password), (SEED_FILE, secrets.seed)] {
        if let FileView::Present { mode } = view
            && mode != FILE_MODE
        {
            loose.push(format!("{name} is {mode:04o}, not {FILE_MODE:04o}"));
        }
    }
    if !loose.is_empty() {
        d.actions.push(
            Action::new(
                secret_addr("permissions"),
                ActionKind::Update,
                ReasonCode::SecretPermissions,
                format!("secret files are readable by others: {}", loose.join("; ")),
                Op::Wallet(WalletOp::FixPermissions),
            )
            .drift(),
        );
    }
}

/// The password comes before the wallet: the seed is useless without it
/// once the wallet exists, and lnd's auto-unlock reads it. One is generated
/// only when there is proven to be no wallet.
fn password_step(dir: &str, secrets: &SecretsView, wallet: &WalletView, d: &mut PlanPart) {
    if matches!(secrets.password, FileView::Missing) {
        match missing_password(dir, wallet) {
            Ok(action) => d.actions.push(action),
            Err(blocker) => d.blockers.push(blocker),
        }
    } else if let Some(why) = &secrets.password_problem {
        d.blockers.push(Blocker {
            code: crate::plan::BlockerCode::PasswordFileUnusable,
            address: secret_addr("wallet_password"),
            reason: format!("{dir}/{PASSWORD_FILE} {why}"),
            fix: format!("restore {PASSWORD_FILE} from your backup; lsm never edits it"),
        });
    }
}

/// No password file: generate one for a wallet proven not to exist, and
/// block otherwise (a new password would lock an existing wallet out).
fn missing_password(dir: &str, wallet: &WalletView) -> Result<Action, Blocker> {
    match wallet.exists() {
        Some(false) => Ok(Action::new(
            secret_addr("wallet_password"),
            ActionKind::Create,
            ReasonCode::PasswordMissing,
            format!("generate a random wallet password into {dir}/{PASSWORD_FILE} (0600)"),
            Op::Wallet(WalletOp::GeneratePassword),
        )),
        Some(true) => Err(Blocker {
            code: crate::plan::BlockerCode::PasswordMissingForWallet,
            address: secret_addr("wallet_password"),
            reason: format!(
                "the wallet exists but {dir}/{PASSWORD_FILE} is missing, so lsm cannot unlock it"
            ),
            fix: format!(
                "restore {PASSWORD_FILE} from your backup into {dir}; lsm never invents a \
                 password for an existing wallet"
            ),
        }),
        None => Err(Blocker {
            code: crate::plan::BlockerCode::PasswordMissingWalletUnknown,
            address: secret_addr("wallet_password"),
            reason: format!(
                "{dir}/{PASSWORD_FILE} is missing and lsm cannot tell whether the signer \
                 already has a wallet ({}); a new password would lock such a wallet out",
                unreachable_reason(wallet)
            ),
            fix: format!(
                "restore {PASSWORD_FILE} from your backup into {dir}. If the signer's data \
                 (its Docker volume or lnd_dir) really holds no wallet, remove that data and \
                 lsm will generate a password for a new one"
            ),
        }),
    }
}

/// A seed file that cannot restore a wallet is the only backup gone bad:
/// worth a warning while a wallet may exist. With no wallet, it blocks the
/// restore instead (see [`no_wallet`]).
fn bad_seed_warning(dir: &str, secrets: &SecretsView, exists: Option<bool>) -> Option<String> {
    match (&secrets.seed_problem, secrets.seed) {
        (Some(why), FileView::Present { .. }) if exists != Some(false) => Some(format!(
            "{dir}/{SEED_FILE} could not restore a wallet: {why}. It is the signer's only seed \
             backup lsm knows of: replace it with the words of your offline backup"
        )),
        _ => None,
    }
}

/// Is seed.txt this wallet's backup? A record that says otherwise, or
/// cannot be read, refuses it: no restore from it, no purge on the
/// strength of it (the destroy plan checks the same proof). Returns whether
/// seed.txt may restore the wallet.
fn seed_proof_step(
    intent: &WalletIntent,
    secrets: &SecretsView,
    wallet: &WalletView,
    d: &mut PlanPart,
) -> bool {
    use crate::wallet::proof::{SeedProof, refusal, seed_proof};
    let dir = &intent.secrets_dir_display;
    let exists = wallet.exists();
    let proof = seed_proof(&intent.network, secrets, wallet);
    if let Some((reason, fix)) = refusal(&proof, dir, exists) {
        d.blockers.push(Blocker {
            code: crate::plan::BlockerCode::SeedNotProven,
            address: secret_addr("seed"),
            reason,
            fix,
        });
    }
    match &proof {
        SeedProof::Pending => d.actions.push(Action::new(
            Address::WALLET_IDENTITY,
            ActionKind::Create,
            ReasonCode::IdentityUnrecorded,
            format!(
                "record the identity of the wallet lsm initialised from {dir}/{SEED_FILE} in \
                 {dir}/{IDENTITY_FILE} (apply stopped before it could)"
            ),
            Op::Wallet(WalletOp::RecordIdentity),
        )),
        SeedProof::Unproven if exists == Some(true) => {
            d.notes.push(format!(
                "{dir}/{SEED_FILE} is not proven to restore this wallet (there is no \
                 {IDENTITY_FILE}: lsm did not create or restore this wallet, or did before it \
                 kept one); `lsm seed verify` rehearses a restore in a throwaway lnd and records \
                 the result, and until then the bundle gets no birthday from seed.txt"
            ));
        }
        _ => {}
    }
    !proof.refuses()
}

/// The last rehearsal of this very seed.txt failed: the only backup does
/// not restore the wallet, which monitoring must see.
fn failed_rehearsal_warning(dir: &str, secrets: &SecretsView) -> Option<String> {
    let last = secrets.last_rehearsal.as_ref()?;
    if last.passed || secrets.identity.seed_sha256.as_ref() != Some(&last.seed_sha256) {
        return None;
    }
    Some(format!(
        "the last restore rehearsal of {dir}/{SEED_FILE} {}; put this wallet's own seed \
         words there and run `lsm seed verify` again",
        last.summary()
    ))
}

/// What the wallet itself needs, by what lnd reports of it.
fn wallet_step(
    intent: &WalletIntent,
    secrets: &SecretsView,
    wallet: &WalletView,
    restorable: bool,
    d: &mut PlanPart,
) {
    let dir = &intent.secrets_dir_display;
    let seed_present = !matches!(secrets.seed, FileView::Missing);
    match wallet {
        WalletView::NonExisting
        | WalletView::Unreachable {
            wallet_exists: Some(false),
            ..
        } => match no_wallet(intent, secrets, restorable) {
            Some(Ok(action)) => d.actions.push(action),
            Some(Err(blocker)) => d.blockers.push(blocker),
            None => {}
        },
        WalletView::Unreachable {
            reason,
            wallet_exists: None,
        } => match unseen_wallet(intent, secrets, restorable, reason) {
            Ok(action) => d.actions.push(action),
            Err(note) => d.notes.push(note),
        },
        WalletView::Unreachable {
            wallet_exists: Some(true),
            ..
        } => {
            if !seed_present {
                d.notes.push(seed_absent_note(dir));
            }
        }
        WalletView::Locked => {
            if !seed_present {
                d.notes.push(seed_absent_note(dir));
            }
            locked_wallet(intent, secrets, d);
        }
        WalletView::Unlocked { identity_pubkey } => {
            if !seed_present {
                d.notes.push(seed_absent_note(dir));
            }
            d.blockers
                .extend(identity_mismatch(intent, identity_pubkey.as_deref()));
        }
    }
}

/// lnd has no wallet: restore from seed.txt when it can, create one only
/// when nothing says a wallet (and so a seed) existed before. `None` when a
/// seed file that is not a plain file already blocked the plan.
fn no_wallet(
    intent: &WalletIntent,
    secrets: &SecretsView,
    restorable: bool,
) -> Option<Result<Action, Blocker>> {
    let dir = &intent.secrets_dir_display;
    match secrets.seed {
        // Blocked above; nothing is created or restored past it.
        FileView::NotRegular { .. } => None,
        FileView::Present { .. } => {
            if let Some(why) = &secrets.seed_problem {
                Some(Err(Blocker {
                    code: crate::plan::BlockerCode::SeedCannotRestore,
                    address: wallet_addr(),
                    reason: format!(
                        "the signer has no wallet and {dir}/{SEED_FILE} cannot restore one: {why}"
                    ),
                    fix: format!(
                        "put the words of your offline backup into {dir}/{SEED_FILE}; lsm \
                         never generates a second seed while one exists"
                    ),
                }))
            } else if restorable {
                Some(Ok(restore_action(dir, "(the signer has no wallet)")))
            } else {
                None
            }
        }
        FileView::Missing => Some(no_wallet_no_seed(intent, secrets)),
    }
}

/// No wallet and no seed.txt: a new seed, unless the manifest pins an
/// identity or a sign shows a wallet existed (seed.txt may only have been
/// moved offline, and a new seed would silently give the watch-only node
/// another wallet).
fn no_wallet_no_seed(intent: &WalletIntent, secrets: &SecretsView) -> Result<Action, Blocker> {
    let dir = &intent.secrets_dir_display;
    if let Some(want) = &intent.expected_identity_pubkey {
        Err(Blocker {
            code: crate::plan::BlockerCode::ExpectedIdentityWithoutSeed,
            address: wallet_addr(),
            reason: format!(
                "signer.toml expects identity {want}, but the signer has no wallet and \
                 {dir}/{SEED_FILE} does not exist: a new seed would have another identity"
            ),
            fix: format!(
                "put that wallet's seed words into {dir}/{SEED_FILE} to restore it, or \
                 remove [wallet] expected_identity_pubkey to create a new wallet"
            ),
        })
    } else if let Some(sign) = &secrets.earlier_wallet {
        Err(Blocker {
            code: crate::plan::BlockerCode::SeedMissingWalletExisted,
            address: wallet_addr(),
            reason: format!(
                "the signer has no wallet and {dir}/{SEED_FILE} is missing, but {sign} \
                 shows a wallet existed: a new seed would replace the wallet the \
                 watch-only node knows"
            ),
            fix: format!(
                "put that wallet's seed words into {dir}/{SEED_FILE} to restore it; to \
                 start a new wallet on purpose, remove the old bundle first"
            ),
        })
    } else {
        Ok(create_action(&intent.secrets_dir_display, None))
    }
}

/// lnd cannot be asked and its files do not tell. Apply creates or
/// restores a wallet only when the plan shows it: here, as what happens if
/// lnd turns out to have none. Otherwise a note says what apply will do.
fn unseen_wallet(
    intent: &WalletIntent,
    secrets: &SecretsView,
    restorable: bool,
    reason: &str,
) -> Result<Action, String> {
    let dir = &intent.secrets_dir_display;
    let unseen = format!("if lnd reports no wallet once it runs (not visible now: {reason})");
    match secrets.seed {
        FileView::Present { .. } if secrets.seed_problem.is_none() && restorable => {
            Ok(restore_action(dir, &unseen))
        }
        FileView::Missing
            if secrets.earlier_wallet.is_none()
                && intent.expected_identity_pubkey.is_none()
                && !matches!(secrets.password, FileView::Missing) =>
        {
            Ok(create_action(dir, Some(&unseen)))
        }
        _ => Err(format!(
            "wallet state is not known yet ({reason}); apply unlocks an existing wallet \
             once the signer runs, and stops if there is none"
        )),
    }
}

/// A locked wallet: lnd unlocks it itself with auto_unlock, else lsm does.
fn locked_wallet(intent: &WalletIntent, secrets: &SecretsView, d: &mut PlanPart) {
    let dir = &intent.secrets_dir_display;
    if intent.auto_unlock {
        d.notes.push(
            "the wallet is locked; lnd unlocks it from wallet-unlock-password-file when it \
             starts with lsm's lnd.conf"
                .into(),
        );
    } else if !matches!(secrets.password, FileView::Missing) {
        d.actions.push(Action::new(
            wallet_addr(),
            ActionKind::Update,
            ReasonCode::WalletLocked,
            format!("unlock wallet with {dir}/{PASSWORD_FILE} (auto_unlock is off)"),
            Op::Wallet(WalletOp::UnlockWallet),
        ));
    }
}

/// The running wallet is not the one signer.toml declares.
fn identity_mismatch(intent: &WalletIntent, have: Option<&str>) -> Option<Blocker> {
    let want = intent.expected_identity_pubkey.as_ref()?;
    let have = have?;
    if want.eq_ignore_ascii_case(have) {
        return None;
    }
    Some(Blocker {
        code: crate::plan::BlockerCode::IdentityMismatch,
        address: wallet_addr(),
        reason: format!(
            "the signer's identity pubkey is {have}, but signer.toml expects {want}: \
             this is not the declared wallet"
        ),
        fix: "check that the volume/lnd_dir and seed.txt belong to this signer; if the \
              new identity is intended, update [wallet] expected_identity_pubkey"
            .into(),
    })
}

/// InitWallet with the words in seed.txt; `condition` says when.
fn restore_action(dir: &str, condition: &str) -> Action {
    Action::new(
        wallet_addr(),
        ActionKind::Create,
        ReasonCode::WalletRestore,
        format!("restore wallet from {dir}/{SEED_FILE} {condition}"),
        Op::Wallet(WalletOp::RestoreWallet),
    )
    .note("the existing seed.txt is used as is; no new seed is generated")
}

/// GenSeed → seed.txt → InitWallet, only if `condition` (when given) holds.
fn create_action(dir: &str, condition: Option<&str>) -> Action {
    let when = condition.map(|c| format!(" {c}")).unwrap_or_default();
    Action::new(
        wallet_addr(),
        ActionKind::Create,
        ReasonCode::WalletCreate,
        format!(
            "create wallet{when}: GenSeed, save {dir}/{SEED_FILE} (0600, durable before \
             InitWallet), InitWallet"
        ),
        Op::Wallet(WalletOp::CreateWallet),
    )
    .note("back seed.txt up offline after apply")
}

/// Why lnd could not be asked (for a blocker's reason).
fn unreachable_reason(wallet: &WalletView) -> String {
    match wallet {
        WalletView::Unreachable { reason, .. } => reason.clone(),
        _ => "lnd did not say".into(),
    }
}

fn seed_absent_note(dir: &str) -> String {
    format!(
        "{dir}/{SEED_FILE} is not present; lsm never recreates it. Make sure the seed is backed up \
         offline"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent() -> WalletIntent {
        WalletIntent {
            secrets_dir_display: "~/.lnget/signer".into(),
            network: "regtest".into(),
            auto_unlock: true,
            expected_identity_pubkey: None,
        }
    }

    fn secrets(password: bool, seed: bool) -> SecretsView {
        let f = |p| {
            if p {
                FileView::Present { mode: 0o600 }
            } else {
                FileView::Missing
            }
        };
        SecretsView {
            dir_mode: Some(0o700),
            dir: crate::dirguard::DirView::Present {
                uid: 0,
                mode: 0o700,
                marked: true,
                foreign: Vec::new(),
            },
            euid: 0,
            untrusted: Vec::new(),
            password: f(password),
            password_problem: None,
            seed: f(seed),
            seed_problem: None,
            temp_leftovers: Vec::new(),
            earlier_wallet: None,
            identity: crate::wallet::identity::IdentityView {
                seed_sha256: seed.then(|| "aa".to_string()),
                ..Default::default()
            },
            last_rehearsal: None,
        }
    }

    fn ops(d: &PlanPart) -> Vec<Op> {
        d.actions.iter().map(|a| a.op.clone()).collect()
    }

    #[test]
    fn fresh_signer_gets_password_then_wallet() {
        let d = diff(&intent(), &secrets(false, false), &WalletView::NonExisting);
        assert_eq!(
            ops(&d),
            [
                Op::Wallet(WalletOp::GeneratePassword),
                Op::Wallet(WalletOp::CreateWallet)
            ]
        );
        assert!(d.blockers.is_empty());
    }

    #[test]
    fn existing_seed_means_restore_never_create() {
        for password in [false, true] {
            let d = diff(
                &intent(),
                &secrets(password, true),
                &WalletView::NonExisting,
            );
            assert!(ops(&d).contains(&Op::Wallet(WalletOp::RestoreWallet)));
            assert!(!ops(&d).contains(&Op::Wallet(WalletOp::CreateWallet)));
        }
    }

    #[test]
    fn existing_wallet_without_password_is_blocked() {
        let d = diff(&intent(), &secrets(false, true), &WalletView::Locked);
        assert_eq!(d.blockers.len(), 1);
        assert!(
            ops(&d).is_empty(),
            "no password is invented for an existing wallet"
        );
    }

    #[test]
    fn identity_mismatch_is_blocked() {
        let mut i = intent();
        i.expected_identity_pubkey = Some(format!("02{}", "a".repeat(64)));
        let view = WalletView::Unlocked {
            identity_pubkey: Some(format!("03{}", "b".repeat(64))),
        };
        let d = diff(&i, &secrets(true, true), &view);
        assert_eq!(d.blockers.len(), 1);
        assert!(d.blockers[0].reason.contains("expects"));
    }

    #[test]
    fn converged_wallet_needs_nothing() {
        let view = WalletView::Unlocked {
            identity_pubkey: Some("02ab".into()),
        };
        let d = diff(&intent(), &secrets(true, true), &view);
        assert!(d.actions.is_empty() && d.blockers.is_empty(), "{d:?}");
    }

    #[test]
    fn locked_without_auto_unlock_is_unlocked() {
        let mut i = intent();
        i.auto_unlock = false;
        let d = diff(&i, &secrets(true, true), &WalletView::Locked);
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::UnlockWallet)]);
    }

    #[test]
    fn loose_modes_are_repaired() {
        let mut s = secrets(true, true);
        s.seed = FileView::Present { mode: 0o644 };
        let d = diff(
            &intent(),
            &s,
            &WalletView::Unlocked {
                identity_pubkey: None,
            },
        );
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::FixPermissions)]);
        assert!(d.actions[0].drift);
    }

    /// "[changed outside lsm]" only for a mode lsm set: the mode of a
    /// secrets directory lsm did not create is the operator's, reported
    /// (when others can read it) but never chmodded nor called drift.
    #[test]
    fn only_a_directory_lsm_created_gets_its_mode_repaired_as_drift() {
        let unlocked = WalletView::Unlocked {
            identity_pubkey: None,
        };
        let mut s = secrets(true, true);
        s.dir_mode = Some(0o750);
        let d = diff(&intent(), &s, &unlocked);
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::FixPermissions)]);
        assert!(d.actions[0].drift);
        s.dir = crate::dirguard::DirView::Present {
            uid: 0,
            mode: 0o750,
            marked: false,
            foreign: Vec::new(),
        };
        let d = diff(&intent(), &s, &unlocked);
        assert!(ops(&d).is_empty(), "{d:?}");
        assert_eq!(d.warnings.len(), 1, "{d:?}");
        assert!(d.warnings[0].contains("leaves its mode to you"), "{d:?}");
        s.dir_mode = Some(0o700);
        assert!(diff(&intent(), &s, &unlocked).warnings.is_empty());
    }

    #[test]
    fn a_world_writable_directory_or_a_foreign_seed_blocks() {
        let mut s = secrets(true, true);
        s.dir = crate::dirguard::DirView::Present {
            uid: 0,
            mode: 0o1777,
            marked: false,
            foreign: Vec::new(),
        };
        s.untrusted = vec!["seed.txt belongs to uid 65534".into()];
        s.seed_problem = Some("it belongs to uid 65534".into());
        let d = diff(&intent(), &s, &WalletView::NonExisting);
        assert!(
            !ops(&d).contains(&Op::Wallet(WalletOp::RestoreWallet)),
            "never restored: {d:?}"
        );
        let reasons: Vec<&str> = d.blockers.iter().map(|b| b.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("world-writable")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("uid 65534")),
            "{reasons:?}"
        );
    }

    #[test]
    fn an_unseen_wallet_is_planned_as_what_happens_if_there_is_none() {
        let view = WalletView::Unreachable {
            reason: "the container does not exist".into(),
            wallet_exists: None,
        };
        // With seed.txt: restore, only if lnd reports no wallet.
        let d = diff(&intent(), &secrets(true, true), &view);
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::RestoreWallet)]);
        assert!(d.actions[0].reason.contains("if lnd reports no wallet"));
        // Without: create, likewise.
        let d = diff(&intent(), &secrets(true, false), &view);
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::CreateWallet)]);
        // Never a new seed against a declared identity or an earlier
        // wallet's bundle: apply then stops if lnd has no wallet.
        let mut i = intent();
        i.expected_identity_pubkey = Some(format!("02{}", "a".repeat(64)));
        assert!(diff(&i, &secrets(true, false), &view).actions.is_empty());
        let mut s = secrets(true, false);
        s.earlier_wallet = Some("bundle/accounts.json".into());
        let d = diff(&intent(), &s, &view);
        assert!(d.actions.is_empty() && d.notes.len() == 1, "{d:?}");
    }

    fn unknown(reason: &str) -> WalletView {
        WalletView::Unreachable {
            reason: reason.into(),
            wallet_exists: None,
        }
    }

    #[test]
    fn no_password_is_invented_unless_the_wallet_is_proven_absent() {
        // The container is gone but the volume (and maybe a wallet) is not.
        let d = diff(
            &intent(),
            &secrets(false, false),
            &unknown("the container does not exist"),
        );
        assert!(ops(&d).is_empty(), "{d:?}");
        assert_eq!(d.blockers.len(), 1);
        assert!(d.blockers[0].reason.contains("cannot tell"), "{d:?}");
        // No data at all: the runtime proves there is no wallet.
        let absent = WalletView::Unreachable {
            reason: "the container does not exist".into(),
            wallet_exists: Some(false),
        };
        let d = diff(&intent(), &secrets(false, false), &absent);
        assert_eq!(
            ops(&d),
            [
                Op::Wallet(WalletOp::GeneratePassword),
                Op::Wallet(WalletOp::CreateWallet)
            ]
        );
    }

    #[test]
    fn an_expected_identity_is_never_met_with_a_new_seed() {
        let mut i = intent();
        i.expected_identity_pubkey = Some(format!("02{}", "a".repeat(64)));
        let d = diff(&i, &secrets(true, false), &WalletView::NonExisting);
        assert!(ops(&d).is_empty(), "{d:?}");
        assert!(d.blockers[0].reason.contains("another identity"));
        // With the seed there, it is restored (and the identity checked after).
        let d = diff(&i, &secrets(true, true), &WalletView::NonExisting);
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::RestoreWallet)]);
    }

    #[test]
    fn a_seed_file_that_cannot_restore_blocks_a_restore_and_warns_otherwise() {
        let mut s = secrets(true, true);
        s.seed_problem = Some("its checksum does not match".into());
        let d = diff(&intent(), &s, &WalletView::NonExisting);
        assert!(ops(&d).is_empty(), "no restore, and no second seed: {d:?}");
        assert!(d.blockers[0].reason.contains("checksum"));
        assert!(d.warnings.is_empty());
        let d = diff(
            &intent(),
            &s,
            &WalletView::Unlocked {
                identity_pubkey: None,
            },
        );
        assert!(d.blockers.is_empty() && ops(&d).is_empty());
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].contains("only seed"));
    }

    #[test]
    fn secret_paths_that_are_not_plain_files_block() {
        let mut s = secrets(true, false);
        s.seed = FileView::NotRegular {
            kind: "a symbolic link",
        };
        let d = diff(&intent(), &s, &WalletView::NonExisting);
        assert!(ops(&d).is_empty(), "neither create nor restore: {d:?}");
        assert!(d.blockers[0].reason.contains("symbolic link"));
        let mut s = secrets(true, true);
        s.password = FileView::NotRegular {
            kind: "a named pipe (FIFO)",
        };
        let d = diff(&intent(), &s, &WalletView::Locked);
        assert!(d.blockers[0].reason.contains("named pipe"));
    }

    #[test]
    fn a_short_password_file_blocks() {
        let mut s = secrets(true, true);
        s.password_problem = Some("holds fewer than 8 bytes".into());
        let d = diff(&intent(), &s, &WalletView::Locked);
        assert_eq!(d.blockers.len(), 1);
    }

    #[test]
    fn leftovers_of_interrupted_writes_are_removed() {
        let mut s = secrets(true, true);
        s.temp_leftovers = vec![".lsm-tmp-seed.txt.Ab12".into()];
        let d = diff(
            &intent(),
            &s,
            &WalletView::Unlocked {
                identity_pubkey: None,
            },
        );
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::RemoveLeftovers)]);
    }

    #[test]
    fn a_bundle_of_an_earlier_wallet_forbids_a_new_seed() {
        let mut s = secrets(true, false);
        s.earlier_wallet = Some("out/credentials-bundle/accounts.json".into());
        let d = diff(&intent(), &s, &WalletView::NonExisting);
        assert!(ops(&d).is_empty(), "{d:?}");
        assert!(d.blockers[0].reason.contains("a wallet existed"));
        // With its seed there, the wallet is restored.
        let mut s = secrets(true, true);
        s.earlier_wallet = Some("out/credentials-bundle/accounts.json".into());
        let d = diff(&intent(), &s, &WalletView::NonExisting);
        assert_eq!(ops(&d), [Op::Wallet(WalletOp::RestoreWallet)]);
    }
}
