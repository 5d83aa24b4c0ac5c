//! List functions. Lists are shared by reference; `add`, `remove`, `sort`
//! and friends change the list in place.

use std::cmp::Ordering;

use super::{FunctionDef, MethodDef, Recv::List, arg_bool, arg_int, func, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::{Value, compare_values, values_equal};

pub const METHODS: &[MethodDef] = &[
    method(List, "add", 1, 1, add),
    method(List, "addAll", 1, 1, add_all),
    method(List, "insert", 1, usize::MAX, insert),
    method(List, "insertAll", 1, 1, add_all),
    method(List, "get", 1, 1, get),
    method(List, "remove", 1, 1, remove),
    method(List, "removeElement", 1, 1, remove_element),
    method(List, "removeAll", 1, 1, remove_all),
    method(List, "sort", 0, 1, sort),
    method(List, "subList", 1, 2, sub_list),
    method(List, "indexOf", 1, 1, index_of),
    method(List, "lastIndexOf", 1, 1, last_index_of),
    method(List, "contains", 1, 1, contains),
    method(List, "notContains", 1, 1, not_contains),
    method(List, "size", 0, 0, size),
    method(List, "length", 0, 0, size),
    method(List, "count", 0, 0, size),
    method(List, "isEmpty", 0, 0, is_empty),
    method(List, "clear", 0, 0, clear),
    method(List, "distinct", 0, 0, distinct),
    method(List, "intersect", 1, 1, intersect),
    method(List, "sum", 0, 0, sum),
    method(List, "average", 0, 0, average),
    method(List, "largest", 0, 0, largest),
    method(List, "max", 0, 0, largest),
    method(List, "smallest", 0, 0, smallest),
    method(List, "min", 0, 0, smallest),
    method(List, "median", 0, 0, median),
    method(List, "nthLargest", 1, 1, nth_largest),
    method(List, "nthSmallest", 1, 1, nth_smallest),
    method(List, "reverse", 0, 0, reverse),
    method(List, "toList", 0, 0, to_list),
    method(List, "getLast", 0, 0, get_last),
    method(List, "getFirst", 0, 0, get_first),
    // Index-value COLLECTION functions (a collection without keys is a list).
    method(List, "getKey", 1, 1, index_of),
    method(List, "getLastKey", 1, 1, last_index_of),
    method(List, "containsValue", 1, 1, contains),
    method(List, "deleteKey", 1, 1, delete_key),
    method(List, "deleteKeys", 1, 1, delete_keys),
    method(List, "delete", 1, 1, remove_element),
    method(List, "deleteAll", 1, 1, remove_all),
    method(List, "duplicate", 0, 2, duplicate),
    method(List, "keys", 0, 0, to_list),
    method(List, "values", 0, 0, to_list),
    method(List, "update", 2, 2, update),
    method(List, "getAsString", 1, 1, get_as_string),
    method(List, "rank", 1, 2, rank),
    method(List, "percentile", 1, 1, percentile),
];

pub const FUNCTIONS: &[FunctionDef] = &[
    func("List", 0, usize::MAX, new_list),
    func("Collection", 0, usize::MAX, new_collection),
];

fn items(v: &Value) -> &crate::value::List {
    match v {
        Value::List(l) => l,
        _ => unreachable!("registered for lists only"),
    }
}

fn new_list(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    // `List("a,b")` splits a comma-separated text, as Zoho documents.
    if let [Value::Text(t)] = args {
        return Ok(Value::new_list(
            super::text::split_literal(t, ",")
                .into_iter()
                .map(Value::text)
                .collect(),
        ));
    }
    if let [Value::List(l)] = args {
        return Ok(Value::new_list(l.borrow().clone()));
    }
    Ok(Value::new_list(args.to_vec()))
}

/// `Collection()` is a list, or a map when given `key: value` pairs.
fn new_collection(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    if let [Value::Map(m)] = args {
        return Ok(Value::new_map(m.borrow().clone()));
    }
    Ok(Value::new_list(args.to_vec()))
}

fn add(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    super::guard_cycle(r, &args[0], "add")?;
    let mut l = items(r).borrow_mut();
    crate::mem::check_items(l.len() + 1)?;
    l.push(args[0].clone());
    Ok(Value::Null)
}

fn add_all(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let more = match &args[0] {
        Value::List(l) => l.borrow().clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    for v in &more {
        super::guard_cycle(r, v, "addAll")?;
    }
    let mut l = items(r).borrow_mut();
    crate::mem::check_items(l.len() + more.len())?;
    l.extend(more);
    Ok(Value::Null)
}

fn insert(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    for v in args {
        super::guard_cycle(r, v, "insert")?;
    }
    crate::mem::check_items(items(r).borrow().len() + args.len())?;
    items(r).borrow_mut().extend(args.iter().cloned());
    Ok(Value::Null)
}

fn index_arg(args: &[Value], len: usize, name: &str) -> RtResult<usize> {
    let i = arg_int(args, 0, name)?;
    if i < 0 || i as usize >= len {
        return Err(RtError::runtime(format!(
            "Index {i} is out of range: the list has {len} element{}",
            if len == 1 { "" } else { "s" }
        ))
        .with_help("list positions start at 0 and end at size() - 1"));
    }
    Ok(i as usize)
}

fn get(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let l = items(r).borrow();
    // An empty `Collection()` filled with `insert("k": v)` holds one map per
    // pair; a text key looks through them (Zoho's key-value collection).
    if let Value::Text(key) = &args[0]
        && !l.is_empty()
        && l.iter()
            .all(|v| matches!(v, Value::Map(m) if m.borrow().len() == 1))
    {
        for v in l.iter().rev() {
            if let Value::Map(m) = v
                && let Some((_, found)) = m
                    .borrow()
                    .iter()
                    .find(|(k, _)| matches!(k.to_value(), Value::Text(t) if t == *key))
            {
                return Ok(found.clone());
            }
        }
        return Ok(Value::Null);
    }
    let i = index_arg(args, l.len(), "get")?;
    Ok(l[i].clone())
}

fn remove(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let mut l = items(r).borrow_mut();
    let i = index_arg(args, l.len(), "remove")?;
    Ok(l.remove(i))
}

fn remove_element(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let mut l = items(r).borrow_mut();
    if let Some(pos) = l.iter().position(|v| values_equal(v, &args[0])) {
        l.remove(pos);
    }
    Ok(Value::Null)
}

fn remove_all(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let other = match &args[0] {
        Value::List(l) => l.borrow().clone(),
        v => vec![v.clone()],
    };
    items(r)
        .borrow_mut()
        .retain(|v| !other.iter().any(|o| values_equal(v, o)));
    Ok(Value::Null)
}

/// `sort()` of elements that have no order between them returns null, as
/// Zoho documents; not silently: the first time in a process, a warning
/// names the two types.
fn warn_unsortable(a: &Value, b: &Value) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let name = |v: &Value| v.type_tag().deluge_name();
    crate::diag::eprint(
        &crate::diag::Diag::new(
            crate::code::Code::DelugeRuntime,
            format!(
                "sort(): the list mixes {} and {} elements, which have no order between them; sort() returns null and leaves the list as it was (as Zoho documents)",
                name(a),
                name(b)
            ),
        )
        .with_help("sort lists of one type (numbers, texts, dates or booleans); convert first, e.g. toString() or toLong() on each element")
        .warning(),
    );
}

/// Sorts in place and returns the list; mixed element types give null
/// (with a warning, [`warn_unsortable`]).
fn sort(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let ascending = arg_bool(args, 0, true);
    let list = items(r);
    let mut l = list.borrow_mut();
    // Fast paths: all numbers (sorted as plain integers; equal integers are
    // indistinguishable, so an unstable sort is fine) and all text.
    if l.iter().all(|v| matches!(v, Value::Int(_))) {
        let mut ints: Vec<i64> = l
            .iter()
            .map(|v| match v {
                Value::Int(i) => *i,
                _ => unreachable!("checked above"),
            })
            .collect();
        ints.sort_unstable();
        if !ascending {
            ints.reverse();
        }
        for (slot, i) in l.iter_mut().zip(ints) {
            *slot = Value::Int(i);
        }
        drop(l);
        return Ok(r.clone());
    }
    if l.iter().all(|v| matches!(v, Value::Text(_))) {
        if ascending {
            l.sort_by(|a, b| text_of(a).cmp(text_of(b)));
        } else {
            l.sort_by(|a, b| text_of(b).cmp(text_of(a)));
        }
        drop(l);
        return Ok(r.clone());
    }
    if let Some(w) = l
        .windows(2)
        .find(|w| compare_values(&w[0], &w[1]).is_none())
    {
        warn_unsortable(&w[0], &w[1]);
        return Ok(Value::Null);
    }
    l.sort_by(|a, b| {
        let o = compare_values(a, b).unwrap_or(Ordering::Equal);
        if ascending { o } else { o.reverse() }
    });
    drop(l);
    Ok(r.clone())
}

fn text_of(v: &Value) -> &str {
    match v {
        Value::Text(t) => t.as_str(),
        _ => "",
    }
}

fn sub_list(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let l = items(r).borrow();
    let len = l.len() as i64;
    let start = arg_int(args, 0, "subList")?;
    let end = if args.len() > 1 {
        arg_int(args, 1, "subList")?
    } else {
        len
    };
    if start < 0 || start > len || end > len || end < start {
        return Err(RtError::runtime(format!(
            "subList({start}, {end}) is out of range for a list of size {len}"
        )));
    }
    Ok(Value::new_list(l[start as usize..end as usize].to_vec()))
}

fn index_of(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let l = items(r).borrow();
    Ok(Value::Int(
        l.iter()
            .position(|v| values_equal(v, &args[0]))
            .map_or(-1, |p| p as i64),
    ))
}

fn last_index_of(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let l = items(r).borrow();
    Ok(Value::Int(
        l.iter()
            .rposition(|v| values_equal(v, &args[0]))
            .map_or(-1, |p| p as i64),
    ))
}

fn contains(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(
        items(r).borrow().iter().any(|v| values_equal(v, &args[0])),
    ))
}

fn not_contains(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let c = contains(i, r, args)?;
    Ok(Value::Bool(matches!(c, Value::Bool(false))))
}

fn size(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Int(items(r).borrow().len() as i64))
}

fn is_empty(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(items(r).borrow().is_empty()))
}

fn clear(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    items(r).borrow_mut().clear();
    Ok(Value::Null)
}

fn distinct(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let l = items(r).borrow();
    let mut out: Vec<Value> = Vec::new();
    for v in l.iter() {
        if !out.iter().any(|o| values_equal(o, v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::new_list(out))
}

fn intersect(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let other = match &args[0] {
        Value::List(l) => l.borrow().clone(),
        v => vec![v.clone()],
    };
    let l = items(r).borrow();
    Ok(Value::new_list(
        l.iter()
            .filter(|v| other.iter().any(|o| values_equal(o, v)))
            .cloned()
            .collect(),
    ))
}

fn numbers(r: &Value, name: &str) -> RtResult<Vec<Value>> {
    let l = items(r).borrow();
    for v in l.iter() {
        if !matches!(v, Value::Int(_) | Value::Decimal(_)) {
            return Err(RtError::runtime(format!(
                "'{name}' needs a list of numbers, found {}",
                v.type_tag().deluge_name()
            )));
        }
    }
    Ok(l.clone())
}

fn sum(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let mut acc = Value::Int(0);
    for v in numbers(r, "sum")? {
        acc = super::ops::binary_op(crate::syntax::ast::BinOp::Add, &acc, &v)?;
    }
    Ok(acc)
}

fn average(i: &mut dyn Host, r: &Value, a: &[Value]) -> RtResult<Value> {
    let n = numbers(r, "average")?.len();
    if n == 0 {
        return Ok(Value::Null);
    }
    let total = super::number::num(&sum(i, r, a)?);
    Ok(Value::Decimal(total / n as f64))
}

fn sorted(r: &Value, name: &str) -> RtResult<Vec<Value>> {
    let mut l = items(r).borrow().clone();
    if !l.windows(2).all(|w| compare_values(&w[0], &w[1]).is_some()) {
        return Err(RtError::runtime(format!(
            "'{name}' needs elements of one type"
        )));
    }
    l.sort_by(|a, b| compare_values(a, b).unwrap_or(Ordering::Equal));
    Ok(l)
}

fn largest(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(sorted(r, "largest")?.pop().unwrap_or(Value::Null))
}

fn smallest(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(sorted(r, "smallest")?
        .into_iter()
        .next()
        .unwrap_or(Value::Null))
}

fn median(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let l = numbers(r, "median")?;
    let mut xs: Vec<f64> = l.iter().map(super::number::num).collect();
    if xs.is_empty() {
        return Ok(Value::Null);
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    let m = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    Ok(
        if m.fract() == 0.0 && l.iter().all(|v| matches!(v, Value::Int(_))) {
            Value::Int(m as i64)
        } else {
            Value::Decimal(m)
        },
    )
}

fn nth(r: &Value, args: &[Value], name: &str, largest: bool) -> RtResult<Value> {
    let mut l = sorted(r, name)?;
    if largest {
        l.reverse();
    }
    let n = arg_int(args, 0, name)?;
    if n < 1 || n as usize > l.len() {
        return Err(RtError::runtime(format!(
            "'{name}({n})' is out of range for a list of size {}",
            l.len()
        )));
    }
    Ok(l[n as usize - 1].clone())
}

fn nth_largest(_: &mut dyn Host, r: &Value, a: &[Value]) -> RtResult<Value> {
    nth(r, a, "nthLargest", true)
}

fn nth_smallest(_: &mut dyn Host, r: &Value, a: &[Value]) -> RtResult<Value> {
    nth(r, a, "nthSmallest", false)
}

fn reverse(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let mut l = items(r).borrow().clone();
    l.reverse();
    Ok(Value::new_list(l))
}

fn to_list(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(r.clone())
}

fn get_last(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(items(r).borrow().last().cloned().unwrap_or(Value::Null))
}

fn get_first(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(items(r).borrow().first().cloned().unwrap_or(Value::Null))
}

fn delete_key(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let mut l = items(r).borrow_mut();
    let i = index_arg(args, l.len(), "deleteKey")?;
    l.remove(i);
    Ok(Value::Null)
}

/// `deleteKeys({1, 2})` removes the elements at those indices.
fn delete_keys(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let idx: Vec<Value> = match &args[0] {
        Value::List(l) => l.borrow().clone(),
        v => vec![v.clone()],
    };
    let mut l = items(r).borrow_mut();
    let len = l.len();
    let mut drop_at = Vec::new();
    for v in &idx {
        drop_at.push(index_arg(std::slice::from_ref(v), len, "deleteKeys")?);
    }
    let mut pos = 0;
    l.retain(|_| {
        let keep = !drop_at.contains(&pos);
        pos += 1;
        keep
    });
    Ok(Value::Null)
}

/// `duplicate([start[, end]])`: a copy of the elements from start (inclusive)
/// to end (exclusive).
fn duplicate(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    if args.is_empty() {
        return Ok(Value::new_list(items(r).borrow().clone()));
    }
    sub_list(i, r, args)
}

fn update(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    super::guard_cycle(r, &args[1], "update")?;
    let mut l = items(r).borrow_mut();
    let i = index_arg(args, l.len(), "update")?;
    l[i] = args[1].clone();
    Ok(Value::Null)
}

fn get_as_string(i: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let v = get(i, r, args)?;
    Ok(match v {
        Value::Null => Value::Null,
        Value::Text(_) => v,
        other => Value::text(other.to_display()),
    })
}

/// `rank(n[, "asc"|"desc"])`: 1-based position of n once the numbers are
/// sorted (descending by default); an absent number is an error.
fn rank(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let xs = numbers(r, "rank")?;
    let target = match &args[0] {
        v @ (Value::Int(_) | Value::Decimal(_)) => super::number::num(v),
        other => return Err(super::bad_arg("rank", 0, "a NUMBER", other)),
    };
    let ascending = match args.get(1) {
        Some(Value::Text(t)) => t.eq_ignore_ascii_case("asc"),
        _ => false,
    };
    let mut vals: Vec<f64> = xs.iter().map(super::number::num).collect();
    vals.sort_by(|a, b| {
        if ascending {
            a.total_cmp(b)
        } else {
            b.total_cmp(a)
        }
    });
    match vals.iter().position(|v| *v == target) {
        Some(p) => Ok(Value::Int(p as i64 + 1)),
        None => Err(RtError::runtime(format!(
            "rank: {} is not an element of the list",
            args[0].to_display()
        ))),
    }
}

/// `percentile(p)`: the value at the p-th percentile (nearest rank on the
/// ascending order, interpolating between neighbours).
fn percentile(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let xs = numbers(r, "percentile")?;
    if xs.is_empty() {
        return Ok(Value::Null);
    }
    let p = super::number::num(&args[0]) / 100.0;
    if !(0.0..=1.0).contains(&p) {
        return Err(RtError::runtime("percentile must be between 0 and 100"));
    }
    let mut vals: Vec<f64> = xs.iter().map(super::number::num).collect();
    vals.sort_by(|a, b| a.total_cmp(b));
    let pos = p * (vals.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let v = vals[lo] + (vals[hi] - vals[lo]) * (pos - lo as f64);
    Ok(
        if v.fract() == 0.0 && xs.iter().all(|x| matches!(x, Value::Int(_))) {
            Value::Int(v as i64)
        } else {
            Value::Decimal(v)
        },
    )
}
