//! Issue 14's proof, on real lnd and btcd: watch-only lnd nodes that lsm
//! converges from their signers' bundles sign everything through those
//! signers, and the watch-only plan's protections hold.
//!
//! Every node is real lnd v0.20 in Docker (the image `real_lnd()` builds),
//! on one user-defined network per test with a btcd regtest chain
//! (`support::regtest`). Signers are lsm-managed (`Signer` of the signer
//! kit); a watch-only node reuses that kit for its temp dir, ports, `lsm`
//! runs and cleanup, with a watchonly.toml as its manifest.
//!
//! - [`signer_only_scope_proves_watch_only_nodes_end_to_end`]: the whole
//!   scenario with the default `signer-only` macaroon, step by step.
//! - [`minimal_permissions_suffice_and_less_is_refused`]: the same on-chain
//!   and channel steps with `signer:generate onchain:write`, then
//!   `signer:generate` alone makes sendcoins fail with "permission denied".
//! - [`watch_only_plan_protections_hold`]: signer down (exit 5, blocker
//!   `signer.remote`), a re-exported bundle (credentials update + restart),
//!   a bundle of another network (exit 5).
//!
//! Each step's wall time is printed (`[proof] ...` lines on stderr; run with
//! `--nocapture` to see them live); nothing asserts a duration.

use crate::signer_kit::{Backend, Run, Signer};
use crate::support;
use crate::support::lncli::{lncli_json, lncli_try};
use crate::support::regtest::{DockerNetwork, RegtestChain};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The bound of every wait on lnd (lnd's own steps take seconds).
const WAIT: Duration = Duration::from_secs(120);
/// How often a wait asks again.
const POLL: Duration = Duration::from_millis(250);
/// What the first watch-only node sends the second on chain, in satoshis.
const SEND_SATS: i64 = 20_000_000;
/// Channel capacity and the payment across it, in satoshis.
const CHANNEL_SATS: &str = "1000000";
const PAYMENT_SATS: &str = "10000";
/// How often a payment is tried: right after a channel becomes active the
/// first payment can fail with FAILURE_REASON_INSUFFICIENT_BALANCE (seen on
/// taproot and anchors channels alike); a second try a second later passes.
const PAY_ATTEMPTS: u32 = 10;
/// lnd's p2p port inside an lsm-managed container.
const P2P_PORT: u16 = 9735;
/// lnd's gRPC port inside an lsm-managed container: what a watch-only node
/// dials on the shared network.
const RPC_PORT: u16 = 10012;

// --- step timing -----------------------------------------------------------

/// Labelled steps of one test, each timed and printed as it ends; a table
/// of all of them is printed at the end (also when a step fails).
struct Steps {
    test: &'static str,
    started: Instant,
    times: Vec<(String, Duration)>,
}

impl Steps {
    fn new(test: &'static str) -> Steps {
        Steps {
            test,
            started: Instant::now(),
            times: Vec::new(),
        }
    }

    fn run<T>(&mut self, label: &str, f: impl FnOnce() -> T) -> T {
        eprintln!("[proof] {}: {label} ...", self.test);
        let t = Instant::now();
        let v = f();
        let took = t.elapsed();
        eprintln!("[proof] {}: {label}: {took:.1?}", self.test);
        self.times.push((label.to_string(), took));
        v
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        let rows: String = self
            .times
            .iter()
            .map(|(label, took)| format!("\n[proof]   {:>7.1}s  {label}", took.as_secs_f64()))
            .collect();
        eprintln!(
            "[proof] {}: {} steps{}, total {:.1?}{rows}",
            self.test,
            self.times.len(),
            if std::thread::panicking() {
                " (FAILED)"
            } else {
                ""
            },
            self.started.elapsed()
        );
    }
}

// --- nodes -------------------------------------------------------------------

/// An lsm-managed real-lnd signer on `net`; `extra` is appended to its
/// signer.toml (a `[macaroon]` table, say).
fn signer(net: &DockerNetwork, extra: &str) -> Signer {
    let mut s = Signer::docker_on(Backend::Real, extra)
        .expect("Docker tests run (the caller checked require_docker)");
    s.runtime_table
        .push_str(&format!("network = \"{}\"\n", net.name()));
    s.write_manifest();
    s
}

/// A watch-only node: the signer kit's temp dir, ports, `lsm` runs and
/// cleanup (container `name`, volume `name-data`), with a watchonly.toml.
struct WatchOnly {
    node: Signer,
    p2p_port: u16,
    /// The signer's container name (the endpoint's host on the network).
    signer_name: String,
    bundle: PathBuf,
    network: String,
    chain_rpchost: String,
    chain_rpcuser: String,
}

/// Which form of the signer's bundle a watch-only node imports.
#[derive(Clone, Copy)]
enum BundleForm {
    Directory,
    Archive,
}

impl WatchOnly {
    /// Declares (does not apply) a watch-only node of `signer` on `net`,
    /// with `chain` as its btcd and taproot channels enabled.
    fn new(net: &DockerNetwork, chain: &RegtestChain, signer: &Signer, form: BundleForm) -> Self {
        let mut node = Signer::docker_on(Backend::Real, "")
            .expect("Docker tests run (the caller checked require_docker)");
        node.manifest = node.path("watchonly.toml");
        std::fs::write(node.path("btcd-pass.txt"), chain.rpcpass()).expect("btcd-pass.txt");
        std::fs::write(node.path("btcd-rpc.cert"), chain.rpc_cert_pem()).expect("btcd-rpc.cert");
        let bundle = match form {
            BundleForm::Directory => signer.bundle(),
            BundleForm::Archive => signer.path("out/credentials-bundle.tar.gz.b64"),
        };
        let wo = WatchOnly {
            p2p_port: support::free_port(),
            signer_name: signer.name.clone(),
            bundle,
            network: net.name().to_string(),
            chain_rpchost: chain.rpchost(),
            chain_rpcuser: chain.rpcuser().to_string(),
            node,
        };
        wo.write_manifest("regtest");
        wo
    }

    /// Writes watchonly.toml for `network` (regtest, or another to test
    /// the bundle's network check).
    fn write_manifest(&self, network: &str) {
        let n = &self.node;
        let backend = Backend::Real;
        let text = format!(
            "version = 1\n\n\
             [watchonly]\nname = \"{name}\"\nnetwork = \"{network}\"\nalias = \"{alias}\"\n\
             chain_backend = \"btcd\"\n\n\
             [watchonly.extra_config]\nprotocol.simple-taproot-chans = true\n\n\
             [btcd]\nrpchost = \"{rpchost}\"\nrpcuser = \"{rpcuser}\"\n\
             rpcpass_file = \"{pass}\"\nrpccert = \"{cert}\"\n\n\
             [docker]\nimage = \"{image}\"\nversion = \"{version}\"\nnetwork = \"{net}\"\n\n\
             [rpc]\nlisten = \"127.0.0.1:{rpc}\"\n\n[rest]\nlisten = \"127.0.0.1:{rest}\"\n\n\
             [p2p]\nlisten = \"127.0.0.1:{p2p}\"\n\n\
             [wallet]\nsecrets_dir = \"./secrets\"\n\n\
             [bundle]\npath = \"{bundle}\"\nsigner_endpoint = \"{signer}:{RPC_PORT}\"\n",
            name = n.name,
            alias = alias_of(&n.name),
            rpchost = self.chain_rpchost,
            rpcuser = self.chain_rpcuser,
            pass = n.path("btcd-pass.txt").display(),
            cert = n.path("btcd-rpc.cert").display(),
            image = backend.image_repo(),
            version = backend.version(),
            net = self.network,
            rpc = n.rpc_port,
            rest = n.rest_port,
            p2p = self.p2p_port,
            bundle = self.bundle.display(),
            signer = self.signer_name,
        );
        n.set_manifest(&text);
    }

    fn name(&self) -> &str {
        &self.node.name
    }

    fn lsm(&self, args: &[&str]) -> Run {
        self.node.lsm(args)
    }
}

/// lnd's alias (at most 32 bytes): the node name's last 32 characters.
fn alias_of(name: &str) -> &str {
    &name[name.len().saturating_sub(32)..]
}

/// `lsm apply` of both at once (two lnd bring-ups overlap), each exit 0.
fn apply_both(a: &Signer, b: &Signer) {
    std::thread::scope(|s| {
        let ta = s.spawn(|| a.lsm(&["apply", "--auto-approve"]));
        let tb = s.spawn(|| b.lsm(&["apply", "--auto-approve"]));
        ta.join().expect("apply thread").expect(0);
        tb.join().expect("apply thread").expect(0);
    });
}

/// A second apply changes nothing: `plan --detailed-exitcode` exits 0 with
/// no action in `--json`, and `apply --json` applies nothing.
fn assert_converged(node: &Signer) {
    let plan = node
        .lsm(&["plan", "--detailed-exitcode", "--json"])
        .expect(0);
    let doc = plan.json();
    assert_eq!(doc["changed"], false, "{doc:#}");
    assert_eq!(doc["actions"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["blockers"], serde_json::json!([]), "{doc:#}");
    let applied = node
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode", "--json"])
        .expect(0)
        .json();
    assert_eq!(applied["changed"], false, "{applied:#}");
    assert_eq!(applied["applied"], serde_json::json!([]), "{applied:#}");
}

// --- lnd, through lncli in the containers -----------------------------------

fn lncli(container: &str, args: &[&str]) -> Value {
    lncli_json(container, "regtest", args)
}

/// An integer field lncli prints as a JSON string (int64) or number.
fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or_default(),
        Value::String(s) => s.parse().unwrap_or_default(),
        _ => 0,
    }
}

/// Polls `probe` every [`POLL`] until it returns `Ok`, for at most
/// [`WAIT`]; panics with the last state it saw.
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        match probe() {
            Ok(v) => return v,
            Err(last) if Instant::now() >= deadline => {
                panic!("{what}: not within {WAIT:?} (last seen: {last})")
            }
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

fn identity(container: &str) -> String {
    lncli(container, &["getinfo"])["identity_pubkey"]
        .as_str()
        .expect("getinfo has identity_pubkey")
        .to_string()
}

/// Waits until lnd in `container` is synced to the chain's tip.
fn wait_synced(container: &str, chain: &RegtestChain) {
    let tip = i64::from(chain.height());
    wait_for(&format!("{container} to sync to height {tip}"), || {
        let info = lncli_try(container, "regtest", &["getinfo"])?;
        if info["synced_to_chain"] == true && int(&info["block_height"]) >= tip {
            Ok(())
        } else {
            Err(format!(
                "synced_to_chain {}, height {}",
                info["synced_to_chain"], info["block_height"]
            ))
        }
    });
}

/// The confirmed wallet balance, once it is at least `min` satoshis.
fn wait_balance(container: &str, min: i64) -> i64 {
    wait_for(&format!("{container} to have {min} sat confirmed"), || {
        let b = lncli_try(container, "regtest", &["walletbalance"])?;
        let confirmed = int(&b["confirmed_balance"]);
        if confirmed >= min {
            Ok(confirmed)
        } else {
            Err(format!("walletbalance {b}"))
        }
    })
}

fn new_address(container: &str, kind: &str) -> String {
    lncli(container, &["newaddress", kind])["address"]
        .as_str()
        .expect("newaddress has address")
        .to_string()
}

/// Mines 101 blocks to a new p2wkh address of `wo` and waits until lnd
/// sees a mature coinbase.
fn fund(chain: &RegtestChain, wo: &str) {
    let addr = new_address(wo, "p2wkh");
    assert!(addr.starts_with("bcrt1q"), "{addr}");
    chain.mine_to(&addr, 101);
    wait_synced(wo, chain);
    wait_balance(wo, 1);
}

/// `sendcoins` of [`SEND_SATS`] from `from` to a new p2tr address of `to`,
/// then one block: the transaction confirms on `from`'s side and `to` has
/// the coins. Returns the txid.
fn send_coins(chain: &RegtestChain, from: &str, to: &str) -> String {
    let addr = new_address(to, "p2tr");
    assert!(addr.starts_with("bcrt1p"), "{addr}");
    let sent = lncli(
        from,
        &[
            "sendcoins",
            "--addr",
            &addr,
            "--amt",
            &SEND_SATS.to_string(),
            "--sat_per_vbyte",
            "5",
        ],
    );
    let txid = sent["txid"]
        .as_str()
        .expect("sendcoins has txid")
        .to_string();
    chain.mine(1);
    let confs = wait_for(&format!("{txid} to confirm on {from}"), || {
        let txs = lncli_try(from, "regtest", &["listchaintxns"])?;
        let tx = txs["transactions"]
            .as_array()
            .and_then(|l| l.iter().find(|t| t["tx_hash"] == txid.as_str()))
            .ok_or_else(|| format!("{txid} not in listchaintxns"))?;
        let n = int(&tx["num_confirmations"]);
        if n >= 1 {
            Ok(n)
        } else {
            Err(format!("{n} confirmations"))
        }
    });
    assert_eq!(confs, 1, "{txid} confirmed in the one block mined");
    assert_eq!(wait_balance(to, SEND_SATS), SEND_SATS);
    txid
}

/// `signmessage` on `signer_side`, `verifymessage` there (valid, its
/// signer's key) and on `other` (the right key, but not valid while the
/// signer's node is not in its graph). Returns the signature.
fn sign_and_verify(signer_side: &str, other: &str, pubkey: &str) -> String {
    let msg = "lsm watch-only proof";
    let sig = lncli(signer_side, &["signmessage", msg])["signature"]
        .as_str()
        .expect("signmessage has signature")
        .to_string();
    let here = lncli(signer_side, &["verifymessage", msg, &sig]);
    assert_eq!(here["valid"], true, "{here:#}");
    assert_eq!(here["pubkey"], pubkey, "{here:#}");
    let there = lncli(other, &["verifymessage", msg, &sig]);
    assert_eq!(there["pubkey"], pubkey, "{there:#}");
    assert_ne!(there["valid"], true, "{there:#}");
    sig
}

/// Connects `from` to `to` (by its container name on the network) unless
/// they are peers already.
fn connect(from: &str, to: &str, to_pubkey: &str) {
    let peers = lncli(from, &["listpeers"]);
    let connected = peers["peers"]
        .as_array()
        .is_some_and(|l| l.iter().any(|p| p["pub_key"] == to_pubkey));
    if !connected {
        lncli(from, &["connect", &format!("{to_pubkey}@{to}:{P2P_PORT}")]);
    }
}

/// The channel `chan_point` as `container` lists it, if listed.
fn channel(container: &str, chan_point: &str) -> Result<Value, String> {
    let list = lncli_try(container, "regtest", &["listchannels"])?;
    list["channels"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["channel_point"] == chan_point))
        .cloned()
        .ok_or_else(|| format!("{chan_point} not in listchannels: {list}"))
}

/// Opens a channel from `from` to `to` (anchors, or a private taproot
/// channel), mines `confs` blocks and waits until both list it active.
/// Returns its channel point.
fn open_channel(chain: &RegtestChain, from: &str, to: &str, taproot: bool) -> String {
    let to_pubkey = identity(to);
    connect(from, to, &to_pubkey);
    let mut args = vec![
        "openchannel",
        "--node_key",
        &to_pubkey,
        "--local_amt",
        CHANNEL_SATS,
        "--sat_per_vbyte",
        "5",
    ];
    if taproot {
        args.extend(["--channel_type", "taproot", "--private"]);
    }
    let opened = lncli(from, &args);
    let txid = opened["funding_txid"]
        .as_str()
        .expect("openchannel has funding_txid")
        .to_string();
    // The funding output's index: the pending channel's point names it.
    let chan_point = wait_for(&format!("{from} to list the pending {txid}"), || {
        let p = lncli_try(from, "regtest", &["pendingchannels"])?;
        p["pending_open_channels"]
            .as_array()
            .and_then(|l| {
                l.iter()
                    .filter_map(|c| c["channel"]["channel_point"].as_str())
                    .find(|cp| cp.starts_with(&format!("{txid}:")))
            })
            .map(str::to_string)
            .ok_or_else(|| format!("pendingchannels {p}"))
    });
    chain.mine(if taproot { 3 } else { 6 });
    let want_type = if taproot { "SIMPLE_TAPROOT" } else { "ANCHORS" };
    for node in [from, to] {
        let c = wait_for(&format!("{chan_point} to be active on {node}"), || {
            let c = channel(node, &chan_point)?;
            if c["active"] == true {
                Ok(c)
            } else {
                Err(format!("{c}"))
            }
        });
        assert_eq!(c["commitment_type"], want_type, "{c:#}");
        assert_eq!(c["private"] == true, taproot, "{c:#}");
    }
    chan_point
}

/// `to` invoices [`PAYMENT_SATS`], `from` pays it (up to `attempts` times:
/// a taproot channel's first payment right after activation often fails),
/// and the invoice is settled on `to`.
fn pay(from: &str, to: &str, attempts: u32) {
    let invoice = lncli(to, &["addinvoice", "--amt", PAYMENT_SATS]);
    let pay_req = invoice["payment_request"]
        .as_str()
        .expect("addinvoice has payment_request");
    let r_hash = invoice["r_hash"].as_str().expect("addinvoice has r_hash");
    let mut failures: Vec<String> = Vec::new();
    for attempt in 1..=attempts {
        match lncli_try(
            from,
            "regtest",
            &["payinvoice", "--force", "--json", pay_req],
        ) {
            Ok(p) => {
                assert_eq!(p["status"], "SUCCEEDED", "{p:#}");
                if attempt > 1 {
                    let reasons: Vec<&str> = failures.iter().map(|e| failure_reason(e)).collect();
                    eprintln!(
                        "[proof] {from} -> {to}: payment succeeded at attempt {attempt} \
                         (before: {reasons:?})"
                    );
                }
                let settled = lncli(to, &["lookupinvoice", r_hash]);
                assert_eq!(settled["state"], "SETTLED", "{settled:#}");
                return;
            }
            Err(e) => {
                failures.push(e);
                // The channel's balance shows up in lnd's bandwidth hints
                // a moment after activation: ask again shortly.
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
    panic!("{from} could not pay {to} in {attempts} attempts: {failures:#?}");
}

/// The `failure_reason` of a failed payinvoice's output, else all of it.
fn failure_reason(lncli_error: &str) -> &str {
    lncli_error
        .split_once("\"failure_reason\": \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or(lncli_error, |(reason, _)| reason)
}

/// Closes `chan_point` cooperatively from `from`, mines a block and waits
/// until both sides list it as a cooperative close.
fn close_channel(chain: &RegtestChain, from: &str, to: &str, chan_point: &str) {
    let closed = lncli(from, &["closechannel", "--chan_point", chan_point]);
    let txid = closed["closing_txid"]
        .as_str()
        .expect("closechannel has closing_txid")
        .to_string();
    chain.mine(1);
    for node in [from, to] {
        let c = wait_for(&format!("{chan_point} to be closed on {node}"), || {
            let list = lncli_try(node, "regtest", &["closedchannels"])?;
            list["channels"]
                .as_array()
                .and_then(|l| l.iter().find(|c| c["channel_point"] == chan_point))
                .cloned()
                .ok_or_else(|| format!("closedchannels {list}"))
        });
        assert_eq!(c["close_type"], "COOPERATIVE_CLOSE", "{c:#}");
        assert_eq!(c["closing_tx_hash"], txid.as_str(), "{c:#}");
    }
}

// --- the proofs --------------------------------------------------------------

/// Issue 14's proof with the default `signer-only` macaroon: two signers,
/// two watch-only nodes (one from each bundle form), identity, on-chain
/// spend, messages, an anchors and a taproot channel with a payment and a
/// cooperative close each.
#[test]
fn signer_only_scope_proves_watch_only_nodes_end_to_end() {
    if !support::require_docker() {
        return;
    }
    let mut steps = Steps::new("signer-only");
    // Declared first: dropped after the nodes on it.
    let net = DockerNetwork::unique("proof");
    let chain = steps.run("chain: btcd up, segwit active", || {
        let chain = RegtestChain::start(net.name());
        chain.activate_segwit();
        chain
    });
    let (sa, sb) = (signer(&net, ""), signer(&net, ""));
    steps.run("signers: apply A and B", || apply_both(&sa, &sb));
    steps.run("signers: second apply changes nothing", || {
        assert_converged(&sa);
        assert_converged(&sb);
    });
    let wa = WatchOnly::new(&net, &chain, &sa, BundleForm::Archive);
    let wb = WatchOnly::new(&net, &chain, &sb, BundleForm::Directory);
    steps.run("watch-only: apply wA (archive) and wB (directory)", || {
        apply_both(&wa.node, &wb.node)
    });
    steps.run("watch-only: second apply changes nothing", || {
        assert_converged(&wa.node);
        assert_converged(&wb.node);
    });
    let (ida, idb) = steps.run("getinfo: the watch-only nodes are their signers", || {
        let (ida, idb) = (identity(&sa.name), identity(&sb.name));
        assert_eq!(identity(wa.name()), ida);
        assert_eq!(identity(wb.name()), idb);
        assert_ne!(ida, idb);
        let info = lncli(wa.name(), &["getinfo"]);
        assert_eq!(info["alias"], alias_of(wa.name()), "{info:#}");
        (ida, idb)
    });
    let (a, b) = (wa.name(), wb.name());
    steps.run("on-chain: mine 101 blocks to a wA address", || {
        fund(&chain, a)
    });
    steps.run("on-chain: sendcoins wA -> wB confirms", || {
        send_coins(&chain, a, b);
    });
    let sig = steps.run("messages: signmessage, verifymessage", || {
        sign_and_verify(a, b, &ida)
    });
    let anchors = steps.run("anchors channel: open, 6 blocks, active", || {
        open_channel(&chain, a, b, false)
    });
    steps.run("anchors channel: pay an invoice", || {
        pay(a, b, PAY_ATTEMPTS)
    });
    steps.run("messages: wB verifies wA once wA is in its graph", || {
        wait_for("wB to verify wA's signature", || {
            let v = lncli_try(
                b,
                "regtest",
                &["verifymessage", "lsm watch-only proof", &sig],
            )?;
            if v["valid"] == true && v["pubkey"] == ida.as_str() {
                Ok(())
            } else {
                Err(format!("{v}"))
            }
        })
    });
    steps.run("anchors channel: cooperative close", || {
        close_channel(&chain, a, b, &anchors)
    });
    let taproot = steps.run("taproot channel: open (private), 3 blocks, active", || {
        open_channel(&chain, a, b, true)
    });
    steps.run("taproot channel: pay an invoice", || {
        pay(a, b, PAY_ATTEMPTS)
    });
    steps.run("taproot channel: cooperative close", || {
        close_channel(&chain, a, b, &taproot)
    });
    steps.run("watch-only: still converged", || {
        assert_converged(&wa.node);
        assert_converged(&wb.node);
    });
    assert_eq!(identity(b), idb);
    wa.node.assert_no_secret_leaked();
    sa.assert_no_secret_leaked();
    // The watch-only side's plans and applies never show the bundle's
    // macaroon either.
    sa.assert_no_secret_in("wA's lsm output", &wa.node.all_output());
    sb.assert_no_secret_in("wB's lsm output", &wb.node.all_output());
}

/// The minimal macaroon of the research (`signer:generate onchain:write`)
/// carries sendcoins and a channel's open, payment and close; re-exported
/// with `signer:generate` alone, lsm refuses to restart the watch-only node
/// on it (the signer would answer its sends "permission denied").
#[test]
fn minimal_permissions_suffice_and_less_is_refused() {
    if !support::require_docker() {
        return;
    }
    let custom =
        |perms: &str| format!("\n[macaroon]\nscope = \"custom\"\npermissions = [{perms}]\n");
    let minimal = custom("\"signer:generate\", \"onchain:write\"");
    let mut steps = Steps::new("minimal-permissions");
    let net = DockerNetwork::unique("perms");
    let chain = steps.run("chain: btcd up, segwit active", || {
        let chain = RegtestChain::start(net.name());
        chain.activate_segwit();
        chain
    });
    let (sc, sd) = (signer(&net, &minimal), signer(&net, &minimal));
    steps.run("signers: apply C and D (custom scope)", || {
        apply_both(&sc, &sd)
    });
    let wc = WatchOnly::new(&net, &chain, &sc, BundleForm::Directory);
    let wd = WatchOnly::new(&net, &chain, &sd, BundleForm::Archive);
    steps.run("watch-only: apply wC and wD", || {
        apply_both(&wc.node, &wd.node)
    });
    let (c, d) = (wc.name(), wd.name());
    assert_eq!(identity(c), identity(&sc.name));
    steps.run("on-chain: mine 101 to wC, sendcoins wC -> wD", || {
        fund(&chain, c);
        send_coins(&chain, c, d);
    });
    steps.run("messages: signmessage, verifymessage", || {
        sign_and_verify(c, d, &identity(&sc.name));
    });
    let chan = steps.run("anchors channel: open", || {
        open_channel(&chain, c, d, false)
    });
    steps.run("anchors channel: pay", || pay(c, d, PAY_ATTEMPTS));
    steps.run("anchors channel: cooperative close", || {
        close_channel(&chain, c, d, &chan)
    });
    let chan = steps.run("taproot channel: open", || open_channel(&chain, c, d, true));
    steps.run("taproot channel: pay", || pay(c, d, PAY_ATTEMPTS));
    steps.run("taproot channel: cooperative close", || {
        close_channel(&chain, c, d, &chan)
    });

    // signer:generate alone: the signer re-exports the bundle, wD takes it.
    sd.set_manifest(
        &sd.manifest_text()
            .replace(&minimal, &custom("\"signer:generate\"")),
    );
    steps.run("signer D: re-bake with signer:generate only", || {
        sd.lsm(&["apply", "--auto-approve"]).expect(0)
    });
    // lsm's own check (bundle verify --live's probe) refuses to restart a
    // node on a macaroon that lacks a permission it needs, instead of
    // letting its sends fail; real lnd's "permission denied" for SignPsbt
    // is bundle_live::only_signer_generate_lacks_onchain_write's.
    steps.run(
        "watch-only wD: a bundle without onchain:write is refused",
        || {
            for args in [
                &["plan", "--detailed-exitcode", "--json"][..],
                &["apply", "--auto-approve", "--json"][..],
            ] {
                let run = wd.lsm(args).expect(5);
                let text = format!("{}{}", run.stdout, run.stderr);
                assert!(text.contains("signer.remote"), "{text}");
                assert!(text.contains("onchain:write"), "{text}");
            }
        },
    );
}

/// A plan that takes a re-exported bundle: the credentials in the volume
/// are updated and lnd is (re)started to read them.
fn assert_credentials_update_and_restart(doc: &Value) {
    let actions = doc["actions"].as_array().expect("actions");
    let creds = actions
        .iter()
        .find(|a| a["address"] == "file.signer_credentials")
        .unwrap_or_else(|| panic!("no file.signer_credentials action: {doc:#}"));
    assert_eq!(creds["action"], "update", "{doc:#}");
    assert_eq!(
        creds["reason_code"], "signer_credentials_changed",
        "{doc:#}"
    );
    assert!(
        actions.iter().any(|a| a["address"] == "container.signer"
            && (a["action"] == "restart" || a["action"] == "start")),
        "lnd is not (re)started to read the new credentials: {doc:#}"
    );
    assert_eq!(doc["blockers"], serde_json::json!([]), "{doc:#}");
}

/// The watch-only plan's protections on real lnd: a fresh node is not
/// started while its signer is down, a re-exported bundle is taken with a
/// restart, and another network's bundle is refused.
#[test]
fn watch_only_plan_protections_hold() {
    if !support::require_docker() {
        return;
    }
    let mut steps = Steps::new("protections");
    let net = DockerNetwork::unique("guard");
    let chain = steps.run("chain: btcd up, segwit active", || {
        let chain = RegtestChain::start(net.name());
        chain.activate_segwit();
        chain
    });
    let s = signer(&net, "");
    steps.run("signer: apply", || s.apply());
    let wo = WatchOnly::new(&net, &chain, &s, BundleForm::Directory);

    steps.run("another network's bundle is refused (exit 5)", || {
        wo.write_manifest("testnet");
        for cmd in [&["plan"][..], &["apply", "--auto-approve"][..]] {
            let run = wo.lsm(cmd).expect(5);
            crate::signer_kit::assert_contains_all(
                &run.stderr,
                &["is for regtest", "watchonly.network is testnet", &s.name],
            );
        }
        wo.write_manifest("regtest");
    });

    steps.run(
        "signer down: a fresh node's plan is blocked (exit 5)",
        || {
            support::docker(&["stop", &s.name]);
            let plan = wo.lsm(&["plan", "--json"]).expect(5).json();
            let blockers = plan["blockers"].as_array().expect("blockers");
            let b = blockers
                .iter()
                .find(|b| b["address"] == "signer.remote")
                .unwrap_or_else(|| panic!("no signer.remote blocker: {plan:#}"));
            assert_eq!(b["code"], "signer_unreachable", "{b:#}");
            let fix = b["fix"].as_str().unwrap_or_default();
            assert!(fix.contains(&format!("\"{}\"", s.name)), "{b:#}");
            assert!(
                b["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains(&format!("127.0.0.1:{}", s.rpc_port))),
                "{b:#}"
            );
            assert_eq!(plan["applyable"], false, "{plan:#}");
            // apply refuses too, before creating anything.
            let run = wo.lsm(&["apply", "--auto-approve"]).expect(5);
            let out = format!("{}{}", run.stdout, run.stderr);
            assert!(out.contains("signer.remote"), "{out}");
            assert_eq!(
                wo.node.inspect("{{.Name}}"),
                None,
                "a container was created"
            );
        },
    );

    steps.run("signer up again; the node converges", || {
        s.apply();
        wo.lsm(&["apply", "--auto-approve"]).expect(0);
        assert_converged(&wo.node);
        assert_eq!(identity(wo.name()), identity(&s.name));
    });

    steps.run("re-exported bundle: credentials update + restart", || {
        let before = s.bundle_macaroon();
        s.set_manifest(&format!(
            "{}\n[macaroon]\nroot_key_id = 2\n",
            s.manifest_text()
        ));
        s.apply();
        assert_ne!(
            s.bundle_macaroon(),
            before,
            "the bundle was not re-exported"
        );
        let plan = wo.lsm(&["plan", "--detailed-exitcode", "--json"]).expect(2);
        assert_credentials_update_and_restart(&plan.json());
        wo.lsm(&["apply", "--auto-approve"]).expect(0);
        assert_converged(&wo.node);
        // The node signs with the new macaroon.
        wait_synced(wo.name(), &chain);
        lncli(wo.name(), &["signmessage", "after the re-export"]);
        assert_eq!(identity(wo.name()), identity(&s.name));
    });

    // Another signer's bundle while the node is down: lnd cannot be asked
    // whose its wallet is, lsm's record of the signer it was made for can.
    let other = signer(&net, "");
    steps.run(
        "another signer's bundle, node down: refused offline",
        || {
            other.apply();
            let stop = std::process::Command::new("docker")
                .args(["stop", wo.name()])
                .output()
                .expect("docker stop");
            assert!(stop.status.success());
            let text = std::fs::read_to_string(&wo.node.manifest).unwrap();
            let swapped = text
                .replace(
                    &wo.bundle.display().to_string(),
                    &other.bundle().display().to_string(),
                )
                .replace(
                    &format!("\"{}:{RPC_PORT}\"", wo.signer_name),
                    &format!("\"{}:{RPC_PORT}\"", other.name),
                );
            assert_ne!(swapped, text);
            wo.node.set_manifest(&swapped);
            for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
                let run = wo.lsm(args).expect(5);
                let out = format!("{}{}", run.stdout, run.stderr);
                for want in [
                    "wallet.watchonly",
                    "watchonly-signer.json",
                    other.name.as_str(),
                ] {
                    assert!(out.contains(want), "no {want:?} in:\n{out}");
                }
            }
            wo.node.set_manifest(&text);
            wo.lsm(&["apply", "--auto-approve"]).expect(0);
            assert_converged(&wo.node);
        },
    );
}
