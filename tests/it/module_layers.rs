//! lsm's top-level modules form layers (src/lib.rs lists them): the plan
//! model below the resources, the resources below observation and
//! reconcile, apply and the commands on top. A module that imports one
//! above it closes a circle; scripts/import-circles.py finds every
//! `crate::x` path between top-level modules (code and doc links, test
//! code left out) and this test fails on any circle.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn top_level_modules_import_each_other_in_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("scripts/import-circles.py"))
        .arg("--check")
        .arg(root.join("src"))
        .output()
        .expect("run python3 scripts/import-circles.py");
    assert!(
        out.status.success(),
        "an import circle between top-level modules (`scripts/import-circles.py -v src` names \
         the paths behind each edge):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Modules below the CLI that return their own typed errors (issue 13):
/// exit codes and hints are decided at the CLI edge (`src/cli/failure`),
/// so none of them may name `Failure` or an `Exit::` code. A module joins
/// the list once it is converted; paths are relative to `src/`.
const TYPED_ERROR_MODULES: &[&str] = &[
    "secrets.rs",
    "dirguard.rs",
    "manifest",
    "plan",
    "bundle",
    "signer.rs",
    "wallet",
    "watchonly",
    "desired",
    "runtime",
    "observe.rs",
    "reconcile",
    "apply",
];

/// `file:line: text` for every line of `text` that names `Failure` (as a
/// word) or `Exit::`.
fn edge_names(file: &str, text: &str) -> Vec<String> {
    let word = |line: &str, w: &str| {
        line.match_indices(w).any(|(i, _)| {
            let before = line[..i].chars().next_back();
            let after = line[i + w.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        })
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| word(l, "Failure") || l.contains("Exit::"))
        .map(|(n, l)| format!("{file}:{}: {}", n + 1, l.trim()))
        .collect()
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read a module directory") {
            rust_files(&entry.expect("a directory entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn the_scan_finds_failure_and_exit_but_not_lookalikes() {
    let hits = edge_names(
        "x.rs",
        "use crate::error::Failure;\nfn f() -> Exit { Exit::Blocked }\n\
         // Failures, NoFailure, failure, ExitCode\nlet _: Result<(), Failure>;\n",
    );
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert!(hits[0].starts_with("x.rs:1:"), "{hits:?}");
}

#[test]
fn typed_error_modules_leave_exit_codes_and_hints_to_the_cli_edge() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offending = Vec::new();
    for module in TYPED_ERROR_MODULES {
        let path = src.join(module);
        assert!(
            path.exists(),
            "{} is listed but does not exist",
            path.display()
        );
        let mut files = Vec::new();
        rust_files(&path, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a source file");
            let shown = file
                .strip_prefix(&src)
                .unwrap_or(&file)
                .display()
                .to_string();
            offending.extend(edge_names(&shown, &text));
        }
    }
    assert!(
        offending.is_empty(),
        "modules with typed errors name the CLI's Failure or an exit code; convert in \
         src/cli/failure instead:\n{}",
        offending.join("\n")
    );
}
