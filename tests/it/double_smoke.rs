//! The shared harness from lsm's own test crate: the double is built on
//! demand, started natively, and driven with lsm's client.

use crate::support;

use lsm_lnd::proto::lnrpc::WalletState;
use support::NativeDouble;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_double_creates_a_wallet_for_lsms_client() {
    let d = NativeDouble::start();
    let client = d.client();
    assert_eq!(client.get_state().await.unwrap(), WalletState::NonExisting);
    let admin = d.create_wallet(b"smoke test password").await;
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
