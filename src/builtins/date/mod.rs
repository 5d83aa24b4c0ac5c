//! Date-time functions. Values are wall-clock times in the run's time zone
//! (`--tz` / `TZ`, default UTC); patterns follow Java's SimpleDateFormat.
//!
//! Most date methods also accept date-like text as the receiver or as a
//! date argument (`"2024-01-15".addDay(1)`, `daysBetween("1-Jan-2019",
//! "31-Dec-2019")`), as Zoho's services other than Creator do.

pub use crate::value::date::{format, parse, parse_date_literal, parse_date_text};

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use super::{FunctionDef, MethodDef, Recv, arg_int, arg_text, func, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::date::format::{DAY_NAMES, us_week_from, weekday0};
use crate::value::date::parse::{Fail, parse_default, parse_with_pattern, weekday_from_name};
use crate::value::date::zone::{Zone, localize, to_utc, zone_named};
use crate::value::{DateTime, Value};

/// Register `$f` for date receivers and for date-like text.
macro_rules! methods {
    (only { $($o:expr,)* } both { $( ($name:literal, $min:expr, $max:expr, $f:path), )* }) => {
        &[
            $($o,)*
            $(
                method(Recv::Date, $name, $min, $max, $f),
                method(Recv::Text, $name, $min, $max, $f),
            )*
        ]
    };
}

pub const METHODS: &[MethodDef] = methods! {
    only {
        method(Recv::Date, "toString", 0, 2, date_to_string),
        method(Recv::Date, "toText", 0, 2, date_to_string),
        method(Recv::Text, "toDate", 0, 1, text_to_date),
        method(Recv::Text, "toDateTime", 0, 2, text_to_datetime),
        method(Recv::Text, "toTime", 0, 2, text_to_datetime),
        method(Recv::Date, "toDate", 0, 1, date_to_date),
        method(Recv::Date, "toDateTime", 0, 1, date_to_datetime),
        method(Recv::Date, "toTime", 0, 1, date_to_datetime),
        method(Recv::Number, "toDate", 0, 0, millis_to_date),
        method(Recv::Number, "toDateTime", 0, 0, millis_to_datetime),
        method(Recv::Number, "toTime", 0, 0, millis_to_datetime),
        method(Recv::Any, "isDate", 0, 0, is_date),
    }
    both {
        ("addDay", 1, 1, add_day),
        ("subDay", 1, 1, sub_day),
        ("addWeek", 1, 1, add_week),
        ("subWeek", 1, 1, sub_week),
        ("addMonth", 1, 1, add_month),
        ("subMonth", 1, 1, sub_month),
        ("addYear", 1, 1, add_year),
        ("subYear", 1, 1, sub_year),
        ("addHour", 1, 1, add_hour),
        ("subHour", 1, 1, sub_hour),
        ("addMinutes", 1, 1, add_minutes),
        ("subMinutes", 1, 1, sub_minutes),
        ("addSeconds", 1, 1, add_seconds),
        ("subSeconds", 1, 1, sub_seconds),
        ("addBusinessDay", 1, 3, add_business_day),
        ("subBusinessDay", 1, 3, sub_business_day),
        ("addBusinessHour", 1, 4, add_business_hour),
        ("workday", 1, 3, workday),
        ("getDay", 0, 0, get_day),
        ("day", 0, 0, get_day),
        ("getMonth", 0, 0, get_month),
        ("month", 0, 0, get_month),
        ("getYear", 0, 0, get_year),
        ("year", 0, 0, get_year),
        ("getHour", 0, 0, get_hour),
        ("hour", 0, 0, get_hour),
        ("getMinutes", 0, 0, get_minutes),
        ("minute", 0, 0, get_minutes),
        ("getSeconds", 0, 0, get_seconds),
        ("second", 0, 0, get_seconds),
        ("getDayOfYear", 0, 0, get_day_of_year),
        ("getWeekOfYear", 0, 1, get_week_of_year),
        ("weekday", 0, 0, get_day_of_week),
        ("getDayOfWeek", 0, 0, get_day_of_week),
        ("daysBetween", 1, 1, days_between),
        ("days360", 1, 1, days_between),
        ("hoursBetween", 1, 1, hours_between),
        ("monthsBetween", 1, 1, months_between),
        ("yearsBetween", 1, 1, years_between),
        ("monthsDiff", 1, 1, months_diff),
        ("yearsDiff", 1, 1, years_diff),
        ("totalMonths", 1, 1, months_diff),
        ("totalMonth", 1, 1, months_diff),
        ("totalYears", 1, 1, years_diff),
        ("totalYear", 1, 1, years_diff),
        ("yearFraction", 1, 1, year_fraction),
        ("toStartOfMonth", 0, 0, to_start_of_month),
        ("toStartOfWeek", 0, 0, to_start_of_week),
        ("eomonth", 1, 1, eomonth),
        ("edate", 1, 1, edate),
        ("nextWeekDay", 1, 1, next_week_day),
        ("previousWeekDay", 1, 1, previous_week_day),
        ("unixEpoch", 0, 1, unix_epoch),
    }
};

pub const FUNCTIONS: &[FunctionDef] = &[func("today", 0, 0, today_fn), func("now", 0, 0, now_fn)];

const DATE_HELP: &str = "use a layout such as dd-MMM-yyyy, yyyy-MM-dd or MM/dd/yyyy, or pass the pattern: toDate(\"dd/MM/yyyy\")";

// ------------------------------------------------------------ parsing API

fn parse_error(text: &str, pattern: Option<&str>, fail: Fail) -> RtError {
    match (fail, pattern) {
        (Fail::Invalid(why), _) => {
            RtError::runtime(format!("'{text}' is not a valid date: {why}")).with_help(
                "check the day exists in that month and the month is between 1 and 12",
            )
        }
        (Fail::NotDate, Some(p)) => RtError::runtime(format!(
            "'{text}' does not match the date pattern '{p}'"
        ))
        .with_help("the pattern uses Java SimpleDateFormat letters: dd day, MM month, yyyy year, HH:mm:ss time"),
        (Fail::NotDate, None) => {
            RtError::runtime(format!("'{text}' is not a valid date")).with_help(DATE_HELP)
        }
    }
}

/// A date from a receiver or argument: a date value or date-like text.
fn coerce_date(v: &Value, fname: &str, what: &str) -> RtResult<DateTime> {
    match v {
        Value::Date(d) => Ok(**d),
        Value::Text(t) => parse_default(t)
            .map(|at| DateTime { at, has_time: true })
            .map_err(|f| parse_error(t, None, f)),
        Value::Null => Err(RtError::runtime(format!("{what} of '{fname}' is null"))
            .with_help("check the value with isNull() first")),
        other => Err(RtError::runtime(format!(
            "{what} of '{fname}' must be a DATE-TIME, found {}",
            other.type_tag().deluge_name()
        ))),
    }
}

fn recv_date(r: &Value, fname: &str) -> RtResult<DateTime> {
    coerce_date(r, fname, "the value")
}

fn arg_date(args: &[Value], i: usize, fname: &str) -> RtResult<DateTime> {
    coerce_date(
        args.get(i).unwrap_or(&Value::Null),
        fname,
        &format!("argument {}", i + 1),
    )
}

// ------------------------------------------------------------- time zones

/// Keep results in a range every conversion can handle.
fn in_range(at: NaiveDateTime) -> RtResult<NaiveDateTime> {
    if (-99_999..=99_999).contains(&at.year()) {
        Ok(at)
    } else {
        Err(out_of_range())
    }
}

fn out_of_range() -> RtError {
    RtError::runtime("the resulting date is out of range")
        .with_help("dates must fall between the years -99999 and 99999")
}

pub fn from_epoch_millis(interp: &dyn Host, ms: i64) -> RtResult<DateTime> {
    // About ±190,000 years: keeps every later conversion in range.
    const LIMIT: i64 = 6_000_000_000_000_000;
    let utc = (-LIMIT..=LIMIT)
        .contains(&ms)
        .then(|| chrono::DateTime::from_timestamp_millis(ms))
        .flatten()
        .ok_or_else(|| RtError::runtime(format!("{ms} is out of range for a date-time")))?;
    let (at, _) = localize(&Zone::Named(interp.tz()), &utc);
    Ok(DateTime { at, has_time: true })
}

pub fn to_epoch_millis(interp: &dyn Host, d: &DateTime) -> i64 {
    to_utc(&interp.tz(), &d.at).timestamp_millis()
}

// ------------------------------------------------------------- formatting

/// Format with a Java SimpleDateFormat pattern in the run's time zone.
pub fn format_java(interp: &dyn Host, at: &NaiveDateTime, pattern: &str) -> Option<String> {
    let utc = to_utc(&interp.tz(), at);
    let (_, info) = localize(&Zone::Named(interp.tz()), &utc);
    format::format(at, pattern, &info)
}

/// `d.toString(pattern[, timeZone])`: null when the pattern is invalid.
pub fn to_string_with_pattern(interp: &mut dyn Host, d: &Value, args: &[Value]) -> RtResult<Value> {
    let Value::Date(d) = d else {
        return Ok(Value::text(d.to_display()));
    };
    let pattern = arg_text(args, 0, "toString")?;
    let out = match args.get(1) {
        Some(Value::Text(tz)) if !tz.trim().is_empty() => {
            let utc = to_utc(&interp.tz(), &d.at);
            let (at, info) = localize(&zone_named(tz), &utc);
            format::format(&at, &pattern, &info)
        }
        _ => format_java(interp, &d.at, &pattern),
    };
    Ok(out.map(Value::text).unwrap_or(Value::Null))
}

fn date_to_string(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    if args.is_empty() {
        return Ok(Value::text(r.to_display()));
    }
    to_string_with_pattern(i, r, args)
}

// ------------------------------------------------------------ conversions

fn midnight(at: NaiveDateTime) -> NaiveDateTime {
    at.date().and_time(NaiveTime::MIN)
}

fn date_only(at: NaiveDateTime) -> Value {
    Value::date(DateTime {
        at: midnight(at),
        has_time: false,
    })
}

fn convert_text(r: &Value, args: &[Value], has_time: bool) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    let pattern = match args.first() {
        None | Some(Value::Null) => None,
        Some(p) => Some(p.to_display()),
    };
    let at = match pattern.as_deref() {
        Some(p) => parse_with_pattern(t, p),
        None => parse_default(t),
    }
    .map_err(|f| parse_error(t, pattern.as_deref(), f))?;
    let mut at = in_range(at)?;
    // A date-only pattern keeps a trailing time of day: Zoho documents
    // toDateTime("01-11-2019 13:30:00", "MM-d-yy") as 11-Jan-2019 13:30:00.
    if has_time
        && let Some(p) = pattern.as_deref()
        && !p.chars().any(|c| "HhKkmsSa".contains(c))
        && let Some(time) = trailing_time(t)
    {
        at = at.date().and_time(time);
    }
    Ok(if has_time {
        Value::date(DateTime { at, has_time: true })
    } else {
        date_only(at)
    })
}

/// `HH:mm[:ss]` at the end of date text, after a space.
fn trailing_time(t: &str) -> Option<NaiveTime> {
    let last = t.trim().rsplit_once(' ')?.1;
    NaiveTime::parse_from_str(last, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(last, "%H:%M"))
        .ok()
}

fn text_to_date(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    convert_text(r, args, false)
}
/// `text.toTime([pattern][, timeZone])`: with a time zone, the text is a
/// wall time in that zone, converted to the run's zone (`--tz`), as the
/// toTime page describes.
fn text_to_datetime(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let v = convert_text(r, &args[..args.len().min(1)], true)?;
    match (args.get(1), &v) {
        (Some(Value::Text(zone)), Value::Date(d)) if !zone.trim().is_empty() => {
            let utc = match zone_named(zone) {
                Zone::Named(tz) => to_utc(&tz, &d.at),
                Zone::Fixed(f) => {
                    d.at.checked_sub_signed(TimeDelta::seconds(f.local_minus_utc() as i64))
                        .unwrap_or(d.at)
                        .and_utc()
                }
            };
            let (at, _) = localize(&Zone::Named(i.tz()), &utc);
            Ok(Value::date(DateTime { at, has_time: true }))
        }
        _ => Ok(v),
    }
}
fn date_to_date(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(date_only(recv_date(r, "toDate")?.at))
}
fn date_to_datetime(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let d = recv_date(r, "toDateTime")?;
    Ok(Value::date(DateTime {
        at: d.at,
        has_time: true,
    }))
}
fn millis_of(r: &Value) -> RtResult<i64> {
    match r {
        Value::Int(i) => Ok(*i),
        Value::Decimal(d) if d.is_finite() && d.abs() < 9.2e18 => Ok(d.trunc() as i64),
        other => Err(RtError::runtime(format!(
            "{} is out of range for a date-time",
            other.to_display()
        ))),
    }
}
fn millis_to_date(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(date_only(from_epoch_millis(i, millis_of(r)?)?.at))
}
fn millis_to_datetime(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::date(from_epoch_millis(i, millis_of(r)?)?))
}

fn is_date(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(match r {
        Value::Date(_) => Value::Bool(true),
        Value::Text(t) => Value::Bool(parse_default(t).is_ok()),
        Value::List(_) | Value::Map(_) => Value::Null,
        _ => Value::Bool(false),
    })
}

fn unix_epoch(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let at = match r {
        Value::Date(d) => d.at,
        Value::Text(t) => match parse_default(t) {
            Ok(at) => at,
            // Zoho: text it cannot read comes back unchanged.
            Err(_) => return Ok(r.clone()),
        },
        _ => unreachable!("registered for dates and text"),
    };
    let utc = match args.first() {
        // Java reads offsets only as "GMT+h[:mm]": "UTC+8" is an unknown
        // zone, so Zoho falls back to GMT (documented on the unixEpoch page).
        Some(Value::Text(name))
            if name.trim().len() > 3
                && name
                    .trim()
                    .get(..3)
                    .is_some_and(|p| p.eq_ignore_ascii_case("utc")) =>
        {
            at.and_utc()
        }
        Some(Value::Text(name)) if !name.trim().is_empty() => match zone_named(name) {
            Zone::Named(tz) => to_utc(&tz, &at),
            Zone::Fixed(f) => at
                .checked_sub_signed(TimeDelta::seconds(f.local_minus_utc() as i64))
                .unwrap_or(at)
                .and_utc(),
        },
        _ => to_utc(&i.tz(), &at),
    };
    Ok(Value::Int(utc.timestamp_millis()))
}

fn today_fn(i: &mut dyn Host, _: &[Value]) -> RtResult<Value> {
    Ok(Value::date(i.today()))
}
fn now_fn(i: &mut dyn Host, _: &[Value]) -> RtResult<Value> {
    let now = i.now();
    Ok(Value::date(DateTime {
        at: now.with_nanosecond(0).unwrap_or(now),
        has_time: true,
    }))
}

// ------------------------------------------------------------- arithmetic

#[derive(Clone, Copy)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
    Hour,
    Minute,
    Second,
}

fn shift(at: NaiveDateTime, unit: Unit, n: i64) -> Option<NaiveDateTime> {
    let months = |m: i64| -> Option<NaiveDateTime> {
        let mag = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 {
            at.checked_add_months(Months::new(mag))
        } else {
            at.checked_sub_months(Months::new(mag))
        }
    };
    let delta = |d: Option<TimeDelta>| d.and_then(|d| at.checked_add_signed(d));
    match unit {
        Unit::Day => delta(TimeDelta::try_days(n)),
        Unit::Week => delta(n.checked_mul(7).and_then(TimeDelta::try_days)),
        Unit::Month => months(n),
        Unit::Year => months(n.checked_mul(12)?),
        Unit::Hour => delta(TimeDelta::try_hours(n)),
        Unit::Minute => delta(TimeDelta::try_minutes(n)),
        Unit::Second => delta(TimeDelta::try_seconds(n)),
    }
}

fn add_unit(r: &Value, args: &[Value], fname: &str, unit: Unit, sign: i64) -> RtResult<Value> {
    let d = recv_date(r, fname)?;
    let n = arg_int(args, 0, fname)?
        .checked_mul(sign)
        .ok_or_else(out_of_range)?;
    let at = shift(d.at, unit, n).ok_or_else(out_of_range)?;
    Ok(Value::date(DateTime {
        at: in_range(at)?,
        has_time: d.has_time,
    }))
}

macro_rules! adders {
    ($( $f:ident, $name:literal, $unit:ident, $sign:expr; )*) => {
        $(
            fn $f(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
                add_unit(r, args, $name, Unit::$unit, $sign)
            }
        )*
    };
}

adders! {
    add_day, "addDay", Day, 1;
    sub_day, "subDay", Day, -1;
    add_week, "addWeek", Week, 1;
    sub_week, "subWeek", Week, -1;
    add_month, "addMonth", Month, 1;
    sub_month, "subMonth", Month, -1;
    add_year, "addYear", Year, 1;
    sub_year, "subYear", Year, -1;
    add_hour, "addHour", Hour, 1;
    sub_hour, "subHour", Hour, -1;
    add_minutes, "addMinutes", Minute, 1;
    sub_minutes, "subMinutes", Minute, -1;
    add_seconds, "addSeconds", Second, 1;
    sub_seconds, "subSeconds", Second, -1;
}

/// Weekend days (0 = Sunday) and holidays for business-day arithmetic.
fn business_calendar(args: &[Value], fname: &str) -> RtResult<([bool; 7], Vec<NaiveDate>)> {
    let items = |v: &Value| -> Vec<Value> {
        match v {
            Value::List(l) => l.borrow().clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        }
    };
    let mut weekend = [true, false, false, false, false, false, true];
    if let Some(w) = args.get(1)
        && !w.is_null()
    {
        weekend = [false; 7];
        for day in items(w) {
            let name = day.to_display();
            let idx = weekday_from_name(&name).ok_or_else(|| {
                RtError::runtime(format!("'{name}' is not a day of the week"))
                    .with_help("weekends are given as names: {\"Saturday\", \"Sunday\"}")
            })?;
            weekend[idx as usize] = true;
        }
        if weekend.iter().all(|w| *w) {
            return Err(RtError::runtime(format!(
                "'{fname}' was given every day of the week as a weekend"
            )));
        }
    }
    let mut holidays = Vec::new();
    if let Some(h) = args.get(2) {
        for v in items(h) {
            holidays.push(coerce_date(&v, fname, "a holiday")?.at.date());
        }
    }
    Ok((weekend, holidays))
}

fn step_business_days(
    start: NaiveDateTime,
    n: i64,
    args: &[Value],
    fname: &str,
) -> RtResult<NaiveDateTime> {
    const MAX_STEPS: u64 = 1_000_000;
    if n.unsigned_abs() > MAX_STEPS {
        return Err(RtError::runtime(format!(
            "'{fname}' can move at most {MAX_STEPS} business days"
        )));
    }
    let (weekend, holidays) = business_calendar(args, fname)?;
    let mut at = start;
    let mut left = n.unsigned_abs();
    while left > 0 {
        at = if n > 0 {
            at.checked_add_days(Days::new(1))
        } else {
            at.checked_sub_days(Days::new(1))
        }
        .ok_or_else(out_of_range)?;
        let d = at.date();
        if !weekend[weekday0(d) as usize] && !holidays.contains(&d) {
            left -= 1;
        }
    }
    in_range(at)
}

fn add_business_day(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let d = recv_date(r, "addBusinessDay")?;
    let n = arg_int(args, 0, "addBusinessDay")?;
    let at = step_business_days(d.at, n, args, "addBusinessDay")?;
    // Documented as a date ('18-Mar-2019'), like workday().
    Ok(date_only(at))
}

/// `addBusinessHour(n[, weekends[, holidays[, {"start": h, "end": h}]]])`:
/// move n working hours forward, counting only the business hours
/// (default 9 to 17) of days that are neither weekends nor holidays.
fn add_business_hour(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    const FNAME: &str = "addBusinessHour";
    let d = recv_date(r, FNAME)?;
    let n = arg_int(args, 0, FNAME)?;
    if !(0..=100_000).contains(&n) {
        return Err(RtError::runtime(format!(
            "'{FNAME}' takes between 0 and 100000 hours, not {n}"
        )));
    }
    let (weekend, holidays) = business_calendar(args, FNAME)?;
    let hour_of = |key: &str, default: u32| -> RtResult<u32> {
        let v = match args.get(3) {
            Some(Value::Map(m)) => m
                .borrow()
                .iter()
                .find(|(k, _)| k.to_value().to_display().eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone()),
            _ => None,
        };
        match v {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .to_display()
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|h| *h <= 24)
                .ok_or_else(|| RtError::runtime(format!("'{FNAME}': bad business hour {key}"))),
        }
    };
    let (start_h, end_h) = (hour_of("start", 9)?, hour_of("end", 17)?);
    if start_h >= end_h {
        return Err(RtError::runtime(format!(
            "'{FNAME}': business hours must start before they end"
        )));
    }
    let at_hour = |day: NaiveDate, h: u32| {
        day.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .checked_add_signed(TimeDelta::hours(h as i64))
            .expect("within a day")
    };
    let open = |day: NaiveDate| !weekend[weekday0(day) as usize] && !holidays.contains(&day);
    let mut at = d.at;
    let mut left = TimeDelta::hours(n);
    loop {
        let day = at.date();
        let (start, end) = (at_hour(day, start_h), at_hour(day, end_h));
        if open(day) && at < end {
            let from = at.max(start);
            if left <= end - from {
                at = from + left;
                break;
            }
            left -= end - from;
        }
        let next = day
            .checked_add_days(Days::new(1))
            .ok_or_else(out_of_range)?;
        at = next.and_hms_opt(0, 0, 0).expect("midnight");
    }
    Ok(Value::date(DateTime {
        at: in_range(at)?,
        has_time: true,
    }))
}

fn sub_business_day(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let d = recv_date(r, "subBusinessDay")?;
    let n = arg_int(args, 0, "subBusinessDay")?;
    let n = n.checked_neg().ok_or_else(out_of_range)?;
    let at = step_business_days(d.at, n, args, "subBusinessDay")?;
    Ok(date_only(at))
}

/// `workday(n)`: date only; a negative count returns the date unchanged.
fn workday(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let d = recv_date(r, "workday")?;
    let n = arg_int(args, 0, "workday")?;
    if n < 0 {
        return Ok(date_only(d.at));
    }
    Ok(date_only(step_business_days(d.at, n, args, "workday")?))
}

// ---------------------------------------------------------------- getters

macro_rules! getters {
    ($( $f:ident, $name:literal, |$at:ident| $e:expr; )*) => {
        $(
            fn $f(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
                let $at = recv_date(r, $name)?.at;
                Ok(Value::Int($e as i64))
            }
        )*
    };
}

getters! {
    get_day, "getDay", |at| at.day();
    get_month, "getMonth", |at| at.month();
    get_year, "getYear", |at| at.year();
    get_hour, "getHour", |at| at.hour();
    get_minutes, "getMinutes", |at| at.minute();
    get_seconds, "getSeconds", |at| at.second();
    get_day_of_year, "getDayOfYear", |at| at.ordinal();
    get_day_of_week, "getDayOfWeek", |at| weekday0(at.date()) + 1;
}

/// `getWeekOfYear([startDay])`: weeks start on Sunday unless a day name
/// (or number, 1 = Sunday) says otherwise.
fn get_week_of_year(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let at = recv_date(r, "getWeekOfYear")?.at;
    let first = match args.first() {
        None | Some(Value::Null) => 0,
        Some(Value::Int(n)) if (1..=7).contains(n) => (*n - 1) as u32,
        Some(v) => weekday_from_name(&v.to_display()).ok_or_else(|| {
            RtError::runtime(format!("'{}' is not a day of the week", v.to_display()))
                .with_help("pass a day name such as \"Monday\"")
        })?,
    };
    Ok(Value::Int(us_week_from(at.date(), first).1 as i64))
}

// ---------------------------------------------------------------- between

fn span(r: &Value, args: &[Value], fname: &str) -> RtResult<(NaiveDateTime, NaiveDateTime)> {
    Ok((recv_date(r, fname)?.at, arg_date(args, 0, fname)?.at))
}

fn day_span(r: &Value, args: &[Value], fname: &str) -> RtResult<i64> {
    let (a, b) = span(r, args, fname)?;
    Ok(b.date().signed_duration_since(a.date()).num_days())
}

/// Whole calendar days from the receiver to the argument (times ignored).
fn days_between(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Int(day_span(r, args, "daysBetween")?))
}

fn hours_between(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let (a, b) = span(r, args, "hoursBetween")?;
    Ok(Value::Int(b.signed_duration_since(a).num_hours()))
}

/// Zoho counts a month as 30 days here (`monthsDiff` is the calendar one).
fn months_between(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Int(day_span(r, args, "monthsBetween")? / 30))
}

/// Zoho counts a year as 365 days here (`yearsDiff` is the calendar one).
fn years_between(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Int(day_span(r, args, "yearsBetween")? / 365))
}

/// Whole calendar months from `a` to `b` (negative when `b` is earlier).
fn calendar_months(a: NaiveDate, b: NaiveDate) -> i64 {
    let raw = (b.year() as i64 - a.year() as i64) * 12 + b.month() as i64 - a.month() as i64;
    if raw > 0 && b.day() < a.day() {
        raw - 1
    } else if raw < 0 && b.day() > a.day() {
        raw + 1
    } else {
        raw
    }
}

fn months_diff(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let (a, b) = span(r, args, "monthsDiff")?;
    Ok(Value::Int(calendar_months(a.date(), b.date())))
}

fn years_diff(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let (a, b) = span(r, args, "yearsDiff")?;
    Ok(Value::Int(calendar_months(a.date(), b.date()) / 12))
}

// ------------------------------------------------------------- boundaries

fn to_start_of_month(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let d = recv_date(r, "toStartOfMonth")?;
    let first = d.at.date().with_day(1).unwrap_or(d.at.date());
    Ok(Value::date(DateTime {
        at: first.and_time(NaiveTime::MIN),
        has_time: d.has_time,
    }))
}

/// Weeks start on Sunday.
fn to_start_of_week(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let d = recv_date(r, "toStartOfWeek")?;
    let date = d.at.date();
    let start = date
        .checked_sub_days(Days::new(weekday0(date) as u64))
        .ok_or_else(out_of_range)?;
    Ok(Value::date(DateTime {
        at: in_range(start.and_time(NaiveTime::MIN))?,
        has_time: d.has_time,
    }))
}

fn month_shift(r: &Value, args: &[Value], fname: &str) -> RtResult<NaiveDate> {
    let d = recv_date(r, fname)?;
    let n = arg_int(args, 0, fname)?;
    let at = shift(midnight(d.at), Unit::Month, n).ok_or_else(out_of_range)?;
    Ok(in_range(at)?.date())
}

/// `edate(n)`: n months later (clamped to the month's end), date only.
fn edate(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let d = month_shift(r, args, "edate")?;
    Ok(date_only(d.and_time(NaiveTime::MIN)))
}

/// `eomonth(n)`: the last day of the month n months later, date only.
fn eomonth(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let d = month_shift(r, args, "eomonth")?;
    let last = d
        .with_day(1)
        .and_then(|f| f.checked_add_months(Months::new(1)))
        .and_then(|n| n.pred_opt())
        .ok_or_else(out_of_range)?;
    Ok(date_only(last.and_time(NaiveTime::MIN)))
}

fn target_weekday(args: &[Value], fname: &str) -> RtResult<u32> {
    let name = arg_text(args, 0, fname)?;
    weekday_from_name(&name).ok_or_else(|| {
        RtError::runtime(format!("'{name}' is not a day of the week"))
            .with_help(format!("'{fname}' takes one of: {}", DAY_NAMES.join(", ")))
    })
}

/// The next date strictly after the receiver that falls on the given day.
fn next_week_day(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    step_to_week_day(r, args, "nextWeekDay", true)
}

/// The latest date strictly before the receiver that falls on the given day.
fn previous_week_day(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    step_to_week_day(r, args, "previousWeekDay", false)
}

/// Move 1–7 days forward or back to the requested day of the week.
fn step_to_week_day(r: &Value, args: &[Value], fname: &str, forward: bool) -> RtResult<Value> {
    let d = recv_date(r, fname)?.at.date();
    let want = target_weekday(args, fname)?;
    let have = weekday0(d);
    let gap = if forward {
        (want + 7 - have) % 7
    } else {
        (have + 7 - want) % 7
    };
    let days = Days::new(if gap == 0 { 7 } else { gap } as u64);
    let out = if forward {
        d.checked_add_days(days)
    } else {
        d.checked_sub_days(days)
    }
    .ok_or_else(out_of_range)?;
    Ok(date_only(in_range(out.and_time(NaiveTime::MIN))?))
}

/// `yearFraction(end)`: the days between the two values (fractional days
/// included) divided by 365; negative when the end is earlier.
fn year_fraction(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let (a, b) = span(r, args, "yearFraction")?;
    // Elapsed time in the script's zone: a DST change adds or drops an hour.
    let tz = &i.tz();
    let ms = (to_utc(tz, &b) - to_utc(tz, &a)).num_milliseconds() as f64;
    Ok(Value::Decimal(ms / 86_400_000.0 / 365.0))
}
