//! Map storage: insertion-ordered entries (`indexmap`) hashed with FxHash,
//! plus a lookup hint.
//!
//! Keys are script data, not attacker-chosen network input, and Fx is
//! several times faster than SipHash. The hint is the position after the
//! last entry found: scripts very often read a map in its own order
//! (`for each k in m.keys() { … m.get(k) … }`), and then the next lookup's
//! entry is the hinted one, which is checked by one key comparison before
//! any hashing. For a large map this saves the two cache misses of a
//! hash-table probe (control bytes, then index slot); a wrong hint costs
//! one comparison against an entry next to the one just read.

use std::cell::Cell;
use std::hash::Hash;
use std::ops::{Deref, DerefMut};

use indexmap::{Equivalent, IndexMap};

use super::{Key, Value};

type Entries = IndexMap<Key, Value, rustc_hash::FxBuildHasher>;

#[derive(Default)]
pub struct MapData {
    entries: Entries,
    /// Where the next lookup looks first (never trusted: always compared).
    hint: Cell<usize>,
}

impl MapData {
    pub fn with_capacity(n: usize) -> MapData {
        MapData {
            entries: Entries::with_capacity_and_hasher(n, Default::default()),
            hint: Cell::new(0),
        }
    }

    /// The entry for `key`, trying the hinted position first.
    #[inline]
    pub fn find<Q>(&self, key: &Q) -> Option<(&Key, &Value)>
    where
        Q: ?Sized + Hash + Equivalent<Key>,
    {
        let at = self.hint.get();
        if let Some((k, v)) = self.entries.get_index(at)
            && key.equivalent(k)
        {
            self.hint.set(at + 1);
            return Some((k, v));
        }
        let (at, k, v) = self.entries.get_full(key)?;
        self.hint.set(at + 1);
        Some((k, v))
    }
}

impl Deref for MapData {
    type Target = Entries;
    fn deref(&self) -> &Entries {
        &self.entries
    }
}

impl DerefMut for MapData {
    fn deref_mut(&mut self) -> &mut Entries {
        &mut self.entries
    }
}

impl Clone for MapData {
    fn clone(&self) -> MapData {
        MapData {
            entries: self.entries.clone(),
            hint: Cell::new(0),
        }
    }
}

impl std::fmt::Debug for MapData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.entries.fmt(f)
    }
}

impl FromIterator<(Key, Value)> for MapData {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> MapData {
        MapData {
            entries: iter.into_iter().collect(),
            hint: Cell::new(0),
        }
    }
}

impl<'a> IntoIterator for &'a MapData {
    type Item = (&'a Key, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, Key, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl IntoIterator for MapData {
    type Item = (Key, Value);
    type IntoIter = indexmap::map::IntoIter<Key, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::KeyRef;

    fn map(n: i64) -> MapData {
        (0..n)
            .map(|i| (Key::text(&format!("k{i}")), Value::Int(i)))
            .collect()
    }

    #[test]
    fn lookups_in_order_and_out_of_order_find_the_same_entries() {
        let m = map(100);
        for i in (0..100).chain((0..100).rev()).chain([5, 5, 99, 0, 42]) {
            let (k, v) = m.find(&KeyRef::Text(&format!("k{i}"))).expect("present");
            assert_eq!(k.as_str(), Some(format!("k{i}").as_str()));
            assert!(matches!(v, Value::Int(x) if *x == i));
        }
        assert!(m.find(&KeyRef::Text("k100")).is_none());
        assert!(m.find(&KeyRef::Int(3)).is_none());
    }

    #[test]
    fn a_stale_hint_after_removal_or_insertion_is_only_a_guess() {
        let mut m = map(10);
        assert!(m.find(&KeyRef::Text("k3")).is_some()); // hint -> 4
        m.shift_remove(&KeyRef::Text("k4"));
        // Position 4 now holds k5: the hint must not answer for k4.
        assert!(m.find(&KeyRef::Text("k4")).is_none());
        assert!(m.find(&KeyRef::Text("k9")).is_some()); // hint -> 9 (past the end)
        m.clear();
        assert!(m.find(&KeyRef::Text("k9")).is_none());
        m.insert(Key::int(1), Value::Null);
        assert!(m.find(&KeyRef::Int(1)).is_some());
        assert!(m.find(&KeyRef::Int(1)).is_some());
    }
}
