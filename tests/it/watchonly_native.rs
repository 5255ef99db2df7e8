//! A watch-only node with the native runtime (issue 14, step 7): real lnd
//! as a host process, its signer in Docker, btcd in Docker reached on its
//! container address. The node imports the signer's bundle directory,
//! converges, shows the signer's identity, and spends through the signer.

use crate::signer_kit::{Backend, Signer};
use crate::support;
use crate::support::regtest::{BURN_ADDRESS, DockerNetwork, RegtestChain};
use serde_json::Value;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(120);

/// btcd's address on `net` as the host reaches it (Linux routes to a
/// bridge network's containers); its certificate names it.
fn container_ip(container: &str, net: &str) -> String {
    let out = std::process::Command::new("docker")
        .args([
            "inspect",
            "-f",
            &format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}"),
            container,
        ])
        .output()
        .expect("docker inspect");
    let ip = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!ip.is_empty(), "no address of {container} on {net}");
    ip
}

/// The native watch-only node's lncli, on the host.
fn lncli(node: &Signer, args: &[&str]) -> Result<Value, String> {
    let lnd_dir = node.path("lnd");
    let out = std::process::Command::new(support::real_lnd().bin("lncli"))
        .arg("--network=regtest")
        .arg(format!("--rpcserver=127.0.0.1:{}", node.rpc_port))
        .arg(format!("--lnddir={}", lnd_dir.display()))
        .args(args)
        .output()
        .expect("run lncli");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        match probe() {
            Ok(v) => return v,
            Err(e) if Instant::now() > deadline => panic!("{what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

fn watchonly_toml(node: &Signer, signer: &Signer, chain: &RegtestChain, btcd: &str) -> String {
    format!(
        "version = 1\n\n[watchonly]\nname = \"{name}\"\nnetwork = \"regtest\"\n\
         runtime = \"native\"\nchain_backend = \"btcd\"\n\n\
         [native]\nlnd_path = \"{lnd}\"\nlnd_dir = \"./lnd\"\n\n\
         [btcd]\nrpchost = \"{btcd}:18334\"\nrpcuser = \"{user}\"\n\
         rpcpass_file = \"btcd-pass.txt\"\nrpccert = \"btcd-rpc.cert\"\n\n\
         [rpc]\nlisten = \"127.0.0.1:{rpc}\"\n\n[rest]\nlisten = \"127.0.0.1:{rest}\"\n\n\
         [p2p]\nlisten = \"127.0.0.1:{p2p}\"\n\n\
         [wallet]\nsecrets_dir = \"./secrets\"\n\n\
         [bundle]\npath = \"{bundle}\"\n",
        name = node.name,
        lnd = Backend::Real.lnd_binary().display(),
        user = chain.rpcuser(),
        rpc = node.rpc_port,
        rest = node.rest_port,
        p2p = support::free_port(),
        bundle = signer.bundle().display(),
    )
}

#[test]
fn a_native_watch_only_node_converges_and_spends_through_its_signer() {
    if !support::require_docker() {
        return;
    }
    let net = DockerNetwork::unique("native-wo");
    let chain = RegtestChain::start(net.name());
    chain.activate_segwit();
    let mut signer = Signer::docker_on(Backend::Real, "").expect("Docker runs");
    signer
        .runtime_table
        .push_str(&format!("network = \"{}\"\n", net.name()));
    signer.write_manifest();
    signer.apply();

    let mut node = Signer::native_on(Backend::Real, "");
    node.manifest = node.path("watchonly.toml");
    std::fs::write(node.path("btcd-pass.txt"), chain.rpcpass()).unwrap();
    std::fs::write(node.path("btcd-rpc.cert"), chain.rpc_cert_pem()).unwrap();
    let btcd = container_ip(chain.container(), net.name());
    node.set_manifest(&watchonly_toml(&node, &signer, &chain, &btcd));

    let plan = node.lsm(&["plan"]).expect(0).stdout;
    for want in [
        "Watch-only node",
        "+ file.signer_credentials",
        "+ process.signer",
    ] {
        assert!(plan.contains(want), "no {want:?} in:\n{plan}");
    }
    node.lsm(&["apply", "--auto-approve"]).expect(0);
    node.lsm(&["plan", "--detailed-exitcode"]).expect(0);
    let applied = node
        .lsm(&["apply", "--auto-approve", "--detailed-exitcode", "--json"])
        .expect(0)
        .json();
    assert_eq!(applied["applied"], serde_json::json!([]), "{applied:#}");
    for file in ["signer-tls.cert", "signer.macaroon", "wallet-password.txt"] {
        let mode = std::fs::metadata(node.path("secrets").join(file))
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(mode, 0o600, "{file}");
    }

    let info = wait_for("getinfo", || lncli(&node, &["getinfo"]));
    let run = signer.lncli(&signer.admin_macaroon(), &["getinfo"]);
    let signer_info: Value = serde_json::from_str(&run.stdout).expect("getinfo JSON");
    assert_eq!(info["identity_pubkey"], signer_info["identity_pubkey"]);

    // Funds to the node, then a spend only the signer can sign.
    let addr = wait_for("newaddress", || lncli(&node, &["newaddress", "p2wkh"]));
    let addr = addr["address"].as_str().unwrap().to_string();
    chain.mine_to(&addr, 101);
    wait_for("a confirmed balance", || {
        let b = lncli(&node, &["walletbalance"])?;
        match b["confirmed_balance"].as_str().unwrap_or("0") {
            "0" => Err("no confirmed balance yet".into()),
            _ => Ok(()),
        }
    });
    let sent = wait_for("sendcoins", || {
        lncli(
            &node,
            &[
                "sendcoins",
                "--addr",
                BURN_ADDRESS,
                "--amt",
                "100000",
                "--sat_per_vbyte",
                "5",
            ],
        )
    });
    let txid = sent["txid"].as_str().expect("a txid").to_string();
    chain.mine(1);
    wait_for("the spend confirms", || {
        let txs = lncli(&node, &["listchaintxns"])?;
        let confirmed = txs["transactions"].as_array().is_some_and(|all| {
            all.iter()
                .any(|t| t["tx_hash"] == txid.as_str() && t["num_confirmations"] != 0)
        });
        confirmed
            .then_some(())
            .ok_or_else(|| "not confirmed yet".into())
    });
    node.lsm(&["destroy", "--auto-approve"]).expect(0);
}
