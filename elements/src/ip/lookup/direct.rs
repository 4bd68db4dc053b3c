//! DIR-24-8 (Gupta, Lin and McKeown, 1998): a table of 2^24 entries indexed by the top 24
//! bits of the address, each either a next hop or a reference to a 256-entry second-level
//! table for prefixes longer than /24. A lookup is one or two memory accesses.
//!
//! Each entry also records the length of the route that set it, so an add overwrites only
//! entries set by less specific routes, and a remove hands its entries to the covering route
//! (found in a radix tree of the same routes, kept as the authority for `table`).

use std::net::Ipv4Addr;

use super::{AddError, LookupTable, RadixTree, Route};

/// Entry value meaning "no route".
const EMPTY: u16 = 0;
/// Top bit set: the low 15 bits index a second-level table.
const TBL8_FLAG: u16 = 0x8000;
const TBL24_SIZE: usize = 1 << 24;

/// The DIR-24-8 table.
pub struct DirectTable {
    /// Next-hop index + 1 (0 = none), or TBL8_FLAG | chunk.
    tbl24: Vec<u16>,
    /// Prefix length of the route that set each tbl24 entry.
    len24: Vec<u8>,
    tbl8: Vec<u16>,
    len8: Vec<u8>,
    /// Distinct (gateway, port) pairs; entries store index + 1.
    hops: Vec<(Ipv4Addr, u16)>,
    hop_refs: std::collections::HashMap<(Ipv4Addr, u16), u16>,
    authority: RadixTree,
}

impl Default for DirectTable {
    fn default() -> Self {
        // Zeroed allocations: the kernel maps pages lazily, so an empty table costs little.
        let mut tbl24 = vec![EMPTY; TBL24_SIZE];
        // Lookups touch it at random: 2 MB pages spare a TLB miss on nearly every one.
        super::advise_huge_pages(&mut tbl24);
        DirectTable {
            tbl24,
            len24: vec![0; TBL24_SIZE],
            tbl8: Vec::new(),
            len8: Vec::new(),
            hops: Vec::new(),
            hop_refs: Default::default(),
            authority: RadixTree::default(),
        }
    }
}

impl DirectTable {
    fn hop_index(&mut self, hop: (Ipv4Addr, u16)) -> Result<u16, AddError> {
        if let Some(&i) = self.hop_refs.get(&hop) {
            return Ok(i);
        }
        if self.hops.len() >= (TBL8_FLAG - 1) as usize {
            return Err(AddError::Full("too many distinct next hops (32767)".into()));
        }
        self.hops.push(hop);
        let i = self.hops.len() as u16;
        self.hop_refs.insert(hop, i);
        Ok(i)
    }

    /// Writes (`hop`, `len`) over every entry covered by `key/len` that a route no more
    /// specific than `owner_len` set. Adding a route passes its own length (so longer
    /// routes keep their entries); removing passes the removed route's length, with the
    /// covering route's hop and length as the new value.
    fn paint(&mut self, key: u32, len: u8, owner_len: u8, hop: u16, hop_len: u8, adding: bool) -> Result<(), AddError> {
        let hit = |cur_len: u8| if adding { cur_len <= owner_len } else { cur_len == owner_len };
        if len <= 24 {
            let first = (key >> 8) as usize;
            let count = 1usize << (24 - len);
            for i in first..first + count {
                let e = self.tbl24[i];
                if e & TBL8_FLAG != 0 {
                    let base = usize::from(e & !TBL8_FLAG) * 256;
                    for j in base..base + 256 {
                        if hit(self.len8[j]) {
                            self.tbl8[j] = hop;
                            self.len8[j] = hop_len;
                        }
                    }
                } else if hit(self.len24[i]) {
                    self.tbl24[i] = hop;
                    self.len24[i] = hop_len;
                }
            }
        } else {
            let i = (key >> 8) as usize;
            let e = self.tbl24[i];
            let base = if e & TBL8_FLAG != 0 {
                usize::from(e & !TBL8_FLAG) * 256
            } else {
                if !adding {
                    return Ok(());
                }
                let chunk = self.tbl8.len() / 256;
                if chunk >= usize::from(!TBL8_FLAG) {
                    return Err(AddError::Full("too many second-level tables (32767)".into()));
                }
                // The new chunk starts as copies of the /24 entry.
                self.tbl8.extend(std::iter::repeat_n(e, 256));
                self.len8.extend(std::iter::repeat_n(self.len24[i], 256));
                self.tbl24[i] = TBL8_FLAG | chunk as u16;
                chunk * 256
            };
            let first = base + (key & 0xff) as usize;
            for j in first..first + (1usize << (32 - len)) {
                if hit(self.len8[j]) {
                    self.tbl8[j] = hop;
                    self.len8[j] = hop_len;
                }
            }
        }
        Ok(())
    }
}

impl LookupTable for DirectTable {
    fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, AddError> {
        let hop = self.hop_index((r.gateway, r.port))?;
        let old = self.authority.add(r, replace)?;
        // Entries store length + 1 so that 0 means "no route" even for a /0 route.
        self.paint(u32::from(r.addr), r.len, r.len + 1, hop, r.len + 1, true)?;
        Ok(old)
    }

    fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route> {
        let r = self.authority.remove(addr, len)?;
        let (hop, hop_len) = match self.authority.covering(u32::from(r.addr), r.len) {
            Some(c) => (self.hop_refs.get(&(c.gateway, c.port)).copied().unwrap_or(EMPTY), c.len + 1),
            None => (EMPTY, 0),
        };
        // Removing never needs a new second-level table, so this cannot fail.
        let _ = self.paint(u32::from(r.addr), r.len, r.len + 1, hop, hop_len, false);
        Some(r)
    }

    #[inline]
    fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        let a = u32::from(a);
        let mut e = self.tbl24[(a >> 8) as usize];
        if e & TBL8_FLAG != 0 {
            e = self.tbl8[usize::from(e & !TBL8_FLAG) * 256 + (a & 0xff) as usize];
        }
        if e == EMPTY { None } else { Some(self.hops[usize::from(e) - 1]) }
    }

    fn prefetch(&self, a: Ipv4Addr) {
        if let Some(e) = self.tbl24.get((u32::from(a) >> 8) as usize) {
            super::prefetch_read(e);
        }
    }

    fn routes(&self) -> Vec<Route> {
        self.authority.routes()
    }

    fn memory(&self) -> usize {
        self.tbl24.len() * 3 + self.tbl8.capacity() * 3 + self.authority.memory()
    }
}
