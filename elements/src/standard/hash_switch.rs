use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element};

click_core::documented! {
    /// Spreads packets over its outputs by a hash of some of their bytes.
    ///
    /// # Synopsis
    /// `HashSwitch(OFFSET, LENGTH)`
    ///
    /// # Ports and processing
    /// One push input, any number of push outputs. The LENGTH bytes at OFFSET are hashed;
    /// packets with equal bytes always take the same output. Packets too short are dropped
    /// and counted.
    ///
    /// # Handlers
    /// - `drops` (read): packets dropped.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 4, STOP true) -> h :: HashSwitch(0, 4);
    /// h[0] -> Discard; h[1] -> Discard;
    /// ```
    #[derive(Default)]
    pub struct HashSwitch {
        offset: usize,
        length: usize,
        drops: u64,
    }
}

/// FNV-1a: cheap and good enough to spread flows.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Element for HashSwitch {
    fn class_name(&self) -> &'static str {
        "HashSwitch"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_ANY
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.offset = args.read_mp("OFFSET")?;
        self.length = args.read_mp("LENGTH")?;
        args.complete()?;
        if self.length == 0 {
            return Err(ArgError::new(Some("LENGTH"), "must be positive"));
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let n = cx.noutputs().max(1) as u64;
        for p in batch.drain() {
            match p.data().get(self.offset..self.offset + self.length) {
                Some(b) => {
                    let out = (fnv1a(b) % n) as usize;
                    cx.output(out, p);
                }
                None => self.drops += 1,
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
