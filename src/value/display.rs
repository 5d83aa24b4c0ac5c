//! Printing rules: text raw, lists comma-joined without brackets, maps as
//! compact JSON in insertion order, date-times as `dd-MMM-yyyy HH:mm:ss`.

use std::fmt::Write;

use super::Value;

pub const DEFAULT_DATETIME_FORMAT: &str = "%d-%b-%Y %H:%M:%S";
pub const DEFAULT_DATE_FORMAT: &str = "%d-%b-%Y";

/// Decimals print in their shortest round-trip form; whole values print
/// without a fraction (`"100".toDecimal()` shows `100`, as Zoho documents).
pub fn format_decimal(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if d == 0.0 {
        return "0".into();
    }
    format!("{d}")
}

pub(super) fn write_display(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => write_int(*i, out),
        Value::Decimal(d) => out.push_str(&format_decimal(*d)),
        Value::Text(s) => out.push_str(s),
        Value::Date(d) => write_date(d, out),
        Value::List(items) => {
            for (i, item) in items.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match item {
                    Value::List(_) => write_json(item, out),
                    other => write_display(other, out),
                }
            }
        }
        Value::Map(_) => write_json(v, out),
        Value::Error(e) => out.push_str(&e.message),
    }
}

/// Integer to text without going through `fmt` (hot in string building).
fn write_int(i: i64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    // SAFETY: `buf[pos..]` holds only ASCII digits. (Validating them was
    // a visible cost of building keys and messages from numbers.)
    out.push_str(unsafe { std::str::from_utf8_unchecked(&buf[pos..]) });
}

pub(super) fn write_date(d: &super::DateTime, out: &mut String) {
    let fmt = if d.has_time {
        DEFAULT_DATETIME_FORMAT
    } else {
        DEFAULT_DATE_FORMAT
    };
    let _ = write!(out, "{}", d.at.format(fmt));
}

/// Compact JSON, as Deluge prints maps.
pub(super) fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Decimal(d) => {
            if d.is_finite() {
                out.push_str(&format_decimal(*d))
            } else {
                out.push_str("null")
            }
        }
        Value::Text(s) => write_json_string(s, out),
        Value::Date(d) => {
            let mut s = String::new();
            write_date(d, &mut s);
            write_json_string(&s, out);
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, val)) in map.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(&k.as_text(), out);
                out.push(':');
                write_json(val, out);
            }
            out.push('}');
        }
        Value::Error(e) => write_json_string(&e.message, out),
    }
}

pub(super) fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
