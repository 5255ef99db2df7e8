//! versions.env: the pinned lnd image, in the shell kit's `KEY=VALUE` form.
//!
//! Layers, lowest first: the copy embedded in lsm at build time, a
//! `versions.env` beside the manifest (fleets pin versions in their own
//! repository), then explicit manifest values. Values are literal: `$` and
//! backticks are refused rather than expanded, so a file can never pull in
//! the environment of whoever runs lsm.

use super::fields;
use super::read::{ReadError, content_diagnostic, read_text};
use crate::diagnostic::{Diagnostic, SourceFile, did_you_mean, quote};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The repository's versions.env, compiled into lsm.
pub const EMBEDDED_TEXT: &str = include_str!("../../versions.env");
/// The file name looked for beside the manifest.
pub(crate) const FILE_NAME: &str = "versions.env";
/// versions.env files are a few lines; anything this large is a mistake.
pub(crate) const MAX_SIZE: u64 = 64 * 1024;

/// The keys versions.env may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum VersionKey {
    LndImage,
    LndVersion,
}

impl VersionKey {
    pub(crate) const ALL: &'static [VersionKey] = &[VersionKey::LndImage, VersionKey::LndVersion];

    pub(crate) fn name(self) -> &'static str {
        match self {
            VersionKey::LndImage => "LND_IMAGE",
            VersionKey::LndVersion => "LND_VERSION",
        }
    }

    fn validate(self, value: &str) -> fields::FieldResult<String> {
        match self {
            VersionKey::LndImage => fields::image_with(
                value,
                |tag| {
                    format!(
                        "put the tag in its own line, LND_VERSION={tag}, and keep only the repository in LND_IMAGE"
                    )
                },
                |digest| {
                    format!(
                        "versions.env pins no digest: set docker.digest = \"{digest}\" in the manifest and keep only the repository in LND_IMAGE"
                    )
                },
            ),
            VersionKey::LndVersion => fields::tag(value),
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// Where a versions layer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionsOrigin {
    Embedded,
    File(PathBuf),
}

/// One value and the line that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionValue {
    pub value: String,
    pub line: usize,
}

/// One parsed versions.env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Versions {
    pub origin: VersionsOrigin,
    pub values: BTreeMap<VersionKey, VersionValue>,
}

impl Versions {
    pub(crate) fn get(&self, key: VersionKey) -> Option<&VersionValue> {
        self.values.get(&key)
    }
}

/// The embedded layer. It is checked by a test, so failure here means a
/// broken build; it is still reported, never a panic.
pub(crate) fn embedded() -> Result<Versions, Vec<Diagnostic>> {
    let file = SourceFile::new("versions.env (built into lsm)", EMBEDDED_TEXT);
    parse(&file, VersionsOrigin::Embedded)
}

/// The layer beside the manifest, if that file exists. `shown_dir` is how
/// the manifest's directory is shown in messages (as the operator wrote it).
pub(crate) fn beside(
    manifest_dir: &Path,
    shown_dir: &Path,
) -> Result<Option<Versions>, Vec<Diagnostic>> {
    let path = manifest_dir.join(FILE_NAME);
    let shown = shown_dir.join(FILE_NAME).display().to_string();
    match read_text(&path, MAX_SIZE) {
        Ok(text) => {
            let file = SourceFile::new(shown, text);
            parse(&file, VersionsOrigin::File(path)).map(Some)
        }
        Err(ReadError::NotFound) => Ok(None),
        Err(e) => match content_diagnostic(&shown, e) {
            Ok(d) => Err(vec![d]),
            Err(e) => {
                let file = SourceFile::new(shown, "");
                let (reason, help) = match e {
                    ReadError::NotRegular { kind } => (
                        format!("it is {kind}, not a regular file"),
                        "replace it with a regular file, or remove it; lsm reads a versions.env beside the manifest when one exists",
                    ),
                    ReadError::Io(io) => (
                        io.to_string(),
                        "fix its permissions or remove it; lsm reads a versions.env beside the manifest when one exists",
                    ),
                    _ => ("unreadable".to_string(), "remove it"),
                };
                Err(vec![
                    Diagnostic::new(&file, format!("cannot read versions.env: {reason}"))
                        .help(help),
                ])
            }
        },
    }
}

/// Parses `KEY=VALUE` lines: `#` comments, blank lines, an optional
/// `export ` prefix, values optionally in matching single or double quotes.
pub(crate) fn parse(
    file: &Arc<SourceFile>,
    origin: VersionsOrigin,
) -> Result<Versions, Vec<Diagnostic>> {
    let mut values: BTreeMap<VersionKey, VersionValue> = BTreeMap::new();
    let mut problems = Vec::new();
    let text = file.text();
    let mut offset = 0;
    for (index, raw_line) in text.split('\n').enumerate() {
        let line_start = offset;
        offset += raw_line.len() + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        match parse_line(line, line_start) {
            Ok(None) => {}
            Ok(Some(entry)) => {
                let name = &line[entry.key.start - line_start..entry.key.end - line_start];
                let Some(key) = VersionKey::from_name(name) else {
                    let known: Vec<&str> = VersionKey::ALL.iter().map(|k| k.name()).collect();
                    let help = match did_you_mean(name, known.iter().copied()) {
                        Some(best) => format!("did you mean {best}?"),
                        None => format!("versions.env may set {}", known.join(" and ")),
                    };
                    problems.push(
                        Diagnostic::new(file, format!("unknown key {}", quote(name)))
                            .at(entry.key)
                            .key(name)
                            .help(help),
                    );
                    continue;
                };
                if let Some(first) = values.get(&key) {
                    problems.push(
                        Diagnostic::new(file, format!("{} is set twice", key.name()))
                            .at(entry.key)
                            .key(key.name())
                            .help(format!("it is first set on line {}; keep one", first.line)),
                    );
                    continue;
                }
                match key.validate(&entry.value) {
                    Ok(value) => {
                        values.insert(
                            key,
                            VersionValue {
                                value,
                                line: index + 1,
                            },
                        );
                    }
                    Err(e) => problems.push(
                        Diagnostic::new(file, format!("{}: {}", key.name(), e.reason))
                            .at(entry.value_span)
                            .key(key.name())
                            .help(e.help),
                    ),
                }
            }
            Err(LineError {
                span,
                message,
                help,
                key,
            }) => {
                let mut d = Diagnostic::new(file, message).at(span).help(help);
                if let Some(key) = key {
                    d = d.key(key);
                }
                problems.push(d);
            }
        }
    }
    if problems.is_empty() {
        Ok(Versions { origin, values })
    } else {
        Err(problems)
    }
}

struct Entry {
    key: Range<usize>,
    value: String,
    value_span: Range<usize>,
}

/// A line that is not `KEY=VALUE` as a shell would read it.
struct LineError {
    span: Range<usize>,
    message: String,
    help: String,
    /// The variable, when the line got that far.
    key: Option<String>,
}

fn line_error(
    span: Range<usize>,
    message: impl Into<String>,
    help: impl Into<String>,
    key: Option<&str>,
) -> LineError {
    LineError {
        span,
        message: message.into(),
        help: help.into(),
        key: key.map(String::from),
    }
}

/// One line; spans are absolute byte offsets into the file. The rules are
/// a shell's: versions.env is also `source`d by the old kit's scripts, so a
/// line a shell reads differently (spaces around `=`, `$`) is refused.
fn parse_line(line: &str, base: usize) -> Result<Option<Entry>, LineError> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let mut start = line.len() - trimmed.len();
    if let Some(rest) = trimmed.strip_prefix("export ") {
        start += trimmed.len() - rest.trim_start().len();
    }
    let body = &line[start..];
    let Some(eq) = body.find('=') else {
        return Err(line_error(
            base + start..base + line.len(),
            "expected KEY=VALUE",
            "write one setting per line, e.g. LND_VERSION=v0.20.0-beta",
            None,
        ));
    };
    let key = body[..eq].trim_end();
    let key_span = base + start..base + start + key.len();
    if !is_variable_name(key) {
        return Err(line_error(
            key_span,
            format!("{} is not a variable name", quote(key)),
            "names are upper case letters, digits and '_', e.g. LND_VERSION",
            None,
        ));
    }
    let value_start = start + eq + 1;
    let raw = &line[value_start..];
    check_spacing(key, key.len() < eq, raw, base + start, base + value_start)?;
    check_expansion(key, raw, base + value_start)?;
    let value_abs = base + value_start + (raw.len() - raw.trim_start().len());
    let (value, span) = literal_value(key, raw.trim(), value_abs)?;
    if value.is_empty() {
        return Err(line_error(
            key_span,
            format!("{key} is empty"),
            format!("give it a value, or remove the line to use lsm's built-in {key}"),
            Some(key),
        ));
    }
    Ok(Some(Entry {
        key: key_span,
        value: value.to_string(),
        value_span: span,
    }))
}

/// A shell variable name as versions.env uses them: upper case letters,
/// digits and '_', not starting with a digit.
fn is_variable_name(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Spaces around `=` make a shell run a command instead of setting the
/// variable. `spaced_before`: the key was followed by blanks; `key_at` and
/// `raw_at` are where the key and the text after `=` (`raw`) start.
fn check_spacing(
    key: &str,
    spaced_before: bool,
    raw: &str,
    key_at: usize,
    raw_at: usize,
) -> Result<(), LineError> {
    let value_text = raw.trim();
    let spaced_after =
        raw.starts_with([' ', '\t']) && !value_text.is_empty() && !value_text.starts_with('#');
    if !spaced_before && !spaced_after {
        return Ok(());
    }
    let at = if spaced_before {
        key_at + key.len()..raw_at - 1
    } else {
        raw_at..raw_at + (raw.len() - raw.trim_start().len())
    };
    let reading = if spaced_before {
        format!("a shell would run {key} as a command")
    } else {
        format!(
            "a shell would set {key} to nothing and run {} as a command",
            quote(value_text.split_whitespace().next().unwrap_or_default())
        )
    };
    Err(line_error(
        at,
        format!("spaces around = : {reading}"),
        format!("write {key}={value_text} with no spaces around ="),
        Some(key),
    ))
}

/// `$` and backquotes would be expanded by a shell that sources the file,
/// so lsm and the shell would read different values.
fn check_expansion(key: &str, raw: &str, raw_at: usize) -> Result<(), LineError> {
    let Some(pos) = raw.find(['$', '`']) else {
        return Ok(());
    };
    let at = raw_at + pos;
    Err(line_error(
        at..at + 1,
        format!(
            "{} would be expanded by a shell; versions.env values are literal",
            quote(&raw[pos..pos + 1])
        ),
        format!("write the value itself, e.g. {key}={}", example_value(key)),
        Some(key),
    ))
}

/// The value as a shell reads it, and its span: inside matching quotes
/// (nothing but a comment after them), else up to a ` #` comment.
/// `value_abs` is where the trimmed `value` starts in the file.
fn literal_value<'a>(
    key: &str,
    value: &'a str,
    value_abs: usize,
) -> Result<(&'a str, Range<usize>), LineError> {
    let Some(q @ ('"' | '\'')) = value.chars().next() else {
        // An unquoted value ends at a ` #` comment.
        let cut = value
            .find(" #")
            .or_else(|| value.find("\t#"))
            .unwrap_or(value.len());
        let v = value[..cut].trim_end();
        return Ok((v, value_abs..value_abs + v.len()));
    };
    let inner = &value[1..];
    let Some(end) = inner.find(q) else {
        return Err(line_error(
            value_abs..value_abs + value.len(),
            format!("the quote {q} is never closed"),
            format!("end the value with {q}"),
            Some(key),
        ));
    };
    let after = inner[end + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return Err(line_error(
            value_abs..value_abs + value.len(),
            "unexpected text after the closing quote",
            "put the whole value inside the quotes",
            Some(key),
        ));
    }
    Ok((&inner[..end], value_abs + 1..value_abs + 1 + end))
}

/// A value to show in help for `key`.
fn example_value(key: &str) -> &'static str {
    match VersionKey::from_name(key) {
        Some(VersionKey::LndImage) => "lightninglabs/lnd",
        _ => "v0.20.0-beta",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Versions, Vec<String>> {
        let file = SourceFile::new("versions.env", text);
        parse(&file, VersionsOrigin::Embedded).map_err(|ds| {
            ds.iter()
                .map(|d| format!("{} {}", d.position(), d.message))
                .collect()
        })
    }

    #[test]
    fn embedded_file_is_valid_and_complete() {
        let v = embedded().expect("embedded versions.env parses");
        for key in VersionKey::ALL {
            assert!(
                v.get(*key).is_some(),
                "embedded versions.env lacks {}",
                key.name()
            );
        }
    }

    #[test]
    fn accepts_comments_quotes_and_export() {
        let v = parse_text(
            "# pinned\n\nexport LND_VERSION=\"v0.21.0-beta\" # note\r\nLND_IMAGE='example.com/lnd'\n",
        )
        .unwrap();
        assert_eq!(v.get(VersionKey::LndVersion).unwrap().value, "v0.21.0-beta");
        assert_eq!(v.get(VersionKey::LndVersion).unwrap().line, 3);
        assert_eq!(
            v.get(VersionKey::LndImage).unwrap().value,
            "example.com/lnd"
        );
        let v = parse_text("LND_VERSION=v1 # comment\n").unwrap();
        assert_eq!(v.get(VersionKey::LndVersion).unwrap().value, "v1");
    }

    #[test]
    fn refuses_expansion_anywhere() {
        for text in [
            "LND_VERSION=$VERSION\n",
            "LND_VERSION=\"${X}\"\n",
            "LND_VERSION='v$1'\n",
            "LND_VERSION=`date`\n",
        ] {
            let e = parse_text(text).unwrap_err();
            assert_eq!(e.len(), 1, "{text}");
            assert!(e[0].contains("expanded by a shell"), "{e:?}");
        }
        let e = parse_text("# c\nLND_VERSION=v1-$X\n").unwrap_err();
        assert!(e[0].starts_with("versions.env:2:16 "), "{e:?}");
        // The refusal names the key, as every other problem does.
        let file = SourceFile::new("versions.env", "LND_IMAGE=$REPO\n");
        let d = parse(&file, VersionsOrigin::Embedded).unwrap_err();
        assert_eq!(d[0].key.as_deref(), Some("LND_IMAGE"));
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("LND_IMAGE=lightninglabs/lnd"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn refuses_spaces_around_the_equals_sign_as_a_shell_would() {
        for (text, at, reading) in [
            (
                "LND_VERSION = v1\n",
                "versions.env:1:12 ",
                "run LND_VERSION as a command",
            ),
            (
                "LND_VERSION =v1\n",
                "versions.env:1:12 ",
                "run LND_VERSION as a command",
            ),
            (
                "LND_VERSION= v1\n",
                "versions.env:1:13 ",
                "set LND_VERSION to nothing and run \"v1\"",
            ),
        ] {
            let e = parse_text(text).unwrap_err();
            assert_eq!(e.len(), 1, "{text}: {e:?}");
            assert!(
                e[0].starts_with(at) && e[0].contains(reading),
                "{text}: {e:?}"
            );
        }
        let file = SourceFile::new("versions.env", "LND_VERSION = v1\n");
        let d = parse(&file, VersionsOrigin::Embedded).unwrap_err();
        assert_eq!(
            d[0].help.as_deref(),
            Some("write LND_VERSION=v1 with no spaces around =")
        );
        assert_eq!(d[0].key.as_deref(), Some("LND_VERSION"));
        // Indentation and `export` are fine for a shell.
        assert!(parse_text("  export LND_VERSION=v1\n").is_ok());
    }

    #[test]
    fn an_image_with_a_tag_points_at_lnd_version() {
        let file = SourceFile::new("versions.env", "LND_IMAGE=lightninglabs/lnd:v1\n");
        let d = parse(&file, VersionsOrigin::Embedded).unwrap_err();
        let help = d[0].help.as_deref().unwrap();
        assert!(help.contains("LND_VERSION=v1"), "{help}");
        assert!(!help.contains("docker.version"), "{help}");
    }

    #[test]
    fn refuses_unknown_duplicate_malformed_and_invalid() {
        let e = parse_text(
            "LND_VERSON=v1\nLND_VERSION=v1\nLND_VERSION=v2\njunk\nLND_IMAGE=\"x\nlnd_image=x\nLND_IMAGE=Bad/Repo\nLND_IMAGE=\n",
        )
        .unwrap_err();
        let joined = e.join("\n");
        assert!(
            joined.contains("versions.env:1:1 unknown key \"LND_VERSON\""),
            "{joined}"
        );
        assert!(
            joined.contains("versions.env:3:1 LND_VERSION is set twice"),
            "{joined}"
        );
        assert!(
            joined.contains("versions.env:4:1 expected KEY=VALUE"),
            "{joined}"
        );
        assert!(
            joined.contains("versions.env:5:11 the quote \" is never closed"),
            "{joined}"
        );
        assert!(
            joined.contains("versions.env:6:1 \"lnd_image\" is not a variable name"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "versions.env:7:11 LND_IMAGE: \"Bad/Repo\" is not a valid image repository"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("versions.env:8:1 LND_IMAGE is empty"),
            "{joined}"
        );
        assert_eq!(e.len(), 7, "{joined}");
    }
}
