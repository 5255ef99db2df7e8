//! What the engine says exists, as plain owned structs (no bollard types leak
//! out), and [`DockerReader::observe_all`], the one-shot observation plan and
//! status are built on.
//!
//! Normalisation makes observed values comparable with a [`ContainerSpec`]:
//! container names lose Docker's leading `/`, ports become sorted
//! [`PortBinding`]s (an empty host IP is Docker's "all addresses", 0.0.0.0),
//! the restart policy becomes [`RestartPolicy`], labels a `BTreeMap`.
//! Container labels include those inherited from the image, so compare the
//! spec's labels as a subset.

use super::archive::{DirEntry, ReadFile};
use super::error::DockerError;
use super::labels;
use super::reader::{DirRead, DockerReader};
use super::spec::{PortBinding, RestartPolicy};
use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerSummary,
    ContainerSummaryStateEnum, ImageInspect, PortMap, Volume,
};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// A local image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedImage {
    /// `sha256:…` image id.
    pub id: String,
    pub repo_tags: Vec<String>,
    /// `repo@sha256:…`; empty for images built or loaded locally (never pulled).
    pub repo_digests: Vec<String>,
}

impl ObservedImage {
    /// True when the image carries the registry digest `digest` (`sha256:…`).
    pub fn has_digest(&self, digest: &str) -> bool {
        super::image_ref::digests_contain(&self.repo_digests, digest)
    }
}

/// A named volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedVolume {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
}

impl ObservedVolume {
    /// True when the volume carries lsm's ownership label.
    pub fn managed(&self) -> bool {
        labels::is_managed(&self.labels)
    }

    /// The lsm signer the volume belongs to, by its labels (`""` when it
    /// carries lsm's ownership label without naming a signer).
    pub fn lsm_signer(&self) -> Option<&str> {
        match self.labels.get(labels::SIGNER) {
            Some(s) => Some(s),
            None if self.managed() => Some(""),
            None => None,
        }
    }
}

/// Docker's container states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerStatus {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl std::fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
        })
    }
}

/// A container's runtime state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    pub status: ContainerStatus,
    /// The last exit code (0 while running or never started).
    pub exit_code: Option<i64>,
    /// RFC 3339; `None` when the container has never been started.
    pub started_at: Option<String>,
    /// RFC 3339; `None` while it has never stopped.
    pub finished_at: Option<String>,
    /// The engine's error for the last start attempt, if any.
    pub error: Option<String>,
    pub oom_killed: bool,
    pub restart_count: i64,
    /// lnd's last words say a SIGTERM/SIGINT stopped it while it waited
    /// for the wallet password, which lnd (v0.20) ends with exit code 1
    /// (config_builder.go L1479–1481, lnd.go L491) though it was asked to
    /// stop: `docker stop` of a locked signer looks like a crash by its
    /// code alone. Read by [`DockerReader::observe_all`] only for an exited
    /// container whose code is not one a stop leaves (0, 137, 143).
    pub stopped_waiting_for_password: bool,
}

/// The line lnd prints last when a signal stops it while it waits for the
/// wallet password.
const STOPPED_WAITING_FOR_PASSWORD: &str =
    "error creating wallet config: unable to set up wallet password listeners: shutting down";

/// Whether these last log lines end with lnd's words for a stop while it
/// waited for the wallet password. lnd prints that line on stderr after
/// its log's last lines, but its log reaches stdout asynchronously, so in
/// the container's log the lines of the same shutdown may come after it;
/// anything else after it (another run) means it is not the last word.
pub fn ended_waiting_for_password(last_lines: &[String]) -> bool {
    /// The log lines of that shutdown (signal/signal.go, config_builder.go,
    /// lnd.go).
    const SAME_SHUTDOWN: &[&str] = &[
        "LTND: Received terminated",
        "LTND: Received interrupt",
        "LTND: Shutting down...",
        "LTND: Already shutting down...",
        "LTND: Gracefully shutting down.",
        "LTND: unable to set up wallet password listeners: shutting down",
        "LTND: Shutting down due to error in main method",
        "LTND: Shutdown complete",
    ];
    let Some(at) = last_lines
        .iter()
        .rposition(|l| l.trim_end().ends_with(STOPPED_WAITING_FOR_PASSWORD))
    else {
        return false;
    };
    last_lines[at + 1..].iter().all(|l| {
        let l = l.trim();
        l.is_empty() || SAME_SHUTDOWN.iter().any(|s| l.contains(s))
    })
}

/// A mount as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObservedMount {
    /// `volume`, `bind`, `tmpfs`, …
    pub kind: String,
    /// The volume name (volumes only).
    pub name: Option<String>,
    /// Host path of the source (bind) or of the volume's data.
    pub source: String,
    pub destination: String,
    pub read_only: bool,
}

/// A container, normalised for comparison with a [`super::ContainerSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedContainer {
    pub id: String,
    /// Without Docker's leading `/`.
    pub name: String,
    /// Carries `io.lsm.managed=true`.
    pub managed: bool,
    /// The `io.lsm.signer` label.
    pub signer: Option<String>,
    /// The `io.lsm.spec-hash` label.
    pub spec_hash: Option<String>,
    pub state: ContainerState,
    /// The image reference the container was created with.
    pub image: String,
    /// The id (`sha256:…`) of the image it actually runs.
    pub image_id: String,
    /// `Cmd` (the image's default when created without args).
    pub args: Vec<String>,
    pub entrypoint: Vec<String>,
    /// `KEY=value`, including the image's own variables.
    pub env: Vec<String>,
    /// Configured TCP bindings (HostConfig), normalised and sorted.
    pub ports: Vec<PortBinding>,
    /// Configured non-TCP bindings, kept visible as drift (`53/udp -> 0.0.0.0:53`).
    pub other_ports: Vec<String>,
    /// Bindings the engine reports as live (NetworkSettings; only while running),
    /// as reported: an all-addresses binding may appear as 0.0.0.0 and also as
    /// `::` when the engine has IPv6 enabled.
    pub published: Vec<PortBinding>,
    pub restart: RestartPolicy,
    /// HostConfig.NetworkMode as reported (`default` when none was asked for).
    pub network_mode: String,
    /// Networks the container is attached to, sorted.
    pub networks: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub mounts: Vec<ObservedMount>,
}

impl ObservedContainer {
    /// The user network, normalised like [`super::ContainerSpec::network`]:
    /// `None` for the engine default (`default`/`bridge`).
    pub fn user_network(&self) -> Option<&str> {
        match self.network_mode.as_str() {
            "" | "default" | "bridge" => None,
            n => Some(n),
        }
    }

    /// The volume mounted at `destination`, if a named volume is.
    pub fn volume_at(&self, destination: &str) -> Option<&str> {
        self.mounts
            .iter()
            .find(|m| m.kind == "volume" && m.destination == destination)
            .and_then(|m| m.name.as_deref())
    }

    pub fn is_running(&self) -> bool {
        self.state.status == ContainerStatus::Running
    }

    /// Why lnd in this container will not come up by itself: it exited or
    /// died, or (measured from `mark`) it exited again since then, so the
    /// engine is restarting it in a loop. `None` while it may still come up.
    pub fn down_since(&self, mark: Option<&RunMark>) -> Option<String> {
        let code = self
            .state
            .exit_code
            .map(|c| format!(" (exit code {c})"))
            .unwrap_or_default();
        if matches!(
            self.state.status,
            ContainerStatus::Exited | ContainerStatus::Dead
        ) {
            return Some(format!("the container {}{code}", self.state.status));
        }
        mark.and_then(|m| m.exits_since(self))
    }
}

/// Where a container's run stood when lsm started it (or first saw it), so
/// that later exits show even while the engine keeps restarting lnd: the
/// engine resets RestartCount on every explicit start and restart, raises
/// it on each automatic restart, and moves FinishedAt on every exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMark {
    pub id: String,
    pub restart_count: i64,
    /// The last exit before the mark, if any.
    pub finished_at: Option<String>,
}

impl RunMark {
    pub fn of(c: &ObservedContainer) -> RunMark {
        RunMark {
            id: c.id.clone(),
            restart_count: c.state.restart_count,
            finished_at: c.state.finished_at.clone(),
        }
    }

    /// How the container `c` (the same one) exited since this mark, if it did.
    pub fn exits_since(&self, c: &ObservedContainer) -> Option<String> {
        if c.id != self.id {
            return None;
        }
        let code = c
            .state
            .exit_code
            .map(|x| format!(", last exit code {x}"))
            .unwrap_or_default();
        let restarts = c.state.restart_count - self.restart_count;
        if restarts > 0 {
            return Some(format!(
                "lnd exited {restarts} time{} since it was started{code}, and the engine keeps \
                 restarting it",
                if restarts == 1 { "" } else { "s" }
            ));
        }
        let nanos = |t: &Option<String>| t.as_deref().and_then(super::rfc3339::parse_rfc3339_nanos);
        // Compared as instants: RFC 3339 with trimmed fractions does not
        // sort as text (".5Z" after ".75Z").
        match (nanos(&c.state.finished_at), nanos(&self.finished_at)) {
            (Some(now), before) if before.is_none_or(|b| now > b) => {
                Some(format!("lnd exited since it was started{code}"))
            }
            _ => None,
        }
    }
}

/// A container carrying lsm's labels, from a list call (less detail than inspect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedContainer {
    pub id: String,
    pub name: String,
    pub signer: Option<String>,
    pub image: String,
    pub status: Option<ContainerStatus>,
    pub labels: BTreeMap<String, String>,
}

/// A file read from the volume through the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeFile {
    /// May be secret (the password copy, a macaroon): never shown.
    Present(crate::FileBytes),
    /// The container exists and the file does not.
    Absent,
    /// There is no container to read through: files in a volume are only
    /// reachable through a container that mounts it (lsm never bind-mounts
    /// the host), so with no container the content is unknown, not absent.
    Unknown,
}

/// Everything [`DockerReader::observe_all`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub container: Option<ObservedContainer>,
    pub volume: Option<ObservedVolume>,
    pub image: Option<ObservedImage>,
    /// One entry per requested path, in request order.
    pub files: Vec<(String, VolumeFile)>,
    /// Permission bits, from the archive headers, of every requested file
    /// that exists and of every directory of `whole_dirs` read in one piece.
    pub modes: BTreeMap<String, u32>,
}

impl Observed {
    /// The observation of `path`, if it was requested.
    pub fn file(&self, path: &str) -> Option<&VolumeFile> {
        self.files.iter().find(|(p, _)| p == path).map(|(_, f)| f)
    }
}

/// One file's read: its bytes and mode, `None` when it does not exist, or the error.
type FileRead = Result<Option<ReadFile>, DockerError>;

impl DockerReader {
    /// Observes the container `name`, the volume `volume`, the image `image`
    /// and the files at `files_in_volume` (absolute paths inside the container,
    /// under the volume's mount point), issuing every request concurrently.
    ///
    /// Files directly inside one of `whole_dirs` are read together with one
    /// archive request for that directory instead of one per file: each
    /// archive request costs the engine a helper process of its own (tens of
    /// milliseconds), by far the dearest part of an observation.
    ///
    /// Requests: 3, plus one per directory of `whole_dirs` holding a
    /// requested file, plus one per other file, all in flight at once;
    /// nothing sleeps. An exited container whose exit code is not one a
    /// stop leaves costs one more request afterwards, for its last log
    /// lines ([`ContainerState::stopped_waiting_for_password`]). (A directory that is not plain, or too large, is read
    /// file by file instead, which adds its files' requests.) Files are read
    /// through the container with the archive API even when it is stopped
    /// or only created. When there is no container every file is
    /// [`VolumeFile::Unknown`]. The files are read from whatever the
    /// container mounts, so compare its mounts with the desired volume
    /// before trusting them.
    pub async fn observe_all(
        &self,
        name: &str,
        volume: &str,
        image: &str,
        files_in_volume: &[&str],
        whole_dirs: &[&str],
    ) -> Result<Observed, DockerError> {
        let image_lookup = super::image_ref::ImageRef::parse(image)?.lookup();
        let in_dir = |f: &str| {
            whole_dirs
                .iter()
                .copied()
                .find(|d| f.rsplit_once('/').is_some_and(|(parent, _)| parent == *d))
        };
        let groups: Vec<(&str, Vec<&str>)> = whole_dirs
            .iter()
            .map(|d| {
                let files: Vec<&str> = files_in_volume
                    .iter()
                    .copied()
                    .filter(|f| in_dir(f) == Some(*d))
                    .collect();
                (*d, files)
            })
            .filter(|(_, files)| !files.is_empty())
            .collect();
        let singles: Vec<&str> = files_in_volume
            .iter()
            .copied()
            .filter(|f| in_dir(f).is_none())
            .collect();
        let requests = 3 + groups.len() + singles.len();
        let reads = async {
            let (grouped, single) = tokio::join!(
                futures_util::future::join_all(
                    groups
                        .iter()
                        .map(|(d, files)| self.read_files_in_dir(name, d, files))
                ),
                futures_util::future::join_all(singles.iter().map(|p| self.read_file(name, p))),
            );
            let mut by_path: Vec<(&str, FileRead)> = singles.iter().copied().zip(single).collect();
            let mut dir_modes = BTreeMap::new();
            for ((dir, files), got) in groups.iter().zip(grouped) {
                match got {
                    Ok((mode, contents)) => {
                        if let Some(mode) = mode {
                            dir_modes.insert(dir.to_string(), mode);
                        }
                        by_path.extend(files.iter().copied().zip(contents.into_iter().map(Ok)))
                    }
                    // The group's first file (first in request order) carries
                    // the error; it is returned before the others are looked at.
                    Err(e) => by_path.push((files[0], Err(e))),
                }
            }
            (by_path, dir_modes)
        };
        let (container, volume, image, (mut reads, mut modes)) = tokio::join!(
            self.inspect_container(name),
            self.inspect_volume(volume),
            self.inspect_image(&image_lookup),
            reads
        );
        tracing::debug!(
            container = name,
            requests,
            "docker: observed container, volume, image and files concurrently"
        );
        let mut container = container?;
        if let Some(c) = container.as_mut()
            && c.state.status == ContainerStatus::Exited
            && !matches!(c.state.exit_code, None | Some(0 | 137 | 143))
        {
            // One more request, only for a container that exited on its own
            // terms: were lnd's last words those of a stop?
            let tail = self.logs_tail(name, 8).await?;
            c.state.stopped_waiting_for_password = ended_waiting_for_password(&tail);
        }
        let mut files = Vec::with_capacity(files_in_volume.len());
        for path in files_in_volume {
            let got = reads
                .iter()
                .position(|(p, _)| p == path)
                .map(|i| reads.swap_remove(i).1)
                .unwrap_or(Ok(None));
            let state = match (&container, got) {
                (None, _) => VolumeFile::Unknown,
                (Some(_), Ok(Some(file))) => {
                    modes.insert(path.to_string(), file.mode);
                    VolumeFile::Present(file.content)
                }
                (Some(_), Ok(None)) => VolumeFile::Absent,
                (Some(_), Err(e)) => return Err(e),
            };
            files.push((path.to_string(), state));
        }
        if container.is_none() {
            modes.clear();
        }
        Ok(Observed {
            container,
            volume: volume?,
            image: image?,
            files,
            modes,
        })
    }

    /// `files` (all directly inside `dir`) with one archive request for
    /// `dir`, in the order given; `None` for a file that does not exist.
    /// Also the directory's mode, when it was read in one piece.
    async fn read_files_in_dir(
        &self,
        container: &str,
        dir: &str,
        files: &[&str],
    ) -> Result<(Option<u32>, Vec<Option<ReadFile>>), DockerError> {
        let mut listing = match self.download_dir(container, dir).await? {
            DirRead::Missing => return Ok((None, vec![None; files.len()])),
            DirRead::Files(listing) => listing,
            DirRead::FileByFile => {
                let each = futures_util::future::join_all(
                    files.iter().map(|f| self.read_file(container, f)),
                )
                .await;
                return Ok((None, each.into_iter().collect::<Result<_, _>>()?));
            }
        };
        let read = files
            .iter()
            .map(|path| {
                let name = path.rsplit_once('/').map_or(*path, |(_, n)| n);
                match listing.entries.remove(name) {
                    None => Ok(None),
                    Some(DirEntry::File(file)) => Ok(Some(file)),
                    Some(DirEntry::NotAFile(why)) => Err(DockerError::Archive {
                        op: format!("reading {path} from the container"),
                        detail: why.to_string(),
                    }),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok((Some(listing.mode), read))
    }
}

// ---- conversions from the Engine API's types --------------------------------

fn labels_of(map: Option<std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

pub(super) fn image_from(i: ImageInspect) -> ObservedImage {
    let mut repo_tags = i.repo_tags.unwrap_or_default();
    repo_tags.sort();
    let mut repo_digests = i.repo_digests.unwrap_or_default();
    repo_digests.sort();
    ObservedImage {
        id: i.id.unwrap_or_default(),
        repo_tags,
        repo_digests,
    }
}

pub(super) fn volume_from(v: Volume) -> ObservedVolume {
    ObservedVolume {
        name: v.name,
        driver: v.driver,
        labels: v.labels.into_iter().collect(),
    }
}

fn status_from(s: Option<ContainerStateStatusEnum>) -> ContainerStatus {
    match s {
        // STOPPING is a newer engine's name for a running container being stopped.
        Some(ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::STOPPING) => {
            ContainerStatus::Running
        }
        Some(ContainerStateStatusEnum::PAUSED) => ContainerStatus::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerStatus::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerStatus::Removing,
        Some(ContainerStateStatusEnum::EXITED) => ContainerStatus::Exited,
        Some(ContainerStateStatusEnum::DEAD) => ContainerStatus::Dead,
        Some(ContainerStateStatusEnum::CREATED | ContainerStateStatusEnum::EMPTY) | None => {
            ContainerStatus::Created
        }
    }
}

fn summary_status(s: Option<ContainerSummaryStateEnum>) -> Option<ContainerStatus> {
    Some(match s? {
        ContainerSummaryStateEnum::CREATED => ContainerStatus::Created,
        ContainerSummaryStateEnum::RUNNING | ContainerSummaryStateEnum::STOPPING => {
            ContainerStatus::Running
        }
        ContainerSummaryStateEnum::PAUSED => ContainerStatus::Paused,
        ContainerSummaryStateEnum::RESTARTING => ContainerStatus::Restarting,
        ContainerSummaryStateEnum::EXITED => ContainerStatus::Exited,
        ContainerSummaryStateEnum::REMOVING => ContainerStatus::Removing,
        ContainerSummaryStateEnum::DEAD => ContainerStatus::Dead,
        ContainerSummaryStateEnum::EMPTY => return None,
    })
}

/// Docker reports "never" as the zero time.
fn real_time(t: Option<String>) -> Option<String> {
    t.filter(|t| !t.is_empty() && !t.starts_with("0001-01-01"))
}

/// Splits a port map into normalised TCP bindings and the rest.
fn ports_from(map: Option<PortMap>) -> (Vec<PortBinding>, Vec<String>) {
    let mut tcp = Vec::new();
    let mut other = Vec::new();
    for (key, bindings) in map.unwrap_or_default() {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        for b in bindings.unwrap_or_default() {
            let ip_text = b.host_ip.unwrap_or_default();
            let host_ip = if ip_text.is_empty() {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                ip_text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            };
            let host_port = b.host_port.as_deref().unwrap_or("").parse().unwrap_or(0);
            match (proto, port.parse::<u16>()) {
                ("tcp", Ok(container_port)) => tcp.push(PortBinding {
                    host_ip,
                    host_port,
                    container_port,
                }),
                _ => other.push(format!("{key} -> {ip_text}:{host_port}")),
            }
        }
    }
    tcp.sort();
    tcp.dedup();
    other.sort();
    (tcp, other)
}

pub(super) fn container_from(c: ContainerInspectResponse) -> ObservedContainer {
    let config = c.config.unwrap_or_default();
    let host = c.host_config.unwrap_or_default();
    let state = c.state.unwrap_or_default();
    let labels = labels_of(config.labels);
    let (ports, other_ports) = ports_from(host.port_bindings);
    let network_settings = c.network_settings.unwrap_or_default();
    let (published, _) = ports_from(network_settings.ports);
    let mut networks: Vec<String> = network_settings
        .networks
        .unwrap_or_default()
        .into_keys()
        .collect();
    networks.sort();
    let mut mounts: Vec<ObservedMount> = c
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| ObservedMount {
            kind: m.typ.unwrap_or_default(),
            name: m.name.filter(|n| !n.is_empty()),
            source: m.source.unwrap_or_default(),
            destination: m.destination.unwrap_or_default(),
            read_only: !m.rw.unwrap_or(true),
        })
        .collect();
    mounts.sort();
    ObservedContainer {
        id: c.id.unwrap_or_default(),
        name: c
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        managed: labels::is_managed(&labels),
        signer: labels.get(labels::SIGNER).cloned(),
        spec_hash: labels.get(labels::SPEC_HASH).cloned(),
        state: ContainerState {
            status: status_from(state.status),
            exit_code: state.exit_code,
            started_at: real_time(state.started_at),
            finished_at: real_time(state.finished_at),
            error: state.error.filter(|e| !e.is_empty()),
            oom_killed: state.oom_killed.unwrap_or(false),
            restart_count: c.restart_count.unwrap_or(0),
            stopped_waiting_for_password: false,
        },
        image: config.image.unwrap_or_default(),
        image_id: c.image.unwrap_or_default(),
        args: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        env: config.env.unwrap_or_default(),
        ports,
        other_ports,
        published,
        restart: RestartPolicy::from_bollard(host.restart_policy.as_ref()),
        network_mode: host.network_mode.unwrap_or_default(),
        networks,
        labels,
        mounts,
    }
}

pub(super) fn managed_from(c: ContainerSummary) -> ManagedContainer {
    let labels = labels_of(c.labels);
    let name = c
        .names
        .unwrap_or_default()
        .into_iter()
        .next()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    ManagedContainer {
        id: c.id.unwrap_or_default(),
        name,
        signer: labels.get(labels::SIGNER).cloned(),
        image: c.image.unwrap_or_default(),
        status: summary_status(c.state),
        labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn lnds_last_words_tell_a_stop_while_waiting_for_the_password() {
        let lines = |v: &[&str]| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        // What real lnd v0.20.0-beta's container log ends with after
        // `docker stop` of a locked signer.
        assert!(ended_waiting_for_password(&lines(&[
            "2026-12-06 16:28:34.760 [ERR] LTND: Shutting down due to error in main method \
             rev=\"\" err=\"unable to set up wallet password listeners: shutting down\"",
            "2026-12-06 16:28:34.761 [INF] LTND: Shutdown complete",
            "error creating wallet config: unable to set up wallet password listeners: \
             shutting down",
            "",
        ])));
        // lnd's own failures end otherwise.
        assert!(!ended_waiting_for_password(&lines(&[
            "failed to load config: /root/.lnd/lnd.conf:3: unknown option: frobnicate",
        ])));
        assert!(!ended_waiting_for_password(&lines(&[
            "error creating wallet config: unable to set up wallet password listeners: \
             shutting down",
            "2026-12-06 16:30:00.000 [INF] LTND: Version Info rev=\"\" version=0.20.0-beta",
            "unable to create server: alias too large: max is 32, got 40",
        ])));
        // lnd's log reaches stdout after the stderr line at times.
        assert!(ended_waiting_for_password(&lines(&[
            "2026-12-06 17:30:23.339 [INF] LTND: Waiting for wallet encryption password.",
            "error creating wallet config: unable to set up wallet password listeners: \
             shutting down",
            "2026-12-06 17:30:23.424 [INF] LTND: Received terminated",
            "2026-12-06 17:30:23.424 [INF] LTND: Shutting down...",
            "2026-12-06 17:30:23.424 [INF] LTND: Gracefully shutting down.",
            "2026-12-06 17:30:23.424 [ERR] LTND: unable to set up wallet password listeners: \
             shutting down",
            "2026-12-06 17:30:23.425 [INF] LTND: Shutdown complete",
        ])));
        assert!(!ended_waiting_for_password(&[]));
    }

    fn container(
        status: ContainerStatus,
        restarts: i64,
        started: &str,
        finished: &str,
    ) -> ObservedContainer {
        let time = |t: &str| (!t.is_empty()).then(|| t.to_string());
        ObservedContainer {
            id: "c1".into(),
            name: "signer".into(),
            managed: true,
            signer: Some("signer".into()),
            spec_hash: None,
            state: ContainerState {
                status,
                exit_code: Some(1),
                started_at: time(started),
                finished_at: time(finished),
                error: None,
                oom_killed: false,
                restart_count: restarts,
                stopped_waiting_for_password: false,
            },
            image: String::new(),
            image_id: String::new(),
            args: vec![],
            entrypoint: vec![],
            env: vec![],
            ports: vec![],
            other_ports: vec![],
            published: vec![],
            restart: RestartPolicy::UnlessStopped,
            network_mode: String::new(),
            networks: vec![],
            labels: BTreeMap::new(),
            mounts: vec![],
        }
    }

    #[test]
    fn exits_after_the_mark_say_lnd_does_not_stay_up() {
        use ContainerStatus::{Exited, Restarting, Running};
        let t0 = "2026-01-01T00:00:00.5Z";
        // Started after an earlier exit at .5 s.
        let started = container(Running, 0, "2026-01-01T00:00:00.6Z", t0);
        let mark = RunMark::of(&started);
        assert_eq!(started.down_since(Some(&mark)), None);
        // The engine restarted it twice since: a restart loop.
        let looping = container(
            Restarting,
            2,
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:00.9Z",
        );
        let why = looping.down_since(Some(&mark)).unwrap();
        assert!(
            why.contains("exited 2 times") && why.contains("keeps restarting"),
            "{why}"
        );
        // Exited after the mark, not yet counted as a restart (instants, not
        // text: ".75Z" sorts before ".5Z").
        let exited = container(Restarting, 0, t0, "2026-01-01T00:00:00.75Z");
        assert!(
            exited
                .down_since(Some(&mark))
                .unwrap()
                .contains("exited since")
        );
        // An exit from before the mark is not one since.
        let before = container(Running, 0, t0, "2026-01-01T00:00:00.123Z");
        assert_eq!(before.down_since(Some(&mark)), None);
        // A first exit after a mark taken before any exit.
        let fresh = RunMark::of(&container(Running, 0, t0, ""));
        assert!(exited.down_since(Some(&fresh)).is_some());
        // Exited or dead is down whatever the mark.
        assert!(
            container(Exited, 0, t0, "")
                .down_since(None)
                .unwrap()
                .contains("exited")
        );
        // Another container (replaced since) is not judged by this mark.
        let mut other = looping.clone();
        other.id = "c2".into();
        assert_eq!(other.down_since(Some(&mark)), None);
    }

    #[test]
    fn ports_normalise_empty_ip_and_keep_other_protocols_visible() {
        let map: PortMap = HashMap::from([
            (
                "10012/tcp".to_string(),
                Some(vec![
                    bollard::models::PortBinding {
                        host_ip: Some("".into()),
                        host_port: Some("10012".into()),
                    },
                    bollard::models::PortBinding {
                        host_ip: Some("::".into()),
                        host_port: Some("10012".into()),
                    },
                ]),
            ),
            ("53/udp".to_string(), Some(vec![Default::default()])),
            ("9735/tcp".to_string(), None),
        ]);
        let (tcp, other) = ports_from(Some(map));
        assert_eq!(
            tcp.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec!["0.0.0.0:10012->10012/tcp", "[::]:10012->10012/tcp"]
        );
        assert_eq!(other, vec!["53/udp -> :0"]);
    }
}
