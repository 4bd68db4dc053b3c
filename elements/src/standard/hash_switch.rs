use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element};

click_core::documented! {
    /// Spreads packets over its outputs by a hash of some of their bytes.
    ///
    /// # Synopsis
    /// `HashSwitch(OFFSET, LENGTH)`
    ///
    /// # Ports and processing
    /// One push input, any number of push outputs. The LENGTH bytes at OFFSET are hashed
    /// as Click does (their sum `d`; output `(d ^ (d >> 4)) & (N - 1)` for 2, 4 or 8 outputs,
    /// `d % N` otherwise), so packets with equal bytes take the same output as under Click.
    /// Packets too short go to output 0.
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
    }
}

/// Click's HashSwitch output for `bytes` among `n` outputs.
fn click_hash_output(bytes: &[u8], n: usize) -> usize {
    let d: usize = bytes.iter().map(|&b| usize::from(b)).sum();
    if matches!(n, 2 | 4 | 8) { (d ^ (d >> 4)) & (n - 1) } else { d % n }
}

impl Element for HashSwitch {
    fn class_name(&self) -> &'static str {
        "HashSwitch"
    }

    fn batch_invariant(&self) -> bool {
        true
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
        let n = cx.noutputs().max(1);
        for p in batch.drain() {
            let out = p.data().get(self.offset..self.offset + self.length).map_or(0, |b| click_hash_output(b, n));
            cx.output(out, p);
        }
    }
}
