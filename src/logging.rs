//! lsm's log filter. Logs go to stderr; `-vv` turns on lsm's debug lines and
//! `LSM_LOG` replaces the default filter.
//!
//! Whatever the operator asks for, the HTTP and gRPC crates lsm uses never
//! log at `trace`: at that level bollard prints every request body, and the
//! bodies lsm sends the engine carry the wallet password (the archive that
//! puts its copy into the volume). Their `debug` lines name requests only.
//! The cap is a second filter ANDed with the operator's, so it only ever
//! removes lines: with the default filter those crates stay silent.

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Crates whose `trace` output may contain request or response bodies.
const BODY_LOGGING_CRATES: &[&str] = &[
    "bollard",
    "hyper",
    "hyper_util",
    "h2",
    "tonic",
    "tower",
    "rustls",
];

/// The default filter for the verbosity flags.
pub(crate) fn default_spec(quiet: bool, verbose: u8) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "error",
        (_, 0 | 1) => "warn",
        (_, 2) => "lsm=debug,warn",
        _ => "lsm=trace,debug",
    }
}

/// `spec` (an `LSM_LOG` value), or `fallback` when it is unset or does not
/// parse.
pub(crate) fn env_filter(spec: Option<&str>, fallback: &str) -> EnvFilter {
    spec.and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new(fallback))
}

/// False for a `trace` event or span of a crate that may log bodies.
fn below_the_cap(meta: &Metadata<'_>) -> bool {
    !(*meta.level() == Level::TRACE && logs_bodies(meta.target()))
}

/// Whether `target` is one of [`BODY_LOGGING_CRATES`] or a module of one
/// (whole path segments: `h2::codec` is, `h2o` is not).
fn logs_bodies(target: &str) -> bool {
    BODY_LOGGING_CRATES.iter().any(|c| {
        target
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

/// A stderr-style logger writing to `writer`, filtered by `spec` (else
/// `fallback`) and the cap.
fn subscriber<W>(
    spec: Option<&str>,
    fallback: &str,
    color: bool,
    writer: W,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = env_filter(spec, fallback).and(filter_fn(below_the_cap));
    tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(color)
            .without_time()
            .with_filter(filter),
    )
}

/// Installs the stderr logger; colour only when colour is allowed and
/// stderr is a terminal (a CI log file gets plain text).
pub(crate) fn init(quiet: bool, verbose: u8, color: bool) {
    use std::io::IsTerminal;
    let spec = std::env::var("LSM_LOG").ok();
    let _ = subscriber(
        spec.as_deref(),
        default_spec(quiet, verbose),
        color && std::io::stderr().is_terminal(),
        std::io::stderr,
    )
    .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (bollard trace, bollard debug, lsm trace, lsm warn) enabled under `spec`.
    fn enabled(spec: Option<&str>, fallback: &str) -> [bool; 4] {
        let s = subscriber(spec, fallback, false, std::io::sink);
        tracing::subscriber::with_default(s, || {
            [
                tracing::enabled!(target: "bollard::docker", Level::TRACE),
                tracing::enabled!(target: "bollard::docker", Level::DEBUG),
                tracing::enabled!(target: "lsm::apply", Level::TRACE),
                tracing::enabled!(target: "lsm::apply", Level::WARN),
            ]
        })
    }

    // One test, not three: tracing caches each callsite's interest across
    // threads, so tests with different subscribers running in parallel
    // would see each other's answers.
    #[test]
    fn the_cap_removes_trace_and_never_turns_anything_on() {
        // Whatever LSM_LOG asks, the body-logging crates stop at debug.
        for spec in [
            "trace",
            "bollard=trace",
            "trace,bollard=trace",
            "lsm=trace,trace",
        ] {
            let [bollard_trace, bollard_debug, lsm_trace, _] = enabled(Some(spec), "warn");
            assert!(
                !bollard_trace,
                "{spec}: bollard's trace (request bodies) is on"
            );
            assert!(bollard_debug, "{spec}: bollard's debug lines should stay");
            if spec != "bollard=trace" {
                assert!(lsm_trace, "{spec}: lsm's own trace should stay");
            }
        }
        // The defaults leave those crates silent.
        for verbose in [0, 1, 2] {
            let [bollard_trace, bollard_debug, lsm_trace, lsm_warn] =
                enabled(None, default_spec(false, verbose));
            assert!(
                !bollard_trace && !bollard_debug,
                "-v×{verbose}: bollard is on"
            );
            assert!(!lsm_trace && lsm_warn, "-v×{verbose}");
        }
        let [_, bollard_debug, ..] = enabled(Some("lsm=debug"), "warn");
        assert!(!bollard_debug, "LSM_LOG=lsm=debug turned bollard on");
        // A spec that does not parse falls back to the default.
        let [_, _, lsm_trace, lsm_warn] = enabled(Some("=[bad"), "warn");
        assert!(lsm_warn && !lsm_trace);
    }

    #[test]
    fn crate_names_match_whole_path_segments_only() {
        assert!(logs_bodies("h2::codec"));
        assert!(logs_bodies("h2"));
        assert!(
            !logs_bodies("h2o::thing"),
            "another crate sharing a prefix is not capped"
        );
    }
}
