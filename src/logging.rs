//! lsm's log filter. Logs go to stderr; `-vv` turns on lsm's debug lines and
//! `LSM_LOG` replaces the default filter.
//!
//! Whatever the operator asks for, the HTTP and gRPC crates lsm uses are
//! capped at `debug`: at `trace`, bollard prints every request body, and the
//! bodies lsm sends the engine carry the wallet password (the archive that
//! puts its copy into the volume). Their `debug` lines name requests only.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Directive;

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
pub fn default_spec(quiet: bool, verbose: u8) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "error",
        (_, 0 | 1) => "warn",
        (_, 2) => "lsm=debug,warn",
        _ => "lsm=trace,debug",
    }
}

/// `spec` (an `LSM_LOG` value) with the body-logging crates capped at
/// `debug`. A spec that does not parse falls back to `fallback`.
pub fn filter(spec: Option<&str>, fallback: &str) -> EnvFilter {
    let mut filter = spec
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new(fallback));
    for krate in BODY_LOGGING_CRATES {
        if let Ok(cap) = format!("{krate}=debug").parse::<Directive>() {
            // A later directive for the same target replaces an earlier one,
            // so this also overrides an explicit `bollard=trace`.
            filter = filter.add_directive(cap);
        }
    }
    filter
}

/// Installs the stderr logger.
pub fn init(quiet: bool, verbose: u8, color: bool) {
    let spec = std::env::var("LSM_LOG").ok();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(spec.as_deref(), default_spec(quiet, verbose)))
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    /// (bollard at trace, bollard at debug, lsm at trace) under `spec`.
    fn enabled(spec: &str) -> (bool, bool, bool) {
        let subscriber = tracing_subscriber::registry().with(filter(Some(spec), "warn"));
        tracing::subscriber::with_default(subscriber, || {
            (
                tracing::enabled!(target: "bollard::docker", Level::TRACE),
                tracing::enabled!(target: "bollard::docker", Level::DEBUG),
                tracing::enabled!(target: "lsm::apply", Level::TRACE),
            )
        })
    }

    #[test]
    fn trace_never_reaches_the_crates_that_log_bodies() {
        for spec in [
            "trace",
            "bollard=trace",
            "trace,bollard=trace",
            "lsm=trace,trace",
        ] {
            let (bollard_trace, bollard_debug, lsm_trace) = enabled(spec);
            assert!(
                !bollard_trace,
                "{spec}: bollard's trace (request bodies) is on"
            );
            assert!(bollard_debug, "{spec}: bollard's debug lines should stay");
            if spec != "bollard=trace" {
                assert!(lsm_trace, "{spec}: lsm's own trace should stay");
            }
        }
    }

    #[test]
    fn a_bad_spec_falls_back_to_the_default() {
        let subscriber = tracing_subscriber::registry().with(filter(Some("=[bad"), "warn"));
        tracing::subscriber::with_default(subscriber, || {
            assert!(tracing::enabled!(target: "lsm", Level::WARN));
            assert!(!tracing::enabled!(target: "lsm", Level::INFO));
        });
    }
}
