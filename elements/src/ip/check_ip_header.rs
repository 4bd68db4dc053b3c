use std::net::Ipv4Addr;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Ipv4Prefix, Packet};

use crate::wire::checksum;

/// Why a packet failed the check, in Click's words.
const REASONS: [&str; 6] =
    ["tiny packet", "bad IP version", "bad IP header length", "bad IP length", "bad IP checksum", "bad source address"];

click_core::documented! {
    /// Checks that packets carry a valid IPv4 header.
    ///
    /// # Synopsis
    /// `CheckIPHeader([OFFSET, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input; output 0 (agnostic) for valid packets, optional push output 1 for
    /// invalid ones (dropped otherwise). Every failure is counted. A packet fails when it is
    /// shorter than 20 bytes, its version is not 4, its header length is below 20 or beyond
    /// the packet, its total length is beyond the packet or below the header, its checksum is
    /// wrong, or its source is a listed bad address (unless its destination is a listed good
    /// one). Valid packets get their network header annotation set, are cut to the IP total
    /// length, and get the destination address annotation set to the IP destination.
    ///
    /// # Keywords
    /// - `OFFSET` (unsigned): where the IP header starts, default 0.
    /// - `INTERFACES` (prefixes): this router's interfaces; their broadcast addresses,
    ///   0.0.0.0 and 255.255.255.255 become bad sources, their addresses good destinations.
    /// - `BADSRC`, `GOODDST` (addresses): explicit lists.
    /// - `CHECKSUM` (boolean): verify the checksum, default true.
    /// - `VERBOSE` (boolean): report every failure, not just the first.
    /// - `DETAILS` (boolean): count failures by reason (the `drop_details` handler).
    ///
    /// # Handlers
    /// - `drops` (read): packets that failed.
    /// - `drop_details` (read): failures by reason, `COUNT<tab>REASON` lines (with DETAILS).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> c :: CheckIPHeader(INTERFACES 18.26.4.1/24) -> Discard;
    /// c[1] -> Discard;
    /// ```
    pub struct CheckIpHeader {
        offset: usize,
        bad_src: Vec<Ipv4Addr>,
        good_dst: Vec<Ipv4Addr>,
        checksum: bool,
        verbose: bool,
        details: bool,
        drops: u64,
        reason_drops: [u64; 6],
    }
}

impl Default for CheckIpHeader {
    fn default() -> Self {
        CheckIpHeader {
            offset: 0,
            bad_src: Vec::new(),
            good_dst: Vec::new(),
            checksum: true,
            verbose: false,
            details: false,
            drops: 0,
            reason_drops: [0; 6],
        }
    }
}

fn address_list(text: &str, cx: &click_core::args::ArgContext<'_>) -> Result<Vec<Ipv4Addr>, String> {
    text.split_whitespace().map(|w| <Ipv4Addr as click_core::args::FromArg>::from_arg(w, cx)).collect()
}

impl CheckIpHeader {
    /// Checks `p`; returns the reason index on failure (and then leaves `p` as it was).
    #[inline(always)]
    fn check(&self, p: &mut Packet) -> Result<(), usize> {
        let rest = p.data().get(self.offset..).unwrap_or(&[]);
        let plen = rest.len();
        // One length check for the fixed header's fields read below.
        let ip = rest.first_chunk::<20>().ok_or(0usize)?;
        if ip[0] >> 4 != 4 {
            return Err(1);
        }
        let hlen = usize::from(ip[0] & 0xf) * 4;
        if hlen < 20 {
            return Err(2);
        }
        let len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        if len > plen || len < hlen {
            return Err(3);
        }
        if self.checksum && !checksum::verifies(&rest[..hlen]) {
            return Err(4);
        }
        let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
        if !self.bad_src.is_empty() {
            let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
            if self.bad_src.contains(&src) && !self.good_dst.contains(&dst) {
                return Err(5);
            }
        }
        p.set_network_header(self.offset as isize, hlen);
        if plen > len {
            p.take(plen - len);
        }
        p.set_dst_ip_anno(dst);
        Ok(())
    }

    /// Goes on from packet `start`, which failed (a failed check changes nothing, so it is
    /// checked again): bad packets leave the batch (see [`CheckIpHeader::reject`]).
    #[cold]
    #[inline(never)]
    fn reject_from(&mut self, cx: &mut Context<'_>, batch: &mut Batch, start: usize) {
        batch.filter_map_in_place_from(start, |p| self.simple_action(cx, p));
    }

    /// Counts a bad packet (warning at the first, or at each with VERBOSE) and sends it to
    /// output 1 if connected. Out of line: the checks' path then keeps its registers instead
    /// of saving them around the message formatting.
    #[cold]
    #[inline(never)]
    fn reject(&mut self, cx: &mut Context<'_>, p: Packet, reason: usize) {
        if self.drops == 0 || self.verbose {
            // Click names the element here, not its class.
            click_core::chatter::chatter(&format!("{}: IP header check failed: {}", cx.name(), REASONS[reason]));
        }
        self.drops += 1;
        self.reason_drops[reason] += 1;
        if cx.noutputs() == 2 {
            cx.output(1, p);
        }
    }
}

impl Element for CheckIpHeader {
    fn class_name(&self) -> &'static str {
        "CheckIPHeader"
    }

    // VERBOSE prints a line per bad packet; the one warning at the first is fine.
    fn batch_invariant(&self) -> bool {
        !self.verbose
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::A_AH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let cx = args.context();
        if let Some(Raw(ifs)) = args.read("INTERFACES")? {
            for w in ifs.split_whitespace() {
                let p = <Ipv4Prefix as click_core::args::FromArg>::from_arg(w, &cx)
                    .map_err(|m| ArgError::new(Some("INTERFACES"), m))?;
                let bcast = u32::from(p.addr) & u32::from(p.mask) | !u32::from(p.mask);
                self.bad_src.push(Ipv4Addr::from(bcast));
                self.good_dst.push(p.addr);
            }
            self.bad_src.push(Ipv4Addr::UNSPECIFIED);
            self.bad_src.push(Ipv4Addr::BROADCAST);
        }
        if let Some(Raw(b)) = args.read("BADSRC")? {
            self.bad_src = address_list(&b, &cx).map_err(|m| ArgError::new(Some("BADSRC"), m))?;
        }
        if let Some(Raw(g)) = args.read("GOODDST")? {
            self.good_dst = address_list(&g, &cx).map_err(|m| ArgError::new(Some("GOODDST"), m))?;
        }
        self.offset = args.read_p_or("OFFSET", 0)?;
        self.verbose = args.read_or("VERBOSE", false)?;
        self.details = args.read_or("DETAILS", false)?;
        self.checksum = args.read_or("CHECKSUM", true)?;
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        // Most batches keep every packet: one plain loop (no call per packet) until the
        // first bad one, if any.
        let packets = batch.as_mut_slice();
        let mut done = 0;
        while done < packets.len() && self.check(&mut packets[done]).is_ok() {
            done += 1;
        }
        if done < packets.len() {
            self.reject_from(cx, batch, done);
        }
        cx.output_batch(0, batch);
    }

    #[inline]
    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        match self.check(&mut p) {
            Ok(()) => Some(p),
            Err(reason) => {
                self.reject(cx, p, reason);
                None
            }
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("drops")];
        const D: &[HandlerInfo] = &[HandlerInfo::read("drops"), HandlerInfo::read("drop_details")];
        if self.details { D } else { H }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "drop_details" if self.details => {
                Ok(self.reason_drops.iter().zip(REASONS).map(|(n, r)| format!("{n}\t{r}\n")).collect())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: [u8; 24] =
        [0x45, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0, 0, 192, 168, 1, 1, 10, 0, 1, 5, 1, 2, 3, 4];

    fn good() -> Vec<u8> {
        let mut g = GOOD.to_vec();
        let c = checksum::checksum(&g[..20]);
        g[10..12].copy_from_slice(&c.to_be_bytes());
        g
    }

    fn check(c: &CheckIpHeader, bytes: &[u8]) -> Result<Packet, usize> {
        let mut p = Packet::from_slice(bytes);
        c.check(&mut p).map(|()| p)
    }

    #[test]
    fn valid_packet_gets_annotations_and_is_trimmed() {
        let c = CheckIpHeader::default();
        let mut bytes = good();
        bytes.extend_from_slice(&[0xee; 6]); // Ethernet padding beyond the IP length
        let p = check(&c, &bytes).unwrap();
        assert_eq!(p.len(), 24);
        assert_eq!(p.dst_ip_anno(), Ipv4Addr::new(10, 0, 1, 5));
        assert_eq!(p.network_header_offset(), Some(0));
        assert_eq!(p.network_header_length(), Some(20));
    }

    #[test]
    fn each_malformation_has_its_reason() {
        let c = CheckIpHeader::default();
        assert_eq!(check(&c, &good()[..19]).unwrap_err(), 0);
        let mut b = good();
        b[0] = 0x65;
        assert_eq!(check(&c, &b).unwrap_err(), 1);
        b[0] = 0x44;
        assert_eq!(check(&c, &b).unwrap_err(), 2);
        let mut b = good();
        b[3] = 0x40; // total length 64 > 24
        assert_eq!(check(&c, &b).unwrap_err(), 3);
        b[3] = 0x10; // total length 16 < header
        assert_eq!(check(&c, &b).unwrap_err(), 3);
        let mut b = good();
        b[11] ^= 1;
        assert_eq!(check(&c, &b).unwrap_err(), 4);
        let nocheck = CheckIpHeader { checksum: false, ..Default::default() };
        assert!(check(&nocheck, &b).is_ok());
        assert_eq!(check(&c, &[]).unwrap_err(), 0);
    }

    #[test]
    fn bad_sources() {
        let mut c = CheckIpHeader::default();
        let mut args = Args::new("INTERFACES 192.168.1.7/24");
        c.configure(&mut args).unwrap();
        let mut b = good();
        b[15] = 255; // source 192.168.1.255: the interface's broadcast address
        let cs = checksum::checksum(&{
            let mut h = b[..20].to_vec();
            h[10] = 0;
            h[11] = 0;
            h
        });
        b[10..12].copy_from_slice(&cs.to_be_bytes());
        assert_eq!(check(&c, &b).unwrap_err(), 5);
    }
}
