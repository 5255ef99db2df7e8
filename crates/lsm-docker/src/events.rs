//! The engine's event stream, recorded: how tests prove that a second apply
//! makes zero mutating Docker calls and that observation changes nothing.
//! Test support only: compiled with the feature `test-support`, which lsm
//! enables for its tests alone (a dev-dependency), never in the binary.
//!
//! Synchronisation without sleeps: [`EventRecorder::start`] reads the
//! engine's own clock (`/info` SystemTime) and subscribes with `since` set to
//! it, so anything after that instant is delivered even if the subscription
//! request is still in flight (the engine replays buffered events).
//! [`EventRecorder::stop`] reads the clock again and, besides the live
//! stream, asks for the closed window `[since, until]`, which the engine
//! answers from its buffer and then ends; the union of both, deduplicated,
//! holds every event up to `stop` whether or not the live stream had caught
//! up. Timestamps come from the engine's clock, so a remote engine with a
//! skewed clock works too.

use super::error::DockerError;
use super::reader::DockerReader;
use bollard::models::EventMessage;
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// One engine event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    /// Engine time, Unix nanoseconds.
    pub time_nanos: i64,
    /// `container`, `volume`, `network`, `image`, …
    pub kind: String,
    /// `create`, `start`, `die`, `destroy`, `archive-path`, …
    pub action: String,
    /// The actor's id (container id, volume name, network id, …).
    pub actor: String,
    /// The actor's attributes (name, labels, container for mounts, …).
    pub attributes: BTreeMap<String, String>,
}

/// Actions that only read: the archive download observation uses, `top`,
/// `export`, and the health-check execs and status changes the engine runs by
/// itself (lsm never execs).
const NON_MUTATING_ACTIONS: &[&str] = &["archive-path", "top", "export", "health_status"];

/// Volume actions that are side effects, never calls: Docker 20.10 mounts
/// and unmounts a container's volumes around every archive read (even of a
/// running container), and around start/stop, whose own container events
/// already record the change.
const VOLUME_SIDE_EFFECTS: &[&str] = &["mount", "unmount"];

impl Event {
    /// True when the event records a change to engine state (create, start,
    /// stop, die, destroy, rename, update, extract-to-dir, connect, …).
    pub fn is_mutating(&self) -> bool {
        let base = self.action.split(':').next().unwrap_or("").trim();
        let side_effect = self.kind == "volume" && VOLUME_SIDE_EFFECTS.contains(&base);
        !(side_effect || NON_MUTATING_ACTIONS.contains(&base) || base.starts_with("exec_"))
    }

    /// The actor's name attribute, when the engine provides one.
    pub fn name(&self) -> Option<&str> {
        self.attributes.get("name").map(String::as_str)
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.kind,
            self.action,
            self.name().unwrap_or(&self.actor)
        )
    }
}

/// One server-side event filter: every key must match (the engine ANDs
/// different keys and ORs values of one key). Record several filters to get
/// their union, e.g. a container and its volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter(BTreeMap<String, Vec<String>>);

impl EventFilter {
    /// Events of the container with this name or id.
    pub fn container(name: &str) -> Self {
        EventFilter::default()
            .and("type", "container")
            .and("container", name)
    }

    /// Events of the volume with this name (including mounts into containers).
    pub fn volume(name: &str) -> Self {
        EventFilter::default()
            .and("type", "volume")
            .and("volume", name)
    }

    /// Events of objects carrying the label `key=value` (containers carry
    /// their labels in events; volumes do not).
    pub fn label(key: &str, value: &str) -> Self {
        EventFilter::default().and("label", &format!("{key}={value}"))
    }

    /// Adds a condition (`type`, `container`, `volume`, `image`, `label`, `event`, …).
    pub fn and(mut self, key: &str, value: &str) -> Self {
        self.0
            .entry(key.to_string())
            .or_default()
            .push(value.to_string());
        self
    }

    fn as_map(&self) -> HashMap<String, Vec<String>> {
        self.0.clone().into_iter().collect()
    }
}

/// Records engine events matching a set of filters between `start` and `stop`.
pub struct EventRecorder {
    reader: DockerReader,
    since: i64,
    filters: Vec<EventFilter>,
    live: Arc<Mutex<Vec<Event>>>,
    failure: Arc<Mutex<Option<DockerError>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl EventRecorder {
    /// Starts recording. Every event the engine stamps after this returns is
    /// guaranteed to be in [`EventRecorder::stop`]'s result.
    pub async fn start(
        reader: &DockerReader,
        filters: Vec<EventFilter>,
    ) -> Result<EventRecorder, DockerError> {
        let since = reader.engine_time_nanos().await?;
        let live = Arc::new(Mutex::new(Vec::new()));
        let failure = Arc::new(Mutex::new(None));
        let mut tasks = Vec::new();
        for f in &filters {
            let stream = reader.event_stream(since, None, &f.as_map());
            let (live, failure) = (Arc::clone(&live), Arc::clone(&failure));
            tasks.push(tokio::spawn(async move {
                let mut stream = std::pin::pin!(stream);
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(ev) => lock(&live).push(ev),
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            break;
                        }
                    }
                }
            }));
        }
        Ok(EventRecorder {
            reader: reader.clone(),
            since,
            filters,
            live,
            failure,
            tasks,
        })
    }

    /// The engine time recording started at (Unix nanoseconds).
    pub fn since_nanos(&self) -> i64 {
        self.since
    }

    /// Stops recording and returns every matching event from `start` until
    /// now, sorted by time and deduplicated.
    pub async fn stop(self) -> Result<Vec<Event>, DockerError> {
        let until = self.reader.engine_time_nanos().await?;
        let mut all: BTreeSet<Event> = BTreeSet::new();
        for f in &self.filters {
            let stream = self
                .reader
                .event_stream(self.since, Some(until), &f.as_map());
            let mut stream = std::pin::pin!(stream);
            while let Some(item) =
                tokio::time::timeout(super::endpoint::CALL_TIMEOUT, stream.next())
                    .await
                    .map_err(|_| DockerError::Timeout {
                        endpoint: self.reader.endpoint().url.clone(),
                        op: "events".into(),
                        after: super::endpoint::CALL_TIMEOUT,
                    })?
            {
                all.insert(item?);
            }
        }
        for t in &self.tasks {
            t.abort();
        }
        if let Some(e) = lock(&self.failure).take() {
            return Err(e);
        }
        all.extend(lock(&self.live).drain(..).filter(|e| e.time_nanos <= until));
        Ok(all.into_iter().collect())
    }
}

impl Drop for EventRecorder {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A poisoned lock only means another recorder task panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn event_from(m: EventMessage) -> Event {
    let actor = m.actor.unwrap_or_default();
    Event {
        time_nanos: m
            .time_nano
            .or_else(|| m.time.map(|s| s.saturating_mul(1_000_000_000)))
            .unwrap_or(0),
        kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
        action: m.action.unwrap_or_default(),
        actor: actor.id.unwrap_or_default(),
        attributes: actor.attributes.unwrap_or_default().into_iter().collect(),
    }
}

/// `seconds.nanoseconds`, the form the events API takes for since/until.
pub(crate) fn format_nanos(nanos: i64) -> String {
    format!(
        "{}.{:09}",
        nanos.div_euclid(1_000_000_000),
        nanos.rem_euclid(1_000_000_000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_the_events_api() {
        assert_eq!(
            format_nanos(1_795_576_483_000_000_007),
            "1795576483.000000007"
        );
    }

    #[test]
    fn classifies_mutations() {
        let ev = |a: &str| Event {
            time_nanos: 0,
            kind: "container".into(),
            action: a.into(),
            actor: "x".into(),
            attributes: BTreeMap::new(),
        };
        for m in [
            "create",
            "start",
            "die",
            "destroy",
            "rename",
            "update",
            "extract-to-dir",
        ] {
            assert!(ev(m).is_mutating(), "{m}");
        }
        for r in [
            "archive-path",
            "exec_start: /bin/true",
            "health_status: healthy",
        ] {
            assert!(!ev(r).is_mutating(), "{r}");
        }
    }
}
