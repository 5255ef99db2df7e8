//! The approval gate. Without a saved plan, apply and destroy show the plan
//! and ask for a typed answer on a terminal. Without a terminal they refuse
//! unless `--auto-approve` was given: automation must opt in explicitly.

use crate::error::Failure;
use std::io::{BufRead, IsTerminal, Write};

/// Asks `question` and returns true only if the operator types `expected`.
/// Fails (exit 1) when stdin is not a terminal.
pub(crate) fn confirm(question: &str, expected: &str) -> Result<bool, Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::error(
            "refusing to change the signer without approval: stdin is not a terminal",
        )
        .hint("review `lsm plan`, then run with --auto-approve, or apply a saved plan file"));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\n{question}\n  Only '{expected}' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = err.flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::error(format!("cannot read the answer: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']) == expected)
}
