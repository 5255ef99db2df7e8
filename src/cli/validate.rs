//! `lsm validate`: load the manifest, report every problem at once, or print
//! a one-line summary (`--show`/`-v`: every resolved value and its source).

use crate::cli::Context;
use crate::error::CmdResult;
use crate::exit::Exit;
use crate::manifest::{self, Loaded, Source};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Shown by `lsm validate --help`.
pub(crate) const LONG_ABOUT: &str = "Check signer.toml (and a versions.env beside it) without touching anything. \
                  Every problem is reported at once with file:line:column, the key and how to \
                  fix it. Exit 0 when valid, 1 otherwise.";
/// Examples shown under `lsm validate --help`.
pub(crate) const AFTER_HELP: &str = "Examples:\n  lsm validate\n  lsm validate -f examples/signer.toml --show\n  \
                  lsm validate --json | jq .manifest_hash";

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// Print the fully resolved manifest: every value, defaults filled in, with where it came from.
    #[arg(long)]
    pub show: bool,
}

pub(crate) fn run(args: &ValidateArgs, ctx: &Context) -> CmdResult {
    let path = ctx.manifest_path();
    let loaded = match manifest::load(&path) {
        Ok(loaded) => loaded,
        Err(e) => {
            anstream::eprint!("{}", e.render(true));
            if ctx.output.json {
                ctx.output.print_json(&json!({
                    "valid": false,
                    "file": path,
                    "problems": e.json_problems(),
                }))?;
            }
            return Ok(Exit::Error);
        }
    };
    if ctx.output.json {
        ctx.output.print_json(&json!({
            "valid": true,
            "file": path,
            "manifest_hash": loaded.digest(),
            "summary": loaded.resolved.summary(),
            "resolved": loaded.resolved,
            "sources": loaded.provenance,
        }))?;
        return Ok(Exit::Ok);
    }
    if !ctx.output.quiet {
        anstream::println!("{}: valid — {}", path.display(), loaded.resolved.summary());
    }
    if args.show || ctx.output.verbose > 0 {
        anstream::print!("{}", show(&loaded));
    }
    Ok(Exit::Ok)
}

/// `key = value    # source`, one line per resolved value, sorted by key.
pub(crate) fn show(loaded: &Loaded) -> String {
    let value = serde_json::to_value(&loaded.resolved).unwrap_or(Value::Null);
    let mut rows = Vec::new();
    flatten(&manifest::problem::KeyPath::root(), &value, &mut rows);
    let key_width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let value_width = rows
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let file = loaded.path.display().to_string();
    let mut out = String::new();
    for (key, value) in rows {
        let source = match loaded.provenance.get(&key) {
            Some(Source::Manifest { line, column }) => format!("{file}:{line}:{column}"),
            Some(other) => other.to_string(),
            None => "derived".to_string(),
        };
        let _ = writeln!(out, "{key:key_width$} = {value:value_width$}  # {source}");
    }
    out
}

/// Leaves of the resolved JSON as (dotted key, TOML-ish value); absent
/// sections (the runtime or backend not selected) are skipped.
fn flatten(path: &manifest::problem::KeyPath, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if child.is_null() && path.is_root() {
                    continue;
                }
                flatten(&path.key(k), child, out);
            }
        }
        Value::Null => out.push((path.to_string(), "(not set)".to_string())),
        other => out.push((path.to_string(), toml_text(other))),
    }
}

/// A JSON value written the way TOML would show it.
fn toml_text(v: &Value) -> String {
    match v {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_text).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}
