//! Map keys. Deluge keys may be any value; text and numbers are by far the
//! most common, so those are stored directly and the rest by printed form.

use std::fmt;
use std::rc::Rc;

use super::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// Shares the text of the value it came from (no copy on `put`).
    Text(Rc<String>),
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
            Value::Text(s) => Key::Text(s.clone()),
            Value::Int(i) => Key::Int(*i),
            other => Key::Other(Rc::from(other.to_display()), OrigValue(other.clone())),
        }
    }

    pub fn text(s: &str) -> Key {
        Key::Text(Rc::new(s.to_string()))
    }

    pub fn to_value(&self) -> Value {
        match self {
            Key::Text(s) => Value::Text(s.clone()),
            Key::Int(i) => Value::Int(*i),
            Key::Other(_, v) => v.0.clone(),
        }
    }

    /// The key as JSON object member name.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Key::Text(s) => std::borrow::Cow::Borrowed(s.as_str()),
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

// Hash by a tag byte and the payload, identically for `Key` and `KeyRef`,
// so maps can be searched with a borrowed key (no allocation per `get`).
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Key::Text(s) => KeyRef::Text(s.as_str()).hash(state),
            Key::Int(i) => KeyRef::Int(*i).hash(state),
            Key::Other(s, _) => {
                2u8.hash(state);
                s.as_ref().hash(state);
            }
        }
    }
}

/// A borrowed map key for lookups.
#[derive(Clone, Copy, Debug)]
pub enum KeyRef<'a> {
    Text(&'a str),
    Int(i64),
}

impl std::hash::Hash for KeyRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            KeyRef::Text(s) => {
                0u8.hash(state);
                s.hash(state);
            }
            KeyRef::Int(i) => {
                1u8.hash(state);
                i.hash(state);
            }
        }
    }
}

impl indexmap::Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        match (self, key) {
            (KeyRef::Text(a), Key::Text(b)) => *a == b.as_str(),
            (KeyRef::Int(a), Key::Int(b)) => a == b,
            _ => false,
        }
    }
}

impl<'a> KeyRef<'a> {
    /// The borrowed form of a text or number value; other values have none.
    pub fn of(v: &'a Value) -> Option<KeyRef<'a>> {
        match v {
            Value::Text(s) => Some(KeyRef::Text(s.as_str())),
            Value::Int(i) => Some(KeyRef::Int(*i)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, RandomState};

    #[test]
    fn borrowed_and_owned_keys_hash_alike() {
        let state = RandomState::new();
        assert_eq!(
            state.hash_one(Key::text("abc")),
            state.hash_one(KeyRef::Text("abc"))
        );
        assert_eq!(state.hash_one(Key::Int(7)), state.hash_one(KeyRef::Int(7)));
        let mut map = indexmap::IndexMap::new();
        map.insert(Key::text("id"), 1);
        map.insert(Key::Int(2), 2);
        assert_eq!(map.get(&KeyRef::Text("id")), Some(&1));
        assert_eq!(map.get(&KeyRef::Int(2)), Some(&2));
        assert_eq!(map.get(&KeyRef::Text("2")), None);
    }
}
