//! The one error type commands return to `main`. Modules keep their own typed
//! errors (thiserror); the CLI edge (`cli::failure`) converts them into
//! [`Failure`], which carries the exit code automation routes on and the
//! text a human needs to fix the problem.

use crate::diagnostic::JsonProblem;
use crate::exit::Exit;
use std::fmt;

/// A command failure: what went wrong, how to fix it, and which exit code.
///
/// `message` may span several lines (rendered manifest diagnostics do). It must
/// never contain secret material: callers pass fingerprints, never secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
    /// Located problems in a file the operator wrote (the manifest,
    /// versions.env), for `--json`: every command reports them in the same
    /// `problems` array `lsm validate --json` prints.
    pub problems: Vec<JsonProblem>,
}

impl Failure {
    /// A plain error (exit 1).
    pub(crate) fn error(message: impl Into<String>) -> Self {
        Failure {
            exit: Exit::Error,
            message: message.into(),
            hints: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// A failure with a specific exit code.
    pub(crate) fn with_exit(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            hints: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Adds a "how to fix it" line.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Adds each of `hints`: none or one (an `Option`), or several.
    pub(crate) fn with_hints<H: Into<String>>(
        mut self,
        hints: impl IntoIterator<Item = H>,
    ) -> Self {
        self.hints.extend(hints.into_iter().map(Into::into));
        self
    }

    /// Attaches the located problems behind this failure (for `--json`).
    pub(crate) fn with_problems(mut self, problems: Vec<JsonProblem>) -> Self {
        self.problems = problems;
        self
    }

    /// The failure as `--json` prints it. With located problems, `error`
    /// is a one-line summary and `problems` carries them; the rendered
    /// text is for humans on stderr.
    pub(crate) fn json(&self) -> serde_json::Value {
        let error = match self.problems.len() {
            0 => self.message.clone(),
            1 => "1 problem (see problems)".to_string(),
            n => format!("{n} problems (see problems)"),
        };
        serde_json::json!({
            "ok": false,
            "exit_code": self.exit.code(),
            "error": error,
            "hints": self.hints,
            "problems": self.problems,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for h in &self.hints {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::error(e.to_string())
    }
}

/// An error's message as a user reads it: its Display, then `: {source}`
/// for each error in its source chain. A source whose text the previous
/// one already ends with is skipped, so a message that embeds its cause
/// (lnd's and Docker's do) does not show it twice.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut previous = out.clone();
    let mut next = err.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !previous.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        previous = text;
        next = source.source();
    }
    out
}

/// Result of a command: the exit code on success (0 or 2), or a failure.
pub(crate) type CmdResult = Result<Exit, Failure>;

#[cfg(test)]
mod tests {
    use super::chain;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("cannot write /x")]
        Write(#[source] std::io::Error),
        #[error("cannot read /x: {0}")]
        Legacy(#[source] std::io::Error),
        #[error("step failed")]
        Nested(#[source] Box<Outer>),
    }

    fn io() -> std::io::Error {
        std::io::Error::other("disk full")
    }

    #[test]
    fn chain_appends_each_source_once() {
        assert_eq!(chain(&Outer::Write(io())), "cannot write /x: disk full");
        assert_eq!(chain(&Outer::Legacy(io())), "cannot read /x: disk full");
        assert_eq!(
            chain(&Outer::Nested(Box::new(Outer::Write(io())))),
            "step failed: cannot write /x: disk full"
        );
        assert_eq!(
            chain(&Outer::Nested(Box::new(Outer::Legacy(io())))),
            "step failed: cannot read /x: disk full"
        );
    }
}
