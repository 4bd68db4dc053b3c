use click_core::spec::{ports, processing};
use click_core::{Context, Element, Packet};

use crate::wire::checksum;
use crate::wire::icmp::{IcmpPacket, kind};
use crate::wire::ipv4::{Ipv4Packet, protocol};

click_core::documented! {
    /// Answers ICMP echo requests.
    ///
    /// # Synopsis
    /// `ICMPPingResponder`
    ///
    /// # Ports and processing
    /// One agnostic input taking IP packets (network header annotation set); output 0 carries
    /// echo replies: the request with source and destination swapped, type 0, TTL 255, and
    /// both checksums recomputed (the ICMP one incrementally). Other packets leave on the
    /// optional push output 1, or are dropped and counted. The reply's destination annotation
    /// is the requester.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> ICMPPingResponder -> Discard;
    /// ```
    #[derive(Default)]
    pub struct IcmpPingResponder {
    }
}

impl IcmpPingResponder {
    /// Turns an echo request into its reply in place; false for anything else.
    fn reply(p: &mut Packet) -> bool {
        let Some(h) = p.network_header() else { return false };
        let Ok(ip) = Ipv4Packet::new_checked(h) else { return false };
        if ip.protocol() != protocol::ICMP || ip.is_fragment() {
            return false;
        }
        let (hl, total) = (ip.header_len(), usize::from(ip.total_len()).min(h.len()));
        if total < hl + 8 {
            return false;
        }
        let Ok(icmp) = IcmpPacket::new_checked(&h[hl..total]) else { return false };
        if icmp.msg_type() != kind::ECHO || icmp.code() != 0 {
            return false;
        }
        let (src, dst) = (ip.src(), ip.dst());
        let h = p.network_header_mut().expect("checked above");
        {
            let mut ip = Ipv4Packet::new_unchecked(&mut h[..hl]);
            ip.set_src(dst);
            ip.set_dst(src);
            ip.set_ttl(255);
            ip.fill_checksum();
        }
        let body = &mut h[hl..total];
        let old = u16::from_be_bytes([body[0], body[1]]);
        body[0] = kind::ECHO_REPLY;
        let new = u16::from_be_bytes([body[0], body[1]]);
        let c = checksum::update(u16::from_be_bytes([body[2], body[3]]), old, new);
        body[2..4].copy_from_slice(&c.to_be_bytes());
        p.set_dst_ip_anno(src);
        true
    }
}

impl Element for IcmpPingResponder {
    fn class_name(&self) -> &'static str {
        "ICMPPingResponder"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::A_AH
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if Self::reply(&mut p) {
            // Click stamps the reply with the time it was made.
            p.set_timestamp(click_core::Timestamp::now());
            return Some(p);
        }
        if cx.noutputs() > 1 {
            cx.output(1, p);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ipv4::Ipv4Repr;

    #[test]
    fn echo_becomes_reply() {
        let mut b = vec![0u8; 20 + 12];
        Ipv4Repr {
            src: [10, 0, 0, 1].into(),
            dst: [10, 0, 0, 2].into(),
            protocol: 1,
            payload_len: 12,
            ttl: 64,
            tos: 0,
            ident: 3,
            flags_offset: 0,
        }
        .emit(&mut b);
        b[20..32].copy_from_slice(&[8, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4]);
        IcmpPacket::new_checked(&mut b[20..]).unwrap().fill_checksum();
        let mut p = Packet::from_slice(&b);
        p.set_network_header(0, 20);
        assert!(IcmpPingResponder::reply(&mut p));
        let ip = Ipv4Packet::new_checked(p.data()).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!((ip.src().octets(), ip.dst().octets()), ([10, 0, 0, 2], [10, 0, 0, 1]));
        let m = IcmpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(m.msg_type(), 0);
        assert!(m.verify_checksum());
        assert_eq!(m.payload(), &[1, 2, 3, 4]);
        // A reply is not answered.
        assert!(!IcmpPingResponder::reply(&mut p));
    }
}
