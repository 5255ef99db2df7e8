//! The gRPC client lsm uses to drive a signer: pinned TLS ([`crate::tls`]),
//! the macaroon as lowercase hex in the `macaroon` metadata (lnd-facts §3.1),
//! a timeout on every call, typed errors ([`LndError`]).
//!
//! The channel is lazy: creating a client never touches the network, and a
//! dropped or not-yet-listening signer is reconnected on the next call. That
//! is what [`LndClient::wait_for_state`] relies on while lnd starts up.

use crate::backoff::Backoff;
use crate::error::{CallContext, LndError};
use crate::macaroon::Macaroon;
use crate::permissions::Permission;
use crate::probe::{SignerRpc, UNUSED_SESSION_ID};
use crate::proto::lnrpc::lightning_client::LightningClient;
use crate::proto::lnrpc::state_client::StateClient;
use crate::proto::lnrpc::wallet_unlocker_client::WalletUnlockerClient;
use crate::proto::lnrpc::{
    BakeMacaroonRequest, CheckMacPermRequest, DeleteMacaroonIdRequest, GenSeedRequest,
    GetInfoRequest, GetInfoResponse, GetStateRequest, InitWalletRequest, ListMacaroonIDsRequest,
    ListPermissionsRequest, MacaroonPermission, SubscribeStateRequest, UnlockWalletRequest,
    WalletState,
};
use crate::proto::signrpc;
use crate::proto::signrpc::signer_client::SignerClient;
use crate::proto::walletrpc::wallet_kit_client::WalletKitClient;
use crate::proto::walletrpc::{Account, ListAccountsRequest, SignPsbtRequest};
use crate::tls::PinnedCertVerifier;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Response, Status};
use zeroize::{Zeroize, Zeroizing};

/// Full gRPC method paths, for errors and for tests that check them.
pub mod method {
    pub const GET_STATE: &str = "/lnrpc.State/GetState";
    pub const SUBSCRIBE_STATE: &str = "/lnrpc.State/SubscribeState";
    pub const GEN_SEED: &str = "/lnrpc.WalletUnlocker/GenSeed";
    pub const INIT_WALLET: &str = "/lnrpc.WalletUnlocker/InitWallet";
    pub const UNLOCK_WALLET: &str = "/lnrpc.WalletUnlocker/UnlockWallet";
    pub const GET_INFO: &str = "/lnrpc.Lightning/GetInfo";
    pub const PENDING_CHANNELS: &str = "/lnrpc.Lightning/PendingChannels";
    pub const BAKE_MACAROON: &str = "/lnrpc.Lightning/BakeMacaroon";
    pub const LIST_MACAROON_IDS: &str = "/lnrpc.Lightning/ListMacaroonIDs";
    pub const DELETE_MACAROON_ID: &str = "/lnrpc.Lightning/DeleteMacaroonID";
    pub const LIST_PERMISSIONS: &str = "/lnrpc.Lightning/ListPermissions";
    pub const CHECK_MACAROON_PERMISSIONS: &str = "/lnrpc.Lightning/CheckMacaroonPermissions";
    pub const LIST_ACCOUNTS: &str = "/walletrpc.WalletKit/ListAccounts";
}

/// Seed words: wiped from memory when dropped.
pub type Mnemonic = Zeroizing<Vec<String>>;

/// HTTP/2 keep-alive ping interval while a call is open (lnd's floor is 5 s).
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// How long a keep-alive ping may go unanswered before the connection ends.
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Timeouts and naming for one signer connection.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// TCP connect plus TLS handshake. lnd's own remotesigner.timeout is 5 s.
    pub connect_timeout: Duration,
    /// Every ordinary call.
    pub call_timeout: Duration,
    /// InitWallet and UnlockWallet, which run lnd's password KDF and key
    /// derivation and can take many seconds on small machines.
    pub unlock_timeout: Duration,
    /// How to name the pinned certificate in errors (normally its path).
    pub cert_label: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            unlock_timeout: Duration::from_secs(120),
            cert_label: "the pinned tls.cert".to_string(),
        }
    }
}

/// Parameters of InitWallet from a seed (lnd-facts §2.1). Its Debug shows
/// no password, word or key.
#[derive(Default)]
pub struct InitWalletParams<'a> {
    /// At least 8 bytes; encrypts the wallet and is needed to unlock it.
    pub wallet_password: &'a [u8],
    /// The 24 words GenSeed returned.
    pub mnemonic: &'a [String],
    /// The aezeed passphrase given to GenSeed (empty if none).
    pub aezeed_passphrase: &'a [u8],
    pub recovery_window: i32,
    /// Ask lnd not to write macaroon files; the admin macaroon is then only
    /// in the response.
    pub stateless_init: bool,
    /// Optional 32-byte root key for macaroons (lets lsm verify them offline).
    pub macaroon_root_key: Option<&'a [u8]>,
}

impl std::fmt::Debug for InitWalletParams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitWalletParams")
            .field(
                "wallet_password",
                &format_args!("<{} bytes>", self.wallet_password.len()),
            )
            .field("mnemonic", &format_args!("<{} words>", self.mnemonic.len()))
            .field("aezeed_passphrase", &!self.aezeed_passphrase.is_empty())
            .field("recovery_window", &self.recovery_window)
            .field("stateless_init", &self.stateless_init)
            .field("macaroon_root_key", &self.macaroon_root_key.is_some())
            .finish()
    }
}

/// A connection to one signer. Cheap to clone; clones share the channel.
#[derive(Clone)]
pub struct LndClient {
    channel: Channel,
    endpoint: Arc<str>,
    opts: Arc<ClientOptions>,
    macaroon: Option<MetadataValue<Ascii>>,
}

impl std::fmt::Debug for LndClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LndClient")
            .field("endpoint", &self.endpoint)
            .field("macaroon", &self.macaroon.as_ref().map(|_| "(set)"))
            .finish()
    }
}

impl LndClient {
    /// Prepares a client for `addr` (`host:port`) that trusts exactly the
    /// certificate in `tls_cert_pem`. Nothing is sent until the first call.
    /// Must be called inside a Tokio runtime (the lazy channel spawns its
    /// worker there); outside one it returns [`LndError::Internal`].
    pub fn connect(
        addr: &str,
        tls_cert_pem: &[u8],
        opts: ClientOptions,
    ) -> Result<LndClient, LndError> {
        let (host, _port) = split_host_port(addr)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(LndError::Internal(
                "LndClient::connect was called outside a Tokio runtime".to_string(),
            ));
        }
        let verifier = PinnedCertVerifier::from_pem(tls_cert_pem).map_err(|source| {
            LndError::BadCertificate {
                cert: opts.cert_label.clone(),
                source,
            }
        })?;
        let bad_addr = |_| LndError::BadAddress(addr.to_string());
        // The pin replaces name checks; the name is only sent as SNI.
        let tls = ClientTlsConfig::new()
            .domain_name(host.trim_start_matches('[').trim_end_matches(']'))
            .timeout(opts.connect_timeout);
        let endpoint = Endpoint::from_shared(format!("https://{addr}"))
            .map_err(bad_addr)?
            .connect_timeout(opts.connect_timeout)
            // A call in flight on a connection whose path went dead (a cut
            // link, a black hole) ends after interval + timeout instead of
            // its whole deadline. Pings only while a call is open: lnd
            // allows one per grpc.client-ping-min-wait (5 s) and, by
            // default, none on an idle connection.
            .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
            .keep_alive_timeout(KEEPALIVE_TIMEOUT)
            .keep_alive_while_idle(false)
            .tls_config_with_verifier(tls, Arc::new(verifier))
            .map_err(bad_addr)?;
        Ok(LndClient {
            channel: endpoint.connect_lazy(),
            endpoint: Arc::from(addr),
            opts: Arc::new(opts),
            macaroon: None,
        })
    }

    /// A client that sends `macaroon` (binary) with every Lightning and
    /// WalletKit call, as lowercase hex in the `macaroon` metadata.
    pub fn with_macaroon(&self, macaroon: &[u8]) -> LndClient {
        let hex = Zeroizing::new(hex::encode(macaroon));
        // Hex digits are always valid ASCII metadata.
        let value =
            MetadataValue::try_from(hex.as_str()).unwrap_or_else(|_| unreachable!("hex is ASCII"));
        LndClient {
            macaroon: Some(value),
            ..self.clone()
        }
    }

    /// host:port this client talks to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    fn ctx(&self, method: &'static str) -> CallContext<'_> {
        CallContext {
            endpoint: &self.endpoint,
            method,
            cert: &self.opts.cert_label,
        }
    }

    /// Wraps a message with the call timeout (sent to lnd as grpc-timeout)
    /// and, for protected services, the macaroon.
    fn request<M>(&self, msg: M, timeout: Duration, with_macaroon: bool) -> Request<M> {
        let mut req = Request::new(msg);
        req.set_timeout(timeout);
        if with_macaroon && let Some(mac) = &self.macaroon {
            req.metadata_mut().insert("macaroon", mac.clone());
        }
        req
    }

    async fn unary<T>(
        &self,
        method: &'static str,
        timeout: Duration,
        call: impl Future<Output = Result<Response<T>, Status>>,
    ) -> Result<T, LndError> {
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(LndError::Timeout {
                what: format!("{method} on {}", self.endpoint),
                after: timeout,
            }),
            Ok(Err(status)) => Err(match LndError::from_status(status, self.ctx(method)) {
                // lnd enforced the grpc-timeout we sent: report our budget.
                LndError::Timeout { what, .. } => LndError::Timeout {
                    what,
                    after: timeout,
                },
                e => e,
            }),
            Ok(Ok(resp)) => Ok(resp.into_inner()),
        }
    }

    /// The wallet state (State service: no macaroon, reachable in every state).
    pub async fn get_state(&self) -> Result<WalletState, LndError> {
        self.get_state_within(self.opts.call_timeout).await
    }

    async fn get_state_within(&self, timeout: Duration) -> Result<WalletState, LndError> {
        let req = self.request(GetStateRequest {}, timeout, false);
        let mut c = StateClient::new(self.channel.clone());
        let resp = self
            .unary(method::GET_STATE, timeout, c.get_state(req))
            .await?;
        self.state_from_i32(method::GET_STATE, resp.state)
    }

    fn state_from_i32(&self, method: &str, v: i32) -> Result<WalletState, LndError> {
        WalletState::try_from(v).map_err(|_| LndError::Protocol {
            method: method.to_string(),
            detail: format!("unknown wallet state {v}"),
        })
    }

    /// Waits until the wallet reaches one of `targets`, following
    /// SubscribeState and falling back to GetState polling (backoff from
    /// 50 ms, capped at 500 ms) if the stream is unimplemented. While lnd is
    /// starting (refused connections, restarted listener, ended stream) it
    /// keeps retrying until `deadline`; other errors return at once.
    pub async fn wait_for_state(
        &self,
        targets: &[WalletState],
        deadline: Instant,
    ) -> Result<WalletState, LndError> {
        let started = Instant::now();
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(500));
        let mut streaming = true;
        let mut last_state: Option<WalletState> = None;
        let mut last_error: Option<String> = None;
        loop {
            if Instant::now() >= deadline {
                return Err(self.wait_timeout(targets, started, last_state, last_error));
            }
            let step = if streaming {
                self.follow_state_stream(targets, deadline, &mut last_state)
                    .await
            } else {
                let remaining = deadline.saturating_duration_since(Instant::now());
                match self
                    .get_state_within(remaining.min(self.opts.call_timeout))
                    .await
                {
                    Ok(s) => {
                        if last_state != Some(s) {
                            backoff.reset();
                        }
                        last_state = Some(s);
                        Ok(targets.contains(&s).then_some(s))
                    }
                    Err(e) => Err(e),
                }
            };
            match step {
                Ok(Some(s)) => return Ok(s),
                Ok(None) => {}
                Err(LndError::Unimplemented { .. }) if streaming => {
                    tracing::debug!("SubscribeState unimplemented; polling GetState");
                    streaming = false;
                    continue;
                }
                Err(LndError::Timeout { .. }) => {}
                Err(e) if e.is_transient() => {
                    tracing::debug!("signer not reachable yet: {e}");
                    last_error = Some(e.to_string());
                }
                Err(e) => return Err(e),
            }
            let pause = backoff.next_delay();
            tokio::time::sleep_until((Instant::now() + pause).min(deadline)).await;
        }
    }

    /// Reads the state stream until a target state (`Ok(Some)`), the end of
    /// the stream or a broken stream (`Ok(None)`: lnd restarting, retry), or
    /// a failure to open it (`Err`).
    async fn follow_state_stream(
        &self,
        targets: &[WalletState],
        deadline: Instant,
        last_state: &mut Option<WalletState>,
    ) -> Result<Option<WalletState>, LndError> {
        // No grpc-timeout on a stream that is meant to stay open.
        let req = Request::new(SubscribeStateRequest {});
        let mut c = StateClient::new(self.channel.clone());
        let opened = tokio::time::timeout_at(deadline, c.subscribe_state(req)).await;
        let mut stream = match opened {
            Err(_) => return Ok(None),
            Ok(Err(status)) => {
                return Err(LndError::from_status(
                    status,
                    self.ctx(method::SUBSCRIBE_STATE),
                ));
            }
            Ok(Ok(resp)) => resp.into_inner(),
        };
        loop {
            match tokio::time::timeout_at(deadline, stream.message()).await {
                Err(_) | Ok(Ok(None)) => return Ok(None),
                Ok(Err(status)) => {
                    tracing::debug!("state stream broke: {status}");
                    return Ok(None);
                }
                Ok(Ok(Some(msg))) => {
                    let Ok(s) = WalletState::try_from(msg.state) else {
                        tracing::debug!("ignoring unknown wallet state {}", msg.state);
                        continue;
                    };
                    *last_state = Some(s);
                    if targets.contains(&s) {
                        return Ok(Some(s));
                    }
                }
            }
        }
    }

    fn wait_timeout(
        &self,
        targets: &[WalletState],
        started: Instant,
        last_state: Option<WalletState>,
        last_error: Option<String>,
    ) -> LndError {
        let want: Vec<&str> = targets.iter().map(|t| t.as_str_name()).collect();
        let seen = match (last_state, last_error) {
            (Some(s), _) => format!("last state {}", s.as_str_name()),
            (None, Some(e)) => format!("last error: {e}"),
            (None, None) => "no answer".to_string(),
        };
        LndError::Timeout {
            what: format!(
                "waiting for the signer at {} to reach {} ({seen})",
                self.endpoint,
                want.join(" or ")
            ),
            after: started.elapsed(),
        }
    }

    /// A fresh aezeed mnemonic from the signer (WalletUnlocker.GenSeed).
    pub async fn gen_seed(&self, aezeed_passphrase: Option<&[u8]>) -> Result<Mnemonic, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(
            GenSeedRequest {
                aezeed_passphrase: aezeed_passphrase.map(<[u8]>::to_vec).unwrap_or_default(),
                seed_entropy: Vec::new(),
            },
            t,
            false,
        );
        let mut c = WalletUnlockerClient::new(self.channel.clone());
        let mut resp = self.unary(method::GEN_SEED, t, c.gen_seed(req)).await?;
        let words = Zeroizing::new(std::mem::take(&mut resp.cipher_seed_mnemonic));
        resp.enciphered_seed.zeroize();
        if words.len() != 24 {
            return Err(LndError::Protocol {
                method: method::GEN_SEED.to_string(),
                detail: format!("expected 24 seed words, got {}", words.len()),
            });
        }
        Ok(words)
    }

    /// Creates the wallet from a mnemonic; returns the admin macaroon
    /// (binary; empty if lnd sent none).
    pub async fn init_wallet(
        &self,
        p: &InitWalletParams<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, LndError> {
        if p.wallet_password.len() < 8 {
            return Err(LndError::PasswordTooShort);
        }
        let t = self.opts.unlock_timeout;
        let msg = InitWalletRequest {
            wallet_password: p.wallet_password.to_vec(),
            cipher_seed_mnemonic: p.mnemonic.to_vec(),
            aezeed_passphrase: p.aezeed_passphrase.to_vec(),
            recovery_window: p.recovery_window,
            stateless_init: p.stateless_init,
            macaroon_root_key: p.macaroon_root_key.map(<[u8]>::to_vec).unwrap_or_default(),
            ..Default::default()
        };
        let req = self.request(msg, t, false);
        let mut c = WalletUnlockerClient::new(self.channel.clone());
        let mut resp = self
            .unary(method::INIT_WALLET, t, c.init_wallet(req))
            .await?;
        Ok(Zeroizing::new(std::mem::take(&mut resp.admin_macaroon)))
    }

    /// Creates a watch-only wallet (no seed: its keys stay on a remote
    /// signer) from account xpubs; returns the admin macaroon. A success
    /// proves little: lnd accepts a partial account set and exits later, so
    /// callers check the state afterwards.
    pub async fn init_watch_only(
        &self,
        wallet_password: &[u8],
        watch_only: crate::proto::lnrpc::WatchOnly,
        recovery_window: i32,
    ) -> Result<Zeroizing<Vec<u8>>, LndError> {
        if wallet_password.len() < 8 {
            return Err(LndError::PasswordTooShort);
        }
        let t = self.opts.unlock_timeout;
        let msg = InitWalletRequest {
            wallet_password: wallet_password.to_vec(),
            recovery_window,
            watch_only: Some(watch_only),
            ..Default::default()
        };
        let req = self.request(msg, t, false);
        let mut c = WalletUnlockerClient::new(self.channel.clone());
        let mut resp = self
            .unary(method::INIT_WALLET, t, c.init_wallet(req))
            .await?;
        Ok(Zeroizing::new(std::mem::take(&mut resp.admin_macaroon)))
    }

    /// Unlocks an existing wallet.
    pub async fn unlock_wallet(&self, wallet_password: &[u8]) -> Result<(), LndError> {
        let t = self.opts.unlock_timeout;
        let req = self.request(
            UnlockWalletRequest {
                wallet_password: wallet_password.to_vec(),
                ..Default::default()
            },
            t,
            false,
        );
        let mut c = WalletUnlockerClient::new(self.channel.clone());
        self.unary(method::UNLOCK_WALLET, t, c.unlock_wallet(req))
            .await?;
        Ok(())
    }

    /// Lightning.GetInfo (info:read).
    pub async fn get_info(&self) -> Result<GetInfoResponse, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(GetInfoRequest {}, t, true);
        let mut c = LightningClient::new(self.channel.clone());
        self.unary(method::GET_INFO, t, c.get_info(req)).await
    }

    /// Lightning.PendingChannels (offchain:read): channels opening, closing,
    /// force-closed and waiting to close, which GetInfo does not count.
    pub async fn pending_channels(
        &self,
    ) -> Result<crate::proto::lnrpc::PendingChannelsResponse, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(
            crate::proto::lnrpc::PendingChannelsRequest::default(),
            t,
            true,
        );
        let mut c = LightningClient::new(self.channel.clone());
        self.unary(method::PENDING_CHANNELS, t, c.pending_channels(req))
            .await
    }

    /// Bakes a macaroon (macaroon:generate). lnd answers with hex; this
    /// returns the binary form after checking it decodes and carries the
    /// requested root key id.
    pub async fn bake_macaroon(
        &self,
        perms: &[Permission],
        root_key_id: u64,
    ) -> Result<Zeroizing<Vec<u8>>, LndError> {
        let t = self.opts.call_timeout;
        let msg = BakeMacaroonRequest {
            permissions: perms
                .iter()
                .map(|p| MacaroonPermission {
                    entity: p.entity.clone(),
                    action: p.action.clone(),
                })
                .collect(),
            root_key_id,
            allow_external_permissions: false,
        };
        let req = self.request(msg, t, true);
        let mut c = LightningClient::new(self.channel.clone());
        let mut resp = self
            .unary(method::BAKE_MACAROON, t, c.bake_macaroon(req))
            .await?;
        let hex_text = Zeroizing::new(std::mem::take(&mut resp.macaroon));
        let protocol = |detail: String| LndError::Protocol {
            method: method::BAKE_MACAROON.to_string(),
            detail,
        };
        let bytes = Zeroizing::new(
            hex::decode(hex_text.as_bytes())
                .map_err(|e| protocol(format!("macaroon is not hex: {e}")))?,
        );
        let got = Macaroon::decode(&bytes)
            .and_then(|m| m.root_key_id())
            .map_err(|e| protocol(format!("not a usable macaroon: {e}")))?;
        if got != root_key_id {
            return Err(protocol(format!(
                "asked for root key id {root_key_id}, got {got}"
            )));
        }
        Ok(bytes)
    }

    /// Root key ids in use (macaroon:read).
    pub async fn list_macaroon_ids(&self) -> Result<Vec<u64>, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(ListMacaroonIDsRequest {}, t, true);
        let mut c = LightningClient::new(self.channel.clone());
        let resp = self
            .unary(method::LIST_MACAROON_IDS, t, c.list_macaroon_i_ds(req))
            .await?;
        Ok(resp.root_key_ids)
    }

    /// Deletes a root key id, revoking every macaroon baked with it
    /// (macaroon:write). `false` when the id did not exist.
    pub async fn delete_macaroon_id(&self, root_key_id: u64) -> Result<bool, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(DeleteMacaroonIdRequest { root_key_id }, t, true);
        let mut c = LightningClient::new(self.channel.clone());
        let resp = self
            .unary(method::DELETE_MACAROON_ID, t, c.delete_macaroon_id(req))
            .await?;
        Ok(resp.deleted)
    }

    /// Every method's required permissions, keyed by full method path
    /// (info:read).
    pub async fn list_permissions(&self) -> Result<BTreeMap<String, Vec<Permission>>, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(ListPermissionsRequest {}, t, true);
        let mut c = LightningClient::new(self.channel.clone());
        let resp = self
            .unary(method::LIST_PERMISSIONS, t, c.list_permissions(req))
            .await?;
        Ok(resp
            .method_permissions
            .into_iter()
            .map(|(m, list)| {
                let mut perms: Vec<Permission> = list
                    .permissions
                    .into_iter()
                    .map(|p| Permission::new(p.entity, p.action))
                    .collect();
                perms.sort();
                (m, perms)
            })
            .collect())
    }

    /// Asks lnd whether it accepts `macaroon` for `perms`
    /// (Lightning.CheckMacaroonPermissions, macaroon:read): its signature
    /// under a root key lnd has, its caveats, the permissions. `Ok(Err)`
    /// carries lnd's reason when it rejects that macaroon (InvalidArgument);
    /// `Err` is a failure of the call itself (this client's own macaroon
    /// included). `perms` must not be empty: lnd checks nothing but the
    /// root key of a macaroon asked for no permission.
    pub async fn check_macaroon_permissions(
        &self,
        macaroon: &[u8],
        perms: &[Permission],
    ) -> Result<Result<(), String>, LndError> {
        if perms.is_empty() {
            return Err(LndError::Internal(
                "CheckMacaroonPermissions needs at least one permission".into(),
            ));
        }
        let t = self.opts.call_timeout;
        let msg = CheckMacPermRequest {
            macaroon: macaroon.to_vec(),
            permissions: perms
                .iter()
                .map(|p| MacaroonPermission {
                    entity: p.entity.clone(),
                    action: p.action.clone(),
                })
                .collect(),
            full_method: String::new(),
            check_default_perms_from_full_method: false,
        };
        let req = self.request(msg, t, true);
        let mut c = LightningClient::new(self.channel.clone());
        let call = c.check_macaroon_permissions(req);
        let m = method::CHECK_MACAROON_PERMISSIONS;
        match tokio::time::timeout(t, call).await {
            Err(_) => Err(LndError::Timeout {
                what: format!("{m} on {}", self.endpoint),
                after: t,
            }),
            Ok(Err(status)) if status.code() == tonic::Code::InvalidArgument => {
                Ok(Err(status.message().to_string()))
            }
            Ok(Err(status)) => Err(LndError::from_status(status, self.ctx(m))),
            Ok(Ok(resp)) if resp.get_ref().valid => Ok(Ok(())),
            Ok(Ok(_)) => Ok(Err("lnd answers that it is not valid".to_string())),
        }
    }

    /// All wallet accounts (WalletKit.ListAccounts, onchain:read).
    pub async fn list_accounts(&self) -> Result<Vec<Account>, LndError> {
        let t = self.opts.call_timeout;
        let req = self.request(ListAccountsRequest::default(), t, true);
        let mut c = WalletKitClient::new(self.channel.clone());
        let resp = self
            .unary(method::LIST_ACCOUNTS, t, c.list_accounts(req))
            .await?;
        Ok(resp.accounts)
    }

    /// Calls `rpc` harmlessly (see [`crate::probe`]): an empty request,
    /// or an unused MuSig2 session id, which lnd refuses in validation,
    /// after its macaroon check. `Ok` carries lnd's answer (its validation
    /// error, or "accepted"), proof that the macaroon grants the call;
    /// permission denied, a rejected macaroon, a locked wallet and every
    /// transport failure are the typed errors.
    pub async fn probe(&self, rpc: SignerRpc) -> Result<String, LndError> {
        let t = self.opts.call_timeout;
        let m = rpc.method();
        let mut s = SignerClient::new(self.channel.clone());
        let session_id = UNUSED_SESSION_ID.to_vec();
        let r = match rpc {
            SignerRpc::SignMessage => {
                let req = self.request(signrpc::SignMessageReq::default(), t, true);
                self.unary(m, t, s.sign_message(req)).await.map(drop)
            }
            SignerRpc::DeriveSharedKey => {
                let req = self.request(signrpc::SharedKeyRequest::default(), t, true);
                self.unary(m, t, s.derive_shared_key(req)).await.map(drop)
            }
            SignerRpc::MuSig2CreateSession => {
                let req = self.request(signrpc::MuSig2SessionRequest::default(), t, true);
                self.unary(m, t, s.mu_sig2_create_session(req))
                    .await
                    .map(drop)
            }
            SignerRpc::MuSig2RegisterNonces => {
                let req = self.request(signrpc::MuSig2RegisterNoncesRequest::default(), t, true);
                self.unary(m, t, s.mu_sig2_register_nonces(req))
                    .await
                    .map(drop)
            }
            SignerRpc::MuSig2Sign => {
                let req = self.request(signrpc::MuSig2SignRequest::default(), t, true);
                self.unary(m, t, s.mu_sig2_sign(req)).await.map(drop)
            }
            SignerRpc::MuSig2CombineSig => {
                let req = self.request(signrpc::MuSig2CombineSigRequest::default(), t, true);
                self.unary(m, t, s.mu_sig2_combine_sig(req)).await.map(drop)
            }
            SignerRpc::MuSig2Cleanup => {
                let req = self.request(signrpc::MuSig2CleanupRequest { session_id }, t, true);
                self.unary(m, t, s.mu_sig2_cleanup(req)).await.map(drop)
            }
            SignerRpc::SignPsbt => {
                let mut w = WalletKitClient::new(self.channel.clone());
                let req = self.request(SignPsbtRequest::default(), t, true);
                self.unary(m, t, w.sign_psbt(req)).await.map(drop)
            }
        };
        match r {
            Ok(()) => Ok("accepted".to_string()),
            // An error lnd's handler returned: past the macaroon check.
            Err(LndError::Other { status, .. }) => Ok(status.message().to_string()),
            Err(e) => Err(e),
        }
    }
}

/// `host:port` with a non-zero port; IPv6 hosts in brackets.
fn split_host_port(addr: &str) -> Result<(&str, u16), LndError> {
    let bad = || LndError::BadAddress(addr.to_string());
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.is_empty() || port == 0 || (host.contains(':') && !bracketed) {
        return Err(bad());
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(bad());
    }
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_host_port() {
        assert_eq!(
            split_host_port("127.0.0.1:10009").unwrap(),
            ("127.0.0.1", 10009)
        );
        assert_eq!(split_host_port("[::1]:10009").unwrap(), ("[::1]", 10009));
        assert_eq!(split_host_port("signer.lan:1").unwrap(), ("signer.lan", 1));
        for bad in [
            "10009",
            ":10009",
            "host:",
            "host:0",
            "host:70000",
            "::1:10009",
            "a b:1",
            "https://h:1",
        ] {
            assert!(split_host_port(bad).is_err(), "{bad}");
        }
    }
}
