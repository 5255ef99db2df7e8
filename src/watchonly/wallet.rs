//! The watch-only InitWallet: lnd's WalletUnlocker with `watch_only` set,
//! from the bundle's accounts and birthday and the node's own password.
//! `lncli createwatchonly` cannot be automated (it needs a terminal), so
//! lsm makes the call itself.

use super::{Error, SignerLink};
use crate::lnd::client::LndClient;
use crate::lnd::proto::lnrpc::{WalletState, WatchOnly, WatchOnlyAccount};
use crate::wallet::files::WalletFiles;
use tokio::time::Instant;

/// How many addresses of each account lnd scans for funds received before
/// the wallet existed here (lnd's usual window). A watch-only node made for
/// a signer that already has history finds its funds only with it.
const RECOVERY_WINDOW: i32 = 2500;

/// Creates the watch-only wallet, only while lnd reports none: InitWallet
/// is accepted in NON_EXISTING alone, and a wallet that exists is never
/// made again.
pub(crate) async fn create(
    files: &WalletFiles,
    client: &LndClient,
    link: &SignerLink,
    deadline: Instant,
) -> Result<(), Error> {
    let state = client
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
        .await?;
    if state != WalletState::NonExisting {
        return Err(Error::WalletExists {
            state: state.as_str_name(),
        });
    }
    let password = files.read_password()?;
    let b = &link.bundle;
    let watch_only = WatchOnly {
        master_key_birthday_timestamp: b.wallet_birthday.unwrap_or(0),
        master_key_fingerprint: b
            .master_key_fingerprint_bytes()
            .map(|f| f.to_vec())
            .unwrap_or_default(),
        accounts: b
            .accounts
            .iter()
            .map(|a| WatchOnlyAccount {
                purpose: a.purpose,
                coin_type: a.coin_type,
                account: a.account,
                xpub: a.xpub.clone(),
            })
            .collect(),
    };
    client
        .init_watch_only(&password, watch_only, RECOVERY_WINDOW)
        .await?;
    // Which signer the wallet is now bound to, for the offline check.
    super::record::write(files, link)
}
