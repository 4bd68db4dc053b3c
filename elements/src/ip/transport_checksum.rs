use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use std::sync::atomic::{AtomicBool, Ordering};

use click_core::{ArgError, Args, Context, Element, HandlerError, Packet};

use crate::wire::checksum;
use crate::wire::ipv4::protocol;

click_core::documented! {
    /// Checks or sets UDP and TCP checksums: `CheckUDPHeader`, `CheckTCPHeader`,
    /// `SetUDPChecksum`, `SetTCPChecksum`.
    ///
    /// # Synopsis
    /// `CheckUDPHeader([VERBOSE, DETAILS])`, `CheckTCPHeader([VERBOSE, DETAILS])`,
    /// `SetUDPChecksum`, `SetTCPChecksum([FIXOFF])`
    ///
    /// # Ports and processing
    /// One agnostic input; output 0 (agnostic); CheckUDPHeader, CheckTCPHeader and
    /// SetUDPChecksum have an optional push output 1 for bad packets (dropped and counted
    /// otherwise). Packets need the network and transport header annotations, as Click's do.
    ///
    /// CheckUDPHeader drops packets that are not UDP, whose UDP length is below 8 or runs past
    /// the packet, or whose (non-zero) checksum does not verify over the UDP length.
    /// CheckTCPHeader drops packets that are not TCP, whose header length is below 20 or
    /// beyond the IP payload, whose IP payload runs past the packet, or whose checksum does not
    /// verify over the IP payload. Both report the first drop (every drop with `VERBOSE`) on
    /// standard error in Click's words. SetUDPChecksum refuses fragments and packets shorter
    /// than the UDP length; SetTCPChecksum drops packets whose IP payload is shorter than a
    /// TCP header or runs past the packet ("SetTCPChecksum: bad lengths"); with `FIXOFF` it
    /// first repairs an impossible TCP header length.
    ///
    /// # Handlers
    /// - `drops` (read, Check elements).
    /// - `drop_details` (read, Check elements with `DETAILS true`): drops by reason.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> c :: CheckUDPHeader -> Discard;
    /// c[1] -> Discard;
    /// ```
    pub struct TransportChecksum {
        tcp: bool,
        set: bool,
        verbose: bool,
        details: bool,
        fixoff: bool,
        drops: u64,
        reason_drops: [u64; 3],
    }
}

/// Why a Check element dropped a packet (Click's reasons, in its order).
const NOT_PROTO: usize = 0;
const BAD_LENGTH: usize = 1;
const BAD_CHECKSUM: usize = 2;
const UDP_REASONS: [&str; 3] = ["not UDP", "bad packet length", "bad UDP checksum"];
const TCP_REASONS: [&str; 3] = ["not TCP", "bad packet length", "bad TCP checksum"];

/// SetUDPChecksum reports a fragment or short packet once per process, as Click does once
/// per router.
static UDP_SET_MESSAGE: AtomicBool = AtomicBool::new(false);

fn be16(b: &[u8], i: usize) -> usize {
    usize::from(u16::from_be_bytes([b[i], b[i + 1]]))
}

/// The checksum over `seg` with the IPv4 pseudo-header of `ip`: zero when it verifies.
fn transport_sum(ip: &[u8], proto: u8, seg: &[u8]) -> u16 {
    let src = [ip[12], ip[13], ip[14], ip[15]];
    let dst = [ip[16], ip[17], ip[18], ip[19]];
    !checksum::combine(&[checksum::sum(seg), checksum::pseudo_header_v4(src, dst, proto, seg.len() as u16)])
}

impl TransportChecksum {
    /// One of the four variants.
    pub fn new(tcp: bool, set: bool) -> TransportChecksum {
        TransportChecksum { tcp, set, verbose: false, details: false, fixoff: false, drops: 0, reason_drops: [0; 3] }
    }

    /// Click's CheckUDPHeader/CheckTCPHeader test: `Err(reason)` for a bad packet.
    fn check(&self, p: &Packet) -> Result<(), usize> {
        let (Some(nh_off), Some(ip)) = (p.network_header_offset(), p.network_header()) else { return Err(NOT_PROTO) };
        let want = if self.tcp { protocol::TCP } else { protocol::UDP };
        if ip.len() < 20 || ip[9] != want {
            return Err(NOT_PROTO);
        }
        let iph_len = usize::from(ip[0] & 0xf) * 4;
        let Some(th) = p.transport_header() else { return Err(BAD_LENGTH) };
        let before = iph_len as isize + nh_off;
        if self.tcp {
            // Click computes the IP payload length unsigned: a header longer than the packet
            // makes it huge, and the length test below fails.
            let len = be16(ip, 2).wrapping_sub(iph_len);
            if th.len() < 13 {
                return Err(BAD_LENGTH);
            }
            let tcph_len = usize::from(th[12] >> 4) * 4;
            if tcph_len < 20 || len < tcph_len || (p.len() as isize) < len as isize + before || th.len() < len {
                return Err(BAD_LENGTH);
            }
            if transport_sum(ip, want, &th[..len]) != 0 {
                return Err(BAD_CHECKSUM);
            }
        } else {
            if th.len() < 8 {
                return Err(BAD_LENGTH);
            }
            let len = be16(th, 4);
            if len < 8 || (p.len() as isize) < len as isize + before || th.len() < len {
                return Err(BAD_LENGTH);
            }
            if be16(th, 6) != 0 && transport_sum(ip, want, &th[..len]) != 0 {
                return Err(BAD_CHECKSUM);
            }
        }
        Ok(())
    }

    /// Click's SetUDPChecksum/SetTCPChecksum: false when the packet cannot be handled.
    fn set_sum(&self, p: &mut Packet) -> bool {
        let Some(ip) = p.network_header() else { return false };
        if ip.len() < 20 {
            return false;
        }
        let ip: [u8; 20] = ip[..20].try_into().unwrap();
        let is_frag = be16(&ip, 6) & 0x3fff != 0;
        let proto = if self.tcp { protocol::TCP } else { protocol::UDP };
        let fixoff = self.fixoff;
        let Some(th) = p.transport_header_mut() else { return false };
        let len = if self.tcp {
            let plen = be16(&ip, 2).wrapping_sub(usize::from(ip[0] & 0xf) * 4);
            if plen < 20 || plen > th.len() {
                return false;
            }
            if fixoff {
                let off = usize::from(th[12] >> 4) * 4;
                if off < 20 {
                    th[12] = (th[12] & 0x0f) | (5 << 4);
                } else if off > plen && !is_frag {
                    th[12] = (th[12] & 0x0f) | (((plen >> 2) as u8) << 4);
                }
            }
            th[16] = 0;
            th[17] = 0;
            plen
        } else {
            if is_frag || th.len() < 8 || th.len() < be16(th, 4) {
                return false;
            }
            th[6] = 0;
            th[7] = 0;
            be16(th, 4)
        };
        let sum = transport_sum(&ip, proto, &th[..len]);
        let at = if self.tcp { 16 } else { 6 };
        th[at..at + 2].copy_from_slice(&sum.to_be_bytes());
        true
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
        if self.set && self.tcp { ports::P1_1 } else { ports::P1_1_2 }
    }

    fn processing(&self) -> &'static str {
        if self.set && self.tcp { processing::AGNOSTIC } else { processing::A_AH }
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        match (self.tcp, self.set) {
            (_, false) => {
                self.verbose = args.read_or("VERBOSE", false)?;
                self.details = args.read_or("DETAILS", false)?;
            }
            (true, true) => self.fixoff = args.read_p_or("FIXOFF", false)?,
            (false, true) => {}
        }
        args.complete()
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if self.set {
            if self.set_sum(&mut p) {
                return Some(p);
            }
            self.drops += 1;
            if self.tcp {
                click_core::chatter::chatter("SetTCPChecksum: bad lengths");
            } else if cx.noutputs() > 1 {
                cx.output(1, p);
            } else if !UDP_SET_MESSAGE.swap(true, Ordering::Relaxed) {
                click_core::chatter::chatter(&format!("{} :: SetUDPChecksum: fragment or short packet", cx.name()));
            }
            return None;
        }
        let Err(reason) = self.check(&p) else { return Some(p) };
        if self.drops == 0 || self.verbose {
            click_core::chatter::chatter(&if self.tcp {
                format!("{} :: CheckTCPHeader: TCP header check failed: {}", cx.name(), TCP_REASONS[reason])
            } else {
                format!("UDP header check failed: {}", UDP_REASONS[reason])
            });
        }
        self.drops += 1;
        self.reason_drops[reason] += 1;
        if cx.noutputs() > 1 {
            cx.output(1, p);
        }
        None
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("drops")];
        const D: &[HandlerInfo] = &[HandlerInfo::read("drops"), HandlerInfo::read("drop_details")];
        if self.set {
            &[]
        } else if self.details {
            D
        } else {
            H
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" if !self.set => Ok(self.drops.to_string()),
            "drop_details" if self.details => {
                let reasons = if self.tcp { TCP_REASONS } else { UDP_REASONS };
                Ok(reasons.iter().zip(self.reason_drops).map(|(r, n)| format!("{n}\t{r}\n")).collect())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
