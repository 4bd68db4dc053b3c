use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Marks where the IP header is, without checking it.
    ///
    /// # Synopsis
    /// `MarkIPHeader([OFFSET])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Sets the network header annotation at OFFSET
    /// (default 0) with the length the header's IHL field gives (as Click, even below 20; at
    /// most what the packet holds). CheckIPHeader does the same with validation.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> MarkIPHeader(14) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct MarkIpHeader {
        offset: usize,
    }
}

impl Element for MarkIpHeader {
    fn class_name(&self) -> &'static str {
        "MarkIPHeader"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.offset = args.read_p_or("OFFSET", 0)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let avail = p.len().saturating_sub(self.offset);
        // Click takes the IHL field as it is, even below 5.
        let hl = p.data().get(self.offset).map_or(20, |b| usize::from(b & 0xf) * 4);
        p.set_network_header(self.offset as isize, hl.min(avail));
        Some(p)
    }
}
