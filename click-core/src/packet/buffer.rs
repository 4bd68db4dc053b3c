//! A reference-counted packet buffer.
//!
//! `Arc<[u8]>` would do, but getting `&mut` out of an `Arc` costs an atomic read-modify-write
//! (`Arc::get_mut` locks the weak count), and a router writes to nearly every packet. This
//! buffer keeps one atomic count: a writer checks uniqueness with a single acquire load.
//! Clones share the bytes; writing needs uniqueness (the packet copies first otherwise).
#![allow(unsafe_code)]

use std::alloc::{self, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering, fence};

/// Bytes before the data: the header, padded so that data starts on a cache line.
const HEADER: usize = 64;

#[repr(C)]
struct Header {
    refs: AtomicU32,
    capacity: u32,
}

/// A shared, fixed-capacity byte buffer.
pub(crate) struct Buffer {
    ptr: NonNull<Header>,
}

// SAFETY: the bytes are only written through `try_mut`, which requires the count to be 1,
// i.e. no other `Buffer` (on any thread) refers to them; the count itself is atomic.
unsafe impl Send for Buffer {}
// SAFETY: `&Buffer` only reads (shared bytes are immutable while shared).
unsafe impl Sync for Buffer {}

impl Buffer {
    fn layout(capacity: usize) -> Layout {
        Layout::from_size_align(HEADER + capacity, HEADER).expect("packet buffer layout")
    }

    /// A new zeroed buffer of `capacity` bytes with one reference.
    pub(crate) fn new(capacity: usize) -> Buffer {
        assert!(capacity <= u32::MAX as usize / 2, "packet buffer too large");
        let layout = Self::layout(capacity);
        // SAFETY: the layout has a non-zero size (HEADER > 0).
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<Header>()) else { alloc::handle_alloc_error(layout) };
        // SAFETY: `ptr` is valid for writes of a Header (64-byte aligned, HEADER bytes).
        unsafe {
            ptr.as_ptr().write(Header { refs: AtomicU32::new(1), capacity: capacity as u32 });
        }
        Buffer { ptr }
    }

    fn header(&self) -> &Header {
        // SAFETY: the header lives as long as any reference to the buffer.
        unsafe { self.ptr.as_ref() }
    }

    fn data_ptr(&self) -> *mut u8 {
        // SAFETY: the allocation is HEADER + capacity bytes long.
        unsafe { self.ptr.as_ptr().cast::<u8>().add(HEADER) }
    }

    /// Capacity in bytes.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.header().capacity as usize
    }

    /// True when no other reference exists.
    #[inline]
    pub(crate) fn is_unique(&self) -> bool {
        // Acquire pairs with the Release decrement of a clone being dropped on another
        // thread: its reads of the bytes happen before our writes.
        self.header().refs.load(Ordering::Acquire) == 1
    }

    /// The bytes, read-only.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: `capacity` initialized (zeroed at allocation) bytes follow the header;
        // nobody writes them while this shared borrow lives (writers need uniqueness and `&mut`).
        unsafe { std::slice::from_raw_parts(self.data_ptr(), self.capacity()) }
    }

    /// The bytes, writable, without looking at the count again.
    ///
    /// # Safety
    /// The count must be 1: the caller saw [`Buffer::is_unique`] on this buffer, or made it,
    /// and has held it by `&mut` since (a new reference to the bytes needs `&self`, so none
    /// can appear meanwhile; other threads can only drop theirs).
    #[inline]
    pub(crate) unsafe fn bytes_mut_unchecked(&mut self) -> &mut [u8] {
        debug_assert!(self.is_unique());
        // SAFETY: unique (the caller's promise), and `&mut self` excludes other borrows.
        unsafe { std::slice::from_raw_parts_mut(self.data_ptr(), self.capacity()) }
    }

    /// The bytes, writable, if this is the only reference.
    #[inline]
    pub(crate) fn try_mut(&mut self) -> Option<&mut [u8]> {
        if self.is_unique() {
            // SAFETY: unique: no other Buffer refers to these bytes, and `&mut self` excludes
            // other borrows of this one.
            Some(unsafe { std::slice::from_raw_parts_mut(self.data_ptr(), self.capacity()) })
        } else {
            None
        }
    }
}

impl Clone for Buffer {
    #[inline]
    fn clone(&self) -> Buffer {
        // Relaxed suffices for an increment: the new reference is derived from an existing one.
        let old = self.header().refs.fetch_add(1, Ordering::Relaxed);
        if old > u32::MAX / 2 {
            // Overflow would be a use-after-free; this takes two billion clones of one packet.
            std::process::abort();
        }
        Buffer { ptr: self.ptr }
    }
}

impl Drop for Buffer {
    #[inline]
    fn drop(&mut self) {
        if self.header().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Synchronize with every other reference's Release decrement before freeing.
        fence(Ordering::Acquire);
        let layout = Self::layout(self.capacity());
        // SAFETY: the count reached zero: this was the last reference; the pointer came from
        // `alloc_zeroed` with the same layout.
        unsafe { alloc::dealloc(self.ptr.as_ptr().cast::<u8>(), layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_until_cloned() {
        let mut b = Buffer::new(100);
        assert_eq!(b.capacity(), 100);
        assert!(b.as_slice().iter().all(|&x| x == 0));
        b.try_mut().unwrap()[5] = 7;
        let c = b.clone();
        assert!(!b.is_unique());
        assert!(b.try_mut().is_none());
        assert_eq!(c.as_slice()[5], 7);
        drop(c);
        assert!(b.try_mut().is_some());
    }

    #[test]
    fn clones_dropped_on_other_threads() {
        let b = Buffer::new(2048);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let c = b.clone();
                std::thread::spawn(move || {
                    let d = c.clone();
                    assert_eq!(d.as_slice().len(), 2048);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(b.is_unique());
    }
}
