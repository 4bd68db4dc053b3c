use std::collections::{HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use click_core::args::{AddressValue, Raw, Seconds};
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, EtherAddress, HandlerError, Ipv4Prefix, Packet};

use crate::wire::arp::{ArpRepr, OP_REPLY, OP_REQUEST, PACKET_LEN};
use crate::wire::ethernet::{EthernetFrame, EthernetRepr, HEADER_LEN, ethertype};

/// At most one query per address in this interval (Click: 10 a second).
const QUERY_INTERVAL: Duration = Duration::from_millis(100);

click_core::documented! {
    /// Encapsulates IP packets in Ethernet, finding destinations' Ethernet addresses with ARP.
    ///
    /// # Synopsis
    /// `ARPQuerier(IP, ETH, *keywords*)` or `ARPQuerier(NAME, *keywords*)`
    ///
    /// # Ports and processing
    /// Two push inputs: 0 takes IP packets with their destination address annotation set
    /// (the next hop), 1 takes ARP replies (whole Ethernet frames). Output 0 carries
    /// Ethernet frames; ARP queries leave on output 1 if it exists, else on output 0.
    ///
    /// A packet for a known next hop is sent at once. Otherwise it waits (up to CAPACITY
    /// packets in all) and a query is broadcast, at most ten a second per address; when the
    /// reply arrives the waiting packets go out in order. Packets to 0.0.0.0 are dropped;
    /// to 255.255.255.255 or the BROADCAST address they go to ff:ff:ff:ff:ff:ff; to
    /// multicast addresses, to 01:00:5e plus the address's low 23 bits. Entries expire after
    /// TIMEOUT; after POLL_TIMEOUT a use of the entry also sends a fresh query.
    ///
    /// # Keywords
    /// - `IP`, `ETH`: this interface's addresses (IP may carry a prefix, giving BROADCAST).
    /// - `CAPACITY` (unsigned): waiting packets in all, default 2048 (0: unlimited). A packet
    ///   beyond it is kept and the oldest entries' waiting packets are dropped until half of
    ///   CAPACITY is left (Click's).
    /// - `ENTRY_CAPACITY` (unsigned): entries, default 0 (unlimited); a new entry beyond it
    ///   removes the oldest ones, with their waiting packets.
    /// - `ENTRY_PACKET_CAPACITY` (unsigned): waiting packets per entry, default 0 (unlimited);
    ///   a packet beyond it is dropped.
    /// - `TIMEOUT` (time): entry lifetime, default 5 minutes.
    /// - `POLL_TIMEOUT` (time): age after which entries are refreshed, default 1 minute.
    /// - `BROADCAST` (address): local broadcast address.
    ///
    /// # Handlers
    /// - `table` (read): `IP OK ETH AGE` lines, oldest entry first, including addresses
    ///   still being queried (OK 0, ETH FF-FF-FF-FF-FF-FF), as Click prints them.
    /// - `count` (read): entries, answered or not.
    /// - `length`, `queries`, `responses`, `drops` (read); `stats` (read: packets killed,
    ///   ARP queries sent).
    /// - `ipaddr` (read/write), `broadcast` (read/write).
    /// - `insert` (write `IP ETH`), `delete` (write `IP`), `clear` (write).
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> [0]a :: ARPQuerier(18.26.4.24, 00:00:C0:AE:67:EF);
    /// Idle -> [1]a;
    /// a -> Discard;
    /// ```
    pub struct ArpQuerier {
        ip: Ipv4Addr,
        eth: EtherAddress,
        broadcast: Option<Ipv4Addr>,
        capacity: usize,
        entry_capacity: usize,
        entry_packet_capacity: usize,
        timeout: Duration,
        poll_timeout: Duration,
        table: HashMap<Ipv4Addr, Entry>,
        /// Click lists entries oldest first by when they were made or last answered.
        next_seq: u64,
        waiting: usize,
        queries: u64,
        responses: u64,
        drops: u64,
    }
}

#[derive(Default)]
struct Entry {
    seq: u64,
    created: Option<Instant>,
    eth: Option<EtherAddress>,
    live_at: Option<Instant>,
    last_query: Option<Instant>,
    queue: VecDeque<Packet>,
}

impl Default for ArpQuerier {
    fn default() -> Self {
        ArpQuerier {
            ip: Ipv4Addr::UNSPECIFIED,
            eth: EtherAddress::default(),
            broadcast: None,
            capacity: 2048,
            entry_capacity: 0,
            entry_packet_capacity: 0,
            timeout: Duration::from_secs(300),
            poll_timeout: Duration::from_secs(60),
            table: HashMap::new(),
            next_seq: 0,
            waiting: 0,
            queries: 0,
            responses: 0,
            drops: 0,
        }
    }
}

impl ArpQuerier {
    /// A querier for this interface.
    pub fn new(ip: Ipv4Addr, eth: EtherAddress) -> ArpQuerier {
        ArpQuerier { ip, eth, ..Default::default() }
    }

    fn encap(&self, mut p: Packet, dst: EtherAddress) -> Packet {
        let h = EthernetRepr { src: self.eth, dst, ethertype: ethertype::IPV4 }.to_bytes();
        p.push_mac_header(HEADER_LEN).copy_from_slice(&h);
        p
    }

    fn query(&mut self, cx: &mut Context<'_>, target: Ipv4Addr, vlan_from: &Packet) {
        let mut q = Packet::new(HEADER_LEN + PACKET_LEN);
        let d = q.data_mut();
        d[..HEADER_LEN].copy_from_slice(
            &EthernetRepr { src: self.eth, dst: EtherAddress::BROADCAST, ethertype: ethertype::ARP }.to_bytes(),
        );
        ArpRepr { op: OP_REQUEST, sha: self.eth, spa: self.ip, tha: EtherAddress::default(), tpa: target }
            .emit(&mut d[HEADER_LEN..]);
        q.set_mac_header(0, HEADER_LEN);
        q.anno_mut().set_vlan_tci(vlan_from.anno().vlan_tci());
        // A query carries the timestamp of the packet that caused it, as in Click.
        q.set_timestamp(vlan_from.timestamp());
        self.queries += 1;
        let out = if cx.noutputs() > 1 { 1 } else { 0 };
        cx.output(out, q);
    }

    /// Handles one IP packet from input 0.
    fn handle_ip(&mut self, cx: &mut Context<'_>, p: Packet, now: Instant) {
        let dst = p.dst_ip_anno();
        if dst.is_unspecified() {
            self.drops += 1;
            return;
        }
        if dst.is_broadcast() || Some(dst) == self.broadcast {
            let q = self.encap(p, EtherAddress::BROADCAST);
            cx.output(0, q);
            return;
        }
        if dst.is_multicast() {
            let o = dst.octets();
            let q = self.encap(p, EtherAddress([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]));
            cx.output(0, q);
            return;
        }
        let (timeout, poll) = (self.timeout, self.poll_timeout);
        let known = self.table.get(&dst).and_then(|e| {
            let age = now.saturating_duration_since(e.live_at?);
            // TIMEOUT 0: entries never expire (Click).
            (timeout.is_zero() || age < timeout).then(|| (e.eth.expect("live entries have an address"), age))
        });
        if let Some((eth, age)) = known {
            let needs_poll = !poll.is_zero() && age >= poll;
            if needs_poll && self.may_query(dst, now) {
                self.query(cx, dst, &p);
            }
            let q = self.encap(p, eth);
            cx.output(0, q);
            return;
        }
        // Unknown: wait for a reply, with Click's limits: a new entry beyond ENTRY_CAPACITY
        // pushes out the oldest ones, a packet beyond ENTRY_PACKET_CAPACITY is dropped, and
        // one beyond CAPACITY makes room by dropping the oldest entries' waiting packets.
        if self.entry_capacity > 0 && !self.table.contains_key(&dst) && self.table.len() >= self.entry_capacity {
            self.slim(now, 1, 0, Some(dst));
        }
        let per_entry = self.entry_packet_capacity;
        let entry = self.entry(dst, now);
        if per_entry > 0 && entry.queue.len() >= per_entry {
            self.drops += 1;
            return;
        }
        if self.capacity > 0 && self.waiting >= self.capacity {
            self.slim(now, 0, 1, Some(dst));
        }
        let send_query = self.may_query(dst, now);
        if send_query {
            self.query(cx, dst, &p);
        }
        self.table.entry(dst).or_default().queue.push_back(p);
        self.waiting += 1;
    }

    /// Click's ARPTable `slim`, with `new_entries` entries and `new_packets` packets about to
    /// be added: removes, oldest first, entries that expired (except `keep`, which is about to
    /// be used) and entries beyond ENTRY_CAPACITY, with their packets; then, beyond CAPACITY,
    /// drops the oldest entries' waiting packets until half of CAPACITY is left.
    fn slim(&mut self, now: Instant, new_entries: usize, new_packets: usize, keep: Option<Ipv4Addr>) {
        let mut by_age: Vec<(u64, Ipv4Addr)> = self.table.iter().map(|(ip, e)| (e.seq, *ip)).collect();
        by_age.sort_unstable();
        let mut order = by_age.into_iter().map(|(_, ip)| ip).peekable();
        while let Some(&ip) = order.peek() {
            let e = &self.table[&ip];
            let since = e.live_at.or(e.created).unwrap_or(now);
            let expired = !self.timeout.is_zero() && now.saturating_duration_since(since) > self.timeout;
            let over = self.entry_capacity > 0 && self.table.len() + new_entries > self.entry_capacity;
            if !(over || (expired && Some(ip) != keep)) {
                break;
            }
            let e = self.table.remove(&ip).expect("listed");
            self.waiting -= e.queue.len();
            self.drops += e.queue.len() as u64;
            order.next();
        }
        if self.capacity > 0 && self.waiting + new_packets > self.capacity {
            let slim_capacity = (self.capacity - self.capacity / 2).max(1);
            for ip in order {
                let Some(e) = self.table.get_mut(&ip) else { continue };
                while self.waiting + new_packets > slim_capacity && e.queue.pop_front().is_some() {
                    self.waiting -= 1;
                    self.drops += 1;
                }
                if self.waiting + new_packets <= slim_capacity {
                    break;
                }
            }
        }
    }

    /// The entry for `ip`, made (at the back of Click's age list) if missing.
    fn entry(&mut self, ip: Ipv4Addr, now: Instant) -> &mut Entry {
        let seq = &mut self.next_seq;
        self.table.entry(ip).or_insert_with(|| {
            *seq += 1;
            Entry { seq: *seq, created: Some(now), ..Entry::default() }
        })
    }

    fn may_query(&mut self, dst: Ipv4Addr, now: Instant) -> bool {
        let e = self.entry(dst, now);
        if e.last_query.is_some_and(|t| now.saturating_duration_since(t) < QUERY_INTERVAL) {
            return false;
        }
        e.last_query = Some(now);
        true
    }

    /// Handles one frame from input 1.
    fn handle_arp(&mut self, cx: &mut Context<'_>, p: Packet, now: Instant) {
        let Ok(frame) = EthernetFrame::new_checked(p.data()) else {
            self.drops += 1;
            return;
        };
        let Ok(arp) = ArpRepr::parse(frame.payload()) else {
            self.drops += 1;
            return;
        };
        if arp.op != OP_REPLY || arp.sha.is_group() || arp.spa.is_unspecified() {
            self.drops += 1;
            return;
        }
        self.responses += 1;
        self.learn(cx, arp.spa, arp.sha, now);
    }

    fn learn(&mut self, cx: &mut Context<'_>, ip: Ipv4Addr, eth: EtherAddress, now: Instant) {
        if self.entry_capacity > 0 && !self.table.contains_key(&ip) && self.table.len() >= self.entry_capacity {
            self.slim(now, 1, 0, Some(ip));
        }
        self.next_seq += 1;
        let seq = self.next_seq;
        let e = self.entry(ip, now);
        e.seq = seq;
        e.eth = Some(eth);
        e.live_at = Some(now);
        let waiting: Vec<Packet> = e.queue.drain(..).collect();
        self.waiting -= waiting.len();
        for p in waiting {
            let q = self.encap(p, eth);
            cx.output(0, q);
        }
    }
}

impl Element for ArpQuerier {
    fn class_name(&self) -> &'static str {
        "ARPQuerier"
    }

    fn port_count(&self) -> &'static str {
        "2/1-2"
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let Raw(first) = args.read_mp("IP")?;
        let cx = args.context();
        let second: Option<EtherAddress> = args.read_p("ETH")?;
        let (prefix, eth) = match second {
            Some(eth) => {
                let p = <Ipv4Prefix as click_core::args::FromArg>::from_arg(&first, &cx)
                    .map_err(|m| ArgError::new(Some("IP"), m))?;
                (p, eth)
            }
            None => {
                // One argument: an AddressInfo name holding both.
                let table = cx.addresses.ok_or_else(|| ArgError::new(Some("ETH"), "required argument missing"))?;
                let vals = table.get(&first);
                let ip = vals.iter().find_map(|v| match v {
                    AddressValue::Ipv4Prefix(p) => Some(*p),
                    AddressValue::Ipv4(a) => Some(Ipv4Prefix::new(*a, 32)),
                    _ => None,
                });
                let eth = vals.iter().find_map(|v| match v {
                    AddressValue::Ether(e) => Some(*e),
                    _ => None,
                });
                match (ip, eth) {
                    (Some(p), Some(e)) => (p, e),
                    _ => return Err(ArgError::new(Some("IP"), format!("'{first}' names no IP and Ethernet address"))),
                }
            }
        };
        self.ip = prefix.addr;
        self.eth = eth;
        // Configured again by a `config` write: what is not given takes its default again.
        let d = ArpQuerier::default();
        (self.broadcast, self.timeout, self.poll_timeout) = (d.broadcast, d.timeout, d.poll_timeout);
        if prefix.prefix_len().is_some_and(|l| l < 31) {
            self.broadcast = Some(Ipv4Addr::from(u32::from(prefix.addr) | !u32::from(prefix.mask)));
        }
        self.capacity = args.read_or("CAPACITY", 2048)?;
        self.entry_capacity = args.read_or("ENTRY_CAPACITY", 0)?;
        self.entry_packet_capacity = args.read_or("ENTRY_PACKET_CAPACITY", 0)?;
        if let Some(Seconds(t)) = args.read("TIMEOUT")? {
            self.timeout = t;
        }
        if let Some(Seconds(t)) = args.read("POLL_TIMEOUT")? {
            self.poll_timeout = t;
        }
        if let Some(b) = args.read::<Ipv4Addr>("BROADCAST")? {
            self.broadcast = Some(b);
        }
        let _poll: bool = args.read_or("BROADCAST_POLL", false)?;
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, port: usize, batch: &mut Batch) {
        let now = cx.coarse_now();
        for p in batch.drain() {
            if port == 0 {
                self.handle_ip(cx, p, now);
            } else {
                self.handle_arp(cx, p, now);
            }
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("config").calm(),
            HandlerInfo::read("table"),
            HandlerInfo::read("stats"),
            HandlerInfo::read("count"),
            HandlerInfo::read("length"),
            HandlerInfo::read("queries"),
            HandlerInfo::read("responses"),
            HandlerInfo::read("drops"),
            HandlerInfo::read_write("broadcast"),
            HandlerInfo::read_write("ipaddr"),
            HandlerInfo::write("insert"),
            HandlerInfo::write("delete"),
            HandlerInfo::write("clear"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let now = click_core::clock::now();
        Ok(match name {
            "table" => {
                // Click's form: every entry, answered or still queried for, oldest first;
                // Ethernet addresses with dashes, unanswered ones as the broadcast address.
                let mut rows: Vec<(&Ipv4Addr, &Entry)> = self.table.iter().collect();
                rows.sort_by_key(|(_, e)| e.seq);
                rows.iter()
                    .map(|(ip, e)| {
                        let since = e.live_at.or(e.created);
                        let age = since.map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
                        // Click measures ages in milliseconds (jiffies at user level).
                        let age = Duration::from_millis(age.as_millis() as u64);
                        let ok = u8::from(e.eth.is_some() && (self.timeout.is_zero() || age < self.timeout));
                        let eth = crate::ether_dashes(e.eth.unwrap_or(EtherAddress::BROADCAST));
                        format!("{ip} {ok} {eth} {:.6}\n", age.as_secs_f64())
                    })
                    .collect()
            }
            "stats" => {
                format!("{} packets killed\n{} ARP queries sent\n", self.drops, self.queries)
            }
            "queries" => self.queries.to_string(),
            "responses" => self.responses.to_string(),
            "drops" => self.drops.to_string(),
            "count" => self.table.len().to_string(),
            "length" => self.waiting.to_string(),
            "ipaddr" => self.ip.to_string(),
            "broadcast" => self.broadcast.unwrap_or(Ipv4Addr::BROADCAST).to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "insert" => {
                let mut words = value.split_whitespace();
                let (Some(ip), Some(eth)) = (words.next(), words.next()) else {
                    return Err(HandlerError::Failed("expected 'IP ETH'".into()));
                };
                let ip: Ipv4Addr = ip.parse().map_err(|_| HandlerError::Failed(format!("bad IP address '{ip}'")))?;
                let eth: EtherAddress =
                    eth.parse().map_err(|_| HandlerError::Failed(format!("bad Ethernet address '{eth}'")))?;
                let now = cx.coarse_now();
                self.learn(cx, ip, eth, now);
            }
            "delete" => {
                let ip: Ipv4Addr = Args::new(value).read_mp("IP")?;
                if let Some(e) = self.table.remove(&ip) {
                    self.drops += e.queue.len() as u64;
                    self.waiting -= e.queue.len();
                }
            }
            "clear" => {
                self.drops += self.waiting as u64;
                self.waiting = 0;
                self.table.clear();
            }
            "ipaddr" => self.ip = Args::new(value).read_mp("IP")?,
            "broadcast" => self.broadcast = Some(Args::new(value).read_mp("BROADCAST")?),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
