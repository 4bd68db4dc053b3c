//! Batches: the unit of work on the push path.
//!
//! Elements receive and emit batches (FastClick's lesson: batching alone is worth ~1.8x).
//! A batch is a vector of packet pointers whose storage is recycled by the runtime, so
//! passing one along allocates nothing.

use crate::packet::Packet;

/// Default number of packets a source emits per task run when it batches.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// An ordered group of packets travelling together.
#[derive(Debug, Default)]
pub struct Batch {
    packets: Vec<Packet>,
}

impl Batch {
    /// An empty batch.
    pub const fn new() -> Batch {
        Batch { packets: Vec::new() }
    }

    /// An empty batch with room for `n` packets.
    pub fn with_capacity(n: usize) -> Batch {
        Batch { packets: Vec::with_capacity(n) }
    }

    /// Packets the batch can hold without allocating.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.packets.capacity()
    }

    /// Number of packets.
    #[inline]
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Appends a packet.
    #[inline]
    pub fn push(&mut self, p: Packet) {
        self.packets.push(p);
    }

    /// Removes and returns the first packet.
    pub fn pop_front(&mut self) -> Option<Packet> {
        (!self.packets.is_empty()).then(|| self.packets.remove(0))
    }

    /// Removes and returns the last packet.
    pub fn pop(&mut self) -> Option<Packet> {
        self.packets.pop()
    }

    /// Moves all packets of `other` to the end of this batch.
    #[inline]
    pub fn append(&mut self, other: &mut Batch) {
        if self.packets.is_empty() {
            // Swapping keeps both vectors' storage alive: no allocation either way.
            std::mem::swap(&mut self.packets, &mut other.packets);
        } else {
            self.packets.append(&mut other.packets);
        }
    }

    /// Drops every packet, returning them to the pool in one visit. The storage is kept.
    #[inline]
    pub fn clear(&mut self) {
        if self.packets.len() == 1 {
            // One packet (BURST 1 sources): its own drop is the shortest path.
            drop(self.packets.pop());
        } else if !self.packets.is_empty() {
            crate::packet::recycle_all(self.packets.drain(..));
        }
    }

    /// Removes every packet, yielding them in order. The storage is kept.
    #[inline]
    pub fn drain(&mut self) -> std::vec::Drain<'_, Packet> {
        self.packets.drain(..)
    }

    /// The packets.
    #[inline]
    pub fn as_slice(&self) -> &[Packet] {
        &self.packets
    }

    /// The packets, writable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [Packet] {
        &mut self.packets
    }

    /// Iterates over the packets.
    pub fn iter(&self) -> std::slice::Iter<'_, Packet> {
        self.packets.iter()
    }

    /// Iterates over the packets, writable.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Packet> {
        self.packets.iter_mut()
    }

    /// Keeps the packets for which `f` returns true, in order; drops the others.
    pub fn retain(&mut self, f: impl FnMut(&mut Packet) -> bool) {
        self.packets.retain_mut(f);
    }

    /// Replaces each packet by `f(packet)`, dropping those for which it returns `None`. Keeps
    /// the order and the storage.
    #[inline]
    pub fn filter_map_in_place(&mut self, mut f: impl FnMut(Packet) -> Option<Packet>) {
        if self.packets.len() == 1 {
            // The common case with BURST 1 sources: no loop bookkeeping.
            let p = self.packets.pop().expect("one packet");
            if let Some(q) = f(p) {
                self.packets.push(q);
            }
            return;
        }
        self.filter_map_in_place_from(0, f);
    }

    /// [`Batch::filter_map_in_place`] for the packets from index `start` on; those before
    /// stay as they are. (An element whose common case keeps every packet can walk the batch
    /// in a plain loop and switch to this at the first packet it drops.)
    #[inline]
    pub fn filter_map_in_place_from(&mut self, start: usize, mut f: impl FnMut(Packet) -> Option<Packet>) {
        let n = self.packets.len();
        let start = start.min(n);
        let base = self.packets.as_mut_ptr();
        // The vector forgets its packets while `f` runs: if `f` panics they leak instead of
        // being dropped twice.
        // SAFETY: `start <= n`: the first `start` packets stay initialized and counted; the
        // others stay initialized in the buffer.
        #[allow(unsafe_code)]
        unsafe {
            self.packets.set_len(start)
        };
        let mut kept = start;
        for i in start..n {
            // SAFETY: `start <= i < n`, the old length: slot `i` holds a packet not yet read
            // (each slot from `start` is read exactly once, in order), and `kept <= i`, so
            // writing slot `kept` never overwrites an unread packet.
            #[allow(unsafe_code)]
            unsafe {
                let p = std::ptr::read(base.add(i));
                if let Some(q) = f(p) {
                    std::ptr::write(base.add(kept), q);
                    kept += 1;
                }
            }
        }
        // SAFETY: slots 0..kept hold the packets written above; capacity is at least n >= kept.
        #[allow(unsafe_code)]
        unsafe {
            self.packets.set_len(kept)
        };
    }

    /// Total bytes of data.
    #[inline]
    pub fn byte_len(&self) -> usize {
        if let [p] = self.packets.as_slice() {
            return p.len();
        }
        self.packets.iter().map(Packet::len).sum()
    }
}

impl From<Vec<Packet>> for Batch {
    fn from(packets: Vec<Packet>) -> Batch {
        Batch { packets }
    }
}

impl From<Batch> for Vec<Packet> {
    fn from(b: Batch) -> Vec<Packet> {
        b.packets
    }
}

impl FromIterator<Packet> for Batch {
    fn from_iter<I: IntoIterator<Item = Packet>>(iter: I) -> Batch {
        Batch { packets: iter.into_iter().collect() }
    }
}

impl Extend<Packet> for Batch {
    fn extend<I: IntoIterator<Item = Packet>>(&mut self, iter: I) {
        self.packets.extend(iter);
    }
}

impl IntoIterator for Batch {
    type Item = Packet;
    type IntoIter = std::vec::IntoIter<Packet>;
    fn into_iter(self) -> Self::IntoIter {
        self.packets.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_map_keeps_order_and_storage() {
        let mut b: Batch = (0..10u8).map(|i| Packet::from_slice(&[i])).collect();
        let cap = b.packets.capacity();
        b.filter_map_in_place(|p| (p.data()[0] % 2 == 0).then_some(p));
        assert_eq!(b.iter().map(|p| p.data()[0]).collect::<Vec<_>>(), [0, 2, 4, 6, 8]);
        assert_eq!(b.packets.capacity(), cap);
    }

    proptest::proptest! {
        #[test]
        /// `filter_map_in_place`, and `filter_map_in_place_from` a random start (the packets
        /// before it untouched), against mapping a list.
        #[test]
        fn filter_map_matches_a_reference(actions in proptest::collection::vec(0u8..3, 0..40), start in 0usize..45) {
            let mut b: Batch = (0..actions.len()).map(|i| Packet::from_slice(&[i as u8])).collect();
            let mut k = start.min(actions.len());
            let f = |p: Packet| {
                let a = actions[k];
                k += 1;
                match a {
                    0 => Some(p),
                    1 => None,
                    _ => Some(Packet::from_slice(&[p.data()[0], 0xee])),
                }
            };
            if start == 0 {
                b.filter_map_in_place(f);
            } else {
                b.filter_map_in_place_from(start, f);
            }
            let want: Vec<Vec<u8>> = actions
                .iter()
                .enumerate()
                .filter_map(|(i, a)| match a {
                    _ if i < start => Some(vec![i as u8]),
                    0 => Some(vec![i as u8]),
                    1 => None,
                    _ => Some(vec![i as u8, 0xee]),
                })
                .collect();
            let got: Vec<Vec<u8>> = b.iter().map(|p| p.data().to_vec()).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn append_swaps_into_empty() {
        let mut a = Batch::new();
        let mut b: Batch = (0..3u8).map(|i| Packet::from_slice(&[i])).collect();
        a.append(&mut b);
        assert_eq!(a.len(), 3);
        assert!(b.is_empty());
        let mut c: Batch = (3..5u8).map(|i| Packet::from_slice(&[i])).collect();
        a.append(&mut c);
        assert_eq!(a.iter().map(|p| p.data()[0]).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    }
}
