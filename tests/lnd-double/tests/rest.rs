//! The REST gateway: lnd's paths, protojson encodings (snake_case out,
//! camelCase accepted in, base64 bytes, 64-bit ints as strings, enum
//! names), the macaroon header and grpc-gateway's error bodies.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::support::NativeDouble;
use common::{open_stream, rest};
use lsm_lnd::macaroon::Macaroon;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

fn b64(s: &[u8]) -> String {
    B64.encode(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_lifecycle_over_rest() {
    let mut d = NativeDouble::start();
    let r = rest(&d, "GET", "/v1/state", &[], None).await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"state": "NON_EXISTING"}))
    );
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json")
    );

    let seed = rest(&d, "GET", "/v1/genseed", &[], None).await.json();
    let words = seed["cipher_seed_mnemonic"].as_array().unwrap().clone();
    assert_eq!(words.len(), 24);
    assert_eq!(
        B64.decode(seed["enciphered_seed"].as_str().unwrap())
            .unwrap()
            .len(),
        33
    );

    // Protected calls before a wallet exists: grpc-gateway's error body.
    let r = rest(&d, "GET", "/v1/getinfo", &[], None).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        json!({"code": 2, "message": "wallet not created, create one to enable full RPC access", "details": []})
    );

    // Unknown fields are refused (protojson); the message names the field.
    let r = rest(
        &d,
        "POST",
        "/v1/initwallet",
        &[],
        Some(r#"{"wallet_pass":"eA=="}"#),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 3);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("unknown field \"wallet_pass\"")
    );

    // lowerCamelCase accepted on input; bytes are base64.
    let body =
        json!({"walletPassword": b64(b"rest password"), "cipherSeedMnemonic": words}).to_string();
    let r = rest(&d, "POST", "/v1/initwallet", &[], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let admin = B64
        .decode(r.json()["admin_macaroon"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        Macaroon::decode(&admin).unwrap().permissions().unwrap(),
        lsm_lnd::permissions::admin()
    );
    let mut sub = open_stream(&d, "/v1/state/subscribe").await;
    let first = sub.next_line(Instant::now() + Duration::from_secs(5)).await;
    assert!(first.starts_with("{\"result\":{\"state\":"), "{first}");
    wait_rest_state(&d, "SERVER_ACTIVE").await;

    let mac = hex::encode(&admin);
    let hdr = [("Grpc-Metadata-macaroon", mac.as_str())];
    let info = rest(&d, "GET", "/v1/getinfo", &hdr, None).await.json();
    assert_eq!(info["version"], "0.20.0-beta commit=v0.20.0-beta");
    // int64 as a string: the no-chain backend's start, after the unlock.
    let best: i64 = info["best_header_timestamp"]
        .as_str()
        .expect("int64 as a string")
        .parse()
        .unwrap();
    assert!(best > 1_700_000_000, "{info}");
    assert_eq!(
        info["synced_to_chain"], false,
        "the no-chain backend never syncs"
    );
    assert_eq!(info["block_height"], 1, "uint32 as a number");
    assert_eq!(
        info["chains"],
        json!([{"chain": "bitcoin", "network": "regtest"}])
    );
    assert_eq!(info["uris"], json!([]));
    // map<uint32, Feature>: string keys in key order, as protojson writes.
    assert_eq!(
        info["features"]["0"],
        json!({"name": "data-loss-protect", "is_required": true, "is_known": true})
    );
    assert_eq!(info["features"].as_object().unwrap().len(), 16, "{info}");
    assert_eq!(info["testnet"], false);
    for key in [
        "commit_hash",
        "identity_pubkey",
        "alias",
        "color",
        "num_pending_channels",
        "num_active_channels",
        "num_inactive_channels",
        "num_peers",
        "block_hash",
        "synced_to_chain",
        "synced_to_graph",
        "require_htlc_interceptor",
        "store_final_htlc_resolutions",
    ] {
        assert!(info.get(key).is_some(), "{key} missing: {info}");
    }

    let accts = rest(&d, "GET", "/v2/wallet/accounts", &hdr, None)
        .await
        .json();
    let list = accts["accounts"].as_array().unwrap();
    assert_eq!(list.len(), 259);
    assert_eq!(
        list[0],
        json!({
            "name": "default",
            "address_type": "HYBRID_NESTED_WITNESS_PUBKEY_HASH",
            "extended_public_key": list[0]["extended_public_key"],
            "master_key_fingerprint": "",
            "derivation_path": "m/49'/0'/0'",
            "external_key_count": 0,
            "internal_key_count": 0,
            "watch_only": false
        })
    );
    assert!(
        list[0]["extended_public_key"]
            .as_str()
            .unwrap()
            .starts_with("upub")
    );
    let filtered = rest(
        &d,
        "GET",
        "/v2/wallet/accounts?address_type=TAPROOT_PUBKEY",
        &hdr,
        None,
    )
    .await
    .json();
    assert_eq!(filtered["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["accounts"][0]["derivation_path"], "m/86'/0'/0'");

    // BakeMacaroon: hex string out; uint64 as string in.
    let bake =
        json!({"permissions": [{"entity": "signer", "action": "generate"}], "root_key_id": "7"})
            .to_string();
    let baked = rest(&d, "POST", "/v1/macaroon", &hdr, Some(&bake))
        .await
        .json();
    let signer =
        Macaroon::from_hex_or_bytes(baked["macaroon"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(signer.root_key_id().unwrap(), 7);
    let ids = rest(&d, "GET", "/v1/macaroon/ids", &hdr, None).await.json();
    assert_eq!(ids, json!({"root_key_ids": ["0", "7"]}));
    let perms = rest(&d, "GET", "/v1/macaroon/permissions", &hdr, None)
        .await
        .json();
    assert_eq!(
        perms["method_permissions"]["/lnrpc.Lightning/GetInfo"],
        json!({"permissions": [{"entity": "info", "action": "read"}]})
    );

    // The signer macaroon cannot call GetInfo over REST either.
    let signer_hex = signer.to_hex().to_string();
    let r = rest(
        &d,
        "GET",
        "/v1/getinfo",
        &[("Grpc-Metadata-macaroon", &signer_hex)],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (500, json!("permission denied"))
    );
    let r = rest(&d, "GET", "/v1/getinfo", &[], None).await;
    assert_eq!(r.json()["message"], "expected 1 macaroon, got 0");
    // REST calls reach lnd's gRPC side from loopback (lnd's own proxy).
    let mut locked = Macaroon::decode(&admin).unwrap();
    locked.add_first_party_caveat("ipaddr 127.0.0.1");
    let locked_hex = locked.to_hex().to_string();
    let r = rest(
        &d,
        "GET",
        "/v1/getinfo",
        &[("Grpc-Metadata-macaroon", &locked_hex)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let del = rest(&d, "DELETE", "/v1/macaroon/7", &hdr, None)
        .await
        .json();
    assert_eq!(del, json!({"deleted": true}));
    let r = rest(&d, "DELETE", "/v1/macaroon/0", &hdr, None).await;
    assert_eq!(r.json()["message"], "the specified ID cannot be deleted");

    // Wrong method and unknown path.
    let r = rest(&d, "POST", "/v1/getinfo", &hdr, None).await;
    assert_eq!(r.status, 501);
    let r = rest(&d, "GET", "/v1/nothing", &hdr, None).await;
    assert_eq!(
        (r.status, r.json()),
        (
            404,
            json!({"code": 5, "message": "Not Found", "details": []})
        )
    );

    // Restart: LOCKED, unlock over REST (wrong password first).
    d.restart();
    assert_eq!(
        rest(&d, "GET", "/v1/state", &[], None).await.json()["state"],
        "LOCKED"
    );
    let bad = json!({"wallet_password": b64(b"not it at all")}).to_string();
    let r = rest(&d, "POST", "/v1/unlockwallet", &[], Some(&bad)).await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (500, json!("invalid passphrase for master public key"))
    );
    let good = json!({"wallet_password": b64(b"rest password")}).to_string();
    let r = rest(&d, "POST", "/v1/unlockwallet", &[], Some(&good)).await;
    assert_eq!((r.status, r.json()), (200, json!({})));
    wait_rest_state(&d, "SERVER_ACTIVE").await;
    let r = rest(&d, "GET", "/v1/genseed", &[], None).await;
    assert_eq!(
        r.json()["message"],
        "wallet already unlocked, WalletUnlocker service is no longer available"
    );
}

async fn wait_rest_state(d: &NativeDouble, want: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let s: Value = rest(d, "GET", "/v1/state", &[], None).await.json();
        if s["state"] == want {
            return;
        }
        assert!(Instant::now() < until, "state stuck at {s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_state_streams_results() {
    let d = NativeDouble::start();
    let until = Instant::now() + Duration::from_secs(30);
    let mut sub = open_stream(&d, "/v1/state/subscribe").await;
    let state = |l: String| serde_json::from_str::<Value>(&l).unwrap()["result"]["state"].clone();
    assert_eq!(state(sub.next_line(until).await), json!("NON_EXISTING"));
    common::create_wallet(&d).await;
    let mut rest_states = Vec::new();
    for _ in 0..3 {
        rest_states.push(state(sub.next_line(until).await));
    }
    assert_eq!(
        rest_states,
        vec![
            json!("UNLOCKED"),
            json!("RPC_ACTIVE"),
            json!("SERVER_ACTIVE")
        ]
    );
}
