use std::collections::HashMap;
use std::time::{Duration, Instant};

use click_core::args::Seconds;
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Packet};

use crate::wire::ipv4::{FLAG_DF, Ipv4Packet};

click_core::documented! {
    /// Reassembles fragmented IP packets.
    ///
    /// # Synopsis
    /// `IPReassembler([*keywords*])`
    ///
    /// # Ports and processing
    /// One push input taking IP packets (network header annotation set); output 0 carries
    /// unfragmented packets and reassembled ones (the latest first fragment's header and
    /// annotations, total length set, fragment fields cleared, checksum recomputed). Packets
    /// wait per (source, destination, protocol, identification). Reassemblies older than
    /// TIMEOUT, or pushed out when more than MAX_MEM_SIZE bytes wait, are abandoned: their
    /// first fragment (if it came) goes to the optional output 1, for an ICMP "time exceeded
    /// in reassembly", and the rest are dropped and counted. Where fragments overlap, the
    /// bytes that arrived last win, as in Click. Malformed fragments (bad lengths, offsets past 64 KB) are dropped
    /// and counted.
    ///
    /// # Keywords
    /// - `MAX_MEM_SIZE` (bytes): most fragment bytes held, default 256 KB.
    /// - `TIMEOUT` (time): default 30 seconds.
    ///
    /// # Handlers
    /// - `dump` (read): Click's statistics (fragments seen, good and failed reassemblies, bad
    ///   fragments) and the reassemblies waiting, with the byte ranges they have.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LENGTH 1000, LIMIT 1, STOP true) -> CheckIPHeader -> IPFragmenter(300)
    ///   -> r :: IPReassembler -> Discard;
    /// r[1] -> Discard;
    /// ```
    pub struct IpReassembler {
        max_mem: usize,
        timeout: Duration,
        flows: HashMap<Key, Flow>,
        held_bytes: usize,
        timer_set: bool,
        /// Click's statistics: fragments seen, reassemblies done and abandoned, bad fragments.
        frags_seen: u64,
        reassembled: u64,
        failed: u64,
        bad: u64,
    }
}

type Key = ([u8; 4], [u8; 4], u8, u16);

struct Flow {
    started: Instant,
    /// The fragment at offset 0 (its header is the result's header).
    first: Option<Packet>,
    /// Payload bytes by offset.
    /// Fragment data in arrival order: (offset, bytes).
    pieces: Vec<(usize, Vec<u8>)>,
    /// Payload length, known once the last fragment arrived.
    total: Option<usize>,
    bytes: usize,
}

impl Default for IpReassembler {
    fn default() -> Self {
        IpReassembler {
            max_mem: 256 * 1024,
            timeout: Duration::from_secs(30),
            flows: HashMap::new(),
            held_bytes: 0,
            timer_set: false,
            frags_seen: 0,
            reassembled: 0,
            failed: 0,
            bad: 0,
        }
    }
}

impl IpReassembler {
    /// Takes a fragment; returns a finished packet, or `Err(())` for a malformed one.
    fn accept(&mut self, p: Packet, now: Instant) -> Result<Option<Packet>, ()> {
        let last_timestamp = p.timestamp();
        let h = p.network_header().ok_or(())?;
        let ip = Ipv4Packet::new_checked(h).map_err(|_| ())?;
        let hl = ip.header_len();
        let total_len = usize::from(ip.total_len());
        if total_len < hl || total_len > h.len() {
            return Err(());
        }
        let off = ip.frag_offset();
        let data = &h[hl..total_len];
        let more = ip.more_frags();
        if off + data.len() > 65535 || (more && data.len() % 8 != 0) || (more && data.is_empty()) {
            return Err(());
        }
        let key = (ip.src().octets(), ip.dst().octets(), ip.protocol(), ip.ident());
        let flow = self.flows.entry(key).or_insert_with(|| Flow {
            started: now,
            first: None,
            pieces: Vec::new(),
            total: None,
            bytes: 0,
        });
        if !more {
            let end = off + data.len();
            if flow.total.is_some_and(|t| t != end) {
                return Err(());
            }
            flow.total = Some(end);
        }
        if !data.is_empty() {
            flow.pieces.push((off, data.to_vec()));
            flow.bytes += data.len();
            self.held_bytes += data.len();
        }
        // As in Click, the latest first fragment gives the header.
        if off == 0 {
            flow.first = Some(p);
        }
        // Complete when the pieces cover [0, total) without a gap.
        let Some(total) = flow.total else { return Ok(None) };
        let mut covered = 0;
        let mut spans: Vec<(usize, usize)> = flow.pieces.iter().map(|(o, d)| (*o, d.len())).collect();
        spans.sort_unstable();
        for &(o, len) in &spans {
            if o > covered {
                return Ok(None);
            }
            covered = covered.max(o + len);
        }
        if covered < total || flow.first.is_none() {
            return Ok(None);
        }
        let flow = self.flows.remove(&key).expect("present");
        self.held_bytes -= flow.bytes;
        let first = flow.first.expect("checked");
        let fh = first.network_header().expect("had one");
        let fhl = usize::from(fh[0] & 0xf) * 4;
        let mut payload = vec![0u8; total];
        // Later arrivals win where fragments overlap, as in Click.
        for (o, d) in &flow.pieces {
            let o = *o;
            if o >= total {
                continue;
            }
            let end = (o + d.len()).min(total);
            payload[o..end].copy_from_slice(&d[..end - o]);
        }
        let mut out = Packet::new(fhl + total);
        {
            let d = out.data_mut();
            d[..fhl].copy_from_slice(&fh[..fhl]);
            d[fhl..].copy_from_slice(&payload);
            let mut ip = Ipv4Packet::new_unchecked(&mut d[..]);
            ip.set_total_len((fhl + total) as u16);
            let df = ip.flags_offset() & FLAG_DF;
            ip.set_flags_offset(df);
            ip.fill_checksum();
        }
        out.copy_metadata_from(&first);
        // The whole packet carries the timestamp of the fragment that completed it (Click).
        out.set_timestamp(last_timestamp);
        out.set_network_header(0, fhl);
        Ok(Some(out))
    }

    /// Click's `dump` handler: the statistics, then one line per reassembly waiting: its flow
    /// (ports from the first fragment, if it came), IP ID and the byte ranges received.
    /// Waiting reassemblies are listed by Click's hash bucket (IP ID modulo 256).
    fn dump(&self) -> String {
        let mut out = format!(
            "frags seen total:    {}\ngood reassemblies:   {}\nfailed reassemblies: {}\nbad fragments seen:  {}\ncached chunk data:\n",
            self.frags_seen, self.reassembled, self.failed, self.bad
        );
        let mut flows: Vec<(&Key, &Flow)> = self.flows.iter().collect();
        flows.sort_by_key(|(k, f)| (k.3 % 256, std::cmp::Reverse(f.started), k.0, k.1, k.2));
        for ((src, dst, proto, id), f) in flows {
            let ports = f
                .first
                .as_ref()
                .and_then(|p| p.network_header())
                .filter(|_| matches!(*proto, 6 | 17))
                .and_then(|h| {
                    let hl = usize::from(h.first()? & 0xf) * 4;
                    let t = h.get(hl..hl + 4)?;
                    Some((u16::from_be_bytes([t[0], t[1]]), u16::from_be_bytes([t[2], t[3]])))
                })
                .unwrap_or((0, 0));
            let (s, d) = (std::net::Ipv4Addr::from(*src), std::net::Ipv4Addr::from(*dst));
            out += &format!(" ({s}, {}, {d}, {}) {id}", ports.0, ports.1);
            let mut spans: Vec<(usize, usize)> = f.pieces.iter().map(|(o, d)| (*o, *o + d.len())).collect();
            spans.sort_unstable();
            let mut merged: Vec<(usize, usize)> = Vec::new();
            for (a, b) in spans {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            for (a, b) in merged {
                out += &format!(" ({a},{b})");
            }
            out.push('\n');
        }
        out
    }

    /// Abandons expired reassemblies and, over the memory limit, the oldest ones.
    fn expire(&mut self, cx: &mut Context<'_>, now: Instant) {
        let mut victims: Vec<(Instant, Key)> = self
            .flows
            .iter()
            .filter(|(_, f)| now.saturating_duration_since(f.started) >= self.timeout)
            .map(|(k, f)| (f.started, *k))
            .collect();
        if self.held_bytes > self.max_mem {
            let mut all: Vec<(Instant, Key)> = self.flows.iter().map(|(k, f)| (f.started, *k)).collect();
            all.sort();
            let mut excess = self.held_bytes - self.max_mem;
            for (t, k) in all {
                if excess == 0 {
                    break;
                }
                excess = excess.saturating_sub(self.flows[&k].bytes);
                victims.push((t, k));
            }
        }
        victims.sort();
        victims.dedup();
        for (_, k) in victims {
            if let Some(f) = self.flows.remove(&k) {
                self.held_bytes -= f.bytes;
                self.failed += 1;
                if let Some(first) = f.first
                    && cx.noutputs() > 1
                {
                    cx.output(1, first);
                }
            }
        }
    }
}

impl Element for IpReassembler {
    fn class_name(&self) -> &'static str {
        "IPReassembler"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.max_mem = args.read_or("MAX_MEM_SIZE", 256 * 1024)?;
        if let Some(Seconds(t)) = args.read("TIMEOUT")? {
            self.timeout = t;
        }
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let now = cx.coarse_now();
        for p in batch.drain() {
            let is_fragment =
                p.network_header().and_then(|h| Ipv4Packet::new_checked(h).ok()).map(|ip| ip.is_fragment());
            match is_fragment {
                Some(false) => cx.output(0, p),
                Some(true) => {
                    self.frags_seen += 1;
                    match self.accept(p, now) {
                        Ok(Some(whole)) => {
                            self.reassembled += 1;
                            cx.output(0, whole);
                        }
                        Ok(None) => {}
                        Err(()) => self.bad += 1,
                    }
                }
                None => {}
            }
        }
        if self.held_bytes > self.max_mem {
            self.expire(cx, now);
        }
        // A timer runs only while fragments wait, so an idle reassembler costs nothing.
        if !self.flows.is_empty() && !self.timer_set {
            cx.schedule_timer(0, Duration::from_secs(1));
            self.timer_set = true;
        }
    }

    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        let now = cx.coarse_now();
        self.expire(cx, now);
        self.timer_set = !self.flows.is_empty();
        if self.timer_set {
            cx.schedule_timer(0, Duration::from_secs(1));
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("dump")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "dump" => Ok(self.dump()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
