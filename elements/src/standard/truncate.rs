use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet};

click_core::documented! {
    /// Cuts packets to at most a length.
    ///
    /// # Synopsis
    /// `Truncate(LENGTH)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Bytes beyond LENGTH are removed; with
    /// `EXTRA_LENGTH true` (the default) their number is added to the EXTRA_LENGTH
    /// annotation, so ToDump records the original length.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `nbytes` (read and write): LENGTH.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 100, LIMIT 1, STOP true) -> Truncate(60) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Truncate {
        length: usize,
        extra_length: bool,
    }
}

impl Element for Truncate {
    fn class_name(&self) -> &'static str {
        "Truncate"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.length = args.read_mp("LENGTH")?;
        self.extra_length = args.read_or("EXTRA_LENGTH", true)?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        let cut = p.len().saturating_sub(self.length);
        if cut > 0 {
            p.truncate(self.length);
            if self.extra_length {
                let extra = crate::extra_length(&p).wrapping_add(cut as u32);
                crate::set_extra_length(&mut p, extra);
            }
        }
        Some(p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read_write("config").calm(), HandlerInfo::read_write("nbytes")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "nbytes" => Ok(self.length.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "nbytes" => self.length = Args::new(value).read_mp("LENGTH")?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
