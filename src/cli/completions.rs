//! `lsm completions SHELL`: completion scripts generated from the clap model,
//! so they can never drift from the real flags.

use crate::cli::{Cli, Context};
use crate::error::CmdResult;
use crate::exit::Exit;
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(Debug, clap::Args)]
pub(crate) struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub(crate) fn run(args: &CompletionsArgs, _ctx: &Context) -> CmdResult {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "lsm", &mut std::io::stdout());
    Ok(Exit::Ok)
}
