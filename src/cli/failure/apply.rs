//! [`apply::Error`](crate::apply::Error) as a command failure: a held lock
//! exits 4; a blocked plan, or a wallet step the approved plan did not show,
//! is a protection (exit 5). A lower layer's error keeps that layer's exit
//! code and hints; lnd's last log lines follow the failure they explain.

use crate::apply::Error;
use crate::error::{Failure, chain};
use crate::exit::Exit;

/// Said under a watch-only lnd's failed wait.
const SYNC_HINT: &str = "a watch-only lnd becomes active only after its chain backend has synced \
     (its log says \"Waiting for chain backend to finish sync\"); a first sync can take longer \
     than --timeout: raise it, or run apply again once lnd has caught up";

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let (exit, hint) = match e {
            Error::Runtime(e) => return e.into(),
            Error::Observe(e) => return e.into(),
            Error::Reconcile(e) => return (*e).into(),
            Error::Wallet(e) => return e.into(),
            Error::Watchonly(e) => return e.into(),
            Error::Lnd(e) => return e.into(),
            Error::WatchOnlyNotReady(e) => return Failure::from(*e).hint(SYNC_HINT),
            // The failure's exit code and hints, with lnd's last lines
            // under its message.
            Error::WithLogs { error, logs } => {
                let mut f = Failure::from(*error);
                f.message.push_str(&logs.to_string());
                return f;
            }
            Error::Blocked { ref blockers } => {
                let fixes: Vec<String> = blockers.iter().map(|b| b.fix.clone()).collect();
                let mut f = Failure::with_exit(Exit::Blocked, chain(&e));
                for fix in fixes {
                    f = f.hint(fix);
                }
                return f;
            }
            Error::LockHeld { .. } => (
                Exit::LockHeld,
                Some(
                    "wait for that lsm to finish and run again; the lock is released \
                     automatically when it exits",
                ),
            ),
            Error::Unplanned { .. } => (
                Exit::Blocked,
                Some("run `lsm plan` again: it now sees the wallet state; apply that plan"),
            ),
            Error::NoStateDir => (Exit::Error, Some("set LSM_STATE_DIR")),
            Error::NoTerminal => (
                Exit::Error,
                Some("review `lsm plan`, then run with --auto-approve, or apply a saved plan file"),
            ),
            Error::ChangedUnderneath { .. } => (
                Exit::Error,
                Some("run `lsm plan` to see the current state, then apply again"),
            ),
            Error::NotConverged { .. } => (
                Exit::Error,
                Some("run `lsm plan` to see why; the steps already done are kept"),
            ),
            Error::Ledger { .. } => (
                Exit::Error,
                Some(
                    "lsm records the macaroon root keys it bakes there, so it can revoke them later",
                ),
            ),
            Error::AdminMacaroonNotWritten => (Exit::Error, Some("run `lsm apply` again")),
            Error::NoAdminMacaroon => (
                Exit::Error,
                Some(
                    "restart lnd, which writes a missing admin.macaroon when the wallet is \
                     unlocked, then run `lsm apply` again",
                ),
            ),
            Error::LockDir { .. }
            | Error::OpenLock { .. }
            | Error::Lock { .. }
            | Error::RecordHolder { .. }
            | Error::ReadAnswer(_)
            | Error::NotUp { .. }
            | Error::NotRunning { .. }
            | Error::Unreachable { .. }
            | Error::NoIdentity
            | Error::PendingGone
            | Error::NotWatchOnly { .. } => (Exit::Error, None),
        };
        Failure::with_exit(exit, chain(&e)).with_hints(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lnd::error::LndError;
    use crate::plan::op::{Op, WalletOp};
    use crate::plan::{Action, ActionKind, Address, Blocker, BlockerCode, ReasonCode};

    fn blocker(address: Address, reason: &str, fix: &str) -> Blocker {
        Blocker {
            code: BlockerCode::PurgeNative,
            address,
            reason: reason.into(),
            fix: fix.into(),
        }
    }

    #[test]
    fn a_held_lock_exits_4_naming_the_holder() {
        let f = Failure::from(Error::LockHeld {
            signer: "s".into(),
            path: "/state/locks/s.lock".into(),
            holder: Some(crate::apply::lock::Holder {
                pid: 42,
                command: "lsm apply".into(),
                since: 0,
            }),
            held_secs: 7,
        });
        assert_eq!(f.exit, Exit::LockHeld);
        assert_eq!(
            f.message,
            "signer \"s\" is locked by pid 42 (`lsm apply`, for 7s) (lock file \
             /state/locks/s.lock)"
        );
        assert_eq!(
            f.hints,
            [
                "wait for that lsm to finish and run again; the lock is released automatically \
              when it exits"
            ]
        );
    }

    #[test]
    fn a_blocked_round_exits_5_with_each_fix() {
        let f = Failure::from(Error::Blocked {
            blockers: vec![
                blocker(Address::VOLUME_DATA, "r1", "fix one"),
                blocker(Address::FILE_LND_CONF, "r2", "fix two"),
            ],
        });
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(f.message, "blocked: volume.data: r1; file.lnd_conf: r2");
        assert_eq!(f.hints, ["fix one", "fix two"]);
    }

    #[test]
    fn a_wallet_the_plan_did_not_show_is_a_protection() {
        let f = Failure::from(Error::Unplanned {
            address: Address::WALLET_SIGNER,
            reason: "no wallet".into(),
        });
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            "now that the signer runs, it needs: wallet.signer (no wallet), which the plan did \
             not show; nothing was generated"
        );
        assert_eq!(
            f.hints,
            ["run `lsm plan` again: it now sees the wallet state; apply that plan"]
        );
    }

    #[test]
    fn not_converging_lists_what_is_left() {
        let action = Action::new(
            Address::WALLET_SIGNER,
            ActionKind::Create,
            ReasonCode::ImageMissing,
            "no wallet",
            Op::Wallet(WalletOp::CreateWallet),
        );
        let f = Failure::from(Error::NotConverged {
            actions: vec![action],
            blockers: vec![blocker(Address::VOLUME_DATA, "r", "f")],
            incomplete: Some("lnd is locked".into()),
        });
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(
            f.message,
            "apply did not converge; still to do:\n  + wallet.signer: no wallet\n  ! \
             volume.data: r\n  ? lnd: lnd is locked; the wallet, macaroons and bundle could \
             not be checked"
        );
        assert_eq!(
            f.hints,
            ["run `lsm plan` to see why; the steps already done are kept"]
        );
    }

    /// lnd's last lines follow the failure's own message, which keeps its
    /// layer's hints; a watch-only wait adds the chain sync's.
    #[test]
    fn log_lines_follow_the_failure_and_keep_its_hints() {
        let e = Error::WithLogs {
            error: Box::new(Error::WatchOnlyNotReady(Box::new(Error::Lnd(
                LndError::NotReady,
            )))),
            logs: crate::runtime::LndLogs(vec!["line one".into(), "line two".into()]),
        };
        assert!(e.has_lnd_logs());
        let lnd = Failure::from(LndError::NotReady);
        let f = Failure::from(e);
        assert_eq!(f.exit, lnd.exit);
        assert_eq!(
            f.message,
            format!(
                "{}\nlast lnd log lines:\n  line one\n  line two",
                lnd.message
            )
        );
        let mut hints = lnd.hints.clone();
        hints.push(SYNC_HINT.to_string());
        assert_eq!(f.hints, hints);
        assert!(!Error::NotRunning { why: "x".into() }.has_lnd_logs());
    }

    /// A runtime error that already shows lnd's lines (a failed start) gets
    /// none attached again, however apply reached it.
    #[test]
    fn a_failed_start_already_shows_its_log_lines() {
        use crate::plan::op::{DockerOp, NativeOp, RuntimeOp, Vocabulary};
        let op = RuntimeOp::Native(NativeOp::StartProcess);
        let started = || {
            crate::runtime::Error::with_logs(DockerOp::expect(&op).unwrap_err(), vec!["l".into()])
        };
        assert!(Error::from(started()).has_lnd_logs());
        assert!(Error::from(crate::observe::Error::from(started())).has_lnd_logs());
        assert!(Error::WatchOnlyNotReady(Box::new(started().into())).has_lnd_logs());
        let plain = crate::runtime::Error::from(DockerOp::expect(&op).unwrap_err());
        assert!(!Error::from(plain).has_lnd_logs());
    }

    #[test]
    fn the_approval_gate_says_how_to_approve() {
        let f = Failure::from(Error::NoTerminal);
        assert_eq!(f.exit, Exit::Error);
        assert_eq!(
            f.message,
            "refusing to change the signer without approval: stdin is not a terminal"
        );
        assert_eq!(
            f.hints,
            ["review `lsm plan`, then run with --auto-approve, or apply a saved plan file"]
        );
        let f = Failure::from(Error::ReadAnswer(std::io::Error::other("closed")));
        assert_eq!(f.message, "cannot read the answer: closed");
    }
}
