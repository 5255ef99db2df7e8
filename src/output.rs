//! Where output goes and how it looks. Machine output (`--json`) goes to
//! stdout; logs, progress and human diagnostics go to stderr. Colour follows
//! `--no-color`, `NO_COLOR`, `CLICOLOR=0` and whether the stream is a TTY
//! (anstream strips ANSI codes when colour is off).

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use std::io::Write;

/// Output settings derived from the global flags once, in `main`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    /// Print machine-readable JSON on stdout instead of human text.
    pub json: bool,
    /// Verbosity: 0 concise, 1 `-v` (value sources), 2+ debug logs.
    pub verbose: u8,
    /// `-q`: only errors and the essential result.
    pub quiet: bool,
    /// Colour is allowed at all (not `--no-color`, not `NO_COLOR`).
    pub color: bool,
}

impl Output {
    /// Applies the global colour choice to anstream for the whole process.
    pub(crate) fn install(self) {
        if !self.color {
            anstream::ColorChoice::Never.write_global();
        }
    }

    /// Prints a serialisable value as pretty JSON on stdout.
    /// A reader that stops early (`| head`) is not an error.
    pub(crate) fn print_json<T: Serialize>(&self, value: &T) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        let written = serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out));
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// Writes `text` to stdout as is; a reader that stops early (`| head`) is
/// not an error.
pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Styles shared by every renderer, so plans and diagnostics look alike.
pub(crate) mod style {
    use super::*;
    pub(crate) const ERROR: Style = AnsiColor::Red.on_default().bold();
    pub(crate) const WARN: Style = AnsiColor::Yellow.on_default().bold();
    pub(crate) const CREATE: Style = AnsiColor::Green.on_default();
    pub(crate) const UPDATE: Style = AnsiColor::Yellow.on_default();
    pub(crate) const DESTROY: Style = AnsiColor::Red.on_default();
    pub(crate) const ACCENT: Style = AnsiColor::Cyan.on_default();
    pub(crate) const BOLD: Style = Style::new().bold();
    pub(crate) const DIM: Style = Style::new().dimmed();
}
