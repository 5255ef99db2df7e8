//! [`LndReader`]: the read-only face of a signer connection, for `plan`,
//! `status` and every observation. It can ask lnd's state, its identity,
//! its macaroon root keys and its accounts, and nothing else: it has no
//! method that changes lnd (InitWallet, UnlockWallet, BakeMacaroon,
//! DeleteMacaroonID...), and there is no way to get the writing
//! [`LndClient`] out of it (the client is a private field; no `Deref`,
//! `From` or accessor). Only apply builds an [`LndClient`], with its own
//! `connect`.
//!
//! ```
//! # async fn f(reader: lsm_lnd::reader::LndReader) {
//! let _state = reader.get_state().await;
//! let authed = reader.with_macaroon(b"macaroon");
//! let _ = (authed.get_info().await, authed.list_macaroon_ids().await);
//! let _ = authed.list_accounts().await;
//! # }
//! ```
//!
//! Writing through a reader does not compile:
//!
//! ```compile_fail
//! # async fn f(reader: lsm_lnd::reader::LndReader) {
//! let _ = reader.unlock_wallet(b"password").await;
//! # }
//! ```
//!
//! ```compile_fail
//! # async fn f(reader: lsm_lnd::reader::LndReader) {
//! let _ = reader.with_macaroon(b"m").delete_macaroon_id(1).await;
//! # }
//! ```
//!
//! ```compile_fail
//! # fn f(reader: lsm_lnd::reader::LndReader) {
//! let _client: lsm_lnd::client::LndClient = reader.into();
//! # }
//! ```
//!
//! ```compile_fail
//! # fn f(reader: lsm_lnd::reader::LndReader) {
//! let _client = reader.client;
//! # }
//! ```

use crate::client::{ClientOptions, LndClient};
use crate::error::LndError;
use crate::proto::lnrpc::{GetInfoResponse, WalletState};
use crate::proto::walletrpc::Account;
use tokio::time::Instant;

/// A read-only connection to one signer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct LndReader {
    client: LndClient,
}

impl LndReader {
    /// Prepares a reader for `addr` that trusts exactly `tls_cert_pem`
    /// (see [`LndClient::connect`]; nothing is sent until the first call).
    pub fn connect(
        addr: &str,
        tls_cert_pem: &[u8],
        opts: ClientOptions,
    ) -> Result<LndReader, LndError> {
        LndClient::connect(addr, tls_cert_pem, opts).map(|client| LndReader { client })
    }

    /// A reader that sends `macaroon` with every authenticated call.
    pub fn with_macaroon(&self, macaroon: &[u8]) -> LndReader {
        LndReader {
            client: self.client.with_macaroon(macaroon),
        }
    }

    /// host:port this reader talks to.
    pub fn endpoint(&self) -> &str {
        self.client.endpoint()
    }

    /// State.GetState (no macaroon).
    pub async fn get_state(&self) -> Result<WalletState, LndError> {
        self.client.get_state().await
    }

    /// Follows State.SubscribeState until one of `targets` or `deadline`.
    pub async fn wait_for_state(
        &self,
        targets: &[WalletState],
        deadline: Instant,
    ) -> Result<WalletState, LndError> {
        self.client.wait_for_state(targets, deadline).await
    }

    /// Lightning.GetInfo (info:read).
    pub async fn get_info(&self) -> Result<GetInfoResponse, LndError> {
        self.client.get_info().await
    }

    /// Lightning.PendingChannels (offchain:read).
    pub async fn pending_channels(
        &self,
    ) -> Result<crate::proto::lnrpc::PendingChannelsResponse, LndError> {
        self.client.pending_channels().await
    }

    /// Lightning.ListMacaroonIDs (macaroon:read).
    pub async fn list_macaroon_ids(&self) -> Result<Vec<u64>, LndError> {
        self.client.list_macaroon_ids().await
    }

    /// Lightning.CheckMacaroonPermissions (macaroon:read): whether lnd
    /// accepts another macaroon (the bundle's) for `perms`. Read-only.
    pub async fn check_macaroon_permissions(
        &self,
        macaroon: &[u8],
        perms: &[crate::permissions::Permission],
    ) -> Result<Result<(), String>, LndError> {
        self.client
            .check_macaroon_permissions(macaroon, perms)
            .await
    }

    /// WalletKit.ListAccounts (onchain:read).
    pub async fn list_accounts(&self) -> Result<Vec<Account>, LndError> {
        self.client.list_accounts().await
    }
}
