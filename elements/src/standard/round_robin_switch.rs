use click_core::spec::{ports, processing};
use click_core::{Batch, Context, Element};

click_core::documented! {
    /// Sends packets to its outputs in turn.
    ///
    /// # Synopsis
    /// `RoundRobinSwitch`
    ///
    /// # Ports and processing
    /// One push input, any number of push outputs: the first packet to output 0, the next to
    /// output 1, and so on, wrapping around.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 4, STOP true) -> rr :: RoundRobinSwitch;
    /// rr[0] -> Discard; rr[1] -> Discard;
    /// ```
    #[derive(Default)]
    pub struct RoundRobinSwitch {
        next: usize,
    }
}

impl Element for RoundRobinSwitch {
    fn class_name(&self) -> &'static str {
        "RoundRobinSwitch"
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

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let n = cx.noutputs().max(1);
        for p in batch.drain() {
            cx.output(self.next % n, p);
            self.next = (self.next + 1) % n;
        }
    }
}
