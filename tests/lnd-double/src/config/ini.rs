//! lnd.conf as go-flags' ini parser reads it: whole-line `;`/`#` comments,
//! `[Section]` headers naming option groups, `key=value` lines (a bare key
//! with no `=` is an error; `key=` gives a bool option `true`), values
//! unquoted when they start with `"`. No inline comments: `a=b # c` sets
//! `a` to `b # c`, exactly as lnd would.

use super::options::{self, OptionSpec};
use super::values;

/// One `key=value` line that names a known option.
#[derive(Debug, Clone)]
pub struct IniValue {
    pub option: &'static OptionSpec,
    /// `None` for a bool option written as `key=` (go-flags sets it true).
    pub value: Option<String>,
}

/// go-flags' `IniError`: `file:line: message`.
pub fn ini_error(file: &str, line: usize, message: impl std::fmt::Display) -> String {
    format!("{file}:{line}: {message}")
}

struct RawLine {
    section: Option<String>,
    name: String,
    value: String,
    quoted: bool,
    line: usize,
}

/// Parses `text` (the contents of `file`) into option values in file
/// order. Errors are go-flags' messages.
pub fn parse(file: &str, text: &str) -> Result<Vec<IniValue>, String> {
    let mut raw = Vec::new();
    let mut section: Option<String> = None;
    for (idx, line) in text.lines().enumerate() {
        let lineno = idx + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            if !line.ends_with(']') {
                return Err(ini_error(file, lineno, "malformed section header"));
            }
            let name = line[1..line.len() - 1].trim();
            if name.is_empty() {
                return Err(ini_error(file, lineno, "empty section name"));
            }
            if options::section_scope(name).is_none() {
                return Err(format!("could not find option group `{name}'"));
            }
            section = Some(name.to_string());
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(ini_error(
                file,
                lineno,
                format!("malformed key=value ({line})"),
            ));
        };
        let mut value = value.trim().to_string();
        let mut quoted = false;
        if value.starts_with('"') {
            value = values::unquote(&value).map_err(|e| ini_error(file, lineno, e))?;
            quoted = true;
        }
        raw.push(RawLine {
            section: section.clone(),
            name: name.trim().to_string(),
            value,
            quoted,
            line: lineno,
        });
    }

    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let scope = r
            .section
            .as_deref()
            .and_then(options::section_scope)
            .unwrap_or(options::SectionScope::All);
        let option = options::lookup(&r.name)
            .filter(|o| scope.contains(o.name))
            .ok_or_else(|| ini_error(file, r.line, format!("unknown option: {}", r.name)))?;
        let value = if option.is_bool() && r.value.is_empty() && !r.quoted {
            None
        } else {
            check_value(option, &r.value).map_err(|e| ini_error(file, r.line, e))?;
            Some(r.value)
        };
        out.push(IniValue { option, value });
    }
    Ok(out)
}

/// go-flags' checks on one value: the `choice` list first, then the type.
pub fn check_value(option: &OptionSpec, value: &str) -> Result<(), String> {
    if !option.choices.is_empty() && !option.choices.contains(&value) {
        let (last, rest) = option.choices.split_last().unwrap_or((&"", &[]));
        let allowed = if rest.is_empty() {
            last.to_string()
        } else {
            format!("{} or {last}", rest.join(", "))
        };
        return Err(format!(
            "Invalid value `{value}' for option `{}'. Allowed values are: {allowed}",
            option.display()
        ));
    }
    values::validate(option.go_type, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[IniValue]) -> Vec<(String, Option<String>)> {
        v.iter()
            .map(|x| (x.option.name.to_string(), x.value.clone()))
            .collect()
    }

    #[test]
    fn reads_lnd_conf_like_go_flags() {
        let conf = "\
; a comment
# another
[Application Options]
rpclisten=0.0.0.0:10009
rpclisten = 10010
nolisten=
norest=1
alias=\"my node\"
debuglevel=info # not a comment

[Bitcoin]
bitcoin.regtest=true
bitcoin.node=nochainbackend
";
        let v = parse("lnd.conf", conf).unwrap();
        assert_eq!(
            names(&v),
            vec![
                ("rpclisten".into(), Some("0.0.0.0:10009".into())),
                ("rpclisten".into(), Some("10010".into())),
                ("nolisten".into(), None),
                ("norest".into(), Some("1".into())),
                ("alias".into(), Some("my node".into())),
                ("debuglevel".into(), Some("info # not a comment".into())),
                ("bitcoin.regtest".into(), Some("true".into())),
                ("bitcoin.node".into(), Some("nochainbackend".into())),
            ]
        );
    }

    #[test]
    fn errors_are_go_flags_errors() {
        assert_eq!(
            parse("/c/lnd.conf", "rpclisten=1\nfoo=bar\n").unwrap_err(),
            "/c/lnd.conf:2: unknown option: foo"
        );
        assert_eq!(
            parse("/c/lnd.conf", "nolisten\n").unwrap_err(),
            "/c/lnd.conf:1: malformed key=value (nolisten)"
        );
        assert_eq!(
            parse("/c/lnd.conf", "[Nope]\nalias=x\n").unwrap_err(),
            "could not find option group `Nope'"
        );
        assert_eq!(
            parse("/c/lnd.conf", "[Bitcoin]\nrpclisten=1\n").unwrap_err(),
            "/c/lnd.conf:2: unknown option: rpclisten"
        );
        assert_eq!(
            parse("/c/lnd.conf", "nolisten=yes\n").unwrap_err(),
            "/c/lnd.conf:1: strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
        assert_eq!(
            parse("/c/lnd.conf", "bitcoin.node=bitcoin\n").unwrap_err(),
            "/c/lnd.conf:1: Invalid value `bitcoin' for option `--bitcoin.node'. Allowed values are: btcd, bitcoind, neutrino or nochainbackend"
        );
        assert_eq!(
            parse("/c/lnd.conf", "[Application Options\n").unwrap_err(),
            "/c/lnd.conf:1: malformed section header"
        );
    }
}
