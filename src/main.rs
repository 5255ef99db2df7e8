//! The `lsm` binary: parse flags, run the command, map the outcome to an exit
//! code. All logic lives in the library.

use clap::Parser;
use lsm::cli::{self, Cli, Context};
use lsm::output::{Output, style};
use std::process::ExitCode;

fn main() -> ExitCode {
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
    lsm::logging::init(output.quiet, output.verbose, output.color);
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
    match runtime.block_on(cli::run(cli, &ctx)) {
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
        .map(lsm::diagnostic::escape_line)
        .collect::<Vec<_>>()
        .join("\n")
}
