//! Caveats and what lnd makes of them (lnd-facts §5.3). A caveat's condition
//! is `"<cond> <arg>"`; lnd checks time-before, ipaddr, iprange and
//! lnd-custom, and rejects any other first-party condition it does not know.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One caveat as stored in the macaroon. First-party caveats (all lnd ever
/// makes) carry only `id`, the condition text.
#[derive(Clone, PartialEq, Eq)]
pub struct Caveat {
    /// Optional caveat location (third-party caveats only, in practice).
    pub location: Option<Vec<u8>>,
    /// The caveat id: for first-party caveats, the condition itself.
    pub id: Vec<u8>,
    /// Present only on third-party caveats.
    pub verification_id: Option<Vec<u8>>,
}

impl std::fmt::Debug for Caveat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caveat")
            .field("kind", &self.kind())
            .finish()
    }
}

/// What a caveat restricts, as lnd reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaveatKind {
    /// `time-before <RFC3339>`; `at` is `None` when the time does not parse
    /// (lnd then rejects the macaroon on every call).
    TimeBefore { arg: String, at: Option<SystemTime> },
    /// `ipaddr <ip>`: only this client IP may use the macaroon.
    IpAddr(String),
    /// `iprange <CIDR>`: only client IPs in this range.
    IpRange(String),
    /// `lnd-custom <name> [condition]`: checked by an RPC middleware.
    LndCustom { name: String, condition: String },
    /// A third-party caveat (has a verification id); lnd never makes these.
    ThirdParty { location: String },
    /// Any other first-party condition.
    Other(String),
}

impl CaveatKind {
    /// Short machine name: `time-before`, `ipaddr`, `iprange`, `lnd-custom`,
    /// `third-party`, `other`.
    pub fn name(&self) -> &'static str {
        match self {
            CaveatKind::TimeBefore { .. } => "time-before",
            CaveatKind::IpAddr(_) => "ipaddr",
            CaveatKind::IpRange(_) => "iprange",
            CaveatKind::LndCustom { .. } => "lnd-custom",
            CaveatKind::ThirdParty { .. } => "third-party",
            CaveatKind::Other(_) => "other",
        }
    }

    /// Whether a time-before caveat has passed at `now`. Unparsable times
    /// count as expired, as lnd refuses them.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        match self {
            CaveatKind::TimeBefore { at: Some(t), .. } => now >= *t,
            CaveatKind::TimeBefore { at: None, .. } => true,
            _ => false,
        }
    }
}

impl Caveat {
    /// A first-party caveat with the given condition.
    pub fn first_party(condition: impl Into<Vec<u8>>) -> Self {
        Caveat {
            location: None,
            id: condition.into(),
            verification_id: None,
        }
    }

    pub fn is_first_party(&self) -> bool {
        self.verification_id.as_ref().is_none_or(|v| v.is_empty())
    }

    /// The condition as text (lossy for non-UTF-8 bytes).
    pub fn condition(&self) -> String {
        String::from_utf8_lossy(&self.id).into_owned()
    }

    /// Classifies the caveat the way lnd's checkers would.
    pub fn kind(&self) -> CaveatKind {
        if !self.is_first_party() {
            let location = self
                .location
                .as_deref()
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .unwrap_or_default();
            return CaveatKind::ThirdParty { location };
        }
        let text = self.condition();
        let (cond, arg) = text.split_once(' ').unwrap_or((text.as_str(), ""));
        match cond {
            "time-before" => CaveatKind::TimeBefore {
                arg: arg.to_string(),
                at: parse_rfc3339(arg),
            },
            "ipaddr" => CaveatKind::IpAddr(arg.to_string()),
            "iprange" => CaveatKind::IpRange(arg.to_string()),
            "lnd-custom" => {
                let (name, condition) = arg.split_once(' ').unwrap_or((arg, ""));
                CaveatKind::LndCustom {
                    name: name.to_string(),
                    condition: condition.to_string(),
                }
            }
            _ => CaveatKind::Other(text.clone()),
        }
    }
}

/// The condition lncli writes for an expiry: `time-before` + RFC3339Nano UTC.
pub fn time_before_condition(at: SystemTime) -> String {
    format!("time-before {}", format_rfc3339(at))
}

/// Parses Go's RFC3339 / RFC3339Nano (`2006-01-02T15:04:05.999999999Z07:00`),
/// which is what the bakery's time-before checker accepts.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let padded = format!("{:0<9}", &frac[..digits]);
        nanos = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_secs: i64 = match rest {
        "Z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || rb[3] != b':' || !(rb[0] == b'+' || rb[0] == b'-') {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if rb[0] == b'-' { -off } else { off }
        }
    };
    let secs =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset_secs;
    let base = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs as u64))?
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))?
    };
    base.checked_add(Duration::from_nanos(u64::from(nanos)))
}

/// Formats like Go's `time.RFC3339Nano` in UTC (trailing zeros trimmed).
pub fn format_rfc3339(t: SystemTime) -> String {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let mut s = -(d.as_secs() as i64);
            let mut n = d.subsec_nanos();
            if n > 0 {
                s -= 1;
                n = 1_000_000_000 - n;
            }
            (s, n)
        }
    };
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    );
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(t: SystemTime) -> (u64, u32) {
        let d = t.duration_since(UNIX_EPOCH).unwrap();
        (d.as_secs(), d.subsec_nanos())
    }

    #[test]
    fn parses_go_rfc3339nano() {
        // `date -u -d 2022-08-08T08:10:04Z +%s` = 1659946204.
        let t = parse_rfc3339("2022-08-08T08:10:04.88930363Z").unwrap();
        assert_eq!(unix(t), (1_659_946_204, 889_303_630));
        let t = parse_rfc3339("2027-01-02T03:04:05Z").unwrap();
        assert_eq!(unix(t).0, 1_798_859_045);
        let t = parse_rfc3339("2027-01-02T05:04:05+02:00").unwrap();
        assert_eq!(unix(t).0, 1_798_859_045);
        assert_eq!(
            unix(parse_rfc3339("2000-02-29T00:00:00Z").unwrap()).0,
            951_782_400
        );
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "2022-08-08",
            "2022-08-08 08:10:04Z",
            "2022-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2022-08-08T24:00:00Z",
            "2022-08-08T08:10:04.Z",
            "2022-08-08T08:10:04.1234567890Z",
            "2022-08-08T08:10:04",
            "2022-08-08T08:10:04+0200",
            "+022-08-08T08:10:04Z",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn format_round_trips() {
        for s in [
            "2022-08-08T08:10:04.88930363Z",
            "2027-01-02T03:04:05Z",
            "1969-12-31T23:59:59.5Z",
        ] {
            assert_eq!(format_rfc3339(parse_rfc3339(s).unwrap()), s);
        }
    }

    #[test]
    fn classifies_lnd_caveats() {
        let k = |s: &str| Caveat::first_party(s).kind();
        assert!(matches!(
            k("time-before 2022-08-08T08:10:04Z"),
            CaveatKind::TimeBefore { at: Some(_), .. }
        ));
        assert!(k("time-before 2022-08-08T08:10:04Z").is_expired(SystemTime::now()));
        assert!(k("time-before soon").is_expired(UNIX_EPOCH));
        assert_eq!(k("ipaddr 1.2.3.4"), CaveatKind::IpAddr("1.2.3.4".into()));
        assert_eq!(
            k("iprange 10.0.0.0/8"),
            CaveatKind::IpRange("10.0.0.0/8".into())
        );
        assert_eq!(
            k("lnd-custom lit-mac-fw rules"),
            CaveatKind::LndCustom {
                name: "lit-mac-fw".into(),
                condition: "rules".into()
            }
        );
        assert_eq!(
            k("lnd-custom mw"),
            CaveatKind::LndCustom {
                name: "mw".into(),
                condition: String::new()
            }
        );
        assert_eq!(k("declared x y"), CaveatKind::Other("declared x y".into()));
        let third = Caveat {
            location: Some(b"https://x".to_vec()),
            id: b"cid".to_vec(),
            verification_id: Some(vec![1, 2]),
        };
        assert_eq!(
            third.kind(),
            CaveatKind::ThirdParty {
                location: "https://x".into()
            }
        );
    }
}
