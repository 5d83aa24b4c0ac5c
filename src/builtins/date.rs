//! Date-time functions. Values are wall-clock times in the run's time zone
//! (`--tz` / `TZ`); patterns follow Java's SimpleDateFormat.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike};

use super::{FunctionDef, MethodDef, Recv, arg_text, method};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::value::{DateTime, Value};

pub const METHODS: &[MethodDef] = &[
    method(Recv::Date, "toString", 0, 2, date_to_string),
    method(Recv::Date, "toText", 0, 2, date_to_string),
    method(Recv::Text, "toDate", 0, 1, text_to_date),
    method(Recv::Text, "toDateTime", 0, 1, text_to_datetime),
    method(Recv::Text, "toTime", 0, 1, text_to_datetime),
    method(Recv::Date, "toDate", 0, 0, date_to_date),
    method(Recv::Date, "toDateTime", 0, 0, date_to_datetime),
    method(Recv::Number, "toDate", 0, 0, millis_to_date),
    method(Recv::Number, "toDateTime", 0, 0, millis_to_datetime),
    method(Recv::Date, "addDay", 1, 1, add_day),
];

pub const FUNCTIONS: &[FunctionDef] = &[];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_from_name(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| l.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn parse_time(s: &str) -> Option<(u32, u32, u32)> {
    let s = s.trim();
    let (clock, pm) = if let Some(x) = s.strip_suffix("PM").or_else(|| s.strip_suffix("pm")) {
        (x.trim(), Some(true))
    } else if let Some(x) = s.strip_suffix("AM").or_else(|| s.strip_suffix("am")) {
        (x.trim(), Some(false))
    } else {
        (s, None)
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let mut h: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let sec: u32 = parts.get(2).map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    if let Some(pm) = pm {
        if h == 12 {
            h = 0;
        }
        if pm {
            h += 12;
        }
    }
    (h < 24 && m < 60 && sec < 60).then_some((h, m, sec))
}

fn year_of(s: &str) -> Option<i32> {
    let y: i32 = s.parse().ok()?;
    Some(if s.len() <= 2 { 2000 + y } else { y })
}

/// The date part in one of Zoho's accepted layouts.
fn parse_date_part(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let (a, b, c) = (parts[0], parts[1], parts[2]);
    // dd-MMM-yyyy
    if let Some(m) = month_from_name(b) {
        return NaiveDate::from_ymd_opt(year_of(c)?, m, a.parse().ok()?);
    }
    // MMM dd yyyy
    if let Some(m) = month_from_name(a) {
        return NaiveDate::from_ymd_opt(year_of(c)?, m, b.parse().ok()?);
    }
    let (x, y, z): (u32, u32, u32) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    if a.len() == 4 {
        return NaiveDate::from_ymd_opt(x as i32, y, z);
    }
    // Ambiguous numeric layouts: prefer MM-dd-yyyy (US app default), fall
    // back to dd-MM-yyyy when the first part cannot be a month.
    let year = year_of(c)?;
    NaiveDate::from_ymd_opt(year, x, y)
        .or_else(|| NaiveDate::from_ymd_opt(year, y, x))
        .filter(|_| z > 0 || !c.is_empty())
}

/// Parse date/date-time text in Zoho's default layouts.
pub fn parse_date_text(text: &str, _pattern: Option<&str>) -> Option<DateTime> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    // ISO 8601 first: API data uses it.
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(DateTime {
            at: dt.naive_local(),
            has_time: true,
        });
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S") {
        return Some(DateTime {
            at: dt,
            has_time: true,
        });
    }
    // Split off a trailing time (`… 19:00:00` or `… 06:00:00 PM`).
    let (date_part, time) = match t.find(':') {
        Some(colon) => {
            let start = t[..colon].rfind(' ')?;
            (&t[..start], Some(parse_time(&t[start + 1..])?))
        }
        None => (t, None),
    };
    let d = parse_date_part(date_part)?;
    let (h, m, s) = time.unwrap_or((0, 0, 0));
    Some(DateTime {
        at: d.and_hms_opt(h, m, s)?,
        has_time: true,
    })
}

/// A single-quoted literal such as `'15-Aug-1947 19:00:00'`.
pub fn parse_date_literal(text: &str) -> Option<DateTime> {
    parse_date_text(text, None)
}

pub fn from_epoch_millis(interp: &Interpreter, ms: i64) -> RtResult<DateTime> {
    let utc = chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| RtError::runtime(format!("{ms} is out of range for a date-time")))?;
    Ok(DateTime {
        at: utc.with_timezone(&interp.options.tz).naive_local(),
        has_time: true,
    })
}

pub fn to_epoch_millis(interp: &Interpreter, d: &DateTime) -> i64 {
    match interp.options.tz.from_local_datetime(&d.at).earliest() {
        Some(t) => t.timestamp_millis(),
        None => d.at.and_utc().timestamp_millis(),
    }
}

/// Format with a Java SimpleDateFormat pattern.
pub fn format_java(at: &NaiveDateTime, pattern: &str) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            if i < chars.len() && chars[i] == '\'' {
                out.push('\'');
                i += 1;
                continue;
            }
            while i < chars.len() && chars[i] != '\'' {
                out.push(chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        i += n;
        let pad = |v: i64, w: usize| format!("{v:0w$}");
        match c {
            'y' | 'Y' => {
                let y = at.year() as i64;
                out.push_str(&if n == 2 { pad(y % 100, 2) } else { pad(y, n) });
            }
            'M' | 'L' => {
                let m = at.month();
                match n {
                    1 | 2 => out.push_str(&pad(m as i64, n)),
                    3 => out.push_str(&at.format("%b").to_string()),
                    _ => out.push_str(&at.format("%B").to_string()),
                }
            }
            'd' => out.push_str(&pad(at.day() as i64, n)),
            'D' => out.push_str(&pad(at.ordinal() as i64, n)),
            'H' => out.push_str(&pad(at.hour() as i64, n)),
            'k' => out.push_str(&pad(if at.hour() == 0 { 24 } else { at.hour() as i64 }, n)),
            'h' => {
                let h = at.hour() % 12;
                out.push_str(&pad(if h == 0 { 12 } else { h as i64 }, n));
            }
            'K' => out.push_str(&pad((at.hour() % 12) as i64, n)),
            'm' => out.push_str(&pad(at.minute() as i64, n)),
            's' => out.push_str(&pad(at.second() as i64, n)),
            'S' => out.push_str(&pad((at.nanosecond() / 1_000_000) as i64, n.max(3))[..n.max(1)]),
            'a' => out.push_str(if at.hour() < 12 { "AM" } else { "PM" }),
            'E' => out.push_str(
                &if n >= 4 {
                    at.format("%A")
                } else {
                    at.format("%a")
                }
                .to_string(),
            ),
            'u' => out.push_str(&at.weekday().number_from_monday().to_string()),
            'w' => out.push_str(&pad(at.iso_week().week() as i64, n)),
            'z' | 'Z' | 'X' => out.push_str(if c == 'z' { "UTC" } else { "+0000" }),
            _ => return None,
        }
    }
    Some(out)
}

pub fn to_string_with_pattern(
    interp: &mut Interpreter,
    d: &Value,
    args: &[Value],
) -> RtResult<Value> {
    let Value::Date(d) = d else {
        return Ok(Value::text(d.to_display()));
    };
    let pattern = arg_text(args, 0, "toString")?;
    let at = match args.get(1) {
        Some(Value::Text(tz)) => {
            let target: chrono_tz::Tz = tz
                .parse()
                .map_err(|_| RtError::runtime(format!("unknown time zone '{tz}'")))?;
            match interp.options.tz.from_local_datetime(&d.at).earliest() {
                Some(t) => t.with_timezone(&target).naive_local(),
                None => d.at,
            }
        }
        _ => d.at,
    };
    Ok(format_java(&at, &pattern)
        .map(Value::text)
        .unwrap_or(Value::Null))
}

fn date_to_string(i: &mut Interpreter, r: &Value, args: &[Value]) -> RtResult<Value> {
    if args.is_empty() {
        return Ok(Value::text(r.to_display()));
    }
    to_string_with_pattern(i, r, args)
}

fn convert_text(r: &Value, args: &[Value], has_time: bool) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    let pattern = args.first().map(|p| p.to_display());
    match parse_date_text(t, pattern.as_deref()) {
        Some(mut d) => {
            if !has_time {
                d.at = d.at.date().and_hms_opt(0, 0, 0).expect("midnight");
            }
            d.has_time = has_time;
            Ok(Value::Date(d))
        }
        None => Err(RtError::runtime(format!("'{t}' is not a valid date"))
            .with_help("use a layout such as dd-MMM-yyyy, yyyy-MM-dd or pass the pattern: toDate(\"dd/MM/yyyy\")")),
    }
}

fn text_to_date(_: &mut Interpreter, r: &Value, args: &[Value]) -> RtResult<Value> {
    convert_text(r, args, false)
}
fn text_to_datetime(_: &mut Interpreter, r: &Value, args: &[Value]) -> RtResult<Value> {
    convert_text(r, args, true)
}
fn date_to_date(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    let Value::Date(d) = r else { unreachable!() };
    Ok(Value::Date(DateTime {
        at: d.at.date().and_hms_opt(0, 0, 0).expect("midnight"),
        has_time: false,
    }))
}
fn date_to_datetime(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    let Value::Date(d) = r else { unreachable!() };
    Ok(Value::Date(DateTime {
        at: d.at,
        has_time: true,
    }))
}
fn millis_to_date(i: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    let ms = super::number::num(r) as i64;
    let mut d = from_epoch_millis(i, ms)?;
    d.at = d.at.date().and_hms_opt(0, 0, 0).expect("midnight");
    d.has_time = false;
    Ok(Value::Date(d))
}
fn millis_to_datetime(i: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Date(from_epoch_millis(
        i,
        super::number::num(r) as i64,
    )?))
}
fn add_day(_: &mut Interpreter, r: &Value, args: &[Value]) -> RtResult<Value> {
    let Value::Date(d) = r else { unreachable!() };
    let n = super::arg_int(args, 0, "addDay")?;
    Ok(Value::Date(DateTime {
        at: d.at + chrono::Duration::days(n),
        has_time: d.has_time,
    }))
}
