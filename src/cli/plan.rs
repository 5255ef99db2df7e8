//! `lsm plan`: observe the signer and show what apply would change and why.
//! Read-only by construction: it only ever holds an observer.

use crate::cli::common::{self, ObserverTask};
use crate::cli::{Context, validate};
use crate::desired::Desired;
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use crate::manifest::Loaded;
use crate::observe;
use crate::plan::Plan;
use crate::plan::document::PlanDocument;
use crate::plan::render::{RenderOptions, render};
use crate::reconcile::build::{destroy_plan, plan};
use crate::runtime::Observer;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Observe the real Docker or native state and the signer's wallet, and show \
                  exactly what `lsm apply` would change and why. Changes nothing.",
    after_help = "Exit codes: 0 no changes (or changes without --detailed-exitcode), 1 error, \
                  2 changes (with --detailed-exitcode), 5 blocked by a protection.\n\n\
                  Examples:\n  lsm plan\n  lsm plan --detailed-exitcode -o plan.json\n  \
                  lsm plan --json | jq .summary\n  lsm plan --destroy --detailed-exitcode"
)]
pub(crate) struct PlanArgs {
    /// Exit 2 when there are changes, 0 when there are none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan; `lsm apply FILE` applies exactly it, or refuses (exit 3) if stale.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Plan what `lsm destroy` would remove instead (read-only like every
    /// plan; for check modes). Not savable: `lsm apply FILE` converges.
    #[arg(long, conflicts_with = "out")]
    pub destroy: bool,
    /// With --destroy: plan `lsm destroy --purge-volume` (its restore
    /// rehearsal runs only in destroy itself).
    #[arg(long, requires = "destroy")]
    pub purge_volume: bool,
}

pub(crate) async fn run(args: &PlanArgs, ctx: &Context) -> CmdResult {
    let (loaded, desired) = if args.destroy {
        common::load_for_removal(ctx)?
    } else {
        common::load(ctx)?
    };
    let cmd = PlanCommand {
        args,
        ctx,
        loaded: &loaded,
        desired: &desired,
    };
    common::with_observer(&desired, cmd).await
}

struct PlanCommand<'a> {
    args: &'a PlanArgs,
    ctx: &'a Context,
    loaded: &'a Loaded,
    desired: &'a Desired,
}

impl ObserverTask for PlanCommand<'_> {
    type Output = Exit;
    type Error = crate::error::Failure;

    async fn run<Ob: Observer>(self, observer: &Ob) -> CmdResult {
        let PlanCommand {
            args,
            ctx,
            loaded,
            desired,
        } = self;
        let world = observe::observe(observer, desired).await?;
        let p = if args.destroy {
            destroy_plan(observer, desired, &world, args.purge_volume)
        } else {
            plan(observer, desired, &world)
        };
        if ctx.output.verbose > 0 && !ctx.output.json {
            anstream::print!(
                "Resolved values and their sources:\n{}\n",
                validate::show(loaded)
            );
        }
        show(&p, desired, ctx)?;
        if let Some(out) = &args.out {
            crate::plan::saved::write(out, &document(&p, desired))?;
            if !ctx.output.quiet && !ctx.output.json {
                anstream::eprintln!(
                    "Saved the plan to {}; apply it with `lsm apply {}`.",
                    out.display(),
                    out.display()
                );
            }
        }
        Ok(exit_for(&p, args.detailed_exitcode))
    }
}

/// The plan's document, naming the manifest's absolute path so that
/// `lsm apply FILE` finds the manifest without `-f`.
pub(crate) fn document(p: &Plan, desired: &Desired) -> PlanDocument {
    let mut doc = PlanDocument::new(p);
    let path = &desired.manifest_path;
    doc.manifest_path = std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .ok()
        .map(|p| p.display().to_string());
    doc
}

/// Prints a plan for humans or as JSON.
pub(crate) fn show(p: &Plan, desired: &Desired, ctx: &Context) -> Result<(), Failure> {
    if ctx.output.json {
        ctx.output.print_json(&document(p, desired))?;
    } else if !ctx.output.quiet || p.changed() || p.blocked() {
        let text = render(
            p,
            RenderOptions {
                verbose: ctx.output.verbose > 0,
            },
        );
        anstream::print!("{text}");
    }
    Ok(())
}

/// 5 when blocked; with --detailed-exitcode 2 for changes, else 0.
pub(crate) fn exit_for(p: &Plan, detailed: bool) -> Exit {
    if p.blocked() {
        Exit::Blocked
    } else if detailed && p.changed() {
        Exit::Changes
    } else {
        Exit::Ok
    }
}
