//! Parsers for the manifest's string formats (names, image references,
//! binds, paths, keys, ...). Each returns the typed value or a reason and a
//! fix; callers add the key and the location. Shared by the manifest and
//! versions.env so one image reference rule applies to both.

use crate::diagnostic::quote;
use crate::lnd::permissions::Permission;
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};

/// Why a value was refused and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub reason: String,
    pub help: String,
}

pub(crate) type FieldResult<T> = Result<T, FieldError>;

fn fail<T>(reason: impl Into<String>, help: impl Into<String>) -> FieldResult<T> {
    Err(FieldError {
        reason: reason.into(),
        help: help.into(),
    })
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// True when `s` starts with a character `first` accepts and every other
/// character is ASCII alphanumeric or one of `others`.
fn charset(s: &str, first: fn(char) -> bool, others: &[char]) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(first)
        && chars.all(|c| c.is_ascii_alphanumeric() || others.contains(&c))
}

/// A container / instance name: `[a-zA-Z0-9][a-zA-Z0-9_.-]*` (Docker's rule).
pub fn name(s: &str) -> FieldResult<String> {
    if charset(s, |c| c.is_ascii_alphanumeric(), &['_', '.', '-']) {
        Ok(s.to_string())
    } else {
        fail(
            format!("{} is not a valid name", quote(s)),
            "start with a letter or digit, then use only letters, digits, '_', '.' and '-' (e.g. \"litd-signer\")",
        )
    }
}

/// A Docker volume or network name: a name of at least two characters.
pub fn docker_object_name(s: &str) -> FieldResult<String> {
    let n = name(s)?;
    if n.len() < 2 {
        return fail(
            format!("{} is too short", quote(s)),
            "Docker needs at least two characters here",
        );
    }
    Ok(n)
}

/// Docker network modes that are not a network to join: each would undo
/// the declared binds (`host` shares the host's interfaces, so Docker
/// ignores the published ports and lnd's 0.0.0.0 binds listen everywhere;
/// `none` and `container:<id>` leave no published ports at all).
pub(crate) const REFUSED_NETWORK_MODES: &[&str] = &["host", "none"];

/// A user-defined Docker network to join: a Docker name, and not one of the
/// network modes that bypass the published ports.
pub(crate) fn docker_network(s: &str) -> FieldResult<String> {
    let why = if REFUSED_NETWORK_MODES.contains(&s) {
        Some(format!(
            "{} is Docker's {s} network mode, not a network to join",
            quote(s)
        ))
    } else if s.starts_with("container:") {
        Some(format!(
            "{} shares another container's network namespace",
            quote(s)
        ))
    } else {
        None
    };
    if let Some(reason) = why {
        return fail(
            format!(
                "{reason}: Docker would ignore the published ports, so rpc.listen and rest.listen would not hold (lnd binds 0.0.0.0 inside the container)"
            ),
            "remove docker.network to use Docker's default bridge, or name a user-defined network (`docker network create signer-net`)",
        );
    }
    docker_object_name(s)
}

/// lnd's alias: at most 32 bytes, printable.
pub(crate) fn alias(s: &str) -> FieldResult<String> {
    if has_control(s) {
        return fail(
            format!("{} contains control characters", quote(s)),
            "use printable characters only",
        );
    }
    if s.len() > 32 {
        return fail(
            format!(
                "{} is {} bytes long; lnd allows at most 32",
                quote(s),
                s.len()
            ),
            "shorten the alias (non-ASCII characters take several bytes)",
        );
    }
    Ok(s.to_string())
}

/// An image repository without tag or digest, e.g. `lightninglabs/lnd` or
/// `registry.example.com:5000/team/lnd`, as written in the manifest.
pub(crate) fn image(s: &str) -> FieldResult<String> {
    image_with(
        s,
        |tag| {
            format!(
                "put the tag in docker.version = {} and keep only the repository here",
                quote(tag)
            )
        },
        |digest| {
            format!(
                "put the digest in docker.digest = {} and keep only the repository here",
                quote(digest)
            )
        },
    )
}

/// [`image`]'s rule with the fixes for a tag or a digest written in it
/// supplied by the caller: the manifest and versions.env name the place
/// for them differently.
pub(crate) fn image_with(
    s: &str,
    tag_fix: impl Fn(&str) -> String,
    digest_fix: impl Fn(&str) -> String,
) -> FieldResult<String> {
    if let Some((_, digest)) = s.split_once('@') {
        return fail(
            format!("{} includes a digest", quote(s)),
            digest_fix(digest),
        );
    }
    let mut parts: Vec<&str> = s.split('/').collect();
    // A first component with '.' or ':' (or "localhost") is a registry host.
    let registry = if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        Some(parts.remove(0))
    } else {
        None
    };
    if let Some(last) = parts.last()
        && let Some((repo, tag)) = last.split_once(':')
        && !repo.is_empty()
    {
        return fail(format!("{} includes a tag", quote(s)), tag_fix(tag));
    }
    let registry_ok = registry.is_none_or(|r| {
        let (host, port) = r.split_once(':').unwrap_or((r, ""));
        !host.is_empty()
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            && (port.is_empty() && !r.ends_with(':') || port.parse::<u16>().is_ok_and(|p| p > 0))
    });
    let path_ok = !parts.is_empty() && parts.iter().all(|p| repository_component(p));
    if registry_ok && path_ok {
        Ok(s.to_string())
    } else {
        fail(
            format!("{} is not a valid image repository", quote(s)),
            "use lowercase path components separated by '/', optionally after a registry host, e.g. \"lightninglabs/lnd\"",
        )
    }
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-` (Docker's grammar).
fn repository_component(p: &str) -> bool {
    if p.is_empty() {
        return false;
    }
    let bytes = p.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if alnum(b) {
            i += 1;
            continue;
        }
        // a separator run
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &p[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// An image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn tag(s: &str) -> FieldResult<String> {
    let ok = s.len() <= 128
        && charset(
            s,
            |c| c.is_ascii_alphanumeric() || c == '_',
            &['_', '.', '-'],
        );
    if ok {
        Ok(s.to_string())
    } else {
        fail(
            format!("{} is not a valid image tag", quote(s)),
            "use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-'), e.g. \"v0.20.0-beta\"",
        )
    }
}

/// `sha256:` + 64 lowercase hex digits.
pub fn digest(s: &str) -> FieldResult<String> {
    let hex = s.strip_prefix("sha256:");
    match hex {
        Some(h)
            if h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(s.to_string())
        }
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => fail(
            format!("{} has uppercase hex digits", quote(s)),
            "Docker digests are lowercase; write the hex in lowercase",
        ),
        _ => fail(
            format!("{} is not an image digest", quote(s)),
            "write sha256: followed by 64 hex digits, as `docker images --digests` shows it",
        ),
    }
}

/// A Docker endpoint URL.
pub(crate) fn docker_host(s: &str) -> FieldResult<String> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return fail(
            format!("{} has no scheme", quote(s)),
            "write e.g. \"unix:///var/run/docker.sock\", \"tcp://10.0.0.5:2376\" or \"ssh://user@host\"",
        );
    };
    if rest.is_empty() || has_control(rest) || rest.contains(char::is_whitespace) {
        return fail(
            format!("{} has no address after the scheme", quote(s)),
            "write e.g. \"unix:///var/run/docker.sock\" or \"tcp://10.0.0.5:2376\"",
        );
    }
    match scheme {
        "unix" if rest.starts_with('/') => Ok(s.to_string()),
        "unix" => fail(
            format!("{} is not an absolute socket path", quote(s)),
            "write unix:// followed by an absolute path, e.g. \"unix:///var/run/docker.sock\"",
        ),
        "tcp" | "http" | "https" => Ok(s.to_string()),
        "ssh" => match lsm_docker::SshTarget::parse(rest) {
            Ok(_) => Ok(s.to_string()),
            Err(why) => fail(
                format!("{} is not an ssh endpoint: {why}", quote(s)),
                "write ssh://[user@]host[:port], e.g. \"ssh://op@signer-host\"",
            ),
        },
        other => fail(
            format!("unsupported scheme {}", quote(other)),
            "use unix://, tcp://, http://, https:// or ssh://",
        ),
    }
}

/// A listener bind: `IPv4:port` or `[IPv6]:port`, port 1–65535 written
/// without leading zeros, no IPv6 zone (exactly what the schema's pattern
/// accepts, so editors and lsm agree).
pub fn bind(s: &str) -> FieldResult<SocketAddr> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        if addr.port() == 0 {
            return fail(
                format!("{} has port 0", quote(s)),
                "use a fixed port from 1 to 65535; the watch-only node must know where to dial",
            );
        }
        if s.rsplit_once(':')
            .is_some_and(|(_, port)| port.starts_with('0'))
        {
            return fail(
                format!("the port in {} has a leading zero", quote(s)),
                format!("write it as {addr}"),
            );
        }
        if s.contains('%') {
            return fail(
                format!("{} has an IPv6 zone", quote(s)),
                "Docker and lnd bind an address, not an interface: drop the %zone, e.g. \"[fe80::1]:10012\", or use a global address",
            );
        }
        return Ok(addr);
    }
    let example = "e.g. \"0.0.0.0:10012\", \"127.0.0.1:10013\" or \"[::1]:10012\"";
    let Some((host, port)) = s.rsplit_once(':') else {
        if s.parse::<IpAddr>().is_ok() || s.parse::<u32>().is_ok() {
            return fail(
                format!("{} has no port or no address", quote(s)),
                format!("write address and port, {example}"),
            );
        }
        return fail(
            format!("{} is not IP:port", quote(s)),
            format!("write address and port, {example}"),
        );
    };
    if let Ok(p) = port.parse::<u64>()
        && (p == 0 || p > 65535)
    {
        return fail(
            format!("port {p} in {} is out of range", quote(s)),
            "ports are 1 to 65535",
        );
    }
    if host.parse::<std::net::Ipv6Addr>().is_ok() || s.parse::<std::net::Ipv6Addr>().is_ok() {
        return fail(
            format!("{} is an IPv6 address without brackets", quote(s)),
            "write IPv6 binds as [address]:port, e.g. \"[::]:10012\"",
        );
    }
    if port.parse::<u16>().is_err() {
        return fail(
            format!("{} has no valid port", quote(s)),
            format!("write address and port, {example}"),
        );
    }
    if !host.is_empty() && host.parse::<IpAddr>().is_err() {
        return fail(
            format!("{} uses a host name; a bind needs an IP address", quote(s)),
            format!("use an IP address, {example}"),
        );
    }
    fail(
        format!("{} is not IP:port", quote(s)),
        format!("write address and port, {example}"),
    )
}

/// An IP address (for the TLS certificate).
pub(crate) fn ip(s: &str) -> FieldResult<IpAddr> {
    s.parse::<IpAddr>().or_else(|_| {
        if dns_name(s).is_ok() {
            fail(
                format!("{} is a host name, not an IP address", quote(s)),
                "put host names in rpc.tls_extra_domains",
            )
        } else {
            fail(
                format!("{} is not an IP address", quote(s)),
                "write e.g. \"10.0.0.5\" or \"fd00::5\"",
            )
        }
    })
}

/// A DNS name for the TLS certificate (a leading `*.` wildcard is allowed).
pub(crate) fn dns_name(s: &str) -> FieldResult<String> {
    if s.parse::<IpAddr>().is_ok() {
        return fail(
            format!("{} is an IP address", quote(s)),
            "put IP addresses in rpc.tls_extra_ips",
        );
    }
    let body = s.strip_prefix("*.").unwrap_or(s);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !body.is_empty() && s.len() <= 253 && body.split('.').all(label_ok) {
        Ok(s.to_string())
    } else {
        fail(
            format!("{} is not a valid DNS name", quote(s)),
            "use letters, digits and '-' in dot-separated labels, e.g. \"signer.internal\"",
        )
    }
}

/// `host` or `host:port` (host name, IPv4 or `[IPv6]`).
pub(crate) fn host_port(s: &str) -> FieldResult<String> {
    let example = "e.g. \"node.example.com:18333\", \"10.0.0.5\" or \"[fd00::5]:8333\"";
    let bad = || fail(format!("{} is not host or host:port", quote(s)), example);
    if s.parse::<SocketAddr>().is_ok() || s.parse::<IpAddr>().is_ok() {
        return Ok(s.to_string());
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return bad();
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() || dns_name(host).is_ok() {
        Ok(s.to_string())
    } else {
        bad()
    }
}

/// A ZMQ endpoint: `tcp://host:port`.
/// A chain backend's RPC user name: no blanks or control characters.
pub(crate) fn rpc_user(s: &str) -> FieldResult<String> {
    if s.is_empty() || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Err(FieldError {
            reason: format!("{} is not a user name", crate::diagnostic::quote(s)),
            help: "write the RPC user without spaces".into(),
        })
    } else {
        Ok(s.to_string())
    }
}

pub(crate) fn zmq_endpoint(s: &str) -> FieldResult<String> {
    match s.strip_prefix("tcp://") {
        Some(rest) if rest.contains(':') && host_port(rest).is_ok() => Ok(s.to_string()),
        _ => fail(
            format!("{} is not a ZMQ endpoint", quote(s)),
            "write tcp://host:port as in bitcoind's zmqpubrawblock, e.g. \"tcp://127.0.0.1:28332\"",
        ),
    }
}

/// An http(s) URL.
pub(crate) fn url(s: &str) -> FieldResult<String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r)
            if !r.is_empty()
                && !r.starts_with('/')
                && !r.contains(char::is_whitespace)
                && !has_control(r) =>
        {
            Ok(s.to_string())
        }
        _ => fail(
            format!("{} is not an http(s) URL", quote(s)),
            "write e.g. \"https://nodes.lightning.computer/fees/v1/btc-fee-estimates.json\"",
        ),
    }
}

/// A compressed secp256k1 public key: 66 hex characters starting 02 or 03.
/// Returned in lowercase, as lnd prints it.
pub fn pubkey(s: &str) -> FieldResult<String> {
    let hex_ok = s.len() == 66 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if hex_ok && (s.starts_with("02") || s.starts_with("03")) {
        return Ok(s.to_ascii_lowercase());
    }
    let reason = if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{} is not hex", quote(s))
    } else if s.len() != 66 {
        format!("{} has {} characters, not 66", quote(s), s.len())
    } else {
        format!("{} does not start with 02 or 03", quote(s))
    };
    fail(
        reason,
        "write the 33-byte compressed identity key as 66 hex characters, as `lncli getinfo` shows identity_pubkey",
    )
}

/// A macaroon permission, parsed by the same code the macaroon codec uses.
pub fn permission(s: &str) -> FieldResult<Permission> {
    s.parse::<Permission>().map_err(|e| FieldError {
        reason: e.to_string(),
        help:
            "write \"entity:action\" (e.g. \"signer:generate\") or \"uri:/package.Service/Method\""
                .into(),
    })
}

/// Where the home directory and the manifest live, for path expansion.
#[derive(Debug, Clone)]
pub(crate) struct PathBase<'a> {
    pub home: Option<&'a Path>,
    pub manifest_dir: &'a Path,
}

/// A filesystem path: `~` and `~/x` expand to the home directory, relative
/// paths are taken relative to the manifest's directory (as compose does),
/// `.` and `..` are folded away. The result is absolute.
pub(crate) fn path(s: &str, base: &PathBase<'_>) -> FieldResult<PathBuf> {
    if s.is_empty() {
        return fail(
            "the path is empty",
            "write a path, e.g. \"~/.lnget/signer\"",
        );
    }
    if s.contains('\0') {
        return fail(
            format!("{} contains a NUL character", quote(s)),
            "remove the \\u0000 escape",
        );
    }
    let expanded = if s == "~" || s.starts_with("~/") {
        let Some(home) = base.home else {
            return fail(
                format!(
                    "{} starts with ~ but the home directory is unknown",
                    quote(s)
                ),
                "set HOME, or write an absolute path",
            );
        };
        if !home.is_absolute() {
            // A relative HOME would make every `~` path depend on where
            // lsm happens to run: secrets written to a different place each time.
            return fail(
                format!(
                    "{} starts with ~ but the home directory {} is not an absolute path",
                    quote(s),
                    quote(&home.to_string_lossy())
                ),
                "set HOME to an absolute path (e.g. HOME=/home/op), or write an absolute path here",
            );
        }
        home.join(s.trim_start_matches('~').trim_start_matches('/'))
    } else if s.starts_with('~') {
        return fail(
            format!("{} uses ~user, which lsm does not expand", quote(s)),
            "write ~/... for your own home directory, or an absolute path",
        );
    } else {
        base.manifest_dir.join(s)
    };
    Ok(normalize(&expanded))
}

/// Directories lsm must never take for its own (secrets_dir, the bundle,
/// lnd_dir): it would chmod, write and clean them. `/` and the home
/// directory itself are refused as well (see [`own_dir`]).
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/dev/shm",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/run/user",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/share",
    "/var",
    "/var/lib",
    "/var/log",
    "/var/run",
    "/var/tmp",
];

/// A directory lsm will own (`[wallet] secrets_dir`, `[bundle] path`,
/// `[native] lnd_dir`): a [`path`] that is not `/`, not the home directory
/// itself and not a system directory such as `/etc` or `/tmp`. (An
/// existing directory is checked again when lsm uses it: it must be the
/// user's own, not writable by others, and hold only lsm's files.)
pub(crate) fn own_dir(s: &str, base: &PathBase<'_>) -> FieldResult<PathBuf> {
    let dir = path(s, base)?;
    let what = if dir.parent().is_none() {
        Some("the file system root")
    } else if base.home.is_some_and(|h| normalize(h) == dir) {
        Some("your home directory itself")
    } else if SYSTEM_DIRS.iter().any(|d| Path::new(d) == dir) {
        Some("a system directory")
    } else {
        None
    };
    match what {
        Some(what) => fail(
            format!(
                "{} is {what}{}; lsm would set its mode and write, replace and remove files \
                 in it",
                quote(s),
                if s == dir.to_string_lossy() {
                    String::new()
                } else {
                    format!(" ({})", dir.display())
                }
            ),
            "name a directory of its own, which lsm creates (e.g. \"~/.lnget/signer\")",
        ),
        None => Ok(dir),
    }
}

/// Folds `.` and `..` lexically (symlinks are not resolved: the directory
/// may not exist yet).
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The lnd binary: a bare name is looked up in PATH at run time, anything
/// with a '/' or a leading `~` is a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LndBinary {
    /// Found through PATH when lsm starts lnd.
    Search(String),
    /// An absolute path.
    Path(PathBuf),
}

/// Serialised as the string the operator would write: a bare name never
/// contains '/', a path is always absolute, so the two cannot be confused.
impl serde::Serialize for LndBinary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for LndBinary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LndBinary::Search(n) => f.write_str(n),
            LndBinary::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

pub(crate) fn lnd_binary(s: &str, base: &PathBase<'_>) -> FieldResult<LndBinary> {
    if s.contains('/') || s.starts_with('~') || s == "." || s == ".." {
        return path(s, base).map(LndBinary::Path);
    }
    if s.is_empty() || has_control(s) || s.contains(char::is_whitespace) {
        return fail(
            format!("{} is not a program name", quote(s)),
            "write a program name found in PATH (\"lnd\") or a path (\"/usr/local/bin/lnd\")",
        );
    }
    Ok(LndBinary::Search(s.to_string()))
}

/// An lnd.conf option name, e.g. `routing.strictgraphpruning`.
pub(crate) fn lnd_conf_key(s: &str) -> FieldResult<String> {
    let ok = charset(s, |c| c.is_ascii_alphanumeric(), &['.', '-', '_'])
        && !s.ends_with('.')
        && !s.contains("..");
    if ok {
        Ok(s.to_string())
    } else {
        fail(
            format!("{} is not an lnd option name", quote(s)),
            "use lnd's option name as in lnd.conf, e.g. \"routing.strictgraphpruning\"",
        )
    }
}

/// A string value for lnd.conf: one line, no control characters (a newline
/// would smuggle in a second option, e.g. one lsm manages).
pub(crate) fn lnd_conf_value(s: &str) -> FieldResult<String> {
    if has_control(s) {
        fail(
            format!("{} contains a line break or control character", quote(s)),
            "lnd.conf values are single lines; use an array for repeated options",
        )
    } else {
        Ok(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(name("litd-signer").is_ok());
        assert!(name("a").is_ok());
        assert!(name("A_b.c-1").is_ok());
        for bad in ["", "-x", "_x", ".x", "a b", "a/b", "ä"] {
            assert!(name(bad).is_err(), "{bad}");
        }
        assert!(docker_object_name("a").is_err());
        assert!(docker_object_name("ab").is_ok());
        assert!(docker_network("signer-net").is_ok());
        assert!(docker_network("bridge").is_ok());
        for mode in ["host", "none", "container:lnd", "container:"] {
            let e = docker_network(mode).unwrap_err();
            assert!(e.reason.contains("published ports"), "{mode}: {e:?}");
            assert!(e.help.contains("remove docker.network"), "{mode}: {e:?}");
        }
    }

    #[test]
    fn images() {
        for good in [
            "lightninglabs/lnd",
            "lnd",
            "registry.example.com:5000/team/lnd",
            "localhost/lnd",
            "a__b/c-d",
            "a---b",
        ] {
            assert!(image(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Lightninglabs/lnd",
            "a//b",
            "a/",
            "-a",
            "a_",
            "a...b",
            "reg:99999/x",
        ] {
            assert!(image(bad).is_err(), "{bad}");
        }
        assert!(
            image("lightninglabs/lnd:v0.20.0-beta")
                .unwrap_err()
                .help
                .contains("docker.version")
        );
        assert!(
            image("lightninglabs/lnd@sha256:00")
                .unwrap_err()
                .help
                .contains("docker.digest")
        );
    }

    #[test]
    fn tags_and_digests() {
        assert!(tag("v0.20.0-beta").is_ok());
        assert!(tag("-x").is_err());
        assert!(tag(&"a".repeat(129)).is_err());
        let d = format!("sha256:{}", "a".repeat(64));
        assert!(digest(&d).is_ok());
        assert!(
            digest(&d.to_uppercase().replace("SHA256", "sha256"))
                .unwrap_err()
                .reason
                .contains("uppercase")
        );
        assert!(digest("sha256:abc").is_err());
        assert!(digest(&format!("sha512:{}", "a".repeat(64))).is_err());
    }

    #[test]
    fn binds() {
        assert_eq!(bind("0.0.0.0:10012").unwrap().port(), 10012);
        assert!(bind("[::1]:10013").unwrap().is_ipv6());
        assert!(bind("0.0.0.0:0").unwrap_err().reason.contains("port 0"));
        assert!(
            bind("0.0.0.0:70000")
                .unwrap_err()
                .reason
                .contains("out of range")
        );
        assert!(
            bind("localhost:10012")
                .unwrap_err()
                .reason
                .contains("host name")
        );
        assert!(
            bind("::1:10012")
                .unwrap_err()
                .reason
                .contains("without brackets")
        );
        assert!(
            bind("0.0.0.0:010012")
                .unwrap_err()
                .help
                .contains("0.0.0.0:10012")
        );
        assert!(bind("[fe80::1%2]:1").unwrap_err().reason.contains("zone"));
        assert!(bind("10012").is_err());
        assert!(bind("0.0.0.0").is_err());
        assert!(bind("").is_err());
    }

    #[test]
    fn ips_domains_hosts() {
        assert!(ip("10.0.0.5").is_ok());
        assert!(ip("signer").unwrap_err().help.contains("tls_extra_domains"));
        assert!(dns_name("signer").is_ok());
        assert!(dns_name("*.example.com").is_ok());
        assert!(
            dns_name("10.0.0.1")
                .unwrap_err()
                .help
                .contains("tls_extra_ips")
        );
        assert!(dns_name("a..b").is_err());
        assert!(dns_name("-a").is_err());
        assert!(host_port("node:8333").is_ok());
        assert!(host_port("[fd00::5]:8333").is_ok());
        assert!(host_port("node:0").is_err());
        assert!(host_port("no de").is_err());
        assert!(zmq_endpoint("tcp://127.0.0.1:28332").is_ok());
        assert!(zmq_endpoint("127.0.0.1:28332").is_err());
        assert!(url("https://example.com/fees").is_ok());
        assert!(url("ftp://x").is_err());
    }

    #[test]
    fn pubkeys() {
        let k = format!("02{}", "Ab".repeat(32));
        assert_eq!(pubkey(&k).unwrap(), k.to_lowercase());
        assert!(
            pubkey(&format!("04{}", "ab".repeat(32)))
                .unwrap_err()
                .reason
                .contains("02 or 03")
        );
        assert!(pubkey("02ab").unwrap_err().reason.contains("not 66"));
        assert!(
            pubkey(&format!("02{}", "zz".repeat(32)))
                .unwrap_err()
                .reason
                .contains("not hex")
        );
    }

    #[test]
    fn paths() {
        let base = PathBase {
            home: Some(Path::new("/home/op")),
            manifest_dir: Path::new("/etc/lsm"),
        };
        assert_eq!(path("~", &base).unwrap(), PathBuf::from("/home/op"));
        assert_eq!(
            path("~/x/./y", &base).unwrap(),
            PathBuf::from("/home/op/x/y")
        );
        assert_eq!(
            path("data/../secrets", &base).unwrap(),
            PathBuf::from("/etc/lsm/secrets")
        );
        assert_eq!(path("/abs", &base).unwrap(), PathBuf::from("/abs"));
        assert!(path("~bob/x", &base).is_err());
        assert!(path("a\0b", &base).is_err());
        let homeless = PathBase {
            home: None,
            ..base.clone()
        };
        assert!(path("~/x", &homeless).is_err());
        let relative_home = PathBase {
            home: Some(Path::new("op")),
            ..base.clone()
        };
        let e = path("~/x", &relative_home).unwrap_err();
        assert!(e.reason.contains("is not an absolute path"), "{e:?}");
        assert!(e.help.contains("set HOME to an absolute path"), "{e:?}");
        assert_eq!(
            lnd_binary("lnd", &base).unwrap(),
            LndBinary::Search("lnd".into())
        );
        assert_eq!(
            lnd_binary("./bin/lnd", &base).unwrap(),
            LndBinary::Path(PathBuf::from("/etc/lsm/bin/lnd"))
        );
    }

    #[test]
    fn lnd_conf() {
        assert!(lnd_conf_key("routing.strictgraphpruning").is_ok());
        assert!(lnd_conf_key("protocol.wumbo-channels").is_ok());
        for bad in ["", ".a", "a.", "a..b", "a b", "a=b"] {
            assert!(lnd_conf_key(bad).is_err(), "{bad}");
        }
        assert!(lnd_conf_value("x\nnolisten=0").is_err());
        assert!(lnd_conf_value("ok value").is_ok());
    }
}
