use click_core::{Context, Element, Packet};

click_core::documented! {
    /// Removes everything before the network header.
    ///
    /// # Synopsis
    /// `StripToNetworkHeader`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Packets without a network header annotation,
    /// or whose header lies before the data, pass unchanged.
    ///
    /// # Example
    /// ```click
    /// FromDump(../shared/corpus/pcap/ntp.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> Unstrip(14)
    ///   -> StripToNetworkHeader -> Discard;
    /// ```
    pub struct StripToNetworkHeader;
}

impl Element for StripToNetworkHeader {
    fn class_name(&self) -> &'static str {
        "StripToNetworkHeader"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if let Some(off) = p.network_header_offset()
            && off > 0
        {
            p.pull(off as usize);
        }
        Some(p)
    }
}
