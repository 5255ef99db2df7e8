//! What stops apply: the per-signer lock, the approval prompt, and every
//! step and check of the executor. The CLI edge (`cli::failure::apply`)
//! decides the exit code and the hints: a held lock, a blocked plan or a
//! wallet step the plan did not show are variants it recognises; a lower
//! layer's error keeps that layer's own.

use super::lock::Holder;
use crate::lnd::error::LndError;
use crate::plan::{Action, Address, Blocker};
use crate::runtime::LndLogs;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Neither LSM_STATE_DIR nor a home directory says where lsm keeps
    /// its state (the locks).
    #[error("cannot find a home directory for lsm's state")]
    NoStateDir,
    #[error("cannot create lock directory {}", dir.display())]
    LockDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open lock {}", path.display())]
    OpenLock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot lock {}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot record the lock holder in {}", path.display())]
    RecordHolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another writer holds the signer's lock (and kept it past the wait);
    /// `holder` is who, as its lock file says, for `held_secs` seconds.
    #[error(
        "signer \"{signer}\" is locked by {} (lock file {})",
        holder_text(.holder.as_ref(), *.held_secs),
        .path.display()
    )]
    LockHeld {
        signer: String,
        path: PathBuf,
        holder: Option<Holder>,
        held_secs: u64,
    },
    /// No terminal to ask for approval, and none was given otherwise.
    #[error("refusing to change the signer without approval: stdin is not a terminal")]
    NoTerminal,
    #[error("cannot read the answer")]
    ReadAnswer(#[source] std::io::Error),

    #[error(transparent)]
    Runtime(#[from] crate::runtime::Error),
    #[error(transparent)]
    Observe(#[from] crate::observe::Error),
    /// Boxed: it can hold a runtime error beside more, which would make
    /// every `Result` of this error large.
    #[error(transparent)]
    Reconcile(Box<crate::reconcile::Error>),
    #[error(transparent)]
    Wallet(#[from] crate::wallet::Error),
    #[error(transparent)]
    Watchonly(#[from] crate::watchonly::Error),
    #[error(transparent)]
    Lnd(#[from] LndError),

    /// A fresh observation's plan has protections that refuse it.
    #[error(
        "blocked: {}",
        .blockers
            .iter()
            .map(|b| format!("{}: {}", b.address, b.reason))
            .collect::<Vec<_>>()
            .join("; ")
    )]
    Blocked { blockers: Vec<Blocker> },
    /// A runtime or host-file step is due again while the signer phase
    /// runs: something else changed the signer.
    #[error("{address} changed while apply was running ({reason}); nothing more was done")]
    ChangedUnderneath { address: Address, reason: String },
    /// A running lnd needs a wallet created or restored that the approved
    /// plan did not show.
    #[error(
        "now that the signer runs, it needs: {address} ({reason}), which the plan did not \
         show; nothing was generated"
    )]
    Unplanned { address: Address, reason: String },
    /// The observation after the last round still plans something, or
    /// `incomplete` says why lnd could not be seen whole.
    #[error(
        "apply did not converge; still to do:\n  {}",
        still_to_do(.actions, .blockers, .incomplete.as_deref())
    )]
    NotConverged {
        actions: Vec<Action>,
        blockers: Vec<Blocker>,
        incomplete: Option<String>,
    },
    /// The runtime never showed how to reach lnd; `secs` is the wait
    /// apply names.
    #[error("lnd did not come up within {secs}s: {reason}")]
    NotUp { secs: u64, reason: String },
    /// The runtime reports that lnd stopped or keeps exiting.
    #[error("lnd is not running: {why}")]
    NotRunning { why: String },
    /// The runtime cannot say how to reach lnd, in its own words.
    #[error("{reason}")]
    Unreachable { reason: String },
    #[error("lnd did not report the wallet's identity; nothing was recorded")]
    NoIdentity,
    #[error("the pending identity note is gone; run `lsm plan` again")]
    PendingGone,
    /// A watch-only `step` ("record", "wallet") planned for a signer: a
    /// bug in lsm, never executed.
    #[error("internal: a watch-only {step} step for a signer")]
    NotWatchOnly { step: &'static str },
    /// lsm's record of the macaroon root keys it baked cannot be updated.
    #[error("{reason}")]
    Ledger { reason: String },
    /// An interrupted apply's InitWallet made the wallet, and lnd's
    /// admin.macaroon cannot be read back yet.
    #[error("lnd created the wallet but its admin.macaroon is not readable yet")]
    AdminMacaroonNotWritten,
    #[error("lnd's admin.macaroon is not available, so lsm cannot bake or revoke")]
    NoAdminMacaroon,

    /// A watch-only lnd did not become ready: its chain backend may still
    /// be syncing, which the edge says beside the failure itself.
    #[error(transparent)]
    WatchOnlyNotReady(Box<Error>),
    /// lnd failed to start or settle, and these are the last lines it
    /// wrote. The lines follow the failure's text, so this variant renders
    /// the failure itself (with its own chain) rather than as a `#[source]`,
    /// which would print it twice (as `runtime::Error::NoStart` does).
    #[error("{}{logs}", crate::error::chain(&**error))]
    WithLogs { error: Box<Error>, logs: LndLogs },
}

impl Error {
    /// Whether the error already shows lnd's last log lines (a failed
    /// start reports them), so apply does not attach them a second time.
    pub(crate) fn has_lnd_logs(&self) -> bool {
        match self {
            Error::WithLogs { .. } => true,
            Error::WatchOnlyNotReady(e) => e.has_lnd_logs(),
            Error::Runtime(e) => e.has_lnd_logs(),
            Error::Observe(e) => e.has_lnd_logs(),
            Error::Reconcile(e) => e.has_lnd_logs(),
            Error::NoStateDir
            | Error::LockDir { .. }
            | Error::OpenLock { .. }
            | Error::Lock { .. }
            | Error::RecordHolder { .. }
            | Error::LockHeld { .. }
            | Error::NoTerminal
            | Error::ReadAnswer(_)
            | Error::Wallet(_)
            | Error::Watchonly(_)
            | Error::Lnd(_)
            | Error::Blocked { .. }
            | Error::ChangedUnderneath { .. }
            | Error::Unplanned { .. }
            | Error::NotConverged { .. }
            | Error::NotUp { .. }
            | Error::NotRunning { .. }
            | Error::Unreachable { .. }
            | Error::NoIdentity
            | Error::PendingGone
            | Error::NotWatchOnly { .. }
            | Error::Ledger { .. }
            | Error::AdminMacaroonNotWritten
            | Error::NoAdminMacaroon => false,
        }
    }
}

impl From<crate::reconcile::Error> for Error {
    fn from(e: crate::reconcile::Error) -> Self {
        Error::Reconcile(Box::new(e))
    }
}

fn holder_text(holder: Option<&Holder>, held_secs: u64) -> String {
    match holder {
        Some(h) => format!("pid {} (`{}`, for {held_secs}s)", h.pid, h.command),
        None => "another process".to_string(),
    }
}

fn still_to_do(actions: &[Action], blockers: &[Blocker], incomplete: Option<&str>) -> String {
    let mut lines: Vec<String> = actions
        .iter()
        .map(|a| format!("{} {}: {}", a.kind.symbol(), a.address, a.reason))
        .collect();
    lines.extend(
        blockers
            .iter()
            .map(|b| format!("! {}: {}", b.address, b.reason)),
    );
    if let Some(why) = incomplete {
        lines.push(format!(
            "? lnd: {why}; the wallet, macaroons and bundle could not be checked"
        ));
    }
    lines.join("\n  ")
}
