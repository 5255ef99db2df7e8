//! rustc-style diagnostics for problems in files the operator wrote
//! (signer.toml, versions.env, later saved plans): what is wrong, where
//! (`file:line:col`, the source line underlined), which key, and how to fix it.
//!
//! Everything shown comes from untrusted files, so the renderer neutralises
//! control and bidi characters (no terminal escape injection, no "trojan
//! source" lines) and clips very long lines around the problem.

use crate::output::style;
use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};
use anstyle::Style;
use serde::Serialize;
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

/// At most this many problems are rendered in full; the summary still counts all.
pub(crate) const MAX_RENDERED: usize = 50;
/// Source lines wider than this (in terminal columns) are clipped around the span.
const MAX_LINE_WIDTH: usize = 120;

/// A file's name (as the operator gave it) and its text, with a line index.
#[derive(Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
    /// `(byte offset, characters before it)` every [`CHAR_MARK_STRIDE`]
    /// bytes, so a column costs at most one stride of counting: thousands of
    /// problems on one megabyte-long line must not cost a scan each.
    char_marks: Vec<(usize, usize)>,
}

/// Bytes between two entries of [`SourceFile::char_marks`].
const CHAR_MARK_STRIDE: usize = 4096;

/// A 1-based position; `column` counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Location {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub(crate) fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut char_marks = vec![(0, 0)];
        let (mut at, mut chars) = (0, 0);
        while at + CHAR_MARK_STRIDE < text.len() {
            let next = floor_char_boundary(&text, at + CHAR_MARK_STRIDE);
            chars += text[at..next].chars().count();
            at = next;
            char_marks.push((at, chars));
        }
        Arc::new(SourceFile {
            name: name.into(),
            text,
            line_starts,
            char_marks,
        })
    }

    /// Characters before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let k = self.char_marks.partition_point(|&(b, _)| b <= offset) - 1;
        let (at, chars) = self.char_marks[k];
        chars + self.text[at..offset].chars().count()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The location of a byte offset (clamped into the text).
    pub(crate) fn location(&self, offset: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset);
        let line_index = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line_index];
        Location {
            line: line_index + 1,
            column: self.chars_before(offset) - self.chars_before(start) + 1,
        }
    }

    /// The byte range of a 1-based line, without its line terminator.
    fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line - 1];
        let mut end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem in one file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub file: Arc<SourceFile>,
    /// Byte range in the file; `None` for problems with the file as a whole.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// The dotted key the problem is about, if any.
    pub key: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(file: &Arc<SourceFile>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: Arc::clone(file),
            span: None,
            message: message.into(),
            key: None,
            help: None,
        }
    }

    pub(crate) fn at(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    pub(crate) fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn location(&self) -> Option<Location> {
        self.span.as_ref().map(|s| self.file.location(s.start))
    }

    /// `file:line:col`, or just the file for whole-file problems.
    #[cfg(test)]
    pub(crate) fn position(&self) -> String {
        match self.location() {
            Some(l) => format!("{}:{}:{}", self.file.name, l.line, l.column),
            None => self.file.name.clone(),
        }
    }
}

/// The machine form of a diagnostic (for `--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonProblem {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl From<&Diagnostic> for JsonProblem {
    fn from(d: &Diagnostic) -> Self {
        let loc = d.location();
        JsonProblem {
            file: d.file.name.clone(),
            line: loc.map(|l| l.line),
            column: loc.map(|l| l.column),
            key: d.key.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
        }
    }
}

/// Renders every diagnostic (annotate-snippets, cargo's renderer), then
/// one summary line per file. `color` adds ANSI styles (anstream strips
/// them again where colour is off).
///
/// What comes from the file is untrusted. The renderer shows control
/// characters as their Unicode pictures (`␛`), replaces bidi controls with
/// `�`, expands tabs, aligns carets under wide characters by display width
/// and clips long lines around the span; messages, keys and hints (which
/// quote the file) go through [`clean`] first.
pub(crate) fn render(diagnostics: &[Diagnostic], color: bool) -> String {
    let paint = |s: Style, text: &str| {
        if color {
            format!("{s}{text}{s:#}")
        } else {
            text.to_string()
        }
    };
    let renderer = if color {
        Renderer::styled()
            .error(style::ERROR)
            .line_num(style::ACCENT)
            .emphasis(style::BOLD)
    } else {
        Renderer::plain()
    }
    .term_width(MAX_LINE_WIDTH);
    let mut out = String::new();
    for d in diagnostics.iter().take(MAX_RENDERED) {
        render_one(&mut out, d, &renderer);
        out.push('\n');
    }
    if diagnostics.len() > MAX_RENDERED {
        let _ = writeln!(
            out,
            "... and {} more problems not shown\n",
            diagnostics.len() - MAX_RENDERED
        );
    }
    let mut files: Vec<(&str, usize)> = Vec::new();
    for d in diagnostics {
        match files.iter_mut().find(|(n, _)| *n == d.file.name) {
            Some((_, count)) => *count += 1,
            None => files.push((&d.file.name, 1)),
        }
    }
    for (name, count) in files {
        let noun = if count == 1 { "problem" } else { "problems" };
        let _ = writeln!(
            out,
            "{}",
            paint(style::BOLD, &format!("{}: {count} {noun}", clean(name)))
        );
    }
    out
}

fn render_one(out: &mut String, d: &Diagnostic, renderer: &Renderer) {
    let message = clean(&d.message);
    let name = clean(&d.file.name);
    let title = Level::ERROR.primary_title(message.as_str());
    let mut group = match (&d.span, d.location()) {
        (Some(span), Some(loc)) => {
            // Only the span's first line goes to the renderer: a file may
            // be megabytes long, and a problem is shown on its line.
            let range = d.file.line_range(loc.line);
            let line = &d.file.text[range.clone()];
            let clamp = |i: usize| {
                floor_char_boundary(&d.file.text, i.clamp(range.start, range.end)) - range.start
            };
            let span = clamp(span.start)..clamp(span.end);
            title.element(
                Snippet::source(line)
                    .path(name.as_str())
                    .line_start(loc.line)
                    .annotation(AnnotationKind::Primary.span(span)),
            )
        }
        _ => title.element(Origin::path(name.as_str())),
    };
    let key = d.key.as_deref().map(clean);
    let help = d.help.as_deref().map(clean);
    if let Some(key) = &key {
        group = group.element(Level::NOTE.with_name("key").message(key.as_str()));
    }
    if let Some(help) = &help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let _ = writeln!(out, "{}", renderer.render(&[group]));
}

/// Characters never echoed from an untrusted file: controls (terminal
/// escapes) and bidi overrides (text that displays differently than it reads).
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Neutralises unsafe characters in a message line (newlines stay) and
/// shortens absurdly long ones (a key can be as long as the file).
fn clean(s: &str) -> String {
    const MAX: usize = 400;
    let mut out: String = s
        .chars()
        .take(MAX)
        .map(|c| {
            if c != '\n' && is_unsafe_char(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Quotes a value from an untrusted file for a message: escaped, and
/// shortened when long, so a megabyte-long string cannot flood the terminal.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 60;
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > MAX {
        let head: String = escaped.chars().take(MAX).collect();
        format!("\"{head}…\"")
    } else {
        format!("\"{escaped}\"")
    }
}

/// A line that carries untrusted text (a macaroon's location or
/// permissions, a bundle's file or entry names, bundle.json's fields) as
/// lsm prints it: every character that could act on the terminal instead
/// of showing — a newline that fakes another line, an escape sequence, a
/// bidi override such as U+202E — is escaped as [`quote`] escapes it
/// (`\n`, `\u{202e}`); the rest is left as is. Lines without such
/// characters come back unchanged (borrowed).
pub(crate) fn escape_line(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The candidate closest to `word` by edit distance, if it is close enough
/// to be a plausible typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let len = word_lower.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        // The distance is at least the length difference: skip the work
        // (a megabyte-long typo must not cost a quadratic table).
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (edit_distance(&word_lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over characters where swapping two neighbours counts as
/// one edit (optimal string alignment): `nmae` is one typo from `name`.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, span: Range<usize>) -> String {
        let f = SourceFile::new("t.toml", text);
        render(
            &[Diagnostic::new(&f, "bad")
                .at(span)
                .key("a.b")
                .help("fix it")],
            false,
        )
    }

    #[test]
    fn renders_location_snippet_key_help_and_summary() {
        let out = one("a = 1\nname = \"x\"\n", 6..10);
        assert_eq!(
            out,
            "error: bad\n --> t.toml:2:1\n  |\n2 | name = \"x\"\n  | ^^^^\n  |\n  = key: a.b\n  = help: fix it\n\nt.toml: 1 problem\n"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let f = SourceFile::new("t", "ä = \"é\" # x\nb");
        assert_eq!(f.location(0), Location { line: 1, column: 1 });
        // byte 2 is the space after the two-byte 'ä'
        assert_eq!(f.location(2), Location { line: 1, column: 2 });
        let b = f.text().find('b').unwrap();
        assert_eq!(f.location(b), Location { line: 2, column: 1 });
        // offsets inside a character or past the end are clamped
        assert_eq!(f.location(1), Location { line: 1, column: 1 });
        assert_eq!(f.location(999), Location { line: 2, column: 2 });
    }

    #[test]
    fn columns_on_long_lines_match_a_plain_count() {
        let line = "aé🦀".repeat(5000);
        let text = format!("x\n{line}\n{line}");
        let f = SourceFile::new("t", text.as_str());
        for offset in (0..text.len()).step_by(997).chain([text.len()]) {
            let offset = floor_char_boundary(&text, offset);
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let want = text[start..offset].chars().count() + 1;
            assert_eq!(f.location(offset).column, want, "offset {offset}");
        }
    }

    #[test]
    fn the_underline_follows_wide_and_zero_width_characters() {
        // Two CJK characters (two columns each), an emoji (two), a combining
        // accent (zero), then the span.
        let text = "k = \"中文🦀e\u{301}BAD\"";
        let at = text.find("BAD").unwrap();
        let out = one(text, at..at + 3);
        let line = out.lines().find(|l| l.starts_with("1 |")).unwrap();
        let marker = out.lines().find(|l| l.contains('^')).unwrap();
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
        let caret = marker.find('^').unwrap();
        let bad = line.find("BAD").unwrap();
        assert_eq!(width(&marker[..caret]), width(&line[..bad]), "{out}");
        assert!(marker.ends_with("^^^"), "{out}");
    }

    #[test]
    fn tabs_expand_and_the_underline_follows() {
        let out = one("\tkey = 1", 1..4);
        assert!(out.contains("|     key = 1\n"), "{out}");
        assert!(out.contains("|     ^^^\n"), "{out}");
    }

    #[test]
    fn control_and_bidi_characters_are_never_echoed() {
        let out = one("a = \"\u{1b}[31mred\u{202e}\"", 0..1);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out:?}"
        );
        let f = SourceFile::new("t", "x");
        let out = render(&[Diagnostic::new(&f, "bad \u{1b}[2J")], false);
        assert!(!out.contains('\u{1b}'), "{out:?}");
    }

    #[test]
    fn long_lines_are_clipped_around_the_span() {
        let text = format!("k = \"{}BAD{}\"", "x".repeat(500), "y".repeat(500));
        let at = text.find("BAD").unwrap();
        let out = one(&text, at..at + 3);
        let line = out.lines().find(|l| l.starts_with("1 |")).unwrap();
        assert!(line.chars().count() < MAX_LINE_WIDTH + 10, "{line}");
        let marker = out.lines().find(|l| l.contains('^')).unwrap();
        let caret = marker.chars().position(|c| c == '^').unwrap();
        let line_chars: Vec<char> = line.chars().collect();
        assert_eq!(
            line_chars[caret..caret + 3].iter().collect::<String>(),
            "BAD"
        );
    }

    #[test]
    fn empty_span_at_end_of_file_gets_one_caret() {
        let out = one("a = ", 4..4);
        assert!(out.contains("  | ^\n") || out.contains("    ^\n"), "{out}");
        assert!(out.contains("t.toml:1:5"));
    }

    #[test]
    fn summary_counts_per_file_and_caps_rendering() {
        let f = SourceFile::new("a", "x");
        let g = SourceFile::new("b", "y");
        let mut ds: Vec<Diagnostic> = (0..MAX_RENDERED + 5)
            .map(|_| Diagnostic::new(&f, "p"))
            .collect();
        ds.push(Diagnostic::new(&g, "q"));
        let out = render(&ds, false);
        assert!(out.contains("... and 6 more problems not shown"));
        assert!(out.ends_with("a: 55 problems\nb: 1 problem\n"), "{out}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("sigenr", ["signer", "docker"]), Some("signer"));
        assert_eq!(did_you_mean("netwrk", ["network", "name"]), Some("network"));
        assert_eq!(did_you_mean("zzzzzz", ["signer"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("nmae", "name"), 1);
        assert_eq!(did_you_mean("nmae", ["name", "network"]), Some("name"));
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn escape_line_neutralises_what_could_spoof_the_terminal() {
        assert!(matches!(
            escape_line("signer-only.macaroon differs"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_line("a.macaroon\n  + container.signer ok"),
            "a.macaroon\\n  + container.signer ok"
        );
        assert_eq!(escape_line("x\u{202e}nacaram.txt"), "x\\u{202e}nacaram.txt");
        assert_eq!(escape_line("\u{1b}[2Jclear"), "\\u{1b}[2Jclear");
        assert_eq!(escape_line("tab\there"), "tab\\there");
        // Non-ASCII text that is not a control stays readable.
        assert_eq!(escape_line("signer «ü» 署名"), "signer «ü» 署名");
    }

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert!(quote(&"x".repeat(1000)).chars().count() < 70);
    }
}
