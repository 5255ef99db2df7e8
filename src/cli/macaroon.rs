//! `lsm macaroon inspect FILE|HEX|-`: shows what an lnd macaroon allows
//! (location, root key id, permissions, caveats) without ever printing the
//! macaroon itself — only fingerprints — so the output is safe to paste.

use crate::cli::Context;
use crate::diagnostic::escape_line as esc;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::lnd::macaroon::{Caveat, CaveatKind, Macaroon, format_rfc3339};
use crate::lnd::permissions::{self, Permission};
use crate::output::style;
use crate::regular_file;
use serde::Serialize;
use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::time::SystemTime;
use zeroize::Zeroizing;

#[derive(Debug, clap::Args)]
pub(crate) struct MacaroonArgs {
    #[command(subcommand)]
    pub command: MacaroonCommand,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum MacaroonCommand {
    /// Show a macaroon's location, root key id, permissions and caveats.
    ///
    /// Prints fingerprints, never the macaroon. Prefer a file or `-` (stdin)
    /// over HEX: command-line arguments end up in shell history and `ps`.
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// A macaroon file (binary as lnd writes it, or hex text), `-` for
    /// standard input, or the macaroon as hex.
    #[arg(value_name = "FILE|HEX|-")]
    pub input: OsString,
}

pub(crate) fn run(args: &MacaroonArgs, ctx: &Context) -> CmdResult {
    match &args.command {
        MacaroonCommand::Inspect(a) => inspect(a, ctx),
    }
}

fn inspect(args: &InspectArgs, ctx: &Context) -> CmdResult {
    let (name, bytes) = read_input(&args.input)?;
    let mac = Macaroon::from_hex_or_bytes(&bytes).map_err(|e| not_a_macaroon(&name, e))?;
    let id = mac.id().map_err(|e| not_a_macaroon(&name, e))?;
    let root_key_id = mac.root_key_id().map_err(|e| not_a_macaroon(&name, e))?;
    let perms = mac.permissions().map_err(|e| not_a_macaroon(&name, e))?;
    let now = SystemTime::now();
    let report = Report {
        location: mac.location_str(),
        root_key_id: root_key_id.to_string(),
        permissions: perms.iter().map(ToString::to_string).collect(),
        caveats: mac
            .caveats()
            .iter()
            .map(|c| CaveatReport::new(c, now))
            .collect(),
        nonce: hex::encode(&id.nonce),
        fingerprint: mac.fingerprint(),
        signature_fingerprint: mac.signature_fingerprint(),
    };
    if ctx.output.json {
        ctx.output.print_json(&report)?;
    } else {
        print_human(&report, &perms);
    }
    Ok(Exit::Ok)
}

/// What `--json` prints. Field names are part of lsm's interface.
#[derive(Debug, Serialize)]
struct Report {
    location: Option<String>,
    /// Decimal string, as lnd's REST JSON renders uint64.
    root_key_id: String,
    permissions: Vec<String>,
    caveats: Vec<CaveatReport>,
    /// The identifier's random nonce (not secret; identifies this macaroon).
    nonce: String,
    fingerprint: String,
    signature_fingerprint: String,
}

#[derive(Debug, Serialize)]
struct CaveatReport {
    kind: &'static str,
    condition: String,
    /// time-before only: when it expires (UTC) and whether it already has.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired: Option<bool>,
}

impl CaveatReport {
    fn new(c: &Caveat, now: SystemTime) -> Self {
        let kind = c.kind();
        let (expires_at, expired) = match &kind {
            CaveatKind::TimeBefore { at, .. } => {
                (at.map(format_rfc3339), Some(kind.is_expired(now)))
            }
            _ => (None, None),
        };
        CaveatReport {
            kind: kind.name(),
            condition: c.condition(),
            expires_at,
            expired,
        }
    }
}

/// Names lnd's well-known permission sets, so an operator sees at a glance
/// that a "scoped" macaroon is really the admin one.
fn known_set(perms: &[Permission]) -> Option<&'static str> {
    [
        ("lnd's admin set", permissions::admin()),
        ("lnd's readonly set", permissions::readonly()),
        ("lnd's invoice set", permissions::invoice()),
        ("the watch-only signer set", permissions::signer_only()),
    ]
    .into_iter()
    .find(|(_, set)| set == perms)
    .map(|(name, _)| name)
}

/// Human output. The location, permissions and caveats come from the
/// macaroon, which anyone may have crafted: each is escaped, so a newline
/// or a bidi override in them cannot fake a line.
fn print_human(r: &Report, perms: &[Permission]) {
    let (b, d, w) = (style::BOLD, style::DIM, style::WARN);
    let row = |k: &str, v: &str| anstream::println!("{b}{k:<13}{b:#}{}", esc(v));
    row("macaroon", &r.fingerprint);
    row("location", r.location.as_deref().unwrap_or("(none)"));
    row("root key id", &r.root_key_id);
    row("nonce", &r.nonce);
    row("signature", &r.signature_fingerprint);
    let set = known_set(perms)
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    anstream::println!("{b}permissions{b:#}  {d}({}{set}){d:#}", perms.len());
    for p in &r.permissions {
        anstream::println!("  {}", esc(p));
    }
    if r.caveats.is_empty() {
        anstream::println!("{b}caveats{b:#}      {d}none{d:#}");
        return;
    }
    anstream::println!("{b}caveats{b:#}      {d}({}){d:#}", r.caveats.len());
    for c in &r.caveats {
        let cond = esc(&c.condition);
        match c.expired {
            Some(true) => anstream::println!("  {cond}  {w}(expired){w:#}"),
            Some(false) => anstream::println!("  {cond}  {d}(not yet expired){d:#}"),
            None => anstream::println!("  {cond}"),
        }
    }
}

/// lnd's macaroons are a few hundred bytes; a larger input is not one.
const MAX_MACAROON_FILE_BYTES: u64 = 1024 * 1024;

/// Reads the argument as stdin, a file, or hex text, and returns how to
/// name it in errors. Hex arguments are never echoed back.
fn read_input(arg: &OsString) -> Result<(String, Zeroizing<Vec<u8>>), Failure> {
    if arg == "-" {
        let mut buf = Zeroizing::new(Vec::new());
        std::io::stdin()
            .take(MAX_MACAROON_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::error(format!("cannot read standard input: {e}")))?;
        if buf.len() as u64 > MAX_MACAROON_FILE_BYTES {
            return Err(Failure::error(format!(
                "standard input holds more than {MAX_MACAROON_FILE_BYTES} bytes; that is not a macaroon"
            )));
        }
        return Ok(("standard input".to_string(), buf));
    }
    let path = Path::new(arg);
    if path.symlink_metadata().is_ok() {
        // Opened without blocking and checked: a FIFO or a device here is
        // refused, never waited on.
        let name = path.display().to_string();
        let bytes = regular_file::read(path, MAX_MACAROON_FILE_BYTES).map_err(|e| {
            Failure::error(format!("cannot read {name}: {e}"))
                .hint("pass a macaroon file, `-` to read standard input, or the macaroon as hex")
        })?;
        return Ok((name, bytes));
    }
    let text = arg.to_str().unwrap_or_default().trim();
    if !text.is_empty() && text.bytes().all(|c| c.is_ascii_hexdigit()) {
        // Short hex-looking words are more likely mistyped file names.
        let name = if text.len() < 64 {
            format!("\"{text}\" (no such file, so read as hex)")
        } else {
            format!("the hex argument ({} digits)", text.len())
        };
        return Ok((name, Zeroizing::new(text.as_bytes().to_vec())));
    }
    Err(neither_file_nor_hex(arg))
}

fn neither_file_nor_hex(arg: &OsString) -> Failure {
    let text = arg.to_string_lossy();
    let hexish = text.bytes().filter(u8::is_ascii_hexdigit).count();
    // A long, mostly-hex argument is probably a mangled macaroon: say where
    // it breaks, but do not print it.
    let shown = if text.len() > 64 && hexish * 10 >= text.len() * 9 {
        let pos = text
            .bytes()
            .position(|c| !c.is_ascii_hexdigit())
            .unwrap_or(0);
        format!(
            "the argument ({} characters; character {} is not a hex digit)",
            text.len(),
            pos + 1
        )
    } else {
        format!("\"{text}\"")
    };
    Failure::error(format!("{shown} is neither an existing file nor hex"))
        .hint("pass the path of a macaroon file (e.g. ~/.lnd/data/chain/bitcoin/mainnet/admin.macaroon), `-` to read standard input, or the macaroon as hex")
}

fn not_a_macaroon(name: &str, e: crate::lnd::macaroon::MacaroonError) -> Failure {
    Failure::error(format!("{name} is not a valid lnd macaroon: {e}"))
        .hint("lnd writes binary v2 macaroons (e.g. admin.macaroon); hex must be the whole macaroon, as `xxd -p -c 10000 admin.macaroon` prints it")
}
