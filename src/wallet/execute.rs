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

use crate::crashpoint;
use crate::error::Failure;
use crate::exit::Exit;
use crate::lnd::client::{InitWalletParams, LndClient};
use crate::lnd::error::LndError;
use crate::lnd::proto::lnrpc::WalletState;
use crate::secrets::{self, DIR_MODE, FILE_MODE};
use crate::wallet::diff::{PASSWORD_FILE, SEED_FILE};
use crate::wallet::files::WalletFiles;
use crate::wallet::seed;
use std::os::unix::fs::PermissionsExt;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::time::Instant;
use zeroize::Zeroizing;

/// Writes a fresh random wallet-password.txt; never overwrites one.
pub fn generate_password(files: &WalletFiles) -> Result<(), Failure> {
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
async fn current_state(client: &LndClient, deadline: Instant) -> Result<WalletState, Failure> {
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
        .map_err(Failure::from)
}

fn wallet_exists_now() -> Failure {
    Failure::error("the signer already has a wallet now, though the plan expected none")
        .hint("run `lsm plan` again; nothing was generated or written")
}

/// GenSeed → seed.txt → InitWallet. Returns the admin macaroon lnd issued.
pub async fn create(
    files: &WalletFiles,
    client: &LndClient,
    deadline: Instant,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    // symlink_metadata: a dangling symlink is something there too.
    if std::fs::symlink_metadata(files.seed_path()).is_ok() {
        return Err(Failure::with_exit(
            Exit::Blocked,
            format!(
                "{} exists; refusing to generate a second seed",
                files.seed_path().display()
            ),
        )
        .hint("run `lsm plan`: with a seed.txt present lsm restores from it instead"));
    }
    if current_state(client, deadline).await? != WalletState::NonExisting {
        return Err(wallet_exists_now());
    }
    let password = files.read_password()?;
    let words = client.gen_seed(None).await.map_err(Failure::from)?;
    crashpoint!("wallet::after_genseed");

    // Durable before lnd ever sees the words, with the birthday in the same
    // file so a crash can never separate them.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
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

    let admin = init(client, &password, &words).await?;
    crashpoint!("wallet::after_init");
    Ok(admin)
}

/// InitWallet with the words in seed.txt. Returns the admin macaroon.
pub async fn restore(
    files: &WalletFiles,
    client: &LndClient,
    deadline: Instant,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let seed = files.read_seed()?;
    if current_state(client, deadline).await? != WalletState::NonExisting {
        return Err(wallet_exists_now());
    }
    let password = files.read_password()?;
    let admin = init(client, &password, &seed.words).await.map_err(|f| {
        // aezeed's refusals: a word outside the list, the seed version, the
        // checksum, or a passphrase that does not decipher it.
        let rejected = [
            "mnemonic",
            "checksum",
            "seed version",
            "word list",
            "passphrase",
        ];
        if rejected.iter().any(|r| f.message.contains(r)) {
            Failure::with_exit(
                Exit::Blocked,
                format!(
                    "lnd rejected the words in {}: {}",
                    files.seed_path().display(),
                    f.message
                ),
            )
            .hint("restore the original seed.txt from your offline backup")
        } else {
            f
        }
    })?;
    crashpoint!("wallet::after_init");
    Ok(admin)
}

async fn init(
    client: &LndClient,
    password: &[u8],
    words: &[String],
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let params = InitWalletParams {
        wallet_password: password,
        mnemonic: words,
        aezeed_passphrase: b"",
        recovery_window: 0,
        stateless_init: false,
        macaroon_root_key: None,
    };
    client.init_wallet(&params).await.map_err(Failure::from)
}

/// UnlockWallet with wallet-password.txt.
pub async fn unlock(
    files: &WalletFiles,
    client: &LndClient,
    deadline: Instant,
) -> Result<(), Failure> {
    match current_state(client, deadline).await? {
        WalletState::Locked => {}
        WalletState::NonExisting => {
            return Err(Failure::error(
                "the signer has no wallet now, though the plan expected a locked one",
            )
            .hint("run `lsm plan` again"));
        }
        // Unlocked meanwhile (another operator, or lnd's auto-unlock).
        _ => return Ok(()),
    }
    let password = files.read_password()?;
    match client.unlock_wallet(&password).await {
        Ok(()) => Ok(()),
        Err(LndError::InvalidPassphrase) => Err(Failure::with_exit(
            Exit::Blocked,
            format!(
                "{} does not unlock this wallet",
                files.password_path().display()
            ),
        )
        .hint("restore the wallet's own password file from your backup; lsm never replaces it")),
        Err(e) => Err(e.into()),
    }
}

/// chmod the wallet files to 0600, and the secrets directory to 0700 when
/// lsm created it (the mode of a directory it found is the operator's).
pub fn fix_permissions(files: &WalletFiles) -> Result<(), Failure> {
    let set = |p: &std::path::Path, mode: u32| -> Result<(), Failure> {
        if p.exists() {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(|e| {
                Failure::error(format!("cannot chmod {:o} {}: {e}", mode, p.display()))
            })?;
        }
        Ok(())
    };
    crate::dirguard::restrict_if_marked(&files.dir, DIR_MODE)?;
    set(&files.password_path(), FILE_MODE)?;
    set(&files.seed_path(), FILE_MODE)
}
