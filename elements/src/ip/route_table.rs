use std::marker::PhantomData;
use std::net::Ipv4Addr;

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet};

use super::lookup::{AddError, DirectTable, LinearTable, LookupTable, RadixTable, Route};

/// Names a route-table class and its lookup structure.
pub trait TableClass: Send + 'static {
    /// The lookup structure.
    type Table: LookupTable;
    /// The Click class name.
    const NAME: &'static str;
    /// How Click's structure orders its `table` handler.
    const ORDER: OrderKind;
}

/// How Click's route tables order the routes their `table` handler lists.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OrderKind {
    /// LinearIPLookup, StaticIPLookup: a vector; a new route takes the first free slot, a
    /// replaced one keeps its slot.
    Linear,
    /// RadixIPLookup: a vector with a LIFO free list; a replaced route moves to a new slot.
    Radix,
    /// DirectIPLookup: a 65536-bucket hash of (prefix, length), newest first in a bucket; the
    /// default route is always the bucket's oldest entry.
    Direct,
}

/// The order Click's `table` handler lists routes in: a model of its structure's slots,
/// kept beside our own lookup structure.
#[derive(Default)]
struct ClickOrder {
    slots: Vec<Option<Route>>,
    /// Where each route's slot is, so that a million-route table loads in linear time.
    index: click_core::hash::NumberMap<usize>,
    /// Freed slots, most recent last (RadixIPLookup reuses the last freed)...
    free: Vec<usize>,
    /// ...and in order (the other classes reuse the lowest).
    free_sorted: std::collections::BTreeSet<usize>,
    stamp: u64,
    stamps: Vec<u64>,
}

/// A route's prefix as one number: the address and the length.
fn prefix_key(addr: Ipv4Addr, len: u8) -> u64 {
    u64::from(u32::from(addr)) << 8 | u64::from(len)
}

/// DirectIPLookup's prefix hash (x86 shift semantics: shift counts taken mod 32).
fn direct_hash(prefix: u32, len: u32) -> u32 {
    let mut hash = prefix ^ (len << 5) ^ (prefix >> (len >> 2)).wrapping_sub(len);
    hash ^= (hash >> 23) ^ (hash >> 15).wrapping_mul(len) ^ (prefix >> 17).wrapping_mul(53);
    hash = hash.wrapping_sub((prefix >> 3) ^ (hash >> (len & 31)).wrapping_mul(7) ^ (hash >> 11).wrapping_mul(103));
    (hash ^ (hash >> 17)) & 0xffff
}

impl ClickOrder {
    /// Makes room for `n` more routes at once (a configuration's whole table).
    fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
        self.stamps.reserve(n);
        self.index.reserve(n);
    }

    fn find(&self, addr: Ipv4Addr, len: u8) -> Option<usize> {
        self.index.get(&prefix_key(addr, len)).copied()
    }

    fn take_slot(&mut self, kind: OrderKind) -> usize {
        let free = match kind {
            OrderKind::Radix => self.free.pop(),
            _ => self.free_sorted.first().copied(),
        };
        match free {
            Some(i) => {
                self.free_sorted.remove(&i);
                self.free.retain(|&f| f != i);
                i
            }
            None => {
                self.slots.push(None);
                self.stamps.push(0);
                self.slots.len() - 1
            }
        }
    }

    fn set(&mut self, i: usize, r: Option<Route>) {
        if let Some(old) = self.slots[i].take() {
            self.index.remove(&prefix_key(old.addr, old.len));
        }
        if let Some(r) = r {
            self.index.insert(prefix_key(r.addr, r.len), i);
        } else {
            self.free.push(i);
            self.free_sorted.insert(i);
        }
        self.slots[i] = r;
    }

    /// Records a route added (or replacing one of the same prefix).
    fn add(&mut self, kind: OrderKind, r: Route) {
        let old = self.find(r.addr, r.len);
        match (kind, old) {
            (OrderKind::Radix, Some(i)) => {
                let j = self.take_slot(kind);
                self.set(i, None);
                self.set(j, Some(r));
            }
            (_, Some(i)) => self.set(i, Some(r)),
            (_, None) => {
                let j = self.take_slot(kind);
                self.set(j, Some(r));
                self.stamp += 1;
                // DirectIPLookup's default route lives in entry 0, the oldest of its bucket.
                self.stamps[j] = if r.len == 0 { 0 } else { self.stamp };
            }
        }
    }

    fn remove(&mut self, addr: Ipv4Addr, len: u8) {
        if let Some(i) = self.find(addr, len) {
            self.set(i, None);
        }
    }

    fn routes(&self, kind: OrderKind) -> Vec<Route> {
        let mut v: Vec<(usize, Route)> = self.slots.iter().enumerate().filter_map(|(i, s)| s.map(|r| (i, r))).collect();
        if kind == OrderKind::Direct {
            v.sort_by_key(|&(i, r)| {
                (direct_hash(u32::from(r.addr), u32::from(r.len)), std::cmp::Reverse(self.stamps[i]))
            });
        }
        v.into_iter().map(|(_, r)| r).collect()
    }
}

macro_rules! table_class {
    ($marker:ident, $table:ty, $name:literal, $order:ident) => {
        #[doc = concat!("Marker for `", $name, "`.")]
        pub struct $marker;
        impl TableClass for $marker {
            type Table = $table;
            const NAME: &'static str = $name;
            const ORDER: OrderKind = OrderKind::$order;
        }
    };
}
table_class!(Linear, LinearTable, "LinearIPLookup", Linear);
table_class!(Static, LinearTable, "StaticIPLookup", Linear);
table_class!(Radix, RadixTable, "RadixIPLookup", Radix);
table_class!(Direct, DirectTable, "DirectIPLookup", Direct);

click_core::documented! {
    /// IPv4 route tables: `LinearIPLookup`, `StaticIPLookup`, `RadixIPLookup`, `DirectIPLookup`.
    ///
    /// # Synopsis
    /// `RadixIPLookup(ADDR/MASK [GATEWAY] OUTPUT, ...)` (the same for the other three)
    ///
    /// # Ports and processing
    /// One push input; as many push outputs as the routes name. Each packet is looked up by
    /// its destination address annotation (set by CheckIPHeader or GetIPAddress); the most
    /// specific route wins. When the route has a gateway, the annotation is set to it. Packets
    /// with no route are dropped and counted.
    ///
    /// The four classes behave identically and differ in structure: `LinearIPLookup` and
    /// `StaticIPLookup` scan a list; `RadixIPLookup` walks a path-compressed binary radix
    /// tree; `DirectIPLookup` is DIR-24-8 (one or two memory accesses a lookup, about 48 MB).
    ///
    /// # Handlers
    /// - `table` (read): routes, `ADDR/LEN<tab>GATEWAY<tab>OUTPUT` lines (a second tab after
    ///   short columns) in the order Click's own structure for the class lists them.
    /// - `lookup` (read with an address parameter, e.g. `rt.lookup 18.26.4.9`): `OUTPUT` for
    ///   it, followed by the gateway if the route has one; `-1` when no route matches.
    /// - `add` (write `ADDR/MASK [GATEWAY] OUTPUT`): adds a route; fails if one exists.
    /// - `set` (write): adds or replaces a route.
    /// - `remove` (write `ADDR/MASK`): removes a route.
    /// - `ctrl` (write): lines `add ROUTE`, `set ROUTE` or `remove ROUTE`, all or none applied.
    /// - `flush` (write; RadixIPLookup and DirectIPLookup): removes every route.
    ///
    /// StaticIPLookup has only `table` and `lookup`: its routes are fixed.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader
    ///   -> rt :: RadixIPLookup(10.0.1.0/24 0, 0.0.0.0/0 10.0.0.1 1);
    /// rt[0] -> Discard; rt[1] -> Discard;
    /// ```
    pub struct IpRouteTable<C: TableClass> {
        table: C::Table,
        order: ClickOrder,
        noutputs: usize,
        class: PhantomData<C>,
        /// A batch's destinations and what the table found for them (kept: no allocation
        /// per batch).
        destinations: Vec<Ipv4Addr>,
        found: Vec<Option<(Ipv4Addr, u16)>>,
    }
}

impl<C: TableClass> Default for IpRouteTable<C> {
    fn default() -> Self {
        IpRouteTable {
            table: C::Table::default(),
            order: ClickOrder::default(),
            noutputs: usize::MAX,
            class: PhantomData,
            destinations: Vec::new(),
            found: Vec::new(),
        }
    }
}

/// Why a route was not added.
#[derive(Debug, thiserror::Error)]
enum InsertError {
    #[error("output {port} out of range (the element has {outputs} outputs)")]
    Port { port: u16, outputs: usize },
    #[error("a route for {}/{} exists: {old}", .old.addr, .old.len)]
    Exists { old: Route },
    /// The table cannot hold it (DirectIPLookup's limits).
    #[error("{0}")]
    Full(String),
}

impl From<InsertError> for String {
    fn from(e: InsertError) -> String {
        e.to_string()
    }
}

impl<C: TableClass> IpRouteTable<C> {
    /// The route table.
    pub fn table(&self) -> &C::Table {
        &self.table
    }

    fn add_route(&mut self, text: &str, replace: bool) -> Result<Option<Route>, String> {
        let r = Route::parse(text)?;
        Ok(self.insert_route(r, replace)?)
    }

    /// Adds `r` (replacing a route of the same prefix if `replace`); returns the replaced one.
    fn insert_route(&mut self, r: Route, replace: bool) -> Result<Option<Route>, InsertError> {
        if usize::from(r.port) >= self.noutputs {
            return Err(InsertError::Port { port: r.port, outputs: self.noutputs });
        }
        match self.table.add(r, replace) {
            Ok(old) => {
                self.order.add(C::ORDER, r);
                Ok(old)
            }
            Err(AddError::Exists(old)) => Err(InsertError::Exists { old }),
            Err(AddError::Full(why)) => Err(InsertError::Full(why)),
        }
    }

    fn lookup_text(&self, addr: &str) -> Result<String, HandlerError> {
        let a: Ipv4Addr = addr.trim().parse().map_err(|_| HandlerError::Failed(format!("bad address '{addr}'")))?;
        // Click's form: the output port and the gateway, or -1 when no route matches.
        Ok(match self.table.lookup(a) {
            Some((gw, port)) if gw.is_unspecified() => port.to_string(),
            Some((gw, port)) => format!("{port} {gw}"),
            None => "-1".to_string(),
        })
    }
}

impl<C: TableClass> IpRouteTable<C> {
    /// Removes the route for the prefix that starts `line`; returns it.
    fn remove_route(&mut self, line: &str) -> Result<Route, String> {
        let prefix = line.split_whitespace().next().unwrap_or("");
        let p: click_core::Ipv4Prefix = prefix.parse().map_err(|_| format!("bad prefix '{prefix}'"))?;
        let len = p.prefix_len().ok_or_else(|| format!("non-contiguous mask '{prefix}'"))?;
        let old = self.table.remove(p.addr, len).ok_or_else(|| format!("no route for '{prefix}'"))?;
        let addr = Ipv4Addr::from(u32::from(p.addr) & super::lookup::mask(len));
        self.order.remove(addr, len);
        Ok(old)
    }

    /// Click's `ctrl` handler: `add`, `set` and `remove` commands, one a line; if one fails,
    /// those already done are undone.
    fn ctrl(&mut self, text: &str) -> Result<(), HandlerError> {
        // What to undo: a route added (remove it), or one removed or replaced (put it back).
        let mut undo: Vec<(Option<Route>, Option<Route>)> = Vec::new();
        let mut result = Ok(());
        for line in text.lines() {
            let line = line.trim();
            let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let step = match cmd {
                "" => continue,
                "add" | "set" => Route::parse(rest).and_then(|r| {
                    let old = self.insert_route(r, cmd == "set")?;
                    Ok((Some(r), old))
                }),
                "remove" => self.remove_route(rest).map(|old| (None, Some(old))),
                other => Err(format!("bad command '{other}'")),
            };
            match step {
                Ok(u) => undo.push(u),
                Err(e) => {
                    result = Err(HandlerError::Failed(e));
                    break;
                }
            }
        }
        if result.is_err() {
            for (added, old) in undo.into_iter().rev() {
                if let Some(r) = added {
                    self.table.remove(r.addr, r.len);
                    self.order.remove(r.addr, r.len);
                }
                if let Some(o) = old {
                    let _ = self.insert_route(o, true);
                }
            }
        }
        result
    }
}

impl<C: TableClass> Element for IpRouteTable<C> {
    fn class_name(&self) -> &'static str {
        C::NAME
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        ports::P1_ANY
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        // As Click: a later route for a prefix already given is ignored, with a warning (whose
        // words, Click's, say the opposite).
        let mut exist = 0;
        // The table may build its lookup structures once, after all the routes (whatever
        // the loop's outcome: `compact` ends the load).
        let rest = args.take_rest();
        self.table.begin_load(rest.len());
        self.order.reserve(rest.len());
        let loaded = rest.into_iter().try_for_each(|arg| {
            // (`trim` would scan a route's text from both ends; this stops at its first byte.)
            if arg.chars().all(char::is_whitespace) {
                return Ok(());
            }
            let r = Route::parse(&arg).map_err(|m| ArgError::new(None, m))?;
            match self.insert_route(r, false) {
                Ok(_) => {}
                Err(InsertError::Exists { .. }) => exist += 1,
                Err(e) => return Err(ArgError::new(None, e.to_string())),
            }
            Ok(())
        });
        self.table.compact();
        loaded?;
        if exist > 0 {
            args.warn(format!("{exist} {} replaced by later versions", if exist > 1 { "routes" } else { "route" }));
        }
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        self.noutputs = cx.noutputs();
        // The listing order's routes are the table's, without sorting 100,000 of them.
        if let Some(r) = self.order.slots.iter().flatten().find(|r| usize::from(r.port) >= self.noutputs) {
            return Err(format!("route {r} uses output {}, but only {} outputs are connected", r.port, self.noutputs));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let route = |p: &mut Packet, found: Option<(Ipv4Addr, u16)>| {
            let (gw, port) = found?;
            if !gw.is_unspecified() {
                p.set_dst_ip_anno(gw);
            }
            Some(usize::from(port))
        };
        if batch.len() == 1 {
            let table = &self.table;
            cx.output_classified(batch, |p| route(p, table.lookup(p.dst_ip_anno())));
            return;
        }
        // The whole batch is looked up first, so that its cache misses overlap (large tables
        // read memory at random), then each packet goes where its route says. A batch that
        // starts with two packets to one destination (a flow's packets one after another)
        // looks each destination up once per run of packets to it.
        let first_two_agree = batch.as_slice()[0].dst_ip_anno() == batch.as_slice()[1].dst_ip_anno();
        if first_two_agree {
            // A batch to one destination (one flow's packets) takes one lookup, and moves
            // whole (`output_classified` sends a batch whose packets share an output as one).
            let d = batch.as_slice()[0].dst_ip_anno();
            if batch.iter().all(|p| p.dst_ip_anno() == d) {
                let found = self.table.lookup(d);
                cx.output_classified(batch, |p| route(p, found));
                return;
            }
        }
        self.destinations.clear();
        if first_two_agree {
            let mut previous = None;
            for d in batch.iter().map(Packet::dst_ip_anno) {
                if previous != Some(d) {
                    self.destinations.push(d);
                    previous = Some(d);
                }
            }
        } else {
            self.destinations.extend(batch.iter().map(Packet::dst_ip_anno));
        }
        self.found.clear();
        self.found.resize(self.destinations.len(), None);
        self.table.lookup_many(&self.destinations, &mut self.found);
        // `output_classified` classifies each packet once, in order.
        let mut found = self.found.iter();
        if !first_two_agree {
            cx.output_classified(batch, |p| route(p, found.next().copied().flatten()));
            return;
        }
        // `route` changes a packet's annotation only after it was read here.
        let mut previous = None;
        cx.output_classified(batch, |p| {
            let d = p.dst_ip_anno();
            let f = match previous {
                Some((a, f)) if a == d => f,
                _ => {
                    let f = found.next().copied().flatten();
                    previous = Some((d, f));
                    f
                }
            };
            route(p, f)
        });
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const LINEAR: &[HandlerInfo] = &[
            HandlerInfo::write("add"),
            HandlerInfo::write("set"),
            HandlerInfo::write("remove"),
            HandlerInfo::write("ctrl"),
            HandlerInfo::read("table").with(HandlerInfo::EXPENSIVE),
            HandlerInfo::read("lookup").param(),
        ];
        const FLUSHABLE: &[HandlerInfo] = &[
            HandlerInfo::write("add"),
            HandlerInfo::write("set"),
            HandlerInfo::write("remove"),
            HandlerInfo::write("ctrl"),
            HandlerInfo::read("table").with(HandlerInfo::EXPENSIVE),
            HandlerInfo::read("lookup").param(),
            HandlerInfo::write("flush").button(),
        ];
        const STATIC: &[HandlerInfo] = &[HandlerInfo::read("table"), HandlerInfo::read("lookup").param()];
        match C::NAME {
            "StaticIPLookup" => STATIC,
            "LinearIPLookup" => LINEAR,
            _ => FLUSHABLE,
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name.split_once(' ') {
            Some(("lookup", addr)) => self.lookup_text(addr),
            _ => match name {
                "table" => Ok(self.order.routes(C::ORDER).iter().map(|r| format!("{r}\n")).collect()),
                _ => Err(HandlerError::NoSuchHandler(name.into())),
            },
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        let fail = HandlerError::Failed;
        if !self.handlers().iter().any(|h| h.write && h.name == name) {
            return Err(HandlerError::NoSuchHandler(name.into()));
        }
        match name {
            "add" | "set" => {
                for line in value.lines().flat_map(|l| l.split(',')).filter(|l| !l.trim().is_empty()) {
                    self.add_route(line, name == "set").map_err(fail)?;
                }
            }
            "remove" => {
                for line in value.lines().flat_map(|l| l.split(',')).filter(|l| !l.trim().is_empty()) {
                    self.remove_route(line).map_err(fail)?;
                }
            }
            "flush" => {
                self.table.clear();
                self.order = ClickOrder::default();
            }
            "ctrl" => self.ctrl(value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
