//! Seeds, wallet creation and the keys: InitWallet rules with lnd's
//! messages, determinism (same words, same keys), the 259 accounts of a
//! fresh signer checked against an independent BIP32 implementation.

mod common;

use common::support::{DoubleOptions, NativeDouble, pinned_channel};
use common::{PASSWORD, admin_client, create_wallet, deadline};
use hmac::{Hmac, KeyInit, Mac};
use k256::elliptic_curve::PrimeField;
use k256::elliptic_curve::group::GroupEncoding;
use lsm_lnd::client::InitWalletParams;
use lsm_lnd::proto::lnrpc::wallet_unlocker_client::WalletUnlockerClient;
use lsm_lnd::proto::lnrpc::{GenSeedRequest, InitWalletRequest, WalletState};
use lsm_lnd::proto::walletrpc::wallet_kit_client::WalletKitClient;
use lsm_lnd::proto::walletrpc::{AddressType, ListAccountsRequest};
use sha2::Sha512;

// ----- an independent BIP32 (HMAC-SHA512 + k256 arithmetic) ----------------

#[derive(Clone)]
struct Node {
    key: k256::Scalar,
    chain: [u8; 32],
}

fn hmac512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    let mut m = <Hmac<Sha512> as KeyInit>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

fn scalar(b: &[u8]) -> k256::Scalar {
    let arr: [u8; 32] = b.try_into().unwrap();
    Option::from(k256::Scalar::from_repr(arr.into())).expect("scalar < n")
}

fn pubkey(k: &k256::Scalar) -> [u8; 33] {
    let p = (k256::ProjectivePoint::GENERATOR * k).to_affine();
    p.to_bytes().as_slice().try_into().unwrap()
}

fn master(seed: &[u8]) -> Node {
    let i = hmac512(b"Bitcoin seed", &[seed]);
    Node {
        key: scalar(&i[..32]),
        chain: i[32..].try_into().unwrap(),
    }
}

fn child(n: &Node, index: u32) -> Node {
    let i = if index >= 1 << 31 {
        hmac512(&n.chain, &[&[0u8], &n.key.to_repr(), &index.to_be_bytes()])
    } else {
        hmac512(&n.chain, &[&pubkey(&n.key), &index.to_be_bytes()])
    };
    Node {
        key: scalar(&i[..32]) + n.key,
        chain: i[32..].try_into().unwrap(),
    }
}

fn derive(seed: &[u8], path: &[u32]) -> Node {
    path.iter().fold(master(seed), |n, i| child(&n, *i))
}

const H: u32 = 1 << 31;
const TV1_SEED: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

#[test]
fn the_independent_bip32_matches_test_vector_1() {
    let m = master(&TV1_SEED);
    assert_eq!(
        hex::encode(m.chain),
        "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508"
    );
    assert_eq!(
        hex::encode(pubkey(&m.key)),
        "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2"
    );
    let c = derive(&TV1_SEED, &[H]);
    assert_eq!(
        hex::encode(c.chain),
        "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141"
    );
    assert_eq!(
        hex::encode(pubkey(&c.key)),
        "035a784662a4a20a65bf6aab9ae98a6c068a81c52e4b032c0fb5400c706cfccc56"
    );
    let c = derive(&TV1_SEED, &[H, 1]);
    assert_eq!(
        hex::encode(pubkey(&c.key)),
        "03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c"
    );
}

/// Creates a wallet whose entropy (and so BIP32 seed) is `entropy`.
async fn wallet_from_entropy(d: &NativeDouble, entropy: &[u8]) {
    let mut unlocker = WalletUnlockerClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    let words = unlocker
        .gen_seed(GenSeedRequest {
            aezeed_passphrase: Vec::new(),
            seed_entropy: entropy.to_vec(),
        })
        .await
        .unwrap()
        .into_inner()
        .cipher_seed_mnemonic;
    common::init_wallet(&d.client(), &words).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_bip32_with_lnds_paths_names_and_prefixes() {
    for (network, coin, prefixes) in [
        ("mainnet", 0u32, ["ypub", "zpub", "xpub", "xpub"]),
        ("regtest", 1u32, ["upub", "vpub", "tpub", "tpub"]),
        // btcwallet: simnet has only spub; 49/84 take mainnet's versions.
        ("simnet", 1u32, ["ypub", "zpub", "spub", "spub"]),
    ] {
        let d = NativeDouble::start_with(DoubleOptions {
            network: network.into(),
            ..Default::default()
        });
        wallet_from_entropy(&d, &TV1_SEED).await;
        let admin = admin_client(&d);
        let accounts = admin.list_accounts().await.unwrap();
        assert_eq!(accounts.len(), 259, "{network}");

        let mut expected: Vec<(u32, u32, u32)> = vec![(49, 0, 0), (84, 0, 0), (86, 0, 0)];
        expected.extend((0..256).map(|i| (1017, coin, i)));
        for (i, (a, (purpose, c, index))) in accounts.iter().zip(expected).enumerate() {
            assert_eq!(
                a.derivation_path,
                format!("m/{purpose}'/{c}'/{index}'"),
                "{network} #{i}"
            );
            let want_name = if index == 0 {
                "default".to_string()
            } else {
                format!("act:{index}")
            };
            assert_eq!(a.name, want_name);
            let want_type = match purpose {
                49 => AddressType::HybridNestedWitnessPubkeyHash,
                86 => AddressType::TaprootPubkey,
                _ => AddressType::WitnessPubkeyHash,
            };
            assert_eq!(a.address_type, want_type as i32);
            assert!(a.master_key_fingerprint.is_empty());
            assert!(!a.watch_only);
            assert!(
                a.extended_public_key.starts_with(prefixes[i.min(3)]),
                "{}",
                a.extended_public_key
            );

            // Independent derivation of the same account.
            let ext: bip32::ExtendedKey = a.extended_public_key.parse().unwrap();
            let parent = derive(&TV1_SEED, &[purpose | H, c | H]);
            let node = child(&parent, index | H);
            assert_eq!(ext.attrs.depth, 3);
            assert_eq!(ext.attrs.child_number.0, index | H);
            assert_eq!(ext.attrs.chain_code, node.chain, "{}", a.derivation_path);
            assert_eq!(ext.key_bytes, pubkey(&node.key), "{}", a.derivation_path);
            let fp = &ripemd_sha256_fingerprint(&pubkey(&parent.key));
            assert_eq!(&ext.attrs.parent_fingerprint, fp);
        }

        // The identity key: key family 6, index 0 (m/1017'/C'/6'/0/0).
        let id = derive(&TV1_SEED, &[1017 | H, coin | H, 6 | H, 0, 0]);
        let info = admin.get_info().await.unwrap();
        assert_eq!(info.identity_pubkey, hex::encode(pubkey(&id.key)));
        assert_eq!(info.chains[0].network, network);
        assert_eq!(info.version, "0.20.0-beta commit=v0.20.0-beta");
    }
}

/// HASH160's first 4 bytes, computed with bip32's own helper only for
/// parsing-independent comparison: the parent fingerprint.
fn ripemd_sha256_fingerprint(pk: &[u8; 33]) -> [u8; 4] {
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(pk).unwrap();
    let xpub = bip32::XPub::new(
        vk,
        bip32::ExtendedKeyAttrs {
            depth: 0,
            parent_fingerprint: [0; 4],
            child_number: bip32::ChildNumber(0),
            chain_code: [0; 32],
        },
    );
    xpub.fingerprint()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_words_rebuild_the_same_keys() {
    let a = NativeDouble::start();
    let b = NativeDouble::start();
    let (words, _) = create_wallet(&a).await;
    common::init_wallet(&b.client(), &words).await;
    let (ia, ib) = (
        admin_client(&a).get_info().await.unwrap(),
        admin_client(&b).get_info().await.unwrap(),
    );
    assert_eq!(ia.identity_pubkey, ib.identity_pubkey);
    assert_eq!(
        admin_client(&a).list_accounts().await.unwrap(),
        admin_client(&b).list_accounts().await.unwrap()
    );

    // A different seed gives different keys.
    let c = NativeDouble::start();
    create_wallet(&c).await;
    assert_ne!(
        admin_client(&c).get_info().await.unwrap().identity_pubkey,
        ia.identity_pubkey
    );
}

fn init_req(words: &[String]) -> InitWalletRequest {
    InitWalletRequest {
        wallet_password: PASSWORD.to_vec(),
        cipher_seed_mnemonic: words.to_vec(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_wallet_refuses_like_lnd() {
    let d = NativeDouble::start();
    let mut u = WalletUnlockerClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    let seed_req = |pass: &[u8]| GenSeedRequest {
        aezeed_passphrase: pass.to_vec(),
        seed_entropy: Vec::new(),
    };
    let words = u
        .gen_seed(seed_req(b""))
        .await
        .unwrap()
        .into_inner()
        .cipher_seed_mnemonic;
    assert_eq!(words.len(), 24);
    let english = bip39::Language::English;
    assert!(words.iter().all(|w| english.find_word(w).is_some()));

    let msg =
        |r: Result<tonic::Response<lsm_lnd::proto::lnrpc::InitWalletResponse>, tonic::Status>| {
            let s = r.unwrap_err();
            assert_eq!(s.code(), tonic::Code::Unknown);
            s.message().to_string()
        };
    let mut short = init_req(&words);
    short.wallet_password = b"1234567".to_vec();
    assert_eq!(
        msg(u.init_wallet(short).await),
        "password must have at least 8 characters"
    );

    let mut bad = words.clone();
    bad[5] = "notaword".into();
    assert_eq!(
        msg(u.init_wallet(init_req(&bad)).await),
        "word notaword isn't a part of default word list (index=5)"
    );
    assert_eq!(
        msg(u.init_wallet(init_req(&words[..23])).await),
        "word  isn't a part of default word list (index=23)"
    );
    let mut tampered = words.clone();
    tampered.swap(3, 4);
    if tampered != words {
        let m = msg(u.init_wallet(init_req(&tampered)).await);
        assert!(
            m == "mnemonic phrase checksum doesn't match" || m == "wrong seed version",
            "{m}"
        );
    }
    let mut pass = init_req(&words);
    pass.aezeed_passphrase = b"not the passphrase".to_vec();
    assert_eq!(msg(u.init_wallet(pass).await), "invalid passphrase");
    let mut neg = init_req(&words);
    neg.recovery_window = -1;
    assert_eq!(
        msg(u.init_wallet(neg).await),
        "recovery window -1 must be non-negative"
    );
    let mut key = init_req(&words);
    key.macaroon_root_key = vec![1; 5];
    assert_eq!(
        msg(u.init_wallet(key).await),
        "macaroon root key must be exactly 32 bytes, is instead 5"
    );
    assert_eq!(
        msg(u
            .init_wallet(InitWalletRequest {
                wallet_password: PASSWORD.to_vec(),
                ..Default::default()
            })
            .await),
        "must either specify cipher seed mnemonic or the extended master key"
    );
    let s = u
        .gen_seed(GenSeedRequest {
            aezeed_passphrase: Vec::new(),
            seed_entropy: vec![1; 15],
        })
        .await
        .unwrap_err();
    assert_eq!(
        s.message(),
        "incorrect entropy length: expected 16 bytes, instead got 15 bytes"
    );

    // A passphrase-protected seed works with its passphrase.
    let words = u
        .gen_seed(seed_req(b"aezeed pass"))
        .await
        .unwrap()
        .into_inner()
        .cipher_seed_mnemonic;
    let mut ok = init_req(&words);
    ok.aezeed_passphrase = b"aezeed pass".to_vec();
    u.init_wallet(ok).await.unwrap();

    // Once a wallet exists (and until it is unlocked elsewhere): lnd's words.
    let mut d = d;
    d.restart();
    let mut u = WalletUnlockerClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    assert_eq!(
        msg(u.init_wallet(init_req(&words)).await),
        "wallet already exists"
    );
    assert_eq!(
        u.gen_seed(seed_req(b"")).await.unwrap_err().message(),
        "wallet already exists"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_init_and_a_given_root_key() {
    let d = NativeDouble::start();
    let words = d.client().gen_seed(None).await.unwrap();
    let root_key = [7u8; 32];
    let admin = d
        .client()
        .init_wallet(&InitWalletParams {
            wallet_password: PASSWORD,
            mnemonic: &words,
            stateless_init: true,
            macaroon_root_key: Some(&root_key),
            ..Default::default()
        })
        .await
        .unwrap();
    let mac = lsm_lnd::macaroon::Macaroon::decode(&admin).unwrap();
    assert!(
        mac.verify_signature(&root_key),
        "baked with the given root key"
    );
    assert_eq!(mac.root_key_id().unwrap(), 0);
    assert_eq!(mac.permissions().unwrap(), lsm_lnd::permissions::admin());
    for f in ["admin.macaroon", "readonly.macaroon", "invoice.macaroon"] {
        assert!(
            !d.network_dir().join(f).exists(),
            "{f} written despite stateless_init"
        );
    }
    d.client()
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await
        .unwrap();
    let info = d.client().with_macaroon(&admin).get_info().await.unwrap();
    assert_eq!(info.identity_pubkey.len(), 66);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_accounts_filters_like_lnd() {
    let d = NativeDouble::start();
    create_wallet(&d).await;
    let mut kit = WalletKitClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    let mac = hex::encode(d.admin_macaroon());
    let list = |name: &str, t: AddressType| {
        let mut r = tonic::Request::new(ListAccountsRequest {
            name: name.into(),
            address_type: t as i32,
        });
        r.metadata_mut().insert("macaroon", mac.parse().unwrap());
        r
    };
    let paths = |r: lsm_lnd::proto::walletrpc::ListAccountsResponse| -> Vec<String> {
        r.accounts.into_iter().map(|a| a.derivation_path).collect()
    };
    assert_eq!(
        paths(
            kit.list_accounts(list("default", AddressType::Unknown))
                .await
                .unwrap()
                .into_inner()
        ),
        ["m/49'/0'/0'", "m/84'/0'/0'", "m/86'/0'/0'"]
    );
    assert_eq!(
        paths(
            kit.list_accounts(list("", AddressType::WitnessPubkeyHash))
                .await
                .unwrap()
                .into_inner()
        ),
        ["m/84'/0'/0'"]
    );
    assert_eq!(
        paths(
            kit.list_accounts(list("", AddressType::TaprootPubkey))
                .await
                .unwrap()
                .into_inner()
        ),
        ["m/86'/0'/0'"]
    );
    let e = kit
        .list_accounts(list("act:1", AddressType::Unknown))
        .await
        .unwrap_err();
    assert_eq!(e.message(), "account name 'act:1' not found");
    let e = kit
        .list_accounts(list("nope", AddressType::WitnessPubkeyHash))
        .await
        .unwrap_err();
    assert_eq!(e.message(), "account name 'nope' not found");
}

/// lnd creates and unlocks the wallet on its main goroutine once
/// InitWallet handed it over, whatever becomes of the caller. A caller
/// that goes away mid-call (killed while InitWallet is in flight) must
/// therefore leave an unlocked wallet that goes active, never a wallet
/// that exists while the state still says NON_EXISTING — the state in
/// which every later InitWallet fails with "wallet already exists".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initwallet_whose_caller_goes_away_still_unlocks_the_wallet() {
    let d = NativeDouble::start_with(DoubleOptions {
        env: vec![("LND_DOUBLE_INIT_DELAY_MS".into(), "2000".into())],
        ..DoubleOptions::default()
    });
    let client = d.client();
    let words = client.gen_seed(None).await.expect("GenSeed").to_vec();
    let params = InitWalletParams {
        wallet_password: common::PASSWORD,
        mnemonic: &words,
        ..Default::default()
    };
    // Drop the call once the double logged "Wallet created": it is then
    // waiting (the init delay) before it answers.
    let created = async {
        while !d.logs().contains("Wallet created") {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        r = client.init_wallet(&params) => panic!("InitWallet answered before the drop: {r:?}"),
        () = created => {}
    }
    let state = client
        .wait_for_state(&[WalletState::ServerActive], deadline())
        .await;
    assert_eq!(
        state.ok(),
        Some(WalletState::ServerActive),
        "the wallet lnd created was left behind:\n{}",
        d.logs()
    );
}
