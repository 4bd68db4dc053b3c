use click_core::{ArgError, Args, Context, Element, Packet};

click_core::documented! {
    /// Extends packets.
    ///
    /// # Synopsis
    /// `Pad([LENGTH, ZERO])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. As in Click: with LENGTH, packets shorter
    /// than LENGTH are extended to it; without, packets are extended by their EXTRA_LENGTH
    /// annotation (undoing a Truncate). Output packets have EXTRA_LENGTH zero.
    ///
    /// # Keywords
    /// - `LENGTH` (unsigned): the least length; 0 (the default) means use EXTRA_LENGTH.
    /// - `ZERO` (bool): fill with zero bytes, default true (we always do).
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 20, LIMIT 1, STOP true) -> Pad(60) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Pad {
        length: usize,
    }
}

impl Element for Pad {
    fn class_name(&self) -> &'static str {
        "Pad"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.length = args.read_p_or("LENGTH", 0)?;
        let _zero: bool = args.read_or("ZERO", true)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let n = if self.length > 0 { self.length.saturating_sub(p.len()) } else { crate::extra_length(&p) as usize };
        if n > 0 {
            p.put(n).fill(0);
        }
        crate::set_extra_length(&mut p, 0);
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[click_core::element::HandlerInfo::read_write("config").calm()];
        H
    }
}
