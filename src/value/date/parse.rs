//! Reading date-time text: Zoho's accepted layouts (reference §1), ISO 8601,
//! and text described by a Java SimpleDateFormat pattern.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

use super::format::{DAY_NAMES, MONTH_NAMES, Tok, tokenize};

/// Why text could not be read as a date-time.
#[derive(Debug, PartialEq, Eq)]
pub enum Fail {
    /// The text does not have a date layout at all.
    NotDate,
    /// It has a date layout but an impossible value (day 31 in April).
    Invalid(String),
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Invalid(msg.into()))
}

/// Month number from `Jan`, `jan`, `January`, `Sept`.
pub fn month_from_name(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    if l == "sept" {
        return Some(9);
    }
    MONTH_NAMES
        .iter()
        .position(|m| {
            let m = m.to_ascii_lowercase();
            l == m || l == m[..3]
        })
        .map(|i| i as u32 + 1)
}

/// 0 = Sunday … 6 = Saturday, from `Sun`, `sunday`, `Tues`, `Thurs`.
pub fn weekday_from_name(s: &str) -> Option<u32> {
    let l = s.trim().to_ascii_lowercase();
    if l == "tues" {
        return Some(2);
    }
    if l == "thurs" || l == "thur" {
        return Some(4);
    }
    DAY_NAMES
        .iter()
        .position(|d| {
            let d = d.to_ascii_lowercase();
            l == d || l == d[..3]
        })
        .map(|i| i as u32)
}

/// Years are 2 or 4 digits. Two-digit years: 00–68 → 2000s, 69–99 →
/// 1900s (as POSIX `%y`).
fn expand_year(digits: &str) -> Result<i32, Fail> {
    let y: i32 = digits.parse().map_err(|_| Fail::NotDate)?;
    match digits.len() {
        2 => Ok(if y < 69 { 2000 + y } else { 1900 + y }),
        4 => Ok(y),
        // '1.2.3' is a version number, not a date.
        1 | 3 => Err(Fail::NotDate),
        _ => invalid(format!("the year '{digits}' has more than 4 digits")),
    }
}

fn make_date(y: i32, m: u32, d: u32) -> Result<NaiveDate, Fail> {
    if !(-99_999..=99_999).contains(&y) {
        return invalid(format!("the year {y} is out of range"));
    }
    if !(1..=12).contains(&m) {
        return invalid(format!("{m} is not a valid month"));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        Fail::Invalid(if d == 0 {
            "day 0 is not a valid day".to_string()
        } else {
            format!("{} {y} has no day {d}", MONTH_NAMES[(m - 1) as usize])
        })
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Num(String),
    Word(String),
    Sep(char),
}

fn pieces(s: &str) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Piece::Num(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            out.push(Piece::Word(chars[start..i].iter().collect()));
        } else if matches!(c, '-' | '/' | '.') {
            out.push(Piece::Sep(c));
            i += 1;
        } else if matches!(c, ',' | ' ') {
            // Runs like ", " or "  " count as one separator; a comma wins.
            let mut sep = ' ';
            while i < chars.len() && matches!(chars[i], ',' | ' ') {
                if chars[i] == ',' {
                    sep = ',';
                }
                i += 1;
            }
            out.push(Piece::Sep(sep));
        } else {
            return None;
        }
    }
    Some(out)
}

/// The date part in one of Zoho's layouts (`dd-MMM-yyyy`, `MMM dd, yyyy`,
/// `E, MMM dd yyyy`, `yyyy-MM-dd`, `MM/dd/yyyy`, `dd.MM.yyyy`, …).
fn parse_date_part(s: &str) -> Result<NaiveDate, Fail> {
    let mut ps = pieces(s.trim()).ok_or(Fail::NotDate)?;
    // Leading weekday name: "Tue, Jan 15 2024".
    if let Some(Piece::Word(w)) = ps.first()
        && weekday_from_name(w).is_some()
        && matches!(ps.get(1), Some(Piece::Sep(',' | ' ')))
    {
        ps.drain(..2);
    }
    let [a, Piece::Sep(s1), b, Piece::Sep(s2), c] = ps.as_slice() else {
        return Err(Fail::NotDate);
    };
    let day = |n: &str| -> Result<u32, Fail> {
        if n.len() > 2 {
            return invalid(format!("the day '{n}' has more than 2 digits"));
        }
        n.parse().map_err(|_| Fail::NotDate)
    };
    match (a, b, c) {
        // dd-MMM-yyyy, dd MMM yyyy, dd MMM,yyyy
        (Piece::Num(d), Piece::Word(m), Piece::Num(y)) => {
            let m = month_from_name(m).ok_or_else(|| {
                if m.chars().count() >= 3 {
                    Fail::Invalid(format!("'{m}' is not a valid month"))
                } else {
                    Fail::NotDate
                }
            })?;
            make_date(expand_year(y)?, m, day(d)?)
        }
        // MMM dd yyyy, MMM dd, yyyy
        (Piece::Word(m), Piece::Num(d), Piece::Num(y)) => {
            let m = month_from_name(m).ok_or(Fail::NotDate)?;
            make_date(expand_year(y)?, m, day(d)?)
        }
        (Piece::Num(x), Piece::Num(y), Piece::Num(z)) => {
            if s1 != s2 || *s1 == ',' {
                return Err(Fail::NotDate);
            }
            let (x, y, z) = (x.clone(), y.clone(), z.clone());
            let n = |t: &str| t.parse::<u32>().map_err(|_| Fail::NotDate);
            if x.len() == 4 {
                // yyyy-MM-dd
                if y.len() > 2 || z.len() > 2 {
                    return Err(Fail::NotDate);
                }
                return make_date(expand_year(&x)?, n(&y)?, n(&z)?);
            }
            if x.len() > 2 || y.len() > 2 {
                return Err(Fail::NotDate);
            }
            let year = expand_year(&z)?;
            // Slash and dash dates read month first (US), dot and space
            // dates day first (dd.MM.yyyy); the other order is the fallback.
            let month_first = matches!(s1, '/' | '-');
            let (first, second) = if month_first {
                ((n(&x)?, n(&y)?), (n(&y)?, n(&x)?))
            } else {
                ((n(&y)?, n(&x)?), (n(&x)?, n(&y)?))
            };
            let primary = make_date(year, first.0, first.1);
            if primary.is_ok() {
                return primary;
            }
            if let Ok(d) = make_date(year, second.0, second.1) {
                return Ok(d);
            }
            // yy-MM-dd
            if z.len() <= 2
                && let Ok(d) = make_date(expand_year(&x)?, n(&y)?, n(&z)?)
            {
                return Ok(d);
            }
            primary
        }
        _ => Err(Fail::NotDate),
    }
}

/// `HH:mm[:ss[.SSS]]` with optional `AM`/`PM` and a trailing zone that is
/// ignored. Out-of-range parts follow Zoho's documented resets: hour ≥ 24
/// gives 00:00:00, minutes ≥ 60 give mm:ss = 00:00, seconds ≥ 60 give ss = 00.
fn parse_time_part(s: &str) -> Result<NaiveTime, Fail> {
    static TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(\d+):(\d+)(?::(\d+)(?:[.,](\d{1,9}))?)?\s*(am|pm|a\.m\.|p\.m\.)?\s*(z|utc|gmt|[+-]\d{2}:?\d{2}|(?:utc|gmt)?[+-]\d{1,2}(?::?\d{2})?)?$",
        )
        .expect("time regex")
    });
    let caps = TIME.captures(s.trim()).ok_or(Fail::NotDate)?;
    let part = |i: usize| caps.get(i).map(|m| m.as_str());
    for i in 1..=3 {
        if let Some(p) = part(i)
            && p.len() > 2
        {
            return invalid(format!("the time part '{p}' has more than 2 digits"));
        }
    }
    let num = |i: usize| part(i).map(|p| p.parse::<u32>().unwrap_or(0)).unwrap_or(0);
    let (mut h, mut m, mut sec) = (num(1), num(2), num(3));
    let nanos = part(4)
        .map(|f| {
            let digits = format!("{f:0<9}");
            digits[..9].parse::<u32>().unwrap_or(0)
        })
        .unwrap_or(0);
    if let Some(ampm) = part(5) {
        if !(1..=12).contains(&h) {
            return invalid(format!("hour {h} is not valid with {ampm}"));
        }
        let pm = ampm.to_ascii_lowercase().starts_with('p');
        h %= 12;
        if pm {
            h += 12;
        }
    }
    let mut nanos = nanos;
    if h >= 24 {
        (h, m, sec, nanos) = (0, 0, 0, 0);
    }
    if m >= 60 {
        (m, sec, nanos) = (0, 0, 0);
    }
    if sec >= 60 {
        (sec, nanos) = (0, 0);
    }
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos).ok_or(Fail::NotDate)
}

/// Text in any accepted layout. ISO 8601 offsets are read but dropped: the
/// wall-clock time is kept as written.
pub fn parse_default(text: &str) -> Result<NaiveDateTime, Fail> {
    static ISO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{4}-\d{1,2}-\d{1,2})[Tt](.+)$").expect("iso regex"));
    let t = text.trim();
    if t.is_empty() {
        return Err(Fail::NotDate);
    }
    if let Some(c) = ISO.captures(t) {
        let date = parse_date_part(&c[1])?;
        let time = parse_time_part(&c[2])?;
        return Ok(date.and_time(time));
    }
    // Split off a trailing time: the word holding the first ':'.
    let (date_part, time_part) = match t.find(':') {
        Some(colon) => {
            let start = t[..colon].rfind(' ').ok_or(Fail::NotDate)?;
            (&t[..start], Some(&t[start + 1..]))
        }
        None => (t, None),
    };
    let date = parse_date_part(date_part)?;
    let time = match time_part {
        Some(tp) => parse_time_part(tp)?,
        None => NaiveTime::MIN,
    };
    Ok(date.and_time(time))
}

/// Text described by a Java pattern (`"15/01/2024"` with `"dd/MM/yyyy"`).
/// Fields default to 1970-01-01 00:00:00; text after the pattern is
/// ignored, as Java's `DateFormat.parse` does; zones are read and dropped.
pub fn parse_with_pattern(text: &str, pattern: &str) -> Result<NaiveDateTime, Fail> {
    let toks = tokenize(pattern)
        .ok_or_else(|| Fail::Invalid(format!("'{pattern}' is not a valid date pattern")))?;
    let input: Vec<char> = text.trim().chars().collect();
    let mut pos = 0usize;
    let mismatch = || Fail::NotDate;
    let (mut year, mut month, mut day) = (1970i32, 1u32, 1u32);
    let mut day_of_year: Option<u32> = None;
    let (mut hour, mut minute, mut second, mut millis) = (0u32, 0u32, 0u32, 0u32);
    let mut twelve: Option<u32> = None;
    let mut pm: Option<bool> = None;
    let numeric = |c: char, n: usize| {
        let text_month = matches!(c, 'M' | 'L') && n >= 3;
        !text_month && !"EaGzZX".contains(c)
    };
    for (idx, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Lit(lit) => {
                for lc in lit.chars() {
                    if lc.is_whitespace() {
                        while pos < input.len() && input[pos].is_whitespace() {
                            pos += 1;
                        }
                        continue;
                    }
                    match input.get(pos) {
                        Some(ic) if ic.eq_ignore_ascii_case(&lc) => pos += 1,
                        _ => return Err(mismatch()),
                    }
                }
            }
            Tok::Field(c, n) if numeric(*c, *n) => {
                let abutting =
                    matches!(toks.get(idx + 1), Some(Tok::Field(c2, n2)) if numeric(*c2, *n2));
                let neg = *c == 'y' && input.get(pos) == Some(&'-');
                if neg {
                    pos += 1;
                }
                let limit = if abutting { *n } else { 9 };
                let digits_start = pos;
                while pos < input.len() && pos - digits_start < limit && input[pos].is_ascii_digit()
                {
                    pos += 1;
                }
                if pos == digits_start {
                    return Err(mismatch());
                }
                let digits: String = input[digits_start..pos].iter().collect();
                let v: i64 = digits.parse().map_err(|_| mismatch())?;
                let v = if neg { -v } else { v };
                let small = u32::try_from(v).unwrap_or(u32::MAX);
                match c {
                    'y' | 'Y' => {
                        year = if *n <= 2 && digits.len() == 2 && !neg {
                            expand_year(&digits)?
                        } else {
                            i32::try_from(v).map_err(|_| {
                                Fail::Invalid(format!("the year '{digits}' is out of range"))
                            })?
                        }
                    }
                    'M' | 'L' => month = small,
                    'd' => day = small,
                    'D' => day_of_year = Some(small),
                    'H' => hour = small,
                    'k' => hour = if small == 24 { 0 } else { small },
                    'h' | 'K' => twelve = Some(small),
                    'm' => minute = small,
                    's' => second = small,
                    'S' => millis = small,
                    _ => {} // w, W, F, u: read and ignored
                }
            }
            Tok::Field(c, _) => {
                let rest: String = input[pos..].iter().collect();
                let lower = rest.to_ascii_lowercase();
                let take_word = |names: &[&str]| -> Option<(usize, usize)> {
                    // Longest name first: "June" before "Jun".
                    let mut best: Option<(usize, usize)> = None;
                    for (i, name) in names.iter().enumerate() {
                        let name_l = name.to_ascii_lowercase();
                        for cand in [name_l.as_str(), &name_l[..3]] {
                            if lower.starts_with(cand)
                                && best.is_none_or(|(_, len)| cand.len() > len)
                            {
                                best = Some((i, cand.len()));
                            }
                        }
                    }
                    best
                };
                match c {
                    'M' | 'L' => {
                        let (i, len) = take_word(&MONTH_NAMES).ok_or_else(mismatch)?;
                        month = i as u32 + 1;
                        pos += len;
                    }
                    'E' => {
                        let (_, len) = take_word(&DAY_NAMES).ok_or_else(mismatch)?;
                        pos += len;
                    }
                    'a' => {
                        if lower.starts_with("am") {
                            pm = Some(false);
                        } else if lower.starts_with("pm") {
                            pm = Some(true);
                        } else {
                            return Err(mismatch());
                        }
                        pos += 2;
                    }
                    'G' => {
                        if lower.starts_with("ad") || lower.starts_with("bc") {
                            pos += 2;
                        } else {
                            return Err(mismatch());
                        }
                    }
                    _ => {
                        // z / Z / X: a zone name or offset, dropped.
                        static ZONE: LazyLock<Regex> = LazyLock::new(|| {
                            Regex::new(r"^(?i:z|(?:gmt|utc)?[+-]\d{1,2}(?::?\d{2})?|[a-z][a-z_/]*)")
                                .expect("zone regex")
                        });
                        let m = ZONE.find(&rest).ok_or_else(mismatch)?;
                        pos += m.as_str().chars().count();
                    }
                }
            }
        }
    }
    if let Some(h) = twelve {
        hour = if h == 12 { 0 } else { h };
        if pm == Some(true) {
            hour += 12;
        }
    } else if pm == Some(true) && hour < 12 {
        hour += 12;
    }
    let date = match day_of_year {
        Some(doy) if !toks.iter().any(|t| matches!(t, Tok::Field('d', _))) => {
            NaiveDate::from_yo_opt(year, doy)
                .ok_or_else(|| Fail::Invalid(format!("day {doy} of {year} does not exist")))?
        }
        _ => make_date(year, month, day)?,
    };
    if hour > 23 || minute > 59 || second > 59 || millis > 999 {
        return invalid(format!(
            "{hour:02}:{minute:02}:{second:02} is not a valid time"
        ));
    }
    let time = NaiveTime::from_hms_milli_opt(hour, minute, second, millis)
        .ok_or_else(|| Fail::Invalid("not a valid time".into()))?;
    Ok(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        match parse_default(s) {
            Ok(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            Err(Fail::NotDate) => "not a date".into(),
            Err(Fail::Invalid(m)) => format!("invalid: {m}"),
        }
    }

    fn p(s: &str, pat: &str) -> String {
        match parse_with_pattern(s, pat) {
            Ok(t) => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            Err(Fail::NotDate) => "mismatch".into(),
            Err(Fail::Invalid(m)) => format!("invalid: {m}"),
        }
    }

    #[test]
    fn zoho_layouts() {
        let want = "2019-03-15 00:00:00";
        for s in [
            "15-Mar-2019",
            "15-March-2019",
            "15-mar-19",
            "2019-03-15",
            "03/15/2019",
            "15/03/2019",
            "15.03.2019",
            "03-15-2019",
            "15-03-2019",
            "Mar 15, 2019",
            "March 15,2019",
            "15 Mar,2019",
            "15 March 2019",
            "Mar 15 2019",
            "Fri, Mar 15 2019",
            "Friday,March 15,2019",
            "15 03 2019",
            "2019/03/15",
            "2019.03.15",
            "15 MARCH 2019",
        ] {
            assert_eq!(d(s), want, "{s}");
        }
        assert_eq!(d("1-Jan-2019"), "2019-01-01 00:00:00");
        // Ambiguous: slash is month first, dot is day first.
        assert_eq!(d("01/02/2024"), "2024-01-02 00:00:00");
        assert_eq!(d("01.02.2024"), "2024-02-01 00:00:00");
        // Two-digit year last unless only yy-MM-dd fits.
        assert_eq!(d("19/03/15"), "2015-03-19 00:00:00");
        assert_eq!(d("99/03/15"), "1999-03-15 00:00:00");
    }

    #[test]
    fn times() {
        assert_eq!(d("15-Aug-1947 19:00:00"), "1947-08-15 19:00:00");
        assert_eq!(d("15-Aug-1947 07:00:00 PM"), "1947-08-15 19:00:00");
        assert_eq!(d("15-Aug-1947 12:30:00 am"), "1947-08-15 00:30:00");
        assert_eq!(d("15-Aug-1947 19:05"), "1947-08-15 19:05:00");
        assert_eq!(d("15-Aug-1947 25:10:10"), "1947-08-15 00:00:00");
        assert_eq!(d("15-Aug-1947 10:61:10"), "1947-08-15 10:00:00");
        assert_eq!(d("15-Aug-1947 10:10:99"), "1947-08-15 10:10:00");
        assert!(d("15-Aug-1947 100:10:10").starts_with("invalid"));
        assert_eq!(d("2024-01-15T10:30:00Z"), "2024-01-15 10:30:00");
        assert_eq!(d("2024-01-15T10:30:00.123+05:30"), "2024-01-15 10:30:00");
        assert_eq!(d("2024-01-15T10:30:00-0800"), "2024-01-15 10:30:00");
        assert_eq!(d("2024-01-15 10:30:00"), "2024-01-15 10:30:00");
    }

    #[test]
    fn rejects() {
        assert_eq!(d("hello"), "not a date");
        assert_eq!(d("<a href='x'>"), "not a date");
        assert_eq!(d("10:00:00"), "not a date");
        assert_eq!(d("1-2"), "not a date");
        assert_eq!(d(""), "not a date");
        assert_eq!(d("12345"), "not a date");
        assert!(d("31-Feb-2019").starts_with("invalid"));
        assert!(d("15-Foo-2019").starts_with("invalid"));
        assert!(d("2019-13-01").starts_with("invalid"));
        assert!(d("32/13/2019").starts_with("invalid"));
    }

    #[test]
    fn patterns() {
        assert_eq!(p("15/01/2024", "dd/MM/yyyy"), "2024-01-15 00:00:00.000");
        assert_eq!(
            p("2019-01-01 10:00:00", "yyyy-MM-dd hh:mm:ss"),
            "2019-01-01 10:00:00.000"
        );
        assert_eq!(p("20240115", "yyyyMMdd"), "2024-01-15 00:00:00.000");
        assert_eq!(
            p("Jan 5, 2024 3:04 PM", "MMM d, yyyy h:mm a"),
            "2024-01-05 15:04:00.000"
        );
        assert_eq!(
            p("Monday, June 3 24", "EEEE, MMMM d yy"),
            "2024-06-03 00:00:00.000"
        );
        assert_eq!(
            p("2024-01-15T10:30:00.250Z", "yyyy-MM-dd'T'HH:mm:ss.SSSX"),
            "2024-01-15 10:30:00.250"
        );
        assert_eq!(
            p("2024-01-15 extra", "yyyy-MM-dd"),
            "2024-01-15 00:00:00.000"
        );
        assert_eq!(p("15-01-2024", "dd/MM/yyyy"), "mismatch");
        assert!(p("31/02/2024", "dd/MM/yyyy").starts_with("invalid"));
        assert!(p("15/13/2024", "dd/MM/yyyy").starts_with("invalid"));
        assert!(p("15/01/2024", "dd/MM/yyyy Q").starts_with("invalid"));
    }

    /// No input may panic the parsers or the formatter.
    #[test]
    fn fuzz_no_panics() {
        let alphabet: Vec<char> =
            "0123456789-/.:, TZ+aApPmMyYdDhHsSEezXkKLGuwWF'Janécember\u{1F600}"
                .chars()
                .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let zone = super::super::format::ZoneInfo::utc();
        let at = NaiveDate::from_ymd_opt(2024, 1, 15)
            .unwrap()
            .and_hms_opt(10, 30, 45)
            .unwrap();
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let a: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let len = (next() % 16) as usize;
            let b: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = parse_default(&a);
            let _ = parse_with_pattern(&a, &b);
            let _ = super::super::format::format(&at, &b, &zone);
        }
        for s in [
            "99999999999999999999-Jan-2024",
            "15-Jan-99999999999",
            "2024-01-15T99999999999:00",
            "15-Jan-2024 1:2:3.99999999999",
        ] {
            let _ = parse_default(s);
            let _ = parse_with_pattern(s, "dd-MMM-yyyy HH:mm:ss.SSS");
        }
        assert!(parse_with_pattern("999999999", "yyyy").is_err());
        assert_eq!(parse_default("1.2.3"), Err(Fail::NotDate));
    }
}
