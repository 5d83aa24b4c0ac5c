//! Map keys. Deluge keys may be any value; text and numbers are by far the
//! most common, so those are stored directly and the rest by printed form.

use std::fmt;
use std::rc::Rc;

use super::Value;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Text(Rc<str>),
    Int(i64),
    /// Booleans, decimals, dates, lists: kept by their printed form plus the
    /// original value so `keys()` returns what was put.
    Other(Rc<str>, OrigValue),
}

/// Wrapper that keeps the original value of an `Other` key without taking
/// part in hashing or equality.
#[derive(Clone, Debug)]
pub struct OrigValue(pub Value);

impl PartialEq for OrigValue {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for OrigValue {}
impl std::hash::Hash for OrigValue {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Key {
    pub fn from_value(v: &Value) -> Key {
        match v {
            Value::Text(s) => Key::Text(Rc::from(s.as_str())),
            Value::Int(i) => Key::Int(*i),
            other => Key::Other(Rc::from(other.to_display()), OrigValue(other.clone())),
        }
    }

    pub fn text(s: &str) -> Key {
        Key::Text(Rc::from(s))
    }

    pub fn to_value(&self) -> Value {
        match self {
            Key::Text(s) => Value::text(s.to_string()),
            Key::Int(i) => Value::Int(*i),
            Key::Other(_, v) => v.0.clone(),
        }
    }

    /// The key as JSON object member name.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Key::Text(s) => std::borrow::Cow::Borrowed(s),
            Key::Int(i) => std::borrow::Cow::Owned(i.to_string()),
            Key::Other(s, _) => std::borrow::Cow::Borrowed(s),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}
