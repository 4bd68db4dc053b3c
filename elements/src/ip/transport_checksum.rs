use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{Context, Element, HandlerError, Packet};

use crate::wire::ipv4::{Ipv4Packet, protocol};
use crate::wire::tcp::TcpPacket;
use crate::wire::udp::UdpPacket;

click_core::documented! {
    /// Checks or sets UDP and TCP checksums: `CheckUDPHeader`, `CheckTCPHeader`,
    /// `SetUDPChecksum`, `SetTCPChecksum`.
    ///
    /// # Synopsis
    /// `CheckUDPHeader`, `CheckTCPHeader`, `SetUDPChecksum`, `SetTCPChecksum`
    ///
    /// # Ports and processing
    /// One agnostic input; output 0 (agnostic); the Check elements have an optional push
    /// output 1 for bad packets (dropped and counted otherwise). Packets need the network
    /// header annotation. A packet is bad when it is not of the protocol, is a fragment other
    /// than the first, is shorter than its header or its length field, or (for checks) its
    /// checksum does not verify; a UDP checksum of zero means "none". The Set elements fill
    /// the checksum in and drop (and count) packets they cannot handle.
    ///
    /// # Handlers
    /// - `drops` (read).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> c :: CheckUDPHeader -> Discard;
    /// c[1] -> Discard;
    /// ```
    pub struct TransportChecksum {
        tcp: bool,
        set: bool,
        drops: u64,
    }
}

impl TransportChecksum {
    /// One of the four variants.
    pub fn new(tcp: bool, set: bool) -> TransportChecksum {
        TransportChecksum { tcp, set, drops: 0 }
    }

    /// Checks or fixes `p`; false when the packet is bad.
    fn process(&self, p: &mut Packet) -> bool {
        let Some(h) = p.network_header_mut() else { return false };
        let Ok(ip) = Ipv4Packet::new_checked(&*h) else { return false };
        let want = if self.tcp { protocol::TCP } else { protocol::UDP };
        if ip.protocol() != want || ip.frag_offset() != 0 || ip.more_frags() {
            return false;
        }
        let (src, dst, hl) = (ip.src().octets(), ip.dst().octets(), ip.header_len());
        let end = usize::from(ip.total_len()).min(h.len());
        if end < hl {
            return false;
        }
        let seg = &mut h[hl..end];
        if self.tcp {
            let Ok(mut t) = TcpPacket::new_checked(&mut *seg) else { return false };
            if self.set {
                t.fill_checksum(src, dst);
                true
            } else {
                t.verify_checksum(src, dst)
            }
        } else {
            let available = seg.len();
            let Ok(mut u) = UdpPacket::new_checked(&mut *seg) else { return false };
            let len = usize::from(u.len());
            if len < crate::wire::udp::HEADER_LEN || len > available {
                return false;
            }
            if self.set {
                u.fill_checksum(src, dst);
                true
            } else {
                u.verify_checksum(src, dst)
            }
        }
    }
}

impl Element for TransportChecksum {
    fn class_name(&self) -> &'static str {
        match (self.tcp, self.set) {
            (false, false) => "CheckUDPHeader",
            (true, false) => "CheckTCPHeader",
            (false, true) => "SetUDPChecksum",
            (true, true) => "SetTCPChecksum",
        }
    }

    fn port_count(&self) -> &'static str {
        if self.set { ports::P1_1 } else { ports::P1_1_2 }
    }

    fn processing(&self) -> &'static str {
        if self.set { processing::AGNOSTIC } else { processing::A_AH }
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if self.process(&mut p) {
            return Some(p);
        }
        self.drops += 1;
        if !self.set && cx.noutputs() > 1 {
            cx.output(1, p);
        }
        None
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
