use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Removes bytes from the front of packets.
    ///
    /// # Synopsis
    /// `Strip(LENGTH)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Removes LENGTH bytes (or the whole packet if
    /// shorter); header annotations keep pointing where they pointed.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> Strip(14) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Strip {
        length: usize,
    }
}

impl Element for Strip {
    fn class_name(&self) -> &'static str {
        "Strip"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.length = args.read_mp("LENGTH")?;
        args.complete()
    }

    #[inline]
    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        p.pull(self.length);
        Some(p)
    }
}
