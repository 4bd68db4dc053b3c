use click_core::spec::ports;
use click_core::{ArgError, Args, Element};

click_core::documented! {
    /// Places elements on threads.
    ///
    /// # Synopsis
    /// `StaticThreadSched(ELEMENT THREAD, ...)`
    ///
    /// # Ports and processing
    /// No ports. Each argument names an element and the thread (0-based) that runs it. The
    /// router builder reads these placements before it splits the graph among threads:
    /// elements joined by pull connections share a thread, other elements follow the element
    /// that pushes to them, and push connections between threads go through bounded
    /// lock-free queues.
    ///
    /// # Example
    /// ```click
    /// src :: InfiniteSource(LIMIT 100, STOP true) -> q :: Queue -> u :: Unqueue -> Discard;
    /// StaticThreadSched(u 1);
    /// ```
    pub struct StaticThreadSched;
}

impl Element for StaticThreadSched {
    fn class_name(&self) -> &'static str {
        "StaticThreadSched"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_0
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        // The builder has already applied and checked the placements.
        args.take_rest();
        Ok(())
    }
}
