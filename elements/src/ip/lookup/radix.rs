//! RadixIPLookup's table: a radix tree ([`RadixTree`]) as the authority, and, built from it
//! and kept up to date with it, a compact index for lookups in the manner of DXR (Zec, Rizzo
//! and Mellia, 2012: "DXR: towards a billion routing lookups per second in software").
//!
//! An address's top 16 bits pick one of 2^16 chunks. A chunk holds the number of the most
//! specific route of length 16 or less containing it (its "inherited" next hop) and, when
//! longer routes fall inside it, a sorted list of ranges of its low 16 bits, each with a next
//! hop number, or "inherited". A lookup reads the chunk, searches its few ranges (five on
//! average with 100,001 BGP-like prefixes, 19 at most), and reads the next hop: two or
//! three memory accesses into about 1.5 MB, where a tree walk below a /16 index took four
//! or five into 9 MB, so most lookups hit the second-level cache instead of missing it.
//!
//! Adds and removes change the tree, then rebuild only the ranges of the route's chunk (a
//! route longer than /16) or the inherited numbers of the chunks under it (a shorter one:
//! ranges refer to those, so they stay as they are).

use std::net::Ipv4Addr;

use super::tree::{NONE, Node, RadixTree, bit};
use super::{AddError, LookupTable, Route, mask};

/// Bits of an address a chunk stands for.
const CHUNK_BITS: u8 = 16;

/// Next hop numbers: 0 is "no route", then interned (gateway, port) pairs.
const NO_ROUTE: u16 = 0;
/// In a range: the chunk's inherited next hop.
const INHERIT: u16 = u16::MAX - 1;
/// A next hop without a number (more distinct next hops than numbers, or a chunk with more
/// ranges than a count holds): the lookup walks the tree instead.
const ESCAPE: u16 = u16::MAX;

/// What a lookup reads first for one value of an address's top 16 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Chunk {
    /// Where the chunk's ranges start in `ranges`...
    base: u32,
    /// ...and how many there are (0: none; every address takes `best`).
    count: u16,
    /// The next hop of the most specific route of length 16 or less containing the chunk.
    best: u16,
}

/// Interned next hops, reference counted by the routes that use them.
#[derive(Clone)]
struct Hops {
    /// Indexed by number; entry 0 (no route) is `None`.
    values: Vec<Option<(Ipv4Addr, u16)>>,
    refs: Vec<u32>,
    numbers: click_core::hash::NumberMap<u16>,
    /// Numbers released, for reuse.
    free: Vec<u16>,
    /// How many numbers there may be (ESCAPE and INHERIT are not numbers; tests lower it).
    limit: usize,
}

impl Default for Hops {
    fn default() -> Self {
        Hops {
            values: vec![None],
            refs: vec![0],
            numbers: Default::default(),
            free: Vec::new(),
            limit: usize::from(INHERIT),
        }
    }
}

impl Hops {
    fn key(gw: Ipv4Addr, port: u16) -> u64 {
        u64::from(u32::from(gw)) << 16 | u64::from(port)
    }

    /// The number of (gw, port), counted once more; ESCAPE when all numbers are taken.
    fn acquire(&mut self, gw: Ipv4Addr, port: u16) -> u16 {
        let key = Self::key(gw, port);
        if let Some(&n) = self.numbers.get(&key) {
            self.refs[usize::from(n)] += 1;
            return n;
        }
        let n = match self.free.pop() {
            Some(n) => n,
            None if self.values.len() < self.limit => {
                self.values.push(None);
                self.refs.push(0);
                (self.values.len() - 1) as u16
            }
            None => return ESCAPE,
        };
        self.values[usize::from(n)] = Some((gw, port));
        self.refs[usize::from(n)] = 1;
        self.numbers.insert(key, n);
        n
    }

    /// Counts number `n` once less; at zero it is free for another next hop (the caller
    /// rebuilds whatever referred to it before the next acquire).
    fn release(&mut self, n: u16) {
        if n == ESCAPE || n == NO_ROUTE {
            return;
        }
        let i = usize::from(n);
        self.refs[i] -= 1;
        if self.refs[i] == 0 {
            if let Some((gw, port)) = self.values[i].take() {
                self.numbers.remove(&Self::key(gw, port));
            }
            self.free.push(n);
        }
    }
}

/// RadixIPLookup's structure: a radix tree, and the chunk index looked up in its place.
#[derive(Clone)]
pub struct RadixTable {
    tree: RadixTree,
    /// 2^16 chunks, by an address's top 16 bits.
    chunks: Vec<Chunk>,
    /// Every chunk's ranges, each `start << 16 | next hop` (start: the first low 16 bits
    /// it covers), sorted; the first of a chunk starts at 0.
    ranges: Vec<u32>,
    /// Entries of `ranges` no chunk uses any more.
    waste: usize,
    hops: Hops,
    /// The most ranges a chunk may have (the count is 16 bits; tests lower it).
    max_ranges: usize,
    /// Kept for rebuilding a chunk's ranges (no allocation per add).
    scratch: Vec<u32>,
    /// Between `begin_load` and `compact`: adds and removes change the tree only; the
    /// chunks are built once at the end (a configuration's 100,000 routes would rebuild most
    /// chunks several times).
    loading: bool,
}

impl Default for RadixTable {
    fn default() -> Self {
        RadixTable {
            tree: RadixTree::default(),
            chunks: vec![Chunk::default(); 1 << CHUNK_BITS],
            ranges: vec![0; SLACK],
            waste: 0,
            hops: Hops::default(),
            max_ranges: usize::from(u16::MAX),
            scratch: Vec::new(),
            loading: false,
        }
    }
}

/// The chunk of address `a`.
#[inline]
fn chunk_of(a: u32) -> usize {
    (a >> (32 - u32::from(CHUNK_BITS))) as usize
}

/// Entries `ranges` keeps after its last chunk's, so that a search may read [`WIDE`] entries
/// from any chunk's start.
const SLACK: usize = 8;
/// Chunks with at most this many ranges (nine in ten with BGP-like tables) are searched by
/// comparing all of them at once.
const WIDE: usize = 8;

/// The next hop of the last of chunk ranges `ranges[base..base + count]` that starts at or
/// before `low` (the first starts at 0).
#[inline]
fn search(ranges: &[u32], base: usize, count: usize, low: u16) -> u16 {
    let key = u32::from(low) << 16 | 0xffff;
    if count <= WIDE {
        // Counts the ranges starting at or before `low` with eight comparisons the compiler
        // makes two vector compares: no branch on the address, where a binary search's
        // branches are mispredicted half the time.
        let w: &[u32; WIDE] = ranges[base..base + WIDE].try_into().expect("SLACK entries after the last chunk");
        let before: usize = (0..WIDE).map(|i| usize::from(w[i] <= key && i < count)).sum();
        return w[before.max(1) - 1] as u16;
    }
    let ranges = &ranges[base..base + count];
    let (mut base, mut n) = (0, count);
    while n > 1 {
        let half = n / 2;
        base += half * usize::from(ranges[base + half] <= key);
        n -= half;
    }
    ranges[base] as u16
}

/// The low 16 bits of the last address in node `n`'s prefix.
fn low_end(n: &Node) -> u32 {
    (n.key & 0xffff) | (!n.mask & 0xffff)
}

/// Appends a range to a chunk's list being built: the next hop `hop` from `start` on.
fn push_range(out: &mut Vec<u32>, start: u32, hop: u16) {
    if let Some(&last) = out.last() {
        if last as u16 == hop {
            return;
        }
        if last >> 16 == start {
            // A range of nothing: the new one starts at the same place.
            out.pop();
            if out.last().is_some_and(|&prev| prev as u16 == hop) {
                return;
            }
        }
    }
    out.push(start << 16 | u32::from(hop));
}

impl RadixTable {
    /// The node whose subtree holds the routes longer than /16 inside chunk `c` (a node of
    /// exactly /16, or the only node longer than it on the chunk's path), or NONE.
    fn chunk_root(&self, c: usize) -> u32 {
        let key = (c as u32) << (32 - u32::from(CHUNK_BITS));
        let mut cur = 0u32;
        while let Some(n) = self.tree.nodes.get(cur as usize) {
            if n.len >= CHUNK_BITS {
                return if chunk_of(n.key) == c { cur } else { NONE };
            }
            if key & n.mask != n.key {
                return NONE;
            }
            cur = n.child[bit(key, n.len)];
        }
        NONE
    }

    /// Appends the ranges of node `cur`'s subtree to `out`; `outer` is the next hop of the
    /// addresses around it (a route at or above /16 is the chunk's inherited hop).
    fn paint(&self, cur: u32, outer: u16, out: &mut Vec<u32>) {
        let n = &self.tree.nodes[cur as usize];
        let hop = if n.len > CHUNK_BITS && n.route.is_some() { n.hop } else { outer };
        let high = low_end(n);
        push_range(out, n.key & 0xffff, hop);
        if n.len == 32 {
            return;
        }
        for c in n.child {
            if c == NONE {
                continue;
            }
            self.paint(c, hop, out);
            let end = low_end(&self.tree.nodes[c as usize]);
            if end < high {
                push_range(out, end + 1, hop);
            }
        }
    }

    /// Rebuilds the ranges of chunk `c` from the tree.
    fn rebuild_chunk(&mut self, c: usize) {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        out.push(u32::from(INHERIT));
        let root = self.chunk_root(c);
        if root != NONE {
            self.paint(root, INHERIT, &mut out);
            let end = low_end(&self.tree.nodes[root as usize]);
            if end < 0xffff {
                push_range(&mut out, end + 1, INHERIT);
            }
        }
        if out.len() > self.max_ranges {
            // The tree answers for this chunk (more than 32,767 routes inside one /16).
            out.clear();
            out.push(u32::from(ESCAPE));
        }
        if out[..] == [u32::from(INHERIT)] {
            out.clear();
        }
        self.place(c, &out);
        self.scratch = out;
    }

    /// Stores chunk `c`'s new ranges: where its old ones were if they fit, else at the end.
    fn place(&mut self, c: usize, new: &[u32]) {
        let old = self.chunks[c];
        let old_count = usize::from(old.count);
        let base = if new.len() <= old_count {
            self.ranges[old.base as usize..][..new.len()].copy_from_slice(new);
            self.waste += old_count - new.len();
            old.base as usize
        } else {
            let end = self.ranges.len() - SLACK;
            self.ranges.truncate(end);
            self.ranges.extend_from_slice(new);
            self.ranges.extend_from_slice(&[0; SLACK]);
            self.waste += old_count;
            end
        };
        let chunk = &mut self.chunks[c];
        chunk.base = u32::try_from(base).expect("fewer than 2^32 ranges");
        chunk.count = new.len() as u16;
        if self.waste > 4096 && self.waste > self.ranges.len() / 2 {
            self.compact_ranges();
        }
    }

    /// Lays the chunks' ranges out again, in chunk order, without the unused entries.
    fn compact_ranges(&mut self) {
        let mut ranges = Vec::with_capacity(self.ranges.len() - self.waste);
        for chunk in &mut self.chunks {
            let (base, count) = (chunk.base as usize, usize::from(chunk.count));
            chunk.base = ranges.len() as u32;
            ranges.extend_from_slice(&self.ranges[base..base + count]);
        }
        ranges.extend_from_slice(&[0; SLACK]);
        self.ranges = ranges;
        self.waste = 0;
    }

    /// Sets the inherited next hop of the chunks under `key/len` (`len` at most 16): one
    /// walk down to that part of the tree, then one visit of each node in it no longer than
    /// 16 bits.
    fn reinherit(&mut self, key: u32, len: u8) {
        // The best route above `key/len` and the first node on its path at least that long.
        let mut best = NO_ROUTE;
        let mut cur = 0u32;
        while let Some(n) = self.tree.nodes.get(cur as usize)
            && n.len < len
        {
            if key & n.mask != n.key {
                cur = NONE;
                break;
            }
            if n.route.is_some() {
                best = n.hop;
            }
            cur = n.child[bit(key, n.len)];
        }
        self.set_best(key, len, best);
        // That node is either inside `key/len` or beside it (then nothing below it is inside).
        if let Some(n) = self.tree.nodes.get(cur as usize)
            && n.key & mask(len) == key
        {
            self.inherit_subtree(cur, best);
        }
    }

    /// Sets the inherited next hop of the chunks under node `cur` (whose routes above it give
    /// `best`): its own route's, and its children's below it.
    fn inherit_subtree(&mut self, cur: u32, mut best: u16) {
        let n = &self.tree.nodes[cur as usize];
        if n.len > CHUNK_BITS {
            return;
        }
        if n.route.is_some() {
            best = n.hop;
        }
        let (key, children, len) = (n.key, n.child, n.len);
        self.set_best(key, len, best);
        if len < CHUNK_BITS {
            for c in children {
                if c != NONE {
                    self.inherit_subtree(c, best);
                }
            }
        }
    }

    /// Sets the inherited next hop of every chunk under `key/len` (`len` at most 16).
    fn set_best(&mut self, key: u32, len: u8, best: u16) {
        let first = chunk_of(key);
        self.chunks[first..first + (1 << (CHUNK_BITS - len))].iter_mut().for_each(|c| c.best = best);
    }

    /// Every chunk's inherited hop and ranges built from the tree afresh.
    fn rebuild_all(&mut self) {
        self.chunks.iter_mut().for_each(|c| *c = Chunk::default());
        self.ranges.clear();
        self.ranges.resize(SLACK, 0);
        self.waste = 0;
        self.reinherit(0, 0);
        for c in 0..self.chunks.len() {
            self.rebuild_chunk(c);
        }
    }

    /// Brings the index up to date after the route `key/len` changed (or leaves it for the
    /// end of a load).
    fn refresh(&mut self, key: u32, len: u8) {
        if self.loading {
            return;
        }
        if len > CHUNK_BITS {
            self.rebuild_chunk(chunk_of(key));
        } else {
            self.reinherit(key & mask(len), len);
        }
    }

    /// The next hop number for `a` in chunk `c` (ESCAPE: ask the tree).
    #[inline]
    fn hop_in(&self, c: Chunk, a: u32) -> u16 {
        if c.count == 0 {
            return c.best;
        }
        let hop = search(&self.ranges, c.base as usize, usize::from(c.count), a as u16);
        if hop == INHERIT { c.best } else { hop }
    }

    /// What next hop number `hop` stands for; ESCAPE, which numbers nothing, is the tree's
    /// answer for `a`.
    #[inline]
    fn value(&self, hop: u16, a: u32) -> Option<(Ipv4Addr, u16)> {
        match self.hops.values.get(usize::from(hop)) {
            Some(v) => *v,
            None => self.tree.lookup(Ipv4Addr::from(a)),
        }
    }

    /// The most specific route strictly shorter than `len` that contains `key`.
    pub fn covering(&self, key: u32, len: u8) -> Option<Route> {
        self.tree.covering(key, len)
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}

impl LookupTable for RadixTable {
    fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, AddError> {
        let (n, old) = self.tree.add_node(r, replace)?;
        let hop = self.hops.acquire(r.gateway, r.port);
        let old_hop = std::mem::replace(&mut self.tree.nodes[n as usize].hop, hop);
        if old.is_some() {
            self.hops.release(old_hop);
        }
        // Only the chunks under the route's prefix can change: a node the add created above
        // it (splitting an edge) holds no route.
        self.refresh(u32::from(r.addr), r.len);
        Ok(old)
    }

    fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route> {
        let (r, hop) = self.tree.remove_node(addr, len)?;
        self.hops.release(hop);
        self.refresh(u32::from(r.addr), r.len);
        Some(r)
    }

    #[inline]
    fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        let a = u32::from(a);
        self.value(self.hop_in(self.chunks[chunk_of(a)], a), a)
    }

    fn prefetch(&self, a: Ipv4Addr) {
        if let Some(c) = self.chunks.get(chunk_of(u32::from(a))) {
            super::prefetch_read(c);
        }
    }

    fn lookup_many(&self, addrs: &[Ipv4Addr], out: &mut [Option<(Ipv4Addr, u16)>]) {
        // In groups: every chunk of the group is asked for, then every chunk's first range
        // probed, then each address looked up, so that their cache misses overlap.
        const GROUP: usize = 32;
        for (addrs, out) in addrs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            addrs.iter().for_each(|&a| self.prefetch(a));
            let mut chunks = [Chunk::default(); GROUP];
            for (&a, c) in addrs.iter().zip(&mut chunks) {
                *c = self.chunks[chunk_of(u32::from(a))];
                if c.count > 0
                    && let Some(r) = self.ranges.get(c.base as usize)
                {
                    super::prefetch_read(r);
                }
            }
            for ((&a, o), &c) in addrs.iter().zip(out.iter_mut()).zip(&chunks) {
                let a = u32::from(a);
                *o = self.value(self.hop_in(c, a), a);
            }
        }
    }

    fn routes(&self) -> Vec<Route> {
        self.tree.routes()
    }

    fn begin_load(&mut self, routes: usize) {
        self.loading = true;
        self.tree.reserve(routes);
    }

    fn compact(&mut self) {
        if std::mem::take(&mut self.loading) {
            self.rebuild_all();
        } else if self.waste > 0 {
            self.compact_ranges();
        }
    }

    fn memory(&self) -> usize {
        self.tree.memory()
            + self.chunks.len() * std::mem::size_of::<Chunk>()
            + self.ranges.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    impl RadixTable {
        /// A table with at most `hops` next hop numbers and `ranges` ranges a chunk, so that
        /// tests reach the tree walks those limits fall back on.
        fn limited(hops: usize, ranges: usize) -> RadixTable {
            let mut t = RadixTable { max_ranges: ranges, ..RadixTable::default() };
            t.hops.limit = hops;
            t
        }

        /// Each chunk's inherited hop and ranges, as a rebuild of every chunk from the tree
        /// gives them (`self`'s hop numbers).
        fn rebuilt(&self) -> RadixTable {
            let mut t = self.clone();
            t.rebuild_all();
            t
        }

        fn chunk_view(&self, c: usize) -> (u16, &[u32]) {
            let k = self.chunks[c];
            (k.best, &self.ranges[k.base as usize..k.base as usize + usize::from(k.count)])
        }
    }

    #[test]
    fn search_finds_the_range_holding_an_address() {
        // Chunks of 4 and 12 ranges, then slack (a 0 start: what a search must not count).
        let mut r = vec![0, 10 << 16 | 1, 11 << 16 | 2, 0xfff0 << 16 | 3];
        r.extend((0..12).map(|i| (i * 0x1000) << 16 | (i + 4)));
        r.extend([0; SLACK]);
        for (low, want) in [(0, 0), (9, 0), (10, 1), (11, 2), (12, 2), (0xffef, 2), (0xfff0, 3), (0xffff, 3)] {
            assert_eq!(search(&r, 0, 4, low), want, "{low}");
        }
        assert_eq!(search(&r, 0, 1, 0xffff), 0);
        for i in 0..12 {
            for low in [i * 0x1000, i * 0x1000 + 0xfff] {
                assert_eq!(search(&r, 4, 12, low as u16), i as u16 + 4, "{low}");
                // The last ranges, read as a chunk of eight or fewer.
                if i >= 4 {
                    assert_eq!(search(&r, 8, 8, low as u16), i as u16 + 4, "{low}");
                }
            }
        }
        // The last four, before the slack's zeros.
        assert_eq!(search(&r, 12, 4, 0xffff), 11 + 4);
        assert_eq!(search(&r, 12, 4, 0x9fff), 9 + 4);
    }

    /// A table of thousands of routes: lookups in groups find what single lookups and a walk
    /// of the tree find, for addresses inside and outside its prefixes, in a batch that is
    /// not a whole number of groups.
    #[test]
    fn lookups_in_groups_find_what_the_tree_finds() {
        let mut t = RadixTable::default();
        let mut x = 0x2545_f491_u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        while t.len() < 4096 {
            // Prefixes clustered in 10/8, /12 to /32, so that chunks have many ranges.
            let a = Ipv4Addr::from(0x0a00_0000 | (next() & 0x00ff_ffff));
            let len = 12 + (next() % 21) as u8;
            let _ = t.add(Route::new(a, len, Ipv4Addr::UNSPECIFIED, (next() % 4) as u16), true);
        }
        t.compact();
        let addrs: Vec<Ipv4Addr> = (0..1000).map(|_| Ipv4Addr::from(0x0a00_0000 | (next() & 0x01ff_ffff))).collect();
        let mut got = vec![None; addrs.len()];
        t.lookup_many(&addrs, &mut got);
        let want: Vec<_> = addrs.iter().map(|&a| t.tree.lookup(a)).collect();
        assert_eq!(got, want);
        assert_eq!(addrs.iter().map(|&a| t.lookup(a)).collect::<Vec<_>>(), want);
        assert!(want.iter().any(Option::is_some) && want.iter().any(Option::is_none));
        assert!(t.chunks.iter().any(|c| c.count > 8), "some chunk has many ranges");
    }

    /// Adds and removes interleaved, around the /16 chunk boundary, each followed by
    /// lookups compared with a plain scan of the routes.
    #[derive(Clone, Debug)]
    enum Op {
        Add(Route),
        Remove(u32, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Within 10.0.0.0/12, lengths 8 to 32: many edges split just above and below /16;
        // eight gateways and four ports, so that next hops come and go.
        let prefix = (0u32..(1 << 20), 8u8..=32).prop_map(|(lo, len)| {
            let a = u32::from(Ipv4Addr::new(10, 0, 0, 0)) | (lo << 4) | (lo & 0xf);
            (a & mask(len), len)
        });
        let route = (prefix.clone(), 0u16..4, 0u8..8).prop_map(|((a, len), port, gw)| {
            let gw = if gw < 4 { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::new(10, 9, 9, gw) };
            Route::new(Ipv4Addr::from(a), len, gw, port)
        });
        prop_oneof![3 => route.prop_map(Op::Add), 1 => prefix.prop_map(|(a, len)| Op::Remove(a, len))]
    }

    fn check_ops(mut t: RadixTable, ops: Vec<Op>, probes: Vec<u32>) -> Result<(), TestCaseError> {
        let mut routes: Vec<Route> = Vec::new();
        let probes: Vec<u32> = probes.iter().map(|p| u32::from(Ipv4Addr::new(10, 0, 0, 0)) | (p << 4) | 7).collect();
        for (i, op) in ops.into_iter().enumerate() {
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
            if i % 7 == 3 {
                t.compact();
            }
            // The chunks kept up to date add by add are those a rebuild from the tree gives.
            let fresh = t.rebuilt();
            for c in 0..t.chunks.len() {
                prop_assert_eq!(t.chunk_view(c), fresh.chunk_view(c), "chunk {}", c);
            }
            let mut addrs: Vec<Ipv4Addr> = probes.iter().map(|&p| Ipv4Addr::from(p)).collect();
            for r in &routes {
                addrs.push(r.addr);
                addrs.push(Ipv4Addr::from(u32::from(r.addr) | !mask(r.len)));
                addrs.push(Ipv4Addr::from(u32::from(r.addr).wrapping_sub(1)));
                addrs.push(Ipv4Addr::from((u32::from(r.addr) | !mask(r.len)).wrapping_add(1)));
            }
            let want: Vec<_> = addrs
                .iter()
                .map(|&a| routes.iter().filter(|r| r.contains(a)).max_by_key(|r| r.len).map(|r| (r.gateway, r.port)))
                .collect();
            for (&a, w) in addrs.iter().zip(&want) {
                prop_assert_eq!(t.lookup(a), *w, "{}", a);
            }
            let mut got = vec![None; addrs.len()];
            t.lookup_many(&addrs, &mut got);
            prop_assert_eq!(got, want);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Adds and removes between `begin_load` and `compact` (a configuration's routes)
        /// leave the chunks as the same changes made one by one do.
        #[test]
        fn a_load_builds_what_changes_one_by_one_build(ops in proptest::collection::vec(op(), 1..60)) {
            let (mut one, mut loaded) = (RadixTable::default(), RadixTable::default());
            loaded.begin_load(ops.len());
            for op in &ops {
                for t in [&mut one, &mut loaded] {
                    match *op {
                        Op::Add(r) => {
                            t.add(r, true).unwrap();
                        }
                        Op::Remove(a, len) => {
                            t.remove(Ipv4Addr::from(a), len);
                        }
                    }
                }
            }
            one.compact();
            loaded.compact();
            for c in 0..one.chunks.len() {
                prop_assert_eq!(one.chunk_view(c), loaded.chunk_view(c), "chunk {}", c);
            }
        }

        #[test]
        fn index_follows_adds_and_removes(ops in proptest::collection::vec(op(), 1..60), probes in proptest::collection::vec(0u32..(1 << 20), 30)) {
            check_ops(RadixTable::default(), ops, probes)?;
        }

        /// With three next hop numbers and chunks of at most four ranges, lookups of the
        /// next hops and chunks beyond them walk the tree, and find the same.
        #[test]
        fn limits_fall_back_on_the_tree(ops in proptest::collection::vec(op(), 1..60), probes in proptest::collection::vec(0u32..(1 << 20), 30)) {
            check_ops(RadixTable::limited(3, 4), ops, probes)?;
        }
    }

    #[test]
    fn beyond_the_limits_lookups_walk_the_tree() {
        // One next hop number (for port 0), chunks of at most three ranges.
        let mut t = RadixTable::limited(2, 3);
        let r = |a: [u8; 4], len, port| Route::new(Ipv4Addr::from(a), len, Ipv4Addr::UNSPECIFIED, port);
        t.add(r([10, 0, 0, 0], 8, 0), false).unwrap();
        t.add(r([10, 1, 0, 0], 16, 1), false).unwrap();
        t.add(r([10, 2, 1, 0], 24, 0), false).unwrap();
        t.add(r([10, 3, 1, 0], 24, 0), false).unwrap();
        t.add(r([10, 3, 3, 0], 24, 0), false).unwrap();
        assert_eq!(t.chunks[0x0a01].best, ESCAPE, "port 1 has no number");
        assert_eq!(t.chunk_view(0x0a02).1.len(), 3);
        assert_eq!(t.chunk_view(0x0a03).1, [u32::from(ESCAPE)], "five ranges");
        for (a, want) in [
            ([10, 1, 2, 3], Some(1)),
            ([10, 2, 1, 9], Some(0)),
            ([10, 2, 2, 9], Some(0)),
            ([10, 3, 1, 9], Some(0)),
            ([10, 3, 2, 9], Some(0)),
            ([11, 0, 0, 1], None),
        ] {
            let a = Ipv4Addr::from(a);
            assert_eq!(t.lookup(a).map(|(_, p)| p), want, "{a}");
        }
        // Without the /8, 10.3.2.9 is in no route: the escaped chunk still says so.
        t.remove(Ipv4Addr::new(10, 0, 0, 0), 8).unwrap();
        assert_eq!(t.lookup(Ipv4Addr::new(10, 3, 2, 9)), None);
        assert_eq!(t.lookup(Ipv4Addr::new(10, 3, 3, 9)).map(|(_, p)| p), Some(0));
    }

    #[test]
    fn next_hop_numbers_are_counted_and_reused() {
        let mut t = RadixTable::default();
        let gw = Ipv4Addr::new(10, 9, 9, 9);
        t.add(Route::new(Ipv4Addr::new(10, 1, 0, 0), 24, gw, 1), false).unwrap();
        t.add(Route::new(Ipv4Addr::new(10, 2, 0, 0), 24, gw, 1), false).unwrap();
        assert_eq!(t.hops.values.len(), 2, "one number for both routes");
        t.remove(Ipv4Addr::new(10, 1, 0, 0), 24).unwrap();
        assert_eq!(t.hops.refs[1], 1);
        // Replacing the last user's next hop frees the number, and the next one takes it.
        t.add(Route::new(Ipv4Addr::new(10, 2, 0, 0), 24, gw, 2), true).unwrap();
        assert_eq!(t.hops.values.len(), 3);
        assert_eq!(t.hops.free, [1]);
        t.add(Route::new(Ipv4Addr::new(10, 3, 0, 0), 24, gw, 3), true).unwrap();
        assert_eq!(t.hops.values[1], Some((gw, 3)));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 3, 0, 1)), Some((gw, 3)));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 2, 0, 1)), Some((gw, 2)));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 1)), None);
        // A failed add changes no count.
        assert!(t.add(Route::new(Ipv4Addr::new(10, 3, 0, 0), 24, gw, 1), false).is_err());
        assert_eq!(t.hops.values.len(), 3);
        assert_eq!((t.hops.refs[1], t.hops.refs[2]), (1, 1));
    }
}
