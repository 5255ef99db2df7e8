//! `lsm init`: write a commented starter signer.toml. It is validated
//! before it is written, and an existing file is never overwritten.

use crate::cli::Context;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::manifest::{self, Network, Runtime, starter::starter};
use clap::ValueEnum;
use clap::builder::PossibleValue;
use serde_json::json;
use std::io::Write;

/// Shown by `lsm init --help`.
pub(crate) const LONG_ABOUT: &str = "Write a commented starter manifest (default ./signer.toml, or -f FILE). It sets \
                  signer.network and signer.runtime (from the flags) and signer.name, plus the two \
                  choices worth reading before the first apply: rpc.listen (where the watch-only \
                  node dials) and macaroon.scope (what the exported macaroon may do). Every other \
                  key is shown commented out with its default. An existing file is never \
                  overwritten.";
/// Examples shown under `lsm init --help`.
pub(crate) const AFTER_HELP: &str =
    "Examples:\n  lsm init\n  lsm init --network mainnet --runtime native -f /etc/lsm/signer.toml";

#[derive(Debug, clap::Args)]
pub(crate) struct InitArgs {
    /// Bitcoin network of the signer's wallet.
    #[arg(long, value_name = "NETWORK", default_value = "testnet")]
    pub network: Network,
    /// Where lnd runs: a Docker container or a host process.
    #[arg(long, value_name = "RUNTIME", default_value = "docker")]
    pub runtime: Runtime,
}

impl ValueEnum for Network {
    fn value_variants<'a>() -> &'a [Self] {
        Network::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for Runtime {
    fn value_variants<'a>() -> &'a [Self] {
        Runtime::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

pub(crate) fn run(args: &InitArgs, ctx: &Context) -> CmdResult {
    let path = ctx.manifest_path();
    let text = starter(args.network, args.runtime);
    // Prove the starter is valid where it will live (a broken versions.env
    // beside it would make it fail later).
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    manifest::load_text(&path, text.clone(), home.as_deref())?;

    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::error(format!(
                "{} already exists; lsm init never overwrites a manifest",
                path.display()
            ))
            .hint("edit it and run `lsm validate`, or choose another path with -f FILE"));
        }
        Err(e) => {
            return Err(
                Failure::error(format!("cannot create {}: {e}", path.display()))
                    .hint("check that the directory exists and is writable"),
            );
        }
    };
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::error(format!("cannot write {}: {e}", path.display())))?;

    if ctx.output.json {
        ctx.output.print_json(&json!({
            "written": path,
            "network": args.network,
            "runtime": args.runtime,
        }))?;
    } else if !ctx.output.quiet {
        anstream::println!(
            "wrote {} ({}, {}); review it, then run `lsm validate -f {}`",
            path.display(),
            args.network,
            args.runtime,
            path.display()
        );
    }
    Ok(Exit::Ok)
}
