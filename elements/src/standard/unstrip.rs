use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Puts back bytes in front of packets.
    ///
    /// # Synopsis
    /// `Unstrip(LENGTH)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Prepends LENGTH bytes, normally ones an earlier
    /// `Strip` removed (their old contents are still in the headroom).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> Strip(14) -> Unstrip(14) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Unstrip {
        length: usize,
    }
}

impl Element for Unstrip {
    fn class_name(&self) -> &'static str {
        "Unstrip"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.length = args.read_mp("LENGTH")?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        // `push` only moves the data offset (or copies the headroom along when the buffer is
        // shared), so the bytes Strip removed reappear.
        p.push(self.length);
        Some(p)
    }
}
