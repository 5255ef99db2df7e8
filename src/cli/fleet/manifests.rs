//! Which manifests a fleet run covers: every `-f` in order, a directory
//! standing for the `*.toml` files directly in it (sorted), a pattern with
//! `*` or `?` in its last component for the files it matches (sorted).
//! Shells usually expand globs themselves; a quoted pattern reaches lsm
//! and means the same.

use crate::error::Failure;
use std::path::{Path, PathBuf};

/// One node of the run.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The signer's name (`[signer] name`), or the file name when the
    /// manifest does not load (the node then fails with the loader's
    /// located error, in its own section).
    pub name: String,
    pub manifest: PathBuf,
    /// For a signer: its bundle directory and archive, which watch-only
    /// nodes of the same run may import.
    pub provides: Vec<PathBuf>,
    /// For a watch-only node: the bundle it imports.
    pub needs: Option<PathBuf>,
}

impl Node {
    /// A node known only by its manifest (saved plans, unloadable files).
    pub(crate) fn bare(name: String, manifest: PathBuf) -> Node {
        Node {
            name,
            manifest,
            provides: Vec::new(),
            needs: None,
        }
    }
}

/// For each node, the index of the signer in `nodes` whose bundle it
/// imports, if that signer is in the run. A signer imports nothing and a
/// watch-only node exports nothing, so every dependency goes from a
/// watch-only node to a signer: the graph has no path longer than one
/// edge, and so no cycle.
pub(crate) fn signer_of(nodes: &[Node]) -> Vec<Option<usize>> {
    nodes
        .iter()
        .map(|n| {
            let needs = n.needs.as_ref()?;
            nodes.iter().position(|s| s.provides.contains(needs))
        })
        .collect()
}

/// Whether the last component of `p` is a pattern.
pub(crate) fn is_pattern(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().contains(['*', '?']))
}

/// The nodes named by `files`, each manifest once, in the order given.
pub(crate) fn expand(files: &[PathBuf]) -> Result<Vec<Node>, Failure> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let given: Vec<PathBuf> = if files.is_empty() {
        vec![PathBuf::from("signer.toml")]
    } else {
        files.to_vec()
    };
    for f in &given {
        let found = if f.is_dir() {
            listed(f, "*.toml")?
        } else if is_pattern(f) {
            let dir = f
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let pattern = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let found = listed(dir, &pattern)?;
            if found.is_empty() {
                return Err(Failure::error(format!(
                    "{} matches no file",
                    super::shown(f)
                )));
            }
            found
        } else {
            vec![f.clone()]
        };
        for p in found {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    let nodes: Vec<Node> = paths.into_iter().map(node).collect();
    // Two manifests for one signer would race for its lock and resources.
    for (i, n) in nodes.iter().enumerate() {
        if let Some(other) = nodes[..i].iter().find(|o| o.name == n.name) {
            return Err(Failure::error(format!(
                "{} and {} both declare the node {}",
                super::shown(&other.manifest),
                super::shown(&n.manifest),
                n.name
            ))
            .hint("give each manifest its own [signer] name"));
        }
    }
    Ok(nodes)
}

/// The regular files directly in `dir` whose names match `pattern`, sorted.
fn listed(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::error(format!("cannot list {}: {e}", super::shown(dir))))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        // metadata follows symlinks: a linked manifest is a manifest.
        .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()))
        .filter(|e| matches(pattern, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

pub(crate) fn node(manifest: PathBuf) -> Node {
    let Ok(loaded) = crate::manifest::load(&manifest) else {
        let name = manifest
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| manifest.display().to_string());
        return Node::bare(name, manifest);
    };
    let r = &loaded.resolved;
    let (provides, needs) = match &r.watchonly {
        Some(wo) => (Vec::new(), Some(wo.bundle_source.clone())),
        None => {
            let mut p = vec![r.bundle.path.clone()];
            if r.bundle.archive {
                p.push(r.bundle.archive_path());
            }
            (p, None)
        }
    };
    Node {
        name: r.signer.name.clone(),
        manifest,
        provides,
        needs,
    }
}

/// `*` any run of characters, `?` one character; nothing else is special.
/// Names starting with `.` match only a pattern starting with `.`.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Iterative wildcard match with one backtrack point (linear in practice).
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(matches("*.toml", "signer.toml"));
        assert!(!matches("*.toml", "signer.toml.bak"));
        assert!(matches("signer-?.toml", "signer-3.toml"));
        assert!(!matches("signer-?.toml", "signer-13.toml"));
        assert!(matches("*-prod-*.toml", "a-prod-b.toml"));
        assert!(!matches("*.toml", ".hidden.toml"));
        assert!(matches("*", "x"));
    }

    #[test]
    fn a_directory_means_its_toml_files_sorted_and_each_file_once() {
        let d = tempfile::tempdir().unwrap();
        for n in ["b.toml", "a.toml", "notes.txt", ".x.toml"] {
            std::fs::write(d.path().join(n), "version = 1\n").unwrap();
        }
        std::fs::create_dir(d.path().join("sub.toml")).unwrap();
        let nodes = expand(&[d.path().to_path_buf(), d.path().join("a.toml")]).unwrap();
        let names: Vec<_> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let glob = expand(&[d.path().join("?.toml")]).unwrap();
        assert_eq!(glob.len(), 2);
        assert!(expand(&[d.path().join("z*.toml")]).is_err());
    }
}
