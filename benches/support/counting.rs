//! A counting global allocator for benchmarks: allocations, bytes, and the
//! peak of live heap bytes, which unlike wall time do not depend on the
//! machine's load. Include with `#[path = "support/counting.rs"] mod counting;`
//! and install with `#[global_allocator] static A: counting::Counting = counting::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are
// added around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        grew(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        grew(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What one call of a closure allocated.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Calls of `alloc` and `realloc`.
    pub allocations: usize,
    /// Bytes requested by them.
    pub bytes: usize,
    /// Highest live heap bytes during the call, above the live bytes at its
    /// start.
    pub peak: usize,
}

/// Run `f` once and report its allocations (the result is dropped inside
/// the measured region, as a caller would).
pub fn measure<R>(f: impl FnOnce() -> R) -> Usage {
    let (a, b, live) = (
        ALLOCATIONS.load(Relaxed),
        ALLOCATED.load(Relaxed),
        LIVE.load(Relaxed),
    );
    PEAK.store(live, Relaxed);
    drop(f());
    Usage {
        allocations: ALLOCATIONS.load(Relaxed) - a,
        bytes: ALLOCATED.load(Relaxed) - b,
        peak: PEAK.load(Relaxed).saturating_sub(live),
    }
}

/// Live heap bytes now.
#[allow(dead_code)]
pub fn live() -> usize {
    LIVE.load(Relaxed)
}

/// Start a new peak at the live bytes now, and return them (for code that
/// cannot run inside [`measure`]'s closure, such as a server answering
/// over a pipe).
#[allow(dead_code)]
pub fn reset_peak() -> usize {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    live
}

/// The highest live heap bytes since the last [`reset_peak`] or
/// [`measure`].
#[allow(dead_code)]
pub fn peak() -> usize {
    PEAK.load(Relaxed)
}
