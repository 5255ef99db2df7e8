//! The double as a process: lnd's command line, version line, config
//! errors on stderr with exit 1, listen-address rules, signals.

mod common;

use common::support::{self, DoubleOptions, NativeDouble};
use common::{PASSWORD, create_wallet};
use lsm_lnd::client::InitWalletParams;
use std::process::Command;
use std::time::Duration;

/// The double, or real lnd with `LND_DOUBLE_BIN` (a sweep for
/// divergences: these tests assert lnd's own words).
fn double() -> Command {
    let mut c = Command::new(support::double_binary());
    c.env("LND_DOUBLE_STARTUP_DELAY_MS", "0");
    c
}

fn fails_with(args: &[&str], conf: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let lnd_dir = dir.path().join("lnd");
    std::fs::create_dir_all(&lnd_dir).unwrap();
    let mut cmd = double();
    cmd.arg(format!("--lnddir={}", lnd_dir.display()));
    if let Some(text) = conf {
        let path = lnd_dir.join("lnd.conf");
        std::fs::write(&path, text).unwrap();
        cmd.arg(format!("--configfile={}", path.display()));
    }
    let out = cmd.args(args).env("HOME", dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn version_line_is_lnds() {
    for flag in ["--version", "-V"] {
        // The double's own name: lnd names itself after its executable.
        let out = Command::new(env!("CARGO_BIN_EXE_lnd-double"))
            .arg(flag)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "lnd-double version 0.20.0-beta commit=v0.20.0-beta\n"
        );
    }
}

#[test]
fn config_errors_exit_1_with_lnds_words() {
    assert_eq!(
        fails_with(
            &[],
            Some("bitcoin.mainnet=1\nbitcoin.regtest=1\nbitcoin.node=nochainbackend\n")
        ),
        "failed to load config: ValidateConfig: The mainnet, testnet, testnet4, regtest, simnet and \
         signet params can't be used together -- choose one of the five\n"
    );
    let err = fails_with(&[], Some("bitcoin.regtest=1\nrpclistne=1\n"));
    assert!(err.starts_with("failed to load config: "), "{err}");
    assert!(
        err.ends_with("lnd.conf:2: unknown option: rpclistne\n"),
        "{err}"
    );
    assert_eq!(
        fails_with(&["--bogus"], None),
        "unknown flag `bogus'\nfailed to load config: unknown flag `bogus'\n"
    );
    assert_eq!(
        fails_with(
            &[
                "--bitcoin.regtest",
                "--bitcoin.node=nochainbackend",
                "--wallet-unlock-allow-create"
            ],
            None
        ),
        "failed to load config: ValidateConfig: cannot set wallet-unlock-allow-create without \
         wallet-unlock-password-file\n"
    );
    let err = fails_with(&["--configfile=/nonexistent/lnd.conf"], None);
    assert_eq!(
        err,
        "failed to load config: specified config file does not exist in /nonexistent/lnd.conf\n"
    );
}

#[test]
fn bare_port_rpclisten_means_localhost() {
    let port = support::free_port();
    let d = NativeDouble::start_with(DoubleOptions {
        args: vec![format!("--rpclisten={port}")],
        rest: false,
        ..Default::default()
    });
    assert!(
        d.logs()
            .contains(&format!("RPC server listening on 127.0.0.1:{port}")),
        "{}",
        d.logs()
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
}

/// lnd waiting for the wallet password takes SIGTERM/SIGINT as a failure
/// to get one: exit 1 (config_builder.go L1479–1481, lnd.go L491).
#[test]
fn a_signal_before_the_wallet_password_exits_1() {
    for (sig, name) in [("TERM", "terminated"), ("INT", "interrupt")] {
        let mut d = NativeDouble::start();
        d.signal(sig);
        let status = d.wait_exit(std::time::Duration::from_secs(10));
        let logs = d.logs();
        assert_eq!(status.and_then(|s| s.code()), Some(1), "{logs}");
        assert!(
            logs.contains(&format!("[INF] LTND: Received {name}")),
            "{logs}"
        );
        assert!(
            logs.contains("[ERR] LTND: unable to set up wallet password listeners: shutting down"),
            "{logs}"
        );
        assert!(
            logs.ends_with(
                "error creating wallet config: unable to set up wallet password listeners: \
                 shutting down\n"
            ),
            "{logs}"
        );
        assert!(logs.contains("Shutdown complete"), "{logs}");
    }
}

/// Once lnd has the password, a signal is a clean shutdown: exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_after_the_unlock_exits_0() {
    let mut d = NativeDouble::start();
    create_wallet(&d).await;
    d.signal("TERM");
    let status = d.wait_exit(std::time::Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", d.logs());
    assert!(d.logs().contains("Shutdown complete"), "{}", d.logs());
}

#[test]
fn busy_port_fails_like_lnd() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let out = double()
        .args([
            &format!("--lnddir={}", dir.path().display()),
            "--bitcoin.regtest",
            "--bitcoin.node=nochainbackend",
            "--norest",
            &format!("--rpclisten=127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "unable to listen on grpc endpoint: listen tcp4 127.0.0.1:{port}: bind: address already \
             in use endpoint=127.0.0.1:{port}\n"
        )
    );
}

/// GenSeed + InitWallet, without waiting for lnd to become active.
async fn init(d: &NativeDouble) {
    let client = d.client();
    let words = client.gen_seed(None).await.unwrap();
    client
        .init_wallet(&InitWalletParams {
            wallet_password: PASSWORD,
            mnemonic: &words,
            ..Default::default()
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_over_32_bytes_stops_lnd_after_unlock() {
    // lnd checks the alias in newServer (server.go L5592,
    // lnwire.NewNodeAlias), after the wallet is unlocked: in bytes.
    let mut d = NativeDouble::start_with(DoubleOptions {
        args: vec![format!("--alias={}", "é".repeat(17))],
        ..Default::default()
    });
    init(&d).await;
    let status = d.wait_exit(Duration::from_secs(30)).unwrap();
    assert_eq!(status.code(), Some(1), "{}", d.logs());
    assert!(
        d.logs()
            .contains("unable to create server: alias too large: max is 32, got 34"),
        "{}",
        d.logs()
    );

    // 32 bytes is fine.
    let alias = "é".repeat(16);
    let d = NativeDouble::start_with(DoubleOptions {
        args: vec![format!("--alias={alias}")],
        ..Default::default()
    });
    create_wallet(&d).await;
    let info = common::admin_client(&d).get_info().await.unwrap();
    assert_eq!(info.alias, alias);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_nolisten_the_p2p_port_is_bound_and_a_busy_one_stops_lnd() {
    // lnd binds its p2p listeners in newServer (server.go L1800–1815),
    // after the unlock.
    let port = support::free_port();
    let d = NativeDouble::start_with(DoubleOptions {
        p2p_listen: Some(format!("127.0.0.1:{port}")),
        ..Default::default()
    });
    assert!(
        !d.logs()
            .contains("Listening on the p2p interface is disabled"),
        "{}",
        d.logs()
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    create_wallet(&d).await;
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(d);

    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = held.local_addr().unwrap().port();
    let mut d = NativeDouble::start_with(DoubleOptions {
        p2p_listen: Some(format!("127.0.0.1:{busy}")),
        ..Default::default()
    });
    init(&d).await;
    let status = d.wait_exit(Duration::from_secs(30)).unwrap();
    assert_eq!(status.code(), Some(1), "{}", d.logs());
    assert!(
        d.logs().contains(&format!(
            "unable to create server: listen tcp 127.0.0.1:{busy}: bind: address already in use"
        )),
        "{}",
        d.logs()
    );

    // The default harness passes nolisten, and lnd says so.
    let d = NativeDouble::start();
    assert!(
        d.logs()
            .contains("Listening on the p2p interface is disabled!"),
        "{}",
        d.logs()
    );
}
