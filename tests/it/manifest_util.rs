//! Shared by the manifest_* integration tests: run the real `lsm` binary on
//! a manifest in a fresh directory with a private HOME and no colour.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A scratch directory holding `signer.toml` (and maybe `versions.env`).
pub struct Scratch {
    pub dir: TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("home")).expect("home");
        Scratch { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// `lsm ARGS` run inside the scratch directory.
    pub fn lsm(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("lsm").expect("lsm binary");
        cmd.current_dir(self.dir.path())
            .env("HOME", self.dir.path().join("home"))
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .env_remove("LSM_LOG")
            .args(args);
        cmd
    }
}

/// Output of a finished command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run lsm");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `lsm validate -f signer.toml` on `text`.
pub fn validate(text: impl AsRef<[u8]>) -> Run {
    let s = Scratch::new();
    s.write("signer.toml", text);
    run(s.lsm(&["validate", "-f", "signer.toml"]))
}

/// 1-based line and character column of the first `needle` in `text`.
pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the test manifest"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..at].chars().count() + 1)
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
