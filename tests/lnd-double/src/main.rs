//! lnd-double: a test fixture that behaves like lnd v0.20.0-beta for
//! everything lsm touches (config, TLS, state machine, wallet, keys,
//! macaroons, gRPC and REST), started exactly like lnd:
//! `lnd-double --lnddir=/root/.lnd --configfile=/root/.lnd/lnd.conf ...`.
//!
//! Its own knobs are environment variables (lnd has none of these):
//! - `LND_DOUBLE_STARTUP_DELAY_MS` (default 50): waited before the
//!   listeners come up and between UNLOCKED → RPC_ACTIVE → SERVER_ACTIVE,
//!   so tests can make lnd slow.
//! - `LND_DOUBLE_WAITING_TO_START_MS` (default 100): time spent in
//!   WAITING_TO_START after the listeners are up (lnd opens its databases
//!   only after it listens).
//! - `LND_DOUBLE_UNLOCK_GAP_MS` (default 50): after InitWallet,
//!   UnlockWallet or ChangePassword has answered, waited before the default
//!   macaroon files are written and again before the state turns UNLOCKED
//!   (lnd answers first).
//! - `LND_DOUBLE_INIT_DELAY_MS` (default 0): InitWallet waits this long
//!   after it created the wallet ("Wallet created") before it answers, so
//!   a test can stop its caller while the call is in flight. (lnd goes on
//!   with the wallet whatever the caller does, and so does the double.)
//! - `LND_DOUBLE_HANG_ON_SHUTDOWN=1`: a shutdown signal is logged, then
//!   the double never exits (an lnd stuck shutting down), so only SIGKILL
//!   ends it.

mod config;
mod error;
mod fsutil;
mod gofmt;
mod keys;
mod logging;
mod macaroons;
mod method_perms;
mod network;
mod node;
mod rest;
mod rpc;
mod server;
mod sign_message;
mod state;
mod tls;
mod tls_pair;
mod version;
mod wallet;

use config::{Config, Loaded};
use error::MainError;
use lsm_lnd::proto::lnrpc::WalletState;
use node::{Node, Timing};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use zeroize::Zeroizing;

const STARTUP_DELAY_ENV: &str = "LND_DOUBLE_STARTUP_DELAY_MS";
const WAITING_TO_START_ENV: &str = "LND_DOUBLE_WAITING_TO_START_MS";
const HANG_ON_SHUTDOWN_ENV: &str = "LND_DOUBLE_HANG_ON_SHUTDOWN";
const UNLOCK_GAP_ENV: &str = "LND_DOUBLE_UNLOCK_GAP_MS";
const INIT_DELAY_ENV: &str = "LND_DOUBLE_INIT_DELAY_MS";
const DEFAULT_STARTUP_DELAY: Duration = Duration::from_millis(50);
/// Real lnd says WAITING_TO_START from the moment it listens until its
/// databases are open (v0.20.0-beta lnd.go: listeners at L398–409,
/// BuildDatabase at L474, the state set in config_builder.go L375–379;
/// rpcperms/interceptor.go L205 starts in waitingToStart): tens to hundreds of
/// milliseconds, longer with a big channel.db or a migration.
const DEFAULT_WAITING_TO_START: Duration = Duration::from_millis(100);
/// Real lnd's gap is a few instructions wide; a visible default makes
/// every client meet it, as some eventually would with real lnd.
const DEFAULT_UNLOCK_GAP: Duration = Duration::from_millis(50);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let app = app_name(args.first().map(String::as_str).unwrap_or("lnd"));
    let cfg = match config::load(args.get(1..).unwrap_or_default()) {
        Ok(Loaded::Run(cfg)) => cfg,
        Ok(Loaded::Version) => {
            println!("{}", version::version_line(&app));
            return ExitCode::SUCCESS;
        }
        Ok(Loaded::ShowSubsystems) => {
            println!("Supported subsystems [{}]", config::SUBSYSTEMS.join(" "));
            return ExitCode::SUCCESS;
        }
        Ok(Loaded::Help) => {
            println!(
                "Usage:\n  {app} [OPTIONS]\n\n{app} is lnd-double, a test double of lnd {}: it takes \
                 lnd's options (see lnd's sample-lnd.conf), as flags or in lnd.conf.",
                version::VERSION
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("{}", e.render(&app));
            if e.logged {
                if e.usage {
                    logging::warn(
                        "LTND",
                        format!("Incorrect usage: Use {app} -h to show usage"),
                    );
                }
                logging::warn("LTND", format!("Error validating config: {}", e.message));
            }
            return ExitCode::FAILURE;
        }
    };
    let timing = match timing_from_env() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("unable to start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(Arc::new(*cfg), timing));
    runtime.shutdown_timeout(Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // cmd/lnd/main.go: lnd.Main's error on stderr, exit 1 (Main has
        // already logged it and "Shutdown complete").
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// lnd names itself after its executable (`filepath.Base(os.Args[0])`).
fn app_name(argv0: &str) -> String {
    let base = std::path::Path::new(argv0)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "lnd".into());
    if base.is_empty() { "lnd".into() } else { base }
}

fn timing_from_env() -> Result<Timing, String> {
    timing_from(|name| std::env::var(name).ok())
}

/// The knobs from `var` (the environment), with their defaults.
fn timing_from(var: impl Fn(&str) -> Option<String>) -> Result<Timing, String> {
    let ms = |name: &str, default: Duration| -> Result<Duration, String> {
        match var(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| {
                    format!(
                        "{name} must be a whole number of milliseconds (e.g. 0 or 250), got {v:?}"
                    )
                }),
        }
    };
    Ok(Timing {
        startup_delay: ms(STARTUP_DELAY_ENV, DEFAULT_STARTUP_DELAY)?,
        waiting_to_start: ms(WAITING_TO_START_ENV, DEFAULT_WAITING_TO_START)?,
        unlock_gap: ms(UNLOCK_GAP_ENV, DEFAULT_UNLOCK_GAP)?,
        init_delay: ms(INIT_DELAY_ENV, Duration::ZERO)?,
    })
}

/// `lnd.Main`: returns Ok on a signal-driven shutdown, Err with lnd's
/// message when startup fails. As lnd.go does, every failure after the
/// configuration loaded is logged as "Shutting down due to error in main
/// method" where it happens (mkErr, L165–179), and every return, failed or
/// not, logs "Shutdown complete" (the deferred L151–157).
async fn run(cfg: Arc<Config>, timing: Timing) -> Result<(), MainError> {
    logging::init(
        logging::Level::from_debuglevel(&cfg.debug_level),
        Some(&cfg.log_dir),
    );
    // ValidateConfig logs these (config.go L1580, L1594), before lnd.Main.
    if cfg.rest_listeners.is_empty() {
        logging::info("LTND", "REST API is disabled!");
    }
    if cfg.p2p_listeners.is_empty() {
        logging::info("LTND", "Listening on the p2p interface is disabled!");
    }
    let result = serve(cfg, timing).await;
    if let Err(e) = &result {
        logging::error("LTND", e.log_line());
    }
    logging::info("LTND", "Shutdown complete");
    result
}

async fn serve(cfg: Arc<Config>, timing: Timing) -> Result<(), MainError> {
    logging::info(
        "LTND",
        format!(
            "Version Info {} version={} commit={} debuglevel=production logging={}",
            version::rev_attr(),
            version::VERSION,
            version::COMMIT,
            logging::attr_value(&cfg.debug_level)
        ),
    );
    logging::info(
        "LTND",
        format!(
            "Network Info {} active_chain=Bitcoin network={}",
            version::rev_attr(),
            cfg.network.dir_name()
        ),
    );
    logging::debug(
        "LTND",
        format!("Configuration file {}", cfg.config_file.display()),
    );
    for w in &cfg.warnings {
        logging::warn("LTND", w);
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let (fatal_tx, mut fatal_rx) = mpsc::unbounded_channel::<MainError>();
    let mut signals =
        Signals::new().map_err(|e| MainError::new("unable to install signal handlers", e))?;
    // Set once a WalletUnlocker call (or the password file) has given lnd
    // the wallet password: until then lnd waits in waitForWalletPassword.
    let password_given = Arc::new(AtomicBool::new(false));

    // Everything before serving can be interrupted by a signal.
    let serving = async {
        pause(timing.startup_delay).await;
        let tls = tls::ensure(&cfg.tls).map_err(|e| {
            MainError::new(
                "error setting cert before unlock",
                format!("unable to generate or renew TLS certificate: {e}"),
            )
        })?;
        let node = Arc::new(Node::new(
            cfg.clone(),
            timing,
            stop_rx.clone(),
            fatal_tx.clone(),
            password_given.clone(),
        ));
        let grpc = server::bind(&cfg.rpc_listeners)
            .await
            .map_err(|(addr, e)| {
                MainError::new("unable to listen on grpc endpoint", e)
                    .with_attr("endpoint", addr.to_string())
            })?;
        let tls_credentials = |e: String| {
            MainError::new(
                "error setting cert before unlock",
                format!("unable to load TLS credentials: {e}"),
            )
        };
        let mut handles =
            server::spawn_grpc(grpc, &tls, &node, &stop_rx).map_err(tls_credentials)?;
        let rest = server::bind(&cfg.rest_listeners)
            .await
            .map_err(|(_, e)| MainError::new("error starting REST proxy", e))?;
        handles.extend(
            server::spawn_rest(rest, &tls, &cfg, &node, &stop_rx).map_err(tls_credentials)?,
        );
        pause(timing.waiting_to_start).await;
        start_wallet(&cfg, &node)
            .await
            .map_err(|e| MainError::new("error creating wallet config", e))?;
        Ok::<_, MainError>(handles)
    };
    let handles = tokio::select! {
        r = serving => r?,
        _ = signals.recv() => return Err(shutdown_before_password()),
    };

    let outcome = tokio::select! {
        _ = signals.recv() => {
            if password_given.load(Ordering::SeqCst) {
                Ok(())
            } else {
                Err(shutdown_before_password())
            }
        }
        Some(e) = fatal_rx.recv() => Err(e),
    };
    let _ = stop_tx.send(true);
    let drain = futures_join(handles);
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    outcome
}

/// A shutdown signal while lnd waits for the wallet password ends
/// waitForWalletPassword with "shutting down" (config_builder.go L1479–1481),
/// which BuildWalletConfig logs and returns (L450–456) and lnd.Main wraps
/// (lnd.go L491): lnd exits 1 even though it was asked to stop.
fn shutdown_before_password() -> MainError {
    let e = "unable to set up wallet password listeners: shutting down";
    logging::error("LTND", e);
    MainError::new("error creating wallet config", e)
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// The part of lnd's BuildWalletConfig before the wallet password: the
/// NON_EXISTING/LOCKED state and the wallet-unlock-password-file rules.
async fn start_wallet(cfg: &Config, node: &Arc<Node>) -> Result<(), String> {
    let exists = node.wallet_exists();
    node.state.set(if exists {
        WalletState::Locked
    } else {
        WalletState::NonExisting
    });
    match &cfg.wallet_unlock_password_file {
        Some(_) if !exists && !cfg.wallet_unlock_allow_create => {
            Err("wallet unlock password file was specified but wallet \
             does not exist; initialize the wallet before using auto unlocking"
                .into())
        }
        Some(file) if exists => {
            logging::info(
                "LTND",
                "Attempting automatic wallet unlock with password provided in file",
            );
            let raw = std::fs::read(file).map_err(|e| {
                format!(
                    "error reading password from file {}: open {}: {}",
                    file.display(),
                    file.display(),
                    config::go_io_error(&e)
                )
            })?;
            let mut pw = Zeroizing::new(raw);
            while matches!(pw.last(), Some(b'\n' | b'\r')) {
                pw.pop();
            }
            node.auto_unlock(pw).await
        }
        _ => {
            logging::info(
                "LTND",
                "Waiting for wallet encryption password. Use `lncli create` to create a wallet, \
                 `lncli unlock` to unlock an existing wallet, or `lncli changepassword` to change \
                 the password of an existing wallet and unlock it.",
            );
            Ok(())
        }
    }
}

/// SIGINT and SIGTERM (the double is PID 1 in its container).
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    /// `LND_DOUBLE_HANG_ON_SHUTDOWN=1`: never return from [`Signals::recv`].
    hang: bool,
}

impl Signals {
    fn new() -> Result<Signals, String> {
        use tokio::signal::unix::{SignalKind, signal};
        let err = |e: std::io::Error| format!("unable to install signal handlers: {e}");
        Ok(Signals {
            term: signal(SignalKind::terminate()).map_err(err)?,
            int: signal(SignalKind::interrupt()).map_err(err)?,
            hang: std::env::var(HANG_ON_SHUTDOWN_ENV).as_deref() == Ok("1"),
        })
    }

    /// The next SIGTERM or SIGINT, logged as lnd's interceptor logs it
    /// (signal/signal.go L166, L177, L185).
    async fn recv(&mut self) {
        let name = tokio::select! {
            _ = self.term.recv() => "terminated",
            _ = self.int.recv() => "interrupt",
        };
        logging::info("LTND", format!("Received {name}"));
        logging::info("LTND", "Shutting down...");
        logging::info("LTND", "Gracefully shutting down.");
        if self.hang {
            logging::info(
                "LTND",
                format!("Received shutdown request; {HANG_ON_SHUTDOWN_ENV}=1: hanging instead"),
            );
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_timing_leaves_lnds_windows_open() {
        // Real lnd always has a WAITING_TO_START window and answers
        // InitWallet/UnlockWallet before it is UNLOCKED; by default the
        // double shows both, so clients that skip them fail in tests.
        let t = timing_from(|_| None).unwrap();
        assert!(!t.waiting_to_start.is_zero());
        assert!(!t.unlock_gap.is_zero());
        let t = timing_from(|n| (n == UNLOCK_GAP_ENV).then(|| "0".to_string())).unwrap();
        assert!(t.unlock_gap.is_zero());
        let e = timing_from(|_| Some("soon".into())).unwrap_err();
        assert!(e.contains("whole number of milliseconds"), "{e}");
    }
}
