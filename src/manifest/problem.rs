//! What every manifest stage reports: a problem at a key path, with the byte
//! span to underline and a fix. `load` turns them into diagnostics.

use std::fmt;
use std::ops::Range;

/// One step into the document: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A path into the manifest, shown as a TOML dotted key
/// (`signer.extra_config."a.b"`, `macaroon.permissions[2]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    pub(crate) fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// A path of plain keys, e.g. `KeyPath::of(&["rpc", "listen"])`.
    pub(crate) fn of(keys: &[&str]) -> Self {
        KeyPath(
            keys.iter()
                .map(|k| Segment::Key((*k).to_string()))
                .collect(),
        )
    }

    pub(crate) fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(k.to_string()));
        p
    }

    pub(crate) fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }

    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path up to (not including) the first array index: the table
    /// entry that holds the problem.
    pub(crate) fn entry(&self) -> KeyPath {
        KeyPath(
            self.0
                .iter()
                .take_while(|s| matches!(s, Segment::Key(_)))
                .cloned()
                .collect(),
        )
    }

    /// The last key, if the path ends in one.
    pub(crate) fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    pub(crate) fn parent(&self) -> KeyPath {
        let mut p = self.clone();
        p.0.pop();
        p
    }

    /// True when `self` is `other` or lies below it.
    pub(crate) fn starts_with(&self, other: &KeyPath) -> bool {
        self.0.starts_with(&other.0)
    }

    /// How the table holding this path is named in messages: `[signer]`,
    /// or "the top level".
    pub(crate) fn table_name(&self) -> String {
        if self.is_root() {
            "the top level".to_string()
        } else {
            format!("[{self}]")
        }
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            match s {
                Segment::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    if is_bare_key(k) {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{}\"", k.escape_debug())?;
                    }
                }
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// TOML bare keys: A-Z a-z 0-9 _ -
pub(crate) fn is_bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A problem found in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: KeyPath,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub(crate) fn new(path: KeyPath, span: Range<usize>, message: impl Into<String>) -> Self {
        Problem {
            path,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_toml_dotted_keys() {
        let p = KeyPath::of(&["signer", "extra_config"]).key("a.b").index(2);
        assert_eq!(p.to_string(), "signer.extra_config.\"a.b\"[2]");
        assert_eq!(p.entry().to_string(), "signer.extra_config.\"a.b\"");
        assert_eq!(KeyPath::root().table_name(), "the top level");
    }
}
