use std::net::Ipv4Addr;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::packet::anno_offset;
use click_core::spec::processing;
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet, PacketType};

use crate::wire::icmp::{self, IcmpPacket, kind};
use crate::wire::ipv4::{Ipv4Packet, Ipv4Repr, MIN_HEADER_LEN, protocol};

click_core::documented! {
    /// Makes ICMP error messages about the packets it receives.
    ///
    /// # Synopsis
    /// `ICMPError(SRC, TYPE [, CODE, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input taking IP packets (network header annotation set); one agnostic
    /// output carrying the errors. Each error is a new IP packet from SRC to the offending
    /// packet's source, TTL 255, holding the offending IP header and the first 8 bytes after
    /// it (RFC 792). Its destination annotation is set to that source and its fix-IP-source
    /// annotation is set, so that a later `FixIPSrc` puts the outgoing interface's address
    /// in. No error is made (the packet is dropped and counted) about ICMP errors, fragments
    /// other than the first, link-level broadcasts, or packets from 0.0.0.0, 255.255.255.255,
    /// multicast sources or BADADDRS.
    ///
    /// Redirects carry the destination annotation (the next hop the route table chose) as
    /// the gateway; parameter problems carry the ICMP parameter-problem annotation as the
    /// pointer; "fragmentation needed" carries MTU.
    ///
    /// # Keywords
    /// - `SRC` (address): source of the errors.
    /// - `TYPE`, `CODE`: by number or name (`unreachable`, `timeexceeded`, `parameterproblem`,
    ///   `redirect`; `net`, `host`, `port`, `needfrag`, `transit`, ...). CODE defaults to 0.
    /// - `BADADDRS` (addresses): never send errors to these.
    /// - `MTU` (unsigned): next-hop MTU for `needfrag` errors, default 576.
    ///
    /// # Handlers
    /// - `drops` (read): packets no error was made for.
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
        ident: u16,
        drops: u64,
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
            ident: 0,
            drops: 0,
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
    /// The error message about `p`, or `None` when none may be sent.
    pub fn make(&mut self, p: &Packet) -> Option<Packet> {
        if matches!(p.packet_type(), PacketType::Broadcast | PacketType::Multicast) {
            return None;
        }
        let ip_bytes = p.network_header()?;
        let ip = Ipv4Packet::new_checked(ip_bytes).ok()?;
        let src = ip.src();
        if src.is_unspecified() || src.is_broadcast() || src.is_multicast() || self.bad_addrs.contains(&src) {
            return None;
        }
        if ip.frag_offset() != 0 {
            return None;
        }
        let hl = ip.header_len();
        if ip.protocol() == protocol::ICMP {
            match ip_bytes.get(hl) {
                Some(&t) if is_error_type(t) => return None,
                None => return None,
                _ => {}
            }
        }
        let quoted = &ip_bytes[..(hl + 8).min(ip_bytes.len())];
        let icmp_len = icmp::HEADER_LEN + quoted.len();
        let mut q = Packet::new(MIN_HEADER_LEN + icmp_len);
        self.ident = self.ident.wrapping_add(1);
        let repr = Ipv4Repr {
            src: self.src,
            dst: src,
            protocol: protocol::ICMP,
            payload_len: icmp_len,
            ttl: 255,
            tos: 0,
            ident: self.ident,
            flags_offset: 0,
        };
        let rest: [u8; 4] = match self.icmp_type {
            kind::REDIRECT => p.dst_ip_anno().octets(),
            kind::PARAMETER_PROBLEM => [p.anno().bytes[anno_offset::ICMP_PARAM_PROB], 0, 0, 0],
            kind::UNREACHABLE if self.code == 4 => {
                let m = self.mtu.to_be_bytes();
                [0, 0, m[0], m[1]]
            }
            _ => [0; 4],
        };
        {
            let data = q.data_mut();
            repr.emit(data);
            let body = &mut data[MIN_HEADER_LEN..];
            body[icmp::HEADER_LEN..].copy_from_slice(quoted);
            let mut m = IcmpPacket::new_checked(body).expect("sized above");
            m.set_msg_type(self.icmp_type);
            m.set_code(self.code);
            m.set_rest(rest);
            m.fill_checksum();
        }
        q.set_network_header(0, MIN_HEADER_LEN);
        q.set_dst_ip_anno(src);
        q.set_timestamp(p.timestamp());
        q.anno_mut().bytes[anno_offset::FIX_IP_SRC] = 1;
        Some(q)
    }
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
        let Raw(t) = args.read_mp("TYPE")?;
        let code: Option<Raw> = args.read_p("CODE")?;
        if let Some(Raw(b)) = args.read("BADADDRS")? {
            let cx = args.context();
            self.bad_addrs = b
                .split_whitespace()
                .map(|w| <Ipv4Addr as click_core::args::FromArg>::from_arg(w, &cx))
                .collect::<Result<_, _>>()
                .map_err(|m| ArgError::new(Some("BADADDRS"), m))?;
        }
        self.mtu = args.read_or("MTU", 576u16)?;
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
        let q = self.make(&p);
        if q.is_none() {
            self.drops += 1;
        }
        q
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!((ip.src(), ip.dst(), ip.ttl(), ip.protocol()), (e.src, Ipv4Addr::new(1, 0, 0, 1), 255, 1));
        assert_eq!(usize::from(ip.total_len()), 20 + 8 + 28);
        let m = IcmpPacket::new_checked(ip.payload()).unwrap();
        assert!(m.verify_checksum());
        assert_eq!((m.msg_type(), m.code()), (11, 0));
        assert_eq!(m.payload().len(), 28);
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
