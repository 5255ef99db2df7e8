//! Go's value parsers as go-flags applies them to lnd's option types, with
//! Go's error texts: a value real lnd refuses (`nolisten=yes`,
//! `tlscertduration=14d`) is refused here with the same words.

use std::time::Duration;

/// Checks `value` against an option's Go type; the error is the text Go's
/// strconv/time package would give.
pub fn validate(go_type: &str, value: &str) -> Result<(), String> {
    let elem = go_type.strip_prefix("[]").unwrap_or(go_type);
    match elem {
        "bool" => parse_bool(value).map(|_| ()),
        "int" | "int64" | "btcutil.Amount" => parse_int(value, 64),
        "int32" => parse_int(value, 32),
        "int16" => parse_int(value, 16),
        "int8" => parse_int(value, 8),
        "uint" | "uint64" | "lnwire.MilliSatoshi" | "chainfee.SatPerVByte" => parse_uint(value, 64),
        "uint32" => parse_uint(value, 32),
        "uint16" => parse_uint(value, 16),
        "uint8" => parse_uint(value, 8),
        "float64" => value.parse::<f64>().map(|_| ()).map_err(|_| {
            format!(
                "strconv.ParseFloat: parsing {}: invalid syntax",
                quote(value)
            )
        }),
        "time.Duration" => parse_duration(value).map(|_| ()),
        t if t.starts_with("map[") => match value.split_once(':') {
            Some((_, v)) => v
                .parse::<f64>()
                .map(|_| ())
                .map_err(|_| format!("strconv.ParseFloat: parsing {}: invalid syntax", quote(v))),
            None => Err(format!("expected key:value, got {}", quote(value))),
        },
        _ => Ok(()),
    }
}

/// strconv.ParseBool.
pub fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            quote(value)
        )),
    }
}

fn parse_int(value: &str, bits: u32) -> Result<(), String> {
    let err = |what: &str| format!("strconv.ParseInt: parsing {}: {what}", quote(value));
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("invalid syntax"));
    }
    let n: i128 = value.parse().map_err(|_| err("value out of range"))?;
    let max = (1i128 << (bits - 1)) - 1;
    if n > max || n < -max - 1 {
        return Err(err("value out of range"));
    }
    Ok(())
}

fn parse_uint(value: &str, bits: u32) -> Result<(), String> {
    let err = |what: &str| format!("strconv.ParseUint: parsing {}: {what}", quote(value));
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("invalid syntax"));
    }
    let n: u128 = value.parse().map_err(|_| err("value out of range"))?;
    if n > (1u128 << bits) - 1 {
        return Err(err("value out of range"));
    }
    Ok(())
}

/// Go's `strconv.Quote` for the ASCII texts that appear in these messages.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers with
/// units ns, us (µs), ms, s, m, h, e.g. `10080h`, `1h30m`, `1.5s`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {}", quote(input));
    let mut s = input;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let num_len = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let num = &s[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(invalid());
        }
        let value: f64 = num.parse().map_err(|_| invalid())?;
        s = &s[num_len..];
        let unit_len = s
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let nanos_per = match unit {
            "" => return Err(format!("time: missing unit in duration {}", quote(input))),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(other),
                    quote(input)
                ));
            }
        };
        total += value * nanos_per;
    }
    if total > i64::MAX as f64 {
        return Err(invalid());
    }
    if negative {
        // lnd's durations are never negative in practice; a negative one is
        // kept as zero so comparisons stay meaningful.
        return Ok(Duration::ZERO);
    }
    Ok(Duration::from_nanos(total as u64))
}

/// Go's `strconv.Unquote` for double-quoted strings (go-flags unquotes ini
/// values and flag arguments that start with a quote).
pub fn unquote(s: &str) -> Result<String, String> {
    let syntax = || "invalid syntax".to_string();
    let inner = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(syntax)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\n' => return Err(syntax()),
            '\\' => {
                let e = chars.next().ok_or_else(syntax)?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => return Err(syntax()),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(n).collect();
                        if hex.len() != n {
                            return Err(syntax());
                        }
                        let v = u32::from_str_radix(&hex, 16).map_err(|_| syntax())?;
                        out.push(char::from_u32(v).ok_or_else(syntax)?);
                    }
                    d if d.is_digit(8) => {
                        let rest: String = chars.by_ref().take(2).collect();
                        let v =
                            u32::from_str_radix(&format!("{d}{rest}"), 8).map_err(|_| syntax())?;
                        out.push(char::from_u32(v).ok_or_else(syntax)?);
                    }
                    _ => return Err(syntax()),
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools_like_strconv() {
        assert_eq!(parse_bool("1"), Ok(true));
        assert_eq!(parse_bool("False"), Ok(false));
        assert_eq!(
            parse_bool("yes").unwrap_err(),
            "strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(
            parse_duration("10080h"),
            Ok(Duration::from_secs(10080 * 3600))
        );
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(
            parse_duration("14d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"14d\""
        );
        assert_eq!(
            parse_duration("100").unwrap_err(),
            "time: missing unit in duration \"100\""
        );
        assert_eq!(
            parse_duration("").unwrap_err(),
            "time: invalid duration \"\""
        );
    }

    #[test]
    fn ints_and_types() {
        assert!(validate("int", "12").is_ok());
        assert_eq!(
            validate("uint16", "70000").unwrap_err(),
            "strconv.ParseUint: parsing \"70000\": value out of range"
        );
        assert_eq!(
            validate("int", "x").unwrap_err(),
            "strconv.ParseInt: parsing \"x\": invalid syntax"
        );
        assert!(validate("[]string", "anything").is_ok());
        assert!(validate("map[string]float64", "top_centrality:1.0").is_ok());
    }

    #[test]
    fn unquote_like_go() {
        assert_eq!(unquote("\"a b\"").unwrap(), "a b");
        assert_eq!(unquote("\"a\\\"b\\n\"").unwrap(), "a\"b\n");
        assert!(unquote("\"open").is_err());
    }
}
