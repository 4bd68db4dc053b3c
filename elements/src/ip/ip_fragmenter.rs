use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Packet};

use crate::wire::ipv4::{FLAG_DF, FLAG_MF, Ipv4Packet, MIN_HEADER_LEN, OFFSET_MASK};

click_core::documented! {
    /// Fragments IP packets larger than an MTU.
    ///
    /// # Synopsis
    /// `IPFragmenter(MTU [, *keywords*])`
    ///
    /// # Ports and processing
    /// One push input taking IP packets (network header annotation set); output 0 carries
    /// packets that fit and the fragments of those that do not; optional output 1 gets
    /// packets too large with the don't-fragment flag set (usually to an ICMPError
    /// `unreachable needfrag`), dropped and counted otherwise. Later fragments carry only the
    /// options marked "copy"; each fragment has its own checksum and the original's
    /// annotations.
    ///
    /// # Keywords
    /// - `MTU` (unsigned): the largest IP packet, in bytes.
    /// - `HONOR_DF` (boolean): respect the don't-fragment flag, default true.
    ///
    /// # Handlers
    /// - `fragments` (read): fragments made.
    /// - `drops` (read): packets dropped.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LENGTH 1000, LIMIT 1, STOP true) -> CheckIPHeader -> fr :: IPFragmenter(300) -> Discard;
    /// fr[1] -> Discard;
    /// ```
    pub struct IpFragmenter {
        mtu: usize,
        honor_df: bool,
        fragments: u64,
        drops: u64,
    }
}

impl Default for IpFragmenter {
    fn default() -> Self {
        IpFragmenter { mtu: 1500, honor_df: true, fragments: 0, drops: 0 }
    }
}

/// Options copied into later fragments (the "copied" bit), padded to 4 bytes.
fn copied_options(opts: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => break,
            1 => i += 1,
            t => {
                let Some(&l) = opts.get(i + 1) else { break };
                let l = usize::from(l);
                if l < 2 || i + l > opts.len() {
                    break;
                }
                if t & 0x80 != 0 {
                    out.extend_from_slice(&opts[i..i + l]);
                }
                i += l;
            }
        }
    }
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out
}

impl IpFragmenter {
    /// Splits `p` (network header at data offset `off`) into fragments appended to `out`.
    fn fragment(&mut self, p: &Packet, off: usize, out: &mut Vec<Packet>) -> bool {
        let ipb = &p.data()[off..];
        let Ok(ip) = Ipv4Packet::new_checked(ipb) else { return false };
        let hl = ip.header_len();
        let total = usize::from(ip.total_len()).min(ipb.len());
        if total <= hl {
            return false;
        }
        let payload = &ipb[hl..total];
        let first_header = &ipb[..hl];
        let later_opts = copied_options(ip.options());
        let base_flags = ip.flags_offset();
        let base_off = usize::from(base_flags & OFFSET_MASK) * 8;
        let orig_mf = base_flags & FLAG_MF != 0;
        let mut pos = 0;
        while pos < payload.len() {
            let header_len = if pos == 0 { hl } else { MIN_HEADER_LEN + later_opts.len() };
            let room = (self.mtu.saturating_sub(header_len)) & !7;
            if room == 0 {
                return false;
            }
            let n = room.min(payload.len() - pos);
            let last = pos + n == payload.len();
            let mut f = Packet::new(header_len + n);
            {
                let d = f.data_mut();
                if pos == 0 {
                    d[..hl].copy_from_slice(first_header);
                } else {
                    d[..MIN_HEADER_LEN].copy_from_slice(&first_header[..MIN_HEADER_LEN]);
                    d[MIN_HEADER_LEN..header_len].copy_from_slice(&later_opts);
                }
                d[header_len..].copy_from_slice(&payload[pos..pos + n]);
                let mut h = Ipv4Packet::new_unchecked(&mut d[..]);
                h.set_version_and_header_len(header_len);
                h.set_total_len((header_len + n) as u16);
                let more = !last || orig_mf;
                let frag_off = ((base_off + pos) / 8) as u16 & OFFSET_MASK;
                h.set_flags_offset((base_flags & FLAG_DF) | if more { FLAG_MF } else { 0 } | frag_off);
                h.fill_checksum();
            }
            f.copy_metadata_from(p);
            f.set_network_header(0, header_len);
            out.push(f);
            pos += n;
        }
        true
    }
}

impl Element for IpFragmenter {
    fn class_name(&self) -> &'static str {
        "IPFragmenter"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.mtu = args.read_mp("MTU")?;
        self.honor_df = args.read_or("HONOR_DF", true)?;
        let _verbose: bool = args.read_or("VERBOSE", false)?;
        args.complete()?;
        if self.mtu < 28 {
            return Err(ArgError::new(Some("MTU"), "MTU must be at least 28"));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let mut frags = Vec::new();
        for p in batch.drain() {
            let Some(off) = p.network_header_offset().filter(|&o| o >= 0).map(|o| o as usize) else {
                self.drops += 1;
                continue;
            };
            let ip_len = p.len() - off.min(p.len());
            if ip_len <= self.mtu {
                cx.output(0, p);
                continue;
            }
            let df = p.data().get(off + 6).is_some_and(|b| u16::from(*b) << 8 & FLAG_DF != 0);
            if df && self.honor_df {
                if cx.noutputs() > 1 {
                    cx.output(1, p);
                } else {
                    self.drops += 1;
                }
                continue;
            }
            frags.clear();
            if self.fragment(&p, off, &mut frags) {
                self.fragments += frags.len() as u64;
                for f in frags.drain(..) {
                    cx.output(0, f);
                }
            } else {
                self.drops += 1;
            }
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("fragments"), HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "fragments" => Ok(self.fragments.to_string()),
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ipv4::Ipv4Repr;
    use std::net::Ipv4Addr;

    #[test]
    fn fragments_reassemble_to_the_original() {
        let payload: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut b = vec![0u8; 20 + payload.len()];
        Ipv4Repr {
            src: Ipv4Addr::new(1, 0, 0, 1),
            dst: Ipv4Addr::new(2, 0, 0, 2),
            protocol: 17,
            payload_len: payload.len(),
            ttl: 64,
            tos: 0,
            ident: 99,
            flags_offset: 0,
        }
        .emit(&mut b);
        b[20..].copy_from_slice(&payload);
        let mut p = Packet::from_slice(&b);
        p.set_network_header(0, 20);
        let mut f = IpFragmenter { mtu: 300, ..Default::default() };
        let mut out = Vec::new();
        assert!(f.fragment(&p, 0, &mut out));
        assert_eq!(out.len(), 4); // 280 + 280 + 280 + 160
        let mut rebuilt = vec![0u8; payload.len()];
        for (i, frag) in out.iter().enumerate() {
            let ip = Ipv4Packet::new_checked(frag.data()).unwrap();
            assert!(ip.verify_checksum());
            assert!(frag.len() <= 300);
            assert_eq!(ip.more_frags(), i + 1 < out.len());
            assert_eq!(ip.ident(), 99);
            let o = ip.frag_offset();
            rebuilt[o..o + ip.payload().len()].copy_from_slice(ip.payload());
        }
        assert_eq!(rebuilt, payload);
    }

    #[test]
    fn copied_options_only() {
        // NOP, record route (not copied, len 7), loose source route (copied, len 7), EOL.
        let opts = [1, 7, 7, 4, 0, 0, 0, 0, 131, 7, 4, 1, 2, 3, 4, 0];
        assert_eq!(copied_options(&opts), vec![131, 7, 4, 1, 2, 3, 4, 0]);
    }
}
