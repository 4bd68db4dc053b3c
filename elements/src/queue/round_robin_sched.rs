use click_core::spec::processing;
use click_core::{Context, Element, Packet};

click_core::documented! {
    /// Pulls from its inputs in turn.
    ///
    /// # Synopsis
    /// `RoundRobinSched`
    ///
    /// # Ports and processing
    /// Any number of pull inputs, one pull output. Each pull starts at the input after the
    /// one that last gave a packet and takes the first packet found.
    ///
    /// # Example
    /// ```click
    /// a :: Queue; b :: Queue;
    /// InfiniteSource(LIMIT 5) -> a; InfiniteSource(LIMIT 5) -> b;
    /// rr :: RoundRobinSched; a -> [0]rr; b -> [1]rr; rr -> Unqueue -> Discard;
    /// ```
    #[derive(Default)]
    pub struct RoundRobinSched {
        next: usize,
    }
}

impl Element for RoundRobinSched {
    fn class_name(&self) -> &'static str {
        "RoundRobinSched"
    }

    fn port_count(&self) -> &'static str {
        "-/1"
    }

    fn processing(&self) -> &'static str {
        processing::PULL
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        let n = cx.ninputs();
        for k in 0..n {
            let i = (self.next + k) % n;
            if let Some(p) = cx.pull(i) {
                self.next = (i + 1) % n;
                return Some(p);
            }
        }
        None
    }
}
