//! Shared test harness (`crate::support` in the integration tests; the lnd
//! double's own tests include it with
//! `#[path = "../../../it/support/mod.rs"] mod support;`).
//!
//! - [`double_binary`]: the built lnd-double, built on demand.
//! - [`NativeDouble`]: the double (or real lnd) as a process on free
//!   127.0.0.1 ports with a temporary lnddir, killed on drop.
//! - [`require_docker`]: Docker tests fail when the engine is unreachable,
//!   unless `LSM_SKIP_DOCKER_TESTS=1` (then they return early, saying so).
//! - [`ensure_test_image`]: the local `lsm-test/lnd` image, built once per
//!   test run (a file lock keeps parallel test processes from building it
//!   twice) and reused while the double and the build script are unchanged.
//! - [`TestContainer`]: a container of that image, removed on drop.
//! - [`free_port`], [`pinned_channel`].
//! - [`Backend`]: the double or real lnd (`backend.rs`), and [`real_lnd`]:
//!   real lnd, lncli, btcd and btcctl built from Go modules once per run.
//! - [`regtest`]: a btcd regtest chain in Docker ([`regtest::RegtestChain`])
//!   on a [`regtest::DockerNetwork`], for lnd nodes with a chain backend.
//! - [`lncli`]: lncli inside an lsm-managed lnd container, as JSON.

pub mod backend;
pub mod lncli;
pub mod regtest;
#[allow(unused_imports)]
pub use backend::{Backend, real_lnd};

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The test image's repository: `lsm-test/lnd`, or `LSM_TEST_IMAGE_REPO`
/// so that two checkouts testing different doubles on one engine do not
/// replace each other's image.
pub fn test_image_repo() -> String {
    std::env::var("LSM_TEST_IMAGE_REPO")
        .ok()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "lsm-test/lnd".to_string())
}

/// The test image's tag: the repository plus the pinned version
/// (lightninglabs/lnd's name for it).
pub fn test_image_tag() -> String {
    format!("{}:v0.20.0-beta", test_image_repo())
}

/// The workspace root (the directory whose Cargo.toml has `[workspace]`).
pub fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let manifest = dir.join("Cargo.toml");
        if std::fs::read_to_string(&manifest).is_ok_and(|t| t.contains("[workspace]")) {
            return dir;
        }
        if !dir.pop() {
            panic!(
                "no workspace Cargo.toml above {}",
                env!("CARGO_MANIFEST_DIR")
            );
        }
    }
}

/// Cargo's target directory: CARGO_TARGET_DIR (relative to the workspace
/// root) or `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let p = PathBuf::from(d);
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// Path of the lnd-double binary (debug profile), built if needed.
///
/// `LND_DOUBLE_BIN` overrides it. In the double's own tests cargo has
/// already built it. Otherwise, if the binary is older than its sources,
/// `cargo build -p lnd-double` runs (once per test process). Plain
/// `cargo test` may hold
/// the build-directory lock while tests run (cargo nextest releases it); if
/// the build blocks on that lock, the existing binary is used, or the test
/// fails asking for `cargo build -p lnd-double` first.
pub fn double_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("LND_DOUBLE_BIN").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        if let Some(p) = option_env!("CARGO_BIN_EXE_lnd-double") {
            return PathBuf::from(p);
        }
        let bin = target_dir().join("debug").join("lnd-double");
        if !is_fresh(&bin) {
            build_double(&bin);
        }
        bin
    })
    .clone()
}

/// Whether `bin` is newer than every source it is built from. A workspace
/// test build (`cargo nextest run --workspace`) has just built it; running
/// `cargo build -p lnd-double` then would resolve features differently and
/// relink it for nothing.
fn is_fresh(bin: &Path) -> bool {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return false;
    };
    let root = workspace_root();
    let inputs = [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "versions.env",
        "src",
        "proto",
        "tests/lnd-double/Cargo.toml",
        "tests/lnd-double/src",
        "tests/lnd-double/data",
    ];
    inputs
        .iter()
        .all(|p| newest_mtime(&root.join(p)).is_none_or(|t| t <= built))
}

fn newest_mtime(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

fn build_double(bin: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(&cargo)
        .args(["build", "-p", "lnd-double"])
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{cargo} build -p lnd-double`: {e}"));
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let blocked = line.contains("Blocking waiting for file lock");
                log.push(line);
                if blocked {
                    let _ = child.kill();
                    let _ = child.wait();
                    if bin.exists() {
                        eprintln!(
                            "note: cargo holds the build lock (plain `cargo test`); using the \
                             existing {} — run `cargo build -p lnd-double` or use cargo nextest \
                             if it may be stale",
                            bin.display()
                        );
                        return;
                    }
                    panic!(
                        "{} does not exist and cannot be built while cargo holds the build \
                         lock: run `cargo build -p lnd-double` first, or run the tests with \
                         cargo nextest",
                        bin.display()
                    );
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(_)) = child.try_wait() {
                    // Drain what is left, then judge the exit status below.
                    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                        log.push(line);
                    }
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child.wait().expect("wait for cargo");
    assert!(
        status.success() && bin.exists(),
        "`cargo build -p lnd-double` failed ({status}):\n{}",
        log.join("\n")
    );
}

/// A port free on this machine right now, for a signer to listen on, that
/// this process has not handed out before.
///
/// Chosen below the kernel's ephemeral range (32768 and up): a port the
/// kernel hands to some bind(0) (an in-process server of another test, a
/// client socket) would otherwise come back here, and a signer then finds
/// its port taken by the test process itself. Each process starts at an
/// offset of its own pid, and a port is given only when it binds on every
/// address (signers on remote test hosts publish on 0.0.0.0).
pub fn free_port() -> u16 {
    const LOW: u32 = 10_000;
    const SPAN: u32 = 22_000; // up to 31999
    static GIVEN: std::sync::Mutex<BTreeSet<u16>> = std::sync::Mutex::new(BTreeSet::new());
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let start = (std::process::id().wrapping_mul(7919)) % SPAN;
    for _ in 0..SPAN {
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let port = (LOW + (start + k) % SPAN) as u16;
        // (On Linux a port bound on any address fails this bind too.)
        let bindable = std::net::TcpListener::bind(("0.0.0.0", port)).is_ok();
        if bindable && GIVEN.lock().unwrap_or_else(|e| e.into_inner()).insert(port) {
            return port;
        }
    }
    panic!("no free port in {LOW}..{}", LOW + SPAN);
}

/// Whether Docker tests should run. An unreachable engine fails the test
/// with a clear message, unless `LSM_SKIP_DOCKER_TESTS=1`, in which case
/// this prints that the test is skipped and returns false.
pub fn require_docker() -> bool {
    match docker_status() {
        Ok(_) => true,
        Err(e) => {
            if std::env::var("LSM_SKIP_DOCKER_TESTS").as_deref() == Ok("1") {
                eprintln!(
                    "skipped: the Docker engine is unreachable ({e}) and LSM_SKIP_DOCKER_TESTS=1"
                );
                false
            } else {
                panic!(
                    "the Docker engine is unreachable: {e}\nStart Docker (these tests need a \
                     real engine), or set LSM_SKIP_DOCKER_TESTS=1 to skip Docker tests locally."
                );
            }
        }
    }
}

/// Whether the Docker engine answers (asked once per test process).
pub fn docker_answers() -> bool {
    docker_status().is_ok()
}

fn docker_status() -> &'static Result<String, String> {
    static STATUS: OnceLock<Result<String, String>> = OnceLock::new();
    STATUS.get_or_init(ask_docker)
}

fn ask_docker() -> Result<String, String> {
    let out = run_with_timeout(
        Command::new("docker").args(["version", "--format", "{{.Server.APIVersion}}"]),
        Duration::from_secs(30),
    )
    .map_err(|e| format!("cannot run the docker CLI: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> std::io::Result<std::process::Output> {
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {timeout:?}"),
            ))
        }
    }
}

/// Builds (or reuses) the test image and returns its tag. Runs
/// scripts/build-test-image.sh once per test process under a file lock in
/// the target directory, so concurrent test processes build it once; the
/// script itself skips the build when an image with the same content hash
/// exists.
pub fn ensure_test_image() -> String {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let bin = double_binary();
        let dir = target_dir();
        std::fs::create_dir_all(&dir).expect("create the target directory");
        let lock = std::fs::File::create(dir.join("lsm-test-image.lock"))
            .expect("create the test image lock file");
        lock.lock().expect("lock the test image lock file");
        let script = workspace_root().join("scripts").join("build-test-image.sh");
        let out = Command::new(&script)
            .arg(test_image_tag())
            .env("LND_DOUBLE_BIN", &bin)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let _ = lock.unlock();
        assert!(
            out.status.success(),
            "{} failed ({}):\n{}{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        test_image_tag()
    })
    .clone()
}

/// A gRPC channel to `addr` (host:port) that trusts exactly `cert_pem`, for
/// raw tonic clients in tests (lsm's `LndClient` wraps the same verifier).
pub fn pinned_channel(addr: &str, cert_pem: &[u8]) -> tonic::transport::Channel {
    let verifier = lsm_lnd::tls::PinnedCertVerifier::from_pem(cert_pem).expect("a PEM certificate");
    let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
    tonic::transport::Endpoint::from_shared(format!("https://{addr}"))
        .expect("endpoint")
        .tls_config_with_verifier(
            tonic::transport::ClientTlsConfig::new()
                .domain_name(host.trim_start_matches('[').trim_end_matches(']')),
            std::sync::Arc::new(verifier),
        )
        .expect("tls config")
        .connect_lazy()
}

/// How to start a [`NativeDouble`].
#[derive(Debug, Clone)]
pub struct DoubleOptions {
    /// `bitcoin.<network>`.
    pub network: String,
    /// Extra lnd.conf lines (written to `<lnddir>/lnd.conf`).
    pub conf: String,
    /// Extra command-line flags.
    pub args: Vec<String>,
    /// `LND_DOUBLE_STARTUP_DELAY_MS`.
    pub startup_delay_ms: u64,
    /// Serve REST too (on a free port).
    pub rest: bool,
    /// Extra environment, e.g. `LND_DOUBLE_WAITING_TO_START_MS`.
    pub env: Vec<(String, String)>,
    /// `listen=<addr>` (p2p) instead of the default `nolisten`.
    pub p2p_listen: Option<String>,
    /// Which lnd runs: the double (its binary, or `LND_DOUBLE_BIN`) or
    /// real lnd. The double's knobs are passed either way; lnd ignores them.
    pub backend: Backend,
}

impl Default for DoubleOptions {
    fn default() -> Self {
        DoubleOptions {
            network: "regtest".into(),
            conf: String::new(),
            args: Vec::new(),
            startup_delay_ms: 0,
            rest: true,
            env: Vec::new(),
            p2p_listen: None,
            backend: Backend::Double,
        }
    }
}

/// The lnd double (or, with [`DoubleOptions::backend`], real lnd) as a
/// host process on 127.0.0.1, with its lnddir in a temporary directory.
/// Killed on drop; [`NativeDouble::restart`] keeps the directory and ports.
pub struct NativeDouble {
    child: Option<Child>,
    /// Length of the log when the current process started.
    log_offset: usize,
    dir: tempfile::TempDir,
    pub rpc_port: u16,
    pub rest_port: u16,
    pub opts: DoubleOptions,
}

impl NativeDouble {
    /// Starts a regtest double and waits until its gRPC port accepts
    /// connections.
    pub fn start() -> NativeDouble {
        Self::start_with(DoubleOptions::default())
    }

    pub fn start_with(opts: DoubleOptions) -> NativeDouble {
        let mut d = Self::launch(opts);
        d.wait_listening(Duration::from_secs(30));
        d
    }

    /// Starts the process without waiting for anything.
    pub fn launch(opts: DoubleOptions) -> NativeDouble {
        let dir = tempfile::tempdir().expect("temp lnddir");
        let mut d = NativeDouble {
            child: None,
            log_offset: 0,
            dir,
            rpc_port: free_port(),
            rest_port: free_port(),
            opts,
        };
        d.spawn();
        d
    }

    /// The lnddir.
    pub fn lnd_dir(&self) -> PathBuf {
        self.dir.path().join("lnd")
    }

    pub fn network_dir(&self) -> PathBuf {
        self.lnd_dir()
            .join("data/chain/bitcoin")
            .join(&self.opts.network)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("stdout.log")
    }

    /// What the double wrote to stdout and stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn rpc_addr(&self) -> String {
        format!("127.0.0.1:{}", self.rpc_port)
    }

    pub fn tls_cert(&self) -> Vec<u8> {
        std::fs::read(self.lnd_dir().join("tls.cert")).expect("tls.cert")
    }

    #[allow(dead_code, reason = "used by the lnd double's own tests")]
    pub fn admin_macaroon(&self) -> Vec<u8> {
        std::fs::read(self.network_dir().join("admin.macaroon")).expect("admin.macaroon")
    }

    /// The command line the double is started with.
    pub fn command_args(&self) -> Vec<String> {
        let lnd_dir = self.lnd_dir();
        let mut args = vec![
            format!("--lnddir={}", lnd_dir.display()),
            format!("--configfile={}", lnd_dir.join("lnd.conf").display()),
            format!("--bitcoin.{}", self.opts.network),
            "--bitcoin.node=nochainbackend".into(),
            match &self.opts.p2p_listen {
                Some(addr) => format!("--listen={addr}"),
                None => "--nolisten".into(),
            },
            format!("--rpclisten=127.0.0.1:{}", self.rpc_port),
        ];
        if self.opts.rest {
            args.push(format!("--restlisten=127.0.0.1:{}", self.rest_port));
        } else {
            args.push("--norest".into());
        }
        args.extend(self.opts.args.iter().cloned());
        args
    }

    fn spawn(&mut self) {
        self.log_offset = self.logs().len();
        std::fs::create_dir_all(self.lnd_dir()).expect("create lnddir");
        std::fs::write(self.lnd_dir().join("lnd.conf"), &self.opts.conf).expect("write lnd.conf");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the log file");
        let child = Command::new(self.opts.backend.lnd_binary())
            .args(self.command_args())
            .env(
                "LND_DOUBLE_STARTUP_DELAY_MS",
                self.opts.startup_delay_ms.to_string(),
            )
            .env("HOME", self.dir.path())
            .envs(self.opts.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?} lnd: {e}", self.opts.backend));
        self.child = Some(child);
    }

    /// Waits until the double is past WAITING_TO_START: its listeners are
    /// up and it has logged lnd's line for the wallet state it found
    /// ("Waiting for wallet encryption password..." or "Attempting automatic
    /// wallet unlock..."), which it prints after setting NON_EXISTING or
    /// LOCKED. Fails with the double's output if it exits or the deadline
    /// passes.
    pub fn wait_listening(&mut self, timeout: Duration) {
        const MARKERS: &[&str] = &[
            "Waiting for wallet encryption password",
            "Attempting automatic wallet unlock",
        ];
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("lnd-double exited early ({status}):\n{}", self.logs());
            }
            let logs = self.logs();
            let fresh = logs.get(self.log_offset..).unwrap_or_default();
            if MARKERS.iter().any(|m| fresh.contains(m)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "lnd-double did not come up on {} within {timeout:?}:\n{logs}",
                self.rpc_addr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The running double's pid.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends a signal (`"TERM"`, `"INT"`, ...) to the running double.
    pub fn signal(&self, sig: &str) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args([format!("-{sig}"), child.id().to_string()])
                .status();
        }
    }

    /// Waits for the double to exit by itself (SIGKILL after `timeout`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 10 s).
    pub fn stop(&mut self) -> Option<ExitStatus> {
        self.signal("TERM");
        self.wait_exit(Duration::from_secs(10))
    }

    /// Stops and starts the double on the same lnddir and ports.
    pub fn restart(&mut self) {
        self.restart_no_wait();
        self.wait_listening(Duration::from_secs(30));
    }

    /// Stops and starts the double without waiting for it to listen (for
    /// starts that are expected to fail).
    pub fn restart_no_wait(&mut self) {
        self.stop();
        self.spawn();
    }

    /// An lsm client for this double (inside a Tokio runtime).
    pub fn client(&self) -> lsm_lnd::client::LndClient {
        lsm_lnd::client::LndClient::connect(
            &self.rpc_addr(),
            &self.tls_cert(),
            lsm_lnd::client::ClientOptions::default(),
        )
        .expect("LndClient")
    }

    /// GenSeed + InitWallet with `password`, then waits for SERVER_ACTIVE.
    /// Returns the admin macaroon lnd issued.
    pub async fn create_wallet(&self, password: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
        use lsm_lnd::proto::lnrpc::WalletState;
        let client = self.client();
        let words = client.gen_seed(None).await.expect("GenSeed");
        let admin = client
            .init_wallet(&lsm_lnd::client::InitWalletParams {
                wallet_password: password,
                mnemonic: &words,
                ..Default::default()
            })
            .await
            .expect("InitWallet");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        client
            .wait_for_state(&[WalletState::ServerActive], deadline)
            .await
            .expect("SERVER_ACTIVE");
        admin
    }
}

impl Drop for NativeDouble {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A container of the test image, removed (with its anonymous volumes) on
/// drop. Uses the docker CLI: this is test scaffolding, not product code.
pub struct TestContainer {
    pub id: String,
}

impl TestContainer {
    /// `docker run -d` with `docker_args` before the image and `lnd_args`
    /// after it (the image's entrypoint is lnd).
    pub fn run(image: &str, docker_args: &[&str], lnd_args: &[&str]) -> TestContainer {
        let out = Command::new("docker")
            .arg("run")
            .arg("-d")
            .args(docker_args)
            .arg(image)
            .args(lnd_args)
            .output()
            .expect("docker run");
        assert!(
            out.status.success(),
            "docker run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TestContainer {
            id: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        }
    }

    /// The host port a container port is published on.
    pub fn host_port(&self, container_port: u16) -> u16 {
        let out = docker(&["port", &self.id, &format!("{container_port}/tcp")]);
        out.lines()
            .find_map(|l| l.rsplit(':').next().and_then(|p| p.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no published port for {container_port}: {out}"))
    }

    /// A file's contents, via `docker cp` (works whatever the image holds).
    pub fn read_file(&self, path: &str) -> Vec<u8> {
        let out = Command::new("docker")
            .args(["cp", &format!("{}:{path}", self.id), "-"])
            .output()
            .expect("docker cp");
        assert!(
            out.status.success(),
            "docker cp {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut ar = tar::Archive::new(&out.stdout[..]);
        let mut entry = ar
            .entries()
            .expect("tar")
            .next()
            .expect("one entry")
            .expect("entry");
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut buf).expect("read entry");
        buf
    }

    /// Polls until `path` exists in the container.
    pub fn wait_for_file(&self, path: &str, timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        loop {
            let out = Command::new("docker")
                .args(["cp", &format!("{}:{path}", self.id), "-"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("docker cp");
            if out.success() {
                return self.read_file(path);
            }
            assert!(
                Instant::now() < deadline,
                "{path} did not appear in {} within {timeout:?}:\n{}",
                self.id,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn logs(&self) -> String {
        let out = Command::new("docker")
            .args(["logs", &self.id])
            .output()
            .expect("docker logs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for TestContainer {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", "-v", &self.id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs the docker CLI and returns stdout; panics with stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
