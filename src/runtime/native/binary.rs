//! The lnd binary: found where `[native] lnd_path` says (a bare name
//! through PATH), and checked to be the pinned version before lsm ever
//! starts it. `lnd --version` prints `lnd version 0.20.0-beta commit=...`;
//! one of its words must equal LND_VERSION without the leading `v`, so
//! `0.20.0-beta.rc1` does not pass for `0.20.0-beta`.

use crate::manifest::fields::LndBinary;
use serde::Serialize;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `lnd --version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// What lsm found at `lnd_path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Binary {
    /// Found and runnable; `version_ok` tells whether it is the pinned one.
    Found {
        /// Where it was found.
        path: PathBuf,
        /// The same with symlinks resolved (what /proc shows once it runs).
        canonical: PathBuf,
        /// The first line `--version` printed.
        version_line: String,
        version_ok: bool,
        /// [`stamp`] of `canonical`: a file replaced or rewritten in place
        /// gets another one.
        stamp: Option<String>,
        /// A script (`#!`), e.g. a wrapper that execs lnd: what runs is
        /// then another executable than `canonical`.
        script: bool,
    },
    /// Not found, not executable, or `--version` failed.
    Unusable { reason: String },
}

impl Binary {
    pub(crate) fn path(&self) -> Option<&Path> {
        match self {
            Binary::Found { path, .. } => Some(path),
            Binary::Unusable { .. } => None,
        }
    }

    pub(crate) fn canonical(&self) -> Option<&Path> {
        match self {
            Binary::Found { canonical, .. } => Some(canonical),
            Binary::Unusable { .. } => None,
        }
    }

    pub(crate) fn stamp(&self) -> Option<&str> {
        match self {
            Binary::Found { stamp, .. } => stamp.as_deref(),
            Binary::Unusable { .. } => None,
        }
    }
}

/// Device, inode, size and modification time of `path`: what changes when
/// the file is replaced (a new inode) or rewritten in place (a wrapper
/// script edited to exec another lnd).
pub(crate) fn stamp(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{:09}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec()
    ))
}

/// Whether `path` starts with `#!`.
fn is_script(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"#!")
}

/// Whether `output` of `lnd --version` names exactly `expected` (`0.20.0-beta`).
pub(crate) fn reports_version(output: &str, expected: &str) -> bool {
    output.split_whitespace().any(|word| word == expected)
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Where `bin` is: a path as written, a bare name through `PATH`.
pub(crate) fn locate(
    bin: &LndBinary,
    path_var: Option<&std::ffi::OsStr>,
) -> Result<PathBuf, String> {
    match bin {
        LndBinary::Path(p) => {
            if !p.exists() {
                Err(format!("{} does not exist", p.display()))
            } else if !is_executable(p) {
                Err(format!("{} is not an executable file", p.display()))
            } else {
                Ok(p.clone())
            }
        }
        LndBinary::Search(name) => path_var
            .map(std::env::split_paths)
            .into_iter()
            .flatten()
            // An empty PATH entry means the working directory: never trusted.
            .filter(|dir| dir.is_absolute())
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
            .ok_or_else(|| format!("no executable \"{name}\" in PATH")),
    }
}

/// First non-empty line, without control characters, at most 200 characters.
fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// Locates `bin` and asks it for its version.
pub(crate) async fn check(bin: &LndBinary, expected: &str) -> Binary {
    let path = match locate(bin, std::env::var_os("PATH").as_deref()) {
        Ok(p) => p,
        Err(reason) => return Binary::Unusable { reason },
    };
    let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let run = tokio::process::Command::new(&path)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(VERSION_TIMEOUT, run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            return Binary::Unusable {
                reason: format!("cannot run {} --version: {e}", path.display()),
            };
        }
        Err(_) => {
            return Binary::Unusable {
                reason: format!(
                    "{} --version did not finish within {}s",
                    path.display(),
                    VERSION_TIMEOUT.as_secs()
                ),
            };
        }
    };
    if !out.status.success() {
        return Binary::Unusable {
            reason: format!(
                "{} --version failed ({}): {}",
                path.display(),
                out.status,
                first_line(&out.stderr)
            ),
        };
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Binary::Found {
        version_ok: reports_version(&text, expected),
        version_line: first_line(&out.stdout),
        stamp: stamp(&canonical),
        script: is_script(&canonical),
        path,
        canonical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_must_be_a_whole_word() {
        let real = "lnd version 0.20.0-beta commit=v0.20.0-beta\n";
        assert!(reports_version(real, "0.20.0-beta"));
        assert!(!reports_version(real, "0.20.0"));
        assert!(!reports_version(
            "lnd version 0.20.0-beta.rc1 commit=v0.20.0-beta.rc1",
            "0.20.0-beta"
        ));
        assert!(!reports_version("lnd version 0.19.3-beta", "0.20.0-beta"));
    }

    #[test]
    fn bare_names_are_found_in_absolute_path_entries_only() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("lnd");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap();
        let name = LndBinary::Search("lnd".into());
        assert_eq!(locate(&name, Some(&path)).unwrap(), exe);
        assert!(locate(&name, Some("relative".as_ref())).is_err());
        assert!(locate(&name, None).is_err());
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(locate(&name, Some(&path)).is_err());
        let err = locate(&LndBinary::Path(exe.clone()), None).unwrap_err();
        assert!(err.contains("not an executable"), "{err}");
    }

    #[test]
    fn a_stamp_changes_when_the_file_is_replaced_or_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("lnd");
        std::fs::write(&f, "#!/bin/sh\nexec /a/lnd \"$@\"\n").unwrap();
        assert!(is_script(&f));
        let first = stamp(&f).unwrap();
        assert_eq!(stamp(&f).as_deref(), Some(first.as_str()));
        // Another size: mtime alone may not tick between two quick writes.
        std::fs::write(&f, "#!/bin/sh\nexec /b/lnd-0.21 \"$@\"\n").unwrap();
        let rewritten = stamp(&f).unwrap();
        assert_ne!(rewritten, first);
        let new = dir.path().join("lnd.new");
        std::fs::write(&new, "\x7fELF").unwrap();
        std::fs::rename(&new, &f).unwrap();
        assert_ne!(stamp(&f).unwrap(), rewritten);
        assert!(!is_script(&f));
        assert_eq!(stamp(&dir.path().join("none")), None);
    }
}
