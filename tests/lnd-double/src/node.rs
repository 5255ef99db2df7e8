//! The double's lnd: one place holding the state machine, the wallet and
//! the macaroon service, and implementing every RPC once. The gRPC services
//! and the REST gateway are thin adapters over this, so both transports
//! give the same answers, as lnd's REST proxy forwards to its own gRPC.

use crate::config::Config;
use crate::error::{MainError, RpcError, RpcResult};
use crate::keys::{self, DerivedKeys};
use crate::macaroons::{self, check, store::RootKeyStore};
use crate::method_perms;
use crate::state::StateMachine;
use crate::wallet::seed::{self, CipherSeed};
use crate::wallet::{Master, OpenError, WalletFile};
use crate::{logging, version};
use lsm_lnd::permissions::{self, Permission};
use lsm_lnd::proto::lnrpc::{self, WalletState};
use lsm_lnd::proto::walletrpc::{self, AddressType};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};
use tokio::sync::{OwnedMutexGuard, mpsc, watch};
use zeroize::Zeroizing;

/// What an accepted password yields before lnd answers: the keys, the
/// macaroon store (`None` with `no-macaroons`) and the admin macaroon.
type Prepared = (DerivedKeys, Option<RootKeyStore>, Vec<u8>);

/// Test knobs, read from the double's own environment variables.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Before the listeners come up, and between UNLOCKED → RPC_ACTIVE →
    /// SERVER_ACTIVE.
    pub startup_delay: Duration,
    /// How long the state stays WAITING_TO_START once listening.
    pub waiting_to_start: Duration,
    /// After a WalletUnlocker call has answered: waited before the default
    /// macaroon files are written, and again before UNLOCKED.
    pub unlock_gap: Duration,
    /// InitWallet's wait between creating the wallet and answering.
    pub init_delay: Duration,
}

/// Who is calling: the `macaroon` metadata values and the peer address.
#[derive(Debug, Clone, Default)]
pub struct CallMeta {
    pub macaroons: Vec<String>,
    pub peer: Option<IpAddr>,
}

/// Which lnd service a method belongs to; decides the state rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    State,
    WalletUnlocker,
    Other,
}

/// What exists once the wallet is unlocked.
struct Unlocked {
    keys: DerivedKeys,
    /// `None` with `no-macaroons`.
    macaroons: Option<Mutex<RootKeyStore>>,
    /// When lnd built its chain control after the unlock: the no-chain
    /// backend's best block time (chainreg/chainregistry.go L684), which
    /// GetInfo reports as best_header_timestamp.
    chain_started: i64,
}

pub struct Node {
    cfg: Arc<Config>,
    pub state: StateMachine,
    wallet: WalletFile,
    timing: Timing,
    unlocked: RwLock<Option<Arc<Unlocked>>>,
    /// Serialises WalletUnlocker calls, as lnd's single unlock channel does.
    /// Held until the state is UNLOCKED, which is after the call answered.
    unlock_lock: Arc<tokio::sync::Mutex<()>>,
    shutdown: watch::Receiver<bool>,
    fatal: mpsc::UnboundedSender<MainError>,
    /// Set once lnd has the wallet password (waitForWalletPassword has
    /// returned); a shutdown before that is an error exit.
    password_given: Arc<AtomicBool>,
}

const ERR_WAITING_TO_START: &str = "waiting to start, RPC services not available";
const ERR_NO_WALLET: &str = "wallet not created, create one to enable full RPC access";
const ERR_WALLET_LOCKED: &str = "wallet locked, unlock it to enable full RPC access";
const ERR_WALLET_UNLOCKED: &str =
    "wallet already unlocked, WalletUnlocker service is no longer available";
const ERR_RPC_STARTING: &str =
    "the RPC server is in the process of starting up, but not yet ready to accept calls";
const ERR_MACAROONS_DISABLED: &str =
    "macaroon authentication disabled, remove --no-macaroons flag to enable";
/// No-chain-backend's best block: hash {0x01} (printed byte-reversed), height 1.
const NO_CHAIN_BEST_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000001";

impl Node {
    pub fn new(
        cfg: Arc<Config>,
        timing: Timing,
        shutdown: watch::Receiver<bool>,
        fatal: mpsc::UnboundedSender<MainError>,
        password_given: Arc<AtomicBool>,
    ) -> Node {
        Node {
            wallet: WalletFile::new(&cfg.network_dir, cfg.network),
            cfg,
            state: StateMachine::new(),
            timing,
            unlocked: RwLock::new(None),
            unlock_lock: Arc::new(tokio::sync::Mutex::new(())),
            shutdown,
            fatal,
            password_given,
        }
    }

    pub fn wallet_exists(&self) -> bool {
        self.wallet.exists()
    }

    fn unlocked(&self) -> Option<Arc<Unlocked>> {
        self.unlocked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// lnd's interceptor chain for one call: the RPC state check, then the
    /// macaroon check (WalletUnlocker and State need no macaroon).
    pub fn authorize(&self, service: Service, method: &str, meta: &CallMeta) -> RpcResult<()> {
        if service == Service::State {
            return Ok(());
        }
        let unlocker = service == Service::WalletUnlocker;
        match self.state.get() {
            WalletState::WaitingToStart => return Err(RpcError::unknown(ERR_WAITING_TO_START)),
            WalletState::NonExisting if !unlocker => return Err(RpcError::unknown(ERR_NO_WALLET)),
            WalletState::Locked if !unlocker => return Err(RpcError::unknown(ERR_WALLET_LOCKED)),
            WalletState::Unlocked if unlocker => {
                return Err(RpcError::unknown(ERR_WALLET_UNLOCKED));
            }
            WalletState::Unlocked => return Err(RpcError::unknown(ERR_RPC_STARTING)),
            WalletState::RpcActive | WalletState::ServerActive if unlocker => {
                return Err(RpcError::unknown(ERR_WALLET_UNLOCKED));
            }
            _ => {}
        }
        if unlocker || self.cfg.no_macaroons {
            return Ok(());
        }
        let unlocked = self
            .unlocked()
            .ok_or_else(|| RpcError::unknown("unable to determine macaroon permissions"))?;
        let store = unlocked
            .macaroons
            .as_ref()
            .ok_or_else(|| RpcError::unknown("unable to determine macaroon permissions"))?;
        let required = method_perms::required(method).ok_or_else(|| {
            RpcError::unknown(format!("{method}: unknown permissions required for method"))
        })?;
        let store = store.lock().unwrap_or_else(|p| p.into_inner());
        check::check(
            &store,
            &meta.macaroons,
            meta.peer,
            required,
            method,
            SystemTime::now(),
        )
        .map_err(RpcError::unknown)
    }

    // ----- WalletUnlocker ---------------------------------------------------

    pub async fn gen_seed(&self, req: lnrpc::GenSeedRequest) -> RpcResult<lnrpc::GenSeedResponse> {
        if self.wallet.exists() {
            return Err(RpcError::unknown("wallet already exists"));
        }
        let entropy: [u8; seed::ENTROPY_SIZE] = match req.seed_entropy.len() {
            0 => crate::wallet::crypto::random_bytes(),
            seed::ENTROPY_SIZE => req.seed_entropy[..]
                .try_into()
                .unwrap_or_else(|_| unreachable!("length checked")),
            n => {
                return Err(RpcError::unknown(format!(
                    "incorrect entropy length: expected 16 bytes, instead got {n} bytes"
                )));
            }
        };
        let passphrase = Zeroizing::new(req.aezeed_passphrase);
        let (words, enciphered) = tokio::task::spawn_blocking(move || {
            let seed = seed::new_seed(entropy, unix_now());
            (seed.to_mnemonic(&passphrase), seed.encipher(&passphrase))
        })
        .await
        .map_err(|e| RpcError::unknown(e.to_string()))?;
        Ok(lnrpc::GenSeedResponse {
            cipher_seed_mnemonic: words.to_vec(),
            enciphered_seed: enciphered.to_vec(),
        })
    }

    /// InitWallet. Like lnd, which hands the request to its main goroutine
    /// (walletunlocker/service.go L604–618: the InitMsgs channel is
    /// buffered) and creates and unlocks the wallet there whatever becomes
    /// of the caller, the work runs on a task of its own: a caller that
    /// goes away mid-call (lsm killed) leaves a wallet that is unlocked and
    /// goes active, never one that exists while the state says
    /// NON_EXISTING.
    pub async fn init_wallet(
        self: &Arc<Self>,
        req: lnrpc::InitWalletRequest,
    ) -> RpcResult<lnrpc::InitWalletResponse> {
        let node = self.clone();
        tokio::spawn(async move { node.init_wallet_detached(req).await })
            .await
            .map_err(|e| RpcError::unknown(e.to_string()))?
    }

    async fn init_wallet_detached(
        self: &Arc<Self>,
        req: lnrpc::InitWalletRequest,
    ) -> RpcResult<lnrpc::InitWalletResponse> {
        // lnd's UnlockerService checks all of this without waiting for the
        // daemon (walletunlocker/service.go L396–436), so during the window
        // after an earlier InitWallet answered it says "wallet already
        // exists" at once.
        let password = Zeroizing::new(req.wallet_password.clone());
        validate_password(&password)?;
        if req.recovery_window < 0 {
            return Err(RpcError::unknown(format!(
                "recovery window {} must be non-negative",
                req.recovery_window
            )));
        }
        let mac_root_key: Option<[u8; 32]> = match req.macaroon_root_key.len() {
            0 => None,
            32 => req.macaroon_root_key[..].try_into().ok(),
            n => {
                return Err(RpcError::unknown(format!(
                    "macaroon root key must be exactly 32 bytes, is instead {n}"
                )));
            }
        };
        if self.wallet.exists() {
            return Err(RpcError::unknown("wallet already exists"));
        }
        let guard = self.unlock_lock.clone().lock_owned().await;
        self.recheck_unlocker_state()?;
        if self.wallet.exists() {
            return Err(RpcError::unknown("wallet already exists"));
        }
        let network = self.cfg.network;
        let master = if !req.cipher_seed_mnemonic.is_empty() && !req.extended_master_key.is_empty()
        {
            return Err(RpcError::unknown(
                "cannot specify both the cipher seed mnemonic and the extended master key",
            ));
        } else if !req.cipher_seed_mnemonic.is_empty() {
            let words = Zeroizing::new(req.cipher_seed_mnemonic.clone());
            let pass = Zeroizing::new(req.aezeed_passphrase.clone());
            tokio::task::spawn_blocking(move || {
                let seed = CipherSeed::from_mnemonic(&words, &pass)
                    .map_err(|e| RpcError::unknown(e.to_string()))?;
                Master::from_entropy(&seed.entropy[..], seed.birthday_unix())
                    .map_err(RpcError::unknown)
            })
            .await
            .map_err(|e| RpcError::unknown(e.to_string()))??
        } else if !req.extended_master_key.is_empty() {
            master_from_xprv(
                &req.extended_master_key,
                req.extended_master_key_birthday_timestamp,
                network,
            )?
        } else if req
            .watch_only
            .as_ref()
            .is_some_and(|w| !w.accounts.is_empty())
        {
            return Err(RpcError {
                code: tonic::Code::Unimplemented,
                message: "lnd-double does not implement watch-only wallets; it is a signer".into(),
            });
        } else {
            return Err(RpcError::unknown(
                "must either specify cipher seed mnemonic or the extended master key",
            ));
        };
        let wallet = self.wallet.clone();
        let pw = password.clone();
        let master =
            tokio::task::spawn_blocking(move || wallet.create(&pw, &master).map(|()| master))
                .await
                .map_err(|e| RpcError::unknown(e.to_string()))?
                .map_err(RpcError::unknown)?;
        logging::info("LTND", "Wallet created");
        if !self.timing.init_delay.is_zero() {
            tokio::time::sleep(self.timing.init_delay).await;
        }
        let admin_macaroon = self
            .clone()
            .complete_unlock(guard, master, password, req.stateless_init, mac_root_key)
            .await?;
        Ok(lnrpc::InitWalletResponse { admin_macaroon })
    }

    /// UnlockWallet, carried on like InitWallet if the caller goes away.
    pub async fn unlock_wallet(
        self: &Arc<Self>,
        req: lnrpc::UnlockWalletRequest,
    ) -> RpcResult<lnrpc::UnlockWalletResponse> {
        let node = self.clone();
        tokio::spawn(async move { node.unlock_wallet_detached(req).await })
            .await
            .map_err(|e| RpcError::unknown(e.to_string()))?
    }

    async fn unlock_wallet_detached(
        self: &Arc<Self>,
        req: lnrpc::UnlockWalletRequest,
    ) -> RpcResult<lnrpc::UnlockWalletResponse> {
        let guard = self.unlock_lock.clone().lock_owned().await;
        self.recheck_unlocker_state()?;
        let password = Zeroizing::new(req.wallet_password.clone());
        let master = self.open_wallet(&password).await?;
        self.clone()
            .complete_unlock(guard, master, password, req.stateless_init, None)
            .await?;
        Ok(lnrpc::UnlockWalletResponse {})
    }

    /// ChangePassword, carried on like InitWallet if the caller goes away.
    pub async fn change_password(
        self: &Arc<Self>,
        req: lnrpc::ChangePasswordRequest,
    ) -> RpcResult<lnrpc::ChangePasswordResponse> {
        let node = self.clone();
        tokio::spawn(async move { node.change_password_detached(req).await })
            .await
            .map_err(|e| RpcError::unknown(e.to_string()))?
    }

    async fn change_password_detached(
        self: &Arc<Self>,
        req: lnrpc::ChangePasswordRequest,
    ) -> RpcResult<lnrpc::ChangePasswordResponse> {
        let guard = self.unlock_lock.clone().lock_owned().await;
        self.recheck_unlocker_state()?;
        if !self.wallet.exists() {
            return Err(RpcError::unknown("wallet not found"));
        }
        // An empty current password means lnd's noseedbackup defaults.
        let current = Zeroizing::new(if req.current_password.is_empty() {
            b"hello".to_vec()
        } else {
            req.current_password.clone()
        });
        let new = Zeroizing::new(req.new_password.clone());
        validate_password(&new)?;
        let master = self.open_wallet(&current).await?;
        if req.new_macaroon_root_key || req.stateless_init {
            for file in [
                &self.cfg.admin_macaroon_path,
                &self.cfg.readonly_macaroon_path,
                &self.cfg.invoice_macaroon_path,
            ] {
                if let Err(e) = std::fs::remove_file(file)
                    && !req.stateless_init
                {
                    return Err(RpcError::unknown(format!(
                        "could not remove macaroon file: remove {}: {}. if the wallet was \
                         initialized stateless please add the --stateless_init flag",
                        file.display(),
                        crate::config::go_io_error(&e)
                    )));
                }
            }
        }
        let (wallet, network_dir) = (self.wallet.clone(), self.cfg.network_dir.clone());
        let (cur, nw) = (current.clone(), new.clone());
        let regenerate = req.new_macaroon_root_key;
        let no_macaroons = self.cfg.no_macaroons;
        tokio::task::spawn_blocking(move || -> Result<(), String> {
            wallet
                .change_password(&cur, &nw)
                .map_err(|e| format!("unable to change wallet passphrase: {e}"))?;
            if !no_macaroons {
                let mut store = RootKeyStore::open_or_create(&network_dir, &cur)?;
                store.change_password(&nw)?;
                if regenerate {
                    store.regenerate_all()?;
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| RpcError::unknown(e.to_string()))?
        .map_err(RpcError::unknown)?;
        let admin_macaroon = self
            .clone()
            .complete_unlock(guard, master, new, req.stateless_init, None)
            .await?;
        Ok(lnrpc::ChangePasswordResponse { admin_macaroon })
    }

    /// Unlocks with the password from `wallet-unlock-password-file`
    /// (lnd trims trailing CR/LF from the file).
    pub async fn auto_unlock(self: &Arc<Self>, password: Zeroizing<Vec<u8>>) -> Result<(), String> {
        let guard = self.unlock_lock.clone().lock_owned().await;
        let master = self.open_wallet(&password).await.map_err(|e| {
            format!(
                "error unlocking wallet with password from file: {}",
                e.message
            )
        })?;
        self.clone()
            .complete_unlock(guard, master, password, false, None)
            .await
            .map(|_| ())
            .map_err(|e| e.message)
    }

    /// A WalletUnlocker call that waited for the lock may find the wallet
    /// already unlocked by the call before it.
    fn recheck_unlocker_state(&self) -> RpcResult<()> {
        match self.state.get() {
            WalletState::NonExisting | WalletState::Locked => Ok(()),
            WalletState::WaitingToStart => Err(RpcError::unknown(ERR_WAITING_TO_START)),
            _ => Err(RpcError::unknown(ERR_WALLET_UNLOCKED)),
        }
    }

    async fn open_wallet(&self, password: &Zeroizing<Vec<u8>>) -> RpcResult<Master> {
        let wallet = self.wallet.clone();
        let pw = password.clone();
        tokio::task::spawn_blocking(move || wallet.open(&pw))
            .await
            .map_err(|e| RpcError::unknown(e.to_string()))?
            .map_err(|e| match e {
                OpenError::NotFound => RpcError::unknown("wallet not found"),
                other => RpcError::unknown(other.to_string()),
            })
    }

    /// What lnd does once it has the wallet password (v0.20.0-beta
    /// config_builder.go BuildWalletConfig): open the macaroon store
    /// (L479–519), bake the admin macaroon and hand it to the waiting
    /// WalletUnlocker call (L524–544), which answers its caller at once
    /// (walletunlocker/service.go L605–618, L732–740). Only after that does
    /// lnd write the default macaroon files (L552) and go UNLOCKED (L594),
    /// so a client that was just answered can still see NON_EXISTING or
    /// LOCKED and no admin.macaroon. `guard` is held until UNLOCKED.
    async fn complete_unlock(
        self: Arc<Self>,
        guard: OwnedMutexGuard<()>,
        master: Master,
        password: Zeroizing<Vec<u8>>,
        stateless_init: bool,
        mac_root_key: Option<[u8; 32]>,
    ) -> RpcResult<Vec<u8>> {
        self.password_given.store(true, Ordering::SeqCst);
        let cfg = self.cfg.clone();
        let prepared = tokio::task::spawn_blocking(move || -> Result<Prepared, String> {
            let xprv = master.xprv()?;
            let keys = keys::derive(&xprv, cfg.network)?;
            if cfg.no_macaroons {
                return Ok((keys, None, Vec::new()));
            }
            let mut store = RootKeyStore::open_or_create(&cfg.network_dir, &password)
                .map_err(|e| format!("unable to unlock macaroons: {e}"))?;
            if let Some(k) = mac_root_key {
                store.set_default_root_key(&k)?;
            }
            let admin = macaroons::bake(&mut store, 0, &permissions::admin())?;
            Ok((keys, Some(store), admin.encode().to_vec()))
        })
        .await
        .map_err(|e| RpcError::unknown(e.to_string()))?;
        let (keys, store, admin) = match prepared {
            Ok(v) => v,
            Err(e) => {
                // lnd shuts down when it cannot finish setting up after the
                // password was accepted.
                self.die("error creating wallet config", &e, true);
                return Err(RpcError::unknown(e));
            }
        };
        let node = self.clone();
        tokio::spawn(async move { node.finish_unlock(guard, keys, store, stateless_init).await });
        Ok(admin)
    }

    /// The part of the unlock after the caller was answered: the default
    /// macaroon files, then UNLOCKED, then the RPC and server stages.
    async fn finish_unlock(
        self: Arc<Self>,
        guard: OwnedMutexGuard<()>,
        keys: DerivedKeys,
        store: Option<RootKeyStore>,
        stateless_init: bool,
    ) {
        if !self.pause(self.timing.unlock_gap).await {
            return;
        }
        let store = match store {
            Some(mut store) if !stateless_init => {
                let cfg = self.cfg.clone();
                let written = tokio::task::spawn_blocking(move || {
                    let r = macaroons::write_default_files(
                        &mut store,
                        &cfg.admin_macaroon_path,
                        &cfg.readonly_macaroon_path,
                        &cfg.invoice_macaroon_path,
                    );
                    (store, r)
                })
                .await;
                match written {
                    Ok((store, Ok(()))) => Some(store),
                    Ok((_, Err(e))) => {
                        return self.die(
                            "error creating wallet config",
                            &format!("unable to create macaroons {e}"),
                            true,
                        );
                    }
                    Err(e) => {
                        return self.die("error creating wallet config", &e.to_string(), true);
                    }
                }
            }
            other => other,
        };
        if !self.pause(self.timing.unlock_gap).await {
            return;
        }
        *self.unlocked.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(Unlocked {
            keys,
            macaroons: store.map(Mutex::new),
            chain_started: unix_now() as i64,
        }));
        self.state.set(WalletState::Unlocked);
        drop(guard);
        logging::info("LNWL", "Opened wallet");
        self.run_startup_stages(stateless_init).await;
    }

    /// lnd's shutdown on an error after the password was accepted.
    fn die(&self, context: &str, cause: &str, log_cause: bool) {
        // BuildWalletConfig logs its own failures before lnd.Main does.
        if log_cause {
            logging::error("LTND", cause);
        }
        let _ = self.fatal.send(MainError::new(context, cause));
    }

    /// Sleeps for `d`; false if lnd is shutting down meanwhile.
    async fn pause(&self, d: Duration) -> bool {
        let mut shutdown = self.shutdown.clone();
        if d.is_zero() {
            return !*shutdown.borrow();
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = shutdown.wait_for(|s| *s) => false,
        }
    }

    /// lnd.go after BuildWalletConfig: newServer (L628–636; it checks the
    /// alias and binds the p2p listeners), the RPC server's sub-servers with
    /// their macaroon files (addDeps, L669–672), RPC_ACTIVE (L679), then
    /// SERVER_ACTIVE (L785).
    async fn run_startup_stages(&self, stateless_init: bool) {
        if !self.pause(self.timing.startup_delay).await {
            return;
        }
        if let Err(e) = self.new_server().await {
            return self.die("unable to create server", &e, false);
        }
        if !stateless_init && let Err(e) = self.write_sub_server_macaroons() {
            return self.die("unable to add deps to RPC server", &e, false);
        }
        self.state.set(WalletState::RpcActive);
        logging::info("LTND", "RPC server started");
        if !self.pause(self.timing.startup_delay).await {
            return;
        }
        // Real lnd logs nothing at SERVER_ACTIVE itself (lnd.go L785,
        // rpcperms SetServerActive); the last line of server.Start just
        // before it is this one (v0.20.0-beta), which benchmarks read.
        logging::info(
            "CHIO",
            "BlockbeatDispatcher is starting with 1 consumer queues",
        );
        self.state.set(WalletState::ServerActive);
    }

    fn write_sub_server_macaroons(&self) -> Result<(), String> {
        let Some(u) = self.unlocked() else {
            return Ok(());
        };
        let Some(store) = u.macaroons.as_ref() else {
            return Ok(());
        };
        let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
        macaroons::write_sub_server_files(&mut store, &self.cfg.sub_server_macaroon_paths)
    }

    /// The parts of lnd's `newServer` that can stop a signer from starting:
    /// the node alias (server.go setSelfNode L5592, lnwire.NewNodeAlias:
    /// at most 32 bytes) and the p2p listeners (server.go L1800–1815,
    /// brontide.NewListener), bound unless `nolisten`.
    async fn new_server(&self) -> Result<(), String> {
        let alias = &self.cfg.alias;
        if alias.len() > 32 {
            return Err(format!("alias too large: max is 32, got {}", alias.len()));
        }
        for (shown, addr) in &self.cfg.p2p_listeners {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("listen tcp {shown}: {}", crate::server::go_bind_error(&e)))?;
            let mut shutdown = self.shutdown.clone();
            // Held until shutdown; peers are accepted and dropped (the
            // double speaks no brontide).
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = shutdown.wait_for(|s| *s) => return,
                        r = listener.accept() => drop(r),
                    }
                }
            });
        }
        Ok(())
    }

    // ----- Lightning -----------------------------------------------------------

    fn require_unlocked(&self) -> RpcResult<Arc<Unlocked>> {
        self.unlocked()
            .ok_or_else(|| RpcError::unknown(ERR_RPC_STARTING))
    }

    // lnd still fills the deprecated `testnet` and `chains[].chain`.
    #[allow(deprecated)]
    pub fn get_info(&self) -> RpcResult<lnrpc::GetInfoResponse> {
        let u = self.require_unlocked()?;
        let pubkey = hex::encode(u.keys.identity_pubkey);
        let alias = if self.cfg.alias.is_empty() {
            hex::encode(&u.keys.identity_pubkey[..10])
        } else {
            self.cfg.alias.clone()
        };
        Ok(lnrpc::GetInfoResponse {
            version: version::VERSION_WITH_COMMIT.into(),
            commit_hash: version::COMMIT_HASH.into(),
            identity_pubkey: pubkey.clone(),
            alias,
            color: self.cfg.color.clone(),
            block_height: 1,
            block_hash: NO_CHAIN_BEST_HASH.into(),
            // rpcserver.go getChainSyncInfo (L9361–9387): btcwallet's
            // IsSynced never reports the no-chain backend as synced, and
            // the best header time is the backend's start.
            best_header_timestamp: u.chain_started,
            synced_to_chain: false,
            testnet: self.cfg.network.is_testnet(),
            chains: vec![lnrpc::Chain {
                chain: "bitcoin".into(),
                network: self.cfg.network.dir_name().into(),
            }],
            uris: self
                .cfg
                .external_ips
                .iter()
                .map(|a| format!("{pubkey}@{a}"))
                .collect(),
            features: default_features(),
            ..Default::default()
        })
    }

    /// lnrpc SignMessage: the node key signs (sign_message.rs).
    pub fn sign_message(
        &self,
        req: lnrpc::SignMessageRequest,
    ) -> RpcResult<lnrpc::SignMessageResponse> {
        let u = self.require_unlocked()?;
        let signature = crate::sign_message::sign(&u.keys.node_key, &req.msg, req.single_hash);
        Ok(lnrpc::SignMessageResponse { signature })
    }

    /// Runs `f` on the unlocked macaroon store (lnd's macaroon service).
    fn with_macaroon_store<T>(
        &self,
        f: impl FnOnce(&mut RootKeyStore) -> RpcResult<T>,
    ) -> RpcResult<T> {
        let u = self.require_unlocked()?;
        let store = u
            .macaroons
            .as_ref()
            .ok_or_else(|| RpcError::unknown(ERR_MACAROONS_DISABLED))?;
        let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut store)
    }

    pub fn bake_macaroon(
        &self,
        req: lnrpc::BakeMacaroonRequest,
    ) -> RpcResult<lnrpc::BakeMacaroonResponse> {
        self.with_macaroon_store(|store| {
            let perms = requested_permissions(&req)?;
            let mac = macaroons::bake(store, req.root_key_id, &perms).map_err(RpcError::unknown)?;
            Ok(lnrpc::BakeMacaroonResponse {
                macaroon: mac.to_hex().to_string(),
            })
        })
    }

    /// lnd's rpcServer.CheckMacaroonPermissions (rpcserver.go L8895–8948):
    /// the argument checks, the permissions (or the method's own with
    /// check_default_perms_from_full_method), then CheckMacAuth on the
    /// given macaroon, whose failure is InvalidArgument with its message.
    /// `peer` is the caller's address, which ipaddr caveats see.
    pub fn check_macaroon_permissions(
        &self,
        req: lnrpc::CheckMacPermRequest,
        peer: Option<std::net::IpAddr>,
    ) -> RpcResult<lnrpc::CheckMacPermResponse> {
        if !req.permissions.is_empty() && req.check_default_perms_from_full_method {
            return Err(RpcError::unknown(
                "cannot check default permissions from full method and from provided \
                 permission list at the same time",
            ));
        }
        if req.full_method.is_empty() && req.check_default_perms_from_full_method {
            return Err(RpcError::unknown(
                "cannot check default permissions from full method without providing the full \
                 method name",
            ));
        }
        let permissions: Vec<Permission> = if req.check_default_perms_from_full_method {
            method_perms::required(&req.full_method)
                .ok_or_else(|| {
                    RpcError::unknown(format!(
                        "no permissions found for full method {}",
                        req.full_method
                    ))
                })?
                .to_vec()
        } else {
            req.permissions
                .iter()
                .map(|p| Permission::new(p.entity.clone(), p.action.clone()))
                .collect()
        };
        let unlocked = self
            .unlocked()
            .ok_or_else(|| RpcError::unknown("unable to determine macaroon permissions"))?;
        let store = unlocked
            .macaroons
            .as_ref()
            .ok_or_else(|| RpcError::unknown("unable to determine macaroon permissions"))?;
        let store = store.lock().unwrap_or_else(|p| p.into_inner());
        check::check_mac_auth(
            &store,
            &req.macaroon,
            peer,
            &permissions,
            &req.full_method,
            SystemTime::now(),
        )
        .map_err(RpcError::invalid_argument)?;
        Ok(lnrpc::CheckMacPermResponse { valid: true })
    }

    pub fn list_macaroon_ids(&self) -> RpcResult<lnrpc::ListMacaroonIDsResponse> {
        self.with_macaroon_store(|store| {
            let root_key_ids = store
                .ids()
                .iter()
                .map(|id| {
                    let s = String::from_utf8_lossy(id);
                    s.parse::<u64>().map_err(|_| {
                        RpcError::unknown(format!(
                            "strconv.ParseUint: parsing {s:?}: invalid syntax"
                        ))
                    })
                })
                .collect::<RpcResult<Vec<u64>>>()?;
            Ok(lnrpc::ListMacaroonIDsResponse { root_key_ids })
        })
    }

    pub fn delete_macaroon_id(
        &self,
        req: lnrpc::DeleteMacaroonIdRequest,
    ) -> RpcResult<lnrpc::DeleteMacaroonIdResponse> {
        self.with_macaroon_store(|store| {
            let deleted = store
                .delete(req.root_key_id.to_string().as_bytes())
                .map_err(RpcError::unknown)?;
            Ok(lnrpc::DeleteMacaroonIdResponse { deleted })
        })
    }

    pub fn list_permissions(&self) -> RpcResult<lnrpc::ListPermissionsResponse> {
        let method_permissions = method_perms::all()
            .iter()
            .map(|(m, perms)| {
                (
                    m.to_string(),
                    lnrpc::MacaroonPermissionList {
                        permissions: perms
                            .iter()
                            .map(|p| lnrpc::MacaroonPermission {
                                entity: p.entity.clone(),
                                action: p.action.clone(),
                            })
                            .collect(),
                    },
                )
            })
            .collect();
        Ok(lnrpc::ListPermissionsResponse { method_permissions })
    }

    // ----- WalletKit -----------------------------------------------------------

    /// lnd's ListAccounts filters (walletkit_server.go + btcwallet): an
    /// address type selects one default scope; a name alone searches the
    /// default scopes (never lnd's internal 1017 scope).
    pub fn list_accounts(
        &self,
        req: walletrpc::ListAccountsRequest,
    ) -> RpcResult<walletrpc::ListAccountsResponse> {
        let u = self.require_unlocked()?;
        let scope_filter = match AddressType::try_from(req.address_type) {
            Ok(AddressType::Unknown) => None,
            Ok(AddressType::WitnessPubkeyHash) => Some("m/84'/"),
            Ok(AddressType::NestedWitnessPubkeyHash)
            | Ok(AddressType::HybridNestedWitnessPubkeyHash) => Some("m/49'/"),
            Ok(AddressType::TaprootPubkey) => Some("m/86'/"),
            Err(_) => {
                return Err(RpcError::unknown(format!(
                    "unhandled address type {}",
                    req.address_type
                )));
            }
        };
        // Without an address type, a name is looked up in the default
        // scopes only (btcwallet's DefaultKeyScopes), never in 1017.
        let default_scopes = ["m/49'/", "m/84'/", "m/86'/"];
        let in_scope = |a: &keys::Account| match scope_filter {
            Some(scope) => a.derivation_path.starts_with(scope),
            None if req.name.is_empty() => true,
            None => default_scopes
                .iter()
                .any(|s| a.derivation_path.starts_with(s)),
        };
        let accounts: Vec<&keys::Account> = u
            .keys
            .accounts
            .iter()
            .filter(|a| in_scope(a) && (req.name.is_empty() || a.name == req.name))
            .collect();
        // The empty "imported" accounts exist but are never listed.
        if !req.name.is_empty() && accounts.is_empty() && req.name != "imported" {
            return Err(RpcError::unknown(format!(
                "account name '{}' not found",
                req.name
            )));
        }
        Ok(walletrpc::ListAccountsResponse {
            accounts: accounts
                .into_iter()
                .map(|a| walletrpc::Account {
                    name: a.name.clone(),
                    address_type: a.address_type as i32,
                    extended_public_key: a.extended_public_key.clone(),
                    master_key_fingerprint: Vec::new(),
                    derivation_path: a.derivation_path.clone(),
                    external_key_count: 0,
                    internal_key_count: 0,
                    watch_only: false,
                })
                .collect(),
        })
    }
}

/// GetInfo's `features`: the union of the feature manager's sets
/// (rpcserver.go L3360–3372) for lnd's default protocol options
/// (feature/default_sets.go, trimmed by server.go's feature.NewManager
/// config), as real v0.20.0-beta reports them for a signer's lnd.conf.
/// `protocol.*` options an operator adds would change them; the double
/// ignores those.
fn default_features() -> std::collections::HashMap<u32, lnrpc::Feature> {
    const FEATURES: &[(u32, &str, bool)] = &[
        (0, "data-loss-protect", true),
        (5, "upfront-shutdown-script", false),
        (7, "gossip-queries", false),
        (8, "tlv-onion", true),
        (12, "static-remote-key", true),
        (14, "payment-addr", true),
        (17, "multi-path-payments", false),
        (23, "anchors-zero-fee-htlc-tx", false),
        (25, "route-blinding", false),
        (27, "shutdown-any-segwit", false),
        (30, "amp", true),
        (31, "amp", false),
        (35, "quiescence", false),
        (45, "explicit-commitment-type", false),
        (261, "endorsement-x", false),
        (2023, "script-enforced-lease", false),
    ];
    FEATURES
        .iter()
        .map(|(bit, name, required)| {
            (
                *bit,
                lnrpc::Feature {
                    name: (*name).into(),
                    is_required: *required,
                    is_known: true,
                },
            )
        })
        .collect()
}

/// BakeMacaroon's validation of the requested permissions (rpcserver.go).
fn requested_permissions(req: &lnrpc::BakeMacaroonRequest) -> RpcResult<Vec<Permission>> {
    let help = format!(
        "supported actions are [{}], supported entities are [{}]",
        permissions::ACTIONS.join(" "),
        permissions::ENTITIES.join(" ")
    );
    if req.permissions.is_empty() {
        return Err(RpcError::unknown(format!(
            "permission list cannot be empty. specify at least one action/entity pair. {help}"
        )));
    }
    let mut perms = Vec::with_capacity(req.permissions.len());
    for p in &req.permissions {
        if !req.allow_external_permissions {
            if !permissions::ENTITIES.contains(&p.entity.as_str()) {
                return Err(RpcError::unknown(format!(
                    "invalid permission entity. {help}"
                )));
            }
            if p.entity == "uri" {
                if method_perms::required(&p.action).is_none() {
                    return Err(RpcError::unknown(
                        "invalid permission action, must be an existing URI in the format \
                         /package.Service/MethodName",
                    ));
                }
            } else if !permissions::ACTIONS.contains(&p.action.as_str()) {
                return Err(RpcError::unknown(format!(
                    "invalid permission action. {help}"
                )));
            }
        }
        perms.push(Permission::new(p.entity.clone(), p.action.clone()));
    }
    Ok(perms)
}

/// lnd's `walletunlocker.ValidatePassword`.
fn validate_password(password: &[u8]) -> RpcResult<()> {
    if password.len() < 8 {
        return Err(RpcError::unknown(
            "password must have at least 8 characters",
        ));
    }
    Ok(())
}

/// InitWallet's `extended_master_key` path (hdkeychain checks).
fn master_from_xprv(s: &str, birthday: u64, network: crate::network::Network) -> RpcResult<Master> {
    let ext: bip32::ExtendedKey = s
        .parse()
        .map_err(|_| RpcError::unknown("the provided serialized extended key length is invalid"))?;
    if ext.attrs.depth != 0 {
        return Err(RpcError::unknown(
            "extended master key must be at depth 0 not a child key",
        ));
    }
    if !ext.prefix.is_private() {
        return Err(RpcError::unknown(
            "extended master key must contain private keys",
        ));
    }
    if ext.prefix.version() != network.private_prefix().version() {
        return Err(RpcError::unknown(format!(
            "extended master key must be for network {}",
            network.params_name()
        )));
    }
    let xprv = bip32::XPrv::try_from(ext).map_err(|e| RpcError::unknown(e.to_string()))?;
    // lnd's default birthday for imported keys: the first SegWit block.
    let birthday = if birthday == 0 {
        1_503_539_857
    } else {
        birthday
    };
    Ok(Master::from_xprv(&xprv, birthday))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
