use std::net::Ipv4Addr;

use click_core::packet::anno_offset;
use click_core::{ArgError, Args, Context, Element, Packet};

use crate::wire::ipv4::Ipv4Packet;

click_core::documented! {
    /// Sets the IP source address of packets marked for it.
    ///
    /// # Synopsis
    /// `FixIPSrc(IPADDR)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. A packet whose fix-IP-source annotation is
    /// set (ICMPError sets it on the errors it makes) gets IPADDR as its source, a new
    /// checksum, and the annotation cleared. Other packets pass unchanged.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> FixIPSrc(18.26.4.24) -> Discard;
    /// ```
    pub struct FixIpSrc {
        addr: Ipv4Addr,
    }
}

impl Default for FixIpSrc {
    fn default() -> Self {
        FixIpSrc { addr: Ipv4Addr::UNSPECIFIED }
    }
}

impl Element for FixIpSrc {
    fn class_name(&self) -> &'static str {
        "FixIPSrc"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.addr = args.read_mp("IPADDR")?;
        args.complete()
    }

    #[inline]
    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if p.anno().bytes[anno_offset::FIX_IP_SRC] != 0 {
            p.anno_mut().bytes[anno_offset::FIX_IP_SRC] = 0;
            let addr = self.addr;
            if let Some(h) = p.network_header_mut()
                && let Ok(mut ip) = Ipv4Packet::new_checked(h)
            {
                ip.set_src(addr);
                ip.fill_checksum();
            }
        }
        Some(p)
    }
}
