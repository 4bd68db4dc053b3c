use click_core::{ArgError, Args, Context, Element, Packet, Timestamp};

click_core::documented! {
    /// Sets the timestamp annotation.
    ///
    /// # Synopsis
    /// `SetTimestamp([TIMESTAMP])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output. Without TIMESTAMP, packets get the current
    /// time (one clock read per batch); with it (seconds since the epoch, e.g. `1.5`), that
    /// time.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 1, STOP true, TIMESTAMP false) -> SetTimestamp -> Discard;
    /// ```
    #[derive(Default)]
    pub struct SetTimestamp {
        fixed: Option<Timestamp>,
    }
}

impl Element for SetTimestamp {
    fn class_name(&self) -> &'static str {
        "SetTimestamp"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        if let Some(secs) = args.read_p::<f64>("TIMESTAMP")? {
            self.fixed = Some(Timestamp::from_nanos((secs * 1e9) as i64));
        }
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut click_core::Batch) {
        let t = self.fixed.unwrap_or_else(|| cx.now());
        for p in batch.iter_mut() {
            p.set_timestamp(t);
        }
        cx.output_batch(0, batch);
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, mut p: Packet) -> Option<Packet> {
        p.set_timestamp(self.fixed.unwrap_or_else(|| cx.now()));
        Some(p)
    }
}
