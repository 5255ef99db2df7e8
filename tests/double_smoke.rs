//! The shared harness from lsm's own test crate: the double is built on
//! demand, started natively, and driven with lsm's client.

mod support;

use lsm::lnd::client::InitWalletParams;
use lsm::lnd::proto::lnrpc::WalletState;
use std::time::Duration;
use support::NativeDouble;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_double_creates_a_wallet_for_lsms_client() {
    let d = NativeDouble::start();
    let client = d.client();
    assert_eq!(client.get_state().await.unwrap(), WalletState::NonExisting);
    let words = client.gen_seed(None).await.unwrap();
    let admin = client
        .init_wallet(&InitWalletParams {
            wallet_password: b"smoke test password",
            mnemonic: &words,
            ..Default::default()
        })
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    client
        .wait_for_state(&[WalletState::ServerActive], deadline)
        .await
        .unwrap();
    let info = client.with_macaroon(&admin).get_info().await.unwrap();
    assert_eq!(info.version, "0.20.0-beta commit=v0.20.0-beta");
    assert_eq!(
        client
            .with_macaroon(&admin)
            .list_accounts()
            .await
            .unwrap()
            .len(),
        259
    );
}
