//! Why a saved plan cannot be written, read or applied. A stale plan is
//! not a failure of lsm but a fact the operator acts on: the CLI edge
//! gives it its own exit code (3).

use crate::plan::document::FORMAT_VERSION;
use crate::regular_file::ReadError;
use std::path::PathBuf;

/// What can go wrong with a plan file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("cannot serialise the plan")]
    Serialise(#[source] serde_json::Error),
    #[error("cannot write the plan to {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the plan file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
    #[error("{} is larger than {limit} bytes; that is not an lsm plan file", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{}:{line}:{column}: not a JSON plan file", path.display())]
    NotJson {
        path: PathBuf,
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("{} is not an lsm plan file (no format_version)", path.display())]
    NoFormatVersion { path: PathBuf },
    /// Another major plan format: made by another lsm.
    #[error("{} has plan format {version}; this lsm reads format {FORMAT_VERSION}", path.display())]
    FormatVersion { path: PathBuf, version: String },
    #[error("{} is not a valid lsm plan", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The plan no longer matches the manifest or the observed state.
    #[error("Saved plan is stale: {0}")]
    Stale(Staleness),
}

/// What changed since a saved plan was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Staleness {
    #[error("it was made by lsm {saved}, this is lsm {current}")]
    LsmVersion { saved: String, current: String },
    #[error("it is for signer \"{saved}\", the manifest declares \"{current}\"")]
    Signer { saved: String, current: String },
    #[error("{manifest} (or its versions.env) changed since the plan was made")]
    Manifest { manifest: String },
    /// The observed state's digests (shortened), then and now.
    #[error("the signer changed since the plan was made (observed state {saved} → {current})")]
    Observed { saved: String, current: String },
    #[error("the actions it lists differ from what is needed now")]
    Actions,
}
