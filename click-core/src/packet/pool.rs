//! The per-thread packet pool.
//!
//! Dropping a packet returns its descriptor (and its buffer, when no clone still shares it)
//! to the dropping thread's pool; making a packet takes one back. In steady state a thread
//! that makes and drops packets at the same rate allocates nothing. A packet handed to another
//! thread enriches that thread's pool instead; each pool is capped so that memory stays bounded.
//!
//! Three stacks: `shells` are descriptors owning a private standard buffer (ready for a new
//! packet), `bare` are descriptors without a buffer (ready for a clone, which brings its own
//! shared buffer), `spare` are private standard buffers without a descriptor. Moving between
//! them never touches a reference count except the clone's own. A fourth, `large`, keeps a
//! few private buffers of [`LARGE_CAPACITY`] for packets up to 64 KB (segmentation-offload
//! aggregates from a device): allocating one per packet costs a zeroing `calloc` and,
//! whenever the allocator has given the pages back, page faults.

use std::cell::RefCell;

use super::buffer::Buffer;
use super::{Descriptor, LARGE_CAPACITY, STANDARD_CAPACITY};

/// Most descriptors of each kind a thread keeps.
const MAX_SHELLS: usize = 16 * 1024;
/// Most spare standard buffers a thread keeps.
const MAX_SPARE: usize = 4 * 1024;
/// Most spare large buffers a thread keeps (about 4.4 MB).
const MAX_LARGE: usize = 64;

// Descriptors stay boxed in the pool: a `Packet` is a pointer to one, so recycling moves
// the box itself rather than its contents.
#[allow(clippy::vec_box)]
struct Pool {
    shells: Vec<Box<Descriptor>>,
    bare: Vec<Box<Descriptor>>,
    spare: Vec<Buffer>,
    large: Vec<Buffer>,
    stats: PoolStats,
}

/// Counters of one thread's pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Descriptors allocated from the heap.
    pub descriptors_allocated: u64,
    /// Buffers allocated from the heap.
    pub buffers_allocated: u64,
    /// Descriptors now waiting in the pool.
    pub free_descriptors: usize,
    /// Spare buffers now waiting in the pool.
    pub free_buffers: usize,
    /// Shared buffers copied because one of their packets was written (copy on write).
    pub copies_on_write: u64,
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { shells: Vec::new(), bare: Vec::new(), spare: Vec::new(), large: Vec::new(), stats: PoolStats {
            descriptors_allocated: 0, buffers_allocated: 0, free_descriptors: 0, free_buffers: 0, copies_on_write: 0,
        } })
    };
}

/// This thread's pool counters.
pub fn pool_stats() -> PoolStats {
    POOL.try_with(|p| {
        let p = p.borrow();
        PoolStats {
            free_descriptors: p.shells.len() + p.bare.len(),
            free_buffers: p.spare.len() + p.large.len(),
            copies_on_write: copies_on_write(),
            ..p.stats
        }
    })
    .unwrap_or_default()
}

thread_local! {
    // Apart from the pool: a `Cell` without a destructor is one load away.
    static COPIES_ON_WRITE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many shared buffers this thread has copied because a packet sharing one was written
/// (a cheap read: sources compare it before and after a burst to learn whether their clones
/// get written downstream).
#[inline]
pub fn copies_on_write() -> u64 {
    COPIES_ON_WRITE.with(|c| c.get())
}

/// Counts one copy on write.
pub(super) fn note_copy_on_write() {
    COPIES_ON_WRITE.with(|c| c.set(c.get() + 1));
}

impl Pool {
    #[cold]
    fn new_buffer(&mut self, capacity: usize) -> Buffer {
        self.stats.buffers_allocated += 1;
        Buffer::new(capacity.max(STANDARD_CAPACITY))
    }

    /// A unique buffer of at least `capacity` bytes, from the pool when it has the size.
    #[inline]
    fn buffer(&mut self, capacity: usize) -> Buffer {
        if capacity <= STANDARD_CAPACITY {
            self.standard_buffer()
        } else if capacity <= LARGE_CAPACITY {
            match self.large.pop() {
                Some(b) => b,
                None => self.new_buffer(LARGE_CAPACITY),
            }
        } else {
            self.new_buffer(capacity)
        }
    }

    /// Keeps `buf` if it is a unique large buffer and there is room.
    #[inline]
    fn keep_large(&mut self, buf: Buffer) {
        if buf.capacity() == LARGE_CAPACITY && buf.is_unique() && self.large.len() < MAX_LARGE {
            self.large.push(buf);
        }
    }

    #[inline]
    fn standard_buffer(&mut self) -> Buffer {
        match self.spare.pop() {
            Some(b) => b,
            None => self.new_buffer(STANDARD_CAPACITY),
        }
    }

    fn descriptor(&mut self, buf: Option<Buffer>) -> Box<Descriptor> {
        match self.bare.pop() {
            Some(mut d) => {
                d.buf = buf;
                d
            }
            None => {
                self.stats.descriptors_allocated += 1;
                Box::new(Descriptor::new(buf))
            }
        }
    }

    #[inline]
    fn take(&mut self, capacity: usize) -> Box<Descriptor> {
        if capacity <= STANDARD_CAPACITY {
            if let Some(d) = self.shells.pop() {
                return d;
            }
            let b = self.standard_buffer();
            self.descriptor(Some(b))
        } else {
            let b = self.buffer(capacity);
            self.descriptor(Some(b))
        }
    }

    #[inline(always)]
    fn for_clone(&mut self, shared: &Buffer) -> Box<Descriptor> {
        if let Some(mut d) = self.bare.pop() {
            d.buf = Some(shared.clone());
            return d;
        }
        if let Some(mut d) = self.shells.pop() {
            // Keep the shell's own buffer for later.
            if let Some(own) = d.buf.replace(shared.clone())
                && self.spare.len() < MAX_SPARE
            {
                self.spare.push(own);
            }
            return d;
        }
        self.stats.descriptors_allocated += 1;
        Box::new(Descriptor::new(Some(shared.clone())))
    }

    #[inline(always)]
    fn recycle(&mut self, mut d: Box<Descriptor>) {
        let keep_buffer = d.buf.as_ref().is_some_and(|b| b.capacity() == STANDARD_CAPACITY && b.is_unique());
        if keep_buffer {
            if self.shells.len() < MAX_SHELLS {
                self.shells.push(d);
            } else if self.spare.len() < MAX_SPARE {
                self.spare.extend(d.buf.take());
            }
        } else {
            // Drops our reference to a shared (or oversized) buffer; keeps a large one.
            if let Some(b) = d.buf.take() {
                self.keep_large(b);
            }
            if self.bare.len() < MAX_SHELLS {
                self.bare.push(d);
            }
        }
    }
}

/// A descriptor whose buffer has at least `capacity` bytes and is unique.
pub(super) fn take_descriptor(capacity: usize) -> Box<Descriptor> {
    POOL.try_with(|p| p.borrow_mut().take(capacity))
        .unwrap_or_else(|_| Box::new(Descriptor::new(Some(Buffer::new(capacity.max(STANDARD_CAPACITY))))))
}

/// A unique buffer of at least `capacity` bytes.
#[inline]
pub(super) fn take_buffer(capacity: usize) -> Buffer {
    POOL.try_with(|p| p.borrow_mut().buffer(capacity)).unwrap_or_else(|_| Buffer::new(capacity.max(STANDARD_CAPACITY)))
}

/// Takes back a buffer that a packet stopped using.
#[inline]
pub(super) fn recycle_buffer(buf: Buffer) {
    if buf.capacity() == STANDARD_CAPACITY && buf.is_unique() {
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.spare.len() < MAX_SPARE {
                p.spare.push(buf);
            }
        });
    } else if buf.capacity() == LARGE_CAPACITY {
        let _ = POOL.try_with(|p| p.borrow_mut().keep_large(buf));
    }
}

/// A descriptor for a clone sharing `shared`.
pub(super) fn take_shell_for_clone(shared: Buffer) -> Box<Descriptor> {
    let got = POOL.try_with(|p| p.borrow_mut().for_clone(&shared));
    got.unwrap_or_else(|_| Box::new(Descriptor::new(Some(shared))))
}

/// `n` descriptors for clones sharing `shared`, handed to `f` one by one, with one visit to
/// the pool (`f` must not use the pool itself).
pub(super) fn clone_many(shared: &Buffer, n: usize, mut f: impl FnMut(Box<Descriptor>)) {
    let visited = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        for _ in 0..n {
            f(p.for_clone(shared));
        }
    });
    if visited.is_err() {
        (0..n).for_each(|_| f(Box::new(Descriptor::new(Some(shared.clone())))));
    }
}

/// `n` descriptors with unique standard buffers, handed to `f` one by one, with one visit
/// to the pool (`f` must not use the pool itself).
#[inline(always)]
pub(super) fn take_many(n: usize, mut f: impl FnMut(Box<Descriptor>)) {
    let visited = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        for _ in 0..n {
            f(p.take(STANDARD_CAPACITY));
        }
    });
    if visited.is_err() {
        (0..n).for_each(|_| f(Box::new(Descriptor::new(Some(Buffer::new(STANDARD_CAPACITY))))));
    }
}

/// Takes back a dropped packet's descriptor.
#[inline]
pub(super) fn recycle_descriptor(d: Box<Descriptor>) {
    let _ = POOL.try_with(|p| p.borrow_mut().recycle(d));
}

/// Takes back many descriptors in one visit.
pub(super) fn recycle_many(ds: impl Iterator<Item = Box<Descriptor>>) {
    // Without a pool (thread teardown) the closure does not run and dropping the iterator
    // frees the descriptors.
    let _ = POOL.try_with(move |p| {
        let mut p = p.borrow_mut();
        for d in ds {
            p.recycle(d);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::Packet;
    use super::*;

    #[test]
    fn steady_state_reuses() {
        let cycle = || {
            let p = Packet::new(64);
            let q = p.clone();
            drop(p);
            drop(q);
        };
        for _ in 0..10 {
            cycle();
        }
        let before = pool_stats();
        for _ in 0..1000 {
            cycle();
        }
        let after = pool_stats();
        assert_eq!(before.descriptors_allocated, after.descriptors_allocated);
        assert_eq!(before.buffers_allocated, after.buffers_allocated);
    }

    #[test]
    fn private_copies_keep_everything_but_the_buffer() {
        let mut template = Packet::from_slice(&(0..69u8).collect::<Vec<_>>());
        template.pull(14);
        template.set_mac_header(-14, 14);
        template.set_network_header(0, 20);
        template.set_paint_anno(7);
        template.set_timestamp(crate::Timestamp::from_nanos(5));
        let mut batch = crate::batch::Batch::new();
        for _ in 0..3 {
            template.copy_into(8, &mut batch);
            batch.clear();
        }
        let before = pool_stats();
        for _ in 0..100 {
            template.copy_into(8, &mut batch);
            for p in batch.iter() {
                assert!(!p.is_shared());
                assert_eq!(p.data(), template.data());
                assert_eq!((p.headroom(), p.tailroom()), (template.headroom(), template.tailroom()));
                assert_eq!(p.mac_header(), template.mac_header());
                assert_eq!(p.network_header(), template.network_header());
                assert_eq!(p.anno(), template.anno());
            }
            batch.clear();
        }
        assert_eq!(before.descriptors_allocated, pool_stats().descriptors_allocated);
        assert_eq!(before.buffers_allocated, pool_stats().buffers_allocated);
        assert!(!template.is_shared());
        // Writing a copy leaves the template and the other copies alone.
        template.copy_into(2, &mut batch);
        batch.as_mut_slice()[0].data_mut()[0] = 0xff;
        assert_eq!(batch.as_mut_slice()[1].data()[0], 14);
        assert_eq!(template.data()[0], 14);
    }

    #[test]
    fn oversized_packets_are_cloned_instead() {
        let template = Packet::make(0, STANDARD_CAPACITY + 1, 0);
        let mut batch = crate::batch::Batch::new();
        template.copy_into(2, &mut batch);
        assert!(batch.iter().all(|p| p.is_shared() && p.len() == STANDARD_CAPACITY + 1));
    }

    #[test]
    fn large_buffers_are_reused() {
        let cycle = |len: usize| {
            let mut p = Packet::make_unzeroed(128, len, 0);
            assert_eq!(p.len(), len);
            p.data_mut()[len - 1] = 7;
            let q = p.clone();
            drop(p);
            drop(q);
        };
        cycle(65535);
        let before = pool_stats();
        for len in [3000, 65535, 40000, LARGE_CAPACITY - 128] {
            cycle(len);
        }
        assert_eq!(before.buffers_allocated, pool_stats().buffers_allocated);
        assert!(pool_stats().free_buffers >= 1);
        // Beyond the large size: allocated each time, never kept.
        let before = pool_stats();
        cycle(LARGE_CAPACITY);
        cycle(LARGE_CAPACITY);
        assert_eq!(pool_stats().buffers_allocated, before.buffers_allocated + 2);
        assert_eq!(pool_stats().free_buffers, before.free_buffers);
        // Zeroed packets stay zeroed even in a recycled large buffer.
        assert!(Packet::make(128, 65535, 0).data().iter().all(|&b| b == 0));
    }

    #[test]
    fn batched_clones_and_recycling_reuse() {
        let template = Packet::new(64);
        let mut batch = crate::batch::Batch::new();
        for _ in 0..3 {
            template.clone_into(32, &mut batch);
            batch.clear();
        }
        let before = pool_stats();
        for _ in 0..100 {
            template.clone_into(32, &mut batch);
            assert!(batch.iter().all(|p| p.data() == template.data()));
            batch.clear();
        }
        assert_eq!(before.descriptors_allocated, pool_stats().descriptors_allocated);
        assert!(!template.is_shared());
    }
}
