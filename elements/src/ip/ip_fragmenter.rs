use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Packet};

use crate::wire::ipv4::{FLAG_DF, FLAG_MF, Ipv4Packet, MIN_HEADER_LEN, OFFSET_MASK};

click_core::documented! {
    /// Fragments IP packets larger than an MTU.
    ///
    /// # Synopsis
    /// `IPFragmenter(MTU [, HONOR_DF, VERBOSE])`
    ///
    /// # Ports and processing
    /// One push input taking IP packets (network header annotation set); output 0 carries
    /// packets that fit and the fragments of those that do not; optional output 1 gets
    /// packets too large with the don't-fragment flag set (usually to an ICMPError
    /// `unreachable needfrag`), dropped otherwise; either way they count as drops and the
    /// first five are reported on standard error, as in Click. The first fragment keeps
    /// what precedes the IP header; later fragments carry only the options marked "copy";
    /// each fragment has its own checksum and the original's annotations. Fragmenting a DF
    /// packet (`HONOR_DF false`) clears DF and gives the fragments a random IP ID.
    ///
    /// # Keywords
    /// - `MTU` (unsigned): the largest IP packet, in bytes.
    /// - `HONOR_DF` (boolean): respect the don't-fragment flag, default true.
    /// - `VERBOSE` (boolean): report every packet dropped, default false.
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
        verbose: bool,
        fragments: u64,
        drops: u64,
    }
}

impl Default for IpFragmenter {
    fn default() -> Self {
        IpFragmenter { mtu: 1500, honor_df: true, verbose: false, fragments: 0, drops: 0 }
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

/// A fresh IP ID for fragments of a DF packet (Click uses click_random()).
fn random_id() -> u16 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 16) as u16
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
        // Fragmenting a DF packet (HONOR_DF false) clears DF and, as in Click, picks a new
        // IP ID, since the sender's cannot be trusted.
        let cheat_df = ip.flags_offset() & FLAG_DF != 0;
        let base_flags = ip.flags_offset() & !FLAG_DF;
        let new_id = if cheat_df { Some(random_id()) } else { None };
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
            // The first fragment keeps whatever precedes the network header (Click truncates
            // the original packet); the later ones start at their IP header.
            let pre = if pos == 0 { off } else { 0 };
            let mut f = Packet::new(pre + header_len + n);
            {
                let d = &mut f.data_mut()[..];
                d[..pre].copy_from_slice(&p.data()[..pre]);
                let d = &mut d[pre..];
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
                h.set_flags_offset(if more { FLAG_MF } else { 0 } | frag_off);
                if let Some(id) = new_id {
                    h.set_ident(id);
                }
                h.fill_checksum();
            }
            f.copy_metadata_from(p);
            f.set_network_header(pre as isize, header_len);
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
        self.honor_df = args.read_p_or("HONOR_DF", true)?;
        self.verbose = args.read_p_or("VERBOSE", false)?;
        args.complete()?;
        if self.mtu < 28 {
            return Err(ArgError::new(Some("MTU"), "MTU must be at least 28"));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let mtu = self.mtu;
        let fits = |p: &Packet| {
            p.network_header_offset().is_some_and(|o| o >= 0 && p.len() - (o as usize).min(p.len()) <= mtu)
        };
        if batch.iter().all(fits) {
            // Nothing to fragment or drop: the batch moves on whole, as a classifier's does
            // when every packet takes one output.
            cx.output_batch(0, batch);
            return;
        }
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
            let hl = p.data().get(off).map_or(0, |b| usize::from(b & 0xf) * 4);
            if (df && self.honor_df) || (self.mtu.saturating_sub(hl) & !7) < 8 {
                // Click reports the first five such packets (all with VERBOSE).
                if self.verbose || self.drops < 5 {
                    let ip = &p.data()[off..];
                    let addr = |i: usize| {
                        ip.get(i..i + 4).map_or(String::from("?"), |a| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]))
                    };
                    click_core::chatter::chatter(&format!(
                        "IPFragmenter({}) DF {} {} len={}",
                        self.mtu,
                        addr(12),
                        addr(16),
                        p.len()
                    ));
                }
                self.drops += 1;
                if cx.noutputs() > 1 {
                    cx.output(1, p);
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
        const H: &[HandlerInfo] = &[HandlerInfo::read("drops"), HandlerInfo::read("fragments")];
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
