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

/// Blocks at least this large go to the system allocator, smaller ones to
/// mimalloc. mimalloc is much faster for the many small, short-lived
/// objects of map- and text-heavy scripts (texts, keys, list cells); glibc
/// grows a large block in place with `mremap`, where mimalloc copies it and
/// keeps the old pages a while, which raised peak memory by half on the
/// 1M-entry map benchmark. A block's layout (so its size class) is the same
/// at allocation and deallocation, so each block is freed by its owner.
const LARGE: usize = 64 * 1024;

static SMALL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[inline(always)]
fn is_large(size: usize) -> bool {
    size >= LARGE
}

/// Global allocator that keeps a count of live heap bytes.
pub struct CountingAlloc;

unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = if is_large(layout.size()) {
            unsafe { System.alloc(layout) }
        } else {
            unsafe { SMALL.alloc(layout) }
        };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = if is_large(layout.size()) {
            unsafe { System.alloc_zeroed(layout) }
        } else {
            unsafe { SMALL.alloc_zeroed(layout) }
        };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout.size()) {
            unsafe { System.dealloc(ptr, layout) };
        } else {
            unsafe { SMALL.dealloc(ptr, layout) };
        }
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = match (is_large(layout.size()), is_large(new_size)) {
            (true, true) => unsafe { System.realloc(ptr, layout, new_size) },
            (false, false) => unsafe { SMALL.realloc(ptr, layout, new_size) },
            // Crossing the threshold: move the block to the other allocator.
            _ => {
                let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                    return std::ptr::null_mut();
                };
                let p = unsafe { self.alloc(new_layout) };
                if !p.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                // `alloc` and `dealloc` kept the count.
                return p;
            }
        };
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
    fn blocks_keep_their_bytes_when_realloc_crosses_the_large_threshold() {
        let a = CountingAlloc;
        let small = Layout::from_size_align(100, 8).unwrap();
        unsafe {
            let p = a.alloc(small);
            assert!(!p.is_null());
            for k in 0..100 {
                *p.add(k) = k as u8;
            }
            // small -> large (mimalloc -> system), large -> large, large -> small.
            let p = a.realloc(p, small, LARGE * 2);
            assert!(!p.is_null());
            let large = Layout::from_size_align(LARGE * 2, 8).unwrap();
            let p = a.realloc(p, large, LARGE * 4);
            let larger = Layout::from_size_align(LARGE * 4, 8).unwrap();
            let p = a.realloc(p, larger, 50);
            assert!(!p.is_null());
            for k in 0..50 {
                assert_eq!(*p.add(k), k as u8);
            }
            a.dealloc(p, Layout::from_size_align(50, 8).unwrap());
        }
    }

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
