//! JSON conversions: `toMap`, `toJSONList`, `getJSON`.

use super::{FunctionDef, MethodDef, Recv, arg_text, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::{Value, parse_json_lenient};

pub const METHODS: &[MethodDef] = &[
    method(Recv::Text, "toMap", 0, 0, text_to_map),
    method(Recv::Map, "toMap", 0, 0, same),
    method(Recv::Any, "toMap", 0, 0, null_to_map),
    method(Recv::Text, "toJSONList", 0, 0, text_to_json_list),
    method(Recv::List, "toJSONList", 0, 0, same),
    method(Recv::Text, "getJSON", 1, 1, text_get_json),
    method(Recv::Map, "getJSON", 1, 1, map_get_json),
    method(Recv::Any, "toJSON", 0, 0, to_json_text),
];

pub const FUNCTIONS: &[FunctionDef] = &[];

fn same(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(r.clone())
}

fn null_to_map(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    match r {
        Value::Null => Ok(Value::Null),
        other => Err(RtError::runtime(format!(
            "Cannot convert a {} to a KEY-VALUE map",
            other.type_tag().deluge_name()
        ))),
    }
}

fn text_to_map(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    if t.trim().is_empty() {
        return Ok(Value::empty_map());
    }
    match parse_json_lenient(t) {
        Some(v @ Value::Map(_)) => {
            java_hash_order(&v);
            Ok(v)
        }
        _ => Err(
            RtError::runtime("Invalid JSON format: the text is not a JSON object")
                .with_help("toMap() needs text like {\"key\": \"value\"}"),
        ),
    }
}

fn text_to_json_list(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    match parse_json_lenient(t) {
        Some(v @ Value::List(_)) => Ok(v),
        _ => Err(
            RtError::runtime("Invalid JSON format: the text is not a JSON array")
                .with_help("toJSONList() needs text like [1, 2, 3]"),
        ),
    }
}

fn text_get_json(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    match parse_json_lenient(t) {
        Some(m @ Value::Map(_)) => map_get_json(i, &m, args),
        _ => Err(RtError::runtime("getJSON: the text is not a JSON object")),
    }
}

fn map_get_json(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let key = arg_text(args, 0, "getJSON")?;
    let Value::Map(m) = r else {
        return Ok(Value::Null);
    };
    let m = m.borrow();
    Ok(super::map::lookup(&m, &Value::text(key.into_owned()))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null))
}

fn to_json_text(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::text(crate::value::to_json(r)))
}

/// Zoho parses `toMap()` text into Java `HashMap`s, so the keys come back
/// in hash-bucket order, not text order: the toMap page shows
/// `"{company:Zoho, product:Creator}"` printing as
/// `{"product":"Creator","company":"Zoho"}`. Reorder the parsed maps
/// (nested ones too) the way a default `HashMap<String, _>` iterates.
pub(crate) fn java_hash_order(v: &Value) {
    match v {
        Value::Map(m) => {
            let mut data = m.borrow_mut();
            let n = data.len();
            let mut cap = 16usize;
            while n * 4 > cap * 3 {
                cap *= 2;
            }
            let mut entries: Vec<_> = data
                .drain(..)
                .enumerate()
                .map(|(i, (k, val))| {
                    let h = java_string_hash(&k.to_value().to_display());
                    ((h ^ (h >> 16)) as usize & (cap - 1), i, k, val)
                })
                .collect();
            entries.sort_by_key(|e| (e.0, e.1));
            for (_, _, k, val) in entries {
                data.insert(k, val);
            }
            let values: Vec<Value> = data.values().cloned().collect();
            drop(data);
            values.iter().for_each(java_hash_order);
        }
        Value::List(l) => {
            let items: Vec<Value> = l.borrow().clone();
            items.iter().for_each(java_hash_order);
        }
        _ => {}
    }
}

/// Java's `String.hashCode` over UTF-16 code units.
fn java_string_hash(s: &str) -> u32 {
    s.encode_utf16()
        .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(c as u32))
}
