//! lnd's state machine and its per-state refusals, restarts (LOCKED), and
//! the wallet-unlock-password-file rules.

mod common;

use common::support::{DoubleOptions, NativeDouble};
use common::{PASSWORD, admin_client, create_wallet, deadline};
use lsm_lnd::error::LndError;
use lsm_lnd::proto::lnrpc::state_client::StateClient;
use lsm_lnd::proto::lnrpc::{SubscribeStateRequest, WalletState};
use std::time::Duration;

fn raw_message(e: &LndError) -> String {
    format!("{e:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_every_state_and_streams_each_transition() {
    let d = NativeDouble::start_with(DoubleOptions {
        startup_delay_ms: 300,
        ..Default::default()
    });
    let mut states = StateClient::new(common::support::pinned_channel(
        &d.rpc_addr(),
        &d.tls_cert(),
    ));
    let mut stream = states
        .subscribe_state(SubscribeStateRequest {})
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap().state;
    assert_eq!(first, WalletState::NonExisting as i32);

    let client = d.client();
    // Wrong-state answers before a wallet exists.
    let err = admin_client_without_file(&d).get_info().await.unwrap_err();
    assert!(matches!(err, LndError::WalletNotCreated), "{err:?}");

    let words = client.gen_seed(None).await.unwrap();
    let init = {
        let client = client.clone();
        let words = words.clone();
        tokio::spawn(async move {
            client
                .init_wallet(&lsm_lnd::client::InitWalletParams {
                    wallet_password: PASSWORD,
                    mnemonic: &words,
                    ..Default::default()
                })
                .await
        })
    };
    let mut seen = Vec::new();
    while seen.last() != Some(&(WalletState::ServerActive as i32)) {
        let m = tokio::time::timeout(Duration::from_secs(30), stream.message())
            .await
            .expect("a state update")
            .unwrap()
            .unwrap();
        seen.push(m.state);
        if m.state == WalletState::Unlocked as i32 {
            // During UNLOCKED, other services refuse and the unlocker is gone.
            let admin = client.with_macaroon(&d.admin_macaroon());
            let err = admin.get_info().await.unwrap_err();
            assert!(matches!(err, LndError::NotReady), "{err:?}");
            let err = client.gen_seed(None).await.unwrap_err();
            assert!(matches!(err, LndError::UnlockerGone), "{err:?}");
        }
    }
    assert_eq!(
        seen,
        vec![
            WalletState::Unlocked as i32,
            WalletState::RpcActive as i32,
            WalletState::ServerActive as i32
        ]
    );
    let admin = init.await.unwrap().unwrap();
    assert!(!admin.is_empty());
    let err = client.gen_seed(None).await.unwrap_err();
    assert!(
        matches!(err, LndError::UnlockerGone),
        "{}",
        raw_message(&err)
    );
}

fn admin_client_without_file(d: &NativeDouble) -> lsm_lnd::client::LndClient {
    // Any well-formed macaroon: the state check comes first.
    let mac =
        lsm_lnd::macaroon::Macaroon::mint(&[1; 32], 0, [0; 16], &lsm_lnd::permissions::admin())
            .unwrap();
    d.client().with_macaroon(&mac.encode())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_comes_back_locked_and_unlocks() {
    let mut d = NativeDouble::start();
    create_wallet(&d).await;
    let before = admin_client(&d).get_info().await.unwrap().identity_pubkey;

    d.restart();
    let client = d.client();
    assert_eq!(client.get_state().await.unwrap(), WalletState::Locked);
    let err = admin_client(&d).get_info().await.unwrap_err();
    assert!(matches!(err, LndError::WalletLocked), "{err:?}");
    let err = client.gen_seed(None).await.unwrap_err();
    assert!(matches!(err, LndError::WalletAlreadyExists), "{err:?}");

    let err = client.unlock_wallet(b"not the password").await.unwrap_err();
    assert!(matches!(err, LndError::InvalidPassphrase), "{err:?}");
    assert_eq!(client.get_state().await.unwrap(), WalletState::Locked);

    client.unlock_wallet(PASSWORD).await.unwrap();
    client
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    assert_eq!(
        admin_client(&d).get_info().await.unwrap().identity_pubkey,
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_file_auto_unlocks_and_fails_like_lnd() {
    let mut d = NativeDouble::start();
    create_wallet(&d).await;
    d.stop();

    let pw_file = d.lnd_dir().join("wallet.pw");
    let mut pw = PASSWORD.to_vec();
    pw.extend_from_slice(b"\r\n");
    std::fs::write(&pw_file, &pw).unwrap();
    d.opts.args = vec![format!(
        "--wallet-unlock-password-file={}",
        pw_file.display()
    )];
    d.restart();
    d.client()
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    assert!(
        d.logs().contains("Attempting automatic wallet unlock"),
        "{}",
        d.logs()
    );

    // A wrong password in the file: lnd exits 1.
    d.stop();
    std::fs::write(&pw_file, b"wrong password").unwrap();
    d.restart_no_wait();
    let status = d.wait_exit(Duration::from_secs(20)).unwrap();
    assert_eq!(status.code(), Some(1), "{}", d.logs());
    assert!(
        d.logs().contains(
            "error creating wallet config: error unlocking wallet with password from file: \
             invalid passphrase for master public key"
        ),
        "{}",
        d.logs()
    );

    // A missing file: refused by the config check.
    std::fs::remove_file(&pw_file).unwrap();
    d.restart_no_wait();
    let status = d.wait_exit(Duration::from_secs(20)).unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        d.logs().contains(&format!(
            "failed to load config: ValidateConfig: wallet unlock password file {} does not exist",
            pw_file.display()
        )),
        "{}",
        d.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_file_without_wallet_needs_allow_create() {
    let dir = tempfile::tempdir().unwrap();
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, PASSWORD).unwrap();

    let mut d = NativeDouble::start_with(DoubleOptions::default());
    d.stop();
    d.opts.args = vec![format!(
        "--wallet-unlock-password-file={}",
        pw_file.display()
    )];
    d.restart_no_wait();
    let status = d.wait_exit(Duration::from_secs(20)).unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        d.logs().contains(
            "error creating wallet config: wallet unlock password file was specified but wallet \
             does not exist; initialize the wallet before using auto unlocking"
        ),
        "{}",
        d.logs()
    );

    // With allow-create the double waits for InitWallet over RPC.
    d.opts.args.push("--wallet-unlock-allow-create".into());
    d.restart();
    assert_eq!(
        d.client().get_state().await.unwrap(),
        WalletState::NonExisting
    );
    create_wallet(&d).await;

    // Next start: the file unlocks the wallet it created.
    d.restart();
    d.client()
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_password_rotates_password_and_optionally_root_keys() {
    use lsm_lnd::proto::lnrpc::ChangePasswordRequest;
    use lsm_lnd::proto::lnrpc::wallet_unlocker_client::WalletUnlockerClient;
    let mut d = NativeDouble::start();
    create_wallet(&d).await;
    let old_admin = d.admin_macaroon();
    d.restart();
    let mut u = WalletUnlockerClient::new(common::support::pinned_channel(
        &d.rpc_addr(),
        &d.tls_cert(),
    ));
    let req = |cur: &[u8], new: &[u8], rotate: bool| ChangePasswordRequest {
        current_password: cur.to_vec(),
        new_password: new.to_vec(),
        stateless_init: false,
        new_macaroon_root_key: rotate,
    };
    let e = u
        .change_password(req(b"wrong password", b"new password 1", false))
        .await
        .unwrap_err();
    assert_eq!(e.message(), "invalid passphrase for master public key");
    let e = u
        .change_password(req(PASSWORD, b"short", false))
        .await
        .unwrap_err();
    assert_eq!(e.message(), "password must have at least 8 characters");

    let admin = u
        .change_password(req(PASSWORD, b"new password 1", true))
        .await
        .unwrap()
        .into_inner()
        .admin_macaroon;
    d.client()
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    // New root keys: the old admin macaroon is dead, the new one and the
    // regenerated file work.
    let err = d
        .client()
        .with_macaroon(&old_admin)
        .get_info()
        .await
        .unwrap_err();
    assert!(matches!(err, LndError::MacaroonRejected { .. }), "{err:?}");
    d.client().with_macaroon(&admin).get_info().await.unwrap();
    assert_ne!(d.admin_macaroon(), old_admin);
    admin_client(&d).get_info().await.unwrap();

    d.restart();
    let err = d.client().unlock_wallet(PASSWORD).await.unwrap_err();
    assert!(matches!(err, LndError::InvalidPassphrase), "{err:?}");
    d.client().unlock_wallet(b"new password 1").await.unwrap();
    d.client()
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    d.client().with_macaroon(&admin).get_info().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_to_start_window_refuses_everything_but_state() {
    let d = NativeDouble::launch(DoubleOptions {
        env: vec![("LND_DOUBLE_WAITING_TO_START_MS".into(), "1500".into())],
        ..Default::default()
    });
    // The first answer comes while lnd is still WAITING_TO_START.
    let client = loop {
        if let Ok(pem) = std::fs::read(d.lnd_dir().join("tls.cert")) {
            let c = lsm_lnd::client::LndClient::connect(&d.rpc_addr(), &pem, Default::default())
                .unwrap();
            match c.get_state().await {
                Ok(s) => {
                    assert_eq!(s, WalletState::WaitingToStart);
                    break c;
                }
                Err(e) if e.is_transient() => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let err = client.gen_seed(None).await.unwrap_err();
    assert!(matches!(err, LndError::WaitingToStart), "{err:?}");
    client
        .wait_for_state(&[WalletState::NonExisting], deadline())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlocker_answers_before_the_macaroon_files_and_unlocked() {
    // lnd hands InitWallet/UnlockWallet their answer (config_builder.go
    // L544) before it writes the default macaroon files (L552) and goes
    // UNLOCKED (L594). A wide gap makes that window certain to be seen.
    let mut d = NativeDouble::start_with(DoubleOptions {
        env: vec![("LND_DOUBLE_UNLOCK_GAP_MS".into(), "4000".into())],
        ..Default::default()
    });
    let client = d.client();
    let words = client.gen_seed(None).await.unwrap();
    let params = lsm_lnd::client::InitWalletParams {
        wallet_password: PASSWORD,
        mnemonic: &words,
        ..Default::default()
    };
    let admin = client.init_wallet(&params).await.unwrap();
    let admin_file = d.network_dir().join("admin.macaroon");
    assert_eq!(client.get_state().await.unwrap(), WalletState::NonExisting);
    assert!(!admin_file.exists());
    let err = client.with_macaroon(&admin).get_info().await.unwrap_err();
    assert!(matches!(err, LndError::WalletNotCreated), "{err:?}");
    let err = client.init_wallet(&params).await.unwrap_err();
    assert!(matches!(err, LndError::WalletAlreadyExists), "{err:?}");
    client
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    assert!(admin_file.exists());
    client.with_macaroon(&admin).get_info().await.unwrap();

    // UnlockWallet: answered while still LOCKED.
    d.restart();
    let client = d.client();
    client.unlock_wallet(PASSWORD).await.unwrap();
    assert_eq!(client.get_state().await.unwrap(), WalletState::Locked);
    let err = client.with_macaroon(&admin).get_info().await.unwrap_err();
    assert!(matches!(err, LndError::WalletLocked), "{err:?}");
    client
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    client.with_macaroon(&admin).get_info().await.unwrap();
}
