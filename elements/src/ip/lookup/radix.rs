//! A binary trie with path compression (a PATRICIA-style radix tree): each node holds a
//! prefix; a lookup walks down while the node's prefix contains the address, remembering the
//! last route seen. Adds and removes are incremental.

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

/// A path-compressed binary radix tree.
pub struct RadixTable {
    nodes: Vec<Node>,
    free: Vec<u32>,
    count: usize,
}

impl Default for RadixTable {
    fn default() -> Self {
        // Node 0 is the root, the empty prefix.
        RadixTable { nodes: vec![Node::new(0, 0)], free: Vec::new(), count: 0 }
    }
}

impl Node {
    fn new(key: u32, len: u8) -> Node {
        Node { key, mask: mask(len), len, route: None, child: [NONE; 2] }
    }
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
        let n = self.node_for(u32::from(r.addr), r.len);
        let slot = &mut self.nodes[n as usize].route;
        match slot {
            Some(old) if !replace => Err(AddError::Exists(*old)),
            Some(_) => Ok(slot.replace(r)),
            None => {
                *slot = Some(r);
                self.count += 1;
                Ok(None)
            }
        }
    }

    fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route> {
        let key = u32::from(addr) & mask(len);
        let n = self.find(key, len)?;
        let r = self.nodes[n as usize].route.take()?;
        self.count -= 1;
        // Nodes are kept; an empty node only costs a step on lookups through it.
        Some(r)
    }

    #[inline]
    fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        let a = u32::from(a);
        let mut best = None;
        let mut cur = 0u32;
        loop {
            let n = &self.nodes[cur as usize];
            if a & n.mask != n.key {
                break;
            }
            if let Some(r) = &n.route {
                best = Some((r.gateway, r.port));
            }
            if n.len == 32 {
                break;
            }
            let next = n.child[bit(a, n.len)];
            if next == NONE {
                break;
            }
            cur = next;
        }
        best
    }

    fn routes(&self) -> Vec<Route> {
        let mut v: Vec<Route> = self.nodes.iter().filter_map(|n| n.route).collect();
        sort_routes(&mut v);
        v
    }

    fn memory(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
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
