use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{Batch, Context, Element, HandlerError, Packet};

click_core::documented! {
    /// Decrements the IP time to live, updating the checksum incrementally.
    ///
    /// # Synopsis
    /// `DecIPTTL([ACTIVE, MULTICAST])`
    ///
    /// # Ports and processing
    /// One agnostic input; output 0 (agnostic) for forwarded packets; optional push output 1
    /// for packets whose TTL was 1 or 0 (expired), which are dropped and counted otherwise.
    /// Packets need their network header annotation (set by CheckIPHeader or MarkIPHeader);
    /// packets without one are dropped and counted. The checksum is updated with RFC 1624's
    /// incremental rule, not recomputed. A packet sharing its buffer with a clone is copied
    /// first.
    ///
    /// # Keywords
    /// - `ACTIVE` (bool): when false, packets pass untouched. Default true.
    /// - `MULTICAST` (bool): when false, packets to multicast destinations pass untouched.
    ///   Default true.
    ///
    /// # Handlers
    /// - `active` (read/write): ACTIVE.
    /// - `drops` (read): expired or unusable packets.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> dt :: DecIPTTL -> Discard;
    /// dt[1] -> Discard;
    /// ```
    pub struct DecIpTtl {
        drops: u64,
        active: bool,
        multicast: bool,
    }
}

impl Default for DecIpTtl {
    fn default() -> Self {
        DecIpTtl { drops: 0, active: true, multicast: true }
    }
}

impl DecIpTtl {
    /// Goes on from packet `start`, which did not decrement (a failed decrement changes
    /// nothing, so it is tried again): packets whose TTL expires leave the batch, counted,
    /// for output 1 if connected.
    #[cold]
    #[inline(never)]
    fn expire_from(&mut self, cx: &mut Context<'_>, batch: &mut Batch, start: usize) {
        let expired_out = cx.noutputs() > 1;
        let mut drops = 0;
        let this = &*self;
        batch.filter_map_in_place_from(start, |mut p| {
            if this.decrement(&mut p) {
                Some(p)
            } else {
                drops += 1;
                if expired_out {
                    cx.output(1, p);
                }
                None
            }
        });
        self.drops += drops;
    }

    /// Decrements in place; false when the packet expired or has no usable IP header (and
    /// then leaves it as it was).
    // Always inlined: a call per packet would cost more than the decrement itself.
    #[inline(always)]
    fn decrement(&self, p: &mut Packet) -> bool {
        if !self.active {
            return true;
        }
        // One length check for every field read below.
        let Some(ip) = p.network_header().and_then(|h| h.first_chunk::<20>()) else {
            return false;
        };
        if !self.multicast && ip[16] & 0xf0 == 0xe0 {
            return true;
        }
        if ip[8] <= 1 {
            return false;
        }
        let ip = p.network_header_mut().and_then(|h| h.first_chunk_mut::<12>()).expect("checked above");
        ip[8] -= 1;
        let check = [ip[10], ip[11]];
        ip[10..12].copy_from_slice(&ttl_decremented_checksum(check));
        true
    }
}

/// The header checksum field (as its two bytes) after the TTL drops by one. RFC 1624's HC' =
/// ~(~HC + ~m + m') with m' = m - 0x0100 (the TTL is the high byte of its 16-bit word): ~m + m'
/// is 0xfeff whatever the word, so the update needs neither the old nor the new word. The
/// one's-complement sum does not depend on byte order (RFC 1071), so it is done on the bytes
/// read as a native number, with 0xfeff likewise: no byte swaps.
#[inline]
fn ttl_decremented_checksum(field: [u8; 2]) -> [u8; 2] {
    let sum = u32::from(!u16::from_ne_bytes(field)) + u32::from(u16::from_ne_bytes([0xfe, 0xff]));
    (!((sum & 0xffff) + (sum >> 16)) as u16).to_ne_bytes()
}

impl Element for DecIpTtl {
    fn class_name(&self) -> &'static str {
        "DecIPTTL"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1_2
    }

    fn processing(&self) -> &'static str {
        processing::A_AH
    }

    fn configure(&mut self, args: &mut click_core::Args<'_>) -> Result<(), click_core::ArgError> {
        self.active = args.read_or("ACTIVE", true)?;
        self.multicast = args.read_or("MULTICAST", true)?;
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        // Most batches keep every packet: one plain loop (no call per packet) until the
        // first that does not decrement, if any.
        let packets = batch.as_mut_slice();
        let mut done = 0;
        while done < packets.len() && self.decrement(&mut packets[done]) {
            done += 1;
        }
        if done < packets.len() {
            self.expire_from(cx, batch, done);
        }
        cx.output_batch(0, batch);
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if self.decrement(&mut p) {
            return Some(p);
        }
        self.drops += 1;
        if cx.noutputs() > 1 {
            cx.output(1, p);
        }
        None
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("drops"), HandlerInfo::read_write("active").checkbox()];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "active" => self.active = click_core::Args::new(value).read_mp("ACTIVE")?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::checksum;
    use crate::wire::ipv4::Ipv4Packet;

    fn packet(ttl: u8) -> Packet {
        let mut b = [0x45u8, 0, 0, 20, 0, 0, 0, 0, ttl, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        Ipv4Packet::new_checked(&mut b[..]).unwrap().fill_checksum();
        let mut p = Packet::from_slice(&b);
        p.set_network_header(0, 20);
        p
    }

    #[test]
    fn decrements_and_keeps_checksum() {
        let mut p = packet(64);
        assert!(DecIpTtl::default().decrement(&mut p));
        let ip = Ipv4Packet::new_checked(p.data()).unwrap();
        assert_eq!(ip.ttl(), 63);
        assert!(ip.verify_checksum());
    }

    #[test]
    fn expired_and_headerless_fail() {
        assert!(!DecIpTtl::default().decrement(&mut packet(1)));
        assert!(!DecIpTtl::default().decrement(&mut packet(0)));
        assert!(!DecIpTtl::default().decrement(&mut Packet::from_slice(&[0x45; 20])));
    }

    proptest::proptest! {
        /// The shortcut agrees with the general RFC 1624 update for every checksum and word.
        #[test]
        fn shortcut_matches_the_general_update(check: u16, ttl in 2u8.., protocol: u8) {
            let old = u16::from_be_bytes([ttl, protocol]);
            let new = u16::from_be_bytes([ttl - 1, protocol]);
            let want = checksum::update(check, old, new).to_be_bytes();
            proptest::prop_assert_eq!(ttl_decremented_checksum(check.to_be_bytes()), want);
        }
    }

    #[test]
    fn shared_packets_are_copied() {
        let a = packet(10);
        let mut b = a.clone();
        assert!(DecIpTtl::default().decrement(&mut b));
        assert_eq!(a.data()[8], 10);
        assert_eq!(b.data()[8], 9);
    }
}
