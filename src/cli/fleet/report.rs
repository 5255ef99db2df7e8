//! The fleet's report: each node's own output in manifest order (a section
//! per node, or one JSON line per node), then the fleet summary.

use super::outcome::Outcome;
use super::runner::NodeRun;
use crate::error::Failure;
use serde_json::{Map, Value, json};

/// The version of the fleet's JSON lines (`schemas/fleet.schema.json`).
pub(crate) const FLEET_FORMAT_VERSION: &str = "1.0";

/// One section per node, then `Fleet: …`.
pub(crate) fn human(runs: &[NodeRun], outcomes: &[Outcome], command: &str) {
    let mut out = String::new();
    for run in runs {
        out.push_str(&format!(
            "── {} · {} · {:.1}s ──\n",
            crate::diagnostic::escape_line(&run.node.name),
            super::shown(&run.node.manifest),
            run.took.as_secs_f64()
        ));
        for stream in [&run.stdout, &run.stderr] {
            let text = String::from_utf8_lossy(stream);
            out.push_str(&text);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push('\n');
    }
    out.push_str(&summary_line(runs, outcomes, command));
    out.push('\n');
    crate::output::print_stdout(&out);
}

/// `Fleet: 3 nodes: 1 no changes, 1 to change, 1 failed (name: why)`.
fn summary_line(runs: &[NodeRun], outcomes: &[Outcome], command: &str) -> String {
    let counts: Vec<String> = Outcome::ALL
        .iter()
        .filter_map(|o| {
            let n = outcomes.iter().filter(|x| *x == o).count();
            (n > 0).then(|| format!("{n} {}", o.label(command)))
        })
        .collect();
    let failed: Vec<String> = runs
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| !o.ok(command))
        .map(|(r, _)| {
            format!(
                "{}: {}",
                crate::diagnostic::escape_line(&r.node.name),
                why(r)
            )
        })
        .collect();
    let mut line = format!(
        "Fleet: {} node{}: {}",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        counts.join(", ")
    );
    if !failed.is_empty() {
        line.push_str(&format!(" ({})", failed.join("; ")));
    }
    line
}

/// The first `error:` line a node printed, else its exit status.
fn why(run: &NodeRun) -> String {
    let stderr = String::from_utf8_lossy(&run.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .map(|l| crate::diagnostic::escape_line(l).into_owned())
        .unwrap_or_else(|| match run.code {
            Some(c) => format!("exit {c}"),
            None => "killed by a signal".to_string(),
        })
}

/// NDJSON: one line per node (its own document plus `node`, `manifest`,
/// `exit_code`), then a `fleet_summary` line.
pub(crate) fn json(
    runs: &[NodeRun],
    outcomes: &[Outcome],
    command: &str,
    exit: crate::exit::Exit,
) -> Result<(), Failure> {
    let mut out = String::new();
    for (run, outcome) in runs.iter().zip(outcomes) {
        let mut doc = node_document(run);
        doc.insert("type".into(), json!("node"));
        doc.insert("fleet_format_version".into(), json!(FLEET_FORMAT_VERSION));
        doc.insert("node".into(), json!(run.node.name));
        doc.insert(
            "manifest".into(),
            json!(run.node.manifest.display().to_string()),
        );
        doc.insert("exit_code".into(), json!(run.code));
        doc.insert("outcome".into(), json!(key(*outcome)));
        doc.insert("took_ms".into(), json!(run.took.as_millis() as u64));
        out.push_str(&Value::Object(doc).to_string());
        out.push('\n');
    }
    let mut counts = Map::new();
    for o in Outcome::ALL {
        counts.insert(
            key(o).into(),
            json!(outcomes.iter().filter(|x| **x == o).count()),
        );
    }
    let not_ok: Vec<Value> = runs
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| !o.ok(command))
        .map(|(r, o)| json!({"node": r.node.name, "outcome": key(*o), "exit_code": r.code, "reason": why(r)}))
        .collect();
    let summary = json!({
        "type": "fleet_summary",
        "fleet_format_version": FLEET_FORMAT_VERSION,
        "command": command,
        "nodes": runs.len(),
        "counts": counts,
        "exit_code": exit.code(),
        "not_ok": not_ok,
    });
    out.push_str(&summary.to_string());
    out.push('\n');
    crate::output::print_stdout(&out);
    Ok(())
}

/// The node's own JSON document (the last one it printed), or one that
/// says why there is none.
fn node_document(run: &NodeRun) -> Map<String, Value> {
    let last = serde_json::Deserializer::from_slice(&run.stdout)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .last();
    match last {
        Some(Value::Object(m)) => m,
        _ => {
            let mut m = Map::new();
            m.insert("error".into(), json!(why(run)));
            m
        }
    }
}

fn key(o: Outcome) -> &'static str {
    match o {
        Outcome::NoChanges => "no_changes",
        Outcome::Changes => "changes",
        Outcome::Blocked => "blocked",
        Outcome::LockHeld => "lock_held",
        Outcome::Stale => "stale",
        Outcome::Failed => "failed",
    }
}
