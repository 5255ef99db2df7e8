//! Command-line interface: clap definitions, one file per command. Each
//! command is `run(&Args, &Context) -> CmdResult`; [`main`] maps the result
//! to an exit code in one place.

pub(crate) mod apply;
pub(crate) mod bundle;
pub(crate) mod common;
pub(crate) mod completions;
pub(crate) mod destroy;
pub(crate) mod export;
mod failure;
pub(crate) mod fleet;
pub(crate) mod init;
pub(crate) mod macaroon;
pub(crate) mod plan;
pub(crate) mod seed;
pub(crate) mod status;
pub(crate) mod validate;

use crate::error::CmdResult;
use crate::output::{Output, style};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// lsm keeps an lnd remote signer exactly as declared in signer.toml.
#[derive(Debug, Parser)]
#[command(
    name = "lsm",
    version,
    about = "Keep an lnd remote signer exactly as declared in signer.toml",
    long_about = "lsm is a declarative reconciler for an lnd remote signer. Declare the signer in \
                  signer.toml; `lsm plan` shows what differs from the real Docker or native state \
                  and why; `lsm apply` converges it, idempotently and crash-safely.",
    after_help = "Exit codes: 0 ok/no changes, 1 error, 2 changes (with --detailed-exitcode), \
                  3 stale plan, 4 lock held, 5 blocked by a protection."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// The manifest to use. Repeat it, or name a directory (its *.toml
    /// files) or a glob, to run plan, apply, status, destroy or validate on
    /// many nodes at once.
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE", action = clap::ArgAction::Append)]
    pub file: Vec<PathBuf>,
    /// With many manifests: how many nodes run at once (default 4).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: Option<u16>,
    /// With many manifests: run only the node with this name (repeatable).
    #[arg(long, global = true, value_name = "NAME")]
    pub target: Vec<String>,
    /// Machine-readable JSON on stdout; logs stay on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    /// Never use colour (NO_COLOR is honoured too).
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
    /// More detail: -v shows where every resolved value came from; -vv adds debug logs.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors and the essential result.
    #[arg(short = 'q', long = "quiet", global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show what apply would change and why (read-only).
    Plan(plan::PlanArgs),
    /// Converge the signer to signer.toml.
    Apply(apply::ApplyArgs),
    /// Stop and remove the signer, keeping its wallet and secrets.
    Destroy(destroy::DestroyArgs),
    /// Report the signer's health as conditions (read-only).
    Status(status::StatusArgs),
    /// Prove the seed backup: rehearse a restore from seed.txt.
    Seed(seed::SeedArgs),
    /// Check signer.toml and report every problem at once.
    #[command(long_about = validate::LONG_ABOUT, after_help = validate::AFTER_HELP)]
    Validate(validate::ValidateArgs),
    /// Write a commented starter signer.toml.
    #[command(long_about = init::LONG_ABOUT, after_help = init::AFTER_HELP)]
    Init(init::InitArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Inspect lnd macaroons offline (never prints the macaroon itself).
    Macaroon(macaroon::MacaroonArgs),
    /// Check credentials bundles offline.
    Bundle(bundle::BundleArgs),
    /// Export a credentials bundle from a signer lsm does not manage.
    ///
    /// Connects with the pinned --tlscertpath (there is no accept-any
    /// mode), reads the network (GetInfo) and the accounts (ListAccounts),
    /// and bakes a scoped macaroon with the given one: signer-only under
    /// root key id 1 by default — least privilege, all a watch-only node
    /// needs. Writes accounts.json, tls.cert, the macaroon, bundle.json and
    /// the .tar.gz.b64 beside the directory, then verifies the result
    /// (exit 1 if a check fails). Prints where the bundle is, never its
    /// secrets.
    Export(export::ExportArgs),
}

/// What every command gets from `main`.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub global: GlobalArgs,
    pub output: Output,
}

impl Context {
    /// The manifest path: `-f FILE`, else `./signer.toml`.
    pub(crate) fn manifest_path(&self) -> PathBuf {
        self.global
            .file
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("signer.toml"))
    }
}

/// The whole `lsm` binary (`src/main.rs` only calls this): parse flags, run
/// the command, map the outcome to an exit code.
pub fn main() -> ExitCode {
    // One crypto provider for tonic and bollard (crates.md pitfall 1).
    let _ = rustls::crypto::ring::default_provider().install_default();

    // Crash injection for the crash-safety tests (test builds only).
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();

    // Usage errors exit 1: exit 2 means "changes" to automation.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let output = Output {
        json: cli.global.json,
        verbose: cli.global.verbose,
        quiet: cli.global.quiet,
        color: !cli.global.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    output.install();
    crate::logging::init(output.quiet, output.verbose, output.color);
    let ctx = Context {
        global: cli.global.clone(),
        output,
    };

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            anstream::eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli, &ctx)) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            let e = style::ERROR;
            anstream::eprintln!("{e}error{e:#}: {}", shown(&failure.message));
            for h in &failure.hints {
                anstream::eprintln!("  {}help{:#}: {}", style::BOLD, style::BOLD, shown(h));
            }
            if ctx.output.json {
                let _ = ctx.output.print_json(&failure.json());
            }
            failure.exit.into()
        }
    }
}

/// A failure's text as the terminal gets it: messages quote names from
/// outside (files in a directory, lnd's log lines), so every character
/// that could act on the terminal (an escape sequence, a carriage return,
/// a bidi override) is escaped; the message's own line breaks stay.
fn shown(text: &str) -> String {
    text.split('\n')
        .map(crate::diagnostic::escape_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the parsed command.
pub(crate) async fn run(cli: Cli, ctx: &Context) -> CmdResult {
    if fleet::wanted(ctx, &cli.command) {
        return fleet::run(&cli.command, ctx).await;
    }
    match &cli.command {
        Command::Plan(args) => plan::run(args, ctx).await,
        Command::Apply(args) => apply::run(args, ctx).await,
        Command::Destroy(args) => destroy::run(args, ctx).await,
        Command::Status(args) => status::run(args, ctx).await,
        Command::Seed(args) => seed::run(args, ctx).await,
        Command::Validate(args) => validate::run(args, ctx),
        Command::Init(args) => init::run(args, ctx),
        Command::Completions(args) => completions::run(args, ctx),
        Command::Macaroon(args) => macaroon::run(args, ctx),
        Command::Bundle(args) => bundle::run(args, ctx).await,
        Command::Export(args) => export::run(args, ctx).await,
    }
}
