//! The regtest chain fixture (`support::regtest`) on real btcd in Docker:
//! another container reaches it by its alias with the certificate btcd
//! wrote, segwit and taproot activate, blocks pay the address asked for,
//! and the throwaway miner confirms what the chain node has in its mempool.

use crate::support;
use crate::support::regtest::{BURN_ADDRESS, DockerNetwork, RPC_PORT, RegtestChain, SEGWIT_HEIGHT};
use std::time::Instant;

/// Regtest P2TR (bech32m) whose output key is the secp256k1 generator's x.
const P2TR: &str = "bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqc8gma6";
/// Regtest P2WPKH of BIP 173's test vector.
const P2WPKH: &str = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
/// P2WSH of `OP_TRUE`: anyone spends it with the witness `[0x51]`.
const P2WSH_OP_TRUE: &str = "bcrt1qft5p2uhsdcdc3l2ua4ap5qqfg4pjaqlp250x7us7a8qqhrxrxfsqseac85";
/// The output script of [`BURN_ADDRESS`]: `0 <sha256(OP_RETURN)>`.
const BURN_SCRIPT: &str = "0020189f40034be7a199f1fa9891668ee3ab6049f82d38c68be70f596eab2e1857b7";

/// The address block `hash`'s coinbase pays (its only output).
fn coinbase_address(chain: &RegtestChain, hash: &str) -> String {
    let block = chain.btcctl_json(&["getblock", hash, "2"]);
    block["rawtx"][0]["vout"][0]["scriptPubKey"]["address"]
        .as_str()
        .unwrap_or_else(|| panic!("block {hash} has no coinbase address: {block:#}"))
        .to_string()
}

/// `btcctl getblockcount` from a second container on `network`, over TLS
/// to `rpchost` with only the chain's certificate trusted: what an lnd
/// there does with `btcd.rpchost` and `btcd.rawrpccert`.
fn height_seen_from_the_network(chain: &RegtestChain, network: &str) -> String {
    let cert = String::from_utf8(chain.rpc_cert_pem()).expect("a PEM certificate");
    let script = format!(
        "printf '%s' \"$CERT\" >/tmp/rpc.cert && btcctl --regtest --rpcserver={} \
         --rpcuser={} --rpcpass={} --rpccert=/tmp/rpc.cert -C /dev/null getblockcount",
        chain.rpchost(),
        chain.rpcuser(),
        chain.rpcpass()
    );
    support::docker(&[
        "run",
        "--rm",
        &format!("--network={network}"),
        "--env",
        &format!("CERT={cert}"),
        "--entrypoint=sh",
        &support::real_lnd().btcd_image,
        "-c",
        &script,
    ])
    .trim()
    .to_string()
}

#[test]
fn a_chain_reached_by_its_alias_activates_segwit_and_mines_to_an_address() {
    if !support::require_docker() {
        return;
    }
    let net = DockerNetwork::unique("chain");
    let t = Instant::now();
    let chain = RegtestChain::start(net.name());
    let started = t.elapsed();
    assert_eq!(chain.height(), 0);
    assert_eq!(chain.rpchost(), format!("{}:{RPC_PORT}", chain.container()));
    assert_eq!(height_seen_from_the_network(&chain, net.name()), "0");
    let conf = chain.lnd_btcd_conf();
    let raw = conf
        .lines()
        .find_map(|l| l.strip_prefix("btcd.rawrpccert="))
        .expect("btcd.rawrpccert");
    assert_eq!(hex::decode(raw).unwrap(), chain.rpc_cert_pem());
    assert!(
        conf.starts_with(&format!("btcd.rpchost={}\n", chain.rpchost())),
        "{conf}"
    );

    let t = Instant::now();
    chain.activate_segwit();
    let activated = t.elapsed();
    let info = chain.btcctl_json(&["getblockchaininfo"]);
    assert_eq!(info["blocks"], SEGWIT_HEIGHT, "{info:#}");
    for fork in ["csv", "segwit", "taproot"] {
        assert_eq!(
            info["bip9_softforks"][fork]["status"], "active",
            "{fork} is not active at {SEGWIT_HEIGHT}: {info:#}"
        );
    }
    let tip = chain.best_hash();
    assert_eq!(coinbase_address(&chain, &tip), BURN_ADDRESS);

    let t = Instant::now();
    let hashes = chain.mine_to(P2TR, 101);
    let mined = t.elapsed();
    assert_eq!(hashes.len(), 101);
    assert_eq!(chain.height(), SEGWIT_HEIGHT + 101);
    assert_eq!(chain.best_hash(), hashes[100]);
    for hash in [&hashes[0], &hashes[100]] {
        assert_eq!(coinbase_address(&chain, hash), P2TR, "block {hash}");
    }
    let first = chain.btcctl_json(&["getblock", &hashes[0]]);
    assert_eq!(first["previousblockhash"], tip.as_str(), "{first:#}");
    eprintln!(
        "regtest chain: start {started:.2?}, activate_segwit {activated:.2?}, \
         mine_to 101 {mined:.2?}"
    );
}

/// A version-2 transaction spending output 0 of `txid` (a P2WSH of
/// `OP_TRUE`) to [`BURN_SCRIPT`], `value` satoshis, witness `[0x51]`.
fn spend_op_true(txid: &str, value: u64) -> String {
    let mut prev = hex::decode(txid).expect("a hex txid");
    prev.reverse();
    let script = hex::decode(BURN_SCRIPT).expect("hex");
    let mut tx = Vec::new();
    tx.extend(2u32.to_le_bytes());
    tx.extend([0x00, 0x01, 0x01]); // segwit marker and flag; one input
    tx.extend(prev);
    tx.extend(0u32.to_le_bytes());
    tx.push(0x00); // empty scriptSig
    tx.extend(u32::MAX.to_le_bytes());
    tx.push(0x01); // one output
    tx.extend(value.to_le_bytes());
    tx.push(u8::try_from(script.len()).expect("a short script"));
    tx.extend(script);
    tx.extend([0x01, 0x01, 0x51]); // one witness item: the script OP_TRUE
    tx.extend(0u32.to_le_bytes());
    hex::encode(tx)
}

#[test]
fn the_throwaway_miner_confirms_the_chain_nodes_mempool() {
    if !support::require_docker() {
        return;
    }
    let net = DockerNetwork::unique("mempool");
    let chain = RegtestChain::start(net.name());
    chain.activate_segwit();
    let block = chain.mine_to(P2WSH_OP_TRUE, 1);
    let coinbase = chain.btcctl_json(&["getblock", &block[0]])["tx"][0]
        .as_str()
        .expect("a coinbase txid")
        .to_string();
    let prevout = chain.btcctl_json(&["getrawtransaction", &coinbase, "1"]);
    let btc = prevout["vout"][0]["value"].as_f64().expect("a value");
    let sats = (btc * 1e8).round() as u64;
    chain.mine(100); // coinbase maturity
    let txid = chain.btcctl(&[
        "sendrawtransaction",
        &spend_op_true(&coinbase, sats - 10_000),
    ]);
    let mempool = chain.btcctl_json(&["getrawmempool"]);
    assert_eq!(mempool, serde_json::json!([txid]));

    let block = chain.mine_to(P2WPKH, 1);
    let mined = chain.btcctl_json(&["getblock", &block[0]]);
    assert_eq!(
        mined["tx"],
        serde_json::json!([mined["tx"][0], txid]),
        "the block lacks the mempool's transaction: {mined:#}"
    );
    assert_eq!(coinbase_address(&chain, &block[0]), P2WPKH);
    assert_eq!(chain.btcctl_json(&["getrawmempool"]), serde_json::json!([]));
    let confirmed = chain.btcctl_json(&["getrawtransaction", &txid, "1"]);
    assert_eq!(confirmed["confirmations"], 1, "{confirmed:#}");
}

/// A miner btcd refuses to run fails `mine_to` at once (no 60 s wait), and
/// the failure shows btcd's own complaint.
#[test]
fn a_miner_that_dies_fails_mine_to_at_once_with_its_logs() {
    if !support::require_docker() {
        return;
    }
    let net = DockerNetwork::unique("deadminer");
    let chain = RegtestChain::start(net.name());
    let t = Instant::now();
    let bad = "bcrt1q0zkvch2fvcqenwkmh3d8t6p4z6ly5rqhmnvuwa"; // wrong checksum
    let panic = std::panic::catch_unwind(|| chain.mine_to(bad, 1)).expect_err("mine_to fails");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("a container stopped") && message.contains("failed to decode"),
        "{message}"
    );
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(chain.height(), 0);
}
