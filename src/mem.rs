//! Memory limits: the size of any one value (text length, collection size)
//! and the total live heap of the process (`--max-memory`). Exceeding one
//! is a `deluge::limit` error raised by the value operation that would grow
//! past it (text concatenation, `add`, `put`, `leftpad`, ...), never an
//! allocation failure that aborts the process.
//!
//! The live heap is measured by [`CountingAlloc`], the binary's global
//! allocator (one relaxed atomic add per allocation). Without it (the
//! library inside another program) only the per-value limits apply.
//! Every check is O(1): a comparison, or a load and a comparison.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

/// Default `--max-memory`: 1 GiB of live heap (the 1M-entry map benchmark
/// peaks below 200 MB).
pub const DEFAULT_MAX_MEMORY: usize = 1024 * 1024 * 1024;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);
static MAX_MEMORY: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_MEMORY);

/// Global allocator that keeps a count of live heap bytes.
pub struct CountingAlloc;

unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                LIVE.fetch_add(new_size - layout.size(), Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

/// Called by the binary, whose global allocator is [`CountingAlloc`].
pub fn enable_counting() {
    COUNTING.store(true, Relaxed);
}

/// Set the limit on live memory (bytes); at least 16 MB.
pub fn set_max_memory(bytes: usize) {
    MAX_MEMORY.store(bytes.max(16 * 1024 * 1024), Relaxed);
}

pub fn max_memory() -> usize {
    MAX_MEMORY.load(Relaxed)
}

/// Live heap bytes (0 when not counted).
pub fn live() -> usize {
    if COUNTING.load(Relaxed) {
        LIVE.load(Relaxed)
    } else {
        0
    }
}

/// Which limit was hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// A text would be longer than this many bytes.
    Text { len: usize, max: usize },
    /// A list or map would hold more elements than this.
    Items { len: usize, max: usize },
    /// The process would use more live memory than `--max-memory`.
    Memory { max: usize },
}

impl Exceeded {
    pub fn message(&self) -> String {
        let mb = |b: usize| b / (1024 * 1024);
        match self {
            Exceeded::Text { len, max } => format!(
                "text too long: {len} bytes is more than the {max}-byte limit for one text value"
            ),
            Exceeded::Items { len, max } => format!(
                "collection too large: {len} elements is more than the {max}-element limit for one list or map"
            ),
            Exceeded::Memory { max } => {
                format!("out of memory: the script uses more than {} MB", mb(*max))
            }
        }
    }

    pub fn help(&self) -> &'static str {
        "a value grows without bound (e.g. `s = s + s` in a loop); raise the limit with --max-memory MB if the data really is this large"
    }
}

/// Largest text value: a quarter of `--max-memory`.
#[inline]
pub fn max_text() -> usize {
    max_memory() / 4
}

/// Most elements of one list or map: `--max-memory` / 64.
#[inline]
pub fn max_items() -> usize {
    max_memory() / 64
}

/// May a text of `len` bytes be built (and `len` more bytes allocated)?
#[inline]
pub fn check_text(len: usize) -> Result<(), Exceeded> {
    let max = max_text();
    if len > max {
        return Err(Exceeded::Text { len, max });
    }
    check_alloc(len)
}

/// May a list or map grow to `len` elements?
#[inline]
pub fn check_items(len: usize) -> Result<(), Exceeded> {
    let max = max_items();
    if len > max {
        return Err(Exceeded::Items { len, max });
    }
    // Growth doubles the buffer: check room for roughly one more copy.
    if len.is_power_of_two() {
        check_alloc(len.saturating_mul(32))?;
    }
    Ok(())
}

/// May `extra` more bytes be allocated under `--max-memory`?
#[inline]
pub fn check_alloc(extra: usize) -> Result<(), Exceeded> {
    let max = max_memory();
    if live().saturating_add(extra) > max {
        return Err(Exceeded::Memory { max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_value_limits_follow_max_memory() {
        assert!(check_text(10).is_ok());
        assert!(matches!(
            check_text(max_text() + 1),
            Err(Exceeded::Text { .. })
        ));
        assert!(matches!(
            check_items(max_items() + 1),
            Err(Exceeded::Items { .. })
        ));
        assert!(check_items(1000).is_ok());
    }
}
