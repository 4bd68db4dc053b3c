//! A binary trie with path compression (a PATRICIA-style radix tree): each node holds a
//! prefix; a lookup walks down while the node's prefix contains the address, remembering the
//! last route seen. Adds and removes are incremental.
//!
//! An index of 2^16 entries, one per value of an address's top 16 bits, skips the top of
//! the tree: each entry holds the best route of length 16 or less for those bits and the
//! node where a walk for them continues (the first node longer than /16 on their path). A
//! lookup is then one index access plus a walk of the nodes longer than /16, instead of a
//! walk from the root (about 20 dependent loads at a million routes). Each add or remove
//! recomputes only the entries under its prefix.

use std::net::Ipv4Addr;

use super::{AddError, LookupTable, Route, mask, sort_routes};

const NONE: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Node {
    /// Prefix bits (host bits zero), length, and the mask of that length (kept so that a
    /// lookup step is one AND and one compare).
    key: u32,
    mask: u32,
    len: u8,
    route: Option<Route>,
    child: [u32; 2],
}

/// Bits of an address the index resolves.
const INDEX_BITS: u8 = 16;

/// What the index knows for one value of an address's top [`INDEX_BITS`] bits.
#[derive(Clone, Copy, Debug, PartialEq)]
struct IndexEntry {
    /// The most specific route of length at most INDEX_BITS containing these addresses.
    best: Option<(Ipv4Addr, u16)>,
    /// The first node longer than INDEX_BITS on their path from the root, or NONE.
    resume: u32,
}

/// A path-compressed binary radix tree.
pub struct RadixTable {
    nodes: Vec<Node>,
    free: Vec<u32>,
    count: usize,
    index: Vec<IndexEntry>,
}

impl Default for RadixTable {
    fn default() -> Self {
        // Node 0 is the root, the empty prefix; with no route and no child, every entry is
        // empty.
        RadixTable {
            nodes: vec![Node::new(0, 0)],
            free: Vec::new(),
            count: 0,
            index: vec![IndexEntry { best: None, resume: NONE }; 1 << INDEX_BITS],
        }
    }
}

impl Node {
    fn new(key: u32, len: u8) -> Node {
        Node { key, mask: mask(len), len, route: None, child: [NONE; 2] }
    }

    /// One step of a lookup of `a` at this node: records its route in `best` if it contains
    /// `a`, and returns the child to go on to (`NONE` to stop).
    #[inline]
    fn step(&self, a: u32, best: &mut Option<(Ipv4Addr, u16)>) -> u32 {
        if a & self.mask != self.key {
            return NONE;
        }
        if let Some(r) = &self.route {
            *best = Some((r.gateway, r.port));
        }
        if self.len == 32 { NONE } else { self.child[bit(a, self.len)] }
    }
}

/// The index entry of address `a`: its top INDEX_BITS bits.
#[inline]
fn index_of(a: u32) -> usize {
    (a >> (32 - u32::from(INDEX_BITS))) as usize
}

#[inline]
fn bit(key: u32, i: u8) -> usize {
    ((key >> (31 - u32::from(i))) & 1) as usize
}

/// Length of the common prefix of two keys, at most `max`.
fn common(a: u32, b: u32, max: u8) -> u8 {
    ((a ^ b).leading_zeros() as u8).min(max)
}

impl RadixTable {
    fn alloc(&mut self, n: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = n;
                i
            }
            None => {
                self.nodes.push(n);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// The node for exactly `key/len`, creating it (and splitting edges) when missing.
    fn node_for(&mut self, key: u32, len: u8) -> u32 {
        let mut cur = 0u32;
        loop {
            let n = &self.nodes[cur as usize];
            if n.len == len {
                return cur;
            }
            let b = bit(key, n.len);
            let next = n.child[b];
            if next == NONE {
                let leaf = self.alloc(Node::new(key, len));
                self.nodes[cur as usize].child[b] = leaf;
                return leaf;
            }
            let c = &self.nodes[next as usize];
            let shared = common(c.key, key, c.len.min(len));
            if shared == c.len {
                cur = next;
                continue;
            }
            // Split the edge at `shared` bits.
            let mid_key = key & mask(shared);
            let child_bit = bit(c.key, shared);
            let mid = self.alloc(Node::new(mid_key, shared));
            self.nodes[mid as usize].child[child_bit] = next;
            self.nodes[cur as usize].child[b] = mid;
            if shared == len {
                return mid;
            }
            let leaf = self.alloc(Node::new(key, len));
            self.nodes[mid as usize].child[bit(key, shared)] = leaf;
            return leaf;
        }
    }

    /// Recomputes the index entries under `key/len` (only the one entry of `key` when `len`
    /// is longer than the index resolves): one walk down to that part of the tree, then one
    /// visit of each node in it no longer than INDEX_BITS (and of the first node below each),
    /// instead of a walk from the root for every entry (35% of the start-up of a 100,000-route
    /// configuration went to those walks).
    fn reindex(&mut self, key: u32, len: u8) {
        let len = len.min(INDEX_BITS);
        let key = key & mask(len);
        // The best route above `key/len` and the first node on its path at least that long.
        let mut best = None;
        let mut cur = 0u32;
        while let Some(n) = self.nodes.get(cur as usize)
            && n.len < len
        {
            cur = n.step(key, &mut best);
        }
        let first = index_of(key);
        self.index[first..first + (1 << (INDEX_BITS - len))].fill(IndexEntry { best, resume: NONE });
        // That node is either inside `key/len` or beside it (then nothing below it is inside).
        if let Some(n) = self.nodes.get(cur as usize)
            && n.key & mask(len) == key
        {
            self.index_subtree(cur, best);
        }
    }

    /// Fills the index entries of node `cur`'s prefix (whose routes above it give `best`): a
    /// node longer than INDEX_BITS is where a walk resumes for its one entry; a shorter one
    /// sets its entries' best route, then its children refine their parts.
    fn index_subtree(&mut self, cur: u32, mut best: Option<(Ipv4Addr, u16)>) {
        let n = &self.nodes[cur as usize];
        if n.len > INDEX_BITS {
            self.index[index_of(n.key)] = IndexEntry { best, resume: cur };
            return;
        }
        if let Some(r) = &n.route {
            best = Some((r.gateway, r.port));
        }
        if n.len == INDEX_BITS {
            // Its children are longer; the walk picks one by the address's next bit.
            self.index[index_of(n.key)] = IndexEntry { best, resume: cur };
            return;
        }
        let (first, children) = (index_of(n.key), n.child);
        self.index[first..first + (1 << (INDEX_BITS - n.len))].fill(IndexEntry { best, resume: NONE });
        for c in children {
            if c != NONE {
                self.index_subtree(c, best);
            }
        }
    }

    fn find(&self, key: u32, len: u8) -> Option<u32> {
        let mut cur = 0u32;
        loop {
            let n = &self.nodes[cur as usize];
            if n.len == len {
                return (n.key == key).then_some(cur);
            }
            if n.len > len || key & n.mask != n.key {
                return None;
            }
            let next = n.child[bit(key, n.len)];
            if next == NONE {
                return None;
            }
            cur = next;
        }
    }
}

impl LookupTable for RadixTable {
    fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, AddError> {
        let key = u32::from(r.addr);
        let n = self.node_for(key, r.len);
        let slot = &mut self.nodes[n as usize].route;
        let result = match slot {
            Some(old) if !replace => Err(AddError::Exists(*old)),
            Some(_) => Ok(slot.replace(r)),
            None => {
                *slot = Some(r);
                self.count += 1;
                Ok(None)
            }
        };
        // Only entries under the route's prefix can change: a node the add created above it
        // (splitting an edge) holds no route, so the entries' best routes stay; and where a
        // walk resumes (the first node at least INDEX_BITS long on an entry's path) changes
        // only for the entry of a node created at that length or longer, which is the
        // route's own entry.
        self.reindex(key, r.len);
        result
    }

    fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route> {
        let key = u32::from(addr) & mask(len);
        let n = self.find(key, len)?;
        let r = self.nodes[n as usize].route.take()?;
        self.count -= 1;
        // Nodes are kept; an empty node only costs a step on lookups through it. Only the
        // index entries' best routes can change, and only for a route the index holds.
        if len <= INDEX_BITS {
            self.reindex(key, len);
        }
        Some(r)
    }

    #[inline]
    fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        let a = u32::from(a);
        let entry = self.index[index_of(a)];
        let mut best = entry.best;
        let mut cur = entry.resume;
        while let Some(n) = self.nodes.get(cur as usize) {
            cur = n.step(a, &mut best);
        }
        best
    }

    fn prefetch(&self, a: Ipv4Addr) {
        if let Some(e) = self.index.get(index_of(u32::from(a))) {
            super::prefetch_read(e);
        }
    }

    fn lookup_many(&self, addrs: &[Ipv4Addr], out: &mut [Option<(Ipv4Addr, u16)>]) {
        // Walks of up to GROUP addresses advance together, one node each per pass, and each
        // prefetches the node it goes to next: a pass waits for about one cache miss, not
        // one per address.
        const GROUP: usize = 32;
        for (addrs, out) in addrs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            addrs.iter().for_each(|&a| self.prefetch(a));
            let mut cur = [NONE; GROUP];
            let mut walking = 0;
            for ((&a, o), c) in addrs.iter().zip(out.iter_mut()).zip(&mut cur) {
                let entry = self.index[index_of(u32::from(a))];
                *o = entry.best;
                *c = entry.resume;
                if let Some(n) = self.nodes.get(entry.resume as usize) {
                    super::prefetch_read(n);
                    walking += 1;
                }
            }
            while walking > 0 {
                walking = 0;
                for ((&a, o), c) in addrs.iter().zip(out.iter_mut()).zip(&mut cur) {
                    let Some(n) = self.nodes.get(*c as usize) else { continue };
                    let next = n.step(u32::from(a), o);
                    *c = next;
                    if let Some(n) = self.nodes.get(next as usize) {
                        super::prefetch_read(n);
                        walking += 1;
                    }
                }
            }
        }
    }

    fn routes(&self) -> Vec<Route> {
        let mut v: Vec<Route> = self.nodes.iter().filter_map(|n| n.route).collect();
        sort_routes(&mut v);
        v
    }

    fn memory(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>() + self.index.len() * std::mem::size_of::<IndexEntry>()
    }
}

impl RadixTable {
    /// The most specific route strictly shorter than `len` that contains `key`.
    pub fn covering(&self, key: u32, len: u8) -> Option<Route> {
        let mut best = None;
        let mut cur = 0u32;
        loop {
            let n = &self.nodes[cur as usize];
            if n.len >= len || key & n.mask != n.key {
                break;
            }
            if n.route.is_some() {
                best = n.route;
            }
            let next = n.child[bit(key, n.len)];
            if next == NONE {
                break;
            }
            cur = next;
        }
        best
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A tree of thousands of nodes: the walks in step find what `lookup` finds, for
    /// addresses inside and outside its prefixes, in a batch that is not a whole number of
    /// groups.
    #[test]
    fn walks_in_step_find_what_lookup_finds() {
        let mut t = RadixTable::default();
        let mut x = 0x2545_f491_u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        while t.nodes.len() <= 4096 {
            // Prefixes clustered in 10/8, /12 to /32, so that walks below the index are deep.
            let a = Ipv4Addr::from(0x0a00_0000 | (next() & 0x00ff_ffff));
            let len = 12 + (next() % 21) as u8;
            let _ = t.add(Route::new(a, len, Ipv4Addr::UNSPECIFIED, (next() % 4) as u16), true);
        }
        let addrs: Vec<Ipv4Addr> = (0..1000).map(|_| Ipv4Addr::from(0x0a00_0000 | (next() & 0x01ff_ffff))).collect();
        let mut got = vec![None; addrs.len()];
        t.lookup_many(&addrs, &mut got);
        let want: Vec<_> = addrs.iter().map(|&a| t.lookup(a)).collect();
        assert_eq!(got, want);
        assert!(want.iter().any(Option::is_some) && want.iter().any(Option::is_none));
    }

    /// Adds and removes interleaved, around the index's /16 boundary, each followed by
    /// lookups compared with a plain scan of the routes.
    #[derive(Clone, Debug)]
    enum Op {
        Add(Route),
        Remove(u32, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Within 10.0.0.0/12, lengths 8 to 24: many edges split just above and below /16.
        let prefix = (0u32..(1 << 20), 8u8..=24).prop_map(|(lo, len)| {
            let a = u32::from(Ipv4Addr::new(10, 0, 0, 0)) | (lo << 4);
            (a & mask(len), len)
        });
        prop_oneof![
            3 => (prefix.clone(), 0u16..4).prop_map(|((a, len), port)| Op::Add(Route::new(Ipv4Addr::from(a), len, Ipv4Addr::UNSPECIFIED, port))),
            1 => prefix.prop_map(|(a, len)| Op::Remove(a, len)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn index_follows_adds_and_removes(ops in proptest::collection::vec(op(), 1..60), probes in proptest::collection::vec(0u32..(1 << 20), 30)) {
            let mut t = RadixTable::default();
            let mut routes: Vec<Route> = Vec::new();
            let probes: Vec<u32> = probes.iter().map(|p| u32::from(Ipv4Addr::new(10, 0, 0, 0)) | (p << 4) | 7).collect();
            for op in ops {
                match op {
                    Op::Add(r) => {
                        t.add(r, true).unwrap();
                        routes.retain(|k| (k.addr, k.len) != (r.addr, r.len));
                        routes.push(r);
                    }
                    Op::Remove(a, len) => {
                        let had = routes.iter().any(|k| (u32::from(k.addr), k.len) == (a, len));
                        prop_assert_eq!(t.remove(Ipv4Addr::from(a), len).is_some(), had);
                        routes.retain(|k| (u32::from(k.addr), k.len) != (a, len));
                    }
                }
                // The entries kept up to date add by add are those a repaint of the whole
                // index from the tree gives.
                let mut fresh = RadixTable { nodes: t.nodes.clone(), free: Vec::new(), count: 0, index: t.index.clone() };
                fresh.reindex(0, 0);
                prop_assert!(fresh.index == t.index, "index differs from a full repaint");
                for &p in probes.iter().chain(routes.iter().map(|r| &r.addr).map(|a| u32::from(*a)).collect::<Vec<_>>().iter()) {
                    let a = Ipv4Addr::from(p);
                    let want = routes.iter().filter(|r| r.contains(a)).max_by_key(|r| r.len).map(|r| (r.gateway, r.port));
                    prop_assert_eq!(t.lookup(a), want, "{}", a);
                }
            }
        }
    }
}
