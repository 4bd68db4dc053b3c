use std::net::Ipv4Addr;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::packet::anno_offset;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet};

use crate::wire::ipv4::{Ipv4Packet, MIN_HEADER_LEN};

const OPT_EOL: u8 = 0;
const OPT_NOP: u8 = 1;
const OPT_RR: u8 = 7;
const OPT_TS: u8 = 68;

click_core::documented! {
    /// Processes the IP options a gateway must act on: Record Route and Timestamp.
    ///
    /// # Synopsis
    /// `IPGWOptions(MYADDR [, OTHERADDRS])`
    ///
    /// # Ports and processing
    /// One agnostic input taking IP packets (network header annotation set); output 0
    /// (agnostic) for processed packets; optional push output 1 for packets with malformed
    /// options, with the ICMP parameter-problem annotation set to the offset of the bad byte
    /// (for `ICMPError(..., parameterproblem)`), dropped and counted otherwise. Packets without
    /// options pass untouched. Record Route gets MYADDR; Timestamp gets milliseconds since
    /// midnight UT (and MYADDR, or only when its prespecified address is one of ours), or its
    /// overflow count raised when full. The checksum is recomputed when an option changed.
    ///
    /// # Handlers
    /// - `drops` (read): packets with bad options.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> gw :: IPGWOptions(18.26.4.24) -> Discard;
    /// gw[1] -> Discard;
    /// ```
    pub struct IpGwOptions {
        my_addr: Ipv4Addr,
        other_addrs: Vec<Ipv4Addr>,
        drops: u64,
    }
}

impl Default for IpGwOptions {
    fn default() -> Self {
        IpGwOptions { my_addr: Ipv4Addr::UNSPECIFIED, other_addrs: Vec::new(), drops: 0 }
    }
}

fn ms_since_midnight() -> u32 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    ((now.as_millis()) % 86_400_000) as u32
}

impl IpGwOptions {
    /// A packet whose header has options: processes them (out of line, so that the common
    /// path needs no registers saved).
    #[inline(never)]
    fn with_options(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let hl = p.network_header().map_or(0, |h| usize::from(h[0] & 0xf) * 4);
        let result = {
            let h = p.network_header_mut().expect("checked");
            if h.len() < hl { Err(0) } else { self.process(&mut h[..hl]) }
        };
        match result {
            Ok(changed) => {
                if changed {
                    let h = p.network_header_mut().expect("checked");
                    Ipv4Packet::new_unchecked(&mut h[..hl]).fill_checksum();
                }
                Some(p)
            }
            Err(at) => {
                self.drops += 1;
                p.anno_mut().bytes[anno_offset::ICMP_PARAM_PROB] = at;
                if cx.noutputs() > 1 {
                    cx.output(1, p);
                }
                None
            }
        }
    }

    /// Processes the options in `hdr` (a whole IP header). Returns the offset of a bad byte
    /// (from the start of the header) on error, and whether anything changed.
    fn process(&self, hdr: &mut [u8]) -> Result<bool, u8> {
        let mut changed = false;
        let mut i = MIN_HEADER_LEN;
        while i < hdr.len() {
            let t = hdr[i];
            if t == OPT_EOL {
                break;
            }
            if t == OPT_NOP {
                i += 1;
                continue;
            }
            let len = usize::from(*hdr.get(i + 1).ok_or(i as u8)?);
            if len < 2 || i + len > hdr.len() {
                return Err((i + 1) as u8);
            }
            // Click's rules, byte for byte (RFC 791 pointers are 1-origin).
            let at = |k: usize| usize::from(hdr.get(i + k).copied().unwrap_or(0));
            match t {
                OPT_RR => {
                    let p = at(2) as isize - 1;
                    if p >= 3 && p as usize + 4 <= len {
                        let p = p as usize;
                        hdr[i + p..i + p + 4].copy_from_slice(&self.my_addr.octets());
                        hdr[i + 2] += 4;
                        changed = true;
                    } else if p != len as isize {
                        return Err((i + 2) as u8);
                    }
                }
                OPT_TS => {
                    let p = at(2) as isize - 1;
                    let (overflow, flag) = (at(3) >> 4, at(3) & 0x0f);
                    if p < 4 {
                        return Err((i + 2) as u8);
                    }
                    let p = p as usize;
                    let ts = ms_since_midnight().to_be_bytes();
                    let mut overflowed = false;
                    match flag {
                        0 if p + 4 <= len => {
                            hdr[i + p..i + p + 4].copy_from_slice(&ts);
                            hdr[i + 2] += 4;
                        }
                        1 if p + 8 <= len => {
                            hdr[i + p..i + p + 4].copy_from_slice(&self.my_addr.octets());
                            hdr[i + p + 4..i + p + 8].copy_from_slice(&ts);
                            hdr[i + 2] += 8;
                        }
                        0 | 1 => overflowed = true,
                        3 if p + 8 <= len => {
                            let want = Ipv4Addr::new(hdr[i + p], hdr[i + p + 1], hdr[i + p + 2], hdr[i + p + 3]);
                            // Only when the prespecified address is one of ours.
                            if want == self.my_addr || self.other_addrs.contains(&want) {
                                hdr[i + p + 4..i + p + 8].copy_from_slice(&ts);
                                hdr[i + 2] += 8;
                            }
                        }
                        _ => return Err((i + 3) as u8),
                    }
                    if overflowed {
                        if overflow >= 15 {
                            return Err((i + 3) as u8);
                        }
                        hdr[i + 3] = (((overflow + 1) << 4) | flag) as u8;
                    }
                    changed = true;
                }
                _ => {}
            }
            i += len;
        }
        Ok(changed)
    }
}

impl Element for IpGwOptions {
    fn class_name(&self) -> &'static str {
        "IPGWOptions"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::A_AH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.my_addr = args.read_mp("MYADDR")?;
        if let Some(Raw(o)) = args.read_p("OTHERADDRS")? {
            let cx = args.context();
            self.other_addrs = o
                .split_whitespace()
                .map(|w| <Ipv4Addr as click_core::args::FromArg>::from_arg(w, &cx))
                .collect::<Result<_, _>>()
                .map_err(|m| ArgError::new(Some("OTHERADDRS"), m))?;
        }
        args.complete()
    }

    #[inline]
    fn simple_action(&mut self, cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        match p.network_header() {
            // Nearly every packet has no options: that test stays in the loop over the batch.
            Some(h) if h.len() >= MIN_HEADER_LEN && usize::from(h[0] & 0xf) * 4 > MIN_HEADER_LEN => {
                self.with_options(cx, p)
            }
            _ => Some(p),
        }
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

    fn header(opts: &[u8]) -> Vec<u8> {
        let mut h = vec![0u8; 20];
        h[0] = 0x40 | ((20 + opts.len()) / 4) as u8;
        h.extend_from_slice(opts);
        h
    }

    #[test]
    fn record_route_gets_our_address() {
        let g = IpGwOptions { my_addr: Ipv4Addr::new(18, 26, 4, 24), ..Default::default() };
        let mut h = header(&[OPT_RR, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(g.process(&mut h), Ok(true));
        assert_eq!(&h[20..31], &[7, 11, 8, 18, 26, 4, 24, 0, 0, 0, 0]);
        assert_eq!(g.process(&mut h), Ok(true));
        assert_eq!(h[22], 12);
        // Full: nothing more is recorded.
        assert_eq!(g.process(&mut h), Ok(false));
    }

    #[test]
    fn bad_options_point_at_the_bad_byte() {
        let g = IpGwOptions::default();
        assert_eq!(g.process(&mut header(&[OPT_RR, 1, 4, 0])), Err(21));
        assert_eq!(g.process(&mut header(&[OPT_RR, 40, 4, 0])), Err(21));
        assert_eq!(g.process(&mut header(&[OPT_RR, 7, 2, 0, 0, 0, 0, 0])), Err(22));
        assert_eq!(g.process(&mut header(&[OPT_NOP, OPT_NOP, OPT_NOP, OPT_EOL])), Ok(false));
    }

    #[test]
    fn timestamp_overflow_counts() {
        let g = IpGwOptions::default();
        let mut h = header(&[OPT_TS, 4, 5, 0]);
        assert_eq!(g.process(&mut h), Ok(true));
        assert_eq!(h[23] >> 4, 1);
    }
}
