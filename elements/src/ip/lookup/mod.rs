//! IPv4 route-table structures behind LinearIPLookup, StaticIPLookup, RadixIPLookup and
//! DirectIPLookup. They share one interface ([`LookupTable`]) and must agree on every lookup.

mod direct;
mod linear;
mod radix;
mod tree;

pub use direct::DirectTable;
pub use linear::LinearTable;
pub use radix::RadixTable;
pub use tree::RadixTree;

use std::fmt;
use std::net::Ipv4Addr;

use click_core::Ipv4Prefix;

/// A route: destinations in `prefix` go to output `port`, via `gateway` when it is not
/// 0.0.0.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    /// Network address (host bits cleared).
    pub addr: Ipv4Addr,
    /// Prefix length, 0 to 32.
    pub len: u8,
    /// Next hop, 0.0.0.0 for directly connected destinations.
    pub gateway: Ipv4Addr,
    /// Output port.
    pub port: u16,
}

impl Route {
    /// A route with host bits of `addr` cleared.
    pub fn new(addr: Ipv4Addr, len: u8, gateway: Ipv4Addr, port: u16) -> Route {
        let len = len.min(32);
        Route { addr: Ipv4Addr::from(u32::from(addr) & mask(len)), len, gateway, port }
    }

    /// True when `a` is inside the route's prefix.
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        u32::from(a) & mask(self.len) == u32::from(self.addr)
    }

    /// Parses Click's route syntax: `ADDR/MASK [GATEWAY] PORT`.
    pub fn parse(text: &str) -> Result<Route, String> {
        Self::parse_spaced(text).map_or_else(|| Self::parse_words(text), Ok)
    }

    /// [`parse`](Self::parse) for any text: also says what is wrong.
    fn parse_words(text: &str) -> Result<Route, String> {
        // Words are separated by ASCII whitespace, as in Click (`cp_spacevec`).
        let mut words = text.split_ascii_whitespace();
        let (prefix, gw, port) = match (words.next(), words.next(), words.next(), words.next()) {
            (Some(p), Some(port), None, _) => (p, None, port),
            (Some(p), Some(gw), Some(port), None) => (p, Some(gw), port),
            _ => return Err(format!("expected 'ADDR/MASK [GATEWAY] OUTPUT', got '{text}'")),
        };
        let prefix: Ipv4Prefix = prefix.parse().map_err(|_| format!("bad prefix '{prefix}'"))?;
        let len = prefix.prefix_len().ok_or_else(|| format!("non-contiguous mask in '{text}'"))?;
        let gateway = match gw {
            Some(g) => g.parse().map_err(|_| format!("bad gateway '{g}'"))?,
            None => Ipv4Addr::UNSPECIFIED,
        };
        let port = port.parse().map_err(|_| format!("bad output port '{port}'"))?;
        Ok(Route::new(prefix.addr, len, gateway, port))
    }

    /// A valid route whose words are one space apart, as configuration arguments arrive
    /// (100,000 of them in a large table), without splitting at every kind of whitespace;
    /// `None` for anything else. No word's parser accepts whitespace, so a route this reads
    /// is the one [`parse`](Self::parse) reads.
    fn parse_spaced(text: &str) -> Option<Route> {
        // (A plain byte search: `split_once(' ')`'s searcher costs more on words this short.)
        fn split_at_space(t: &str) -> Option<(&str, &str)> {
            t.bytes().position(|c| c == b' ').map(|i| (&t[..i], &t[i + 1..]))
        }
        let (prefix, rest) = split_at_space(text)?;
        let (gateway, port) = match split_at_space(rest) {
            Some((g, p)) => (g.parse().ok()?, p),
            None => (Ipv4Addr::UNSPECIFIED, rest),
        };
        let prefix: Ipv4Prefix = prefix.parse().ok()?;
        Some(Route::new(prefix.addr, prefix.prefix_len()?, gateway, port.parse().ok()?))
    }
}

impl fmt::Display for Route {
    /// `ADDR/LEN<tab>GATEWAY<tab>PORT`, with `-` for no gateway (the `table` handler's form).
    /// As Click's `IPRoute::unparse`, a second tab follows a prefix shorter than 16
    /// characters and a gateway shorter than 8, so that columns line up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = format!("{}/{}", self.addr, self.len);
        let gw = if self.gateway.is_unspecified() { "-".to_string() } else { self.gateway.to_string() };
        let tab = |s: &str| if s.len() + 1 < 17 { "\t\t" } else { "\t" };
        let gtab = if gw.len() + 1 < 9 { "\t\t" } else { "\t" };
        write!(f, "{prefix}{}{gw}{gtab}{}", tab(&prefix), self.port)
    }
}

/// The mask of a prefix length.
#[inline]
pub fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) }
}

/// What an add did.
#[derive(Debug, PartialEq, Eq)]
pub enum AddError {
    /// A route for that prefix exists and replacing was not asked for.
    Exists(Route),
    /// The structure cannot hold more (DirectIPLookup's next-hop or table limits).
    Full(String),
}

/// A longest-prefix-match table.
pub trait LookupTable: Send + Default + 'static {
    /// Adds `r`; with `replace`, replaces a route of the same prefix and returns it.
    fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, AddError>;
    /// Removes the route for `addr/len`.
    fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route>;
    /// The most specific route containing `a`: (gateway, port).
    fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)>;
    /// Starts loading the memory a lookup of `a` reads first, without waiting for it. The
    /// default [`lookup_many`](Self::lookup_many) calls this for every address, then
    /// [`prefetch_next`](Self::prefetch_next) for every address, then looks each up: the
    /// cache misses of a batch overlap instead of following one another. A hint only.
    fn prefetch(&self, a: Ipv4Addr) {
        let _ = a;
    }
    /// For tables whose lookup then reads memory found through the first read (a tree
    /// below an index): starts loading that. Called after `prefetch` was called on the batch.
    fn prefetch_next(&self, a: Ipv4Addr) {
        let _ = a;
    }
    /// Looks up every address of `addrs` into `out` (as long as `addrs`), as [`lookup`]
    /// would. The default gives the prefetch hints for all of them, then looks each up;
    /// tables whose lookup follows a chain of reads (a tree) walk all the chains in step
    /// instead, so that the cache misses at every depth overlap, not only the first two.
    ///
    /// [`lookup`]: Self::lookup
    fn lookup_many(&self, addrs: &[Ipv4Addr], out: &mut [Option<(Ipv4Addr, u16)>]) {
        addrs.iter().for_each(|&a| self.prefetch(a));
        addrs.iter().for_each(|&a| self.prefetch_next(a));
        for (o, &a) in out.iter_mut().zip(addrs) {
            *o = self.lookup(a);
        }
    }
    /// Every route, most specific first, then by address.
    fn routes(&self) -> Vec<Route>;
    /// Called before a burst of adds (a configuration's routes), which [`LookupTable::compact`]
    /// ends: until then the table may leave its lookup structures stale and build them once
    /// at the end. No lookup may come in between. About `routes` adds follow: the table may
    /// make room for them at once rather than growing (and copying) step by step.
    fn begin_load(&mut self, routes: usize) {
        let _ = routes;
    }
    /// Called after a burst of adds (a configuration's routes): lays the structure out
    /// densely again, where updates leave it sparse (and builds what `begin_load` deferred).
    fn compact(&mut self) {}
    /// Removes every route.
    fn clear(&mut self) {
        *self = Self::default();
    }
    /// Approximate memory used, in bytes.
    fn memory(&self) -> usize;
}

/// Sorts routes as `table` prints them.
pub(crate) fn sort_routes(v: &mut [Route]) {
    v.sort_by(|a, b| b.len.cmp(&a.len).then(u32::from(a.addr).cmp(&u32::from(b.addr))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Route texts made of valid and nearly valid words, one space apart or otherwise.
        #[test]
        fn the_quick_route_parser_agrees_with_the_general_one(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "10.0.0.0/8", "1.2.3.4/32", "0.0.0.0/0", "10/8", "10.0.0.0/255.0.0.0", "10.0.0.0/255.0.255.0",
                "1.2.3.4", "01.2.3.4", "18.26.4.1", "0", "2", "65535", "65536", "+3", "-1", "x", "",
            ]), 0..5),
            separators in proptest::collection::vec(proptest::sample::select(vec![" ", "  ", "\t", " \n"]), 5),
        ) {
            let mut text = String::new();
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    text.push_str(separators[i]);
                }
                text.push_str(w);
            }
            let quick = Route::parse_spaced(&text);
            let general = Route::parse_words(&text);
            if let Some(r) = quick {
                prop_assert_eq!(Ok(r), general.clone(), "{:?}", text);
            }
            // Words one space apart (as arguments arrive: trimmed, spaces collapsed) take the
            // quick path whenever they are a route.
            if separators[1..words.len().max(1)].iter().all(|s| *s == " ") && !words.contains(&"") {
                prop_assert_eq!(quick, general.ok(), "{:?}", text);
            }
        }
    }

    fn reference(routes: &[Route], a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        routes.iter().filter(|r| r.contains(a)).max_by_key(|r| r.len).map(|r| (r.gateway, r.port))
    }

    fn all_agree(routes: &[Route], probes: &[Ipv4Addr]) -> Result<(), TestCaseError> {
        let mut lin = LinearTable::default();
        let mut rad = RadixTable::default();
        let mut dir = DirectTable::default();
        let mut kept: Vec<Route> = Vec::new();
        for r in routes {
            lin.add(*r, true).unwrap();
            rad.add(*r, true).unwrap();
            dir.add(*r, true).unwrap();
            kept.retain(|k| (k.addr, k.len) != (r.addr, r.len));
            kept.push(*r);
        }
        // Prefetch hints take any address and change nothing.
        for &a in probes {
            lin.prefetch(a);
            rad.prefetch(a);
            dir.prefetch(a);
            lin.prefetch_next(a);
            rad.prefetch_next(a);
            dir.prefetch_next(a);
        }
        for &a in probes {
            let want = reference(&kept, a);
            prop_assert_eq!(lin.lookup(a), want, "linear {}", a);
            prop_assert_eq!(rad.lookup(a), want, "radix {}", a);
            prop_assert_eq!(dir.lookup(a), want, "direct {}", a);
        }
        // Looking up many at once (radix: walks in step, in groups of 32) finds the same.
        let want: Vec<_> = probes.iter().map(|&a| reference(&kept, a)).collect();
        let mut got = vec![None; probes.len()];
        lin.lookup_many(probes, &mut got);
        prop_assert_eq!(&got, &want, "linear, many");
        rad.lookup_many(probes, &mut got);
        prop_assert_eq!(&got, &want, "radix, many");
        dir.lookup_many(probes, &mut got);
        prop_assert_eq!(&got, &want, "direct, many");
        // Remove half and check again.
        for r in kept.iter().step_by(2) {
            prop_assert!(lin.remove(r.addr, r.len).is_some());
            prop_assert!(rad.remove(r.addr, r.len).is_some());
            prop_assert!(dir.remove(r.addr, r.len).is_some());
        }
        let rest: Vec<Route> = kept.iter().skip(1).step_by(2).copied().collect();
        for &a in probes {
            let want = reference(&rest, a);
            prop_assert_eq!(lin.lookup(a), want);
            prop_assert_eq!(rad.lookup(a), want);
            prop_assert_eq!(dir.lookup(a), want);
        }
        let mut a = lin.routes();
        let mut b = rad.routes();
        let mut c = dir.routes();
        sort_routes(&mut a);
        sort_routes(&mut b);
        sort_routes(&mut c);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a, &c);
        Ok(())
    }

    fn route_strategy() -> impl Strategy<Value = Route> {
        // Cluster addresses so that prefixes overlap often.
        (0u32..8, any::<u32>(), 6u8..=32, any::<bool>(), 0u16..4).prop_map(|(hi, lo, len, gw, port)| {
            let a = Ipv4Addr::from((hi << 29) | (lo >> 3));
            let g = if gw { Ipv4Addr::new(10, 0, 0, port as u8 + 1) } else { Ipv4Addr::UNSPECIFIED };
            Route::new(a, len, g, port)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn tables_agree_with_a_linear_reference(
            routes in proptest::collection::vec(route_strategy(), 0..40),
            probes in proptest::collection::vec((0u32..8, any::<u32>()), 1..100),
        ) {
            let mut p: Vec<Ipv4Addr> = probes.iter().map(|(hi, lo)| Ipv4Addr::from((hi << 29) | (lo >> 3))).collect();
            // Probe every route's first and last address too.
            for r in &routes {
                p.push(r.addr);
                p.push(Ipv4Addr::from(u32::from(r.addr) | !mask(r.len)));
            }
            all_agree(&routes, &p)?;
        }
    }

    #[test]
    fn default_route_and_host_routes() {
        // Short prefixes are slow to paint in debug builds, so the property test starts at /6;
        // this covers /0 and its interplay with longer routes.
        let routes = [
            Route::new(Ipv4Addr::UNSPECIFIED, 0, Ipv4Addr::new(18, 26, 4, 1), 1),
            Route::new(Ipv4Addr::new(18, 26, 4, 0), 24, Ipv4Addr::UNSPECIFIED, 1),
            Route::new(Ipv4Addr::new(18, 26, 4, 24), 32, Ipv4Addr::UNSPECIFIED, 0),
            Route::new(Ipv4Addr::new(18, 26, 4, 128), 25, Ipv4Addr::UNSPECIFIED, 2),
        ];
        let probes: Vec<Ipv4Addr> =
            (0..=255).map(|i| Ipv4Addr::new(18, 26, 4, i)).chain([Ipv4Addr::new(1, 2, 3, 4)]).collect();
        all_agree(&routes, &probes).unwrap();
    }

    #[test]
    fn parse_click_syntax() {
        assert_eq!(Route::parse("10.0.0.0/8 10.255.255.254 2").unwrap().to_string(), "10.0.0.0/8\t\t10.255.255.254\t2");
        assert_eq!(Route::parse("18.26.4.24/32 0").unwrap().to_string(), "18.26.4.24/32\t\t-\t\t0");
        assert_eq!(Route::parse("192.168.100.0/24 1.2.3.4 0").unwrap().to_string(), "192.168.100.0/24\t1.2.3.4\t\t0");
        assert_eq!(Route::parse("10.1.2.3/255.255.0.0 1").unwrap().addr, Ipv4Addr::new(10, 1, 0, 0));
        assert!(Route::parse("10.0.0.0/8").is_err());
        assert!(Route::parse("10.0.0.0/255.0.255.0 1").unwrap_err().contains("non-contiguous"));
        assert!(Route::parse("10.0.0.0/8 x 1").is_err());
    }
}

/// Asks the processor to start loading the cache line holding `r` (a hint: no fault, no
/// effect on results).
#[inline(always)]
pub(crate) fn prefetch_read<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing into the program; `r` is a valid
    // reference anyway.
    #[allow(unsafe_code)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((r as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// Asks the kernel to back the 2 MB-aligned part of `v` with transparent huge pages (Linux,
/// THP in `madvise` mode or `always`), before it is first written. Large lookup tables read at
/// random addresses then take one TLB entry per 2 MB instead of per 4 KB. Only advice: where
/// huge pages are off or unavailable nothing changes.
pub(crate) fn advise_huge_pages<T>(v: &mut [T]) {
    const HUGE: usize = 2 << 20;
    let start = v.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(v);
    let first = start.next_multiple_of(HUGE);
    let len = end.saturating_sub(first) / HUGE * HUGE;
    if len == 0 {
        return;
    }
    // SAFETY: [first, first + len) lies inside `v`'s allocation, which `&mut` keeps alive
    // and unaliased for the call; MADV_HUGEPAGE changes how pages are backed, never their
    // contents, and its failure is harmless (ignored).
    #[allow(unsafe_code)]
    unsafe {
        libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(test)]
mod huge_page_tests {
    /// The huge pages backing the mapping that contains `addr`, in kB (from /proc/self/smaps).
    fn anon_huge_kb(addr: usize) -> Option<u64> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((a, b)) = range.split_once('-')
                && let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
            {
                inside = (a..b).contains(&addr);
            } else if inside && let Some(v) = line.strip_prefix("AnonHugePages:") {
                return v.trim().trim_end_matches("kB").trim().parse().ok();
            }
        }
        None
    }

    #[test]
    fn large_tables_get_huge_pages_where_the_kernel_offers_them() {
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
        // Small slices: nothing to advise, nothing breaks.
        super::advise_huge_pages(&mut [0u16; 3]);
        super::advise_huge_pages::<u8>(&mut []);
        let mut table = vec![0u16; 8 << 20];
        super::advise_huge_pages(&mut table);
        table.iter_mut().step_by(2048).for_each(|e| *e = 1);
        if !(thp.contains("[madvise]") || thp.contains("[always]")) {
            eprintln!("transparent huge pages are off here ({}): not checked", thp.trim());
            return;
        }
        let kb = anon_huge_kb(table.as_ptr() as usize + (8 << 20)).expect("the table's mapping in smaps");
        assert!(kb >= 2048, "the 16 MB table has {kb} kB of huge pages");
        assert_eq!(table.iter().map(|&e| u64::from(e)).sum::<u64>(), (8 << 20) / 2048);
    }
}
