//! lnd-style log lines (`2026-01-02 03:04:05.678 [INF] LTND: ...`) on
//! stdout, where lnd's console logger writes, and in
//! `<logdir>/bitcoin/<net>/lnd.log` like lnd's rotating file. Callers never
//! pass secrets here: seeds, passwords and macaroons are not logged.

use std::fmt::Display;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
    Off,
}

impl Level {
    fn tag(self) -> &'static str {
        match self {
            Level::Trace => "TRC",
            Level::Debug => "DBG",
            Level::Info => "INF",
            Level::Warn => "WRN",
            Level::Error => "ERR",
            Level::Critical => "CRT",
            Level::Off => "OFF",
        }
    }

    /// The global level of a `debuglevel` value (`info`, `debug,RPCS=trace`).
    pub fn from_debuglevel(s: &str) -> Level {
        match s.split(',').next().unwrap_or("info") {
            "trace" => Level::Trace,
            "debug" => Level::Debug,
            "warn" => Level::Warn,
            "error" => Level::Error,
            "critical" => Level::Critical,
            "off" => Level::Off,
            _ => Level::Info,
        }
    }
}

struct Logger {
    level: Level,
    file: Option<Mutex<std::fs::File>>,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// Sets the level and opens the log file; before this, lines go to stdout
/// at Info.
pub fn init(level: Level, log_dir: Option<&Path>) {
    let file = log_dir.and_then(|dir| {
        // build/logrotator.go L38: os.MkdirAll(logDir, 0700).
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("lnd.log"))
            .ok()
            .map(Mutex::new)
    });
    let _ = LOGGER.set(Logger { level, file });
}

pub fn log(level: Level, subsystem: &str, msg: impl Display) {
    let min = LOGGER.get().map(|l| l.level).unwrap_or(Level::Info);
    if level < min || min == Level::Off {
        return;
    }
    let line = format!("{} [{}] {subsystem}: {msg}\n", timestamp(), level.tag());
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
    if let Some(Some(file)) = LOGGER.get().map(|l| l.file.as_ref())
        && let Ok(mut f) = file.lock()
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// An RPC error as it may be logged: a wrong seed word is the caller's
/// secret (or a typo of it), so it is dropped from the log line while the
/// caller still gets lnd's full message.
pub fn redact_rpc_error(msg: &str) -> String {
    if msg.starts_with("word ") && msg.contains("isn't a part of default word list") {
        let index = msg.rsplit("(index=").next().unwrap_or(")");
        return format!("a word isn't a part of default word list (index={index}");
    }
    msg.to_string()
}

pub fn info(subsystem: &str, msg: impl Display) {
    log(Level::Info, subsystem, msg);
}

pub fn warn(subsystem: &str, msg: impl Display) {
    log(Level::Warn, subsystem, msg);
}

pub fn error(subsystem: &str, msg: impl Display) {
    log(Level::Error, subsystem, msg);
}

pub fn debug(subsystem: &str, msg: impl Display) {
    log(Level::Debug, subsystem, msg);
}

/// A structured log attribute's value as btclog's text handler writes it:
/// bare when it is a plain word, else quoted like Go's strconv.Quote.
pub fn attr_value(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '=' | '\\'));
    if plain {
        v.to_string()
    } else {
        crate::gofmt::go_quote(v)
    }
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrong_seed_words_stay_out_of_the_log() {
        assert_eq!(
            super::redact_rpc_error("word abandonn isn't a part of default word list (index=3)"),
            "a word isn't a part of default word list (index=3)"
        );
        assert_eq!(
            super::redact_rpc_error("permission denied"),
            "permission denied"
        );
    }
}
