//! Built-in functions and methods, registered in one table per type.
//! Names match without regard to case (`toString`, `tostring`). A method
//! call `x.f(a)` dispatches on the receiver's type, then falls back to the
//! `any` table; most methods also work as free functions (`f(x, a)`).

pub mod common;
pub mod date;
pub mod docs;
pub mod encoding;
pub mod json;
pub mod list;
pub mod map;
pub mod number;
pub mod ops;
pub mod text;
pub mod web;
pub mod xml;

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::error::{RtError, RtResult};
use crate::value::Value;

/// What the few built-ins that need the running script ask of it: the time
/// zone, the clock and HTTP. The interpreter implements it; every built-in
/// receives it (a pointer, no call) and most ignore it, so the built-ins do
/// not depend on the interpreter.
pub trait Host {
    /// The run's time zone (`--tz`, dlg.toml, `$TZ`).
    fn tz(&self) -> chrono_tz::Tz;
    /// The current wall time in that zone (fixed by `--now` in tests).
    fn now(&self) -> chrono::NaiveDateTime;
    /// Today at midnight, as a date without time.
    fn today(&self) -> crate::value::DateTime;
    /// Send a request through the run's HTTP client (mocks, connections, trace).
    fn send_http(&mut self, req: crate::http::HttpRequest) -> RtResult<crate::http::HttpResponse>;
}

pub type MethodFn = fn(&mut dyn Host, &Value, &[Value]) -> RtResult<Value>;
pub type FuncFn = fn(&mut dyn Host, &[Value]) -> RtResult<Value>;

/// Receiver families a method can be registered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recv {
    Text = 0,
    Number = 1,
    List = 2,
    Map = 3,
    Date = 4,
    /// Any value, null included.
    Any = 5,
}

impl Recv {
    pub fn name(self) -> &'static str {
        match self {
            Recv::Text => "text",
            Recv::Number => "number",
            Recv::List => "list",
            Recv::Map => "map",
            Recv::Date => "date",
            Recv::Any => "any",
        }
    }

    fn of(v: &Value) -> Option<Recv> {
        Some(match v {
            Value::Text(_) => Recv::Text,
            Value::Int(_) | Value::Decimal(_) => Recv::Number,
            Value::List(_) => Recv::List,
            Value::Map(_) => Recv::Map,
            Value::Date(_) => Recv::Date,
            _ => return None,
        })
    }
}

pub struct MethodDef {
    pub recv: Recv,
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub f: MethodFn,
}

pub struct FunctionDef {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub f: FuncFn,
}

pub const fn method(
    recv: Recv,
    name: &'static str,
    min: usize,
    max: usize,
    f: MethodFn,
) -> MethodDef {
    MethodDef {
        recv,
        name,
        min,
        max,
        f,
    }
}

pub const fn func(name: &'static str, min: usize, max: usize, f: FuncFn) -> FunctionDef {
    FunctionDef { name, min, max, f }
}

struct Registry {
    /// Method names as first registered (original case), in table order.
    names: Vec<&'static str>,
    /// Indexed by [`crate::syntax::names::method_id`].
    by_id: Vec<[Option<&'static MethodDef>; 6]>,
    functions: HashMap<String, &'static FunctionDef>,
}

/// Every method of every receiver table, in registration order.
pub fn all_methods() -> impl Iterator<Item = &'static MethodDef> {
    text::METHODS
        .iter()
        .chain(number::METHODS)
        .chain(list::METHODS)
        .chain(map::METHODS)
        .chain(date::METHODS)
        .chain(json::METHODS)
        .chain(common::METHODS)
        .chain(encoding::METHODS)
        .chain(xml::METHODS)
}
/// Every free function, in registration order.
pub fn all_functions() -> impl Iterator<Item = &'static FunctionDef> {
    common::FUNCTIONS
        .iter()
        .chain(number::FUNCTIONS)
        .chain(text::FUNCTIONS)
        .chain(list::FUNCTIONS)
        .chain(map::FUNCTIONS)
        .chain(date::FUNCTIONS)
        .chain(json::FUNCTIONS)
        .chain(encoding::FUNCTIONS)
        .chain(web::FUNCTIONS)
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut reg = Registry {
        names: Vec::new(),
        by_id: vec![[None; 6]; crate::syntax::names::METHOD_NAMES.len()],
        functions: HashMap::new(),
    };
    for m in all_methods() {
        let lname = m.name.to_ascii_lowercase();
        // A name missing from the list is caught by the tests below; such
        // a method could never be called (the parser gives it no id).
        let Some(id) = crate::syntax::names::method_id(&lname) else {
            continue;
        };
        let row = &mut reg.by_id[id as usize];
        if row.iter().all(Option::is_none) {
            reg.names.push(m.name);
        }
        let slot = &mut row[m.recv as usize];
        if slot.is_none() {
            *slot = Some(m);
        }
    }
    for f in all_functions() {
        reg.functions
            .entry(f.name.to_ascii_lowercase())
            .or_insert(f);
    }
    reg
});

/// Id of a method name (lower-case), resolved once while parsing.
pub fn method_id(lname: &str) -> Option<u16> {
    crate::syntax::names::method_id(lname)
}

pub fn function(lname: &str) -> Option<&'static FunctionDef> {
    REGISTRY.functions.get(lname).copied()
}

pub fn function_names() -> impl Iterator<Item = &'static str> {
    REGISTRY.functions.values().map(|f| f.name)
}

pub fn method_names() -> impl Iterator<Item = &'static str> {
    REGISTRY.names.iter().copied()
}

/// The method a receiver would use, if any.
pub fn method_for(recv: &Value, id: u16) -> Option<&'static MethodDef> {
    let row = REGISTRY.by_id.get(id as usize)?;
    Recv::of(recv)
        .and_then(|r| row[r as usize])
        .or(row[Recv::Any as usize])
}

/// Methods available on a value (REPL completion).
pub fn methods_of(recv: Option<&Value>) -> Vec<&'static str> {
    method_names_where(|m| match recv {
        None => true,
        Some(v) => m.recv == Recv::Any || Recv::of(v) == Some(m.recv),
    })
}

/// Methods a receiver type offers (its table's and `any`'s); every method
/// for `None` (editor completion on a value of unknown type).
pub fn methods_for_type(recv: Option<Recv>) -> Vec<&'static str> {
    method_names_where(|m| recv.is_none_or(|r| m.recv == r || m.recv == Recv::Any))
}

fn method_names_where(keep: impl Fn(&MethodDef) -> bool) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = all_methods().filter(|m| keep(m)).map(|m| m.name).collect();
    out.sort_unstable_by_key(|n| n.to_ascii_lowercase());
    out.dedup();
    out
}

/// Every builtin as `dlg builtins` prints it: `<type>.<name>` for methods,
/// the bare name for free functions.
pub fn listing() -> Vec<String> {
    let mut out: Vec<String> = all_methods()
        .map(|m| format!("{}.{}", m.recv.name(), m.name))
        .chain(all_functions().map(|f| f.name.to_string()))
        // Methods every value has are also called as free functions
        // (`isNull(x)`, `toString(x)`).
        .chain(
            all_methods()
                .filter(|m| m.recv == Recv::Any)
                .map(|m| m.name.to_string()),
        )
        .collect();
    out.sort_by_key(|s| s.to_ascii_lowercase());
    out.dedup();
    out
}

pub fn check_arity(name: &str, min: usize, max: usize, got: usize) -> RtResult<()> {
    if got < min || got > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(RtError::runtime(format!(
            "'{name}' takes {expected} argument{}, but {got} {} given",
            if max == 1 && min == 1 { "" } else { "s" },
            if got == 1 { "was" } else { "were" }
        )));
    }
    Ok(())
}

pub fn call_method(
    interp: &mut dyn Host,
    recv: &Value,
    name: &str,
    id: Option<u16>,
    args: &[Value],
) -> RtResult<Value> {
    let def = id.and_then(|id| method_for(recv, id));
    let Some(def) = def else {
        if recv.is_null() && id.is_some() {
            return Err(
                RtError::runtime(format!("cannot call '{name}' on a null value"))
                    .with_help("the value is null: check it with isNull() or ifnull() first"),
            );
        }
        if id.is_some() {
            return Err(RtError::runtime(format!(
                "'{name}' is not a function of {}",
                recv.type_tag().deluge_name()
            ))
            .with_help(format!(
                "{} values offer: {}",
                recv.type_tag().short_name(),
                methods_of(Some(recv)).join(", ")
            )));
        }
        return Err(unknown_method(name, recv));
    };
    check_arity(name, def.min, def.max, args.len())?;
    (def.f)(interp, recv, args)
}

/// Error for `x.unknownMethod()`, with a did-you-mean over known methods.
pub fn unknown_method(name: &str, recv: &Value) -> RtError {
    let candidates = methods_of(Some(recv));
    let err = RtError::new(
        crate::code::Code::DelugeUnknownFunction,
        format!(
            "'{name}' is not a known function of {}",
            recv.type_tag().deluge_name()
        ),
    );
    match crate::diag::did_you_mean(name, candidates.iter().copied()) {
        Some(h) => err.with_help(format!("did you mean `{h}`?")),
        None => err.with_help("`dlg builtins` lists every supported function"),
    }
}

// ----------------------------------------------------------- arg helpers

pub(crate) fn bad_arg(fname: &str, index: usize, expected: &str, got: &Value) -> RtError {
    RtError::runtime(format!(
        "argument {} of '{fname}' must be {expected}, found {}",
        index + 1,
        got.type_tag().deluge_name()
    ))
}

pub(crate) fn arg_text<'a>(
    args: &'a [Value],
    i: usize,
    fname: &str,
) -> RtResult<std::borrow::Cow<'a, str>> {
    match args.get(i) {
        Some(Value::Text(s)) => Ok(std::borrow::Cow::Borrowed(s.as_str())),
        Some(Value::Null) | None => Err(RtError::runtime(format!(
            "argument {} of '{fname}' is null",
            i + 1
        ))),
        Some(other) => Ok(std::borrow::Cow::Owned(other.to_display())),
    }
}

pub(crate) fn arg_int(args: &[Value], i: usize, fname: &str) -> RtResult<i64> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Decimal(d)) => Ok(d.trunc() as i64),
        Some(Value::Text(s)) => s.trim().parse::<i64>().map_err(|_| {
            RtError::runtime(format!(
                "argument {} of '{fname}' must be a number, found \"{s}\"",
                i + 1
            ))
        }),
        Some(other) => Err(bad_arg(fname, i, "a NUMBER", other)),
        None => Err(RtError::runtime(format!(
            "'{fname}' needs argument {}",
            i + 1
        ))),
    }
}

pub(crate) fn arg_bool(args: &[Value], i: usize, default: bool) -> bool {
    args.get(i).and_then(|v| v.truthy()).unwrap_or(default)
}

pub(crate) fn text(s: impl Into<String>) -> Value {
    Value::text(s)
}

/// Refuse to store `item` inside `container` when that would make a list or
/// map contain itself (see [`crate::value::would_contain_itself`]).
pub(crate) fn guard_cycle(container: &Value, item: &Value, method: &str) -> RtResult<()> {
    if crate::value::would_contain_itself(container, item) {
        let what = container.type_tag().deluge_name();
        return Err(RtError::runtime(format!(
            "{method}() would make this {what} contain itself; a list or map cannot contain itself, directly or through another list or map"
        ))
        .with_help("store a copy instead, e.g. `l.add(l.duplicate())` or `m.put(\"k\", Map(m))`"));
    }
    Ok(())
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    /// `crate::syntax::names::METHOD_NAMES` and the tables name the same
    /// methods: a new built-in must be added to the list (the parser gives
    /// ids from it), a removed one taken out.
    #[test]
    fn the_parser_name_list_matches_the_tables() {
        let mut table: Vec<String> = all_methods().map(|m| m.name.to_ascii_lowercase()).collect();
        table.sort();
        table.dedup();
        let list: Vec<&str> = crate::syntax::names::METHOD_NAMES.to_vec();
        let missing: Vec<&String> = table
            .iter()
            .filter(|n| !list.contains(&n.as_str()))
            .collect();
        let extra: Vec<&&str> = list
            .iter()
            .filter(|n| !table.iter().any(|t| t == *n))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "add to src/syntax/names.rs: {missing:?}; remove from it: {extra:?}"
        );
    }
}

#[cfg(test)]
mod host_tests {
    use super::*;
    use crate::http::{HttpRequest, HttpResponse};

    /// A host that is not the interpreter: fixed clock and zone, canned HTTP.
    struct Fake {
        sent: Vec<String>,
    }

    impl Host for Fake {
        fn tz(&self) -> chrono_tz::Tz {
            chrono_tz::Asia::Kolkata
        }
        fn now(&self) -> chrono::NaiveDateTime {
            chrono::NaiveDate::from_ymd_opt(2024, 1, 15)
                .unwrap()
                .and_hms_opt(10, 30, 0)
                .unwrap()
        }
        fn today(&self) -> crate::value::DateTime {
            crate::value::DateTime {
                at: self.now().date().and_hms_opt(0, 0, 0).unwrap(),
                has_time: false,
            }
        }
        fn send_http(&mut self, req: HttpRequest) -> RtResult<HttpResponse> {
            self.sent.push(format!("{} {}", req.method, req.url));
            Ok(HttpResponse {
                status: 200,
                headers: Vec::new(),
                body: "{\"ok\":true}".into(),
            })
        }
    }

    #[test]
    fn built_ins_run_against_any_host() {
        let mut host = Fake { sent: Vec::new() };
        let today = function("today").unwrap();
        let v = (today.f)(&mut host, &[]).unwrap();
        assert_eq!(v.to_display(), "15-Jan-2024");
        let get = function("geturl").unwrap();
        let v = (get.f)(&mut host, &[Value::text("https://example.com/x")]).unwrap();
        assert_eq!(host.sent, ["GET https://example.com/x"]);
        assert_eq!(v.to_display(), "{\"ok\":true}");
        // A method that never asks the host.
        let id = method_id("length").unwrap();
        let def = method_for(&Value::text("abc"), id).unwrap();
        assert_eq!(
            (def.f)(&mut host, &Value::text("abc"), &[])
                .unwrap()
                .to_display(),
            "3"
        );
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    /// One row per name and receiver: a second row would be silently
    /// shadowed by the first (the registry keeps the first it sees).
    #[test]
    fn no_built_in_is_registered_twice() {
        let mut seen = std::collections::HashSet::new();
        let mut dups = Vec::new();
        for m in all_methods() {
            if !seen.insert((m.recv as usize, m.name.to_ascii_lowercase())) {
                dups.push(format!("{}.{}", m.recv.name(), m.name));
            }
        }
        let mut fseen = std::collections::HashSet::new();
        for f in all_functions() {
            if !fseen.insert(f.name.to_ascii_lowercase()) {
                dups.push(f.name.to_string());
            }
        }
        assert!(dups.is_empty(), "registered twice: {dups:?}");
    }
}
