//! Processes that hold this signer's place without being lsm's: an lnd
//! started by hand, by another lsm (another LSM_STATE_DIR, another user,
//! sudo) or one whose pidfile was lost — found by `--lnddir=<lnd_dir>` on
//! its command line — and anything listening on lnd's gRPC or REST port.
//!
//! lsm cannot prove such a process is its own, so it never signals one: the
//! plan blocks on it instead of starting a second lnd that would only fail
//! with "address already in use", and destroy says it still runs.

use super::procfs;
use super::target::NativeTarget;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A process in the signer's place that lsm did not start (or cannot
/// prove it did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Foreign {
    /// `None`: a listening socket whose owner /proc does not show (another
    /// user's process).
    pub pid: Option<u32>,
    /// Its executable, else its command name.
    pub program: String,
    /// What it holds: `runs with --lnddir=/srv/lnd`, `listens on port
    /// 10012 (rpc.listen)`.
    pub holds: Vec<String>,
}

impl Foreign {
    /// `pid 4242 (/usr/local/bin/lnd) runs with ... and listens on ...`.
    pub(crate) fn describe(&self) -> String {
        let who = match self.pid {
            Some(pid) => format!("pid {pid} ({})", self.program),
            None => "a process lsm cannot see (another user's)".to_string(),
        };
        format!("{who} {}", self.holds.join(" and "))
    }
}

/// Whether `argv` passes `dir` as `--lnddir` (`--lnddir=DIR` or `--lnddir
/// DIR`); `canonical` is `dir` with symlinks resolved.
fn names_lnd_dir(argv: &[String], dir: &Path, canonical: &Path) -> bool {
    let same =
        |v: &str| Path::new(v) == dir || std::fs::canonicalize(v).is_ok_and(|c| c == canonical);
    argv.iter().enumerate().any(|(i, arg)| {
        let Some(rest) = arg.strip_prefix("--lnddir") else {
            return false;
        };
        match rest.strip_prefix('=') {
            Some(v) => same(v),
            None => rest.is_empty() && argv.get(i + 1).is_some_and(|v| same(v)),
        }
    })
}

fn program_of(pid: u32) -> String {
    match procfs::read(pid) {
        Some(info) => info
            .exe
            .map(|e| e.display().to_string())
            .unwrap_or(info.comm),
        None => "exited".to_string(),
    }
}

/// Adds `holds` to the entry of `pid`, creating it.
fn add(found: &mut Vec<Foreign>, pid: Option<u32>, holds: String) {
    match found.iter_mut().find(|f| f.pid == pid && pid.is_some()) {
        Some(f) => f.holds.push(holds),
        None => found.push(Foreign {
            pid,
            program: pid.map(program_of).unwrap_or_default(),
            holds: vec![holds],
        }),
    }
}

/// Every process other than `own` (the lnd lsm runs, if any) that runs on
/// the signer's lnd_dir or listens on its ports, in this network namespace.
pub(crate) fn find(t: &NativeTarget, own: Option<u32>) -> Vec<Foreign> {
    let mut found = Vec::new();
    let pids: Vec<u32> = procfs::pids()
        .into_iter()
        .filter(|p| Some(*p) != own)
        .collect();
    let canonical: PathBuf = std::fs::canonicalize(&t.lnd_dir).unwrap_or(t.lnd_dir.clone());
    for &pid in &pids {
        if names_lnd_dir(&procfs::argv(pid), &t.lnd_dir, &canonical) {
            add(
                &mut found,
                Some(pid),
                format!("runs with --lnddir={}", t.lnd_dir.display()),
            );
        }
    }
    let ports = [
        (Some(t.rpc_bind), "rpc.listen"),
        (t.rest_bind, "rest.listen"),
    ];
    for (bind, key) in ports {
        let Some(bind) = bind else { continue };
        let inodes = procfs::listening_sockets(Path::new("/proc/self"), bind.port());
        // The usual case: nothing listens, or lsm's own lnd does.
        if inodes.is_empty() || own.is_some_and(|p| procfs::holds_any(p, &inodes) == Some(true)) {
            continue;
        }
        let holds = format!("listens on port {} ({key})", bind.port());
        let owners: Vec<u32> = pids
            .iter()
            .copied()
            .filter(|p| procfs::holds_any(*p, &inodes) == Some(true))
            .collect();
        if owners.is_empty() {
            add(&mut found, None, holds.clone());
        }
        for pid in owners {
            add(&mut found, Some(pid), holds.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::native::target::test_target;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lnd_dir_is_matched_in_both_flag_forms_only() {
        let dir = Path::new("/srv/lnd");
        let yes = [
            args(&["lnd", "--lnddir=/srv/lnd"]),
            args(&["lnd", "--lnddir", "/srv/lnd", "--configfile=x"]),
        ];
        for argv in yes {
            assert!(names_lnd_dir(&argv, dir, dir), "{argv:?}");
        }
        let no = [
            args(&["lnd", "--lnddir=/srv/lnd2"]),
            args(&["lnd", "--lnddirx=/srv/lnd"]),
            args(&["lnd", "--lnddir"]),
            args(&["grep", "/srv/lnd"]),
        ];
        for argv in no {
            assert!(!names_lnd_dir(&argv, dir, dir), "{argv:?}");
        }
    }

    #[test]
    fn a_listener_on_lnds_port_is_found_unless_it_is_lsms_own() {
        // This test process plays the stranger: it listens on "rpc.listen".
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut t = test_target("lnd_dir = \"/nonexistent/lnd\"", "/srv/secrets");
        t.rpc_bind = format!("127.0.0.1:{port}").parse().unwrap();
        t.rest_bind = None;
        let me = std::process::id();
        let found = find(&t, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pid, Some(me));
        assert_eq!(
            found[0].holds,
            [format!("listens on port {port} (rpc.listen)")]
        );
        // Held by "our" lnd (this process): nothing foreign.
        assert!(find(&t, Some(me)).is_empty());
        drop(listener);
        assert!(find(&t, None).is_empty());

        let f = Foreign {
            pid: Some(42),
            program: "/usr/bin/lnd".into(),
            holds: vec![
                "runs with --lnddir=/x".into(),
                "listens on port 1 (rpc.listen)".into(),
            ],
        };
        assert_eq!(
            f.describe(),
            "pid 42 (/usr/bin/lnd) runs with --lnddir=/x and listens on port 1 (rpc.listen)"
        );
    }
}
