//! `lsm apply [PLAN]`: converge the signer. Shows the plan and asks for
//! "yes" on a terminal (refuses without one unless --auto-approve); with a
//! saved plan file it applies exactly that plan or refuses (exit 3) when it
//! is stale. One writer per signer: the lock is taken before observing.

use crate::apply::confirm::confirm;
use crate::apply::execute::{self, Applied};
use crate::apply::lock::SignerLock;
use crate::apply::progress::Progress;
use crate::cli::Context;
use crate::cli::common::{self, RuntimeTask};
use crate::cli::plan::show;
use crate::desired::{Desired, display_path};
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::observe;
use crate::plan::document::{ActionDoc, PlanDocument};
use crate::plan::render::summary_line;
use crate::plan::{Plan, Summary};
use crate::reconcile::build::plan;
use crate::runtime::Runtime;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Converge the signer to signer.toml: pull, create, configure and start lnd, \
                  create or restore the wallet, bake the watch-only macaroon and export the \
                  credentials bundle. Idempotent: a second apply changes nothing.",
    after_help = "Exit codes: 0 done (or nothing to do), 1 error or not converged, 2 changes made \
                  (with --detailed-exitcode), 3 stale plan file, 4 lock held, 5 blocked by a \
                  protection.\n\nExamples:\n  lsm apply\n  lsm apply --auto-approve \
                  --detailed-exitcode\n  lsm plan -o plan.json && lsm apply plan.json"
)]
pub(crate) struct ApplyArgs {
    /// A plan saved by `lsm plan -o FILE`: apply exactly it, without a prompt.
    #[arg(value_name = "PLAN")]
    pub plan_file: Option<PathBuf>,
    /// Apply without asking. Required when stdin is not a terminal.
    #[arg(long)]
    pub auto_approve: bool,
    /// Exit 2 when something was changed, 0 when nothing was.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Seconds to wait for another lsm that holds this signer's lock.
    #[arg(long, value_name = "SECONDS", default_value_t = 3)]
    pub lock_timeout: u64,
    /// Seconds to wait for lnd to come up and become ready.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub timeout: u64,
}

pub(crate) async fn run(args: &ApplyArgs, ctx: &Context) -> CmdResult {
    let saved = match &args.plan_file {
        Some(file) => Some(crate::plan::saved::read(file)?),
        None => None,
    };
    // A saved plan names the manifest it was made from: without -f, that
    // one is loaded (and still checked against the plan's manifest hash).
    let mut ctx = ctx.clone();
    if ctx.global.file.is_empty()
        && let Some(path) = saved.as_ref().and_then(|d| d.manifest_path.as_ref())
    {
        ctx.global.file = vec![PathBuf::from(path)];
    }
    let (_loaded, desired) = common::load(&ctx)?;
    let cmd = ApplyCommand {
        args,
        ctx: &ctx,
        desired: &desired,
        saved,
    };
    common::with_runtime(&desired, cmd).await
}

struct ApplyCommand<'a> {
    args: &'a ApplyArgs,
    ctx: &'a Context,
    desired: &'a Desired,
    /// The saved plan to apply exactly, if one was given.
    saved: Option<PlanDocument>,
}

impl RuntimeTask for ApplyCommand<'_> {
    type Output = Exit;
    type Error = crate::error::Failure;

    async fn run<R: Runtime>(self, rt: &R) -> CmdResult {
        let ApplyCommand {
            args,
            ctx,
            desired,
            saved,
        } = self;
        let _lock = SignerLock::acquire(
            &desired.resolved.signer.name,
            "lsm apply",
            Duration::from_secs(args.lock_timeout),
        )?;
        let world = observe::observe(rt.observer(), desired).await?;
        let p = plan(rt.observer(), desired, &world);

        let plan_shown = saved.is_none() && !ctx.output.json;
        if let Some(saved) = &saved {
            crate::plan::saved::check_fresh(saved, &PlanDocument::new(&p))?;
        } else if plan_shown {
            show(&p, desired, ctx)?;
        }
        if p.blocked() {
            return Err(common::blocked(&p, "apply", "plan", plan_shown));
        }
        // Nothing to do counts only when lnd answered every question; else
        // apply waits for it below and checks, and fails if it cannot.
        if !p.changed() && world.signer.complete() {
            if ctx.output.json {
                print_result(ctx, desired, &p, &Applied::default())?;
            }
            return Ok(Exit::Ok);
        }
        if p.changed() && args.plan_file.is_none() && !args.auto_approve {
            let question = format!(
                "Do you want to perform these actions on signer \"{}\"?",
                desired.resolved.signer.name
            );
            if !confirm(&question, "yes")? {
                return Err(Failure::error("apply cancelled; nothing was changed"));
            }
        }

        let progress = Progress::new(&ctx.output);
        let applied = execute::apply(
            rt,
            desired,
            &p,
            &progress,
            Duration::from_secs(args.timeout),
        )
        .await?;
        print_result(ctx, desired, &p, &applied)?;
        Ok(if args.detailed_exitcode && !applied.actions.is_empty() {
            Exit::Changes
        } else {
            Exit::Ok
        })
    }
}

fn print_result(
    ctx: &Context,
    desired: &Desired,
    p: &Plan,
    applied: &Applied,
) -> Result<(), Failure> {
    let secrets = display_path(&desired.resolved.wallet.secrets_dir);
    if ctx.output.json {
        ctx.output.print_json(&json!({
            "format_version": crate::plan::document::FORMAT_VERSION,
            "signer": desired.resolved.signer.name,
            "changed": !applied.actions.is_empty(),
            "converged": true,
            "applied": applied.actions.iter().map(ActionDoc::from).collect::<Vec<_>>(),
            "secrets_dir": secrets,
            "bundle": display_path(&desired.bundle.dir),
        }))?;
        return Ok(());
    }
    if ctx.output.quiet {
        return Ok(());
    }
    if applied.actions.is_empty() {
        anstream::println!("{}", summary_line(p));
        return Ok(());
    }
    // Counted as the plan counts, so the two summaries agree.
    let done = Summary::of(&applied.actions);
    anstream::println!(
        "\nApply complete: {} added, {} changed, {} replaced, {} destroyed. The {} matches {}.",
        done.add,
        done.change,
        done.replace,
        done.destroy,
        desired.resolved.kind_noun(),
        desired.manifest_name
    );
    if let Some(link) = &desired.watchonly {
        anstream::println!(
            "The watch-only wallet's password is in {secrets}/wallet-password.txt (0600); its \
             keys stay on the signer \"{}\" ({}).",
            link.bundle.signer,
            link.endpoint
        );
        return Ok(());
    }
    anstream::println!(
        "Secrets live in {secrets} (wallet-password.txt, seed.txt; 0600). Back up seed.txt \
         offline: it is the only way to restore this signer."
    );
    anstream::println!(
        "The watch-only credentials bundle is in {}.",
        display_path(&desired.bundle.dir)
    );
    Ok(())
}
