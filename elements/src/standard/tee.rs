use click_core::spec::{ports, processing};
use click_core::{Batch, Context, Element};

click_core::documented! {
    /// Duplicates each packet to every output.
    ///
    /// # Synopsis
    /// `Tee([N])`
    ///
    /// # Ports and processing
    /// One push input; any number of push outputs (N, if given, must match). Outputs 0 to
    /// N-2 get clones sharing the packet's bytes, the last output the original.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 5, STOP true) -> t :: Tee;
    /// t[0] -> Discard; t[1] -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Tee {
        expected: Option<usize>,
        scratch: Batch,
    }
}

impl Element for Tee {
    fn class_name(&self) -> &'static str {
        "Tee"
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

    fn configure(&mut self, args: &mut click_core::Args<'_>) -> Result<(), click_core::ArgError> {
        self.expected = args.read_p("N")?;
        args.complete()
    }

    fn initialize(&mut self, cx: &mut click_core::InitContext<'_>) -> Result<(), String> {
        match self.expected {
            Some(n) if n != cx.noutputs() => Err(format!("{} outputs connected, N is {n}", cx.noutputs())),
            _ => Ok(()),
        }
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        // As in Click: clones go to outputs 0..n-1 in order, the original to the last.
        let last = cx.noutputs().saturating_sub(1);
        for port in 0..last {
            self.scratch.extend(batch.iter().cloned());
            cx.output_batch(port, &mut self.scratch);
        }
        cx.output_batch(last, batch);
    }
}
