use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Pads short packets with zero bytes.
    ///
    /// # Synopsis
    /// `Pad([LENGTH, ZERO])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Packets shorter than LENGTH (default 60, the
    /// Ethernet minimum without the frame check sequence) get zero bytes at the end.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 20, LIMIT 1, STOP true) -> Pad -> Discard;
    /// ```
    pub struct Pad {
        length: usize,
    }
}

impl Default for Pad {
    fn default() -> Self {
        Pad { length: 60 }
    }
}

impl Element for Pad {
    fn class_name(&self) -> &'static str {
        "Pad"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.length = args.read_p_or("LENGTH", 60)?;
        let _zero: bool = args.read_p_or("ZERO", true)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if p.len() < self.length {
            let n = self.length - p.len();
            p.put(n).fill(0);
        }
        Some(p)
    }
}
