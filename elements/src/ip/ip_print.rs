use std::fmt::Write;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet};

use crate::wire::icmp;

click_core::documented! {
    /// Prints IP packets in a tcpdump-like form, one line each, to standard error.
    ///
    /// # Synopsis
    /// `IPPrint([LABEL, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output; packets pass unchanged. Packets need the
    /// network header annotation (others pass without a line). Lines read as Click writes
    /// them: `label: TIMESTAMP: 10.0.0.1.1234 > 10.0.0.2.80: S 0:0(0,40,40) win 0`,
    /// `... > ...: udp 18`, `... > ...: icmp echo (1, 2)`, with fragment information
    /// `(frag ID:LEN@OFFSET+)` appended.
    ///
    /// # Keywords
    /// - `LABEL` (string).
    /// - `TIMESTAMP` (boolean): print the timestamp annotation, default true.
    /// - `ID`, `TTL`, `TOS`, `LENGTH`, `PAINT`, `AGGREGATE` (booleans): print those fields.
    /// - `CONTENTS` (`NONE`, `HEX`, `ASCII`): print the packet bytes below the line.
    /// - `PAYLOAD` (`NO`, `HEX`, `ASCII`): print only the transport payload.
    /// - `MAXLENGTH` (integer): bytes to print, default 1500.
    /// - `SWAP` (boolean): print echo identifier and sequence byte-swapped, as Click does by
    ///   default (true).
    /// - `ACTIVE` (boolean).
    ///
    /// # Handlers
    /// - `active` (read/write).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> IPPrint(in) -> Discard;
    /// ```
    pub struct IpPrint {
        label: String,
        timestamp: bool,
        id: bool,
        ttl: bool,
        tos: bool,
        length: bool,
        paint: bool,
        aggregate: bool,
        contents: u8,
        payload: bool,
        max_length: i64,
        swap: bool,
        active: bool,
    }
}

impl Default for IpPrint {
    fn default() -> Self {
        IpPrint {
            label: String::new(),
            timestamp: true,
            id: false,
            ttl: false,
            tos: false,
            length: false,
            paint: false,
            aggregate: false,
            contents: 0,
            payload: false,
            max_length: 1500,
            swap: true,
            active: true,
        }
    }
}

/// Click's `unparse_proto`: the protocol's name, else its number (after "protocol " with
/// `prepend`).
fn proto_name(p: u8, prepend: bool) -> String {
    match p {
        1 => "icmp".into(),
        2 => "igmp".into(),
        4 => "ipip".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        33 => "dccp".into(),
        47 => "gre".into(),
        132 => "sctp".into(),
        n if prepend => format!("protocol {n}"),
        n => n.to_string(),
    }
}

fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

fn addr(b: &[u8], i: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3])
}

impl IpPrint {
    /// The line IPPrint writes for `p`, or `None` without a network header.
    pub fn format(&self, p: &Packet) -> Option<String> {
        let ip = p.network_header()?;
        let mut s = String::new();
        if !self.label.is_empty() {
            let _ = write!(s, "{}: ", self.label);
        }
        if self.timestamp {
            let _ = write!(s, "{}: ", p.timestamp());
        }
        if self.aggregate {
            let _ = write!(s, "#{}", p.anno().aggregate());
        }
        if self.paint {
            let _ = write!(s, "{}{}", if self.aggregate { "." } else { "paint " }, p.paint_anno());
        }
        if self.aggregate || self.paint {
            s.push_str(": ");
        }
        if ip.len() < 20 {
            s.push_str("truncated-ip");
            return Some(s);
        }
        let hl = usize::from(ip[0] & 0xf) * 4;
        let ip_len = usize::from(be16(ip, 2));
        let payload_len = ip_len as isize - hl as isize;
        // The transport header is where the annotation says (Click's transport_header()),
        // which is usually, but not always, the IP header length on.
        let toff = match (p.network_header_offset(), p.transport_header_offset()) {
            (Some(n), Some(t)) if t >= n => (t - n) as usize,
            _ => hl,
        };
        let transport = ip.get(toff.min(ip.len())..).unwrap_or(&[]);
        let transport_len = (transport.len() as isize).min(payload_len).max(0) as usize;
        let t = &transport[..transport_len];
        let off = be16(ip, 6);
        let first_frag = off & 0x1fff == 0;
        if self.id {
            let _ = write!(s, "id {} ", be16(ip, 4));
        }
        if self.ttl {
            let _ = write!(s, "ttl {} ", ip[8]);
        }
        if self.tos {
            let _ = write!(s, "tos {} ", ip[1]);
        }
        if self.length {
            let _ = write!(s, "length {ip_len} ");
        }
        let (src, dst) = (addr(ip, 12), addr(ip, 16));
        match ip[9] {
            6 => {
                if t.len() < 4 || !first_frag {
                    let _ = write!(s, "{src} > {dst}: {}", if first_frag { "truncated-tcp" } else { "tcp" });
                } else {
                    let _ = write!(s, "{src}.{} > {dst}.{}: ", be16(t, 0), be16(t, 2));
                    if t.len() < 14 {
                        s.push_str("truncated-tcp");
                    } else {
                        let flags = t[13];
                        let data_off = usize::from(t[12] >> 4) * 4;
                        let mut seqlen = payload_len - data_off as isize;
                        for (bit, ch) in [(2u8, 'S'), (1, 'F'), (4, 'R'), (8, 'P')] {
                            if flags & bit != 0 {
                                s.push(ch);
                                if bit <= 2 {
                                    seqlen += 1;
                                }
                            }
                        }
                        if flags & 0x0f == 0 {
                            s.push('.');
                        }
                        let seq = u32::from_be_bytes([t[4], t[5], t[6], t[7]]);
                        let _ = write!(s, " {seq}:{}({seqlen},{},{ip_len})", seq.wrapping_add(seqlen as u32), p.len());
                        if flags & 0x10 != 0 {
                            let _ = write!(s, " ack {}", u32::from_be_bytes([t[8], t[9], t[10], t[11]]));
                        }
                        if t.len() < 16 {
                            s.push_str("truncated-tcp");
                        } else {
                            let _ = write!(s, " win {}", be16(t, 14));
                        }
                    }
                }
            }
            17 => {
                if t.len() < 4 || !first_frag {
                    let _ = write!(s, "{src} > {dst}: {}", if first_frag { "truncated-udp" } else { "udp" });
                } else {
                    let _ = write!(s, "{src}.{} > {dst}.{}: ", be16(t, 0), be16(t, 2));
                    if t.len() < 8 {
                        s.push_str("truncated-udp");
                    } else {
                        let _ = write!(s, "udp {}", be16(t, 4));
                    }
                }
            }
            1 => {
                let _ = write!(s, "{src} > {dst}: ");
                self.icmp_text(&mut s, t, first_frag);
            }
            other => {
                let _ = write!(s, "{src} > {dst}: ip-proto-{other}");
            }
        }
        if off & 0x3fff != 0 {
            let _ = write!(
                s,
                " (frag {}:{}@{}{})",
                be16(ip, 4),
                payload_len,
                (off & 0x1fff) << 3,
                if off & 0x2000 != 0 { "+" } else { "" }
            );
        }
        if self.contents > 0 {
            // Click prints the payload from the transport header to the end of the packet,
            // whatever the IP length says.
            let data: &[u8] = if self.payload {
                let skip = match ip[9] {
                    6 if first_frag && transport.len() >= 13 => usize::from(transport[12] >> 4) * 4,
                    17 if first_frag => 8,
                    _ => 0,
                };
                transport.get(skip..).unwrap_or(&[])
            } else {
                p.data()
            };
            let n = if self.max_length < 0 { data.len() } else { data.len().min(self.max_length as usize) };
            for (i, b) in data[..n].iter().enumerate() {
                if self.contents == 1 {
                    if i % 24 == 0 {
                        s.push_str("\n  ");
                    } else if i % 4 == 0 {
                        s.push(' ');
                    }
                    let _ = write!(s, "{b:02x}");
                } else {
                    if i % 48 == 0 {
                        s.push_str("\n  ");
                    } else if i % 8 == 0 {
                        s.push(' ');
                    }
                    s.push(if (32..=126).contains(b) { *b as char } else { '.' });
                }
            }
        }
        Some(s)
    }

    fn icmp_text(&self, s: &mut String, t: &[u8], first_frag: bool) {
        if !first_frag {
            s.push_str("icmp");
            return;
        }
        if t.len() < 2 {
            s.push_str("truncated-icmp");
            return;
        }
        let (ty, code) = (t[0], t[1]);
        match ty {
            0 | 8 => {
                s.push_str(if ty == 0 { "icmp echo-reply " } else { "icmp echo " });
                if t.len() < 8 {
                    s.push_str("truncated-icmp");
                    return;
                }
                let (id, seq) = (be16(t, 4), be16(t, 6));
                // Click reads these fields in host order and byte-swaps them when SWAP is set:
                // on the little-endian machines it runs on, SWAP shows the wire value and no
                // SWAP shows it byte-reversed.
                let (id, seq) = if self.swap { (id, seq) } else { (id.swap_bytes(), seq.swap_bytes()) };
                let _ = write!(s, "({id}, {seq})");
            }
            3 => {
                let code_s = icmp::code_name(3, code).map_or_else(|| format!("code {code}"), str::to_string);
                let inner = &t[8.min(t.len())..];
                if inner.len() < 20 {
                    let _ = write!(s, "icmp unreachable {code_s} truncated-icmp");
                    return;
                }
                let _ = write!(s, "icmp {} unreachable {code_s}", addr(inner, 16));
                let ihl = usize::from(inner[0] & 0xf) * 4;
                match code {
                    2 => {
                        let _ = write!(s, " {}", proto_name(inner[9], false));
                    }
                    3 => {
                        let _ = write!(s, " {}", proto_name(inner[9], true));
                        match inner.get(ihl + 2..ihl + 4) {
                            Some(p) => {
                                let _ = write!(s, "/{}", u16::from_be_bytes([p[0], p[1]]));
                            }
                            None => s.push_str("truncated-icmp"),
                        }
                    }
                    // Click shows a "fragmentation needed" message's next-hop MTU.
                    4 if be16(t, 6) != 0 => {
                        let _ = write!(s, " (mtu {})", be16(t, 6));
                    }
                    _ => {}
                }
            }
            _ => {
                s.push_str("icmp ");
                match icmp::type_name(ty) {
                    Some(n) => s.push_str(n),
                    None => {
                        let _ = write!(s, "type {ty}");
                    }
                }
                match icmp::code_name(ty, code) {
                    Some(n) => {
                        let _ = write!(s, " {n}");
                    }
                    None if code != 0 => {
                        let _ = write!(s, " code {code}");
                    }
                    None => {}
                }
            }
        }
    }
}

impl Element for IpPrint {
    fn class_name(&self) -> &'static str {
        "IPPrint"
    }

    fn may_originate_packets(&self) -> bool {
        false
    }

    fn reports_each_packet(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.label = args.read_p_or("LABEL", String::new())?;
        let Raw(contents) = args.read_or("CONTENTS", Raw("no".into()))?;
        let Raw(payload) = args.read_or("PAYLOAD", Raw("no".into()))?;
        self.max_length = args.read_or("MAXLENGTH", 1500i64)?;
        if let Some(n) = args.read::<i64>("NBYTES")? {
            self.max_length = n;
        }
        self.id = args.read_or("ID", false)?;
        self.timestamp = args.read_or("TIMESTAMP", true)?;
        self.paint = args.read_or("PAINT", false)?;
        self.tos = args.read_or("TOS", false)?;
        self.ttl = args.read_or("TTL", false)?;
        self.swap = args.read_or("SWAP", true)?;
        self.length = args.read_or("LENGTH", false)?;
        self.aggregate = args.read_or("AGGREGATE", false)?;
        self.active = args.read_or("ACTIVE", true)?;
        let _channel: Option<Raw> = args.read("CHANNEL")?;
        args.complete()?;
        let level = |v: &str, what: &str| match v.to_ascii_uppercase().as_str() {
            "NO" | "FALSE" | "NONE" | "0" => Ok(0),
            "YES" | "TRUE" | "HEX" | "1" => Ok(1),
            "ASCII" => Ok(2),
            _ => Err(ArgError::new(Some(what), format!("bad value '{v}'; should be 'NONE', 'HEX', or 'ASCII'"))),
        };
        let contents = level(&contents, "CONTENTS")?;
        let payload = level(&payload, "PAYLOAD")?;
        if contents > 0 && payload > 0 {
            return Err(ArgError::new(None, "specify at most one of PAYLOAD and CONTENTS"));
        }
        (self.contents, self.payload) = if payload > 0 { (payload, true) } else { (contents, false) };
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        if self.active
            && let Some(line) = self.format(&p)
        {
            click_core::chatter::chatter(&line);
        }
        Some(p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read_write("active").calm().checkbox()];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "active" => {
                self.active = Args::new(value).read_mp("ACTIVE")?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ipv4::Ipv4Repr;

    fn packet(proto: u8, transport: &[u8]) -> Packet {
        let mut b = vec![0u8; 20 + transport.len()];
        Ipv4Repr {
            src: [10, 0, 0, 1].into(),
            dst: [10, 0, 0, 2].into(),
            protocol: proto,
            payload_len: transport.len(),
            ttl: 64,
            tos: 0,
            ident: 7,
            flags_offset: 0,
        }
        .emit(&mut b);
        b[20..].copy_from_slice(transport);
        let mut p = Packet::from_slice(&b);
        p.set_network_header(0, 20);
        p
    }

    #[test]
    fn lines_like_click() {
        let pr = IpPrint { label: "x".into(), timestamp: false, ..Default::default() };
        let udp = packet(17, &[0x04, 0xd2, 0x16, 0x2e, 0, 10, 0, 0, 1, 2]);
        assert_eq!(pr.format(&udp).unwrap(), "x: 10.0.0.1.1234 > 10.0.0.2.5678: udp 10");
        let mut syn = [0u8; 20];
        syn[0..4].copy_from_slice(&[0, 80, 0x1f, 0x90]);
        syn[4..8].copy_from_slice(&100u32.to_be_bytes());
        syn[12] = 0x50;
        syn[13] = 0x12;
        syn[14..16].copy_from_slice(&512u16.to_be_bytes());
        assert_eq!(
            pr.format(&packet(6, &syn)).unwrap(),
            "x: 10.0.0.1.80 > 10.0.0.2.8080: S 100:101(1,40,40) ack 0 win 512"
        );
        let echo = packet(1, &[8, 0, 0, 0, 0x12, 0x34, 0, 1]);
        assert_eq!(pr.format(&echo).unwrap(), "x: 10.0.0.1 > 10.0.0.2: icmp echo (4660, 1)");
        let te = packet(1, &[11, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(pr.format(&te).unwrap(), "x: 10.0.0.1 > 10.0.0.2: icmp timeexceeded transit");
        let other = packet(47, &[]);
        assert_eq!(pr.format(&other).unwrap(), "x: 10.0.0.1 > 10.0.0.2: ip-proto-47");
        let ts = IpPrint::default();
        assert!(ts.format(&other).unwrap().starts_with("0.000000: 10.0.0.1"));
        assert!(pr.format(&Packet::from_slice(&[1, 2])).is_none());
    }
}
