use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Packet};

use super::queue::Queue;

click_core::documented! {
    /// A queue that drops its oldest packet, not the arriving one, when full.
    ///
    /// # Synopsis
    /// `FrontDropQueue([CAPACITY])`
    ///
    /// # Ports and processing
    /// One push input, one pull output, as Queue; a packet arriving at a full queue pushes
    /// the packet at the front out (counted as a drop; to the optional push output 1, or
    /// dropped). Fresh packets win, as real-time
    /// traffic wants.
    ///
    /// # Handlers
    /// As Queue: `length`, `highwater_length`, `drops`, `capacity`, `reset_counts`, `reset`.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 100, STOP true) -> FrontDropQueue(10) -> Unqueue -> Discard;
    /// ```
    pub struct FrontDropQueue {
        inner: Queue,
    }
}

impl Default for FrontDropQueue {
    fn default() -> Self {
        FrontDropQueue { inner: Queue::new("FrontDropQueue") }
    }
}

impl Element for FrontDropQueue {
    fn class_name(&self) -> &'static str {
        "FrontDropQueue"
    }

    fn port_count(&self) -> &'static str {
        "1/1-2"
    }

    fn processing(&self) -> &'static str {
        "h/lh"
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.inner.configure(args)
    }

    fn is_notifier(&self) -> bool {
        true
    }

    fn notifier_active(&self) -> bool {
        !self.inner.is_empty()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let was_empty = self.inner.is_empty();
        for p in batch.drain() {
            // Click reports the first overflow.
            if self.inner.drops() == 0 && self.inner.capacity() > 0 && self.inner.len() >= self.inner.capacity() {
                click_core::chatter::chatter(&format!("{} :: FrontDropQueue: overflow", cx.name()));
            }
            if let Some(dropped) = self.inner.push_front_drop(p)
                && cx.noutputs() > 1
            {
                cx.output(1, dropped);
            }
        }
        if was_empty && !self.inner.is_empty() {
            cx.wake_listeners();
        }
    }

    fn pull(&mut self, cx: &mut Context<'_>, port: usize) -> Option<Packet> {
        self.inner.pull(cx, port)
    }

    fn pull_batch(&mut self, cx: &mut Context<'_>, port: usize, max: usize, out: &mut Batch) -> usize {
        self.inner.pull_batch(cx, port, max, out)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        self.inner.handlers()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.inner.read_handler(name)
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        self.inner.write_handler(name, value, cx)
    }
}
