//! Java `SimpleDateFormat` patterns: tokenising, formatting, and the
//! calendar helpers (US week numbering) that patterns and getters share.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// One piece of a pattern: a run of one pattern letter, or literal text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Field(char, usize),
    Lit(String),
}

/// Letters Java's SimpleDateFormat knows. Any other unquoted ASCII letter
/// is an error (Deluge then returns null).
const LETTERS: &str = "GyYMLwWDdFEuaHkKhmsSzZX";

pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Sunday first, as Deluge counts weekdays (1 = Sunday).
pub const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Split a pattern into fields and literals; `None` for an unknown letter
/// or an unterminated quote.
pub fn tokenize(pattern: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                lit.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        lit.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        lit.push(ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if c.is_ascii_alphabetic() {
            if !LETTERS.contains(c) {
                return None;
            }
            let mut n = 1;
            while chars.get(i + n) == Some(&c) {
                n += 1;
            }
            if !lit.is_empty() {
                out.push(Tok::Lit(std::mem::take(&mut lit)));
            }
            out.push(Tok::Field(c, n));
            i += n;
            continue;
        }
        lit.push(c);
        i += 1;
    }
    if !lit.is_empty() {
        out.push(Tok::Lit(lit));
    }
    Some(out)
}

/// Time-zone facts a pattern can print.
#[derive(Clone, Debug)]
pub struct ZoneInfo {
    pub offset_secs: i32,
    pub abbr: String,
}

impl ZoneInfo {
    pub fn utc() -> ZoneInfo {
        ZoneInfo {
            offset_secs: 0,
            abbr: "UTC".into(),
        }
    }
}

/// 0 = Sunday … 6 = Saturday.
pub fn weekday0(d: NaiveDate) -> u32 {
    d.weekday().num_days_from_sunday()
}

/// Week of year as Java's US locale counts it: weeks start on Sunday and
/// week 1 is the week holding 1 January, so the last days of December can
/// belong to week 1 of the next year. Returns (week-year, week).
pub fn us_week(d: NaiveDate) -> (i32, u32) {
    us_week_from(d, 0)
}

/// Like [`us_week`] with weeks starting on `first` (0 = Sunday).
pub fn us_week_from(d: NaiveDate, first: u32) -> (i32, u32) {
    let shift = |x: NaiveDate| (weekday0(x) + 7 - first) % 7;
    let y = d.year();
    if let Some(next_jan1) = NaiveDate::from_ymd_opt(y + 1, 1, 1)
        && let Some(start) = next_jan1.checked_sub_days(chrono::Days::new(shift(next_jan1) as u64))
        && d >= start
    {
        return (y + 1, 1);
    }
    let jan1 = d.with_ordinal(1).unwrap_or(d);
    (y, (d.ordinal0() + shift(jan1)) / 7 + 1)
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    let digits = v.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

fn offset_text(out: &mut String, secs: i32, colon: bool, minutes: bool) {
    out.push(if secs < 0 { '-' } else { '+' });
    let a = secs.unsigned_abs();
    let (h, m) = (a / 3600, (a % 3600) / 60);
    out.push_str(&format!("{h:02}"));
    if minutes {
        if colon {
            out.push(':');
        }
        out.push_str(&format!("{m:02}"));
    }
}

/// Format `at` with a Java pattern; `None` when the pattern is invalid.
pub fn format(at: &NaiveDateTime, pattern: &str, zone: &ZoneInfo) -> Option<String> {
    let toks = tokenize(pattern)?;
    let mut out = String::new();
    let date = at.date();
    for t in toks {
        let (c, n) = match t {
            Tok::Lit(s) => {
                out.push_str(&s);
                continue;
            }
            Tok::Field(c, n) => (c, n),
        };
        match c {
            'G' => out.push_str(if at.year() > 0 { "AD" } else { "BC" }),
            'y' | 'Y' => {
                let y = if c == 'y' { at.year() } else { us_week(date).0 } as i64;
                if n == 2 {
                    pad(&mut out, y.rem_euclid(100), 2);
                } else {
                    pad(&mut out, y, n);
                }
            }
            'M' | 'L' => match n {
                1 | 2 => pad(&mut out, at.month() as i64, n),
                3 => out.push_str(&MONTH_NAMES[at.month0() as usize][..3]),
                _ => out.push_str(MONTH_NAMES[at.month0() as usize]),
            },
            'w' => pad(&mut out, us_week(date).1 as i64, n),
            'W' => {
                let first = date.with_day(1).unwrap_or(date);
                pad(&mut out, ((at.day0() + weekday0(first)) / 7 + 1) as i64, n)
            }
            'D' => pad(&mut out, at.ordinal() as i64, n),
            'd' => pad(&mut out, at.day() as i64, n),
            'F' => pad(&mut out, (at.day0() / 7 + 1) as i64, n),
            'E' => {
                let name = DAY_NAMES[weekday0(date) as usize];
                out.push_str(if n >= 4 { name } else { &name[..3] });
            }
            'u' => pad(&mut out, at.weekday().number_from_monday() as i64, n),
            'a' => out.push_str(if at.hour() < 12 { "AM" } else { "PM" }),
            'H' => pad(&mut out, at.hour() as i64, n),
            'k' => pad(
                &mut out,
                if at.hour() == 0 { 24 } else { at.hour() as i64 },
                n,
            ),
            'K' => pad(&mut out, (at.hour() % 12) as i64, n),
            'h' => {
                let h = at.hour() % 12;
                pad(&mut out, if h == 0 { 12 } else { h as i64 }, n)
            }
            'm' => pad(&mut out, at.minute() as i64, n),
            's' => pad(&mut out, at.second() as i64, n),
            'S' => pad(&mut out, (at.nanosecond() / 1_000_000).min(999) as i64, n),
            'z' => {
                let looks_numeric = zone
                    .abbr
                    .starts_with(|ch: char| ch == '+' || ch == '-' || ch.is_ascii_digit());
                if zone.abbr.is_empty() || looks_numeric {
                    out.push_str("GMT");
                    offset_text(&mut out, zone.offset_secs, true, true);
                } else {
                    out.push_str(&zone.abbr);
                }
            }
            'Z' => offset_text(&mut out, zone.offset_secs, false, true),
            'X' => {
                if zone.offset_secs == 0 {
                    out.push('Z');
                } else {
                    offset_text(&mut out, zone.offset_secs, n >= 3, n >= 2);
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn f(s: &str, p: &str) -> Option<String> {
        format(&at(s), p, &ZoneInfo::utc())
    }

    #[test]
    fn basic_fields() {
        let t = "1990-01-01 20:50:36.0";
        assert_eq!(
            f(t, "yyyy-MM-dd'__Hello__'HH:mm:ss").as_deref(),
            Some("1990-01-01__Hello__20:50:36")
        );
        assert_eq!(f(t, "yy/M/d").as_deref(), Some("90/1/1"));
        assert_eq!(
            f(t, "MMM MMMM EEE EEEE").as_deref(),
            Some("Jan January Mon Monday")
        );
        assert_eq!(f(t, "hh:mm a").as_deref(), Some("08:50 PM"));
        assert_eq!(f(t, "K k H").as_deref(), Some("8 20 20"));
        assert_eq!(
            f("2024-01-15 00:05:00.0", "k K h").as_deref(),
            Some("24 0 12")
        );
        assert_eq!(
            f("2024-01-15 00:05:00.007", "S SSS").as_deref(),
            Some("7 007")
        );
        assert_eq!(f(t, "D u G").as_deref(), Some("1 1 AD"));
    }

    #[test]
    fn quotes_and_errors() {
        let t = "2024-03-05 09:07:03.0";
        assert_eq!(f(t, "h 'o''clock'").as_deref(), Some("9 o'clock"));
        assert_eq!(f(t, "''yy''").as_deref(), Some("'24'"));
        assert_eq!(f(t, "yyyy-MM-ddTHH"), None);
        assert_eq!(f(t, "'unterminated"), None);
        assert_eq!(f(t, "").as_deref(), Some(""));
    }

    #[test]
    fn zones() {
        let z = ZoneInfo {
            offset_secs: 19800,
            abbr: "IST".into(),
        };
        let t = at("2024-03-05 09:07:03.0");
        assert_eq!(
            format(&t, "z Z X XX XXX", &z).as_deref(),
            Some("IST +0530 +05 +0530 +05:30")
        );
        assert_eq!(
            format(&t, "XXX z", &ZoneInfo::utc()).as_deref(),
            Some("Z UTC")
        );
        let odd = ZoneInfo {
            offset_secs: -10800,
            abbr: "-03".into(),
        };
        assert_eq!(format(&t, "z", &odd).as_deref(), Some("GMT-03:00"));
    }

    #[test]
    fn us_weeks() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // 2019-01-01 is a Tuesday: its week (Sun 30 Dec 2018 - Sat 5 Jan) is week 1.
        assert_eq!(us_week(d(2019, 1, 1)), (2019, 1));
        assert_eq!(us_week(d(2019, 1, 5)), (2019, 1));
        assert_eq!(us_week(d(2019, 1, 6)), (2019, 2));
        assert_eq!(us_week(d(2018, 12, 30)), (2019, 1));
        assert_eq!(us_week(d(2018, 12, 29)), (2018, 52));
        assert_eq!(us_week(d(2019, 3, 15)), (2019, 11));
    }
}
