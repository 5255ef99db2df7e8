//! [`DockerReader`]: the read-only engine client `plan` and `status` are
//! built on. It exposes only inspect/list/download/logs/version/events calls,
//! keeps its bollard handle private to this file, and its transport refuses
//! any mutating request (see `request_hooks.rs`). There is no conversion from a
//! reader to a [`super::DockerWriter`]: a writer needs its own `connect`.

use super::archive::{self, DirListing, ReadFile};
use super::endpoint::{CALL_TIMEOUT, DockerEnv, Endpoint};
use super::error::{DockerError, from_bollard, is_not_found};
#[cfg(feature = "test-support")]
use super::events::{self, Event};
use super::observe::{self, ManagedContainer, ObservedContainer, ObservedImage, ObservedVolume};
use super::request_hooks::{self, RequestStats, StatsSnapshot};
use bollard::Docker;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder,
};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The engine's identity, from `/version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineVersion {
    /// e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The engine's highest API version, e.g. `1.41`.
    pub api_version: String,
    pub os: String,
    pub arch: String,
}

/// What one archive request brought back.
enum Fetched {
    /// 404: no such path (or container).
    Missing,
    /// More than lsm reads in one go.
    TooLarge,
    Tar(Zeroizing<Vec<u8>>),
}

fn too_large(op: String) -> DockerError {
    DockerError::Archive {
        op,
        detail: format!("larger than {} bytes", archive::MAX_DOWNLOAD),
    }
}

/// A directory read with [`DockerReader::download_dir`].
#[derive(Debug)]
pub(crate) enum DirRead {
    /// The directory (or the container) does not exist.
    Missing,
    /// Its mode and regular files by name; anything else under it as
    /// [`archive::DirEntry::NotAFile`].
    Files(DirListing),
    /// Not read in one piece (not a plain directory, or too large): read
    /// the files one by one.
    FileByFile,
}

/// A read-only connection to one Docker engine.
#[derive(Clone)]
pub struct DockerReader {
    docker: Docker,
    endpoint: Endpoint,
    api_version: String,
    stats: Arc<RequestStats>,
}

impl std::fmt::Debug for DockerReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerReader")
            .field("endpoint", &self.endpoint.url)
            .field("api_version", &self.api_version)
            .finish()
    }
}

impl DockerReader {
    /// Resolves the endpoint (`host`, else DOCKER_HOST, else the local socket)
    /// and connects.
    pub async fn connect(host: Option<&str>) -> Result<DockerReader, DockerError> {
        let endpoint = Endpoint::resolve(host, &DockerEnv::from_process())?;
        DockerReader::connect_to(endpoint).await
    }

    /// Connects to a resolved endpoint: API version negotiation (one request).
    pub async fn connect_to(endpoint: Endpoint) -> Result<DockerReader, DockerError> {
        let docker = endpoint.connect().await?;
        Ok(DockerReader::wrap(
            docker,
            endpoint,
            Arc::new(RequestStats::default()),
        ))
    }

    /// Wraps a connected client in the read-only guard.
    pub(super) fn wrap(docker: Docker, endpoint: Endpoint, stats: Arc<RequestStats>) -> Self {
        DockerReader {
            api_version: request_hooks::api_prefix(&docker)
                .trim_start_matches("/v")
                .to_string(),
            docker: request_hooks::read_only(docker, Arc::clone(&stats)),
            endpoint,
            stats,
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The negotiated API version, e.g. `1.41`.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// Request counters of this connection (shared with its writer, if any).
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Starts a new in-flight high-water mark (for measuring one observation).
    pub fn reset_max_in_flight(&self) {
        self.stats.reset_max_in_flight();
    }

    fn err(&self, op: &str, e: bollard::errors::Error) -> DockerError {
        from_bollard(&self.endpoint.url, CALL_TIMEOUT, op, e)
    }

    /// The engine's version (one request).
    pub async fn engine_version(&self) -> Result<EngineVersion, DockerError> {
        let _g = self.stats.begin().await;
        let v = self
            .docker
            .version()
            .await
            .map_err(|e| self.err("version", e))?;
        Ok(EngineVersion {
            version: v.version.unwrap_or_default(),
            api_version: v.api_version.unwrap_or_default(),
            os: v.os.unwrap_or_default(),
            arch: v.arch.unwrap_or_default(),
        })
    }

    /// The container `name` (or id), or `None` when there is none.
    pub async fn inspect_container(
        &self,
        name: &str,
    ) -> Result<Option<ObservedContainer>, DockerError> {
        let _g = self.stats.begin().await;
        match self.docker.inspect_container(name, None).await {
            Ok(c) => Ok(Some(observe::container_from(c))),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.err(&format!("inspect container {name}"), e)),
        }
    }

    /// The IP addresses the container has on its networks (running only),
    /// sorted; empty when it has none or does not exist.
    pub async fn container_addresses(
        &self,
        name: &str,
    ) -> Result<Vec<std::net::IpAddr>, DockerError> {
        let _g = self.stats.begin().await;
        let c = match self.docker.inspect_container(name, None).await {
            Ok(c) => c,
            Err(e) if is_not_found(&e) => return Ok(Vec::new()),
            Err(e) => return Err(self.err(&format!("inspect container {name}"), e)),
        };
        let mut ips: Vec<std::net::IpAddr> = c
            .network_settings
            .and_then(|n| n.networks)
            .unwrap_or_default()
            .into_values()
            .filter_map(|n| n.ip_address)
            .filter_map(|ip| ip.parse().ok())
            .collect();
        ips.sort();
        Ok(ips)
    }

    /// The volume `name`, or `None`.
    pub async fn inspect_volume(&self, name: &str) -> Result<Option<ObservedVolume>, DockerError> {
        let _g = self.stats.begin().await;
        match self.docker.inspect_volume(name).await {
            Ok(v) => Ok(Some(observe::volume_from(v))),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.err(&format!("inspect volume {name}"), e)),
        }
    }

    /// The local image `reference` (`repo:tag` or `repo@sha256:…`), or `None`.
    pub async fn inspect_image(
        &self,
        reference: &str,
    ) -> Result<Option<ObservedImage>, DockerError> {
        let _g = self.stats.begin().await;
        match self.docker.inspect_image(reference).await {
            Ok(i) => Ok(Some(observe::image_from(i))),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.err(&format!("inspect image {reference}"), e)),
        }
    }

    /// Every container (running or not) labelled `io.lsm.managed=true`, and
    /// `io.lsm.signer=<signer>` when given: finds lsm's containers even if
    /// renamed outside lsm.
    pub async fn list_managed(
        &self,
        signer: Option<&str>,
    ) -> Result<Vec<ManagedContainer>, DockerError> {
        let _g = self.stats.begin().await;
        let mut label = vec![format!("{}=true", super::labels::MANAGED)];
        if let Some(s) = signer {
            label.push(format!("{}={s}", super::labels::SIGNER));
        }
        let filters = HashMap::from([("label", label)]);
        let opts = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .docker
            .list_containers(Some(opts))
            .await
            .map_err(|e| self.err("list containers", e))?;
        let mut out: Vec<ManagedContainer> = list.into_iter().map(observe::managed_from).collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The file at `path` inside `container` (running, stopped or only
    /// created), read with the archive API. `None` when the engine answers 404:
    /// the path (or the container) does not exist.
    pub async fn download_file(
        &self,
        container: &str,
        path: &str,
    ) -> Result<Option<crate::FileBytes>, DockerError> {
        Ok(self.read_file(container, path).await?.map(|f| f.content))
    }

    /// [`Self::download_file`] with the file's mode from the archive header.
    pub(crate) async fn read_file(
        &self,
        container: &str,
        path: &str,
    ) -> Result<Option<ReadFile>, DockerError> {
        let op = format!("read {path} from container {container}");
        match self.fetch_archive(container, path, &op).await? {
            Fetched::Missing => Ok(None),
            Fetched::TooLarge => Err(too_large(op)),
            Fetched::Tar(tar_bytes) => archive::read_single_file(&tar_bytes, path),
        }
    }

    /// The regular files directly inside the directory `dir` of `container`,
    /// by name, in ONE archive request (each archive request costs the
    /// engine a process of its own, tens of milliseconds). When `dir` is not
    /// a plain directory or is larger than lsm reads in one go, the answer is
    /// [`DirRead::FileByFile`] and the caller reads each file on its own, so
    /// such volumes are observed exactly as file-by-file reads see them.
    pub(crate) async fn download_dir(
        &self,
        container: &str,
        dir: &str,
    ) -> Result<DirRead, DockerError> {
        let op = format!("read {dir} from container {container}");
        match self.fetch_archive(container, dir, &op).await? {
            Fetched::Missing => Ok(DirRead::Missing),
            Fetched::TooLarge => Ok(DirRead::FileByFile),
            Fetched::Tar(tar_bytes) => Ok(match archive::read_dir_files(&tar_bytes, dir)? {
                Some(listing) => DirRead::Files(listing),
                None => DirRead::FileByFile,
            }),
        }
    }

    /// The archive of `path` as the engine streams it, in a zeroizing buffer
    /// (it may hold the wallet password copy), cut off past
    /// [`archive::MAX_DOWNLOAD`].
    async fn fetch_archive(
        &self,
        container: &str,
        path: &str,
        op: &str,
    ) -> Result<Fetched, DockerError> {
        let _g = self.stats.begin().await;
        let opts = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let stream = self.docker.download_from_container(container, Some(opts));
        let mut stream = std::pin::pin!(stream);
        let mut tar_bytes = Zeroizing::new(Vec::new());
        loop {
            let next = tokio::time::timeout(CALL_TIMEOUT, stream.next())
                .await
                .map_err(|_| DockerError::Timeout {
                    endpoint: self.endpoint.url.clone(),
                    op: op.to_string(),
                    after: CALL_TIMEOUT,
                })?;
            match next {
                None => break,
                Some(Ok(chunk)) => {
                    // Grow by hand so no reallocation leaves a copy behind.
                    if tar_bytes.len() + chunk.len() > tar_bytes.capacity() {
                        let mut bigger = Zeroizing::new(Vec::with_capacity(
                            (tar_bytes.len() + chunk.len()).max(2 * tar_bytes.capacity()),
                        ));
                        bigger.extend_from_slice(&tar_bytes);
                        tar_bytes = bigger;
                    }
                    tar_bytes.extend_from_slice(&chunk);
                    // A tar of one file is its size plus headers and padding.
                    if tar_bytes.len() as u64 > archive::MAX_DOWNLOAD + 64 * 1024 {
                        return Ok(Fetched::TooLarge);
                    }
                }
                Some(Err(e)) if is_not_found(&e) => return Ok(Fetched::Missing),
                Some(Err(e)) => return Err(self.err(op, e)),
            }
        }
        Ok(Fetched::Tar(tar_bytes))
    }

    /// The last `n` lines of the container's stdout and stderr (for failure
    /// reports while waiting for lnd).
    pub async fn logs_tail(&self, container: &str, n: usize) -> Result<Vec<String>, DockerError> {
        let _g = self.stats.begin().await;
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(&n.to_string())
            .build();
        let chunks: Vec<_> = self
            .docker
            .logs(container, Some(opts))
            .try_collect()
            .await
            .map_err(|e| self.err(&format!("logs of container {container}"), e))?;
        let mut text = Vec::new();
        for c in chunks {
            text.extend_from_slice(&c.into_bytes());
        }
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let skip = lines.len().saturating_sub(n);
        Ok(lines.into_iter().skip(skip).collect())
    }
}

/// What the test support's event recorder ([`super::events`]) needs; no
/// command of lsm reads the engine's clock or its events.
#[cfg(feature = "test-support")]
impl DockerReader {
    /// The engine's clock in Unix nanoseconds (from `/info`), so event
    /// windows are measured by the clock that stamps the events.
    pub async fn engine_time_nanos(&self) -> Result<i64, DockerError> {
        let _g = self.stats.begin().await;
        let info = self.docker.info().await.map_err(|e| self.err("info", e))?;
        let text = info.system_time.unwrap_or_default();
        super::rfc3339::parse_rfc3339_nanos(&text).ok_or_else(|| DockerError::Protocol {
            op: "info".into(),
            detail: format!("SystemTime {text:?} is not an RFC 3339 time"),
        })
    }

    /// The engine's event stream from `since_nanos` (replayed from the
    /// engine's buffer) until `until_nanos` (then it ends) or forever.
    pub(crate) fn event_stream(
        &self,
        since_nanos: i64,
        until_nanos: Option<i64>,
        filters: &std::collections::HashMap<String, Vec<String>>,
    ) -> impl futures_util::Stream<Item = Result<Event, DockerError>> + Send + 'static {
        let since = events::format_nanos(since_nanos);
        let mut opts = bollard::query_parameters::EventsOptionsBuilder::default()
            .since(&since)
            .filters(filters);
        if let Some(u) = until_nanos {
            opts = opts.until(&events::format_nanos(u));
        }
        let endpoint = self.endpoint.url.clone();
        self.docker
            .events(Some(opts.build()))
            .map(move |m| match m {
                Ok(m) => Ok(events::event_from(m)),
                Err(e) => Err(from_bollard(&endpoint, CALL_TIMEOUT, "events", e)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Defence in depth: even code inside this module that reaches for the
    /// private bollard handle cannot change the engine.
    #[tokio::test]
    async fn the_reader_transport_refuses_mutations() {
        if std::env::var("LSM_SKIP_DOCKER_TESTS").is_ok_and(|v| v == "1") {
            return;
        }
        let r = DockerReader::connect(None)
            .await
            .expect("the Docker engine is unreachable (LSM_SKIP_DOCKER_TESTS=1 skips)");
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).expect("random");
        let name = format!("lsm-test-{}-guard", hex::encode(b));
        let before = r.stats();
        let req = bollard::models::VolumeCreateRequest {
            name: Some(name.clone()),
            ..Default::default()
        };
        let created = r.docker.create_volume(req).await;
        assert!(created.is_err(), "the reader sent a mutation: {created:?}");
        let stop = r.docker.stop_container(&name, None).await;
        assert!(stop.is_err());
        let d = r.stats().since(&before);
        assert_eq!((d.requests, d.refused, d.mutations), (2, 2, 0));
        assert!(r.inspect_volume(&name).await.unwrap().is_none());
    }
}
