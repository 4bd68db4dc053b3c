use click_core::{Batch, Context, Element, Packet};

click_core::documented! {
    /// Never emits a packet; drops what it is given.
    ///
    /// # Synopsis
    /// `Idle`
    ///
    /// # Ports and processing
    /// Any number of agnostic inputs and outputs. Pushed packets are dropped; pulls return
    /// nothing. Useful to fill ports that must be connected.
    ///
    /// # Example
    /// ```click
    /// Idle -> c :: Counter -> Discard;
    /// ```
    pub struct Idle;
}

impl Element for Idle {
    fn class_name(&self) -> &'static str {
        "Idle"
    }

    fn may_originate_packets(&self) -> bool {
        false
    }

    fn port_count(&self) -> &'static str {
        "-/-"
    }

    fn flow_code(&self) -> &'static str {
        "x/y"
    }

    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        batch.drain();
    }

    fn pull(&mut self, _cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        None
    }
}
