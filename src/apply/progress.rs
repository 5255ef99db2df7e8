//! Visible progress on stderr while apply works: one line per action with
//! its outcome and duration, and a spinner while waiting for lnd (hidden when
//! stderr is not a terminal, so logs and CI output stay clean).

use crate::output::{Output, style};
use crate::plan::Action;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

/// Progress reporting for one apply or destroy.
pub(crate) struct Progress {
    quiet: bool,
}

impl Progress {
    pub(crate) fn new(out: &Output) -> Self {
        Progress { quiet: out.quiet }
    }

    /// Announces an action; the returned step reports how it ended.
    pub(crate) fn start(&self, action: &Action) -> Step {
        Step {
            label: format!("{} {}", action.kind.symbol(), action.address),
            verb: action.kind.verb(),
            started: Instant::now(),
            quiet: self.quiet,
        }
    }

    /// A remark worth showing (never secret).
    pub(crate) fn note(&self, text: &str) {
        if !self.quiet {
            anstream::eprintln!("  {}note{:#}: {text}", style::DIM, style::DIM);
        }
    }

    /// A spinner for waits of unknown length.
    pub(crate) fn spinner(&self, message: &str) -> Spinner {
        let bar = if self.quiet {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        };
        bar.set_message(message.to_string());
        Spinner { bar }
    }
}

/// One action in progress.
pub(crate) struct Step {
    label: String,
    verb: &'static str,
    started: Instant,
    quiet: bool,
}

impl Step {
    pub(crate) fn finish<T, E>(self, result: &Result<T, E>) {
        if self.quiet {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64();
        match result {
            Ok(_) => anstream::eprintln!(
                "  {} {}{} done{:#} ({secs:.1}s)",
                self.label,
                self.verb,
                style::CREATE,
                style::CREATE
            ),
            Err(_) => anstream::eprintln!(
                "  {} {}{} failed{:#} ({secs:.1}s)",
                self.label,
                self.verb,
                style::ERROR,
                style::ERROR
            ),
        }
    }
}

/// A running spinner.
pub(crate) struct Spinner {
    bar: ProgressBar,
}

impl Spinner {
    pub(crate) fn set(&self, message: &str) {
        self.bar.set_message(message.to_string());
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
