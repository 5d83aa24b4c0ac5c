//! JSON conversions: `toMap`, `toJSONList`, `getJSON`.

use super::{FunctionDef, MethodDef, Recv, arg_text, method};
use crate::eval::{Interpreter, RtError, RtResult};
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

fn same(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(r.clone())
}

fn null_to_map(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    match r {
        Value::Null => Ok(Value::Null),
        other => Err(RtError::runtime(format!(
            "Cannot convert a {} to a KEY-VALUE map",
            other.type_tag().deluge_name()
        ))),
    }
}

fn text_to_map(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    if t.trim().is_empty() {
        return Ok(Value::empty_map());
    }
    match parse_json_lenient(t) {
        Some(v @ Value::Map(_)) => Ok(v),
        _ => Err(
            RtError::runtime("Invalid JSON format: the text is not a JSON object")
                .with_help("toMap() needs text like {\"key\": \"value\"}"),
        ),
    }
}

fn text_to_json_list(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    match parse_json_lenient(t) {
        Some(v @ Value::List(_)) => Ok(v),
        _ => Err(
            RtError::runtime("Invalid JSON format: the text is not a JSON array")
                .with_help("toJSONList() needs text like [1, 2, 3]"),
        ),
    }
}

fn text_get_json(i: &mut Interpreter, r: &Value, args: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    match parse_json_lenient(t) {
        Some(m @ Value::Map(_)) => map_get_json(i, &m, args),
        _ => Err(RtError::runtime("getJSON: the text is not a JSON object")),
    }
}

fn map_get_json(_: &mut Interpreter, r: &Value, args: &[Value]) -> RtResult<Value> {
    let key = arg_text(args, 0, "getJSON")?;
    let Value::Map(m) = r else {
        return Ok(Value::Null);
    };
    let m = m.borrow();
    Ok(super::map::lookup(&m, &Value::text(key.into_owned()))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null))
}

fn to_json_text(_: &mut Interpreter, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::text(crate::value::to_json(r)))
}
