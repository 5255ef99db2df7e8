//! Many manifests in one run: `-f` repeated, a directory or a glob.
//!
//! Each node runs as its own `lsm` child process with exactly the command
//! and flags the operator gave, for one manifest. That is the failure
//! isolation `kubectl apply -f dir/` gives: one node's panic, hang, lock or
//! unreachable engine cannot touch another's run, and every node's output
//! is the single-node output operators already know. This module only
//! picks the manifests ([`manifests`]), runs the children with bounded
//! parallelism ([`runner`]), and reports: one section or JSON line per
//! node in manifest order, then a fleet summary ([`report`]), with the
//! worst outcome as the exit code ([`outcome`]). Saved fleet plans bundle
//! the nodes' saved plans ([`saved`]).

pub(crate) mod manifests;
pub(crate) mod outcome;
pub(crate) mod report;
pub(crate) mod runner;
pub(crate) mod saved;

use crate::cli::{Command, Context};
use crate::error::{CmdResult, Failure};
use crate::exit::Exit;
use manifests::Node;
use outcome::Outcome;
use std::ffi::OsString;
use std::path::Path;

/// How many nodes run at once unless `--parallelism` says otherwise. Lower
/// than Terraform's 10: a node's apply may create a wallet, and lnd's
/// scrypt and the signer's container start are CPU-bound on the engine's
/// host, which for local engines is this one.
pub(crate) const DEFAULT_PARALLELISM: usize = 4;

/// Set in every node's child: a child never starts a fleet of its own,
/// whatever its arguments say (no recursion, even if an argument the fleet
/// meant to strip slipped through).
pub(crate) const CHILD_ENV: &str = "LSM_FLEET_CHILD";

/// Whether this invocation is a fleet run rather than today's single node.
pub(crate) fn wanted(ctx: &Context, command: &Command) -> bool {
    let g = &ctx.global;
    let many = g.file.len() > 1
        || g.file
            .iter()
            .any(|f| f.is_dir() || manifests::is_pattern(f))
        || !g.target.is_empty()
        || g.parallelism.is_some();
    many || matches!(command, Command::Apply(a) if a.plan_file.as_deref().is_some_and(saved::is_fleet_plan))
}

/// Runs `command` for every node.
pub(crate) async fn run(command: &Command, ctx: &Context) -> CmdResult {
    if std::env::var_os(CHILD_ENV).is_some() {
        return Err(Failure::error(
            "internal: a fleet node's lsm was given more than one manifest; it runs one",
        )
        .hint("report this with the command line used"));
    }
    let parallelism = ctx
        .global
        .parallelism
        .map_or(DEFAULT_PARALLELISM, usize::from);
    match command {
        Command::Apply(a) if a.plan_file.as_deref().is_some_and(saved::is_fleet_plan) => {
            let file = a.plan_file.as_deref().unwrap_or(Path::new(""));
            let plan = saved::read(file)?;
            let nodes = select(plan.nodes(), &ctx.global.target)?;
            let dir = saved::PlanDir::new()?;
            let order = runner::Order::SignersFirst;
            let runs = runner::run(&nodes, parallelism, ctx.output.json, order, |node| {
                saved::apply_args(node, &plan, &dir, file)
            })
            .await;
            finish(ctx, "apply", &runs, a.detailed_exitcode)
        }
        Command::Plan(_)
        | Command::Apply(_)
        | Command::Status(_)
        | Command::Destroy(_)
        | Command::Validate(_) => {
            let nodes = select(manifests::expand(&ctx.global.file)?, &ctx.global.target)?;
            let out = match command {
                Command::Plan(p) => p.out.clone(),
                _ => None,
            };
            let dir = saved::PlanDir::new()?;
            let unapproved = match command {
                Command::Apply(a) => !a.auto_approve,
                Command::Destroy(d) => !d.auto_approve,
                _ => false,
            };
            if unapproved {
                return Err(Failure::error(format!(
                    "a fleet {} needs --auto-approve{}",
                    command_name(command),
                    if matches!(command, Command::Apply(_)) { " or a saved fleet plan" } else { "" }
                ))
                .hint("review first with `lsm plan -f …` (or `lsm plan --destroy -f …`); apply a reviewed `lsm plan -f … -o fleet-plan.json` with `lsm apply fleet-plan.json`"));
            }
            let order = match command {
                Command::Apply(_) => runner::Order::SignersFirst,
                Command::Destroy(_) => runner::Order::DependentsFirst,
                _ => runner::Order::Free,
            };
            let runs = runner::run(&nodes, parallelism, ctx.output.json, order, |node| {
                let mut args = child_args(command);
                if out.is_some() {
                    args.push("-o".into());
                    args.push(dir.plan_path(node).into_os_string());
                }
                Ok(args)
            })
            .await;
            if let Some(out) = &out {
                saved::write(out, &nodes, &runs, &dir)?;
            }
            // status exits 2 for an unhealthy signer on its own, flag or not.
            let detailed = match command {
                Command::Plan(p) => p.detailed_exitcode,
                Command::Apply(a) => a.detailed_exitcode,
                Command::Destroy(d) => d.detailed_exitcode,
                Command::Status(_) => true,
                _ => false,
            };
            finish(ctx, command_name(command), &runs, detailed)
        }
        _ => Err(Failure::error(format!(
            "`lsm {}` takes one manifest; -f may repeat, name a directory or a glob only for \
             plan, apply, status, destroy and validate",
            command_name(command)
        ))),
    }
}

/// Keeps the `--target` nodes (all when none is given), in manifest order.
fn select(nodes: Vec<Node>, targets: &[String]) -> Result<Vec<Node>, Failure> {
    if let Some(unknown) = targets
        .iter()
        .find(|t| !nodes.iter().any(|n| &n.name == *t))
    {
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(Failure::error(format!(
            "--target {unknown} names no node of this run (nodes: {})",
            names.join(", ")
        )));
    }
    let kept: Vec<Node> = nodes
        .into_iter()
        .filter(|n| targets.is_empty() || targets.contains(&n.name))
        .collect();
    if kept.is_empty() {
        return Err(Failure::error("no manifest to run")
            .hint("give -f a *.toml file, a directory or a glob"));
    }
    Ok(kept)
}

/// Reports the runs and decides the exit code.
fn finish(ctx: &Context, command: &str, runs: &[runner::NodeRun], detailed: bool) -> CmdResult {
    let outcomes: Vec<Outcome> = runs.iter().map(|r| Outcome::of(command, r.code)).collect();
    let exit = match outcome::worst(&outcomes) {
        Exit::Changes if !detailed => Exit::Ok,
        e => e,
    };
    if ctx.output.json {
        report::json(runs, &outcomes, command, exit)?;
    } else {
        report::human(runs, &outcomes, command);
    }
    Ok(exit)
}

/// The operator's own arguments for one child: everything but what names
/// the manifests, selects nodes or saves the plan (the fleet decides
/// those), plus `--detailed-exitcode` so each child's code says whether
/// it changed something.
fn child_args(command: &Command) -> Vec<OsString> {
    let mut args = strip_fleet_flags(std::env::args_os().skip(1), None);
    if matches!(
        command,
        Command::Plan(_) | Command::Apply(_) | Command::Destroy(_)
    ) && !args.iter().any(|a| a == "--detailed-exitcode")
    {
        args.push("--detailed-exitcode".into());
    }
    args
}

/// `args` without `-f/--file`, `--target`, `--parallelism`, `-o/--out`
/// (and their values), and without the positional `drop` (a fleet plan).
pub(crate) fn strip_fleet_flags(
    args: impl Iterator<Item = OsString>,
    drop: Option<&Path>,
) -> Vec<OsString> {
    const WITH_VALUE: &[&str] = &["--file", "--target", "--parallelism", "--out"];
    let mut drop = drop;
    let mut out = Vec::new();
    let mut skip_next = false;
    for a in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        let s = a.to_string_lossy().into_owned();
        if WITH_VALUE.contains(&s.as_str()) {
            skip_next = true;
            continue;
        }
        if ["--file=", "--target=", "--parallelism=", "--out="]
            .iter()
            .any(|p| s.starts_with(p))
        {
            continue;
        }
        // A cluster of short flags (`-vf DIR`, `-vfDIR`, `-qo plan.json`):
        // what comes before `f` or `o` stays; `f`/`o` and its value go.
        if s.starts_with('-') && !s.starts_with("--") && s.len() > 1 {
            if let Some(k) = s[1..].find(['f', 'o']) {
                let (kept, rest) = (&s[1..1 + k], &s[2 + k..]);
                if !kept.is_empty() {
                    out.push(OsString::from(format!("-{kept}")));
                }
                skip_next = rest.is_empty();
                continue;
            }
            out.push(a);
            continue;
        }
        if let Some(d) = drop
            && Path::new(&a) == d
        {
            drop = None; // only the positional plan file, once
            continue;
        }
        out.push(a);
    }
    out
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Plan(_) => "plan",
        Command::Apply(_) => "apply",
        Command::Destroy(_) => "destroy",
        Command::Status(_) => "status",
        Command::Validate(_) => "validate",
        Command::Seed(_) => "seed",
        Command::Init(_) => "init",
        Command::Completions(_) => "completions",
        Command::Macaroon(_) => "macaroon",
        Command::Bundle(_) => "bundle",
        Command::Export(_) => "export",
    }
}

/// The path a node's manifest is shown with.
pub(crate) fn shown(p: &Path) -> String {
    crate::diagnostic::escape_line(&p.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_flags_are_stripped_and_the_rest_kept_in_order() {
        let args = [
            "plan",
            "-f",
            "a.toml",
            "--file=b.toml",
            "-fc.toml",
            "--target",
            "x",
            "--target=y",
            "--parallelism",
            "3",
            "-o",
            "p.json",
            "--json",
            "-v",
            "--detailed-exitcode",
        ]
        .map(OsString::from);
        let kept = strip_fleet_flags(args.into_iter(), None);
        assert_eq!(
            kept,
            ["plan", "--json", "-v", "--detailed-exitcode"].map(OsString::from)
        );
        let apply = ["apply", "10", "--lock-timeout", "10"].map(OsString::from);
        let kept = strip_fleet_flags(apply.into_iter(), Some(Path::new("10")));
        assert_eq!(kept, ["apply", "--lock-timeout", "10"].map(OsString::from));
    }
}
