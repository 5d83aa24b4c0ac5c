//! Runtime values. Lists and maps are shared by reference (`Rc<RefCell<…>>`),
//! as in Deluge where `b = a; b.add(1);` changes `a` too. Text is an
//! `Rc<String>` so `s = s + x` can append in place when `s` is the only owner.

pub mod date;
mod display;
mod json;
mod key;
mod map;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::rc::Rc;

use chrono::NaiveDateTime;

pub use display::{DEFAULT_DATE_FORMAT, DEFAULT_DATETIME_FORMAT, format_decimal};
pub use json::{from_json, parse_json_lenient, to_json};
pub use key::{Key, KeyRef};

pub type List = Rc<RefCell<Vec<Value>>>;
pub use map::MapData;
pub type Map = Rc<RefCell<MapData>>;

/// A date-time value. `has_time` is false for values that came from
/// `toDate()` or `zoho.currentdate`, which print without a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub at: NaiveDateTime,
    pub has_time: bool,
}

/// What a `catch (e)` variable holds.
#[derive(Debug)]
pub struct ErrorInfo {
    pub message: String,
    pub line: i64,
}

// A whole-word tag: every payload then sits at offset 8, and a `Value`
// (and `RtResult<Value>`, through the tag's niche) moves as two aligned
// words. With a byte tag, `Bool` put its payload at offset 1 and each move
// copied bytes 1..8 with overlapping unaligned loads that stalled on the
// preceding byte stores (fib spent most of its time there).
#[repr(u64)]
#[derive(Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Decimal(f64),
    Text(Rc<String>),
    /// Shared, so that `Value` stays two words (a date is 16 bytes).
    Date(Rc<DateTime>),
    List(List),
    Map(Map),
    Error(Rc<ErrorInfo>),
}

impl Clone for Value {
    /// Numbers, booleans and null (most values in hot code) copy as two
    /// words without the per-variant dispatch a derived `clone` does.
    #[inline(always)]
    fn clone(&self) -> Self {
        match self {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Decimal(_) => {
                // SAFETY: these variants own nothing, so a bitwise copy is
                // a valid, independent value.
                unsafe { std::ptr::read(self) }
            }
            _ => self.clone_shared(),
        }
    }
}

impl Value {
    /// The reference-counted variants: one more owner of the same object.
    #[inline]
    fn clone_shared(&self) -> Self {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(n) => Value::Int(*n),
            Value::Decimal(d) => Value::Decimal(*d),
            Value::Text(t) => Value::Text(t.clone()),
            Value::Date(d) => Value::Date(d.clone()),
            Value::List(l) => Value::List(l.clone()),
            Value::Map(m) => Value::Map(m.clone()),
            Value::Error(e) => Value::Error(e.clone()),
        }
    }
}

/// Type names as Deluge's error messages spell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeTag {
    Null,
    Bool,
    Int,
    Decimal,
    Text,
    Date,
    List,
    Map,
    Error,
}

impl TypeTag {
    pub fn deluge_name(self) -> &'static str {
        match self {
            TypeTag::Null => "NULL",
            TypeTag::Bool => "BOOLEAN",
            TypeTag::Int => "BIGINT",
            TypeTag::Decimal => "DECIMAL",
            TypeTag::Text => "STRING",
            TypeTag::Date => "TIMESTAMP",
            TypeTag::List => "LIST",
            TypeTag::Map => "KEY-VALUE",
            TypeTag::Error => "ERROR",
        }
    }

    /// Short lower-case name used by `dlg builtins` and `:type`.
    pub fn short_name(self) -> &'static str {
        match self {
            TypeTag::Null => "null",
            TypeTag::Bool => "bool",
            TypeTag::Int => "number",
            TypeTag::Decimal => "decimal",
            TypeTag::Text => "text",
            TypeTag::Date => "date",
            TypeTag::List => "list",
            TypeTag::Map => "map",
            TypeTag::Error => "error",
        }
    }
}

impl Value {
    pub fn date(d: DateTime) -> Value {
        Value::Date(Rc::new(d))
    }

    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Rc::new(s.into()))
    }

    pub fn new_list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn new_map(entries: MapData) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    pub fn empty_map() -> Value {
        Value::new_map(MapData::default())
    }

    pub fn type_tag(&self) -> TypeTag {
        match self {
            Value::Null => TypeTag::Null,
            Value::Bool(_) => TypeTag::Bool,
            Value::Int(_) => TypeTag::Int,
            Value::Decimal(_) => TypeTag::Decimal,
            Value::Text(_) => TypeTag::Text,
            Value::Date(_) => TypeTag::Date,
            Value::List(_) => TypeTag::List,
            Value::Map(_) => TypeTag::Map,
            Value::Error(_) => TypeTag::Error,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// Deluge truthiness for conditions: only booleans are meaningful; null
    /// is false, and a text "true" counts as true (values read from JSON).
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Null => Some(false),
            Value::Text(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Text(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// Append the printed form to `out` (no intermediate allocation).
    pub fn write_display(&self, out: &mut String) {
        display::write_display(self, out);
    }

    /// Printed form, as `info` and `toString()` show it.
    pub fn to_display(&self) -> String {
        let mut out = String::new();
        display::write_display(self, &mut out);
        out
    }
}

/// Address of a list's or map's storage (identity), `None` for scalars.
fn collection_id(v: &Value) -> Option<*const ()> {
    match v {
        Value::List(l) => Some(Rc::as_ptr(l) as *const ()),
        Value::Map(m) => Some(Rc::as_ptr(m) as *const ()),
        _ => None,
    }
}

/// Would storing `item` inside `container` make a value that contains
/// itself (`l.add(l)`, `m.put("k", m)`, or through nested lists and maps)?
/// Every insertion into a list or map asks this first, so no value is ever
/// cyclic and every recursive walk (printing, `==`, sort, JSON) ends.
/// Scalars answer at once; a collection is walked once (iteratively, each
/// shared sub-collection visited once).
pub fn would_contain_itself(container: &Value, item: &Value) -> bool {
    let (Some(target), Some(_)) = (collection_id(container), collection_id(item)) else {
        return false;
    };
    let mut seen = rustc_hash::FxHashSet::default();
    let mut stack = vec![item.clone()];
    while let Some(v) = stack.pop() {
        let Some(id) = collection_id(&v) else {
            continue;
        };
        if id == target {
            return true;
        }
        if !seen.insert(id) {
            continue;
        }
        match &v {
            Value::List(l) => stack.extend(
                l.borrow()
                    .iter()
                    .filter(|x| matches!(x, Value::List(_) | Value::Map(_)))
                    .cloned(),
            ),
            Value::Map(m) => stack.extend(
                m.borrow()
                    .values()
                    .filter(|x| matches!(x, Value::List(_) | Value::Map(_)))
                    .cloned(),
            ),
            _ => {}
        }
    }
    false
}

/// A map's entries as text pairs (headers, query and form parameters).
pub fn text_pairs(map: &Map) -> Vec<(String, String)> {
    map.borrow()
        .iter()
        .map(|(k, v)| (k.as_text().into_owned(), v.to_display()))
        .collect()
}

/// Structural equality as `==` sees it: numbers compare by value across
/// Number/Decimal, text case-sensitively, lists and maps element-wise.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(x), Value::Decimal(y)) | (Value::Decimal(y), Value::Int(x)) => {
            (*x as f64) == *y
        }
        (Value::Decimal(x), Value::Decimal(y)) => x == y,
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x.at == y.at,
        (Value::List(x), Value::List(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| values_equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (Value::Error(x), Value::Error(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// Ordering for `<`, `>` and `sort()`: numbers by value, text by code
/// point, dates chronologically. Other pairs are not comparable.
pub fn compare_values(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Decimal(y)) => (*x as f64).partial_cmp(y),
        (Value::Decimal(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Decimal(x), Value::Decimal(y)) => x.partial_cmp(y),
        (Value::Text(x), Value::Text(y)) => Some(x.as_str().cmp(y.as_str())),
        (Value::Date(x), Value::Date(y)) => Some(x.at.cmp(&y.at)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}
