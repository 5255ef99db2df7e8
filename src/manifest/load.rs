//! Loading: read the file (bounded), parse the TOML once with spans, run the
//! structural check, deserialize what survived, layer versions.env, resolve
//! and apply the cross-key rules, then report every problem at once.

use super::document::Document;
use super::error::ManifestError;
use super::fields::{PathBase, normalize};
use super::problem::{KeyPath, Problem};
use super::provenance::Provenance;
use super::raw;
use super::read::{ReadError, content_diagnostic, read_text};
use super::resolve::{Context, resolve};
use super::resolved::Resolved;
use super::schema::Kind;
use super::structure;
use super::syntax;
use super::versions_env::{self, Versions, VersionsOrigin};
use crate::diagnostic::{Diagnostic, SourceFile};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::DeTable;

/// Manifests are a few KiB; a larger file is a mistake (or an attack) and
/// is refused before it is parsed.
pub(crate) const MAX_MANIFEST_SIZE: u64 = 1024 * 1024;
/// Syntax errors shown: after the first few, TOML error recovery mostly
/// produces follow-on noise.
pub(crate) const MAX_SYNTAX_ERRORS: usize = 10;

/// A manifest that loaded cleanly.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The path as the operator gave it.
    pub path: PathBuf,
    /// The manifest's directory, absolute (relative paths resolve against it).
    pub dir: PathBuf,
    /// The manifest text as read.
    pub text: String,
    pub resolved: Resolved,
    /// Where each resolved value came from.
    pub provenance: Provenance,
    /// The versions.env beside the manifest, when one was used.
    pub versions_file: Option<PathBuf>,
}

impl Loaded {
    /// The manifest hash plans record (see [`Resolved::digest`]).
    pub fn digest(&self) -> String {
        self.resolved.digest()
    }
}

/// Loads, validates and resolves the manifest at `path`.
///
/// `path` must name a regular file: `-` (standard input), a FIFO, a device
/// or a directory is refused at once (never a hang), because relative paths
/// and versions.env resolve against the manifest's directory and apply
/// reads the manifest again.
pub fn load(path: &Path) -> Result<Loaded, ManifestError> {
    if path == Path::new("-") {
        return Err(ManifestError::NotRegular {
            path: path.to_path_buf(),
            kind: "standard input".to_string(),
        });
    }
    let text = match read_text(path, MAX_MANIFEST_SIZE) {
        Ok(text) => text,
        Err(ReadError::NotFound) => {
            return Err(ManifestError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(ReadError::NotRegular { kind }) => {
            return Err(ManifestError::NotRegular {
                path: path.to_path_buf(),
                kind: kind.to_string(),
            });
        }
        Err(ReadError::Io(source)) => {
            return Err(ManifestError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        Err(e) => {
            return Err(match content_diagnostic(&path.display().to_string(), e) {
                Ok(d) => ManifestError::Invalid(vec![d]),
                Err(e) => ManifestError::Read {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(format!("{e:?}")),
                },
            });
        }
    };
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    load_text(path, text, home.as_deref())
}

/// Loads manifest `text` as if read from `path` (used by `lsm init` to
/// prove what it writes, and by tests). `home` expands `~`.
pub fn load_text(path: &Path, text: String, home: Option<&Path>) -> Result<Loaded, ManifestError> {
    let file = SourceFile::new(path.display().to_string(), text);
    let shown_dir = path.parent().unwrap_or(Path::new(""));
    let dir = absolute_dir(shown_dir).map_err(|source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    })?;

    if file.text().trim().is_empty() {
        return Err(ManifestError::Invalid(vec![
            Diagnostic::new(&file, "the manifest is empty")
                .at(0..0)
                .help("run `lsm init` for a commented starter, or start from examples/signer.toml"),
        ]));
    }

    let (root, syntax_errors) = DeTable::parse_recoverable(file.text());
    if !syntax_errors.is_empty() {
        return Err(ManifestError::Invalid(syntax::diagnostics(
            &file,
            root.get_ref(),
            &syntax_errors,
        )));
    }

    let kind = Kind::of(root.get_ref());
    let mut problems = structure::check(kind, &root);
    let poisoned: Vec<KeyPath> = problems.iter().map(|p| p.path.entry()).collect();
    let mut pruned = root.clone();
    structure::prune(pruned.get_mut(), &problems);
    let de = toml::de::Deserializer::from(pruned);
    let raw = match kind {
        Kind::Signer => raw::Manifest::deserialize(de).map(raw::Raw::Signer),
        Kind::WatchOnly => {
            raw::watchonly::WatchOnlyManifest::deserialize(de).map(raw::Raw::WatchOnly)
        }
    };
    let raw = match raw {
        Ok(raw) => Some(raw),
        Err(e) => {
            // Unreachable while the structural check and serde agree; kept so
            // a disagreement is still a located error, not a panic.
            problems.push(Problem::new(
                KeyPath::root(),
                e.span().unwrap_or(0..0),
                e.message().to_string(),
            ));
            None
        }
    };

    let mut diagnostics = Vec::new();
    let mut layers: Vec<Versions> = Vec::new();
    match versions_env::embedded() {
        Ok(v) => layers.push(v),
        Err(ds) => diagnostics.extend(ds),
    }
    match versions_env::beside(&dir, shown_dir) {
        Ok(Some(v)) => layers.push(v),
        Ok(None) => {}
        Err(ds) => diagnostics.extend(ds),
    }

    let doc = Document::new(&root, &file);
    let base = PathBase {
        home,
        manifest_dir: &dir,
    };
    let cx = Context {
        doc: &doc,
        poisoned: &poisoned,
        versions: &layers,
        base,
    };
    let (resolved, provenance, resolve_problems) = match &raw {
        Some(raw) => resolve(raw, &cx),
        None => (None, Provenance::default(), Vec::new()),
    };
    problems.extend(resolve_problems);

    let mut manifest_diagnostics = to_diagnostics(&file, problems);
    manifest_diagnostics.append(&mut diagnostics);
    match resolved {
        Some(resolved) if manifest_diagnostics.is_empty() => Ok(Loaded {
            path: path.to_path_buf(),
            dir,
            text: file.text().to_string(),
            resolved,
            provenance,
            versions_file: layers.iter().find_map(|l| match &l.origin {
                VersionsOrigin::File(p) => Some(p.clone()),
                VersionsOrigin::Embedded => None,
            }),
        }),
        _ if manifest_diagnostics.is_empty() => Err(ManifestError::Invalid(vec![Diagnostic::new(
            &file,
            "the manifest could not be resolved",
        )])),
        _ => Err(ManifestError::Invalid(manifest_diagnostics)),
    }
}

fn absolute_dir(dir: &Path) -> std::io::Result<PathBuf> {
    if dir.is_absolute() {
        return Ok(normalize(dir));
    }
    Ok(normalize(&std::env::current_dir()?.join(dir)))
}

fn to_diagnostics(file: &Arc<SourceFile>, mut problems: Vec<Problem>) -> Vec<Diagnostic> {
    problems.sort_by_key(|p| p.span.start);
    problems.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    problems
        .into_iter()
        .map(|p| {
            let mut d = Diagnostic::new(file, p.message).at(p.span);
            if !p.path.is_root() {
                d = d.key(p.path.to_string());
            }
            d.help = p.help;
            d
        })
        .collect()
}
