//! Docker over `ssh://`: the system `ssh` client runs `docker system
//! dial-stdio` on the engine's host, and HTTP flows over its stdin and stdout.
//!
//! This is what the docker CLI does (its "commandconn"), so an operator's
//! `~/.ssh/config`, agent, known_hosts and ControlMaster settings apply
//! unchanged. lsm adds only what a non-interactive tool needs: `BatchMode`
//! (never prompt: an unknown host key or a missing key is an error, not a
//! question nobody answers), a connect timeout, and keep-alives, so a link
//! that goes dead mid-run ends the connection within about 15 seconds
//! instead of hanging until TCP gives up.
//!
//! One `ssh` process per HTTP connection, pooled by hyper like any other
//! connection; each is killed when its connection is dropped. When `ssh`
//! fails (host key, authentication, DNS, timeout), the connection ends with
//! `ssh`'s own last stderr line as the cause.

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
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

/// Seconds `ssh` may take to open its TCP connection (`ConnectTimeout`).
pub const SSH_CONNECT_TIMEOUT_S: u32 = 10;
/// Keep-alive probe interval and how many may go unanswered: a dead link
/// ends the connection after about 5 × 3 seconds.
const SERVER_ALIVE_INTERVAL_S: u32 = 5;
const SERVER_ALIVE_COUNT_MAX: u32 = 3;
/// How much of `ssh`'s stderr is kept for the error message.
const STDERR_CAP: usize = 4096;

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
        Ok(SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        })
    }

    /// The `ssh` arguments that run `docker system dial-stdio` there.
    fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = [
            "-T".to_string(),
            "-e".into(),
            "none".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            format!("ConnectTimeout={SSH_CONNECT_TIMEOUT_S}"),
            "-o".into(),
            format!("ServerAliveInterval={SERVER_ALIVE_INTERVAL_S}"),
            "-o".into(),
            format!("ServerAliveCountMax={SERVER_ALIVE_COUNT_MAX}"),
        ]
        .into();
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

/// One `ssh` child, its pipes, and the collector of its stderr.
struct SshStream {
    _child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    /// Ends with `ssh`'s stderr once `ssh` closes it (at exit).
    stderr: Option<JoinHandle<String>>,
    host: String,
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
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let collector = tokio::spawn(async move {
            let mut kept = Vec::new();
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                kept.extend_from_slice(&chunk[..n]);
                if kept.len() > STDERR_CAP {
                    kept.drain(..kept.len() - STDERR_CAP);
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        });
        Ok(SshStream {
            _child: child,
            stdin,
            stdout,
            stderr: Some(collector),
            host: target.host.clone(),
        })
    }

    /// At end of stdout: waits for `ssh`'s stderr and turns a complaint
    /// into the connection's error; a quiet end is a clean end of stream.
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(handle) = self.stderr.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let text = ready!(Pin::new(handle).poll(cx)).unwrap_or_default();
        self.stderr = None;
        match last_line(&text) {
            Some(line) => Poll::Ready(Err(io::Error::other(format!(
                "ssh to {}: {line}",
                self.host
            )))),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// The last non-empty line `ssh` printed, without control characters.
fn last_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    Some(line.chars().filter(|c| !c.is_control()).collect())
}

impl Read for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let room = buf.remaining();
        if room == 0 {
            return Poll::Ready(Ok(()));
        }
        // Through a small copy: a safe read into hyper's uninitialised cursor.
        let mut chunk = [0u8; 16 * 1024];
        let mut read = tokio::io::ReadBuf::new(&mut chunk[..room.min(16 * 1024)]);
        ready!(Pin::new(&mut this.stdout).poll_read(cx, &mut read))?;
        if read.filled().is_empty() {
            return this.poll_end(cx);
        }
        buf.put_slice(read.filled());
        Poll::Ready(Ok(()))
    }
}

impl Write for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stdin).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_flush(cx)
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
    }
}
