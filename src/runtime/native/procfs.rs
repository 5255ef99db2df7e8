//! What /proc says about one process: its state and start time
//! (`/proc/<pid>/stat`), executable and command line. Together with the
//! boot id these identify a process for good: a pid alone is reused by the
//! kernel, a pid with the same start time in the same boot is not.

use std::path::{Path, PathBuf};

/// One process as /proc shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcInfo {
    pub pid: u32,
    /// `R`, `S`, `D`, `Z` (zombie: exited, not yet reaped), ...
    pub state: char,
    /// Clock ticks after boot (stat field 22).
    pub start_time: u64,
    /// The command name (stat field 2), for messages.
    pub comm: String,
    /// The executable, when readable (not for other users' processes).
    pub exe: Option<PathBuf>,
    /// True when the executable was replaced or removed since exec.
    pub exe_deleted: bool,
    pub argv: Vec<String>,
}

impl ProcInfo {
    /// An exited process that its parent has not reaped is not running.
    pub(crate) fn is_zombie(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

fn proc_dir(pid: u32) -> PathBuf {
    Path::new("/proc").join(pid.to_string())
}

/// The process `pid`, or `None` when no such process exists.
pub(crate) fn read(pid: u32) -> Option<ProcInfo> {
    if pid == 0 {
        return None;
    }
    let dir = proc_dir(pid);
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    let (comm, state, start_time) = parse_stat(&stat)?;
    let (exe, exe_deleted) = match std::fs::read_link(dir.join("exe")) {
        Ok(p) => {
            let text = p.to_string_lossy();
            match text.strip_suffix(" (deleted)") {
                Some(kept) => (Some(PathBuf::from(kept)), true),
                None => (Some(p), false),
            }
        }
        Err(_) => (None, false),
    };
    let argv = std::fs::read(dir.join("cmdline"))
        .map(|raw| split_cmdline(&raw))
        .unwrap_or_default();
    Some(ProcInfo {
        pid,
        state,
        start_time,
        comm,
        exe,
        exe_deleted,
        argv,
    })
}

/// (comm, state, start time) from `/proc/<pid>/stat`. The command name is
/// in parentheses and may itself contain spaces and parentheses, so the
/// fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<(String, char, u64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    // Fields 4..=21 come between the state (3) and the start time (22).
    let start_time = rest.nth(18)?.parse().ok()?;
    Some((comm, state, start_time))
}

fn split_cmdline(raw: &[u8]) -> Vec<String> {
    raw.split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Whether process `pid` itself holds a socket listening on TCP `port`
/// (IPv4 or IPv6): proof that lnd is up, where a bare connect could reach
/// whatever else holds the port.
pub(crate) fn listens_on(pid: u32, port: u16) -> bool {
    let inodes = listening_sockets(&proc_dir(pid), port);
    !inodes.is_empty() && holds_any(pid, &inodes) == Some(true)
}

/// Inodes of the sockets listening on TCP `port` in the network namespace
/// of `/proc/<pid>` (or `/proc/self`) given as `dir`.
pub(crate) fn listening_sockets(dir: &Path, port: u16) -> Vec<String> {
    let mut inodes = Vec::new();
    for table in ["net/tcp", "net/tcp6"] {
        let text = std::fs::read_to_string(dir.join(table)).unwrap_or_default();
        inodes.extend(listening_inodes(&text, port));
    }
    inodes
}

/// Whether process `pid` holds one of the sockets `inodes`; `None` when
/// its descriptors cannot be read (another user's process, or gone).
pub(crate) fn holds_any(pid: u32, inodes: &[String]) -> Option<bool> {
    let fds = std::fs::read_dir(proc_dir(pid).join("fd")).ok()?;
    Some(fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            let t = target.to_string_lossy();
            inodes.iter().any(|i| t == format!("socket:[{i}]"))
        })
    }))
}

/// Every process id /proc lists.
pub(crate) fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// The command line of `pid` alone (cheaper than [`read`] for a scan).
pub(crate) fn argv(pid: u32) -> Vec<String> {
    std::fs::read(proc_dir(pid).join("cmdline"))
        .map(|raw| split_cmdline(&raw))
        .unwrap_or_default()
}

/// Socket inodes in a /proc/net/tcp table listening on `port`.
fn listening_inodes(table: &str, port: u16) -> Vec<String> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = f.get(1)?.rsplit_once(':')?.1;
            let listening = *f.get(3)? == LISTEN;
            let ours = u16::from_str_radix(local_port, 16).ok()? == port;
            (listening && ours).then(|| f.get(9).map(|i| i.to_string()))?
        })
        .collect()
}

/// This boot's id: a start time only identifies a process within one boot.
pub(crate) fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_a_hostile_command_name() {
        let text = "4242 (lnd) (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 9 0 \
                    987654 1000 10 18446744073709551615";
        let (comm, state, start) = parse_stat(text).unwrap();
        assert_eq!(comm, "lnd) (x) y");
        assert_eq!(state, 'S');
        assert_eq!(start, 987654);
        assert!(parse_stat("4242 (lnd) S 1 2").is_none());
    }

    #[test]
    fn listening_sockets_are_found_by_port() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100007F:2724 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n\
           1: 0100007F:2724 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0 20 4 30 10 -1\n";
        assert_eq!(listening_inodes(table, 10020), vec!["4242".to_string()]);
        assert!(listening_inodes(table, 10021).is_empty());

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(listens_on(std::process::id(), port));
        drop(listener);
        assert!(!listens_on(std::process::id(), port));
    }

    #[test]
    fn reads_this_process() {
        let me = read(std::process::id()).expect("/proc/self");
        assert!(!me.is_zombie());
        assert!(me.start_time > 0);
        assert_eq!(
            me.exe.as_deref(),
            std::env::current_exe().ok().as_deref(),
            "{me:?}"
        );
        assert!(!me.argv.is_empty());
        assert!(boot_id().is_some_and(|b| b.len() >= 32));
        assert!(read(0).is_none());
    }
}
