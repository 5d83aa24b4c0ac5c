//! Test-only built-ins, offered to `*.test.dg` files by `dlg test` (never
//! to `dlg run`):
//!
//! - `assert(cond[, message])`
//! - `assertEquals(expected, actual[, message])`: lists and maps compared
//!   structurally (map key order ignored, 1 equals 1.0), with a diff
//! - `assertContains(container, item[, message])`: text contains text, list
//!   contains an equal element, map contains the key (or, given a map, every
//!   entry of it)
//! - `assertThrows(functionName, argumentList[, fragment])`: calling the
//!   function must fail (with an error containing `fragment`); returns the
//!   error message
//! - `fail(message)`
//! - `requests()`: every HTTP request so far as maps (method, url, query,
//!   headers, body — parsed when JSON or a form —, status, response)
//! - `mails()`: every `sendmail` so far as maps (from, to, cc, bcc,
//!   subject, message, content_type, attachments …)
//! - `tasks()`: every `zoho.*` task call so far as maps (service, name,
//!   args, answered_by — `fixture`, `api` or `none` —, error)
//! - `stubs()`: every helper call a `[[function]]` stub answered (name, args)
//! - `run(…)`, `records(…)`, `actions()`: see [`super::subrun`]
//!
//! A failed check raises `dlg::assert`, which the script's own try/catch
//! cannot catch.

use crate::code::Code;
use crate::eval::{Interpreter, RtError, RtResult};
use crate::value::{Key, MapData, Value};

/// The host hook of golden cases: no extra functions.
pub fn none(_: &mut Interpreter, _: &str, _: &[Value]) -> Option<RtResult<Value>> {
    None
}

/// Names of the test built-ins, as written in scripts.
pub const NAMES: &[&str] = &[
    "assert",
    "assertEquals",
    "assertContains",
    "assertThrows",
    "fail",
    "requests",
    "mails",
    "tasks",
    "stubs",
    "run",
    "records",
    "actions",
];

/// The host hook of Deluge tests.
pub fn call(interp: &mut Interpreter, name: &str, args: &[Value]) -> Option<RtResult<Value>> {
    let (min, max) = match name {
        "assert" => (1, 2),
        "assertequals" => (2, 3),
        "assertcontains" => (2, 3),
        "assertthrows" => (2, 3),
        "fail" => (0, 1),
        "requests" | "mails" | "tasks" | "stubs" | "actions" => (0, 0),
        "run" => (1, 3),
        "records" => (1, 2),
        _ => return None,
    };
    let display = NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or(name);
    if let Err(e) = crate::builtins::check_arity(display, min, max, args.len()) {
        return Some(Err(e));
    }
    Some(match name {
        "assert" => assert(args),
        "assertequals" => assert_equals(args),
        "assertcontains" => assert_contains(args),
        "assertthrows" => assert_throws(interp, args),
        "fail" => Err(failure(
            args.first()
                .map(|m| m.to_display())
                .unwrap_or_else(|| "fail() called".into()),
            None,
        )),
        "requests" => Ok(requests(interp)),
        "tasks" => Ok(tasks(interp)),
        "stubs" => Ok(stubs(interp)),
        "actions" => Ok(super::subrun::actions(interp)),
        "run" => super::subrun::run(interp, args),
        "records" => super::subrun::records(interp, args),
        _ => Ok(Value::new_list(interp.mails.clone())),
    })
}

fn failure(message: String, help: Option<String>) -> RtError {
    let e = RtError::new(Code::DlgAssert, message);
    match help {
        Some(h) => e.with_help(h),
        None => e.with_help("a test check failed"),
    }
}

fn with_message(args: &[Value], at: usize, default: String) -> String {
    match args.get(at) {
        Some(m) => format!("{}: {default}", m.to_display()),
        None => default,
    }
}

fn assert(args: &[Value]) -> RtResult<Value> {
    match &args[0] {
        Value::Bool(true) => Ok(Value::Null),
        Value::Bool(false) => Err(failure(
            with_message(args, 1, "assertion failed".into()),
            None,
        )),
        other => Err(failure(
            with_message(
                args,
                1,
                format!(
                    "assert needs a BOOLEAN, found {}",
                    other.type_tag().deluge_name()
                ),
            ),
            None,
        )),
    }
}

/// Structural equality: numbers by value, maps regardless of key order.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(_) | Value::Decimal(_), Value::Int(_) | Value::Decimal(_)) => {
            as_f64(a) == as_f64(b)
        }
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Error(x), Value::Error(y)) => x.message == y.message,
        _ => false,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Decimal(d) => *d,
        _ => f64::NAN,
    }
}

/// A value as the test report shows it: collections as indented JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::List(_) | Value::Map(_) => {
            let json = crate::value::to_json(v);
            serde_json::from_str::<serde_json::Value>(&json)
                .ok()
                .and_then(|j| serde_json::to_string_pretty(&j).ok())
                .unwrap_or(json)
        }
        Value::Text(t) => format!("\"{t}\""),
        other => other.to_display(),
    }
}

fn assert_equals(args: &[Value]) -> RtResult<Value> {
    let (expected, actual) = (&args[0], &args[1]);
    if same(expected, actual) {
        return Ok(Value::Null);
    }
    let (e, a) = (shown(expected), shown(actual));
    let message = if e.contains('\n') || a.contains('\n') {
        "assertEquals failed: values differ".to_string()
    } else {
        format!("assertEquals failed: expected {e}, actual {a}")
    };
    let help = format!(
        "- expected, + actual:\n{}",
        super::line_diff(&format!("{e}\n"), &format!("{a}\n")).trim_end()
    );
    Err(failure(with_message(args, 2, message), Some(help)))
}

fn assert_contains(args: &[Value]) -> RtResult<Value> {
    let (container, item) = (&args[0], &args[1]);
    let found = match (container, item) {
        (Value::Text(t), _) => t.contains(item.to_display().as_str()),
        (Value::List(l), _) => l.borrow().iter().any(|v| same(v, item)),
        (Value::Map(m), Value::Map(want)) => {
            let m = m.borrow();
            want.borrow()
                .iter()
                .all(|(k, v)| m.get(k).is_some_and(|g| same(g, v)))
        }
        (Value::Map(m), _) => m.borrow().contains_key(&Key::from_value(item)),
        _ => false,
    };
    if found {
        return Ok(Value::Null);
    }
    Err(failure(
        with_message(
            args,
            2,
            format!(
                "assertContains failed: {} does not contain {}",
                shown(container),
                shown(item)
            ),
        ),
        None,
    ))
}

fn assert_throws(interp: &mut Interpreter, args: &[Value]) -> RtResult<Value> {
    let name = args[0].to_display();
    let call_args = match &args[1] {
        Value::List(l) => l.borrow().clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    let fragment = args.get(2).map(|f| f.to_display());
    match interp.call_by_name(&name, call_args) {
        Ok(v) => Err(failure(
            format!(
                "assertThrows failed: {name}(…) returned {} instead of failing",
                shown(&v)
            ),
            None,
        )),
        Err(e) if e.code == Code::DlgAssert => Err(e),
        Err(e) => match fragment {
            Some(f) if !e.message.contains(&f) => Err(failure(
                format!(
                    "assertThrows failed: {name}(…) failed with \"{}\", which does not contain \"{f}\"",
                    e.message
                ),
                None,
            )),
            _ => Ok(Value::text(e.message.clone())),
        },
    }
}

fn text_map(pairs: &[(String, String)]) -> Value {
    let mut m = MapData::default();
    for (k, v) in pairs {
        m.insert(Key::text(k), Value::text(v.clone()));
    }
    Value::new_map(m)
}

fn body_value(body: &str, headers: &[(String, String)]) -> Value {
    let is_form = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && v.contains("x-www-form-urlencoded")
    });
    if is_form {
        let pairs: Vec<(String, String)> = url_pairs(body);
        return text_map(&pairs);
    }
    crate::eval::response_value(
        crate::http::HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: body.to_string(),
        },
        false,
    )
}

fn url_pairs(s: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{s}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

pub fn requests(interp: &Interpreter) -> Value {
    let Some(client) = interp.http_client() else {
        return Value::new_list(Vec::new());
    };
    let mut out = Vec::new();
    for ex in client.exchanges() {
        let mut m = MapData::default();
        m.insert(Key::text("method"), Value::text(ex.method.clone()));
        m.insert(Key::text("url"), Value::text(ex.url.clone()));
        let query = reqwest::Url::parse(&ex.url)
            .map(|u| u.query_pairs().into_owned().collect::<Vec<_>>())
            .unwrap_or_default();
        m.insert(Key::text("query"), text_map(&query));
        m.insert(Key::text("headers"), text_map(&ex.headers));
        m.insert(
            Key::text("body"),
            ex.body
                .as_deref()
                .map_or(Value::Null, |b| body_value(b, &ex.headers)),
        );
        m.insert(
            Key::text("status"),
            ex.status.map_or(Value::Null, |s| Value::Int(s as i64)),
        );
        m.insert(
            Key::text("response"),
            ex.response_body
                .as_deref()
                .map_or(Value::Null, |b| body_value(b, &[])),
        );
        if let Some((code, message)) = &ex.error {
            m.insert(
                Key::text("error"),
                Value::text(format!("{code}: {message}")),
            );
        }
        if let Some(c) = &ex.connection {
            m.insert(Key::text("connection"), Value::text(c.clone()));
        }
        out.push(Value::new_map(m));
    }
    Value::new_list(out)
}

/// `tasks()`: the run's `zoho.*` task calls.
pub fn tasks(interp: &Interpreter) -> Value {
    let list = crate::natives::fixtures::task_calls(interp)
        .iter()
        .map(|t| {
            let mut m = MapData::default();
            m.insert(Key::text("service"), Value::text(t.service.clone()));
            m.insert(Key::text("name"), Value::text(t.name.clone()));
            m.insert(Key::text("args"), Value::new_list(t.args.clone()));
            m.insert(Key::text("answered_by"), Value::text(t.answered_by));
            if let Some(e) = &t.error {
                m.insert(Key::text("error"), Value::text(e.clone()));
            }
            Value::new_map(m)
        })
        .collect();
    Value::new_list(list)
}

/// `stubs()`: the helper calls `[[function]]` stubs answered.
pub fn stubs(interp: &Interpreter) -> Value {
    let list = crate::natives::fixtures::stubbed_calls(interp)
        .iter()
        .map(|f| {
            let mut m = MapData::default();
            m.insert(Key::text("name"), Value::text(f.name.clone()));
            m.insert(Key::text("args"), Value::new_list(f.args.clone()));
            Value::new_map(m)
        })
        .collect();
    Value::new_list(list)
}
