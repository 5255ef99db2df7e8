//! A btcd regtest chain in Docker, for tests whose lnd nodes need a real
//! chain backend (watch-only nodes: `bitcoin.node=btcd`).
//!
//! - [`DockerNetwork`]: a user-defined network, removed on drop.
//! - [`RegtestChain`]: a btcd container on that network, reachable from the
//!   other containers on it as `<container name>:18334` (RPC) and `:18444`
//!   (p2p). The container's hostname is its name, so the RPC certificate
//!   btcd writes at its first start names it (btcutil's `NewTLSCertPair`
//!   puts `os.Hostname()` in the SANs), and an lnd there can use
//!   [`RegtestChain::lnd_btcd_conf`]. Removed on drop.
//!
//! Facts this is built on (docs/research/watch-only-on-real-lnd.md):
//!
//! - `btcd --regtest` wipes its chain at every start, so the chain node is
//!   never restarted, and btcd has no `generatetoaddress`. The chain node's
//!   own `--miningaddr` is [`BURN_ADDRESS`] ([`RegtestChain::mine`]); to pay
//!   another address, [`RegtestChain::mine_to`] runs a throwaway miner btcd
//!   with that `--miningaddr`, lets it sync, copies the chain node's mempool
//!   into it (a new peer is not sent the mempool), has it `generate`, waits
//!   for the chain node to take the blocks, and removes it.
//! - On regtest btcd syncs only from peers at 127.0.0.1 (netsync's
//!   `isSyncCandidate`), so a miner on the network by its own IP would never
//!   sync nor be synced from: the miner shares the chain container's network
//!   namespace (`--network container:<chain>`) and connects to
//!   127.0.0.1:18444, with its RPC on 127.0.0.1:18335.
//! - Segwit and taproot are active from height [`SEGWIT_HEIGHT`]
//!   ([`RegtestChain::activate_segwit`]).
//! - lnd with its btcd gone needs 29–65 s to stop: declare the chain before
//!   the lnd containers that use it, so that it is dropped after them.
//!
//! Every wait is bounded by [`WAIT`] and fails with the containers' logs;
//! a container that exits fails the wait at once.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// btcd's regtest RPC port, inside the chain container.
pub const RPC_PORT: u16 = 18334;
/// btcd's regtest p2p port, inside the chain container.
pub const P2P_PORT: u16 = 18444;
/// The throwaway miner's RPC port (it shares the chain's network namespace).
const MINER_RPC_PORT: u16 = 18335;
/// P2WSH of `OP_RETURN`: provably unspendable. What [`RegtestChain::mine`]
/// pays.
pub const BURN_ADDRESS: &str = "bcrt1qrz05qq6tu7senu06nzgkdrhr4dsyn7pd8rrghec0t9h2ktsc27ms6a76al";
/// The height from which btcd regtest has csv, segwit and taproot active.
pub const SEGWIT_HEIGHT: u32 = 431;
/// The bound of every wait.
pub const WAIT: Duration = Duration::from_secs(60);
/// Where btcd writes its RPC certificate (the image's HOME is /root).
const RPC_CERT: &str = "/root/.btcd/rpc.cert";
/// btcd's flags for both the chain node and the miners.
const BTCD_FLAGS: &[&str] = &[
    "--regtest",
    "--rejectnonstd",
    "--txindex",
    "--nobanning",
    "--trickleinterval=100ms",
    "--nostalldetect",
];

/// 8 random hex digits.
fn random_hex() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random source");
    hex::encode(b)
}

/// `lsm-test-<8 random hex>-<what>`, the naming of `docker_support::unique`.
pub fn unique_name(what: &str) -> String {
    format!("lsm-test-{}-{what}", random_hex())
}

/// Runs the docker CLI (stdin closed) and returns its output.
fn docker_out(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI: {e}"))
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// The last `lines` lines of a container's output (btcd logs to stdout).
fn log_tail(container: &str, lines: usize) -> String {
    let out = docker_out(&["logs", "--tail", &lines.to_string(), container]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A user-defined Docker network, removed on drop (after the containers on
/// it: declare it before them).
pub struct DockerNetwork {
    name: String,
}

impl DockerNetwork {
    /// `docker network create <name>`; panics if the engine refuses.
    pub fn create(name: &str) -> DockerNetwork {
        let out = docker_out(&["network", "create", name]);
        assert!(
            out.status.success(),
            "docker network create {name}: {}",
            stderr_of(&out)
        );
        DockerNetwork {
            name: name.to_string(),
        }
    }

    /// A network named [`unique_name`]`(what)`.
    pub fn unique(what: &str) -> DockerNetwork {
        DockerNetwork::create(&unique_name(what))
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for DockerNetwork {
    fn drop(&mut self) {
        let out = docker_out(&["network", "rm", &self.name]);
        if !out.status.success() {
            eprintln!(
                "warning: cannot remove the test network {} (a container still on it?): {}",
                self.name,
                stderr_of(&out)
            );
        }
    }
}

/// Polls `probe` every 50 ms until it returns `Ok`, for at most [`WAIT`].
/// `Err` carries the state seen, for the failure message. Fails at once
/// when the probe says a container is not running, and shows the last
/// logs of `containers` either way.
fn wait_for<T>(what: &str, containers: &[&str], mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        let last = match probe() {
            Ok(v) => return v,
            Err(e) => e,
        };
        let dead = last.contains("is not running") || last.contains("No such container");
        if dead || Instant::now() >= deadline {
            let logs: String = containers
                .iter()
                .map(|c| format!("\n--- docker logs {c} (last 40 lines)\n{}", log_tail(c, 40)))
                .collect();
            panic!(
                "{what}: {} (last seen: {last}){logs}",
                if dead {
                    "a container stopped".to_string()
                } else {
                    format!("not within {WAIT:?}")
                }
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `btcctl` inside `container` against the btcd RPC on 127.0.0.1:`port`
/// there. `-C /dev/null` (an empty config file) keeps btcctl from trying
/// to write a default one.
fn btcctl_in(container: &str, port: u16, user: &str, pass: &str, args: &[&str]) -> Output {
    let mut argv = vec![
        "exec".to_string(),
        container.to_string(),
        "btcctl".into(),
        "--regtest".into(),
        format!("--rpcuser={user}"),
        format!("--rpcpass={pass}"),
        format!("--rpcserver=127.0.0.1:{port}"),
        format!("--rpccert={RPC_CERT}"),
        "-C".into(),
        "/dev/null".into(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    docker_out(&argv)
}

fn stdout_or_err(out: Output, what: &str) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            stderr_of(&out),
            String::from_utf8_lossy(&out.stdout).trim()
        ))
    }
}

/// A btcd regtest chain node in a container on a user-defined network.
pub struct RegtestChain {
    name: String,
    image: String,
    user: String,
    pass: String,
    /// One mining at a time: two miners at once would fork the chain.
    mining: std::sync::Mutex<()>,
}

impl RegtestChain {
    /// Runs btcd (the image `scripts/build-real-lnd.sh` built) on
    /// `docker_network` and waits until its RPC answers (height 0).
    pub fn start(docker_network: &str) -> RegtestChain {
        let image = super::real_lnd().btcd_image.clone();
        let name = unique_name("btcd");
        let chain = RegtestChain {
            name,
            image,
            user: "lsm-test".into(),
            pass: random_hex(),
            mining: std::sync::Mutex::new(()),
        };
        let mut args = vec![
            "run".to_string(),
            "-d".into(),
            format!("--name={}", chain.name),
            format!("--hostname={}", chain.name),
            format!("--network={docker_network}"),
            format!("--network-alias={}", chain.name),
            chain.image.clone(),
        ];
        args.extend(chain.btcd_args(&format!("0.0.0.0:{RPC_PORT}")));
        args.push(format!("--listen=0.0.0.0:{P2P_PORT}"));
        args.push(format!("--miningaddr={BURN_ADDRESS}"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = docker_out(&args);
        assert!(
            out.status.success(),
            "docker run of btcd ({}) on {docker_network}: {}",
            chain.image,
            stderr_of(&out)
        );
        wait_for("btcd's RPC to answer", &[&chain.name], || {
            chain.btcctl_try(&["getblockcount"])
        });
        chain
    }

    /// The flags common to the chain node and the miners.
    fn btcd_args(&self, rpclisten: &str) -> Vec<String> {
        let mut args: Vec<String> = BTCD_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--rpcuser={}", self.user));
        args.push(format!("--rpcpass={}", self.pass));
        args.push(format!("--rpclisten={rpclisten}"));
        args
    }

    /// The container's name, which is also its hostname and network alias.
    pub fn container(&self) -> &str {
        &self.name
    }

    /// `<alias>:18334`: btcd's RPC as the containers on the network see it.
    pub fn rpchost(&self) -> String {
        format!("{}:{RPC_PORT}", self.name)
    }

    pub fn rpcuser(&self) -> &str {
        &self.user
    }

    pub fn rpcpass(&self) -> &str {
        &self.pass
    }

    /// btcd's RPC certificate (PEM), which names [`Self::container`].
    pub fn rpc_cert_pem(&self) -> Vec<u8> {
        let out = docker_out(&["exec", &self.name, "cat", RPC_CERT]);
        assert!(
            out.status.success(),
            "cannot read {RPC_CERT} in {}: {}",
            self.name,
            stderr_of(&out)
        );
        out.stdout
    }

    /// lnd's `btcd.rawrpccert`: the hex of the PEM file.
    pub fn rpc_cert_hex(&self) -> String {
        hex::encode(self.rpc_cert_pem())
    }

    /// The `[Btcd]` options of an lnd on the network that uses this chain
    /// (`btcd.rpchost`, `btcd.rpcuser`, `btcd.rpcpass`, `btcd.rawrpccert`),
    /// one per line; lnd also needs `bitcoin.node=btcd`.
    pub fn lnd_btcd_conf(&self) -> String {
        format!(
            "btcd.rpchost={}\nbtcd.rpcuser={}\nbtcd.rpcpass={}\nbtcd.rawrpccert={}\n",
            self.rpchost(),
            self.user,
            self.pass,
            self.rpc_cert_hex()
        )
    }

    /// The chain node's last log lines.
    pub fn logs(&self) -> String {
        log_tail(&self.name, 200)
    }

    /// `btcctl <args>` against the chain node; its trimmed stdout, or the
    /// failure with stderr.
    pub fn btcctl_try(&self, args: &[&str]) -> Result<String, String> {
        let out = btcctl_in(&self.name, RPC_PORT, &self.user, &self.pass, args);
        stdout_or_err(out, &format!("btcctl {}", args.join(" ")))
    }

    /// `btcctl <args>` against the chain node; panics with stderr and the
    /// node's logs on failure.
    pub fn btcctl(&self, args: &[&str]) -> String {
        self.btcctl_try(args)
            .unwrap_or_else(|e| panic!("{e}\n--- docker logs {}\n{}", self.name, self.logs()))
    }

    /// [`Self::btcctl`], parsed as JSON.
    pub fn btcctl_json(&self, args: &[&str]) -> serde_json::Value {
        let text = self.btcctl(args);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("btcctl {} is not JSON ({e}): {text}", args.join(" ")))
    }

    /// The chain node's block count.
    pub fn height(&self) -> u32 {
        let text = self.btcctl(&["getblockcount"]);
        text.parse()
            .unwrap_or_else(|e| panic!("getblockcount said {text:?}: {e}"))
    }

    /// The chain node's best block hash.
    pub fn best_hash(&self) -> String {
        self.btcctl(&["getbestblockhash"])
    }

    /// Mines `n` blocks paying [`BURN_ADDRESS`] on the chain node itself
    /// (with its mempool); returns their hashes.
    pub fn mine(&self, n: u32) -> Vec<String> {
        let _one = self.mining.lock().unwrap_or_else(|e| e.into_inner());
        parse_hashes(&self.btcctl(&["generate", &n.to_string()]))
    }

    /// Mines until the height is at least [`SEGWIT_HEIGHT`], where csv,
    /// segwit and taproot are active.
    pub fn activate_segwit(&self) {
        let height = self.height();
        if height < SEGWIT_HEIGHT {
            self.mine(SEGWIT_HEIGHT - height);
        }
    }

    /// Mines `n` blocks whose coinbases pay `address`, with the chain
    /// node's mempool in them, through a throwaway miner (see the module
    /// docs); returns when the chain node has them all, with their hashes.
    pub fn mine_to(&self, address: &str, n: u32) -> Vec<String> {
        if address == BURN_ADDRESS {
            return self.mine(n);
        }
        let _one = self.mining.lock().unwrap_or_else(|e| e.into_inner());
        let miner = Miner::start(self, address);
        miner.wait_synced(self);
        miner.copy_mempool(self);
        let out = miner.btcctl(&["generate", &n.to_string()]);
        let hashes = parse_hashes(&out);
        let tip = hashes.last().cloned().unwrap_or_else(|| self.best_hash());
        wait_for(
            &format!("the chain node to take the {n} blocks mined to {address}"),
            &[&self.name, &miner.name],
            || match self.btcctl_try(&["getbestblockhash"]) {
                Ok(best) if best == tip => Ok(()),
                Ok(best) => Err(format!("best block {best}, want {tip}")),
                Err(e) => Err(e),
            },
        );
        hashes
    }
}

impl Drop for RegtestChain {
    fn drop(&mut self) {
        let _ = docker_out(&["rm", "-f", "-v", &self.name]);
    }
}

fn parse_hashes(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("generate said {json:?}: {e}"))
}

/// A throwaway btcd mining to one address, in the chain container's network
/// namespace; removed on drop.
struct Miner {
    name: String,
    user: String,
    pass: String,
}

impl Miner {
    fn start(chain: &RegtestChain, address: &str) -> Miner {
        let name = format!("{}-miner-{}", chain.name, random_hex());
        let mut args = vec![
            "run".to_string(),
            "-d".into(),
            format!("--name={name}"),
            format!("--network=container:{}", chain.name),
            chain.image.clone(),
        ];
        args.extend(chain.btcd_args(&format!("127.0.0.1:{MINER_RPC_PORT}")));
        args.push(format!("--connect=127.0.0.1:{P2P_PORT}"));
        args.push(format!("--miningaddr={address}"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = docker_out(&args);
        // Removed on drop even when `docker run` made it but failed later.
        let miner = Miner {
            name,
            user: chain.user.clone(),
            pass: chain.pass.clone(),
        };
        assert!(
            out.status.success(),
            "docker run of the miner for {address}: {}",
            stderr_of(&out)
        );
        miner
    }

    fn btcctl_try(&self, args: &[&str]) -> Result<String, String> {
        let out = btcctl_in(&self.name, MINER_RPC_PORT, &self.user, &self.pass, args);
        stdout_or_err(out, &format!("miner btcctl {}", args.join(" ")))
    }

    fn btcctl(&self, args: &[&str]) -> String {
        self.btcctl_try(args).unwrap_or_else(|e| {
            panic!(
                "{e}\n--- docker logs {}\n{}",
                self.name,
                log_tail(&self.name, 40)
            )
        })
    }

    /// Waits until the miner has the chain node's tip and a peer (the
    /// chain node), so that what it mines extends the chain and reaches it.
    fn wait_synced(&self, chain: &RegtestChain) {
        let tip = chain.best_hash();
        wait_for(
            "the miner to sync with the chain node",
            &[&chain.name, &self.name],
            || {
                let best = self.btcctl_try(&["getbestblockhash"])?;
                let peers = self.btcctl_try(&["getconnectioncount"])?;
                if best == tip && peers != "0" {
                    Ok(())
                } else {
                    Err(format!("best block {best} (want {tip}), {peers} peers"))
                }
            },
        );
    }

    /// Sends the chain node's mempool to the miner. A transaction whose
    /// parent has not been sent yet is refused as an orphan, so this goes
    /// round until every one is in or a round makes no progress.
    fn copy_mempool(&self, chain: &RegtestChain) {
        let txids: Vec<String> = serde_json::from_value(chain.btcctl_json(&["getrawmempool"]))
            .expect("getrawmempool is a list of txids");
        let mut pending: Vec<(String, String)> = txids
            .into_iter()
            .filter_map(|id| Some((chain.btcctl_try(&["getrawtransaction", &id]).ok()?, id)))
            .collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut errors = Vec::new();
            pending.retain(
                |(hex, id)| match self.btcctl_try(&["sendrawtransaction", hex]) {
                    Ok(_) => false,
                    // The chain node relayed it after the miner connected.
                    Err(e) if e.contains("already have transaction") => false,
                    Err(e) => {
                        errors.push(format!("{id}: {e}"));
                        true
                    }
                },
            );
            assert!(
                pending.len() < before,
                "the miner refuses the chain node's mempool:\n{}",
                errors.join("\n")
            );
        }
    }
}

impl Drop for Miner {
    fn drop(&mut self) {
        let _ = docker_out(&["rm", "-f", "-v", &self.name]);
    }
}
