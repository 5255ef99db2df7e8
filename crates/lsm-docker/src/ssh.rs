//! Docker over `ssh://`: the system `ssh` client runs `docker system
//! dial-stdio` on the engine's host, and HTTP flows over its stdin and stdout.
//!
//! This is what the docker CLI does (its "commandconn"), so an operator's
//! `~/.ssh/config`, agent and known_hosts apply. lsm pins down what a
//! non-interactive tool that carries the wallet password copy needs:
//! `BatchMode` (never prompt), `StrictHostKeyChecking=yes` (an unknown or
//! changed host key is an error, whatever the config says), no forwarding,
//! no local or remote command of the config's, never a ControlMaster of its
//! own (killing a connection must not take others down; an operator's
//! existing ControlPersist master is still used), a connect timeout, and
//! keep-alives, so a link that goes dead mid-run ends the connection within
//! about 15 seconds instead of hanging until TCP gives up.
//!
//! One `ssh` process per HTTP connection, pooled by hyper like any other
//! connection; each is killed when its connection is dropped. When `ssh`
//! exits non-zero (host key, authentication, DNS, timeout), the connection
//! ends with `ssh`'s own last stderr line as the cause.

use bollard::{BollardRequest, ClientVersion, Docker};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Seconds `ssh` may take to open its TCP connection (`ConnectTimeout`).
const SSH_CONNECT_TIMEOUT_S: u32 = 10;
/// Keep-alive probe interval and how many may go unanswered: a dead link
/// ends the connection after about 5 × 3 seconds.
const SERVER_ALIVE_INTERVAL_S: u32 = 5;
const SERVER_ALIVE_COUNT_MAX: u32 = 3;
/// How much of `ssh`'s stderr is kept for the error message.
const STDERR_CAP: usize = 4096;
/// How long after ssh's exit its stderr may still be read.
const STDERR_GRACE: std::time::Duration = std::time::Duration::from_millis(250);
/// Bytes read from ssh's stdout at a time.
const READ_CHUNK: usize = 16 * 1024;

/// Where `ssh` connects: `ssh://[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl SshTarget {
    /// Parses the part after `ssh://`. Refuses anything `ssh` could read as
    /// an option (a leading `-`), paths, and empty parts.
    pub fn parse(rest: &str) -> Result<SshTarget, &'static str> {
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Err("expected ssh://[user@]host[:port]");
        }
        if rest.contains('/') || rest.contains('?') || rest.contains('#') {
            return Err("an ssh:// endpoint has no path: write ssh://[user@]host[:port]");
        }
        if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("an ssh:// endpoint has no spaces or control characters");
        }
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or("an IPv6 host needs its closing ]")?;
            match after {
                "" => (h, None),
                p => (
                    h,
                    Some(p.strip_prefix(':').ok_or("expected :port after ]")?),
                ),
            }
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err("the port must be a number from 1 to 65535"),
            },
        };
        if host.is_empty() {
            return Err("expected ssh://[user@]host[:port]");
        }
        if host.starts_with('-') || user.is_some_and(|u| u.is_empty() || u.starts_with('-')) {
            return Err("a user or host may not be empty or start with '-'");
        }
        // ssh expands %h and %r into ProxyCommand and Match exec lines (a
        // shell), so only the characters of names and addresses pass.
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let host_ok = if hostport.starts_with('[') {
            host.chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
        } else {
            host.chars().all(plain)
        };
        if !host_ok || !user.is_none_or(|u| u.chars().all(plain)) {
            return Err("a user or host has characters other than letters, digits, '.', '-', '_'");
        }
        Ok(SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        })
    }

    /// The command an operator types to check this host by hand:
    /// `ssh [-p PORT] [user@]host <remote>`.
    pub fn manual_command(&self, remote: &str) -> String {
        let port = self.port.map(|p| format!("-p {p} ")).unwrap_or_default();
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        format!("ssh {port}{user}{} {remote}", self.host)
    }

    /// The `ssh` arguments that run `docker system dial-stdio` there.
    fn args(&self) -> Vec<String> {
        // Options on the command line win over every ssh_config.
        let options = [
            "BatchMode=yes".to_string(),
            "StrictHostKeyChecking=yes".into(),
            "ControlMaster=no".into(),
            "ClearAllForwardings=yes".into(),
            "ForwardAgent=no".into(),
            "ForwardX11=no".into(),
            "PermitLocalCommand=no".into(),
            "RemoteCommand=none".into(),
            "RequestTTY=no".into(),
            format!("ConnectTimeout={SSH_CONNECT_TIMEOUT_S}"),
            format!("ServerAliveInterval={SERVER_ALIVE_INTERVAL_S}"),
            format!("ServerAliveCountMax={SERVER_ALIVE_COUNT_MAX}"),
        ];
        let mut args: Vec<String> = vec!["-T".into(), "-e".into(), "none".into()];
        for o in options {
            args.extend(["-o".to_string(), o]);
        }
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend([
            "--".to_string(),
            self.host.clone(),
            "docker".into(),
            "system".into(),
            "dial-stdio".into(),
        ]);
        args
    }
}

/// A bollard client whose every connection is a fresh `ssh … docker system
/// dial-stdio`.
pub(crate) fn client(
    target: SshTarget,
    timeout_s: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    let connector = SshConnector {
        target: Arc::new(target),
    };
    let http = Arc::new(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector),
    );
    Docker::connect_with_custom_transport(
        move |req: BollardRequest| {
            let http = Arc::clone(&http);
            async move {
                http.request(req)
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        // The authority is only the Host header: dial-stdio ignores it.
        Some("http://docker.ssh"),
        timeout_s,
        version,
    )
}

/// Spawns one `ssh` per connection hyper asks for.
#[derive(Clone)]
struct SshConnector {
    target: Arc<SshTarget>,
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let target = Arc::clone(&self.target);
        Box::pin(async move { SshStream::spawn(&target) })
    }
}

/// One `ssh` child's pipes, and the watcher that owns the child.
struct SshStream {
    stdin: ChildStdin,
    stdout: ChildStdout,
    /// Ends with how `ssh` ended: its exit and what it said on stderr.
    ended: Option<JoinHandle<Ended>>,
    /// Dropping it (with the connection) makes the watcher kill `ssh`.
    _kill: oneshot::Sender<()>,
    /// Read buffer, kept between polls (hyper's cursor is uninitialised).
    chunk: Box<[u8]>,
    host: String,
}

/// How an `ssh` ended.
struct Ended {
    success: bool,
    stderr: String,
}

impl SshStream {
    fn spawn(target: &SshTarget) -> io::Result<SshStream> {
        let mut child = Command::new("ssh")
            .args(target.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => {
                    io::Error::other("no ssh client on PATH (install openssh-client)")
                }
                _ => io::Error::other(format!("cannot start ssh: {e}")),
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let (kill, killed) = oneshot::channel();
        Ok(SshStream {
            stdin,
            stdout,
            ended: Some(tokio::spawn(watch(child, stderr, killed))),
            _kill: kill,
            chunk: vec![0u8; READ_CHUNK].into_boxed_slice(),
            host: target.host.clone(),
        })
    }

    /// Once the stream ends (stdout at EOF, or a write failing): waits for
    /// `ssh` to exit, and turns a failed exit into the connection's error in
    /// ssh's words. An exit 0 is a clean end whatever ssh printed (warnings).
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Error>> {
        let Some(handle) = self.ended.as_mut() else {
            return Poll::Ready(None);
        };
        let ended = ready!(Pin::new(handle).poll(cx));
        self.ended = None;
        Poll::Ready(match ended {
            Ok(Ended { success: true, .. }) => None,
            Ok(Ended { stderr, .. }) => Some(io::Error::other(format!(
                "ssh to {}: {}",
                self.host,
                last_line(&stderr).unwrap_or_else(|| "ssh exited with an error".into())
            ))),
            Err(_) => None,
        })
    }
}

/// Owns `ssh`: collects its stderr (bounded), and kills it when the
/// connection is dropped. Returns once ssh exited, with what stderr had
/// said by then: waiting for stderr's end instead could wait for ever on a
/// descendant (a ProxyCommand's helper) that keeps it open.
async fn watch(mut child: Child, mut stderr: ChildStderr, killed: oneshot::Receiver<()>) -> Ended {
    let kept = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&kept);
    let collector = tokio::spawn(async move {
        let mut chunk = [0u8; 1024];
        while let Ok(n) = stderr.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            let mut kept = sink.lock().unwrap_or_else(|e| e.into_inner());
            kept.extend_from_slice(&chunk[..n]);
            if kept.len() > STDERR_CAP {
                let excess = kept.len() - STDERR_CAP;
                kept.drain(..excess);
            }
        }
    });
    let status = tokio::select! {
        status = child.wait() => status.ok(),
        _ = killed => {
            let _ = child.kill().await;
            None
        }
    };
    // The rest of stderr, briefly: ssh wrote it before exiting.
    let _ = tokio::time::timeout(STDERR_GRACE, collector).await;
    let text =
        String::from_utf8_lossy(&kept.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    Ended {
        success: status.is_some_and(|s| s.success()),
        stderr: text,
    }
}

/// The last line `ssh` printed that says what went wrong (not a warning),
/// without control characters.
fn last_line(text: &str) -> Option<String> {
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with("Warning:") && !l.starts_with("**"))?;
    Some(line.chars().filter(|c| !c.is_control()).collect())
}

impl Read for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let room = buf.remaining().min(this.chunk.len());
        if room == 0 {
            return Poll::Ready(Ok(()));
        }
        // Through a buffer of our own: a safe read into hyper's
        // uninitialised cursor.
        let mut read = tokio::io::ReadBuf::new(&mut this.chunk[..room]);
        ready!(Pin::new(&mut this.stdout).poll_read(cx, &mut read))?;
        let n = read.filled().len();
        if n == 0 {
            return match ready!(this.poll_end(cx)) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Ready(Ok(())),
            };
        }
        buf.put_slice(&this.chunk[..n]);
        Poll::Ready(Ok(()))
    }
}

impl SshStream {
    /// A failed write on ssh's stdin: ssh's own words when it exited.
    fn poll_write_error(&mut self, cx: &mut Context<'_>, e: io::Error) -> Poll<io::Error> {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Poll::Ready(e);
        }
        Poll::Ready(ready!(self.poll_end(cx)).unwrap_or(e))
    }
}

impl Write for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match ready!(Pin::new(&mut this.stdin).poll_write(cx, buf)) {
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) => Poll::Ready(Err(ready!(this.poll_write_error(cx, e)))),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match ready!(Pin::new(&mut this.stdin).poll_flush(cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(ready!(this.poll_write_error(cx, e)))),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_shutdown(cx)
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_host_and_port() {
        let t = SshTarget::parse("op@signer-1:2222").unwrap();
        assert_eq!(t.user.as_deref(), Some("op"));
        assert_eq!(t.host, "signer-1");
        assert_eq!(t.port, Some(2222));
        let t = SshTarget::parse("[fd00::5]:22/").unwrap();
        assert_eq!(
            (t.user, t.host.as_str(), t.port),
            (None, "fd00::5", Some(22))
        );
        assert_eq!(SshTarget::parse("host").unwrap().port, None);
    }

    #[test]
    fn refuses_what_ssh_would_read_as_an_option() {
        for bad in [
            "-oProxyCommand=x",
            "-u@host",
            "@host",
            "host:0",
            "host:x",
            "host/path",
            "a b",
            "",
            "[::1",
            "h$(id)",
            "u;x@h",
            "h`x`",
            "%h",
        ] {
            assert!(SshTarget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn runs_dial_stdio_without_prompting() {
        let args = SshTarget::parse("op@h:2200").unwrap().args();
        let joined = args.join(" ");
        assert!(joined.contains("-o BatchMode=yes"), "{joined}");
        assert!(
            joined.ends_with("-l op -p 2200 -- h docker system dial-stdio"),
            "{joined}"
        );
    }

    #[test]
    fn the_last_stderr_line_is_the_cause() {
        assert_eq!(
            last_line("Warning: x\r\nroot@h: Permission denied (publickey).\n\n").as_deref(),
            Some("root@h: Permission denied (publickey).")
        );
        assert_eq!(last_line(" \n"), None);
        assert_eq!(
            last_line("ssh: connect to host h port 22: Connection refused\r\nWarning: x\n")
                .as_deref(),
            Some("ssh: connect to host h port 22: Connection refused")
        );
    }
}
