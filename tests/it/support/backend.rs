//! Which lnd an end-to-end test runs against.
//!
//! Real lnd (v0.20.0-beta, built from Go modules by
//! `scripts/build-real-lnd.sh`) is the judge of everything it can play; the
//! lnd double plays the faults real lnd cannot be made to do (hangs, crash
//! loops, slow starts). Scenarios that both can play run on both, so a
//! difference between them fails a test (`on_both_backends!` in
//! `tests/it/signer_kit.rs`, and `tests/it/wire_truth.rs`).
//!
//! `LSM_TEST_BACKEND=real` makes real lnd the backend of every test that does
//! not name one, a developer's sweep for divergences (tests of double-only
//! faults then fail by design). `LSM_REAL_LND_VERSION` picks another lnd
//! release that has a module under `testenv/realnode/` (for example
//! v0.21.2-beta); the default is `LND_VERSION` from versions.env. The same
//! script builds the btcd image regtest chains run on (`regtest.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The lnd behind a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The lnd double (`tests/lnd-double`).
    Double,
    /// Real lnd, built from Go modules.
    Real,
}

impl Backend {
    /// The backend of tests that do not name one: the double, or real lnd
    /// with `LSM_TEST_BACKEND=real`.
    pub fn suite_default() -> Backend {
        match std::env::var("LSM_TEST_BACKEND").as_deref() {
            Ok("real") => Backend::Real,
            Ok("double") | Ok("") | Err(_) => Backend::Double,
            Ok(other) => panic!("LSM_TEST_BACKEND={other}: use `double` or `real`"),
        }
    }

    /// The image's repository, without the tag.
    pub fn image_repo(self) -> String {
        match self {
            Backend::Double => super::test_image_repo(),
            Backend::Real => real_lnd()
                .image
                .rsplit_once(':')
                .map(|(repo, _)| repo.to_string())
                .expect("the real image has a tag"),
        }
    }

    /// The lnd version the image and binary report (`v0.20.0-beta`).
    pub fn version(self) -> String {
        match self {
            Backend::Double => "v0.20.0-beta".to_string(),
            Backend::Real => real_lnd().version.clone(),
        }
    }

    /// The image, built when needed (once per test process).
    pub fn ensure_image(self) -> String {
        match self {
            Backend::Double => super::ensure_test_image(),
            Backend::Real => real_lnd().image.clone(),
        }
    }

    /// The lnd binary for native signers.
    pub fn lnd_binary(self) -> PathBuf {
        match self {
            Backend::Double => super::double_binary(),
            Backend::Real => real_lnd().bin("lnd"),
        }
    }
}

/// Real lnd as `scripts/build-real-lnd.sh` built it.
#[derive(Debug)]
pub struct RealLnd {
    /// lnd's release tag, e.g. `v0.20.0-beta`.
    pub version: String,
    /// Where lnd, lncli, btcd and btcctl are.
    pub bin_dir: PathBuf,
    /// `lsm-test/lnd-real:<version>` (absent without an engine).
    pub image: String,
    /// `lsm-test/btcd:<btcd version>`, the btcd lnd pins (absent without an
    /// engine); `regtest.rs` runs regtest chains on it.
    pub btcd_image: String,
}

impl RealLnd {
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

/// Real lnd, built (or found up to date) once per test process. Fails the
/// test when it cannot be built: tests against real lnd never skip.
pub fn real_lnd() -> &'static RealLnd {
    static REAL: OnceLock<RealLnd> = OnceLock::new();
    REAL.get_or_init(build_real_lnd)
}

fn build_real_lnd() -> RealLnd {
    let dir = super::target_dir();
    std::fs::create_dir_all(&dir).expect("create the target directory");
    // One build at a time across the test processes of a run.
    let lock = std::fs::File::create(dir.join("lsm-real-lnd.lock")).expect("create the lock file");
    lock.lock().expect("lock the real-lnd lock file");
    let script = super::workspace_root().join("scripts/build-real-lnd.sh");
    let mut cmd = Command::new(&script);
    if let Ok(v) = std::env::var("LSM_REAL_LND_VERSION")
        && !v.is_empty()
    {
        cmd.arg(v);
    }
    // Without an engine (only allowed with LSM_SKIP_DOCKER_TESTS=1) native
    // tests still run on the binaries.
    let engine = super::docker_answers();
    if !engine {
        cmd.env("LSM_REAL_LND_NO_IMAGES", "1");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let _ = lock.unlock();
    assert!(
        out.status.success(),
        "{} failed ({}); tests against real lnd need it (Go and the Go module proxy):\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let env_file = String::from_utf8_lossy(&out.stdout).trim().to_string();
    parse_env_file(Path::new(&env_file))
}

fn parse_env_file(path: &Path) -> RealLnd {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let get = |key: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("{} has no {key}", path.display()))
            .to_string()
    };
    RealLnd {
        version: get("LND_REAL_VERSION"),
        bin_dir: PathBuf::from(get("LND_REAL_BIN_DIR")),
        image: get("LND_REAL_IMAGE"),
        btcd_image: get("BTCD_IMAGE"),
    }
}
