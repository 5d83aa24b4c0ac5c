//! The date/time engine, independent of the interpreter: Zoho's default
//! date layouts, Java SimpleDateFormat patterns (parse and format) and time
//! zones. The `date` built-ins (`crate::builtins::date`) and the parser's
//! `'…'` literals use it.

pub mod format;
pub mod parse;
pub mod zone;

use super::DateTime;
use parse::{parse_default, parse_with_pattern};

/// Parse date/date-time text in Zoho's layouts, or with a Java pattern.
pub fn parse_date_text(text: &str, pattern: Option<&str>) -> Option<DateTime> {
    let at = match pattern {
        Some(p) => parse_with_pattern(text, p).ok()?,
        None => parse_default(text).ok()?,
    };
    Some(DateTime { at, has_time: true })
}

/// A single-quoted literal such as `'15-Aug-1947 19:00:00'`; `None` when
/// the text is not a valid date (the literal is then text).
pub fn parse_date_literal(text: &str) -> Option<DateTime> {
    parse_date_text(text, None)
}
