//! Human rendering of a plan: one line per action with a symbol and a
//! reason, a unified diff for changed files, and a summary line. Concise by
//! default (Terraform users ask for exactly that); `-v` adds notes.
//!
//! The output is a `String` with ANSI styles; callers print it through
//! anstream, which strips the styles when colour is off.

use crate::diagnostic::escape_line as esc;
use crate::output::style;
use crate::plan::{Action, ActionKind, Detail, Plan};
use anstyle::Style;
use similar::TextDiff;
use std::fmt::Write;

/// How much to show.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RenderOptions {
    /// Show notes on each action and on the plan.
    pub verbose: bool,
}

fn paint(s: &mut String, st: Style, text: &str) {
    let _ = write!(s, "{st}{text}{st:#}");
}

fn kind_style(kind: ActionKind) -> Style {
    match kind {
        ActionKind::Create => style::CREATE,
        ActionKind::Update | ActionKind::Start | ActionKind::Restart => style::UPDATE,
        ActionKind::Replace | ActionKind::Destroy => style::DESTROY,
    }
}

/// Renders the whole plan.
pub(crate) fn render(plan: &Plan, opts: RenderOptions) -> String {
    let mut s = String::new();
    let subj = &plan.subject;
    paint(
        &mut s,
        style::BOLD,
        &format!(
            "{} \"{}\" · {} · {} · {}",
            capitalized(subj.kind.noun()),
            subj.signer,
            subj.runtime,
            subj.network,
            subj.target
        ),
    );
    s.push('\n');

    if !plan.actions.is_empty() {
        s.push_str("\nlsm will perform these actions:\n\n");
        let width = plan
            .actions
            .iter()
            .map(|a| a.address.as_str().len())
            .max()
            .unwrap_or(0);
        for action in &plan.actions {
            render_action(&mut s, action, width, opts);
        }
    }

    if !plan.warnings.is_empty() {
        s.push('\n');
        for w in &plan.warnings {
            paint(&mut s, style::WARN, "Warning:");
            let _ = writeln!(s, " {}", esc(w));
        }
    }

    if plan.blocked() {
        s.push('\n');
        paint(
            &mut s,
            style::ERROR,
            "Blocked: lsm will not apply this plan until these are fixed.",
        );
        s.push('\n');
        for b in &plan.blockers {
            let _ = writeln!(s, "  ! {}  {}", b.address, esc(&b.reason));
            let _ = writeln!(s, "      fix: {}", esc(&b.fix));
        }
    }

    if opts.verbose && !plan.notes.is_empty() {
        s.push('\n');
        for n in &plan.notes {
            let _ = writeln!(s, "note: {}", esc(n));
        }
    }

    s.push('\n');
    s.push_str(&summary_line(plan));
    s.push('\n');
    s
}

/// `watch-only node` → `Watch-only node`.
pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// "Plan: 1 to add, ..." or "No changes. The signer matches signer.toml."
pub(crate) fn summary_line(plan: &Plan) -> String {
    if !plan.changed() {
        let mut line = format!(
            "No changes. The {} matches {}.",
            plan.subject.kind.noun(),
            plan.subject.manifest_name
        );
        if plan.blocked() {
            line.push_str(" (but see the blockers above)");
        } else if !plan.warnings.is_empty() {
            line.push_str(" (but see the warnings above)");
        }
        return line;
    }
    let sm = plan.summary();
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to replace, {} to destroy.",
        sm.add, sm.change, sm.replace, sm.destroy
    );
    let d = plan.disruptive_count();
    if d > 0 {
        let _ = write!(
            line,
            " {d} {} the watch-only node's signer.",
            if d == 1 {
                "action interrupts"
            } else {
                "actions interrupt"
            }
        );
    }
    line
}

fn render_action(s: &mut String, a: &Action, width: usize, opts: RenderOptions) {
    let st = kind_style(a.kind);
    s.push_str("  ");
    paint(s, st, &format!("{:>3}", a.kind.symbol()));
    s.push(' ');
    paint(s, style::BOLD, &format!("{:<width$}", a.address.as_str()));
    // Reasons and details name files and macaroon contents found on disk:
    // escaped, so none of them can fake a line of the plan.
    let _ = write!(s, "  {}", esc(&a.reason));
    if a.drift {
        s.push(' ');
        paint(s, style::WARN, "[changed outside lsm]");
    }
    if a.disruptive {
        s.push(' ');
        paint(s, style::DIM, "(disruptive)");
    }
    s.push('\n');
    let indent = " ".repeat(8);
    for d in &a.details {
        match d {
            Detail::Change { field, from, to } => {
                let _ = writeln!(s, "{indent}{}: {} → {}", esc(field), esc(from), esc(to));
            }
            Detail::FileDiff { path, old, new } => {
                let old_header = match old {
                    Some(_) => format!("{path} (observed)"),
                    None => "/dev/null".to_string(),
                };
                render_file_diff(s, &indent, path, &old_header, old.as_deref(), new);
            }
            Detail::FileUnread { path, why, new } => {
                let old_header = format!("{path} (current content unknown: {why})");
                render_file_diff(s, &indent, path, &old_header, None, new);
            }
            Detail::Note { text } => {
                if opts.verbose {
                    let _ = writeln!(s, "{indent}note: {}", esc(text));
                }
            }
        }
    }
}

/// A unified diff (3 lines of context) of a text file, indented under its
/// action. Without old content the new file is shown in full as additions.
fn render_file_diff(
    s: &mut String,
    indent: &str,
    path: &str,
    old_header: &str,
    old: Option<&str>,
    new: &str,
) {
    let old_text = old.unwrap_or("");
    let new_header = format!("{path} (desired)");
    let diff = TextDiff::from_lines(old_text, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_header, &new_header)
        .to_string();
    for line in text.lines() {
        let st = if line.starts_with("+++") || line.starts_with("---") {
            style::BOLD
        } else if line.starts_with('+') {
            style::CREATE
        } else if line.starts_with('-') {
            style::DESTROY
        } else if line.starts_with("@@") {
            style::ACCENT
        } else {
            Style::new()
        };
        s.push_str(indent);
        paint(s, st, line);
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ReasonCode;
    use crate::plan::op::DockerOp;
    use crate::plan::{Address, Subject};

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    fn subject() -> Subject {
        Subject {
            kind: Default::default(),
            signer: "litd-signer".into(),
            runtime: "docker".into(),
            network: "testnet".into(),
            target: "lightninglabs/lnd:v0.20.0-beta".into(),
            manifest_name: "signer.toml".into(),
        }
    }

    fn plan(actions: Vec<Action>) -> Plan {
        Plan {
            subject: subject(),
            manifest_hash: "m".into(),
            observed_digest: "o".into(),
            actions,
            blockers: vec![],
            warnings: vec![],
            notes: vec![],
        }
    }

    /// A stray file or macaroon in the bundle is named in reasons, notes
    /// and details: its name cannot add a line to the plan.
    #[test]
    fn names_from_disk_cannot_fake_plan_lines() {
        let stale = Action::new(
            Address::BUNDLE_STALE,
            ActionKind::Destroy,
            ReasonCode::BundleStaleFiles,
            "x.macaroon\n  + container.signer  fine is not part of this bundle",
            DockerOp::CopyConfig.into(),
        )
        .detail(Detail::Change {
            field: "permissions".into(),
            from: "signer:generate\u{202e}".into(),
            to: "signer:generate".into(),
        });
        let mut p = plan(vec![stale]);
        p.warnings.push("w\nWarning: none".into());
        p.notes
            .push("the bundle directory also holds a\nnote: b".into());
        let out = plain(&render(&p, RenderOptions { verbose: true }));
        for fake in ["+ container.signer  fine", "Warning: none", "note: b"] {
            assert!(
                !out.lines().any(|l| l.trim_start().starts_with(fake)),
                "{fake:?} got a line of its own:\n{out}"
            );
        }
        assert!(!out.contains('\u{202e}'), "{out}");
        assert!(out.contains("x.macaroon\\n  + container.signer"), "{out}");
    }

    #[test]
    fn no_changes_says_so() {
        let out = plain(&render(&plan(vec![]), RenderOptions::default()));
        assert!(
            out.ends_with("No changes. The signer matches signer.toml.\n"),
            "{out}"
        );
    }

    #[test]
    fn actions_have_symbol_reason_and_summary() {
        let replace = Action::new(
            Address::CONTAINER_SIGNER,
            ActionKind::Replace,
            ReasonCode::SpecChanged,
            "rpc port 10012 → 10022 forces replacement",
            DockerOp::ReplaceContainer.into(),
        )
        .replace_path("ports.rpc")
        .disruptive();
        let conf = Action::new(
            Address::FILE_LND_CONF,
            ActionKind::Update,
            ReasonCode::ConfigChanged,
            "lnd.conf in the volume was edited",
            DockerOp::CopyConfig.into(),
        )
        .drift()
        .detail(Detail::FileDiff {
            path: "lnd.conf".into(),
            old: Some("a=1\ndebuglevel=debug\n".into()),
            new: "a=1\ndebuglevel=info\n".into(),
        });
        let out = plain(&render(
            &plan(vec![conf, replace]),
            RenderOptions::default(),
        ));
        assert!(
            out.contains(
                "    ~ file.lnd_conf     lnd.conf in the volume was edited [changed outside lsm]"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "-/+ container.signer  rpc port 10012 → 10022 forces replacement (disruptive)"
            ),
            "{out}"
        );
        assert!(out.contains("-debuglevel=debug"), "{out}");
        assert!(out.contains("+debuglevel=info"), "{out}");
        assert!(out.contains("Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy. 1 action interrupts the watch-only node's signer."), "{out}");
    }
}
