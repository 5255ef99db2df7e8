//! [`runtime::Error`](crate::runtime::Error) and each runtime's own error
//! as a command failure. Overwriting or emptying a wallet password copy
//! that may be the only one, and starting an lnd of another version, are
//! protections (exit 5); the rest are errors with the fix an operator
//! needs. A lower layer's error keeps that layer's exit code and hints.

use crate::error::{Failure, chain};
use crate::exit::Exit;
use crate::runtime::Error;
use crate::runtime::docker::Error as DockerError;
use crate::runtime::native::Error as NativeError;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Docker(e) => e.into(),
            Error::Native(e) => e.into(),
            // The cause's exit code and hints, with lnd's last lines under
            // its message.
            Error::NoStart { cause, logs } => {
                let mut f = Failure::from(*cause);
                f.message.push_str(&logs.to_string());
                f
            }
            Error::RpcCert { .. } => {
                Failure::error(chain(&e)).hint("point rpccert at btcd's rpc.cert (PEM)")
            }
            Error::RpcPass { table, .. } => Failure::error(chain(&e)).hint(format!(
                "put only the {table} RPC password in that file, on one line (a final line end \
                 is fine), mode 0600"
            )),
            Error::ForeignStep(_) => Failure::error(chain(&e)),
        }
    }
}

impl From<DockerError> for Failure {
    fn from(e: DockerError) -> Self {
        let (exit, hint) = match e {
            DockerError::Engine(e) => return e.into(),
            DockerError::Secrets(e) => return e.into(),
            ref e => docker_verdict(e),
        };
        Failure::with_exit(exit, chain(&e)).with_hints(hint)
    }
}

/// The exit code and the fix of the Docker runtime's own errors.
fn docker_verdict(e: &DockerError) -> (Exit, Option<&'static str>) {
    match e {
        DockerError::ContainerNotOurs { .. } => (
            Exit::Error,
            Some("rename or remove that container yourself, or choose another [signer] name"),
        ),
        DockerError::VolumeNotOurs { .. } => (
            Exit::Error,
            Some("give this signer its own [docker] volume (the default is \"<name>-data\")"),
        ),
        DockerError::PasswordCopyDiffers { .. } => (
            Exit::Blocked,
            Some("run `lsm plan` to see the blocker and how to resolve it"),
        ),
        DockerError::PasswordCopyChanged { .. } => (Exit::Blocked, Some("run `lsm plan` again")),
        DockerError::RehearsalNeedsLocalEngine => (
            Exit::Error,
            Some(
                "run lsm on the engine's host (DOCKER_HOST or [docker] host pointing at its \
                 local socket)",
            ),
        ),
        DockerError::RehearsalNameTaken { .. } => (
            Exit::Error,
            Some("rename or remove that container yourself"),
        ),
        DockerError::Engine(_)
        | DockerError::Secrets(_)
        | DockerError::NotDockerManifest
        | DockerError::ContainerVanished { .. }
        | DockerError::PasswordMissing { .. }
        | DockerError::RehearsalVanished { .. }
        | DockerError::RehearsalStopped { .. }
        | DockerError::RehearsalNoCert { .. } => (Exit::Error, None),
    }
}

/// What an operator does when lnd was started but could not be recorded.
const STOPPED_AGAIN: &str =
    "lnd was stopped again: lsm never leaves an lnd running that it has not recorded";

impl From<NativeError> for Failure {
    fn from(e: NativeError) -> Self {
        let (exit, hint) = match e {
            NativeError::Secrets(e) => return e.into(),
            NativeError::Wallet(e) => return e.into(),
            NativeError::NotRecorded(cause) => return Failure::from(*cause).hint(STOPPED_AGAIN),
            ref e => native_verdict(e),
        };
        Failure::with_exit(exit, chain(&e)).with_hints(hint)
    }
}

/// The exit code and the fix of the native runtime's own errors.
fn native_verdict(e: &NativeError) -> (Exit, Option<&'static str>) {
    match e {
        NativeError::WrongVersion { .. } => (Exit::Blocked, None),
        NativeError::ControlInPath { .. } => (
            Exit::Error,
            Some("native mode writes this path into lnd.conf; choose a path without one"),
        ),
        NativeError::WriteUnit { .. } => (
            Exit::Error,
            Some("installing a systemd unit needs root: run lsm apply with sudo"),
        ),
        NativeError::NotListening { .. } => (
            Exit::Error,
            Some(
                "if [native] lnd_path is a wrapper script, it must end in `exec lnd \"$@\"` so \
                 lnd keeps the pid lsm started",
            ),
        ),
        NativeError::Pidfd { .. } => (
            Exit::Error,
            Some("lsm needs Linux 5.3 or newer to stop lnd safely"),
        ),
        NativeError::StateDir { .. } => (
            Exit::Error,
            Some("LSM_STATE_DIR (default ~/.local/state/lsm) must be a directory lsm can write"),
        ),
        NativeError::NotBooted => (
            Exit::Error,
            Some("use supervisor = \"process\", or run lsm on a host booted with systemd"),
        ),
        NativeError::ThrowawayDirLeft { .. } => (
            Exit::Error,
            Some(
                "remove it by hand: it holds the rehearsal's wallet, encrypted with the wallet \
                 password",
            ),
        ),
        NativeError::Secrets(_)
        | NativeError::Wallet(_)
        | NativeError::NotRecorded(_)
        | NativeError::NotNativeManifest
        | NativeError::Read { .. }
        | NativeError::Write { .. }
        | NativeError::Remove { .. }
        | NativeError::CreateDir { .. }
        | NativeError::BinaryUnusable { .. }
        | NativeError::NoBinaryPath
        | NativeError::ProcUnreadable { .. }
        | NativeError::UnitGaveUp { .. }
        | NativeError::UnitNotActive { .. }
        | NativeError::RotateLog { .. }
        | NativeError::OpenLog { .. }
        | NativeError::Spawn { .. }
        | NativeError::ExitedDuringStartup { .. }
        | NativeError::Signal { .. }
        | NativeError::Watch { .. }
        | NativeError::SurvivedKill { .. }
        | NativeError::NotOurProcess { .. }
        | NativeError::ExeUnreadable { .. }
        | NativeError::WritePidfile { .. }
        | NativeError::RemovePidfile { .. }
        | NativeError::ReadPidfile(_)
        | NativeError::Systemctl { .. }
        | NativeError::SystemctlTimeout { .. }
        | NativeError::SystemctlFailed { .. }
        | NativeError::TempDir { .. }
        | NativeError::Chmod { .. }
        | NativeError::RehearsalLog(_)
        | NativeError::ThrowawayExited { .. }
        | NativeError::ThrowawayNoCert { .. }
        | NativeError::NoFreePort(_) => (Exit::Error, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::LndLogs;

    #[test]
    fn a_failed_start_shows_the_cause_with_its_hints_then_lnds_last_lines() {
        let cause = || crate::docker::DockerError::Timeout {
            endpoint: "unix:///var/run/docker.sock".into(),
            op: "wait".into(),
            after: std::time::Duration::from_secs(60),
        };
        let plain = Failure::from(cause());
        let e = Error::with_logs(DockerError::Engine(cause()), vec!["a".into(), "b".into()]);
        assert!(e.has_lnd_logs());
        let text = chain(&e);
        let f = Failure::from(e);
        assert_eq!(
            f.message,
            format!("{}\nlast lnd log lines:\n  a\n  b", plain.message)
        );
        assert_eq!(f.message, text);
        assert_eq!(f.hints, plain.hints);
        assert!(!f.hints.is_empty());
    }

    #[test]
    fn no_log_lines_leave_the_cause_alone() {
        let e = Error::with_logs(DockerError::RehearsalVanished { name: "r".into() }, vec![]);
        assert!(!e.has_lnd_logs());
        assert_eq!(
            Failure::from(e).message,
            "the rehearsal container r vanished"
        );
        // The native rehearsal shows the header even when lnd wrote nothing.
        let e = Error::NoStart {
            cause: Box::new(NativeError::ThrowawayNoCert { secs: 120 }.into()),
            logs: LndLogs(vec![]),
        };
        assert_eq!(
            Failure::from(e).message,
            "the throwaway lnd did not write its tls.cert within 120s\nlast lnd log lines:\n  "
        );
    }

    #[test]
    fn password_copies_that_may_be_the_only_ones_are_protections() {
        let f = Failure::from(Error::from(DockerError::PasswordCopyDiffers {
            volume: "s-data".into(),
            host: "/s/wallet-password.txt".into(),
        }));
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            "volume s-data already holds a wallet password copy that differs from \
             /s/wallet-password.txt; it may be the only one that opens the wallet, so lsm \
             does not overwrite it"
        );
        assert_eq!(
            f.hints,
            ["run `lsm plan` to see the blocker and how to resolve it"]
        );
        let f = Failure::from(Error::from(DockerError::PasswordCopyChanged {
            volume: "s-data".into(),
            host: "/s/wallet-password.txt".into(),
        }));
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(f.hints, ["run `lsm plan` again"]);
        let f = Failure::from(Error::from(NativeError::WrongVersion {
            path: "/usr/bin/lnd".into(),
            version_line: "lnd version 0.1".into(),
            expected: "0.18.0-beta".into(),
        }));
        assert_eq!(f.exit, Exit::Blocked);
        assert_eq!(
            f.message,
            "/usr/bin/lnd reports \"lnd version 0.1\", not lnd 0.18.0-beta; lsm did not start it"
        );
    }

    #[test]
    fn an_unrecorded_lnd_keeps_its_cause_s_fix_and_says_it_was_stopped() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("native"), "").unwrap();
        let cause =
            crate::runtime::native::pidfile::prepare(&tmp.path().join("native/s.pid")).unwrap_err();
        let f = Failure::from(Error::from(NativeError::NotRecorded(Box::new(cause))));
        assert_eq!(f.exit, Exit::Error);
        assert!(f.message.starts_with("cannot create "), "{}", f.message);
        assert!(
            f.message.ends_with("; lnd was not started"),
            "{}",
            f.message
        );
        assert_eq!(
            f.hints,
            [
                "LSM_STATE_DIR (default ~/.local/state/lsm) must be a directory lsm can write",
                STOPPED_AGAIN
            ]
        );
    }

    #[test]
    fn io_causes_follow_the_message() {
        let f = Failure::from(Error::from(NativeError::Write {
            path: "/s/signer-lnd.conf".into(),
            source: std::io::Error::other("disk full"),
        }));
        assert_eq!(f.message, "cannot write /s/signer-lnd.conf: disk full");
        let f = Failure::from(Error::from(NativeError::NotBooted));
        assert!(
            f.message.ends_with("; nothing was changed"),
            "{}",
            f.message
        );
        assert_eq!(
            f.hints,
            ["use supervisor = \"process\", or run lsm on a host booted with systemd"]
        );
    }

    /// Review pin: io errors that wrap another error (tempfile's PathError)
    /// and rustix's Errno render exactly as the old `format!("...: {e}")`
    /// did: `chain` adds no second copy of the cause.
    #[test]
    fn wrapped_io_and_errno_causes_render_as_before() {
        let parent = std::path::PathBuf::from("/nonexistent-lsm-review2");
        let source = tempfile::Builder::new()
            .prefix("lsm-rehearsal-")
            .tempdir_in(&parent)
            .unwrap_err();
        let old = format!(
            "cannot create a temp directory in {}: {source}",
            parent.display()
        );
        let f = Failure::from(Error::from(NativeError::TempDir { parent, source }));
        assert_eq!(f.message, old);
        assert!(f.hints.is_empty());

        let errno = rustix::io::Errno::PERM;
        let f = Failure::from(Error::from(NativeError::Pidfd {
            pid: 7,
            source: errno,
        }));
        assert_eq!(
            f.message,
            format!("cannot open a pidfd on lnd (pid 7): {errno}")
        );
        assert_eq!(f.hints, ["lsm needs Linux 5.3 or newer to stop lnd safely"]);
    }
}
