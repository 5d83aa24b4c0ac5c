//! Map (KEY-VALUE) functions. Maps keep insertion order; keys are
//! case-sensitive. A key missing under its own type is also tried as text
//! or number (`m.get(123)` finds `"123"`), since API data keys are text.

use super::{FunctionDef, MethodDef, Recv::Map, func, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::{Key, KeyRef, Value, values_equal};

pub const METHODS: &[MethodDef] = &[
    method(Map, "put", 2, 2, put),
    method(Map, "putAll", 1, 1, put_all),
    method(Map, "insert", 1, 2, insert),
    method(Map, "insertAll", 1, 1, put_all),
    method(Map, "get", 1, 1, get),
    method(Map, "getOrDefault", 2, 2, get_or_default),
    method(Map, "keys", 0, 0, keys),
    method(Map, "values", 0, 0, values),
    method(Map, "containKey", 1, 1, contain_key),
    method(Map, "containsKey", 1, 1, contain_key),
    method(Map, "containValue", 1, 1, contain_value),
    method(Map, "containsValue", 1, 1, contain_value),
    method(Map, "contains", 1, 1, contain_key),
    method(Map, "notContains", 1, 1, not_contain_key),
    method(Map, "remove", 1, 1, remove),
    method(Map, "removeKey", 1, 1, remove),
    method(Map, "delete", 1, 1, remove),
    method(Map, "deleteKey", 1, 1, remove),
    method(Map, "clear", 0, 0, clear),
    method(Map, "size", 0, 0, size),
    method(Map, "isEmpty", 0, 0, is_empty),
    method(Map, "getKey", 1, 1, get_key),
    method(Map, "getLastKey", 1, 1, get_last_key),
    method(Map, "deleteKeys", 1, 1, delete_keys),
    method(Map, "update", 2, 2, put),
    method(Map, "duplicate", 0, 0, duplicate),
];

pub const FUNCTIONS: &[FunctionDef] = &[func("Map", 0, 1, new_map)];

fn entries(v: &Value) -> &crate::value::Map {
    match v {
        Value::Map(m) => m,
        _ => unreachable!("registered for maps only"),
    }
}

fn new_map(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    match args.first() {
        Some(Value::Map(m)) => Ok(Value::new_map(m.borrow().clone())),
        Some(Value::Text(t)) => crate::value::parse_json_lenient(t)
            .ok_or_else(|| RtError::runtime("Map(): the text is not a JSON object")),
        _ => Ok(Value::empty_map()),
    }
}

/// Keys to try for a lookup: the key itself, then its text/number twin.
pub(crate) fn lookup<'m>(
    map: &'m crate::value::MapData,
    k: &Value,
) -> Option<(&'m Key, &'m Value)> {
    let found = match KeyRef::of(k) {
        Some(r) => map.find(&r),
        None => map.find(&Key::from_value(k)),
    };
    if found.is_some() {
        return found;
    }
    match k {
        Value::Int(i) => map.find(&KeyRef::Text(&i.to_string())),
        Value::Text(t) => map.find(&KeyRef::Int(t.parse::<i64>().ok()?)),
        _ => None,
    }
}

fn put(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    super::guard_cycle(r, &args[1], "put")?;
    crate::mem::check_items(entries(r).borrow().len() + 1)?;
    entries(r)
        .borrow_mut()
        .insert(Key::from_value(&args[0]), args[1].clone());
    Ok(Value::Null)
}

fn put_all(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    match &args[0] {
        Value::Map(other) => {
            // Copy first: `m.putAll(m)` must not borrow twice.
            let copy: Vec<(Key, Value)> = other
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (_, v) in &copy {
                super::guard_cycle(r, v, "putAll")?;
            }
            crate::mem::check_items(entries(r).borrow().len() + copy.len())?;
            entries(r).borrow_mut().extend(copy);
            Ok(Value::Null)
        }
        Value::Null => Ok(Value::Null),
        other => Err(super::bad_arg("putAll", 0, "a KEY-VALUE map", other)),
    }
}

fn insert(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    if args.len() == 2 {
        return put(i, r, args);
    }
    put_all(i, r, args)
}

fn get(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let m = entries(r).borrow();
    Ok(lookup(&m, &args[0])
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null))
}

fn get_or_default(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let m = entries(r).borrow();
    Ok(lookup(&m, &args[0])
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| args[1].clone()))
}

fn keys(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::new_list(
        entries(r).borrow().keys().map(Key::to_value).collect(),
    ))
}

fn values(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::new_list(
        entries(r).borrow().values().cloned().collect(),
    ))
}

fn contain_key(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let m = entries(r).borrow();
    Ok(Value::Bool(match KeyRef::of(&args[0]) {
        Some(k) => m.contains_key(&k),
        None => m.contains_key(&Key::from_value(&args[0])),
    }))
}

/// `notContains` on a map tests the keys (the documented example looks up
/// a key name).
fn not_contain_key(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    match contain_key(i, r, args)? {
        Value::Bool(b) => Ok(Value::Bool(!b)),
        v => Ok(v),
    }
}

fn contain_value(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(
        entries(r)
            .borrow()
            .values()
            .any(|v| values_equal(v, &args[0])),
    ))
}

fn remove(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let mut m = entries(r).borrow_mut();
    let key = match lookup(&m, &args[0]) {
        Some((k, _)) => k.clone(),
        None => return Ok(Value::Null),
    };
    Ok(m.shift_remove(&key).unwrap_or(Value::Null))
}

fn clear(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    entries(r).borrow_mut().clear();
    Ok(Value::Null)
}

fn size(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Int(entries(r).borrow().len() as i64))
}

fn is_empty(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(entries(r).borrow().is_empty()))
}

fn get_key(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let m = entries(r).borrow();
    Ok(m.iter()
        .find(|(_, v)| values_equal(v, &args[0]))
        .map(|(k, _)| k.to_value())
        .unwrap_or(Value::Null))
}

fn get_last_key(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let m = entries(r).borrow();
    Ok(m.iter()
        .rfind(|(_, v)| values_equal(v, &args[0]))
        .map_or(Value::Null, |(k, _)| k.to_value()))
}

fn delete_keys(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let keys: Vec<Value> = match &args[0] {
        Value::List(l) => l.borrow().clone(),
        v => vec![v.clone()],
    };
    for k in keys {
        remove(i, r, &[k])?;
    }
    Ok(Value::Null)
}

fn duplicate(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::new_map(entries(r).borrow().clone()))
}
