//! Why a wallet step could not be carried out. Most are protections of the
//! seed and the password (a file missing, not the user's own, or refused by
//! lnd); the CLI edge decides which exit code each is.

use crate::lnd::error::LndError;
use crate::regular_file::ReadError;
use crate::wallet::identity::RecordError;
use std::io;
use std::path::PathBuf;

/// What can go wrong carrying out a wallet action or using its files.
/// Messages name files and fingerprints, never a word or the password.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Secrets(#[from] crate::secrets::Error),
    #[error(transparent)]
    Dir(#[from] crate::dirguard::Error),
    #[error(transparent)]
    Lnd(#[from] LndError),
    /// A secret file that must exist (the password, seed.txt) does not.
    #[error("{} is missing", path.display())]
    Missing { path: PathBuf },
    /// A secret file someone else could have chosen; `why` says who.
    #[error("refusing to use {}: {why}", path.display())]
    NotOwn { path: PathBuf, why: String },
    /// A secret file that cannot be read (not a regular file, I/O).
    #[error("cannot use {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
    /// wallet-password.txt holds what lnd would refuse.
    #[error("{} {why}", path.display())]
    BadPassword { path: PathBuf, why: String },
    /// seed.txt fails the offline checks (`why` names a word's position,
    /// never a word).
    #[error("{} is not a usable seed: {why}", path.display())]
    BadSeed { path: PathBuf, why: String },
    #[error("{} exists; refusing to generate a second seed", path.display())]
    SeedExists { path: PathBuf },
    #[error("the signer already has a wallet now, though the plan expected none")]
    WalletExistsNow,
    #[error("the signer has no wallet now, though the plan expected a locked one")]
    NoWalletNow,
    /// InitWallet lost a race to a caller that was not an earlier apply.
    #[error(
        "lnd got a wallet from elsewhere while lsm restored seed.txt: no earlier apply of lsm \
         gave lnd these words, so seed.txt is not proven to be that wallet's backup"
    )]
    WalletFromElsewhere,
    /// aezeed (in lnd) refused seed.txt's words.
    #[error("lnd rejected the words in {}", path.display())]
    SeedRejected {
        path: PathBuf,
        #[source]
        source: SeedRefusal,
    },
    #[error("{} does not unlock this wallet", path.display())]
    WrongPassword { path: PathBuf },
    /// The identity record could not be written, or records another wallet.
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot encode {}", path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot chmod {mode:o} {}", path.display())]
    Chmod {
        path: PathBuf,
        mode: u32,
        #[source]
        source: io::Error,
    },
    #[error("cannot remove leftovers in {}", dir.display())]
    RemoveLeftovers {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The last restore rehearsal failed: the volume holds the only other
    /// copy of the keys (`summary` is the outcome's).
    #[error(
        "the restore rehearsal failed: {summary}; the volume is the only other copy of the \
         keys, so lsm keeps it"
    )]
    RehearsalFailed { summary: String },
}

/// lnd's refusal of seed words, without any word it named: aezeed names
/// the word it does not know, and a seed word is a secret.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SeedRefusal {
    #[error("a word is not in the aezeed word list")]
    NotInWordList,
    #[error(transparent)]
    Lnd(LndError),
}

/// What aezeed (lnd v0.20.0-beta aezeed/errors.go) says around the word
/// it does not know: a message holding it names a seed word.
pub(crate) const UNKNOWN_WORD: &str = "isn't a part of default word list";

impl SeedRefusal {
    /// lnd's error as it may be shown.
    pub(crate) fn of(e: LndError) -> SeedRefusal {
        if e.to_string().contains(UNKNOWN_WORD) {
            SeedRefusal::NotInWordList
        } else {
            SeedRefusal::Lnd(e)
        }
    }
}
