//! TOML syntax errors as diagnostics that name the key and say how to fix
//! the line. The parser says what it tripped on ("invalid boolean, expected
//! `true`" for `network = testnet`), not what the operator meant; so the key
//! path is read from the recovered document and the text (`toml_lines`),
//! and the fix from what the schema expects at that key.

use super::load::MAX_SYNTAX_ERRORS;
use super::problem::{KeyPath, Segment};
use super::schema::Kind;
use super::structure::{Expected, expected_at};
use super::toml_lines::{LineKind, Lines, dotted_key};
use crate::diagnostic::{Diagnostic, SourceFile, did_you_mean, quote};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::Arc;
use toml::de::{DeTable, DeValue};

/// Parts one dotted key or table header may have: the TOML parser lsm
/// uses refuses 80 or more (its recursion limit).
pub(crate) const MAX_KEY_PARTS: usize = 79;
/// How deep arrays and inline tables may nest before the parser stops.
pub(crate) const MAX_NESTING: usize = 80;

/// One diagnostic per line with a syntax error, in file order, at most
/// [`MAX_SYNTAX_ERRORS`].
pub(crate) fn diagnostics(
    file: &Arc<SourceFile>,
    root: &DeTable<'_>,
    errors: &[toml::de::Error],
) -> Vec<Diagnostic> {
    let cx = Cx {
        text: file.text(),
        lines: Lines::new(file.text()),
        root,
    };
    // The parser reports too-long keys without a position: give each the
    // next line whose key is too long.
    let mut deep = cx.deep_key_lines().into_iter();
    let mut located: Vec<(Option<Range<usize>>, &toml::de::Error)> = errors
        .iter()
        .map(|e| {
            let span = e.span().or_else(|| {
                (e.message().trim() == "recursion limit")
                    .then(|| deep.next())
                    .flatten()
            });
            (span, e)
        })
        .collect();
    // In file order; on one line, a real syntax error before a duplicate
    // the parser's recovery made of it (`[signer` unclosed → "duplicate").
    located.sort_by_key(|(span, e)| {
        let start = span.as_ref().map_or(0, |s| s.start);
        (
            span.as_ref().map(|s| cx.lines.index_of(s.start)),
            is_duplicate(e),
            start,
        )
    });

    let mut out: Vec<Diagnostic> = Vec::new();
    let mut seen_lines = HashSet::new();
    // Repeated table headers (line index → diagnostic), and the keys set
    // again inside each: those are folded into the header's problem.
    let mut repeated_tables: BTreeMap<usize, (usize, Vec<String>)> = BTreeMap::new();
    for (span, e) in located {
        let line = span.as_ref().map(|s| cx.lines.index_of(s.start));
        if let Some(line) = line {
            if is_duplicate(e)
                && let Some((header, _)) = cx.lines.header_for(line)
                && header != line
                && let Some((_, keys)) = repeated_tables.get_mut(&header)
            {
                keys.extend(
                    cx.lines
                        .key_path(line)
                        .and_then(|p| p.last_key().map(String::from)),
                );
                continue;
            }
            if !seen_lines.insert(line) {
                continue;
            }
        }
        let problem = cx.explain(e, span.clone(), line);
        if problem.repeated_table
            && let Some(line) = line
        {
            repeated_tables.insert(line, (out.len(), Vec::new()));
        }
        let mut d = Diagnostic::new(file, problem.message).help(problem.help);
        if let Some(span) = problem.span.or(span) {
            d = d.at(span);
        }
        if let Some(key) = problem.key {
            d = d.key(key);
        }
        out.push(d);
        if out.len() == MAX_SYNTAX_ERRORS {
            break;
        }
    }
    for (index, keys) in repeated_tables.into_values() {
        if !keys.is_empty()
            && let Some(help) = &mut out[index].help
        {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            help.push_str(&format!(
                "; both set {}, so keep one value of each",
                keys.join(", ")
            ));
        }
    }
    out
}

fn is_duplicate(e: &toml::de::Error) -> bool {
    e.message().trim() == "duplicate key"
}

/// A syntax problem, explained.
struct Explained {
    message: String,
    key: Option<String>,
    help: String,
    /// A table header that appears twice (later duplicates in its body are
    /// folded into this problem).
    repeated_table: bool,
    /// Where to underline instead of the parser's span (the whole bare word
    /// where the parser pointed into it).
    span: Option<Range<usize>>,
}

struct Cx<'a> {
    text: &'a str,
    lines: Lines<'a>,
    root: &'a DeTable<'a>,
}

impl Cx<'_> {
    fn explain(
        &self,
        e: &toml::de::Error,
        span: Option<Range<usize>>,
        line: Option<usize>,
    ) -> Explained {
        let msg = e.message().trim();
        let at = span.clone().unwrap_or(0..0);
        let path = line.and_then(|l| self.key_at(at.start, l));
        let shown = path.as_ref().map(|p| format!("`{}`", short(p)));
        let plain = |help: String| Explained {
            message: format!("invalid TOML: {msg}"),
            key: path.as_ref().map(short),
            help,
            repeated_table: false,
            span: None,
        };
        let Some(line) = line else {
            return match msg {
                "recursion limit" => Explained {
                    message: format!(
                        "invalid TOML: a dotted key or table header has more than {MAX_KEY_PARTS} parts"
                    ),
                    key: None,
                    help: deep_key_help(),
                    repeated_table: false,
                    span: None,
                },
                _ => plain(generic_help(msg)),
            };
        };
        if is_duplicate(e) {
            return self.duplicate(at, line);
        }
        if let Some(explained) = nesting_limit(msg, path.as_ref(), shown.as_deref()) {
            return explained;
        }
        if let Some((word, span)) = self.bare_value(msg, &at, line) {
            let mut explained = self.unquoted(word, path.as_ref());
            explained.span = Some(span);
            return explained;
        }
        let mut explained = plain(self.help(msg, line, path.as_ref()));
        if let Some(shown) = &shown
            && !msg.contains("unclosed table")
        {
            explained.message = format!("invalid TOML at {shown}: {msg}");
        }
        explained
    }

    /// The fix for the parser's message `msg` about line `line` (the key
    /// `path`, when known): what TOML wants there, in the manifest's terms.
    fn help(&self, msg: &str, line: usize, path: Option<&KeyPath>) -> String {
        if msg.starts_with("invalid basic string") || msg.starts_with("invalid literal string") {
            let q = if msg.contains("literal") { "'" } else { "\"" };
            format!(
                "close the string with {q} on the same line: a TOML string ends on its own line (write multi-line text between {q}{q}{q} and {q}{q}{q})"
            )
        } else if msg.starts_with("invalid multi-line") {
            let q = if msg.contains("literal") {
                "'''"
            } else {
                "\"\"\""
            };
            format!("close the multi-line string with {q}")
        } else if msg.starts_with("key with no value") || msg.starts_with("missing assignment") {
            let example = self
                .with_equals(line)
                .unwrap_or_else(|| "key = \"value\"".to_string());
            format!("put = between the key and its value: {example}")
        } else if msg.starts_with("unclosed table") {
            match path {
                Some(p) => format!("close the header with ]: [{p}]"),
                None => "close the header with ]".into(),
            }
        } else {
            fixed_help(msg)
        }
    }

    /// The key path an error at `offset` (on line `line`) is about: the
    /// deepest value of the recovered document that holds it, else the
    /// key the line sets or the header it is.
    fn key_at(&self, offset: usize, line: usize) -> Option<KeyPath> {
        let mut found = None;
        deepest(self.root, &KeyPath::root(), offset, &mut found);
        found
            .or_else(|| self.lines.key_path(line))
            .or_else(|| self.lines.leading_key_path(line))
    }

    /// Lines whose key or header has more parts than the parser accepts,
    /// as spans of the key.
    fn deep_key_lines(&self) -> Vec<Range<usize>> {
        self.lines
            .iter()
            .filter_map(|(_, l)| match &l.kind {
                LineKind::Header { path, .. } | LineKind::Key { path, .. }
                    if path.len() > MAX_KEY_PARTS =>
                {
                    let text = &self.text[l.start..l.start + l.text_len];
                    let indent = text.len() - text.trim_start().len();
                    Some(l.start + indent..l.start + text.trim_end().len())
                }
                _ => None,
            })
            .collect()
    }

    /// A key or table defined twice, named by its path, with the line of
    /// the first definition.
    fn duplicate(&self, at: Range<usize>, line: usize) -> Explained {
        let name = self.text.get(at.clone()).unwrap_or_default().to_string();
        if let Some(LineKind::Header { path, .. }) = self.lines.get(line).map(|l| &l.kind) {
            let table = key_path(path);
            let first = self
                .lines
                .iter()
                .take(line)
                .find(|(_, l)| matches!(&l.kind, LineKind::Header { path: p, .. } if p == path))
                .map(|(i, _)| i + 1);
            let help = match first {
                Some(n) => format!(
                    "the first [{table}] is on line {n}; merge the two into one [{table}] table"
                ),
                None => format!("[{table}] is already defined above; merge the two into one table"),
            };
            return Explained {
                message: format!("invalid TOML: table [{table}] is defined twice"),
                key: Some(table.to_string()),
                help,
                repeated_table: true,
                span: None,
            };
        }
        // The key the line sets; a duplicate inside an inline table value
        // is that key below the line's own.
        let mut path = self.lines.key_path(line);
        if let (Some(p), Some(value)) = (&mut path, self.lines.value_range(line))
            && at.start >= value.start
        {
            *p = p.key(&name);
        }
        let path = path.unwrap_or_else(|| KeyPath::of(&[&name]));
        let first = self.first_definition(&path, at.start);
        let help = match first {
            Some(n) => format!("it is first set on line {n}; keep one of the two"),
            None => "a key may be set only once; keep one of the two".to_string(),
        };
        Explained {
            message: format!("invalid TOML: `{path}` is set twice"),
            key: Some(path.to_string()),
            help,
            repeated_table: false,
            span: None,
        }
    }

    /// The 1-based line where `path` was first set, before byte `before`.
    fn first_definition(&self, path: &KeyPath, before: usize) -> Option<usize> {
        if let Some(span) = key_span(self.root, path)
            && span.start < before
        {
            return Some(self.lines.index_of(span.start) + 1);
        }
        (0..self.lines.index_of(before))
            .find(|&i| self.lines.key_path(i).as_ref() == Some(path))
            .map(|i| i + 1)
    }

    /// The text of a value the parser could not read because it is a bare
    /// word (`network = testnet`, `enabled = yes`): `Some` with the word
    /// (empty when the value is missing).
    fn bare_value(
        &self,
        msg: &str,
        at: &Range<usize>,
        line: usize,
    ) -> Option<(String, Range<usize>)> {
        let value_error = msg.starts_with("string values must be quoted")
            || msg.starts_with("invalid boolean")
            || msg.starts_with("invalid float")
            || msg.starts_with("invalid integer")
            || msg.starts_with("invalid date-time")
            || msg.starts_with("invalid hexadecimal")
            || msg.starts_with("invalid octal")
            || msg.starts_with("invalid binary");
        if !value_error {
            return None;
        }
        let whole = self.lines.get(line)?;
        let line_end = whole.start + whole.text_len;
        // The token around the error: back to the start of the value or
        // element, on to the next separator.
        let start = self.text[..at.start.min(line_end)]
            .rfind(['=', '[', ',', '{'])
            .map_or(whole.start, |i| i + 1)
            .max(whole.start);
        let end = self.text[start..line_end]
            .find([',', ']', '}', '#'])
            .map_or(line_end, |i| start + i);
        let raw = &self.text[start..end];
        let token = raw.trim();
        if token.starts_with(['"', '\'', '[', '{']) {
            return None;
        }
        let from = start + (raw.len() - raw.trim_start().len());
        let span = if token.is_empty() {
            at.clone()
        } else {
            from..from + token.len()
        };
        Some((token.to_string(), span))
    }

    /// Help for a bare word where a value belongs, from what the schema
    /// expects at that key.
    fn unquoted(&self, word: String, path: Option<&KeyPath>) -> Explained {
        let key_name = path
            .and_then(|p| p.entry().last_key().map(String::from))
            .unwrap_or_else(|| "key".into());
        let kind = Kind::of(self.root);
        let expected = path.and_then(|p| expected_at(kind, p)).unwrap_or_default();
        let shown = path.map_or("the value".to_string(), |p| format!("`{}`", short(p)));
        let is = |e: &Expected, t: &str| e.types.len() == 1 && e.types.contains(t);
        let lower = word.to_ascii_lowercase();
        let (message, help) = if word.is_empty() {
            let example = expected.example.clone().unwrap_or_else(|| "\"...\"".into());
            (
                format!("invalid TOML: {shown} has no value"),
                format!("write a value after =, e.g. {key_name} = {example}"),
            )
        } else if is(&expected, "boolean") {
            let fix = match lower.as_str() {
                "true" | "yes" | "on" | "1" | "y" => format!("write {key_name} = true"),
                "false" | "no" | "off" | "0" | "n" => format!("write {key_name} = false"),
                _ => format!("write {key_name} = true or {key_name} = false"),
            };
            (
                format!("invalid TOML: {shown} = {word} is not a boolean"),
                format!("{fix} (lowercase, without quotes)"),
            )
        } else if is(&expected, "integer") {
            (
                format!("invalid TOML: {shown} = {word} is not a whole number"),
                format!(
                    "write a whole number without quotes, e.g. {key_name} = {}",
                    expected.example.as_deref().unwrap_or("1")
                ),
            )
        } else {
            // Text: a string or enumeration, an array element, extra_config.
            let array = is(&expected, "array");
            let element = matches!(path.and_then(|p| p.0.last()), Some(Segment::Index(_)));
            let target = if array {
                path.and_then(|p| expected_at(kind, &p.index(0)))
                    .unwrap_or_default()
            } else {
                expected
            };
            let quoted = format!("\"{}\"", word.escape_debug());
            let fix = if array || element {
                format!("put each element in double quotes: {quoted}")
            } else {
                format!("put text in double quotes: {key_name} = {quoted}")
            };
            let allowed = &target.allowed;
            let help = if allowed.is_empty() || allowed.contains(&quoted) {
                fix
            } else {
                let names: Vec<&str> = allowed.iter().map(|a| a.trim_matches('"')).collect();
                match did_you_mean(&word, names.iter().copied()) {
                    Some(best) => format!(
                        "{fix}; did you mean \"{best}\"? (allowed: {})",
                        allowed.join(", ")
                    ),
                    None => format!("{fix} (allowed: {})", allowed.join(", ")),
                }
            };
            (
                format!("invalid TOML: {shown} = {word}: text must be in quotes"),
                help,
            )
        };
        Explained {
            message,
            key: path.map(short),
            help,
            repeated_table: false,
            span: None,
        }
    }

    /// The error line with `=` put after its key (`network "testnet"` →
    /// `network = "testnet"`).
    fn with_equals(&self, line: usize) -> Option<String> {
        let l = self.lines.get(line)?;
        let text = self.text[l.start..l.start + l.text_len].trim();
        let (_, used) = dotted_key(text)?;
        let (key, value) = text.split_at(used);
        let value = value.trim();
        let value = if value.is_empty() { "\"...\"" } else { value };
        Some(format!("{} = {value}", key.trim_end()))
    }
}

/// The deepest key path whose key or value holds `offset` (value spans
/// include their end, where an unterminated value's error points). Every
/// table is searched: a `[header]` table's span is its header only.
fn deepest(table: &DeTable<'_>, at: &KeyPath, offset: usize, found: &mut Option<KeyPath>) {
    for (k, v) in table.iter() {
        let path = at.key(k.get_ref());
        let (ks, vs) = (k.span(), v.span());
        let holds = ks.contains(&offset) || (vs.start <= offset && offset <= vs.end);
        if holds {
            *found = Some(path.clone());
        }
        match v.get_ref() {
            DeValue::Table(t) => deepest(t, &path, offset, found),
            DeValue::Array(items) if holds => {
                for (i, item) in items.iter().enumerate() {
                    let s = item.span();
                    if s.start <= offset && offset <= s.end {
                        *found = Some(path.index(i));
                        if let DeValue::Table(t) = item.get_ref() {
                            deepest(t, &path.index(i), offset, found);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The span of the key at `path` in the recovered document.
fn key_span(root: &DeTable<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let mut table = root;
    let mut span = None;
    for seg in &path.0 {
        let Segment::Key(k) = seg else { return None };
        let (key, value) = table.get_key_value(k.as_str())?;
        span = Some(key.span());
        if let DeValue::Table(t) = value.get_ref() {
            table = t;
        }
    }
    span
}

fn key_path(parts: &[String]) -> KeyPath {
    KeyPath::of(&parts.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A key path for messages, its middle elided when absurdly long (a
/// runaway dotted key can have tens of thousands of parts).
fn short(path: &KeyPath) -> String {
    const KEEP: usize = 6;
    if path.0.len() <= 2 * KEEP {
        return path.to_string();
    }
    let head = KeyPath(path.0[..KEEP].to_vec());
    let tail = KeyPath(path.0[path.0.len() - KEEP..].to_vec());
    format!("{head}.….{tail} ({} parts)", path.0.len())
}

fn deep_key_help() -> String {
    "no key in signer.toml needs more than a handful of parts (the deepest are like \
     signer.extra_config.healthcheck.chainbackend.attempts); look for a runaway dotted key or table header"
        .into()
}

/// The parser's nesting limits, hit by a key with too many parts or by
/// values nested too deep; `None` for any other message.
fn nesting_limit(msg: &str, path: Option<&KeyPath>, shown: Option<&str>) -> Option<Explained> {
    if msg == "recursion limit" {
        let parts = path.map_or(0, |p| p.0.len());
        return Some(Explained {
            message: format!(
                "invalid TOML: {} has {parts} parts; the TOML parser accepts at most {MAX_KEY_PARTS} in one key or table header",
                shown.unwrap_or("this key")
            ),
            key: path.map(short),
            help: deep_key_help(),
            repeated_table: false,
            span: None,
        });
    }
    if msg.starts_with("cannot recurse further") {
        return Some(Explained {
            message: format!(
                "invalid TOML: arrays and inline tables nest more than {MAX_NESTING} levels deep here"
            ),
            key: path.map(short),
            help: "no manifest value nests deeper than an array of strings or a small inline table; look for an unbalanced [ or {".into(),
            repeated_table: false,
            span: None,
        });
    }
    None
}

/// The fixes that need nothing but the parser's message.
fn fixed_help(msg: &str) -> String {
    if msg.starts_with("missing comma between array elements") {
        "separate array elements with commas, e.g. [\"a\", \"b\"]".into()
    } else if msg.starts_with("unclosed array table") {
        "close the header with ]]".into()
    } else if msg.starts_with("unclosed array") {
        "close the array with ]".into()
    } else if msg.starts_with("unclosed inline table") {
        "close the inline table with }".into()
    } else if msg.starts_with("unexpected key or value") || msg.starts_with("unexpected content") {
        "one key = value per line: a value ends at the end of its line or at a # comment; quote text that contains spaces".into()
    } else if msg.starts_with("missing escaped value") || msg.starts_with("invalid escape") {
        "in \"double quotes\" a backslash starts an escape: write \\\\ for a backslash, or put the text in 'single quotes', which take it literally".into()
    } else if msg.starts_with("unquoted keys cannot be empty") {
        "write a key before =, e.g. network = \"testnet\"".into()
    } else {
        generic_help(msg)
    }
}

/// The parser's own words, made into an instruction: "…, expected `=`" → "write `=` here".
fn generic_help(msg: &str) -> String {
    match msg.split_once(", expected ") {
        Some((_, expected)) => format!(
            "the TOML parser expected {expected} at the marked position; lsm checks the rest once the file parses"
        ),
        None => format!(
            "fix the TOML at the marked position ({}); lsm checks the rest once the file parses",
            quote(msg)
        ),
    }
}
