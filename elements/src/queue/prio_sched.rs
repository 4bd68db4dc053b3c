use click_core::spec::processing;
use click_core::{Context, Element, Packet};

click_core::documented! {
    /// Pulls from its inputs in strict priority order.
    ///
    /// # Synopsis
    /// `PrioSched`
    ///
    /// # Ports and processing
    /// Any number of pull inputs, one pull output. Each pull tries input 0 first, then input
    /// 1, and so on: a lower-numbered input with packets always wins. QoS configurations put
    /// a queue per traffic class in front of it.
    ///
    /// # Example
    /// ```click
    /// hi :: Queue; lo :: Queue;
    /// InfiniteSource(LIMIT 5) -> hi; InfiniteSource(LIMIT 5) -> lo;
    /// ps :: PrioSched; hi -> [0]ps; lo -> [1]ps; ps -> Unqueue -> Discard;
    /// ```
    pub struct PrioSched;
}

impl Element for PrioSched {
    fn class_name(&self) -> &'static str {
        "PrioSched"
    }

    fn port_count(&self) -> &'static str {
        "-/1"
    }

    fn processing(&self) -> &'static str {
        processing::PULL
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        (0..cx.ninputs()).find_map(|i| cx.pull(i))
    }
}
