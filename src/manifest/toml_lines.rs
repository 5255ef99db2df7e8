//! A line-level view of TOML text: which lines are table headers, which
//! start with `key =`, and which table each line belongs to. Syntax errors
//! are where the real parser gave up, so their key path has to be read from
//! the text itself; one line at a time is enough for a manifest, where every
//! key and header starts its own line.

use super::problem::KeyPath;
use std::ops::Range;

/// What a line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// `[a.b]` or `[[a.b]]`.
    Header { path: Vec<String>, array: bool },
    /// `a.b = ...`; `value` is the byte range after the `=` within the line.
    Key {
        path: Vec<String>,
        value: Range<usize>,
    },
    /// Blank, a comment, inside a multi-line string or array, or unreadable.
    Other,
}

/// One line: where it starts in the text, and what it holds.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub start: usize,
    pub text_len: usize,
    pub kind: LineKind,
}

/// Every line of a TOML text, classified.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    text: &'a str,
    lines: Vec<Line>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        // The closing delimiter of a multi-line string the scan is inside.
        let mut open_string: Option<&str> = None;
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let kind = match open_string {
                Some(delim) => {
                    if line.matches(delim).count() % 2 == 1 {
                        open_string = None;
                    }
                    LineKind::Other
                }
                None => {
                    let kind = classify(line);
                    if let LineKind::Key { value, .. } = &kind {
                        open_string = opens_multiline_string(&line[value.clone()]);
                    }
                    kind
                }
            };
            lines.push(Line {
                start,
                text_len: line.len(),
                kind,
            });
            start += raw.len() + 1;
        }
        Lines { text, lines }
    }

    /// The text of line `index`, without its line end.
    pub(crate) fn text_of(&self, index: usize) -> Option<&'a str> {
        let l = self.lines.get(index)?;
        self.text.get(l.start..l.start + l.text_len)
    }

    /// The 0-based index of the line holding byte `offset`.
    pub(crate) fn index_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1)
    }

    pub(crate) fn get(&self, index: usize) -> Option<&Line> {
        self.lines.get(index)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Line)> {
        self.lines.iter().enumerate()
    }

    /// The header line in effect at line `index` (the line itself when it
    /// is a header), if any.
    pub(crate) fn header_for(&self, index: usize) -> Option<(usize, &[String])> {
        self.lines[..=index.min(self.lines.len().saturating_sub(1))]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, l)| match &l.kind {
                LineKind::Header { path, .. } => Some((i, path.as_slice())),
                _ => None,
            })
    }

    /// The key path line `index` sets or opens: its table's path plus its
    /// own key. `None` for lines that are neither a header nor `key =`.
    pub(crate) fn key_path(&self, index: usize) -> Option<KeyPath> {
        let line = self.lines.get(index)?;
        match &line.kind {
            LineKind::Header { path, .. } => Some(key_path(path)),
            LineKind::Key { path, .. } => {
                let table = self.header_for(index).map_or(&[][..], |(_, h)| h);
                Some(key_path(&[table, path.as_slice()].concat()))
            }
            LineKind::Other => None,
        }
    }

    /// Like [`key_path`](Self::key_path) for a line that starts with a key
    /// but is not `key = ...` (`network "testnet"`): its table plus that key.
    pub(crate) fn leading_key_path(&self, index: usize) -> Option<KeyPath> {
        let line = self.lines.get(index)?;
        if line.kind != LineKind::Other {
            return self.key_path(index);
        }
        let (path, _) = dotted_key(self.text_of(index)?)?;
        let table = self.header_for(index).map_or(&[][..], |(_, h)| h);
        Some(key_path(&[table, path.as_slice()].concat()))
    }

    /// The byte range (in the whole text) of line `index`'s value, for
    /// `key = value` lines.
    pub(crate) fn value_range(&self, index: usize) -> Option<Range<usize>> {
        let line = self.lines.get(index)?;
        match &line.kind {
            LineKind::Key { value, .. } => Some(line.start + value.start..line.start + value.end),
            _ => None,
        }
    }
}

fn key_path(parts: &[String]) -> KeyPath {
    KeyPath::of(&parts.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Classifies one line (outside multi-line strings).
pub(crate) fn classify(line: &str) -> LineKind {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if let Some(rest) = trimmed.strip_prefix('[') {
        let (array, rest) = match rest.strip_prefix('[') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        return match dotted_key(rest) {
            Some((path, _)) => LineKind::Header { path, array },
            None => LineKind::Other,
        };
    }
    let Some((path, used)) = dotted_key(trimmed) else {
        return LineKind::Other;
    };
    let after = &trimmed[used..];
    let Some(value) = after.strip_prefix('=') else {
        return LineKind::Other;
    };
    let value_start = indent + used + 1;
    LineKind::Key {
        path,
        value: value_start..value_start + value.len(),
    }
}

/// A dotted key at the start of `s`: its parts and the bytes it took
/// (trailing white space included). Quoted parts are unescaped for `\"` and
/// `\\` only, which is all a key in a message needs.
pub(crate) fn dotted_key(s: &str) -> Option<(Vec<String>, usize)> {
    let mut parts = Vec::new();
    let mut i = skip_blank(s, 0);
    loop {
        let rest = &s[i..];
        let (part, used) = if let Some(body) = rest.strip_prefix('"') {
            let end = closing_quote(body)?;
            (
                body[..end].replace("\\\"", "\"").replace("\\\\", "\\"),
                end + 2,
            )
        } else if let Some(body) = rest.strip_prefix('\'') {
            let end = body.find('\'')?;
            (body[..end].to_string(), end + 2)
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            (rest[..end].to_string(), end)
        };
        parts.push(part);
        i = skip_blank(s, i + used);
        match s[i..].strip_prefix('.') {
            Some(_) => i = skip_blank(s, i + 1),
            None => return Some((parts, i)),
        }
    }
}

fn skip_blank(s: &str, from: usize) -> usize {
    from + s[from..].len() - s[from..].trim_start_matches([' ', '\t']).len()
}

/// The index of the `"` closing a basic string whose body starts `body`.
fn closing_quote(body: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The delimiter of a multi-line string a value opens and does not close.
fn opens_multiline_string(value: &str) -> Option<&'static str> {
    ["\"\"\"", "'''"]
        .into_iter()
        .find(|d| value.matches(d).count() % 2 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_keys_and_tables() {
        let text = "version = 1\n[signer]\nnetwork = testnet\n\"a.b\" . c = 1\n[[x . 'y']]\n  # c\nz=\"\"\"\nw = 1\n\"\"\"\nv = 2\n";
        let l = Lines::new(text);
        assert_eq!(l.key_path(0).unwrap().to_string(), "version");
        assert_eq!(l.key_path(1).unwrap().to_string(), "signer");
        assert_eq!(l.key_path(2).unwrap().to_string(), "signer.network");
        assert_eq!(l.key_path(3).unwrap().to_string(), "signer.\"a.b\".c");
        assert_eq!(l.key_path(4).unwrap().to_string(), "x.y");
        assert_eq!(l.key_path(5), None);
        assert_eq!(l.key_path(6).unwrap().to_string(), "x.y.z");
        // Inside the multi-line string: not a key.
        assert_eq!(l.key_path(7), None);
        assert_eq!(l.key_path(9).unwrap().to_string(), "x.y.v");
        let at = text.find("testnet").unwrap();
        assert_eq!(l.index_of(at), 2);
        assert_eq!(&text[l.value_range(2).unwrap()], " testnet");
    }

    #[test]
    fn unreadable_lines_are_other() {
        for line in ["", "  ", "= 1", "a b = 1", "\"open = 1", "[", "a"] {
            assert_eq!(classify(line), LineKind::Other, "{line:?}");
        }
    }
}
