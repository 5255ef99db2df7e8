//! [`DockerWriter`]: the only type that can change engine state. `apply` and
//! `destroy` create one with [`DockerWriter::connect`]; it carries a
//! [`DockerReader`] on the same connection for re-observation. Every HTTP
//! request is counted and every mutating one is also counted as a mutation
//! (see `request_hooks.rs`), so tests can assert that a converged apply made none.

use super::archive::{self, UploadDir, UploadFile};
use super::endpoint::{CALL_TIMEOUT, DockerEnv, Endpoint};
use super::error::{DockerError, from_bollard, is_not_found};
use super::image_ref::ImageRef;
use super::observe::{ContainerStatus, ObservedContainer, ObservedImage, RunMark};
use super::reader::DockerReader;
use super::request_hooks::{self, RequestStats, StatsSnapshot};
use super::spec::{ContainerSpec, RestartPolicy};
use bollard::Docker;
use bollard::models::{ContainerUpdateBody, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptionsBuilder, RestartContainerOptionsBuilder, StopContainerOptionsBuilder,
    UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a pull may go without any progress message before lsm gives up.
pub const PULL_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// One progress message from an image pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullProgress {
    /// The layer id, when the message is about a layer.
    pub layer: Option<String>,
    /// e.g. `Downloading`, `Pull complete`, `Status: Downloaded newer image …`.
    pub status: String,
    pub current: Option<i64>,
    pub total: Option<i64>,
}

/// What [`DockerWriter::ensure_volume`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeOutcome {
    Created,
    /// The volume existed; it was left exactly as it was (labels included).
    AlreadyExisted,
}

/// A read-write connection to one Docker engine.
#[derive(Clone)]
pub struct DockerWriter {
    reader: DockerReader,
    docker: Docker,
    stats: Arc<RequestStats>,
}

impl std::fmt::Debug for DockerWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerWriter")
            .field("endpoint", &self.reader.endpoint().url)
            .finish()
    }
}

impl DockerWriter {
    /// Resolves the endpoint (`host`, else DOCKER_HOST, else the local socket)
    /// and connects.
    pub async fn connect(host: Option<&str>) -> Result<DockerWriter, DockerError> {
        let endpoint = Endpoint::resolve(host, &DockerEnv::from_process())?;
        DockerWriter::connect_to(endpoint).await
    }

    /// Connects to a resolved endpoint: API version negotiation (one request).
    pub async fn connect_to(endpoint: Endpoint) -> Result<DockerWriter, DockerError> {
        let docker = endpoint.connect().await?;
        let stats = Arc::new(RequestStats::default());
        Ok(DockerWriter {
            reader: DockerReader::wrap(docker.clone(), endpoint, Arc::clone(&stats)),
            docker: request_hooks::counting(docker, Arc::clone(&stats)),
            stats,
        })
    }

    /// The read-only view of the same connection, for (re-)observation.
    pub fn reader(&self) -> &DockerReader {
        &self.reader
    }

    /// Request and mutation counters for this connection (reader included).
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    fn err(&self, op: &str, e: bollard::errors::Error) -> DockerError {
        from_bollard(&self.reader.endpoint().url, CALL_TIMEOUT, op, e)
    }

    /// Pulls `image` (`repo[:tag]`; a digest in the reference or `digest`
    /// pins it), reporting progress. The whole stream is drained: the engine
    /// reports failures mid-stream. When pinned, the pulled image's
    /// RepoDigests must contain the digest.
    pub async fn pull_image(
        &self,
        image: &str,
        digest: Option<&str>,
        mut progress: impl FnMut(&PullProgress),
    ) -> Result<ObservedImage, DockerError> {
        let r = ImageRef::parse(image)?;
        let digest = match (digest, r.digest.as_deref()) {
            (Some(d), _) | (None, Some(d)) => {
                super::image_ref::check_digest(d).map_err(|reason| DockerError::BadImageRef {
                    image: image.to_string(),
                    reason,
                })?;
                Some(d.to_string())
            }
            (None, None) => None,
        };
        let tagged = r.tagged();
        let _g = self.stats.enter();
        tracing::debug!(image = %tagged, "docker: pull image");
        let failed = |cause: String| DockerError::PullFailed {
            image: tagged.clone(),
            cause,
        };
        let opts = CreateImageOptionsBuilder::default()
            .from_image(&r.repository)
            .tag(r.tag.as_deref().unwrap_or("latest"))
            .build();
        let stream = self.docker.create_image(Some(opts), None, None);
        let mut stream = std::pin::pin!(stream);
        loop {
            let next = tokio::time::timeout(PULL_IDLE_TIMEOUT, stream.next())
                .await
                .map_err(|_| failed(format!("no progress for {}s", PULL_IDLE_TIMEOUT.as_secs())))?;
            let info = match next {
                None => break,
                Some(Ok(info)) => info,
                Some(Err(e)) => {
                    return Err(match self.err("pull", e) {
                        DockerError::Api { message, .. } => failed(message),
                        other => other,
                    });
                }
            };
            if let Some(detail) = info.error_detail {
                return Err(failed(
                    detail.message.unwrap_or_else(|| "unknown error".into()),
                ));
            }
            let p = info.progress_detail.unwrap_or_default();
            progress(&PullProgress {
                layer: info.id,
                status: info.status.unwrap_or_default(),
                current: p.current,
                total: p.total,
            });
        }
        let pulled = self
            .reader
            .inspect_image(&tagged)
            .await?
            .ok_or_else(|| failed("the pull finished but the image is not present".into()))?;
        if let Some(d) = digest
            && !pulled.has_digest(&d)
        {
            return Err(DockerError::DigestMismatch {
                image: tagged,
                expected: d,
                found: pulled.repo_digests,
            });
        }
        Ok(pulled)
    }

    /// Creates the volume `name` with `labels` unless it exists. An existing
    /// volume is never modified (its data is the wallet).
    pub async fn ensure_volume(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<VolumeOutcome, DockerError> {
        if self.reader.inspect_volume(name).await?.is_some() {
            return Ok(VolumeOutcome::AlreadyExisted);
        }
        let _g = self.stats.enter();
        tracing::debug!(volume = name, "docker: create volume");
        let req = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_volume(req)
            .await
            .map_err(|e| self.err(&format!("create volume {name}"), e))?;
        Ok(VolumeOutcome::Created)
    }

    /// Creates (does not start) the container; returns its id.
    pub async fn create_container(&self, spec: &ContainerSpec) -> Result<String, DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container = %spec.name, image = %spec.image, "docker: create container");
        let opts = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        match self
            .docker
            .create_container(Some(opts), spec.create_body())
            .await
        {
            Ok(r) => Ok(r.id),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => Err(DockerError::NameConflict {
                name: spec.name.clone(),
            }),
            Err(e) => Err(self.err(&format!("create container {}", spec.name), e)),
        }
    }

    /// Creates (does not start) a throwaway container: `image` run with
    /// `args`, `labels`, a tmpfs (mode 0700) at `tmpfs_at`, on the engine's
    /// default network, with no published port, no restart policy and no
    /// named volume (an anonymous volume the image declares goes with
    /// [`Self::remove_throwaway`]). Returns its id.
    pub async fn create_throwaway(
        &self,
        name: &str,
        image: &str,
        args: &[String],
        labels: &BTreeMap<String, String>,
        tmpfs_at: &str,
    ) -> Result<String, DockerError> {
        use bollard::models::{ContainerCreateBody, HostConfig};
        let _g = self.stats.enter();
        tracing::debug!(
            container = name,
            image,
            "docker: create throwaway container"
        );
        let opts = CreateContainerOptionsBuilder::default().name(name).build();
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(args.to_vec()),
            labels: Some(labels.clone().into_iter().collect()),
            host_config: Some(HostConfig {
                tmpfs: Some(std::collections::HashMap::from([(
                    tmpfs_at.to_string(),
                    "rw,mode=0700".to_string(),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        };
        match self.docker.create_container(Some(opts), body).await {
            Ok(r) => Ok(r.id),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => Err(DockerError::NameConflict {
                name: name.to_string(),
            }),
            Err(e) => Err(self.err(&format!("create container {name}"), e)),
        }
    }

    /// Removes a throwaway container with its anonymous volumes (never a
    /// named one), killing it first. Already gone counts as done, and so
    /// does a removal already under way (an interrupted lsm's, or the
    /// cleanup racing the rehearsal's own): this waits until it is gone.
    pub async fn remove_throwaway(&self, container: &str) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, "docker: remove throwaway container");
        let opts = RemoveContainerOptionsBuilder::default()
            .v(true)
            .force(true)
            .build();
        match self.docker.remove_container(container, Some(opts)).await {
            Err(e) if is_not_found(&e) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409,
                message,
            }) if message.contains("already in progress") => {
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
                while self.reader().inspect_container(container).await?.is_some() {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(DockerError::Api {
                            op: format!("remove container {container}"),
                            status: 409,
                            message: "another removal of it did not finish within 60 s".into(),
                        });
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Ok(())
            }
            other => other.map_err(|e| self.err(&format!("remove container {container}"), e)),
        }
    }

    /// Writes files into the container through the archive API (works on a
    /// created-but-never-started container; files under a volume's mount
    /// point land in the volume). Owner root:root, modes as given.
    pub async fn upload_files(
        &self,
        container: &str,
        files: &[UploadFile<'_>],
    ) -> Result<(), DockerError> {
        self.upload(container, &[], files).await
    }

    /// [`Self::upload_files`], also creating each of `dirs` (or setting its
    /// mode when it exists) before the files are written.
    pub async fn upload(
        &self,
        container: &str,
        dirs: &[UploadDir<'_>],
        files: &[UploadFile<'_>],
    ) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, dirs = ?dirs, files = ?files, "docker: upload files");
        let tar = archive::build_upload(dirs, files)?;
        let opts = UploadToContainerOptionsBuilder::default().path("/").build();
        // The body owns the zeroizing buffer, so the tar (which may hold a
        // secret) is wiped when the request is done with it.
        let body = bollard::body_full(bytes::Bytes::from_owner(tar));
        self.docker
            .upload_to_container(container, Some(opts), body)
            .await
            .map_err(|e| self.err(&format!("upload files into container {container}"), e))
    }

    /// Changes the container's restart policy in place (the engine's
    /// `update`); the container keeps running and keeps its id.
    pub async fn update_restart_policy(
        &self,
        container: &str,
        policy: RestartPolicy,
    ) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, %policy, "docker: update restart policy");
        let body = ContainerUpdateBody {
            restart_policy: Some(policy.to_bollard()),
            ..Default::default()
        };
        self.docker
            .update_container(container, body)
            .await
            .map_err(|e| self.err(&format!("update container {container}"), e))
    }

    /// Starts the container (a no-op on the engine if it already runs).
    pub async fn start(&self, container: &str) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, "docker: start container");
        self.docker
            .start_container(container, None)
            .await
            .map_err(|e| self.err(&format!("start container {container}"), e))
    }

    /// Resumes a paused container (`start` refuses one: HTTP 409).
    pub async fn unpause(&self, container: &str) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, "docker: unpause container");
        self.docker
            .unpause_container(container)
            .await
            .map_err(|e| self.err(&format!("unpause container {container}"), e))
    }

    /// Stops the container: SIGTERM, then SIGKILL after `timeout`.
    pub async fn stop(&self, container: &str, timeout: Duration) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(
            container,
            timeout_s = timeout.as_secs(),
            "docker: stop container"
        );
        let opts = StopContainerOptionsBuilder::default()
            .t(secs_i32(timeout))
            .build();
        self.docker
            .clone()
            .with_timeout(timeout + CALL_TIMEOUT)
            .stop_container(container, Some(opts))
            .await
            .map_err(|e| self.err(&format!("stop container {container}"), e))
    }

    /// Restarts the container (stop with `timeout`, then start).
    pub async fn restart(&self, container: &str, timeout: Duration) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, "docker: restart container");
        let opts = RestartContainerOptionsBuilder::default()
            .t(secs_i32(timeout))
            .build();
        self.docker
            .clone()
            .with_timeout(timeout + CALL_TIMEOUT)
            .restart_container(container, Some(opts))
            .await
            .map_err(|e| self.err(&format!("restart container {container}"), e))
    }

    /// Removes the container, never its volumes. `force` kills a running
    /// container first. Already gone counts as done.
    pub async fn remove_container(&self, container: &str, force: bool) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(container, force, "docker: remove container");
        let opts = RemoveContainerOptionsBuilder::default()
            .v(false)
            .force(force)
            .build();
        match self.docker.remove_container(container, Some(opts)).await {
            Err(e) if is_not_found(&e) => Ok(()),
            other => other.map_err(|e| self.err(&format!("remove container {container}"), e)),
        }
    }

    /// Removes the volume (and the data in it). Already gone counts as done.
    pub async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        let _g = self.stats.enter();
        tracing::debug!(volume = name, "docker: remove volume");
        let opts = RemoveVolumeOptionsBuilder::default().force(false).build();
        match self.docker.remove_volume(name, Some(opts)).await {
            Err(e) if is_not_found(&e) => Ok(()),
            other => other.map_err(|e| self.err(&format!("remove volume {name}"), e)),
        }
    }

    /// Polls the container until it runs, with a short exponential backoff
    /// (25 ms doubling to 500 ms) and a deadline. Fails fast when it exited
    /// and its restart policy will not bring it back, and when it exits
    /// again after the first poll (a restart loop: the engine restarts it,
    /// but it will not stay up).
    pub async fn wait_until_running(
        &self,
        container: &str,
        deadline: Duration,
    ) -> Result<ObservedContainer, DockerError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(25);
        let mut mark: Option<RunMark> = None;
        loop {
            let Some(c) = self.reader.inspect_container(container).await? else {
                return Err(DockerError::NotRunning {
                    name: container.to_string(),
                    state: "removed".into(),
                    exit_code: None,
                });
            };
            let stays_down = match c.restart {
                RestartPolicy::No => true,
                RestartPolicy::OnFailure { .. } => c.state.exit_code == Some(0),
                RestartPolicy::Always | RestartPolicy::UnlessStopped => false,
            };
            let first = mark.get_or_insert_with(|| RunMark::of(&c));
            if let Some(why) = first.exits_since(&c) {
                return Err(DockerError::Crashing {
                    name: container.to_string(),
                    why,
                });
            }
            match c.state.status {
                ContainerStatus::Running => return Ok(c),
                ContainerStatus::Exited | ContainerStatus::Dead if stays_down => {
                    return Err(DockerError::NotRunning {
                        name: container.to_string(),
                        state: c.state.status.to_string(),
                        exit_code: c.state.exit_code,
                    });
                }
                _ => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= deadline {
                return Err(DockerError::WaitTimeout {
                    name: container.to_string(),
                    state: c.state.status.to_string(),
                    after: deadline,
                });
            }
            tokio::time::sleep(pause.min(deadline - elapsed)).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }
}

fn secs_i32(d: Duration) -> i32 {
    i32::try_from(d.as_secs()).unwrap_or(i32::MAX)
}
