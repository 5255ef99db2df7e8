//! Carrying out wallet actions against a live signer. Each step re-checks
//! what it depends on right before acting (the plan may be minutes old), and
//! the order makes every crash recoverable:
//!
//! - create: GenSeed → seed.txt with its birthday line (one atomic write,
//!   fsynced, never overwritten) → InitWallet. A crash before seed.txt is
//!   durable leaves no wallet, so the next run generates a seed that was
//!   never used; a crash after it leaves seed.txt, so the next run restores
//!   from it.
//! - restore: InitWallet with the words already in seed.txt.
//! - unlock: UnlockWallet with wallet-password.txt.
//!
//! Before InitWallet (create or restore), a pending note names the seed;
//! once lnd is active, the identity record names the identity that came
//! out of it (see [`identity`](super::identity)). A crash between the two
//! leaves the note, and the next apply records the identity.

use crate::crashpoint;
use crate::lnd::client::{InitWalletParams, LndClient};
use crate::lnd::error::LndError;
use crate::lnd::proto::lnrpc::WalletState;
use crate::secrets::{self, DIR_MODE, FILE_MODE};
use crate::wallet::Error;
use crate::wallet::diff::{IDENTITY_PENDING_FILE, PASSWORD_FILE, SEED_FILE};
use crate::wallet::files::WalletFiles;
use crate::wallet::identity::{self, IdentityRecord, Origin};
use crate::wallet::seed;
use std::os::unix::fs::PermissionsExt;
use tokio::time::Instant;
use zeroize::Zeroizing;

/// Writes a fresh random wallet-password.txt; never overwrites one.
pub(crate) fn generate_password(files: &WalletFiles) -> Result<(), Error> {
    let password = secrets::generate_password()?;
    let mut bytes = Zeroizing::new(password.as_bytes().to_vec());
    bytes.push(b'\n');
    files.prepare_dir()?;
    secrets::write_new(&files.dir, PASSWORD_FILE, &bytes, || {
        crashpoint!("wallet::password_before_rename");
        Ok(())
    })?;
    crashpoint!("wallet::after_password");
    Ok(())
}

/// The wallet state right now, waiting for lnd to answer until `deadline`.
async fn current_state(client: &LndClient, deadline: Instant) -> Result<WalletState, Error> {
    client
        .wait_for_state(
            &[
                WalletState::NonExisting,
                WalletState::Locked,
                WalletState::Unlocked,
                WalletState::RpcActive,
                WalletState::ServerActive,
            ],
            deadline,
        )
        .await
        .map_err(Error::Lnd)
}

/// What InitWallet was given and returned.
pub(crate) struct Initialised {
    /// The admin macaroon lnd issued; `None` when lnd was still creating
    /// the wallet from an interrupted apply's InitWallet with the same
    /// words (see [`restore`]): lnd writes admin.macaroon to its data
    /// directory then, and the caller reads it from there.
    pub admin_macaroon: Option<Zeroizing<Vec<u8>>>,
    /// The fingerprint of the seed the wallet now holds.
    pub seed_sha256: String,
    pub origin: Origin,
}

/// Notes the seed about to reach InitWallet (see the module doc).
fn note_pending(
    files: &WalletFiles,
    network: &str,
    seed_sha256: &str,
    origin: Origin,
) -> Result<(), Error> {
    identity::write_pending(&files.dir, network, seed_sha256, origin).map_err(|source| {
        Error::Write {
            path: files.dir.join(IDENTITY_PENDING_FILE),
            source,
        }
    })
}

/// Writes the identity record: the wallet lnd now has, made from the seed
/// with `seed_sha256`, is `identity_pubkey`.
pub(crate) fn record_identity(
    files: &WalletFiles,
    network: &str,
    identity_pubkey: &str,
    seed_sha256: &str,
    origin: Origin,
) -> Result<(), Error> {
    files.prepare_dir()?;
    let record = IdentityRecord::new(network, identity_pubkey, seed_sha256, origin);
    identity::write_record(&files.dir, &record)?;
    crashpoint!("wallet::after_identity_record");
    Ok(())
}

/// lnd refused InitWallet outright (a wallet already there, words or a
/// password it does not take): the wallet lnd has, if any, is not from the
/// noted seed, so the note must not make the next apply record it as such.
/// (A timeout or a lost connection may have initialised it: the note stays.)
fn forget_pending_if_refused(files: &WalletFiles, e: &LndError) {
    let message = e.to_string();
    let refused = [
        "already has a wallet",
        "mnemonic",
        "checksum",
        "seed version",
        "word list",
        "passphrase",
        "password",
    ];
    if refused.iter().any(|r| message.contains(r)) {
        let _ = std::fs::remove_file(files.dir.join(IDENTITY_PENDING_FILE));
    }
}

/// GenSeed → seed.txt → pending note → InitWallet.
pub(crate) async fn create(
    files: &WalletFiles,
    network: &str,
    client: &LndClient,
    deadline: Instant,
) -> Result<Initialised, Error> {
    // symlink_metadata: a dangling symlink is something there too.
    if std::fs::symlink_metadata(files.seed_path()).is_ok() {
        return Err(Error::SeedExists {
            path: files.seed_path(),
        });
    }
    if current_state(client, deadline).await? != WalletState::NonExisting {
        return Err(Error::WalletExistsNow);
    }
    let password = files.read_password()?;
    let words = client.gen_seed(None).await?;
    crashpoint!("wallet::after_genseed");

    // Durable before lnd ever sees the words, with the birthday in the same
    // file so a crash can never separate them.
    let now = crate::fsutil::unix_now();
    files.prepare_dir()?;
    secrets::write_new(
        &files.dir,
        SEED_FILE,
        &seed::format(&words, Some(now)),
        || {
            crashpoint!("wallet::seed_before_rename");
            Ok(())
        },
    )?;
    crashpoint!("wallet::after_seed_write");

    let seed_sha256 = identity::seed_fingerprint(&words);
    note_pending(files, network, &seed_sha256, Origin::Created)?;
    let admin = init_lnd(client, &password, &words)
        .await
        .inspect_err(|e| forget_pending_if_refused(files, e))?;
    crashpoint!("wallet::after_init");
    Ok(Initialised {
        admin_macaroon: Some(admin),
        seed_sha256,
        origin: Origin::Created,
    })
}

/// Pending note → InitWallet with the words in seed.txt.
///
/// `prior` is the pending note observed before this apply: the proof that
/// an earlier, interrupted apply gave lnd seed.txt's words (see below).
pub(crate) async fn restore(
    files: &WalletFiles,
    network: &str,
    client: &LndClient,
    deadline: Instant,
    prior: Option<&identity::Pending>,
) -> Result<Initialised, Error> {
    let seed = files.read_seed()?;
    if current_state(client, deadline).await? != WalletState::NonExisting {
        return Err(Error::WalletExistsNow);
    }
    let password = files.read_password()?;
    let seed_sha256 = identity::seed_fingerprint(&seed.words);
    note_pending(files, network, &seed_sha256, Origin::Restored)?;
    let mut origin = Origin::Restored;
    let admin = match init_lnd(client, &password, &seed.words).await {
        Ok(admin) => Some(admin),
        // lnd said NON_EXISTING a moment ago, yet has a wallet: another
        // InitWallet got there first. If an earlier apply, killed mid-call,
        // had noted this very seed (the note observed before this apply), it
        // is that call, still running in lnd (InitWallet outlives its
        // caller): the wallet is seed.txt's, and the identity step records
        // it exactly as a later apply's RecordIdentity would. Anything else
        // (InitWallet needs no macaroon: lncli create, a script, anyone on
        // the port) is a wallet seed.txt is not proven to restore.
        // (Once that wallet is open, lnd has closed its WalletUnlocker
        // service and answers with that instead.)
        Err(LndError::WalletAlreadyExists | LndError::UnlockerGone) => match prior {
            Some(p) if p.seed_sha256 == seed_sha256 && p.network == network => {
                origin = p.origin;
                note_pending(files, network, &seed_sha256, origin)?;
                None
            }
            _ => {
                let _ = std::fs::remove_file(files.dir.join(IDENTITY_PENDING_FILE));
                return Err(Error::WalletFromElsewhere);
            }
        },
        Err(e) => return Err(restore_refused(files, e)),
    };
    crashpoint!("wallet::after_init");
    Ok(Initialised {
        admin_macaroon: admin,
        seed_sha256,
        origin,
    })
}

/// A refused restore: the pending note goes when lnd refused outright, and
/// aezeed's refusals become a refusal naming seed.txt.
fn restore_refused(files: &WalletFiles, e: LndError) -> Error {
    forget_pending_if_refused(files, &e);
    // aezeed's refusals: a word outside the list, the seed version, the
    // checksum, or a passphrase that does not decipher it.
    let rejected = [
        "mnemonic",
        "checksum",
        "seed version",
        "word list",
        "passphrase",
    ];
    let message = e.to_string();
    if rejected.iter().any(|r| message.contains(r)) {
        Error::SeedRejected {
            path: files.seed_path(),
            source: super::SeedRefusal::of(e),
        }
    } else {
        Error::Lnd(e)
    }
}

/// InitWallet with lnd's typed error, for callers that handle one of them.
async fn init_lnd(
    client: &LndClient,
    password: &[u8],
    words: &[String],
) -> Result<Zeroizing<Vec<u8>>, LndError> {
    let params = InitWalletParams {
        wallet_password: password,
        mnemonic: words,
        aezeed_passphrase: b"",
        recovery_window: 0,
        stateless_init: false,
        macaroon_root_key: None,
    };
    client.init_wallet(&params).await
}

/// UnlockWallet with wallet-password.txt.
pub(crate) async fn unlock(
    files: &WalletFiles,
    client: &LndClient,
    deadline: Instant,
) -> Result<(), Error> {
    match current_state(client, deadline).await? {
        WalletState::Locked => {}
        WalletState::NonExisting => return Err(Error::NoWalletNow),
        // Unlocked meanwhile (another operator, or lnd's auto-unlock).
        _ => return Ok(()),
    }
    let password = files.read_password()?;
    match client.unlock_wallet(&password).await {
        Ok(()) => Ok(()),
        Err(LndError::InvalidPassphrase) => Err(Error::WrongPassword {
            path: files.password_path(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// chmod the wallet files to 0600, and the secrets directory to 0700 when
/// lsm created it (the mode of a directory it found is the operator's).
pub(crate) fn fix_permissions(files: &WalletFiles) -> Result<(), Error> {
    let set = |p: &std::path::Path, mode: u32| -> Result<(), Error> {
        if p.exists() {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(
                |source| Error::Chmod {
                    path: p.to_path_buf(),
                    mode,
                    source,
                },
            )?;
        }
        Ok(())
    };
    crate::dirguard::restrict_if_marked(&files.dir, DIR_MODE)?;
    set(&files.password_path(), FILE_MODE)?;
    set(&files.seed_path(), FILE_MODE)
}
