//! A binary trie with path compression (a PATRICIA-style radix tree): each node holds a
//! prefix; a lookup walks down while the node's prefix contains the address, remembering the
//! last route seen. Adds and removes are incremental.
//!
//! It is the authority the fast lookup structures are built from and kept up to date with
//! (RadixIPLookup's range index, DirectIPLookup's DIR-24-8 table), and what `table` lists.

use std::net::Ipv4Addr;

use super::{AddError, Route, mask, sort_routes};

/// No node.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// Prefix bits (host bits zero), length, and the mask of that length (kept so that a
    /// lookup step is one AND and one compare).
    pub(crate) key: u32,
    pub(crate) mask: u32,
    pub(crate) len: u8,
    /// A number the table built on the tree keeps with the node's route (RadixTable: its
    /// next hop's number); the tree only stores it.
    pub(crate) hop: u16,
    pub(crate) route: Option<Route>,
    pub(crate) child: [u32; 2],
}

impl Node {
    fn new(key: u32, len: u8) -> Node {
        Node { key, mask: mask(len), len, hop: 0, route: None, child: [NONE; 2] }
    }

    /// One step of a lookup of `a` at this node: records its route in `best` if it contains
    /// `a`, and returns the child to go on to (`NONE` to stop).
    #[inline]
    pub(crate) fn step(&self, a: u32, best: &mut Option<(Ipv4Addr, u16)>) -> u32 {
        if a & self.mask != self.key {
            return NONE;
        }
        if let Some(r) = &self.route {
            *best = Some((r.gateway, r.port));
        }
        if self.len == 32 { NONE } else { self.child[bit(a, self.len)] }
    }
}

#[inline]
pub(crate) fn bit(key: u32, i: u8) -> usize {
    ((key >> (31 - u32::from(i))) & 1) as usize
}

/// Length of the common prefix of two keys, at most `max`.
fn common(a: u32, b: u32, max: u8) -> u8 {
    ((a ^ b).leading_zeros() as u8).min(max)
}

/// A path-compressed binary radix tree of routes.
#[derive(Clone)]
pub struct RadixTree {
    pub(crate) nodes: Vec<Node>,
    count: usize,
}

impl Default for RadixTree {
    fn default() -> Self {
        // Node 0 is the root, the empty prefix.
        RadixTree { nodes: vec![Node::new(0, 0)], count: 0 }
    }
}

impl RadixTree {
    /// Makes room for `routes` more routes: each adds at most two nodes (its own and one
    /// where it splits an edge).
    pub fn reserve(&mut self, routes: usize) {
        self.nodes.reserve(routes.saturating_mul(2));
    }

    fn alloc(&mut self, n: Node) -> u32 {
        self.nodes.push(n);
        (self.nodes.len() - 1) as u32
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

    /// The node of exactly `key/len`, if there is one.
    pub(crate) fn find(&self, key: u32, len: u8) -> Option<u32> {
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

    /// Adds `r` (replacing a route of the same prefix if `replace`); returns its node and the
    /// route replaced. Nodes are never freed, so node numbers stay valid.
    pub(crate) fn add_node(&mut self, r: Route, replace: bool) -> Result<(u32, Option<Route>), AddError> {
        let n = self.node_for(u32::from(r.addr), r.len);
        let slot = &mut self.nodes[n as usize].route;
        match slot {
            Some(old) if !replace => Err(AddError::Exists(*old)),
            Some(_) => Ok((n, slot.replace(r))),
            None => {
                *slot = Some(r);
                self.count += 1;
                Ok((n, None))
            }
        }
    }

    /// Adds `r`; with `replace`, replaces a route of the same prefix and returns it.
    pub fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, AddError> {
        self.add_node(r, replace).map(|(_, old)| old)
    }

    /// Removes the route for `addr/len`; returns it and the number its node kept.
    pub(crate) fn remove_node(&mut self, addr: Ipv4Addr, len: u8) -> Option<(Route, u16)> {
        let key = u32::from(addr) & mask(len);
        let n = self.find(key, len)?;
        let node = &mut self.nodes[n as usize];
        let r = node.route.take()?;
        self.count -= 1;
        // Nodes are kept; an empty node only costs a step on walks through it.
        Some((r, node.hop))
    }

    /// Removes the route for `addr/len`.
    pub fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route> {
        self.remove_node(addr, len).map(|(r, _)| r)
    }

    /// The most specific route containing `a`, by a walk from the root.
    pub fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        let a = u32::from(a);
        let mut best = None;
        let mut cur = 0u32;
        while let Some(n) = self.nodes.get(cur as usize) {
            cur = n.step(a, &mut best);
        }
        best
    }

    /// Every route, most specific first, then by address.
    pub fn routes(&self) -> Vec<Route> {
        let mut v: Vec<Route> = self.nodes.iter().filter_map(|n| n.route).collect();
        sort_routes(&mut v);
        v
    }

    /// Approximate memory used, in bytes.
    pub fn memory(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
    }

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
