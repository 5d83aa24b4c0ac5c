//! Functions every value has: conversion to text and numbers, null and
//! emptiness checks, type tests, and the free functions `ifnull`, `isNull`.

use super::{FunctionDef, MethodDef, Recv::Any, func, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::Value;

pub const METHODS: &[MethodDef] = &[
    method(Any, "toString", 0, 2, to_string),
    method(Any, "toText", 0, 2, to_string),
    method(Any, "getAsString", 0, 0, to_string_plain),
    method(Any, "isNull", 0, 0, is_null),
    method(Any, "isBlank", 0, 0, is_blank),
    method(Any, "isValidObject", 0, 0, is_valid_object),
    method(Any, "text", 1, 1, text_format),
    method(Any, "isEmpty", 0, 0, is_empty),
    method(Any, "isNumber", 0, 0, is_number),
    method(Any, "isDecimal", 0, 0, is_decimal),
    method(Any, "isText", 0, 0, is_text),
    method(Any, "isList", 0, 0, is_list),
    method(Any, "isMap", 0, 0, is_map),
    method(Any, "isAscii", 0, 0, is_ascii),
    method(Any, "toLong", 0, 0, to_long),
    method(Any, "toNumber", 0, 0, to_long),
    method(Any, "toInt", 0, 0, to_long),
    method(Any, "toDecimal", 0, 0, to_decimal),
    method(Any, "toBoolean", 0, 0, to_boolean),
    method(Any, "equals", 1, 1, equals),
];

pub const FUNCTIONS: &[FunctionDef] = &[func("ifnull", 2, 2, ifnull)];

/// Null, or empty text: what `isNull` and `ifnull` treat as missing.
pub fn is_nullish(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Text(s) => s.is_empty(),
        _ => false,
    }
}

fn to_string(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    if !args.is_empty() {
        // A pattern formats dates, epoch milliseconds and date-like text.
        match r {
            Value::Int(ms) => {
                let d = super::date::from_epoch_millis(i, *ms)?;
                return super::date::to_string_with_pattern(i, &Value::date(d), args);
            }
            Value::Text(t) => {
                return match super::date::parse_date_text(t, None) {
                    Some(d) => super::date::to_string_with_pattern(i, &Value::date(d), args),
                    None => Ok(r.clone()),
                };
            }
            _ => {}
        }
    }
    Ok(Value::text(r.to_display()))
}

fn to_string_plain(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::text(r.to_display()))
}

fn is_null(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(is_nullish(r)))
}

fn is_blank(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match r {
        Value::Null => true,
        Value::Text(s) => s.trim().is_empty(),
        Value::List(l) => l.borrow().is_empty(),
        Value::Map(m) => m.borrow().is_empty(),
        _ => false,
    }))
}

fn is_empty(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match r {
        Value::Null => true,
        Value::Text(s) => s.is_empty(),
        Value::List(l) => l.borrow().is_empty(),
        Value::Map(m) => m.borrow().is_empty(),
        _ => false,
    }))
}

fn parse_number_text(t: &str) -> Option<Value> {
    let t = t.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Int(i));
    }
    let looks_decimal = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if looks_decimal && let Ok(d) = t.parse::<f64>() {
        return Some(Value::Decimal(d));
    }
    None
}

fn is_number(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match r {
        Value::Int(_) | Value::Decimal(_) => true,
        Value::Text(t) => parse_number_text(t).is_some(),
        _ => false,
    }))
}

fn is_decimal(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match r {
        Value::Decimal(_) => true,
        Value::Text(t) => matches!(parse_number_text(t), Some(Value::Decimal(_))),
        _ => false,
    }))
}

/// Text that reads as a number (`"123"`) is not text, as documented.
fn is_text(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match r {
        Value::Text(t) => parse_number_text(t).is_none(),
        _ => false,
    }))
}

fn is_list(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(matches!(r, Value::List(_))))
}

fn is_map(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(matches!(r, Value::Map(_))))
}

fn is_ascii(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(r.to_display().is_ascii()))
}

const LONG_RANGE_HELP: &str =
    "a Number is a 64-bit integer: from -9223372036854775808 to 9223372036854775807";

/// Digits with an optional sign: a whole number that did not fit 64 bits
/// when it reads as a decimal.
fn is_whole_text(t: &str) -> bool {
    let t = t.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The whole part of a decimal, if it fits a 64-bit Number.
fn decimal_to_long(d: f64) -> Option<i64> {
    // -2^63 and 2^63 are exact as doubles; i64 holds [-2^63, 2^63).
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let t = d.trunc();
    (t.is_finite() && (-TWO_63..TWO_63).contains(&t)).then_some(t as i64)
}

fn to_long(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    match r {
        Value::Int(_) => Ok(r.clone()),
        Value::Decimal(d) => decimal_to_long(*d).map(Value::Int).ok_or_else(|| {
            RtError::runtime(format!("{d} is out of range for a Number")).with_help(LONG_RANGE_HELP)
        }),
        // The message quotes the text as written, not its float rounding
        // (`"99999999999999999999"`, not `100000000000000000000`).
        Value::Text(t) => match parse_number_text(t) {
            Some(Value::Int(n)) => Ok(Value::Int(n)),
            Some(Value::Decimal(d)) => {
                let n = if is_whole_text(t) {
                    None
                } else {
                    decimal_to_long(d)
                };
                n.map(Value::Int).ok_or_else(|| {
                    RtError::runtime(format!("\"{}\" is out of range for a Number", t.trim()))
                        .with_help(LONG_RANGE_HELP)
                })
            }
            _ => Err(RtError::runtime(format!(
                "Cannot convert \"{t}\" to a Number: the text must contain only digits"
            ))
            .with_help("check the value with isNumber() before converting")),
        },
        Value::Date(d) => Ok(Value::Int(super::date::to_epoch_millis(i, d))),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Null => Err(RtError::runtime("Cannot convert null to a Number")
            .with_help("use ifnull(value, 0) to supply a default")),
        other => Err(RtError::runtime(format!(
            "Cannot convert a {} to a Number",
            other.type_tag().deluge_name()
        ))),
    }
}

fn to_decimal(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    match r {
        Value::Int(i) => Ok(Value::Decimal(*i as f64)),
        Value::Decimal(_) => Ok(r.clone()),
        Value::Text(t) => match parse_number_text(t) {
            Some(v) => Ok(Value::Decimal(super::number::num(&v))),
            None => Err(RtError::runtime(format!(
                "Cannot convert \"{t}\" to a Decimal: the text must contain only a number"
            ))
            .with_help("check the value with isNumber() before converting")),
        },
        Value::Null => Err(RtError::runtime("Cannot convert null to a Decimal")
            .with_help("use ifnull(value, 0) to supply a default")),
        other => Err(RtError::runtime(format!(
            "Cannot convert a {} to a Decimal",
            other.type_tag().deluge_name()
        ))),
    }
}

fn to_boolean(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match r {
        Value::Bool(b) => *b,
        Value::Text(t) => t.trim().eq_ignore_ascii_case("true"),
        Value::Int(i) => *i != 0,
        _ => false,
    }))
}

fn equals(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(crate::value::values_equal(r, &args[0])))
}

fn ifnull(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    Ok(if is_nullish(&args[0]) {
        args[1].clone()
    } else {
        args[0].clone()
    })
}

/// `isValidObject()`: true unless the value is null or empty text.
fn is_valid_object(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(!is_nullish(r)))
}

/// `value.text(pattern)`: numbers (and numeric text) through a Java
/// DecimalFormat-style pattern (`000000`, `#,##0.00`, `$#,##0.00`); dates
/// (and date text) through a SimpleDateFormat pattern.
fn text_format(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let pattern = super::arg_text(args, 0, "text")?.to_string();
    let number = match r {
        Value::Int(n) => Some(*n as f64),
        Value::Decimal(d) => Some(*d),
        Value::Text(t) => t.trim().parse::<f64>().ok(),
        _ => None,
    };
    if let Some(x) = number {
        return Ok(Value::text(decimal_format(x, &pattern)));
    }
    let date = match r {
        Value::Date(_) => r.clone(),
        Value::Text(_) => super::call_method(i, r, "toDate", super::method_id("todate"), &[])?,
        _ => Value::Null,
    };
    if matches!(date, Value::Date(_)) {
        return super::call_method(i, &date, "toString", super::method_id("tostring"), args);
    }
    Err(RtError::runtime(format!(
        "text(): cannot format {} with a pattern",
        r.type_tag().deluge_name()
    )))
}

fn decimal_format(x: f64, pattern: &str) -> String {
    let is_digit = |c: char| matches!(c, '0' | '#' | ',' | '.');
    let start = pattern.find(is_digit).unwrap_or(pattern.len());
    let end = pattern.rfind(is_digit).map_or(start, |e| e + 1);
    let (prefix, body, suffix) = (&pattern[..start], &pattern[start..end], &pattern[end..]);
    let (int_pat, frac_pat) = body.split_once('.').unwrap_or((body, ""));
    let group = int_pat.rfind(',').map(|p| int_pat.len() - p - 1);
    let min_int = int_pat.chars().filter(|c| *c == '0').count();
    let min_frac = frac_pat.chars().filter(|c| *c == '0').count();
    let max_frac = frac_pat.chars().filter(|c| matches!(c, '0' | '#')).count();
    let mut digits = format!("{:.*}", max_frac, x.abs());
    if max_frac > min_frac && digits.contains('.') {
        while digits.ends_with('0') && digits.len() - digits.find('.').unwrap_or(0) - 1 > min_frac {
            digits.pop();
        }
        if digits.ends_with('.') {
            digits.pop();
        }
    }
    let (int_digits, frac_digits) = digits.split_once('.').unwrap_or((&digits, ""));
    let mut int_digits = int_digits.trim_start_matches('0').to_string();
    while int_digits.len() < min_int {
        int_digits.insert(0, '0');
    }
    let mut grouped = String::new();
    if let Some(g) = group.filter(|g| *g > 0) {
        for (k, c) in int_digits.chars().enumerate() {
            if k > 0 && (int_digits.len() - k) % g == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
    } else {
        grouped = int_digits;
    }
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    out.push_str(&prefix.replace('\'', ""));
    out.push_str(&grouped);
    if !frac_digits.is_empty() {
        out.push('.');
        out.push_str(frac_digits);
    }
    out.push_str(&suffix.replace('\'', ""));
    out
}
