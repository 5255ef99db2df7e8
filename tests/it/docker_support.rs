//! Shared helpers for the Docker-layer tests (`tests/it/docker_*.rs`).
//!
//! - [`engine`] connects to the real engine and FAILS when it is unreachable,
//!   unless `LSM_SKIP_DOCKER_TESTS=1` (then the test returns early).
//! - [`test_image`] builds a tiny local image once per machine (no registry
//!   exists): `FROM scratch` + Debian's static busybox, under a file lock so
//!   parallel test binaries build it once.
//! - [`unique`] names and [`Cleanup`] keep parallel tests apart and remove
//!   their containers, volumes and networks even when a test panics.

use lsm_docker::{
    ContainerSpec, DockerReader, DockerWriter, ObservedContainer, RestartPolicy, UploadFile,
    VolumeMount,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// The test image; bump the tag whenever [`DOCKERFILE`] changes.
pub const TEST_IMAGE: &str = "lsm-test/busybox:v2";

/// Traps SIGTERM first (as PID 1, sh would otherwise ignore it), prints its
/// arguments, then idles until SIGTERM and exits 0 (so `stop` is fast and clean).
const DOCKERFILE: &str = r#"FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
LABEL io.lsm.test.image="busybox"
ENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; echo \"lsm-test image up: $*\"; sleep 2147483647 & wait", "lsm-test"]
"#;

const BUSYBOX: &str = "/bin/busybox";

/// True when the caller asked to skip engine tests.
pub fn skip() -> bool {
    std::env::var("LSM_SKIP_DOCKER_TESTS").is_ok_and(|v| v == "1")
}

/// A writer on the machine's engine, or `None` when tests are skipped.
/// Panics (fails the test) when the engine is unreachable.
pub async fn engine() -> Option<DockerWriter> {
    if skip() {
        eprintln!("LSM_SKIP_DOCKER_TESTS=1: skipping a test that needs the Docker engine");
        return None;
    }
    match DockerWriter::connect(None).await {
        Ok(w) => Some(w),
        Err(e) => panic!(
            "the Docker engine is unreachable ({e}); start dockerd or set LSM_SKIP_DOCKER_TESTS=1"
        ),
    }
}

/// A read-only client on the machine's engine.
pub async fn reader() -> Option<DockerReader> {
    if skip() {
        return None;
    }
    Some(
        DockerReader::connect(None)
            .await
            .expect("the Docker engine is unreachable"),
    )
}

/// `lsm-test-<8 random hex>-<what>`.
pub fn unique(what: &str) -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random source");
    format!("lsm-test-{}-{what}", hex::encode(b))
}

fn docker_cli(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the docker CLI: {e}"))
}

/// Builds [`TEST_IMAGE`] unless the engine has it. Safe to call from every
/// test: one build per machine, serialised by a lock file.
pub fn test_image() -> &'static str {
    let lock_path = std::env::temp_dir().join("lsm-test-busybox-image.lock");
    let lock = std::fs::File::create(&lock_path).expect("create the image lock file");
    lock.lock().expect("lock the image lock file");
    if docker_cli(&["image", "inspect", TEST_IMAGE])
        .status
        .success()
    {
        return TEST_IMAGE;
    }
    ensure_busybox();
    let ctx = tempfile::tempdir().expect("temp build context");
    std::fs::write(ctx.path().join("Dockerfile"), DOCKERFILE).expect("write Dockerfile");
    std::fs::copy(BUSYBOX, ctx.path().join("busybox")).expect("copy busybox");
    let dir = ctx.path().to_str().expect("utf-8 temp path");
    let out = docker_cli(&["build", "-q", "-t", TEST_IMAGE, dir]);
    assert!(
        out.status.success(),
        "docker build of {TEST_IMAGE} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    TEST_IMAGE
}

/// Installs Debian's static busybox if it is missing (the test machines are
/// Debian and tests run as root; elsewhere install busybox-static yourself).
fn ensure_busybox() {
    if Path::new(BUSYBOX).exists() && is_static(BUSYBOX) {
        return;
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "busybox-static"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-q"]).output();
        assert!(
            install(),
            "cannot install busybox-static (needed to build {TEST_IMAGE}); install it with \
             apt-get install busybox-static"
        );
    }
    assert!(is_static(BUSYBOX), "{BUSYBOX} is not a static binary");
}

/// A static ELF has no PT_INTERP program header; good enough: check for the
/// dynamic loader path in the binary.
fn is_static(path: &str) -> bool {
    std::fs::read(path).is_ok_and(|b| {
        !b.windows(b"/lib64/ld-linux".len())
            .any(|w| w == b"/lib64/ld-linux")
    })
}

/// Removes the named containers, volumes and networks on drop (also on panic).
#[derive(Default)]
pub struct Cleanup {
    containers: Vec<String>,
    volumes: Vec<String>,
    networks: Vec<String>,
}

impl Cleanup {
    pub fn container(&mut self, name: &str) -> &mut Self {
        self.containers.push(name.to_string());
        self
    }
    pub fn volume(&mut self, name: &str) -> &mut Self {
        self.volumes.push(name.to_string());
        self
    }
    pub fn network(&mut self, name: &str) -> &mut Self {
        self.networks.push(name.to_string());
        self
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &self.containers {
            let _ = docker_cli(&["rm", "-f", c]);
        }
        for n in &self.networks {
            let _ = docker_cli(&["network", "rm", n]);
        }
        for v in &self.volumes {
            let _ = docker_cli(&["volume", "rm", "-f", v]);
        }
    }
}

/// Creates a user network with the CLI (lsm itself never creates networks).
pub fn create_network(name: &str) {
    let out = docker_cli(&["network", "create", name]);
    assert!(
        out.status.success(),
        "docker network create {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A free TCP port on 127.0.0.1 (bound then released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// A signer-like spec on the test image: unique container and volume names,
/// volume at /root/.lnd, no published ports.
pub fn basic_spec(tag: &str) -> ContainerSpec {
    ContainerSpec {
        name: unique(tag),
        image: test_image().to_string(),
        args: vec![
            "--lnddir=/root/.lnd".into(),
            "--configfile=/root/.lnd/lnd.conf".into(),
        ],
        env: BTreeMap::new(),
        volume: VolumeMount {
            name: unique(&format!("{tag}-data")),
            mount_path: "/root/.lnd".into(),
        },
        restart: RestartPolicy::No,
        network: None,
        ports: Vec::new(),
        labels: BTreeMap::new(),
    }
}

/// Registers the spec's container and volume for cleanup.
pub fn guard(spec: &ContainerSpec) -> Cleanup {
    let mut c = Cleanup::default();
    c.container(&spec.name).volume(&spec.volume.name);
    c
}

/// What an apply does for a fresh signer: the volume (with ownership
/// labels for `signer`), the container, the files, then optionally start
/// and wait until it runs.
pub async fn provision(
    w: &DockerWriter,
    spec: &ContainerSpec,
    signer: &str,
    files: &[UploadFile<'_>],
    start: bool,
) {
    w.ensure_volume(
        &spec.volume.name,
        &lsm_docker::labels::ownership_labels(signer),
    )
    .await
    .unwrap();
    w.create_container(spec).await.unwrap();
    if !files.is_empty() {
        w.upload_files(&spec.name, files).await.unwrap();
    }
    if start {
        w.start(&spec.name).await.unwrap();
        running(w, &spec.name).await;
    }
}

/// Waits (poll with deadline) until the container runs.
pub async fn running(w: &DockerWriter, name: &str) -> ObservedContainer {
    w.wait_until_running(name, std::time::Duration::from_secs(30))
        .await
        .unwrap()
}

/// The container as the engine reports it now, if it exists.
pub async fn inspect(w: &DockerWriter, name: &str) -> Option<ObservedContainer> {
    w.reader().inspect_container(name).await.unwrap()
}

/// A 0644 file for [`provision`].
pub fn conf_file<'a>(path: &'a str, content: &'a [u8]) -> UploadFile<'a> {
    UploadFile {
        path,
        content,
        mode: 0o644,
    }
}
