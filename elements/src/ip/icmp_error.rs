use std::net::Ipv4Addr;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::packet::anno_offset;
use click_core::spec::processing;
use std::sync::atomic::{AtomicU32, Ordering};

use click_core::{ArgError, Args, Context, Element, HandlerError, Packet, PacketType, Timestamp};

use crate::wire::icmp::{self, IcmpPacket, kind};
use crate::wire::ipv4::{Ipv4Repr, MIN_HEADER_LEN, protocol};

click_core::documented! {
    /// Makes ICMP error messages about the packets it receives.
    ///
    /// # Synopsis
    /// `ICMPError(SRC, TYPE [, CODE, BADADDRS, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input taking IP packets (network header annotation set); one agnostic
    /// output carrying the errors. As in Click, each error is a new IP packet of at most MTU
    /// bytes from SRC to the offending packet's source, TTL 200, IP IDs counting up from 1
    /// across all ICMPError elements, quoting as much of the offending packet from its IP
    /// header on as fits; a source-routed packet's route comes back reversed. Its destination
    /// annotation is set to that source, its timestamp to now, and its fix-IP-source
    /// annotation is set (unless `SET_FIX_ANNO false`), so that a later `FixIPSrc` puts the
    /// outgoing interface's address in. No error is made (the packet is dropped and counted)
    /// about ICMP errors, fragments other than the first, link-level broadcasts, packets to
    /// 255.255.255.255, multicast or BADADDRS, or from such addresses or nets 0, 127 and
    /// 240-255; nor a redirect about a source-routed packet.
    ///
    /// Redirects carry the destination annotation (the next hop the route table chose) as
    /// the gateway; parameter problems with code 0 carry the ICMP parameter-problem
    /// annotation as the pointer; "fragmentation needed" carries PMTU.
    ///
    /// # Keywords
    /// - `SRC` (address): source of the errors.
    /// - `TYPE`, `CODE`: by number or name (`unreachable`, `timeexceeded`, `parameterproblem`,
    ///   `redirect`; `net`, `host`, `port`, `needfrag`, `transit`, ...). CODE defaults to 0.
    /// - `BADADDRS` (addresses): never send errors about packets to or from these.
    /// - `MTU` (unsigned): the largest error packet, default 576.
    /// - `PMTU` (unsigned): next-hop MTU for `needfrag` errors, default 0.
    /// - `SET_FIX_ANNO` (bool): set the fix-IP-source annotation, default true.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `src`, `mtu`, `pmtu` (read).
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> dt :: DecIPTTL -> Discard;
    /// dt[1] -> ICMPError(18.26.4.24, timeexceeded) -> Discard;
    /// ```
    pub struct IcmpError {
        src: Ipv4Addr,
        icmp_type: u8,
        code: u8,
        bad_addrs: Vec<Ipv4Addr>,
        mtu: u16,
        pmtu: u16,
        set_fix_anno: bool,
    }
}

impl Default for IcmpError {
    fn default() -> Self {
        IcmpError {
            src: Ipv4Addr::UNSPECIFIED,
            icmp_type: 0,
            code: 0,
            bad_addrs: Vec::new(),
            mtu: 576,
            pmtu: 0,
            set_fix_anno: true,
        }
    }
}

fn is_error_type(t: u8) -> bool {
    matches!(
        t,
        kind::UNREACHABLE | kind::SOURCE_QUENCH | kind::REDIRECT | kind::TIME_EXCEEDED | kind::PARAMETER_PROBLEM
    )
}

impl IcmpError {
    /// Click's `unicast`: not the limited broadcast, not multicast, not in BADADDRS.
    fn unicast(&self, a: Ipv4Addr) -> bool {
        !a.is_broadcast() && !a.is_multicast() && !self.bad_addrs.contains(&a)
    }

    /// Click's `valid_source` (RFC 1812 5.3.7): unicast, not net 0, not 127, not class E.
    fn valid_source(&self, a: Ipv4Addr) -> bool {
        let net = a.octets()[0];
        self.unicast(a) && net != 0 && net != 127 && net & 0xf0 != 0xf0
    }

    /// The error message about `p`, or `None` when none may be sent (Click's rules, RFC 1812
    /// 4.3.2.7).
    pub fn make(&mut self, p: &Packet) -> Option<Packet> {
        let ip_bytes = p.network_header()?;
        if ip_bytes.len() < MIN_HEADER_LEN {
            return None;
        }
        let hl = usize::from(ip_bytes[0] & 0xf) * 4;
        // Don't reply to ICMP errors.
        if ip_bytes[9] == protocol::ICMP {
            match p.transport_header().and_then(|t| t.first()) {
                Some(&t) if hl + 4 <= p.len() && !is_error_type(t) => {}
                _ => return None,
            }
        }
        let src = Ipv4Addr::new(ip_bytes[12], ip_bytes[13], ip_bytes[14], ip_bytes[15]);
        let dst = Ipv4Addr::new(ip_bytes[16], ip_bytes[17], ip_bytes[18], ip_bytes[19]);
        if !self.unicast(dst) || matches!(p.packet_type(), PacketType::Broadcast | PacketType::Multicast) {
            return None;
        }
        if !self.valid_source(src) || u16::from_be_bytes([ip_bytes[6], ip_bytes[7]]) & 0x1fff != 0 {
            return None;
        }
        let mut route = source_route(&ip_bytes[..hl.min(ip_bytes.len())]);
        if let Some(at) = route {
            if self.icmp_type == kind::REDIRECT {
                return None;
            }
            let pointer = usize::from(p.anno().bytes[anno_offset::ICMP_PARAM_PROB]);
            let len = usize::from(ip_bytes[at + 1]);
            if self.icmp_type == kind::PARAMETER_PROBLEM && self.code == 0 && at <= pointer && pointer < at + len {
                route = None;
            }
        }
        // The reversed source route, as Click writes it.
        let mut opts = Vec::new();
        if let Some(at) = route {
            let sr = &ip_bytes[at..];
            let olen = usize::from(sr[2]) - 1;
            opts = vec![0u8; (olen + 1 + 3) & !3];
            opts[0] = sr[0];
            opts[1] = olen as u8;
            opts[2] = 4;
            let mut o = 3;
            let mut oo = usize::from(sr[2]) as isize - 5;
            while oo >= 3 {
                let oo_u = oo as usize;
                opts[o..o + 4].copy_from_slice(&sr[oo_u..oo_u + 4]);
                o += 4;
                oo -= 4;
            }
            opts.truncate(olen.div_ceil(4) * 4);
        }
        let ip_hl = MIN_HEADER_LEN + opts.len();
        // The error is at most MTU bytes (576, RFC 1812 4.3.2.3), quoting as much of the
        // offending packet, from its IP header on, as fits.
        let room = usize::from(self.mtu).saturating_sub(ip_hl + icmp::HEADER_LEN);
        let quoted = &ip_bytes[..room.min(ip_bytes.len())];
        let icmp_len = icmp::HEADER_LEN + quoted.len();
        let mut q = Packet::new(ip_hl + icmp_len);
        let ident = NEXT_ID.fetch_add(1, Ordering::Relaxed) as u16;
        let repr = Ipv4Repr {
            src: self.src,
            dst: src,
            protocol: protocol::ICMP,
            payload_len: icmp_len,
            ttl: 200,
            tos: 0,
            ident,
            flags_offset: 0,
        };
        let rest: [u8; 4] = match self.icmp_type {
            kind::REDIRECT => p.dst_ip_anno().octets(),
            kind::PARAMETER_PROBLEM if self.code == 0 => [p.anno().bytes[anno_offset::ICMP_PARAM_PROB], 0, 0, 0],
            kind::UNREACHABLE if self.code == 4 => {
                let m = self.pmtu.to_be_bytes();
                [0, 0, m[0], m[1]]
            }
            _ => [0; 4],
        };
        {
            let data = q.data_mut();
            repr.emit(data);
            if !opts.is_empty() {
                data[MIN_HEADER_LEN..ip_hl].copy_from_slice(&opts);
                data[0] = 0x40 | (ip_hl / 4) as u8;
                data[2..4].copy_from_slice(&((ip_hl + icmp_len) as u16).to_be_bytes());
                data[10] = 0;
                data[11] = 0;
                let sum = crate::wire::checksum::checksum(&data[..ip_hl]);
                data[10..12].copy_from_slice(&sum.to_be_bytes());
            }
            let body = &mut data[ip_hl..];
            body[icmp::HEADER_LEN..].copy_from_slice(quoted);
            let mut m = IcmpPacket::new_checked(body).expect("sized above");
            m.set_msg_type(self.icmp_type);
            m.set_code(self.code);
            m.set_rest(rest);
            m.fill_checksum();
        }
        q.set_network_header(0, ip_hl);
        q.set_dst_ip_anno(src);
        q.set_timestamp(Timestamp::now());
        if self.set_fix_anno {
            q.anno_mut().bytes[anno_offset::FIX_IP_SRC] = 1;
        }
        Some(q)
    }
}

/// ICMPError's IP IDs count up from 1 across all ICMPError elements, as in Click (a static
/// counter there).
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// The offset in the IP header `h` of a usable loose or strict source route option.
fn source_route(h: &[u8]) -> Option<usize> {
    let mut i = MIN_HEADER_LEN;
    while i < h.len() {
        match h[i] {
            1 => i += 1,
            0 => return None,
            t => {
                let len = usize::from(*h.get(i + 1)?);
                if len < 2 || i + len > h.len() {
                    return None;
                }
                let ptr = usize::from(*h.get(i + 2).unwrap_or(&0));
                if (t == 131 || t == 137) && ptr >= 4 && ptr % 4 == 0 && ptr <= len + 1 {
                    return Some(i);
                }
                i += len;
            }
        }
    }
    None
}

impl Element for IcmpError {
    fn class_name(&self) -> &'static str {
        "ICMPError"
    }

    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.src = args.read_mp("SRC")?;
        self.bad_addrs = Vec::new();
        let Raw(t) = args.read_mp("TYPE")?;
        let code: Option<Raw> = args.read_p("CODE")?;
        if let Some(Raw(b)) = args.read_p("BADADDRS")? {
            let cx = args.context();
            self.bad_addrs = b
                .split_whitespace()
                .map(|w| <Ipv4Addr as click_core::args::FromArg>::from_arg(w, &cx))
                .collect::<Result<_, _>>()
                .map_err(|m| ArgError::new(Some("BADADDRS"), m))?;
        }
        self.mtu = args.read_or("MTU", 576u16)?;
        self.pmtu = args.read_or("PMTU", 0u16)?;
        self.set_fix_anno = args.read_or("SET_FIX_ANNO", true)?;
        args.complete()?;
        self.icmp_type =
            icmp::type_from_name(&t).ok_or_else(|| ArgError::new(Some("TYPE"), format!("unknown ICMP type '{t}'")))?;
        self.code = match code {
            Some(Raw(c)) => icmp::code_from_name(self.icmp_type, &c)
                .ok_or_else(|| ArgError::new(Some("CODE"), format!("unknown ICMP code '{c}'")))?,
            None => 0,
        };
        if !is_error_type(self.icmp_type) {
            return Err(ArgError::new(Some("TYPE"), format!("ICMP type {} is not an error type", self.icmp_type)));
        }
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        self.make(&p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("config").calm(),
            HandlerInfo::read_write("src"),
            HandlerInfo::read_write("mtu"),
            HandlerInfo::read_write("pmtu"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "mtu" => Ok(self.mtu.to_string()),
            "pmtu" => Ok(self.pmtu.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        let mut args = Args::new(value);
        match name {
            "src" => self.src = args.read_mp("SRC")?,
            "mtu" => self.mtu = args.read_mp("MTU")?,
            "pmtu" => self.pmtu = args.read_mp("PMTU")?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ipv4::Ipv4Packet;

    fn ip_packet(src: [u8; 4], proto: u8, frag: u16) -> Packet {
        let mut b = vec![0u8; 40];
        Ipv4Repr {
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::new(2, 0, 0, 2),
            protocol: proto,
            payload_len: 20,
            ttl: 1,
            tos: 0,
            ident: 7,
            flags_offset: frag,
        }
        .emit(&mut b);
        for (i, x) in b[20..].iter_mut().enumerate() {
            *x = i as u8;
        }
        let mut p = Packet::from_slice(&b);
        p.set_network_header(0, 20);
        p
    }

    #[test]
    fn time_exceeded_message() {
        let mut e =
            IcmpError { src: Ipv4Addr::new(18, 26, 4, 24), icmp_type: kind::TIME_EXCEEDED, ..Default::default() };
        let q = e.make(&ip_packet([1, 0, 0, 1], protocol::UDP, 0)).unwrap();
        let ip = Ipv4Packet::new_checked(q.data()).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!((ip.src(), ip.dst(), ip.ttl(), ip.protocol()), (e.src, Ipv4Addr::new(1, 0, 0, 1), 200, 1));
        // The whole 40-byte packet is quoted: it fits in 576 bytes.
        assert_eq!(usize::from(ip.total_len()), 20 + 8 + 40);
        let m = IcmpPacket::new_checked(ip.payload()).unwrap();
        assert!(m.verify_checksum());
        assert_eq!((m.msg_type(), m.code()), (11, 0));
        assert_eq!(m.payload().len(), 40);
        assert_eq!(q.dst_ip_anno(), Ipv4Addr::new(1, 0, 0, 1));
        assert_eq!(q.anno().bytes[anno_offset::FIX_IP_SRC], 1);
    }

    #[test]
    fn no_errors_about_errors_fragments_or_bad_sources() {
        let mut e = IcmpError { src: Ipv4Addr::new(18, 26, 4, 24), icmp_type: kind::UNREACHABLE, ..Default::default() };
        let mut icmp_err = ip_packet([1, 0, 0, 1], protocol::ICMP, 0);
        icmp_err.data_mut()[20] = kind::TIME_EXCEEDED;
        assert!(e.make(&icmp_err).is_none());
        assert!(e.make(&ip_packet([1, 0, 0, 1], protocol::UDP, 0x0010)).is_none());
        assert!(e.make(&ip_packet([0, 0, 0, 0], protocol::UDP, 0)).is_none());
        assert!(e.make(&ip_packet([224, 0, 0, 1], protocol::UDP, 0)).is_none());
        let mut bcast = ip_packet([1, 0, 0, 1], protocol::UDP, 0);
        bcast.set_packet_type(PacketType::Broadcast);
        assert!(e.make(&bcast).is_none());
        assert!(e.make(&Packet::from_slice(&[0; 40])).is_none(), "no network header");
    }
}
