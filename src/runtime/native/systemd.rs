//! supervisor = "systemd": a hardened unit `lsm-<name>.service` that lsm
//! renders (same manifest → same bytes, so the plan can diff it like
//! lnd.conf), installs in /etc/systemd/system, and drives with systemctl.
//!
//! lsm never pretends: where systemd is not the init system (no
//! /run/systemd/system, as in most containers and CI), the plan is blocked
//! and every systemctl step refuses with that reason.

use super::Error;
use super::target::NativeTarget;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where lsm installs its units.
pub(crate) const UNIT_DIR: &str = "/etc/systemd/system";
/// How long one systemctl call may take (a stop waits for lnd).
const SYSTEMCTL_TIMEOUT: Duration = Duration::from_secs(120);

/// `lsm-<signer>.service`.
pub(crate) fn unit_name(signer: &str) -> String {
    format!("lsm-{signer}.service")
}

/// Where the unit named `unit` is installed.
pub(crate) fn unit_path(unit: &str) -> PathBuf {
    Path::new(UNIT_DIR).join(unit)
}

/// Whether systemd is this host's init system (sd_booted(3)'s test).
pub(crate) fn booted() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

/// Why systemd cannot be driven here, for blockers and refusals.
pub(crate) const NOT_BOOTED: &str = "supervisor = \"systemd\", but systemd is not running on this host (/run/systemd/system does \
     not exist, as in most containers)";

/// The user lnd runs as: the one running lsm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunAs {
    pub user: String,
    pub group: String,
}

impl RunAs {
    /// The effective user and group of this process, by name when
    /// /etc/passwd and /etc/group know them (numeric ids otherwise).
    pub(crate) fn current() -> RunAs {
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        RunAs {
            user: name_of("/etc/passwd", uid).unwrap_or_else(|| uid.to_string()),
            group: name_of("/etc/group", gid).unwrap_or_else(|| gid.to_string()),
        }
    }
}

/// The name of id `id` in a passwd/group style file (`name:x:id:...`).
fn name_of(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let found: u32 = f.nth(1)?.parse().ok()?;
        (found == id).then(|| name.to_string())
    })
}

/// Quotes one word for a unit file: `%` is a specifier and `$` expands in
/// ExecStart, so both are doubled; quotes and backslashes are escaped.
fn quote(word: &str) -> String {
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a path lies under a directory ProtectHome= governs.
fn under_home(p: &Path) -> bool {
    ["/home", "/root", "/run/user"]
        .iter()
        .any(|h| p.starts_with(h))
}

/// Renders the unit for lnd at `exe`.
pub(crate) fn render(t: &NativeTarget, exe: &Path, run_as: &RunAs) -> String {
    let mut s = String::new();
    let exec: Vec<String> = std::iter::once(exe.display().to_string())
        .chain(t.lnd_args())
        .map(|w| quote(&w))
        .collect();
    // Home directories stay read-only rather than hidden when lnd's files
    // live there; ReadWritePaths then reopens exactly those for writing.
    let paths = [exe, t.lnd_dir.as_path(), t.secrets_dir.as_path()];
    let home = if paths.iter().any(|p| under_home(p)) {
        "read-only"
    } else {
        "true"
    };
    // A private /tmp would hide lnd's own files if they live in /tmp.
    let private_tmp = !paths
        .iter()
        .any(|p| p.starts_with("/tmp") || p.starts_with("/var/tmp"));
    let _ = write!(
        s,
        "# {unit}: the lnd remote signer \"{signer}\", rendered by lsm.\n\
         # Do not edit: `lsm apply` reverts edits. Change signer.toml instead.\n\
         \n\
         [Unit]\n\
         Description=lnd remote signer {signer} (managed by lsm)\n\
         Wants=network-online.target\n\
         After=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         User={user}\n\
         Group={group}\n\
         ExecStart={exec}\n\
         Restart=on-failure\n\
         RestartSec=5s\n\
         TimeoutStopSec={stop}s\n\
         UMask=0077\n\
         NoNewPrivileges=true\n\
         ProtectSystem=strict\n\
         ProtectHome={home}\n\
         ReadWritePaths={lnd_dir} {secrets}\n\
         PrivateTmp={private_tmp}\n\
         PrivateDevices=true\n\
         ProtectKernelTunables=true\n\
         ProtectKernelModules=true\n\
         ProtectKernelLogs=true\n\
         ProtectControlGroups=true\n\
         ProtectClock=true\n\
         ProtectHostname=true\n\
         RestrictSUIDSGID=true\n\
         RestrictRealtime=true\n\
         RestrictNamespaces=true\n\
         LockPersonality=true\n\
         MemoryDenyWriteExecute=true\n\
         RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n\
         CapabilityBoundingSet=\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        unit = unit_name(&t.signer),
        signer = t.signer,
        user = run_as.user,
        group = run_as.group,
        exec = exec.join(" "),
        stop = super::process::STOP_DEADLINE.as_secs() * 2,
        lnd_dir = quote(&t.lnd_dir.display().to_string()),
        secrets = quote(&t.secrets_dir.display().to_string()),
    );
    s
}

/// What systemd says about the unit (`systemctl show`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct ServiceState {
    /// `loaded`, `not-found`, ...
    pub load: String,
    /// `active`, `inactive`, `failed`, `activating`, ...
    pub active: String,
    pub sub: String,
    /// `enabled`, `disabled`, ...
    pub unit_file: String,
    pub main_pid: u32,
    /// The unit file changed on disk since systemd loaded it.
    pub need_reload: bool,
}

impl ServiceState {
    pub(crate) fn is_active(&self) -> bool {
        self.active == "active"
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.unit_file == "enabled"
    }

    /// Why lnd will not come up without lsm or the operator acting: the
    /// unit failed or stopped, or lnd already exited and systemd waits to
    /// restart it (`activating (auto-restart)`, which a waiting apply would
    /// otherwise sit through until its deadline). `None` while it runs or
    /// may still come up.
    pub(crate) fn given_up(&self) -> Option<String> {
        match (self.active.as_str(), self.sub.as_str()) {
            ("failed" | "inactive", sub) => Some(format!("is {} ({sub})", self.active)),
            (active, "auto-restart") => Some(format!(
                "is {active} (auto-restart): lnd exited and systemd is restarting it"
            )),
            _ => None,
        }
    }

    /// Parses `systemctl show --property=...` output.
    pub(crate) fn parse(text: &str) -> ServiceState {
        let mut s = ServiceState::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            match k {
                "LoadState" => s.load = v.to_string(),
                "ActiveState" => s.active = v.to_string(),
                "SubState" => s.sub = v.to_string(),
                "UnitFileState" => s.unit_file = v.to_string(),
                "MainPID" => s.main_pid = v.parse().unwrap_or(0),
                "NeedDaemonReload" => s.need_reload = v == "yes",
                _ => {}
            }
        }
        s
    }
}

/// Refuses, clearly, where systemd is not running.
pub(crate) fn require_booted() -> Result<(), Error> {
    if booted() {
        Ok(())
    } else {
        Err(Error::NotBooted)
    }
}

/// Runs `systemctl args`, returning stdout; refuses where systemd is not running.
pub(crate) async fn systemctl(args: &[&str]) -> Result<String, Error> {
    require_booted()?;
    let run = tokio::process::Command::new("systemctl")
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let command = format!("systemctl {}", args.join(" "));
    let out = match tokio::time::timeout(SYSTEMCTL_TIMEOUT, run).await {
        Ok(Ok(out)) => out,
        Ok(Err(source)) => return Err(Error::Systemctl { command, source }),
        Err(_) => {
            return Err(Error::SystemctlTimeout {
                command,
                secs: SYSTEMCTL_TIMEOUT.as_secs(),
            });
        }
    };
    if !out.status.success() {
        return Err(Error::SystemctlFailed {
            command,
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The unit's state.
pub(crate) async fn show(unit: &str) -> Result<ServiceState, Error> {
    let out = systemctl(&[
        "show",
        "--property=LoadState,ActiveState,SubState,UnitFileState,MainPID,NeedDaemonReload",
        unit,
    ])
    .await?;
    Ok(ServiceState::parse(&out))
}

/// The unit's last journal lines (failure reports).
pub(crate) async fn journal(unit: &str, lines: usize) -> Vec<String> {
    let run = tokio::process::Command::new("journalctl")
        .args([
            "-u",
            unit,
            "-n",
            &lines.to_string(),
            "-o",
            "cat",
            "--no-pager",
        ])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(10), run).await {
        Ok(Ok(out)) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::native::target::test_target;

    #[test]
    fn words_are_quoted_for_systemd() {
        assert_eq!(quote("/usr/bin/lnd"), "\"/usr/bin/lnd\"");
        assert_eq!(quote("/a b/100%$x\"\\"), "\"/a b/100%%$$x\\\"\\\\\"");
    }

    #[test]
    fn show_output_is_parsed() {
        let s = ServiceState::parse(
            "LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n\
             MainPID=4242\nNeedDaemonReload=no\n",
        );
        assert!(s.is_active() && s.is_enabled() && !s.need_reload);
        assert_eq!(s.main_pid, 4242);
        assert_eq!(ServiceState::parse("").main_pid, 0);
    }

    #[test]
    fn a_unit_restarting_after_a_failure_has_given_up_like_a_failed_one() {
        let state = |active: &str, sub: &str| ServiceState {
            active: active.into(),
            sub: sub.into(),
            ..Default::default()
        };
        assert_eq!(state("active", "running").given_up(), None);
        assert_eq!(state("activating", "start").given_up(), None);
        assert_eq!(
            state("failed", "failed").given_up().as_deref(),
            Some("is failed (failed)")
        );
        assert!(state("inactive", "dead").given_up().is_some());
        let restarting = state("activating", "auto-restart").given_up().unwrap();
        assert!(restarting.contains("auto-restart"), "{restarting}");
    }

    #[test]
    fn the_unit_is_hardened_and_names_exactly_lnds_paths() {
        let run_as = RunAs {
            user: "lnd".into(),
            group: "lnd".into(),
        };
        let t = test_target(
            "lnd_dir = \"/srv/lnd\"\nsupervisor = \"systemd\"",
            "/srv/secrets",
        );
        let unit = render(&t, Path::new("/usr/local/bin/lnd"), &run_as);
        for line in [
            "ExecStart=\"/usr/local/bin/lnd\" \"--lnddir=/srv/lnd\" \
             \"--configfile=/srv/secrets/signer-lnd.conf\"",
            "User=lnd",
            "Restart=on-failure",
            "NoNewPrivileges=true",
            "ProtectSystem=strict",
            "ProtectHome=true",
            "PrivateTmp=true",
            "ReadWritePaths=\"/srv/lnd\" \"/srv/secrets\"",
            "WantedBy=multi-user.target",
        ] {
            assert!(unit.lines().any(|l| l == line), "missing {line}:\n{unit}");
        }
        assert_eq!(unit, render(&t, Path::new("/usr/local/bin/lnd"), &run_as));

        // lnd's files under a home directory: home stays visible, read-only.
        let t = test_target("lnd_dir = \"~/.lnd-signer\"", "/srv/secrets");
        let unit = render(&t, Path::new("/usr/local/bin/lnd"), &run_as);
        assert!(unit.contains("\nProtectHome=read-only\n"), "{unit}");
        assert!(
            unit.contains("ReadWritePaths=\"/home/op/.lnd-signer\""),
            "{unit}"
        );

        // ... and under /tmp, a private /tmp would hide them.
        let t = test_target("lnd_dir = \"/tmp/lnd\"", "/srv/secrets");
        let unit = render(&t, Path::new("/usr/local/bin/lnd"), &run_as);
        assert!(unit.contains("\nPrivateTmp=false\n"), "{unit}");
    }

    #[test]
    fn names_come_from_the_id_files() {
        assert_eq!(name_of("/etc/passwd", 0).as_deref(), Some("root"));
        assert_eq!(name_of("/nonexistent", 0), None);
    }
}
