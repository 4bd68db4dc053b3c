use std::net::Ipv4Addr;

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, EtherAddress, HandlerError, Ipv4Prefix, Packet};

use crate::wire::arp::{ArpRepr, OP_REPLY, OP_REQUEST, PACKET_LEN};
use crate::wire::ethernet::{EthernetFrame, EthernetRepr, HEADER_LEN, ethertype};

click_core::documented! {
    /// Answers ARP queries for a set of IP addresses.
    ///
    /// # Synopsis
    /// `ARPResponder(IP/MASK [IP/MASK...] ETH, ...)` or `ARPResponder(NAME, ...)` with an
    /// AddressInfo name holding both addresses
    ///
    /// # Ports and processing
    /// One agnostic input taking Ethernet frames; output 0 carries ARP replies; an optional
    /// output 1 gets every frame that is not an ARP request this element answers (otherwise
    /// they are dropped). Each argument lists addresses or prefixes and the
    /// Ethernet address to answer with; as in Click, entries are ordered with a prefix inside
    /// another first (the most specific wins for nested prefixes), the last entry given for a
    /// prefix replaces earlier ones, and a lookup takes the first entry that matches. The
    /// order (what `table` shows) is the one Click's own quicksort gives, also for large
    /// tables where unrelated prefixes end up out of their given order.
    ///
    /// # Handlers
    /// - `table` (read): one `IP/MASK ETH` line per entry.
    /// - `lookup` (read with an address parameter): the Ethernet address answered for it,
    ///   empty if none.
    /// - `add` (write `IP/MASK... ETH`): adds entries.
    /// - `remove` (write `IP/MASK`): removes the entry for exactly that prefix.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true)
    ///   -> ARPResponder(18.26.4.24 00:00:C0:AE:67:EF, 18.26.7.0/24 00:00:C0:AE:67:EF) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct ArpResponder {
        entries: Vec<(Ipv4Prefix, EtherAddress)>,
    }
}

impl ArpResponder {
    /// Orders the entries as Click's ARPResponder does (a prefix inside another comes before
    /// it, others keep their order), and keeps only the last entry given for a prefix; returns
    /// the prefixes given more than once. The comparison is Click's, and not an order (unrelated
    /// prefixes compare by position, so it is not transitive): the order comes out as in
    /// Click only from Click's own sort algorithm, which `click_qsort` follows.
    fn normalize(&mut self) -> Vec<Ipv4Prefix> {
        let key = |p: &Ipv4Prefix| (u32::from(p.addr) & u32::from(p.mask), u32::from(p.mask));
        let keys: Vec<(u32, u32)> = self.entries.iter().map(|(p, _)| key(p)).collect();
        let cmp = |&a: &usize, &b: &usize| -> i64 {
            let ((ad, am), (bd, bm)) = (keys[a], keys[b]);
            if (ad, am) == (bd, bm) {
                b as i64 - a as i64
            } else if ad & bm == bd {
                -1
            } else if bd & am == ad {
                1
            } else {
                a as i64 - b as i64
            }
        };
        let mut order: Vec<usize> = (0..keys.len()).collect();
        crate::qsort::click_qsort(&mut order, cmp);
        let mut kept: Vec<(Ipv4Prefix, EtherAddress)> = Vec::new();
        let mut duplicates = Vec::new();
        for i in order {
            let (p, e) = self.entries[i];
            if kept.last().is_some_and(|(q, _)| key(q) == key(&p)) {
                duplicates.push(Ipv4Prefix { addr: Ipv4Addr::from(key(&p).0), mask: p.mask });
            } else {
                kept.push((p, e));
            }
        }
        self.entries = kept;
        duplicates
    }

    fn lookup(&self, a: Ipv4Addr) -> Option<EtherAddress> {
        // As Click: the first entry that matches, in the order `normalize` gave them (most
        // specific first, for nested prefixes).
        self.entries.iter().find(|(p, _)| p.contains(a)).map(|&(_, e)| e)
    }

    /// The reply to `p` if it is an ARP request for one of our addresses.
    fn reply(&self, p: &Packet) -> Option<Packet> {
        let frame = EthernetFrame::new_checked(p.data()).ok()?;
        if frame.ethertype() != ethertype::ARP {
            return None;
        }
        let req = ArpRepr::parse(frame.payload()).ok()?;
        if req.op != OP_REQUEST {
            return None;
        }
        let ours = self.lookup(req.tpa)?;
        let mut q = Packet::new(HEADER_LEN + PACKET_LEN);
        let data = q.data_mut();
        data[..HEADER_LEN]
            .copy_from_slice(&EthernetRepr { src: ours, dst: req.sha, ethertype: ethertype::ARP }.to_bytes());
        ArpRepr { op: OP_REPLY, sha: ours, spa: req.tpa, tha: req.sha, tpa: req.spa }.emit(&mut data[HEADER_LEN..]);
        q.set_mac_header(0, HEADER_LEN);
        // Click's replies carry no timestamp (ToDump then stamps them with the time written).
        Some(q)
    }
}

impl Element for ArpResponder {
    fn class_name(&self) -> &'static str {
        "ARPResponder"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::A_AH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let cx = args.context();
        self.entries.clear();
        for arg in args.take_rest() {
            let words: Vec<&str> = arg.split_whitespace().collect();
            // One word: an AddressInfo name holding both addresses.
            if let [name] = words.as_slice()
                && let Some(table) = cx.addresses
            {
                let vals = table.get(name);
                let eth = vals.iter().find_map(|v| match v {
                    click_core::args::AddressValue::Ether(e) => Some(*e),
                    _ => None,
                });
                let ips: Vec<Ipv4Prefix> = vals
                    .iter()
                    .filter_map(|v| match v {
                        click_core::args::AddressValue::Ipv4(a) => Some(Ipv4Prefix::new(*a, 32)),
                        click_core::args::AddressValue::Ipv4Prefix(p) => Some(Ipv4Prefix::new(p.addr, 32)),
                        _ => None,
                    })
                    .collect();
                if let (Some(eth), false) = (eth, ips.is_empty()) {
                    self.entries.extend(ips.into_iter().map(|p| (p, eth)));
                    continue;
                }
            }
            let Some((eth, addrs)) = words.split_last() else { continue };
            let eth = <EtherAddress as click_core::args::FromArg>::from_arg(eth, &cx)
                .map_err(|m| ArgError::new(None, format!("'{arg}': {m}")))?;
            if addrs.is_empty() {
                return Err(ArgError::new(None, format!("'{arg}': expected 'IP/MASK ETH'")));
            }
            for a in addrs {
                let prefix = <Ipv4Prefix as click_core::args::FromArg>::from_arg(a, &cx)
                    .map_err(|m| ArgError::new(None, format!("'{arg}': {m}")))?;
                self.entries.push((prefix, eth));
            }
        }
        for d in self.normalize() {
            args.warn(format!("multiple entries for {d}"));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.drain() {
            match self.reply(&p) {
                Some(q) => cx.output(0, q),
                None if cx.noutputs() > 1 => cx.output(1, p),
                None => {}
            }
        }
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        self.reply(&p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("config").calm(),
            HandlerInfo::read("table"),
            HandlerInfo::read("lookup").param(),
            HandlerInfo::write("add"),
            HandlerInfo::write("remove"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "table" => Ok(self.entries.iter().map(|(p, e)| format!("{p} {}\n", crate::ether_dashes(*e))).collect()),
            _ => match name.split_once(' ') {
                Some(("lookup", a)) => {
                    let a: Ipv4Addr =
                        a.trim().parse().map_err(|_| HandlerError::Failed("expected IP address".into()))?;
                    Ok(self.lookup(a).map_or(String::new(), crate::ether_dashes))
                }
                _ => Err(HandlerError::NoSuchHandler(name.into())),
            },
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "add" => {
                let mut parsed = ArpResponder::default();
                parsed.configure(&mut Args::new(value))?;
                self.entries.extend(parsed.entries);
                self.normalize();
                Ok(())
            }
            "remove" => {
                let p: Ipv4Prefix =
                    value.trim().parse().map_err(|_| HandlerError::Failed("expected IP/MASK".into()))?;
                let masked = |q: &Ipv4Prefix| (u32::from(q.addr) & u32::from(q.mask), q.mask);
                let p = Ipv4Prefix { addr: Ipv4Addr::from(masked(&p).0), mask: p.mask };
                match self.entries.iter().position(|(q, _)| masked(q) == masked(&p)) {
                    Some(i) => {
                        self.entries.remove(i);
                        Ok(())
                    }
                    None => Err(HandlerError::Failed(format!("{p} not found"))),
                }
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
