//! Time zones: the run's zone (`--tz`) and zones named in `toString` /
//! `unixEpoch` arguments (IANA names, Java's legacy IDs, `GMT+05:30`).

use chrono::{NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{OffsetName, Tz};

use super::format::ZoneInfo;

/// The instant a wall-clock time in `tz` denotes (the earlier one when the
/// clock repeats, the offset before the jump when it skips).
pub fn to_utc(tz: &Tz, at: &NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    match tz.from_local_datetime(at) {
        chrono::LocalResult::Single(t) => t.to_utc(),
        chrono::LocalResult::Ambiguous(a, _) => a.to_utc(),
        chrono::LocalResult::None => {
            let off = tz.offset_from_utc_datetime(at).fix().local_minus_utc();
            at.checked_sub_signed(TimeDelta::seconds(off as i64))
                .unwrap_or(*at)
                .and_utc()
        }
    }
}

/// A zone named in a `toString`/`unixEpoch` argument.
pub enum Zone {
    Named(Tz),
    Fixed(chrono::FixedOffset),
}

/// Java's legacy three-letter IDs that scripts still use.
const LEGACY_ZONES: &[(&str, &str)] = &[
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("IST", "Asia/Kolkata"),
    ("CST", "America/Chicago"),
    ("JST", "Asia/Tokyo"),
    ("ECT", "Europe/Paris"),
    ("CTT", "Asia/Shanghai"),
    ("AET", "Australia/Sydney"),
    ("BST", "Asia/Dhaka"),
    ("SST", "Pacific/Guadalcanal"),
    ("AST", "America/Anchorage"),
    ("PRT", "America/Puerto_Rico"),
];

/// Resolve a zone name; unknown names fall back to GMT, as Java's
/// `TimeZone.getTimeZone` (and Zoho's `unixEpoch` doc) do.
pub fn zone_named(name: &str) -> Zone {
    let n = name.trim();
    if let Ok(tz) = n.parse::<Tz>() {
        return Zone::Named(tz);
    }
    if let Some((_, id)) = LEGACY_ZONES.iter().find(|(k, _)| k.eq_ignore_ascii_case(n))
        && let Ok(tz) = id.parse::<Tz>()
    {
        return Zone::Named(tz);
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|t| t.name().eq_ignore_ascii_case(n))
    {
        return Zone::Named(*tz);
    }
    // GMT+05:30, UTC-8, +0530
    let upper = n.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("GMT")
        .or_else(|| upper.strip_prefix("UTC"))
        .unwrap_or(&upper);
    if let Some(off) = parse_offset(rest) {
        return Zone::Fixed(off);
    }
    Zone::Named(chrono_tz::Etc::GMT)
}

fn parse_offset(s: &str) -> Option<chrono::FixedOffset> {
    let sign = match s.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let body = &s[1..];
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h, m),
        None if body.len() > 2 => body.split_at(body.len() - 2),
        None => (body, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 18 || m > 59 {
        return None;
    }
    chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

pub fn localize(zone: &Zone, utc: &chrono::DateTime<chrono::Utc>) -> (NaiveDateTime, ZoneInfo) {
    match zone {
        Zone::Named(tz) => {
            let off = tz.offset_from_utc_datetime(&utc.naive_utc());
            let secs = off.fix().local_minus_utc();
            let at = utc
                .naive_utc()
                .checked_add_signed(TimeDelta::seconds(secs as i64))
                .unwrap_or(utc.naive_utc());
            let abbr = off.abbreviation().unwrap_or("").to_string();
            (
                at,
                ZoneInfo {
                    offset_secs: secs,
                    abbr,
                },
            )
        }
        Zone::Fixed(f) => {
            let secs = f.local_minus_utc();
            let at = utc
                .naive_utc()
                .checked_add_signed(TimeDelta::seconds(secs as i64))
                .unwrap_or(utc.naive_utc());
            (
                at,
                ZoneInfo {
                    offset_secs: secs,
                    abbr: String::new(),
                },
            )
        }
    }
}
