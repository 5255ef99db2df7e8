//! `lsm destroy`: stop and remove the signer, keeping its wallet volume and
//! every secret. `--purge-volume` also removes the volume — only when lnd
//! reports no wallet in it, or when lnd runs the wallet unlocked and a
//! restore rehearsal from seed.txt restores that live wallet (else exit 5)
//! — and on a terminal only after the operator types the signer's name.

use crate::apply::confirm::confirm;
use crate::apply::lock::SignerLock;
use crate::apply::progress::Progress;
use crate::cli::Context;
use crate::cli::common::{self, RuntimeTask};
use crate::cli::plan::show;
use crate::desired::Desired;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::observe;
use crate::plan::op::Op;
use crate::reconcile::build::{destroy_plan, purges_a_wallet};
use crate::runtime::Runtime;
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Stop and remove the signer. lnd's data (the Docker volume or [native] \
                  lnd_dir), secrets_dir (seed.txt, wallet-password.txt) and the bundle are kept, \
                  so `lsm apply` brings the same signer back.",
    after_help = "Exit codes: 0 done or nothing to do, 1 error, 2 something removed (with \
                  --detailed-exitcode), 4 lock held, 5 blocked (--purge-volume without a \
                  running, unlocked signer whose wallet a restore rehearsal from seed.txt \
                  proves).\n\nPreview it read-only with `lsm plan --destroy [--purge-volume]`."
)]
pub(crate) struct DestroyArgs {
    /// Remove without asking. Required when stdin is not a terminal.
    #[arg(long)]
    pub auto_approve: bool,
    /// Docker only: also remove the wallet volume: only when lnd reports no
    /// wallet in it, or when lnd runs the wallet unlocked and a restore
    /// rehearsal proves seed.txt restores it (else exit 5).
    #[arg(long)]
    pub purge_volume: bool,
    /// Exit 2 when something was removed, 0 when nothing was.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Seconds to wait for another lsm that holds this signer's lock.
    #[arg(long, value_name = "SECONDS", default_value_t = 3)]
    pub lock_timeout: u64,
}

pub(crate) async fn run(args: &DestroyArgs, ctx: &Context) -> CmdResult {
    let (_loaded, desired) = common::load_for_removal(ctx)?;
    let cmd = DestroyCommand {
        args,
        ctx,
        desired: &desired,
    };
    common::with_runtime(&desired, cmd).await
}

struct DestroyCommand<'a> {
    args: &'a DestroyArgs,
    ctx: &'a Context,
    desired: &'a Desired,
}

impl RuntimeTask for DestroyCommand<'_> {
    type Output = Exit;
    type Error = crate::error::Failure;

    async fn run<R: Runtime>(self, rt: &R) -> CmdResult {
        let DestroyCommand { args, ctx, desired } = self;
        let name = desired.resolved.signer.name.clone();
        let _lock =
            SignerLock::acquire(&name, "lsm destroy", Duration::from_secs(args.lock_timeout))?;
        let world = observe::observe(rt.observer(), desired).await?;
        let p = destroy_plan(rt.observer(), desired, &world, args.purge_volume);
        show(&p, desired, ctx)?;
        if p.blocked() {
            return Err(common::blocked(&p, "destroy", "destroy", !ctx.output.json));
        }
        if !p.changed() {
            return Ok(Exit::Ok);
        }
        // The volume is the only other copy of the keys: it goes only once
        // seed.txt has been shown to restore this very wallet.
        // A watch-only node holds no keys: its plan let the purge through
        // only with lnd reporting no channel state to lose.
        if desired.resolved.watchonly.is_none() && purges_a_wallet(&p, &world) {
            let outcome = crate::cli::seed::prove(
                rt,
                desired,
                &world,
                ctx,
                crate::cli::seed::Against::LiveSigner,
            )
            .await?;
            if !outcome.passed {
                return Err(crate::wallet::rehearsal::refusal(&outcome).into());
            }
            if !ctx.output.quiet && !ctx.output.json {
                anstream::eprintln!("restore rehearsal {}", outcome.summary());
            }
        }
        let tty = std::io::stdin().is_terminal();
        if args.purge_volume && tty {
            let q = format!(
                "This deletes the wallet volume of signer \"{name}\". Type the signer's name to confirm."
            );
            if !confirm(&q, &name)? {
                return Err(Failure::error("destroy cancelled; nothing was removed"));
            }
        } else if !args.auto_approve {
            let q = format!("Do you really want to destroy signer \"{name}\"?");
            if !confirm(&q, "yes")? {
                return Err(Failure::error("destroy cancelled; nothing was removed"));
            }
        }
        let progress = Progress::new(&ctx.output);
        for action in &p.actions {
            let step = progress.start(action);
            let result = match &action.op {
                Op::Runtime(op) => rt.execute_planned(op).await,
                _ => Ok(()),
            };
            step.finish(&result);
            result?;
        }
        if !ctx.output.quiet && !ctx.output.json {
            anstream::println!(
                "\nDestroy complete. Kept: {} and the credentials bundle{}.",
                crate::desired::display_path(&desired.resolved.wallet.secrets_dir),
                if args.purge_volume {
                    ""
                } else {
                    ", and lnd's data (the wallet)"
                }
            );
        }
        Ok(if args.detailed_exitcode {
            Exit::Changes
        } else {
            Exit::Ok
        })
    }
}
