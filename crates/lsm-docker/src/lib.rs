//! lsm's Docker-engine layer: where the engine is, what exists on it, and the
//! few mutations apply needs. It knows nothing of manifests; the desired
//! state arrives as a runtime-neutral [`ContainerSpec`].
//!
//! # Read-only by construction
//! Two client types split the Engine API:
//! - [`DockerReader`] only inspects, lists, downloads, reads logs and the
//!   version (and, for the tests' event recorder, the engine's clock and
//!   events). Its bollard handle is private to `reader.rs`, it has no method
//!   that mutates, and nothing converts it into a writer; on top of that its
//!   transport refuses any POST/PUT/DELETE (`request_hooks.rs`). `plan` and
//!   `status` take a `&DockerReader`, so they cannot change anything.
//! - [`DockerWriter`] is created separately by [`DockerWriter::connect`], holds
//!   a [`DockerReader`] on the same connection for re-observation
//!   ([`DockerWriter::reader`]), and adds pull/volume/create/upload/start/
//!   stop/restart/remove.
//!
//! # Modules
//! | module | job |
//! |---|---|
//! | `endpoint` | resolve DOCKER_HOST / `[docker] host`, connect, negotiate the API version |
//! | `reader`, `writer` | the two clients |
//! | `spec` | [`ContainerSpec`] → create body, [`spec_hash`] |
//! | `labels` | lsm's ownership labels |
//! | `observe` | owned observation structs, [`DockerReader::observe_all`] |
//! | `archive` | in-memory tar for uploads and downloads; [`FileBytes`], a file read out of a container |
//! | `image_ref` | `repo:tag@digest` parsing and digest checks |
//! | `rfc3339` | the engine's times as Unix nanoseconds |
//! | `events` | feature `test-support` only: the tests' `EventRecorder`, which proves which calls changed engine state |
//! | `request_hooks` | on every HTTP request: count it, pin the API version, refuse writes (reader) |
//! | `error` | [`DockerError`]; lsm's core turns it into a command failure with a hint |

// Unit tests may be long (one scenario end to end); the code under test
// is held to clippy::too_many_lines by the non-test build.
#![cfg_attr(test, allow(clippy::too_many_lines))]

mod archive;
mod endpoint;
mod error;
#[cfg(feature = "test-support")]
pub mod events;
mod file_bytes;
mod image_ref;
pub mod labels;
mod observe;
mod reader;
mod request_hooks;
mod rfc3339;
mod spec;
mod ssh;
mod writer;

pub use archive::{MAX_DOWNLOAD, UploadDir, UploadFile};
pub use endpoint::{
    CALL_TIMEOUT, CONNECT_TIMEOUT, DEFAULT_SOCKET, DockerEnv, Endpoint, EndpointOrigin, Transport,
};
pub use error::DockerError;
pub use file_bytes::FileBytes;
pub use image_ref::{ImageRef, check_digest, digests_contain};
pub use observe::{
    ContainerState, ContainerStatus, ManagedContainer, Observed, ObservedContainer, ObservedImage,
    ObservedMount, ObservedVolume, RunMark, VolumeFile,
};
pub use reader::{DockerReader, EngineVersion};
pub use request_hooks::StatsSnapshot;
pub use spec::{
    ContainerSpec, PortBinding, RestartPolicy, VolumeMount, legacy_spec_hash, spec_hash,
    validate_object_name,
};
pub use ssh::SshTarget;
pub use writer::{DockerWriter, PULL_IDLE_TIMEOUT, PullProgress, VolumeOutcome};
