use click_core::{ArgError, Args, Context, Element, EtherAddress, Packet};

click_core::documented! {
    /// Rewrites the addresses of an Ethernet header in place.
    ///
    /// # Synopsis
    /// `EtherRewrite(SRC, DST)`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Packets must start with an Ethernet header;
    /// shorter ones are dropped and counted. A shared buffer is copied first.
    ///
    /// # Handlers
    /// - `config` (read/write): writing it configures the element again.
    /// - `src`, `dst` (read and write): the addresses written (read in Click's dashed form).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true) -> EtherRewrite(00:00:00:00:00:01, 00:00:00:00:00:02) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct EtherRewrite {
        src: EtherAddress,
        dst: EtherAddress,
    }
}

impl Element for EtherRewrite {
    fn class_name(&self) -> &'static str {
        "EtherRewrite"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.src = args.read_mp("SRC")?;
        self.dst = args.read_mp("DST")?;
        args.complete()
    }

    fn simple_action(&mut self, _cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        if p.len() < 14 {
            return None;
        }
        let d = p.data_mut();
        d[0..6].copy_from_slice(&self.dst.0);
        d[6..12].copy_from_slice(&self.src.0);
        Some(p)
    }

    fn handlers(&self) -> &'static [click_core::element::HandlerInfo] {
        const H: &[click_core::element::HandlerInfo] = &[
            click_core::element::HandlerInfo::read_write("config").calm(),
            click_core::element::HandlerInfo::read_write("src").reconfigures("1 SRC"),
            click_core::element::HandlerInfo::read_write("dst").reconfigures("2 DST"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        match name {
            "src" => Ok(crate::ether_dashes(self.src)),
            "dst" => Ok(crate::ether_dashes(self.dst)),
            _ => Err(click_core::HandlerError::NoSuchHandler(name.into())),
        }
    }
}
