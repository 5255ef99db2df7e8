//! The approval gate. Without a saved plan, apply and destroy show the plan
//! and ask for a typed answer on a terminal. Without a terminal they refuse
//! unless `--auto-approve` was given: automation must opt in explicitly.

use super::Error;
use std::io::{BufRead, IsTerminal, Write};

/// Asks `question` and returns true only if the operator types `expected`.
/// Fails (exit 1) when stdin is not a terminal.
pub(crate) fn confirm(question: &str, expected: &str) -> Result<bool, Error> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::NoTerminal);
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
        .map_err(Error::ReadAnswer)?;
    Ok(line.trim_end_matches(['\r', '\n']) == expected)
}
