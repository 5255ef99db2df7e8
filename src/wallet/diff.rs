//! Decides what the wallet and its secret files need. Pure: it sees the
//! secrets directory and lnd's wallet state as plain views, so every rule
//! below is unit-tested without a signer.
//!
//! The rules, in the order an operator guarding money cares about them:
//! 1. A seed file is never overwritten, and no second seed is generated
//!    while one exists: an existing seed.txt means *restore*, never *create*.
//! 2. A wallet that exists is never re-initialised.
//! 3. When the files and the wallet disagree (the wallet exists but its
//!    password is gone, or its identity is not the declared one) the plan is
//!    blocked (exit 5) with an explanation, instead of guessing.

use crate::plan::op::{Op, WalletOp};
use crate::plan::{Action, ActionKind, Address, Blocker};
use crate::secrets::{DIR_MODE, FILE_MODE};
use serde::Serialize;

/// File names inside `[wallet] secrets_dir`.
pub const PASSWORD_FILE: &str = "wallet-password.txt";
pub const SEED_FILE: &str = "seed.txt";

/// What the manifest asks of the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletIntent {
    /// Shown in reasons, e.g. `~/.lnget/signer`.
    pub secrets_dir_display: String,
    pub auto_unlock: bool,
    pub expected_identity_pubkey: Option<String>,
}

/// A secret file as observed: presence and mode, never content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FileView {
    Missing,
    Present { mode: u32 },
}

/// The secrets directory as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretsView {
    /// None when the directory does not exist.
    pub dir_mode: Option<u32>,
    pub password: FileView,
    pub seed: FileView,
}

/// The wallet as lnd reports it, or why it cannot be seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WalletView {
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
    pub fn exists(&self) -> Option<bool> {
        match self {
            WalletView::Unreachable { wallet_exists, .. } => *wallet_exists,
            WalletView::NonExisting => Some(false),
            WalletView::Locked | WalletView::Unlocked { .. } => Some(true),
        }
    }
}

/// The wallet's part of a plan.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WalletDiff {
    pub actions: Vec<Action>,
    pub blockers: Vec<Blocker>,
    pub notes: Vec<String>,
}

fn secret_addr(name: &str) -> Address {
    Address::new("secret", name)
}

fn wallet_addr() -> Address {
    Address::new("wallet", "signer")
}

/// The wallet's actions, blockers and notes.
pub fn diff(intent: &WalletIntent, secrets: &SecretsView, wallet: &WalletView) -> WalletDiff {
    let mut d = WalletDiff::default();
    let dir = &intent.secrets_dir_display;
    let exists = wallet.exists();
    let seed_present = matches!(secrets.seed, FileView::Present { .. });
    let password_present = matches!(secrets.password, FileView::Present { .. });

    // Loose permissions on secrets are drift worth repairing first.
    let mut loose = Vec::new();
    if let Some(m) = secrets.dir_mode.filter(|m| *m != DIR_MODE) {
        loose.push(format!("{dir} is {m:04o}, not {DIR_MODE:04o}"));
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
                format!("secret files are readable by others: {}", loose.join("; ")),
                Op::Wallet(WalletOp::FixPermissions),
            )
            .drift(),
        );
    }

    // The password comes before the wallet: the seed is useless without it
    // once the wallet exists, and lnd's auto-unlock reads it.
    if !password_present {
        if exists == Some(true) {
            d.blockers.push(Blocker {
                address: secret_addr("wallet_password"),
                reason: format!(
                    "the wallet exists but {dir}/{PASSWORD_FILE} is missing, so lsm cannot unlock it"
                ),
                fix: format!(
                    "restore {PASSWORD_FILE} from your backup into {dir}; lsm never invents a \
                     password for an existing wallet"
                ),
            });
        } else {
            d.actions.push(Action::new(
                secret_addr("wallet_password"),
                ActionKind::Create,
                format!("generate a random wallet password into {dir}/{PASSWORD_FILE} (0600)"),
                Op::Wallet(WalletOp::GeneratePassword),
            ));
        }
    }

    match wallet {
        WalletView::NonExisting
        | WalletView::Unreachable {
            wallet_exists: Some(false),
            ..
        } => {
            if seed_present {
                d.actions.push(
                    Action::new(
                        wallet_addr(),
                        ActionKind::Create,
                        format!("restore wallet from {dir}/{SEED_FILE} (the signer has no wallet)"),
                        Op::Wallet(WalletOp::RestoreWallet),
                    )
                    .note("the existing seed.txt is used as is; no new seed is generated"),
                );
            } else {
                d.actions.push(
                    Action::new(
                        wallet_addr(),
                        ActionKind::Create,
                        format!(
                            "create wallet: GenSeed, save {dir}/{SEED_FILE} (0600, durable before \
                             InitWallet), InitWallet"
                        ),
                        Op::Wallet(WalletOp::CreateWallet),
                    )
                    .note("back seed.txt up offline after apply"),
                );
            }
        }
        WalletView::Unreachable {
            reason,
            wallet_exists: None,
        } => {
            d.notes.push(format!(
                "wallet state is not known yet ({reason}); apply checks it once the signer runs and \
                 then creates, restores or unlocks as needed"
            ));
        }
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
            if intent.auto_unlock {
                d.notes.push(
                    "the wallet is locked; lnd unlocks it from wallet-unlock-password-file when it \
                     starts with lsm's lnd.conf"
                        .into(),
                );
            } else if password_present {
                d.actions.push(Action::new(
                    wallet_addr(),
                    ActionKind::Update,
                    format!("unlock wallet with {dir}/{PASSWORD_FILE} (auto_unlock is off)"),
                    Op::Wallet(WalletOp::UnlockWallet),
                ));
            }
        }
        WalletView::Unlocked { identity_pubkey } => {
            if !seed_present {
                d.notes.push(seed_absent_note(dir));
            }
            if let (Some(want), Some(have)) = (&intent.expected_identity_pubkey, identity_pubkey)
                && !want.eq_ignore_ascii_case(have)
            {
                d.blockers.push(Blocker {
                    address: wallet_addr(),
                    reason: format!(
                        "the signer's identity pubkey is {have}, but signer.toml expects {want}: \
                         this is not the declared wallet"
                    ),
                    fix:
                        "check that the volume/lnd_dir and seed.txt belong to this signer; if the \
                          new identity is intended, update [wallet] expected_identity_pubkey"
                            .into(),
                });
            }
        }
    }
    d
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
            password: f(password),
            seed: f(seed),
        }
    }

    fn ops(d: &WalletDiff) -> Vec<Op> {
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

    #[test]
    fn unknown_wallet_state_is_a_note_not_a_guess() {
        let view = WalletView::Unreachable {
            reason: "the container does not exist".into(),
            wallet_exists: None,
        };
        let d = diff(&intent(), &secrets(true, true), &view);
        assert!(d.actions.is_empty());
        assert_eq!(d.notes.len(), 1);
    }
}
