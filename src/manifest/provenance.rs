//! Where every resolved value came from, so `validate --show` (and later
//! `plan -v`) can answer "why is it this value?".

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The origin of one resolved value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// lsm's built-in default.
    Default,
    /// The versions.env compiled into lsm.
    EmbeddedVersions,
    /// A versions.env beside the manifest.
    VersionsFile { path: PathBuf, line: usize },
    /// Written in the manifest (1-based line and character column).
    Manifest { line: usize, column: usize },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::EmbeddedVersions => f.write_str("built-in versions.env"),
            Source::VersionsFile { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Manifest { line, column } => write!(f, "manifest:{line}:{column}"),
        }
    }
}

/// Source per resolved key, keyed by the manifest's dotted key
/// (`docker.version`, `signer.extra_config."routing.strictgraphpruning"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Provenance(BTreeMap<String, Source>);

impl Provenance {
    pub(crate) fn insert(&mut self, key: impl Into<String>, source: Source) {
        self.0.insert(key.into(), source);
    }

    pub fn get(&self, key: &str) -> Option<&Source> {
        self.0.get(key)
    }
}
