use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Cuts packets to at most a length.
    ///
    /// # Synopsis
    /// `Truncate(LENGTH)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Bytes beyond LENGTH are removed.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 100, LIMIT 1, STOP true) -> Truncate(60) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Truncate {
        length: usize,
    }
}

impl Element for Truncate {
    fn class_name(&self) -> &'static str {
        "Truncate"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.length = args.read_mp("LENGTH")?;
        let _extra: bool = args.read_or("EXTRA_LENGTH", true)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        p.truncate(self.length);
        Some(p)
    }
}
