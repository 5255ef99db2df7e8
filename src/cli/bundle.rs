//! `lsm bundle verify PATH|FILE.b64|- [--live [--endpoint HOST:PORT]]`:
//! checks a credentials bundle offline and, with `--live`, against the
//! signer it is for (see `bundle::live`), and lists every problem at once.
//! Never prints the macaroon, the keys or the archive text — only names,
//! paths and fingerprints.

use crate::bundle::network::Network;
use crate::bundle::verify::{self, CheckStatus, VerifyOptions, VerifyReport};
use crate::cli::Context;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::output::style;
use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

#[derive(Debug, clap::Args)]
pub(crate) struct BundleArgs {
    #[command(subcommand)]
    pub command: BundleCommand,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum BundleCommand {
    /// Check a credentials bundle offline: files, hashes, certificate,
    /// macaroon scope, accounts and network, identity, modes; with --live
    /// also against the signer.
    ///
    /// Exits 0 when every check passes, 1 listing every problem.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// A bundle directory, its `.tar.gz.b64` archive, or `-` to read the
    /// archive text from standard input.
    #[arg(value_name = "PATH|FILE.b64|-")]
    pub input: OsString,
    /// Check against this network (mainnet, testnet, testnet4, signet,
    /// regtest); a problem if bundle.json says otherwise.
    #[arg(long, value_name = "NETWORK")]
    pub network: Option<Network>,
    /// Also dial the signer as a watch-only lnd would — bundle.json's
    /// rpc_endpoint, the bundle's tls.cert pinned, its macaroon — and make
    /// a harmless call of every RPC a watch-only lnd makes (SignMessage,
    /// DeriveSharedKey, the MuSig2 calls, SignPsbt). Names an unreachable
    /// signer, a certificate that does not name the host, a locked wallet
    /// and every permission the macaroon lacks. Nothing is signed.
    #[arg(long)]
    pub live: bool,
    /// With --live: dial this host:port instead of bundle.json's
    /// rpc_endpoint (e.g. how a watch-only host reaches the signer).
    #[arg(long, value_name = "HOST:PORT", requires = "live")]
    pub endpoint: Option<String>,
}

impl clap::builder::ValueParserFactory for Network {
    type Parser = clap::builder::ValueParser;
    fn value_parser() -> Self::Parser {
        clap::builder::ValueParser::new(|s: &str| s.parse::<Network>().map_err(|e| e.to_string()))
    }
}

pub(crate) async fn run(args: &BundleArgs, ctx: &Context) -> CmdResult {
    match &args.command {
        BundleCommand::Verify(a) => verify_cmd(a, ctx).await,
    }
}

async fn verify_cmd(args: &VerifyArgs, ctx: &Context) -> CmdResult {
    let opts = VerifyOptions {
        network: args.network,
        ..VerifyOptions::default()
    };
    let (mut report, files) = load_and_verify(&args.input, &opts)?;
    if args.live {
        live_check(&mut report, &files, args.endpoint.as_deref()).await;
    }
    report_outcome(&report, ctx)
}

/// `--live`: probes the signer with the bundle's own credentials and adds
/// what it found to `report`.
async fn live_check(report: &mut VerifyReport, files: &verify::Files, endpoint: Option<&str>) {
    use crate::bundle::bundle_json::BundleJson;
    let json = files
        .get(crate::bundle::BUNDLE_JSON_FILE)
        .and_then(|b| BundleJson::parse(b).ok());
    let endpoint = endpoint
        .map(str::to_string)
        .or_else(|| json.as_ref().map(|j| j.rpc_endpoint.clone()));
    let macaroon = json.as_ref().and_then(|j| files.get(&j.macaroon_file));
    let cert = files.get(crate::bundle::TLS_CERT_FILE);
    let (Some(endpoint), Some(cert), Some(macaroon)) = (endpoint, cert, macaroon) else {
        report.ok = false;
        report.problems.push(
            "--live needs the bundle's endpoint (or --endpoint), tls.cert and macaroon; \
             the signer was not dialled"
                .into(),
        );
        return;
    };
    let live = crate::bundle::live::probe(
        &endpoint,
        cert,
        macaroon,
        crate::bundle::live::DEFAULT_TIMEOUT,
    )
    .await;
    live.add_to(report);
}

/// Verifies a directory, an archive file or stdin; returns the report and
/// the files it checked.
fn load_and_verify(
    input: &OsString,
    opts: &VerifyOptions,
) -> Result<(VerifyReport, verify::Files), Failure> {
    let limit = crate::bundle::observe::MAX_FILE_BYTES;
    if input == "-" {
        let mut text = Zeroizing::new(Vec::new());
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut text)
            .map_err(|e| Failure::error(format!("cannot read standard input: {e}")))?;
        if text.len() as u64 > limit {
            return Err(Failure::error(format!(
                "standard input holds more than {limit} bytes; a bundle archive is far smaller"
            )));
        }
        return Ok(verify::verify_archive_files("standard input", &text, opts));
    }
    let path = Path::new(input);
    let meta = std::fs::metadata(path).map_err(|e| {
        Failure::error(format!("cannot read {}: {e}", path.display()))
            .hint("pass a bundle directory, its .tar.gz.b64 archive, or - for standard input")
    })?;
    if meta.is_dir() {
        return Ok(verify::verify_dir_files(path, opts)?);
    }
    // Anything else must be a regular file: a FIFO or a device is refused,
    // never waited on.
    let text = crate::regular_file::read(path, limit).map_err(|e| {
        let why = match e {
            crate::regular_file::ReadError::TooLarge { .. } => format!(
                "it is {} bytes; a bundle archive is far smaller (limit {limit})",
                meta.len()
            ),
            other => other.to_string(),
        };
        Failure::error(format!("cannot read {}: {why}", path.display()))
            .hint("pass a bundle directory, its .tar.gz.b64 archive, or - for standard input")
    })?;
    Ok(verify::verify_archive_files(
        &path.display().to_string(),
        &text,
        opts,
    ))
}

/// Prints the report (JSON or a check list) and maps it to the exit code.
/// Shared with `lsm export`, which verifies what it wrote.
pub(crate) fn report_outcome(report: &VerifyReport, ctx: &Context) -> CmdResult {
    if ctx.output.json {
        ctx.output.print_json(report)?;
        return Ok(if report.ok { Exit::Ok } else { Exit::Error });
    }
    if !ctx.output.quiet {
        print_checks(report);
    }
    for w in &report.warnings {
        anstream::eprintln!("{}warning{:#}: {w}", style::WARN, style::WARN);
    }
    if report.ok {
        if !ctx.output.quiet {
            anstream::println!(
                "{}bundle OK{:#}: {}",
                style::CREATE,
                style::CREATE,
                report.source
            );
        }
        return Ok(Exit::Ok);
    }
    let n = report.problems.len();
    let mut message = format!(
        "{} failed verification with {n} problem{}:",
        report.source,
        if n == 1 { "" } else { "s" }
    );
    for p in &report.problems {
        message.push_str("\n  - ");
        message.push_str(p);
    }
    Err(Failure::error(message))
}

fn print_checks(report: &VerifyReport) {
    for c in &report.checks {
        let (mark, st) = match c.status {
            CheckStatus::Pass => ("ok  ", style::CREATE),
            CheckStatus::Warn => ("warn", style::WARN),
            CheckStatus::Fail => ("FAIL", style::ERROR),
            CheckStatus::Skipped => ("skip", style::DIM),
        };
        let detail = match c.status {
            CheckStatus::Fail => "see below",
            _ => c.detail.as_str(),
        };
        anstream::println!("{st}{mark}{st:#}  {:<12}{detail}", c.name);
    }
}
