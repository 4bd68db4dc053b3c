use click_core::{Context, Element, Packet};

use crate::wire::ipv4::Ipv4Packet;

click_core::documented! {
    /// Recomputes the IP header checksum.
    ///
    /// # Synopsis
    /// `SetIPChecksum`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Needs the network header annotation; packets
    /// without a usable IP header are dropped and counted.
    ///
    /// # Handlers
    /// - `drops` (read): packets dropped.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> MarkIPHeader -> SetIPChecksum -> Discard;
    /// ```
    #[derive(Default)]
    pub struct SetIpChecksum {
        drops: u64,
    }
}

impl Element for SetIpChecksum {
    fn class_name(&self) -> &'static str {
        "SetIPChecksum"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        match p.network_header_mut().map(Ipv4Packet::new_checked) {
            Some(Ok(mut ip)) => {
                ip.fill_checksum();
                Some(p)
            }
            _ => {
                self.drops += 1;
                None
            }
        }
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[click_core::element::HandlerInfo::read("drops")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
    }
}
