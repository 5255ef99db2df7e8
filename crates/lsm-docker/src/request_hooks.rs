//! What lsm does to every HTTP request it sends the engine, hooked into
//! bollard's request pipeline so nothing bypasses it:
//! - count it (and count mutations: in the Engine API every write is a POST,
//!   PUT or DELETE), so tests can prove that a no-op observation stays small
//!   and concurrent, and that a converged apply mutates nothing;
//! - pin the negotiated API version into the path (see [`pin_version`]);
//! - for the reader, *refuse* mutations by rewriting them into a GET of a path
//!   the engine does not serve, so even a bug inside the reader cannot change
//!   anything.

use bollard::{BollardRequest, Docker};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters shared by every clone of one connection.
#[derive(Debug, Default)]
pub(crate) struct RequestStats {
    requests: AtomicU64,
    mutations: AtomicU64,
    refused: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// HTTP requests sent since connecting (the connect-time version
    /// negotiation is not counted).
    pub requests: u64,
    /// Requests that could change engine state (POST/PUT/DELETE).
    pub mutations: u64,
    /// Mutating requests the read-only client refused to send (always 0 unless lsm has a bug).
    pub refused: u64,
    /// The most lsm-level calls that were in flight at the same time.
    pub max_in_flight: u64,
}

impl StatsSnapshot {
    /// What happened between `earlier` and `self` (`max_in_flight` is the later high-water mark).
    pub fn since(&self, earlier: &StatsSnapshot) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests - earlier.requests,
            mutations: self.mutations - earlier.mutations,
            refused: self.refused - earlier.refused,
            max_in_flight: self.max_in_flight,
        }
    }
}

/// The path a refused mutation is redirected to; the engine answers 404.
const REFUSED_PATH: &str = "/lsm-read-only-client-refused-a-mutating-request";

impl RequestStats {
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::SeqCst),
            mutations: self.mutations.load(Ordering::SeqCst),
            refused: self.refused.load(Ordering::SeqCst),
            max_in_flight: self.max_in_flight.load(Ordering::SeqCst),
        }
    }

    /// Resets the in-flight high-water mark (tests measure one observation at a time).
    pub(crate) fn reset_max_in_flight(&self) {
        self.max_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// Marks one read as in flight, then yields once to the scheduler before
    /// the read goes out. Why the yield: when several reads are joined, every
    /// one of them is registered before any can finish, so the in-flight
    /// high-water mark counts the batch exactly instead of depending on
    /// thread timing (a fast reply under OS preemption could otherwise finish
    /// one read before its siblings start). Costs one task wake-up, never a sleep.
    pub(crate) async fn begin(self: &Arc<Self>) -> InFlight {
        let guard = self.enter();
        tokio::task::yield_now().await;
        guard
    }

    /// Marks one lsm-level call as in flight until the guard drops.
    pub(crate) fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }
}

/// Decrements the in-flight count on drop.
pub(crate) struct InFlight(Arc<RequestStats>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn is_read(req: &BollardRequest) -> bool {
    matches!(req.method().as_str(), "GET" | "HEAD")
}

/// The negotiated API version as a path prefix, e.g. `/v1.41`.
pub(crate) fn api_prefix(docker: &Docker) -> String {
    let v = docker.client_version();
    format!("/v{}.{}", v.major_version, v.minor_version)
}

/// Replaces the request's path (and query), keeping scheme and authority.
fn set_path(req: &mut BollardRequest, path_and_query: &str) {
    let uri = format!(
        "{}://{}{path_and_query}",
        req.uri().scheme_str().unwrap_or("http"),
        req.uri()
            .authority()
            .map(|a| a.as_str())
            .unwrap_or("localhost"),
    );
    if let Ok(uri) = uri.parse() {
        *req.uri_mut() = uri;
    }
}

/// bollard 0.21 sends unversioned paths (`/containers/…`), which an engine
/// serves at its *newest* API version, whatever was negotiated. Prefixing the
/// negotiated version makes the engine answer in the version bollard's types
/// and lsm's tests were written against, also on engines newer than bollard.
fn pin_version(req: &mut BollardRequest, prefix: &str) {
    let path = req.uri().path();
    if path.starts_with("/v1.") {
        return;
    }
    let pq = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.to_string(), |pq| pq.as_str().to_string());
    set_path(req, &format!("{prefix}{pq}"));
}

/// The client a [`super::DockerWriter`] uses: pins the API version, counts
/// requests and mutations.
pub(crate) fn counting(docker: Docker, stats: Arc<RequestStats>) -> Docker {
    let prefix = api_prefix(&docker);
    docker.with_request_modifier(move |mut req| {
        stats.requests.fetch_add(1, Ordering::SeqCst);
        if !is_read(&req) {
            stats.mutations.fetch_add(1, Ordering::SeqCst);
        }
        pin_version(&mut req, &prefix);
        req
    })
}

/// The client a [`super::DockerReader`] uses: pins the API version, counts
/// requests and turns any mutating request into a harmless GET that the
/// engine rejects.
pub(crate) fn read_only(docker: Docker, stats: Arc<RequestStats>) -> Docker {
    let prefix = api_prefix(&docker);
    docker.with_request_modifier(move |mut req| {
        stats.requests.fetch_add(1, Ordering::SeqCst);
        if is_read(&req) {
            pin_version(&mut req, &prefix);
            return req;
        }
        stats.refused.fetch_add(1, Ordering::SeqCst);
        tracing::error!(
            method = %req.method(),
            path = req.uri().path(),
            "bug: the read-only Docker client refused a mutating request"
        );
        set_path(&mut req, REFUSED_PATH);
        if let Ok(get) = "GET".parse() {
            *req.method_mut() = get;
        }
        req
    })
}
