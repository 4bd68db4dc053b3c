//! The per-thread packet pool.
//!
//! Dropping a packet returns its descriptor (and its buffer, when no clone still shares it)
//! to the dropping thread's pool; making a packet takes one back. In steady state a thread
//! that makes and drops packets at the same rate allocates nothing. A packet handed to another
//! thread enriches that thread's pool instead; each pool is capped so that memory stays bounded.

use std::cell::RefCell;

use super::buffer::Buffer;
use super::{Descriptor, STANDARD_CAPACITY};

/// Most descriptors (each with a standard buffer) a thread keeps.
const MAX_SHELLS: usize = 16 * 1024;
/// Most spare standard buffers a thread keeps.
const MAX_SPARE: usize = 4 * 1024;

// Descriptors stay boxed in the pool: a `Packet` is a pointer to one, so recycling moves
// the box itself rather than its contents.
#[allow(clippy::vec_box)]
struct Pool {
    /// Descriptors whose buffer is standard-size and unique.
    shells: Vec<Box<Descriptor>>,
    /// Standard-size unique buffers without a descriptor (left over when a clone took a shell).
    spare: Vec<Buffer>,
    /// Descriptors without a buffer of their own: they hold a reference to `placeholder`.
    bare: Vec<Box<Descriptor>>,
    /// An empty buffer that bare descriptors point at.
    placeholder: Option<Buffer>,
    stats: PoolStats,
}

impl Pool {
    fn placeholder(&mut self) -> Buffer {
        self.placeholder.get_or_insert_with(|| Buffer::new(0)).clone()
    }
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
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { shells: Vec::new(), spare: Vec::new(), bare: Vec::new(), placeholder: None, stats: PoolStats {
            descriptors_allocated: 0, buffers_allocated: 0, free_descriptors: 0, free_buffers: 0,
        } })
    };
}

/// This thread's pool counters.
pub fn pool_stats() -> PoolStats {
    POOL.try_with(|p| {
        let p = p.borrow();
        PoolStats { free_descriptors: p.shells.len(), free_buffers: p.spare.len(), ..p.stats }
    })
    .unwrap_or_default()
}

fn new_buffer(pool: Option<&mut Pool>, capacity: usize) -> Buffer {
    if let Some(p) = pool {
        p.stats.buffers_allocated += 1;
    }
    Buffer::new(capacity)
}

/// A descriptor whose buffer has at least `capacity` bytes and is unique.
pub(super) fn take_descriptor(capacity: usize) -> Box<Descriptor> {
    let standard = capacity <= STANDARD_CAPACITY;
    let taken = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        let shell = p.shells.pop();
        match shell {
            Some(mut d) if !standard => {
                let spare = std::mem::replace(&mut d.buf, new_buffer(Some(&mut p), capacity));
                if p.spare.len() < MAX_SPARE {
                    p.spare.push(spare);
                }
                d
            }
            Some(d) => d,
            None => {
                p.stats.descriptors_allocated += 1;
                let cap = capacity.max(STANDARD_CAPACITY);
                let spare = if standard { p.spare.pop() } else { None };
                let buf = match spare {
                    Some(b) => b,
                    None => new_buffer(Some(&mut p), cap),
                };
                Box::new(Descriptor::new(buf))
            }
        }
    });
    taken.unwrap_or_else(|_| Box::new(Descriptor::new(Buffer::new(capacity.max(STANDARD_CAPACITY)))))
}

/// A unique buffer of at least `capacity` bytes.
pub(super) fn take_buffer(capacity: usize) -> Buffer {
    if capacity <= STANDARD_CAPACITY
        && let Ok(Some(b)) = POOL.try_with(|p| p.borrow_mut().spare.pop())
    {
        return b;
    }
    let cap = capacity.max(STANDARD_CAPACITY);
    POOL.try_with(|p| new_buffer(Some(&mut p.borrow_mut()), cap)).unwrap_or_else(|_| Buffer::new(cap))
}

/// Takes back a buffer that a packet stopped using.
pub(super) fn recycle_buffer(buf: Buffer) {
    if buf.capacity() == STANDARD_CAPACITY && buf.is_unique() {
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.spare.len() < MAX_SPARE {
                p.spare.push(buf);
            }
        });
    }
}

/// A descriptor for a clone: it will hold `shared` instead of its own buffer.
pub(super) fn take_shell_for_clone(shared: Buffer) -> Box<Descriptor> {
    let got = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        if let Some(mut d) = p.bare.pop() {
            d.buf = shared.clone();
            return d;
        }
        match p.shells.pop() {
            Some(mut d) => {
                let own = std::mem::replace(&mut d.buf, shared.clone());
                if p.spare.len() < MAX_SPARE {
                    p.spare.push(own);
                }
                d
            }
            None => {
                p.stats.descriptors_allocated += 1;
                Box::new(Descriptor::new(shared.clone()))
            }
        }
    });
    got.unwrap_or_else(|_| Box::new(Descriptor::new(shared)))
}

/// Takes back a dropped packet's descriptor.
pub(super) fn recycle_descriptor(mut d: Box<Descriptor>) {
    let _ = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        if p.shells.len() >= MAX_SHELLS {
            return;
        }
        if d.buf.capacity() != STANDARD_CAPACITY || !d.buf.is_unique() {
            // Give the shell a private standard buffer and drop our reference to the other
            // one; with no spare buffer, keep the descriptor bare for the next clone.
            match p.spare.pop() {
                Some(b) => d.buf = b,
                None => {
                    if p.bare.len() < MAX_SHELLS {
                        d.buf = p.placeholder();
                        p.bare.push(d);
                    }
                    return;
                }
            }
        }
        p.shells.push(d);
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
}
