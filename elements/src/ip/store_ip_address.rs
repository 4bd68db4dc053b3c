use std::net::Ipv4Addr;

use click_core::args::Raw;
use click_core::{ArgError, Args, Context, Element, Packet};

use crate::wire::ipv4::Ipv4Packet;

click_core::documented! {
    /// Writes an IP address into packet bytes.
    ///
    /// # Synopsis
    /// `StoreIPAddress(OFFSET)` or `StoreIPAddress(IPADDR, OFFSET)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Writes IPADDR, or the destination address
    /// annotation, at byte OFFSET of the packet. OFFSET may be `src` or `dst`: the IP header's
    /// source or destination (network header annotation needed), with the checksum updated.
    /// Packets too short are dropped and counted.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> CheckIPHeader -> StoreIPAddress(10.0.0.9, dst) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct StoreIpAddress {
        addr: Option<Ipv4Addr>,
        target: Target,
    }
}

#[derive(Default, Clone, Copy)]
enum Target {
    #[default]
    Src,
    Dst,
    Offset(usize),
}

impl Element for StoreIpAddress {
    fn class_name(&self) -> &'static str {
        "StoreIPAddress"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let rest = args.take_rest();
        let (addr, off) = match rest.as_slice() {
            [off] => (None, off.clone()),
            [addr, off] => {
                let a = <Ipv4Addr as click_core::args::FromArg>::from_arg(addr, &args.context())
                    .map_err(|m| ArgError::new(Some("IPADDR"), m))?;
                (Some(a), off.clone())
            }
            _ => return Err(ArgError::new(None, "expected 'OFFSET' or 'IPADDR, OFFSET'")),
        };
        let Raw(off) = Raw(off);
        self.target = match off.trim() {
            "src" => Target::Src,
            "dst" => Target::Dst,
            o => Target::Offset(
                o.parse().map_err(|_| ArgError::new(Some("OFFSET"), format!("expected offset, got '{o}'")))?,
            ),
        };
        self.addr = addr;
        Ok(())
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let a = self.addr.unwrap_or_else(|| p.dst_ip_anno());
        let ok = match self.target {
            Target::Offset(o) => match p.data_mut().get_mut(o..o + 4) {
                Some(slot) => {
                    slot.copy_from_slice(&a.octets());
                    true
                }
                None => false,
            },
            t => match p.network_header_mut().map(Ipv4Packet::new_checked) {
                Some(Ok(mut ip)) => {
                    if matches!(t, Target::Src) {
                        ip.set_src(a);
                    } else {
                        ip.set_dst(a);
                    }
                    ip.fill_checksum();
                    true
                }
                _ => false,
            },
        };
        if ok { Some(p) } else { None }
    }
}
