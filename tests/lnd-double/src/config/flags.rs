//! lnd's command line as go-flags parses it: `--name=value`,
//! `--name value`, bare `--boolflag`, the short flags `-V -C -b -d -h`,
//! `--` ending the options. Positional arguments are ignored (lnd has
//! none and go-flags hands them back unused). Errors carry go-flags' words.

use super::ini::check_value;
use super::options::{self, OptionSpec};
use super::values;

/// One option given on the command line.
#[derive(Debug, Clone)]
pub struct FlagValue {
    pub option: &'static OptionSpec,
    /// `None` for a bool flag (which takes no argument).
    pub value: Option<String>,
}

/// Parses lnd's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Vec<FlagValue>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let option = options::lookup(name).ok_or_else(|| format!("unknown flag `{name}'"))?;
            out.push(take_argument(option, inline, args, &mut i)?);
        } else if let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) {
            let chars: Vec<char> = body.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let option =
                    options::lookup_short(c).ok_or_else(|| format!("unknown flag `{c}'"))?;
                j += 1;
                if option.is_bool() {
                    out.push(FlagValue {
                        option,
                        value: None,
                    });
                    continue;
                }
                // A short option with an argument takes the rest of the
                // word (`-Cfile`) or the next argument.
                let rest: String = chars[j..].iter().collect();
                let inline = (!rest.is_empty()).then_some(rest);
                out.push(take_argument(option, inline, args, &mut i)?);
                break;
            }
        }
        // Anything else is a positional argument; lnd ignores those.
    }
    Ok(out)
}

fn take_argument(
    option: &'static OptionSpec,
    inline: Option<String>,
    args: &[String],
    i: &mut usize,
) -> Result<FlagValue, String> {
    let shown = option.display();
    if option.is_bool() {
        if inline.is_some() {
            return Err(format!("bool flag `{shown}' cannot have an argument"));
        }
        return Ok(FlagValue {
            option,
            value: None,
        });
    }
    let raw = match inline {
        Some(v) => v,
        None => {
            let Some(next) = args.get(*i) else {
                return Err(format!("expected argument for flag `{shown}'"));
            };
            if is_option(next) && !(is_signed_number(option) && looks_negative(next)) {
                return Err(format!(
                    "expected argument for flag `{shown}', but got option `{next}'"
                ));
            }
            if next == "--" {
                return Err(format!(
                    "expected argument for flag `{shown}', but got double dash `--'"
                ));
            }
            *i += 1;
            next.clone()
        }
    };
    let value = if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        values::unquote(&raw).unwrap_or(raw)
    } else {
        raw
    };
    check_value(option, &value).map_err(|e| {
        if e.starts_with("Invalid value") {
            e
        } else {
            format!(
                "invalid argument for flag `{shown}' (expected {}): {e}",
                option.go_type
            )
        }
    })?;
    Ok(FlagValue {
        option,
        value: Some(value),
    })
}

/// go-flags' argumentIsOption.
fn is_option(arg: &str) -> bool {
    let b = arg.as_bytes();
    (b.len() > 1 && b[0] == b'-' && b[1] != b'-')
        || (b.len() > 2 && b[0] == b'-' && b[1] == b'-' && b[2] != b'-')
}

fn is_signed_number(option: &OptionSpec) -> bool {
    matches!(
        option.go_type,
        "int" | "int64" | "int32" | "int16" | "int8" | "float64" | "btcutil.Amount"
    )
}

fn looks_negative(arg: &str) -> bool {
    let b = arg.as_bytes();
    b.len() > 1 && b[0] == b'-' && b[1].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn pairs(v: Vec<FlagValue>) -> Vec<(&'static str, Option<String>)> {
        v.into_iter().map(|f| (f.option.name, f.value)).collect()
    }

    #[test]
    fn parses_lnd_style_flags() {
        let got = parse(&args(&[
            "--lnddir=/root/.lnd",
            "--configfile",
            "/root/.lnd/lnd.conf",
            "--nolisten",
            "--bitcoin.regtest",
            "-d",
            "debug",
            "--rpclisten=0.0.0.0:10009",
            "positional",
        ]))
        .unwrap();
        assert_eq!(
            pairs(got),
            vec![
                ("lnddir", Some("/root/.lnd".into())),
                ("configfile", Some("/root/.lnd/lnd.conf".into())),
                ("nolisten", None),
                ("bitcoin.regtest", None),
                ("debuglevel", Some("debug".into())),
                ("rpclisten", Some("0.0.0.0:10009".into())),
            ]
        );
        assert_eq!(
            pairs(parse(&args(&["-V"])).unwrap()),
            vec![("version", None)]
        );
    }

    #[test]
    fn go_flags_errors() {
        assert_eq!(parse(&args(&["--foo"])).unwrap_err(), "unknown flag `foo'");
        assert_eq!(
            parse(&args(&["--nolisten=1"])).unwrap_err(),
            "bool flag `--nolisten' cannot have an argument"
        );
        assert_eq!(
            parse(&args(&["--rpclisten"])).unwrap_err(),
            "expected argument for flag `--rpclisten'"
        );
        assert_eq!(
            parse(&args(&["--rpclisten", "--nolisten"])).unwrap_err(),
            "expected argument for flag `--rpclisten', but got option `--nolisten'"
        );
        assert_eq!(
            parse(&args(&["--tlscertduration=2w"])).unwrap_err(),
            "invalid argument for flag `--tlscertduration' (expected time.Duration): time: unknown unit \"w\" in duration \"2w\""
        );
        assert_eq!(parse(&args(&["-x"])).unwrap_err(), "unknown flag `x'");
    }
}
