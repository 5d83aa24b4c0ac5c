//! Map keys. Deluge keys may be any value; text and numbers are by far the
//! most common, so those are stored directly and the rest by printed form.
//!
//! Short text keys (up to 22 bytes: ids, field names, codes) live inline in
//! the key, with no heap object: a map of a million such keys is one
//! allocation of entries plus the hash index, and comparing a key touches
//! only the entry itself. Longer text shares the `Rc` of the value it came
//! from. `Key` is 24 bytes.

use std::fmt;
use std::rc::Rc;

use super::Value;

/// Longest text stored inline.
const INLINE: usize = 22;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(Repr);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Repr {
    /// Text of at most `INLINE` bytes; bytes past `len` are zero, so the
    /// derived equality compares text.
    Small {
        len: u8,
        bytes: [u8; INLINE],
    },
    /// Longer text, shared with the value it came from (no copy on `put`).
    Text(Rc<String>),
    Int(i64),
    /// Booleans, decimals, dates, lists: kept by their printed form plus the
    /// original value so `keys()` returns what was put.
    Other(Rc<OtherKey>),
}

#[derive(Debug)]
struct OtherKey {
    printed: String,
    value: Value,
}

impl PartialEq for OtherKey {
    fn eq(&self, other: &Self) -> bool {
        self.printed == other.printed
    }
}
impl Eq for OtherKey {}

impl Key {
    pub fn from_value(v: &Value) -> Key {
        match v {
            Value::Text(s) if s.len() <= INLINE => Key::small(s),
            Value::Text(s) => Key(Repr::Text(s.clone())),
            Value::Int(i) => Key(Repr::Int(*i)),
            other => Key(Repr::Other(Rc::new(OtherKey {
                printed: other.to_display(),
                value: other.clone(),
            }))),
        }
    }

    fn small(s: &str) -> Key {
        let mut bytes = [0u8; INLINE];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Key(Repr::Small {
            len: s.len() as u8,
            bytes,
        })
    }

    pub fn text(s: &str) -> Key {
        if s.len() <= INLINE {
            Key::small(s)
        } else {
            Key(Repr::Text(Rc::new(s.to_string())))
        }
    }

    pub fn int(i: i64) -> Key {
        Key(Repr::Int(i))
    }

    /// The text of a text key.
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Small { len, bytes } => Some(small_str(*len, bytes)),
            Repr::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match &self.0 {
            Repr::Small { len, bytes } => Value::text(small_str(*len, bytes)),
            Repr::Text(s) => Value::Text(s.clone()),
            Repr::Int(i) => Value::Int(*i),
            Repr::Other(o) => o.value.clone(),
        }
    }

    /// The key as JSON object member name.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match &self.0 {
            Repr::Small { len, bytes } => std::borrow::Cow::Borrowed(small_str(*len, bytes)),
            Repr::Text(s) => std::borrow::Cow::Borrowed(s.as_str()),
            Repr::Int(i) => std::borrow::Cow::Owned(i.to_string()),
            Repr::Other(o) => std::borrow::Cow::Borrowed(&o.printed),
        }
    }

    fn key_ref(&self) -> Option<KeyRef<'_>> {
        match &self.0 {
            Repr::Small { len, bytes } => Some(KeyRef::Text(small_str(*len, bytes))),
            Repr::Text(s) => Some(KeyRef::Text(s.as_str())),
            Repr::Int(i) => Some(KeyRef::Int(*i)),
            Repr::Other(_) => None,
        }
    }
}

fn small_str(len: u8, bytes: &[u8; INLINE]) -> &str {
    let bytes = &bytes[..len as usize];
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: `Small` is only ever built by `Key::small` from a `&str` of
    // exactly `len` bytes, so the prefix is valid UTF-8. (Validating it
    // here was a visible cost of every hash and comparison.)
    unsafe { std::str::from_utf8_unchecked(bytes) }
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
        match (self.key_ref(), &self.0) {
            (Some(k), _) => k.hash(state),
            (None, Repr::Other(o)) => {
                2u8.hash(state);
                o.printed.as_str().hash(state);
            }
            (None, _) => {}
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
        match (self, &key.0) {
            (KeyRef::Text(a), Repr::Small { len, bytes }) => {
                a.len() == *len as usize && a.as_bytes() == &bytes[..a.len()]
            }
            (KeyRef::Text(a), Repr::Text(b)) => *a == b.as_str(),
            (KeyRef::Int(a), Repr::Int(b)) => a == b,
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
        let long = "a key longer than twenty-two bytes";
        for text in ["", "abc", "exactly-22-bytes-long!", long] {
            assert_eq!(
                state.hash_one(Key::text(text)),
                state.hash_one(KeyRef::Text(text)),
                "{text}"
            );
            assert_eq!(
                state.hash_one(Key::from_value(&Value::text(text))),
                state.hash_one(KeyRef::Text(text))
            );
        }
        assert_eq!(state.hash_one(Key::int(7)), state.hash_one(KeyRef::Int(7)));
        let mut map = indexmap::IndexMap::new();
        map.insert(Key::text("id"), 1);
        map.insert(Key::int(2), 2);
        map.insert(Key::from_value(&Value::text(long)), 3);
        assert_eq!(map.get(&KeyRef::Text("id")), Some(&1));
        assert_eq!(map.get(&KeyRef::Int(2)), Some(&2));
        assert_eq!(map.get(&KeyRef::Text("2")), None);
        assert_eq!(map.get(&KeyRef::Text(long)), Some(&3));
        assert_eq!(map.get(&KeyRef::Text("i")), None);
        assert_eq!(map.get(&Key::text(long)), Some(&3));
    }

    #[test]
    fn short_text_keys_are_inline_and_round_trip() {
        assert_eq!(std::mem::size_of::<Key>(), 24);
        for text in ["", "é", "exactly-22-bytes-long!", "twenty-three bytes long"] {
            let key = Key::from_value(&Value::text(text));
            assert_eq!(key.as_str(), Some(text));
            assert_eq!(key.to_value().as_str(), Some(text));
            assert_eq!(key, Key::text(text));
        }
        assert!(matches!(Key::text("short").0, Repr::Small { .. }));
        assert!(matches!(
            Key::text("twenty-three bytes long").0,
            Repr::Text(_)
        ));
        let date = Value::Bool(true);
        let key = Key::from_value(&date);
        assert_eq!(key.as_text(), "true");
        assert!(matches!(key.to_value(), Value::Bool(true)));
        assert_ne!(key, Key::text("true"));
    }
}
