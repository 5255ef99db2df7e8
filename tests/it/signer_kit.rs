//! A signer under test: a manifest with a unique name, free ports and its
//! own secrets, bundle and state directories, the `lsm` binary run against
//! it, and cleanup even when a test panics — its container and volume
//! (Docker), or every process started for it (native: the lnd double as
//! lnd_path). Every command's output is kept so a test can prove no secret
//! leaked.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::support;
pub use crate::support::Backend;

static SEQ: AtomicU32 = AtomicU32::new(0);

/// One command's result.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).to_string(),
            stderr: String::from_utf8_lossy(&o.stderr).to_string(),
        }
    }

    /// Asserts the exit code, showing both streams when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Which runtime a test signer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The test image on the machine's engine.
    Docker,
    /// The lnd double as a host process.
    Native,
}

/// A signer declared in a temp dir.
pub struct Signer {
    pub dir: tempfile::TempDir,
    pub name: String,
    pub kind: Kind,
    /// The lnd behind it: the double, or real lnd.
    pub backend: Backend,
    pub rpc_port: u16,
    pub rest_port: u16,
    pub manifest: PathBuf,
    /// The runtime's table: `[docker]` or `[native]` with its keys.
    pub runtime_table: String,
    /// Where lnd's gRPC is published: loopback, or every address for a
    /// signer on a remote engine (lsm dials the engine's host then).
    pub rpc_ip: &'static str,
    extra: String,
    outputs: Mutex<Vec<String>>,
}

impl Signer {
    /// A regtest Docker signer on the suite's backend (the double unless
    /// `LSM_TEST_BACKEND=real`). `extra` is appended to the manifest (more
    /// tables or keys).
    pub fn new(extra: &str) -> Option<Signer> {
        Signer::docker_on(Backend::suite_default(), extra)
    }

    /// A regtest Docker signer on `backend`'s image; None when Docker tests
    /// are skipped (`LSM_SKIP_DOCKER_TESTS=1` without an engine).
    pub fn docker_on(backend: Backend, extra: &str) -> Option<Signer> {
        if !support::require_docker() {
            return None;
        }
        backend.ensure_image();
        Some(Signer::declare(
            Kind::Docker,
            backend,
            format!(
                "[docker]\nimage = \"{}\"\nversion = \"{}\"\n",
                backend.image_repo(),
                backend.version()
            ),
            extra,
        ))
    }

    /// A regtest Docker signer on the engine at `engine_url` (`[docker]
    /// host`), its gRPC published on 0.0.0.0 so lsm reaches it from
    /// another machine (see tests/it/test_hosts.rs).
    /// None when Docker tests are skipped.
    pub fn docker_at(backend: Backend, engine_url: &str, extra: &str) -> Option<Signer> {
        if !support::require_docker() {
            return None;
        }
        backend.ensure_image();
        let mut s = Signer::declare(
            Kind::Docker,
            backend,
            format!(
                "[docker]\nhost = \"{engine_url}\"\nimage = \"{}\"\nversion = \"{}\"\n",
                backend.image_repo(),
                backend.version()
            ),
            extra,
        );
        s.rpc_ip = "0.0.0.0";
        s.write_manifest();
        Some(s)
    }

    /// A regtest native signer (supervisor = "process") on the suite's
    /// backend.
    pub fn native(extra: &str) -> Signer {
        Signer::native_on(Backend::suite_default(), extra)
    }

    /// A regtest native signer whose lnd is `backend`'s binary.
    pub fn native_on(backend: Backend, extra: &str) -> Signer {
        let table = format!(
            "[native]\nlnd_path = \"{}\"\nlnd_dir = \"./lnd\"\nsupervisor = \"process\"\n",
            backend.lnd_binary().display()
        );
        let s = Signer::declare(Kind::Native, backend, table, extra);
        // Native lnd must report versions.env's LND_VERSION.
        if backend.version() != "v0.20.0-beta" {
            std::fs::write(
                s.path("versions.env"),
                format!("LND_VERSION={}\n", backend.version()),
            )
            .expect("write versions.env");
        }
        s
    }

    fn declare(kind: Kind, backend: Backend, runtime_table: String, extra: &str) -> Signer {
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let name = format!("lsm-e2e-{}-{n}-{:04x}", std::process::id(), rand_u16());
        let dir = tempfile::tempdir().expect("temp dir");
        let s = Signer {
            manifest: dir.path().join("signer.toml"),
            dir,
            name,
            kind,
            backend,
            rpc_port: support::free_port(),
            rest_port: support::free_port(),
            runtime_table,
            rpc_ip: "127.0.0.1",
            extra: extra.to_string(),
            outputs: Mutex::new(Vec::new()),
        };
        s.write_manifest();
        s
    }

    /// The manifest text for the current ports and extras.
    pub fn manifest_text(&self) -> String {
        let runtime = match self.kind {
            Kind::Docker => "docker",
            Kind::Native => "native",
        };
        format!(
            "version = 1\n\n[signer]\nname = \"{name}\"\nnetwork = \"regtest\"\nruntime = \"{runtime}\"\n\n\
             {table}\n[rpc]\nlisten = \"{rpc_ip}:{rpc}\"\n\n\
             [rest]\nlisten = \"127.0.0.1:{rest}\"\n\n[wallet]\nsecrets_dir = \"./secrets\"\n\n\
             [bundle]\npath = \"./out/credentials-bundle\"\n{extra}",
            name = self.name,
            table = self.runtime_table,
            rpc_ip = self.rpc_ip,
            rpc = self.rpc_port,
            rest = self.rest_port,
            extra = self.extra
        )
    }

    pub fn write_manifest(&self) {
        std::fs::write(&self.manifest, self.manifest_text()).expect("write manifest");
    }

    /// Replaces the manifest with `text`.
    pub fn set_manifest(&self, text: &str) {
        std::fs::write(&self.manifest, text).expect("write manifest");
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn secrets(&self) -> PathBuf {
        self.path("secrets")
    }

    pub fn bundle(&self) -> PathBuf {
        self.path("out/credentials-bundle")
    }

    pub fn volume(&self) -> String {
        format!("{}-data", self.name)
    }

    /// `lsm <args> -f signer.toml`, without a TTY, colour off.
    pub fn lsm(&self, args: &[&str]) -> Run {
        self.lsm_env(args, &[])
    }

    pub fn lsm_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(self.dir.path(), args);
        cmd.arg("-f").arg(&self.manifest);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.run(cmd)
    }

    /// `lsm <args>` run in `cwd` WITHOUT `-f` (so lsm finds the manifest
    /// on its own), without a TTY, colour off.
    pub fn lsm_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let cmd = self.command(cwd, args);
        self.run(cmd)
    }

    /// `lsm <args> -f signer.toml` as a process to spawn (to act on the
    /// signer while lsm runs), with the environment [`Signer::lsm`] uses;
    /// stdin is empty, stdout and stderr are piped.
    pub fn lsm_process(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("lsm"));
        cmd.current_dir(self.dir.path())
            .env("LSM_STATE_DIR", self.path("state"))
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .args(args)
            .arg("-f")
            .arg(&self.manifest)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    }

    /// Waits for a spawned lsm and records its output like [`Signer::lsm`].
    pub fn finish(&self, child: std::process::Child) -> Run {
        let run = Run::from(child.wait_with_output().expect("wait for lsm"));
        let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        outs.push(run.stdout.clone());
        outs.push(run.stderr.clone());
        run
    }

    fn command(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("lsm").expect("lsm binary");
        cmd.current_dir(cwd)
            .env("LSM_STATE_DIR", self.path("state"))
            .env("NO_COLOR", "1")
            // (A native signer's lnd gets only lsm's basic environment, so
            // the double's knobs cannot be passed through lsm; a wrapper
            // script as lnd_path sets them, see tests/it/native_process.rs.)
            .env_remove("DOCKER_HOST")
            .args(args)
            .write_stdin("");
        cmd
    }

    fn run(&self, mut cmd: Command) -> Run {
        let run = Run::from(cmd.output().expect("run lsm"));
        let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        outs.push(run.stdout.clone());
        outs.push(run.stderr.clone());
        run
    }

    /// Runs `lsm <args>`, which must exit 0, while recording the engine's
    /// events for this signer's container and volume, and fails if any of
    /// them changed engine state: the proof that a converged apply makes
    /// zero mutating calls. Also fails if the recorder saw nothing at all
    /// (lsm's reads show up too), so the check cannot pass vacuously.
    pub fn assert_no_engine_mutation(&self, args: &[&str]) {
        use lsm_docker::DockerReader;
        use lsm_docker::events::{EventFilter, EventRecorder};
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let events = rt.block_on(async {
            let reader = DockerReader::connect(None).await.expect("engine");
            let rec = EventRecorder::start(
                &reader,
                vec![
                    EventFilter::container(&self.name),
                    EventFilter::volume(&self.volume()),
                ],
            )
            .await
            .expect("recorder");
            self.lsm(args).expect(0);
            rec.stop().await.expect("events")
        });
        let mutating: Vec<_> = events.iter().filter(|e| e.is_mutating()).collect();
        assert!(
            mutating.is_empty(),
            "lsm {args:?} changed engine state: {mutating:?}"
        );
        assert!(!events.is_empty(), "the recorder saw no event at all");
    }

    /// `lsm apply --auto-approve` that must succeed.
    pub fn apply(&self) -> Run {
        self.lsm(&["apply", "--auto-approve"]).expect(0)
    }

    /// `lsm status --json`.
    pub fn status(&self) -> serde_json::Value {
        self.lsm(&["status", "--json"]).json()
    }

    pub fn identity(&self) -> String {
        self.status()["identity_pubkey"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Every stdout/stderr captured so far.
    pub fn all_output(&self) -> String {
        self.outputs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// The words of seed.txt (its `#` lines, such as the birthday, skipped).
    pub fn seed_words(&self) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.secrets().join("seed.txt")).ok()?;
        Some(
            text.lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .flat_map(|l| l.split_whitespace())
                .map(str::to_string)
                .collect(),
        )
    }

    /// A file in the signer's volume, read through a throwaway container of
    /// the test image (works with the signer's container gone).
    pub fn volume_file(&self, path_in_volume: &str) -> Option<Vec<u8>> {
        let out = std::process::Command::new("docker")
            .args(["run", "--rm", "--entrypoint", "/bin/cat", "-v"])
            .arg(format!("{}:/v:ro", self.volume()))
            .arg(format!(
                "{}:{}",
                self.backend.image_repo(),
                self.backend.version()
            ))
            .arg(format!("/v/{path_in_volume}"))
            .output()
            .expect("run docker");
        out.status.success().then_some(out.stdout)
    }

    /// Adds output of another tool (ansible-playbook, say) to what
    /// [`Signer::assert_no_secret_leaked`] checks.
    pub fn record_output(&self, text: &str) {
        let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        outs.push(text.to_string());
    }

    /// Fails if any secret this signer holds appears in any output so far.
    pub fn assert_no_secret_leaked(&self) {
        self.assert_no_secret_in("lsm's output", &self.all_output());
    }

    /// Fails if any secret this signer holds (the seed, three of its words
    /// in a row, the wallet password, the bundle's macaroons as hex or
    /// base64, the bundle archive's base64) appears in `text`.
    pub fn assert_no_secret_in(&self, what_text: &str, out: &str) {
        let mut secrets: Vec<(String, String)> = Vec::new();
        if let Some(words) = self.seed_words() {
            assert_eq!(words.len(), 24, "seed.txt holds 24 words");
            secrets.push(("the seed".into(), words.join(" ")));
            for w in words.windows(3) {
                secrets.push(("three seed words in a row".into(), w.join(" ")));
            }
        }
        if let Ok(p) = std::fs::read_to_string(self.secrets().join("wallet-password.txt")) {
            secrets.push(("the wallet password".into(), p.trim().to_string()));
        }
        if let Ok(entries) = std::fs::read_dir(self.bundle()) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(".macaroon") {
                    let bytes = std::fs::read(e.path()).unwrap_or_default();
                    secrets.push((format!("{name} as hex"), hex::encode(&bytes)));
                    secrets.push((
                        format!("{name} as base64"),
                        base64_of(&bytes)[..40].to_string(),
                    ));
                }
            }
        }
        let archive = self.path("out/credentials-bundle.tar.gz.b64");
        if let Ok(text) = std::fs::read_to_string(archive) {
            secrets.push((
                "the bundle base64".into(),
                text[..60.min(text.len())].to_string(),
            ));
        }
        for (what, value) in secrets {
            assert!(
                !value.is_empty() && !out.contains(&value),
                "{what} appeared in {what_text}"
            );
        }
    }

    /// docker inspect -f FORMAT on this signer's container, or None.
    pub fn inspect(&self, format: &str) -> Option<String> {
        let out = std::process::Command::new("docker")
            .args(["inspect", "-f", format, &self.name])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn volume_exists(&self) -> bool {
        std::process::Command::new("docker")
            .args(["volume", "inspect", &self.volume()])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Native: lsm's record of the lnd it started.
    pub fn pidfile(&self) -> PathBuf {
        self.path("state/native").join(format!("{}.pid", self.name))
    }

    /// Native: the pid lsm recorded, if any.
    pub fn recorded_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.pidfile()).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["pid"].as_u64().map(|p| p as u32)
    }

    /// Native: the pid of the running lnd, checked against /proc.
    pub fn lnd_pid(&self) -> u32 {
        let pid = self
            .recorded_pid()
            .unwrap_or_else(|| panic!("no pidfile at {}", self.pidfile().display()));
        assert!(
            process_alive(pid),
            "lnd (pid {pid}) is not running:\n{}",
            std::fs::read_to_string(self.secrets().join("signer-lnd.log")).unwrap_or_default()
        );
        pid
    }
}

/// Asking lnd directly, as an operator with lncli would: the admin
/// macaroon and tls.cert lnd wrote, read from the volume (Docker) or
/// lnd_dir (native).
impl Signer {
    /// A file under lnd's data directory, e.g. `tls.cert`.
    pub fn lnd_file(&self, rel: &str) -> Vec<u8> {
        match self.kind {
            Kind::Docker => {
                let out = std::process::Command::new("docker")
                    .args(["exec", &self.name, "cat", &format!("/root/.lnd/{rel}")])
                    .output()
                    .expect("docker exec");
                assert!(
                    out.status.success(),
                    "cannot read {rel} in {}: {}",
                    self.name,
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            }
            Kind::Native => std::fs::read(self.path("lnd").join(rel))
                .unwrap_or_else(|e| panic!("cannot read lnd/{rel}: {e}")),
        }
    }

    /// lnd's admin.macaroon.
    pub fn admin_macaroon(&self) -> Vec<u8> {
        match self.kind {
            // lsm has lnd write it beside lsm's own files in the volume.
            Kind::Docker => self.lnd_file("lsm/admin-regtest.macaroon"),
            Kind::Native => self.lnd_file("data/chain/bitcoin/regtest/admin.macaroon"),
        }
    }

    /// Runs `f` with a client for this signer carrying `macaroon`.
    pub fn with_client<T>(
        &self,
        macaroon: &[u8],
        f: impl AsyncFnOnce(lsm_lnd::client::LndClient) -> T,
    ) -> T {
        let cert = self.lnd_file("tls.cert");
        let addr = format!("127.0.0.1:{}", self.rpc_port);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(async {
                let client = lsm_lnd::client::LndClient::connect(
                    &addr,
                    &cert,
                    lsm_lnd::client::ClientOptions::default(),
                )
                .expect("LndClient")
                .with_macaroon(macaroon);
                f(client).await
            })
    }

    /// ListMacaroonIDs: the root keys lnd has, ascending.
    pub fn root_key_ids(&self) -> Vec<u64> {
        let mut ids = self.with_client(&self.admin_macaroon(), async |c| {
            c.list_macaroon_ids().await.expect("ListMacaroonIDs")
        });
        ids.sort_unstable();
        ids
    }

    /// lsm's record of the root keys it baked, as ids (read by the crash
    /// tests, which need the failpoints feature).
    #[cfg(feature = "failpoints")]
    pub fn recorded_root_keys(&self) -> Vec<u64> {
        let Ok(text) = std::fs::read_to_string(self.secrets().join("macaroon-root-keys.json"))
        else {
            return Vec::new();
        };
        let v: serde_json::Value = serde_json::from_str(&text).expect("the record is JSON");
        v["root_keys"]
            .as_object()
            .expect("root_keys")
            .keys()
            .map(|k| k.parse().expect("a decimal id"))
            .collect()
    }
}

/// Pids of the running processes (zombies aside) whose command line has
/// the argument `arg`, e.g. a signer's `--lnddir=...`.
pub fn processes_with_arg(arg: &str) -> Vec<u32> {
    live_processes(|pid| {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        cmdline.split(|b| *b == 0).any(|a| a == arg.as_bytes())
    })
}

/// Pids of the running processes (zombies aside) that `matches`.
pub fn live_processes(matches: impl Fn(u32) -> bool) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| matches(*pid) && process_alive(*pid))
        .collect()
}

impl Signer {
    /// Native: every running lnd of this signer (by its `--lnddir`),
    /// whoever started it.
    pub fn lnd_processes(&self) -> Vec<u32> {
        processes_with_arg(&format!("--lnddir={}", self.path("lnd").display()))
    }
}

/// The executable process `pid` runs, as /proc shows it.
pub fn exe_of(pid: u32) -> PathBuf {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/exe: {e}"))
}

/// Whether `pid` runs (a zombie, exited but unreaped, does not).
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .unwrap_or("X");
            !matches!(state, "Z" | "X")
        }
        Err(_) => false,
    }
}

/// SIGKILLs `pid` and waits (with a deadline) until it no longer runs.
pub fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -9 {pid} failed");
    wait_until_gone(pid);
}

/// Waits until `pid` no longer runs; fails after 10 s.
pub fn wait_until_gone(pid: u32) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while process_alive(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "pid {pid} still runs after 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        match self.kind {
            Kind::Docker => {
                let _ = std::process::Command::new("docker")
                    .args(["rm", "-f", "-v", &self.name])
                    .output();
                let _ = std::process::Command::new("docker")
                    .args(["volume", "rm", "-f", &self.volume()])
                    .output();
            }
            // Every lnd started for this signer names its temp dir on its
            // command line (--lnddir, --configfile); the pidfile alone would
            // miss one a test replaced it for.
            Kind::Native => kill_processes_naming(self.dir.path()),
        }
    }
}

/// SIGKILLs every process whose command line mentions `dir`.
pub fn kill_processes_naming(dir: &Path) {
    let needle = dir.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
}

fn rand_u16() -> u16 {
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).expect("randomness");
    u16::from_le_bytes(b)
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Fails unless `text` (a command's output) contains every one of `needles`.
pub fn assert_contains_all<S: AsRef<str>>(text: &str, needles: &[S]) {
    for n in needles {
        assert!(
            text.contains(n.as_ref()),
            "output lacks {:?}:\n{text}",
            n.as_ref()
        );
    }
}

/// Validates a JSON value against a schema file of the repo.
pub fn validate_against(schema_file: &str, value: &serde_json::Value) {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join(schema_file);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read schema"))
            .expect("schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = format!("file://{}", path.display());
    compiler
        .add_resource(&url, schema)
        .expect("add schema resource");
    let idx = compiler
        .compile(&url, &mut schemas)
        .expect("compile schema");
    if let Err(e) = schemas.validate(value, idx) {
        panic!("{schema_file} rejects the document: {e:#}\n{value:#}");
    }
}

/// Makes each scenario `f(Backend)` two tests, `f::double` and `f::real`:
/// the same code against the lnd double and against real lnd, so any
/// difference between the two fails one of them.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[test]
                fn double() {
                    super::$scenario($crate::signer_kit::Backend::Double)
                }
                #[test]
                fn real() {
                    super::$scenario($crate::signer_kit::Backend::Real)
                }
            }
        )+
    };
}

/// lncli, as an operator runs it: real lncli (whatever the backend) on the
/// host, pinned to the signer's own tls.cert.
impl Signer {
    /// `lncli --network regtest --rpcserver 127.0.0.1:<rpc> --tlscertpath
    /// <tls.cert> --macaroonpath <macaroon> <args>`. The macaroon is written
    /// to a file in the signer's temp dir first.
    pub fn lncli(&self, macaroon: &[u8], args: &[&str]) -> Run {
        let dir = self.path("lncli");
        std::fs::create_dir_all(&dir).expect("lncli dir");
        let cert = dir.join("tls.cert");
        std::fs::write(&cert, self.lnd_file("tls.cert")).expect("write tls.cert");
        let mac = dir.join(format!("call-{}.macaroon", rand_u16()));
        std::fs::write(&mac, macaroon).expect("write the macaroon");
        let out = std::process::Command::new(support::real_lnd().bin("lncli"))
            .arg("--network=regtest")
            .arg(format!("--rpcserver=127.0.0.1:{}", self.rpc_port))
            .arg(format!("--tlscertpath={}", cert.display()))
            .arg(format!("--macaroonpath={}", mac.display()))
            .arg(format!("--lnddir={}", dir.display()))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run lncli");
        let _ = std::fs::remove_file(&mac);
        Run::from(out)
    }

    /// The bundle's macaroon file (the scope's file name in the bundle).
    pub fn bundle_macaroon(&self) -> Vec<u8> {
        let entries = std::fs::read_dir(self.bundle()).expect("read the bundle");
        let path = entries
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "macaroon"))
            .expect("a macaroon in the bundle");
        std::fs::read(path).expect("read the bundle's macaroon")
    }
}
