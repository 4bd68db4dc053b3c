use click_core::element::HandlerInfo;
use click_core::spec::ports;
use click_core::{Batch, Context, Element, HandlerError, InitContext, Processing};

/// Packets pulled per task run when Discard is in pull context.
const PULL_BURST: usize = 32;

click_core::documented! {
    /// Drops every packet.
    ///
    /// # Synopsis
    /// `Discard`
    ///
    /// # Ports and processing
    /// One agnostic input, no outputs. In pull context a task pulls and drops packets as fast
    /// as they come.
    ///
    /// # Handlers
    /// - `count` (read): packets dropped.
    /// - `reset_counts` (write): sets the count to zero.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Discard;
    /// ```
    #[derive(Default)]
    pub struct Discard {
        count: u64,
        batch: Batch,
    }
}

impl Element for Discard {
    fn class_name(&self) -> &'static str {
        "Discard"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_0
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if cx.input_processing(0) == Processing::Pull {
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
            self.batch = Batch::with_capacity(PULL_BURST);
        }
        Ok(())
    }

    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        self.count += batch.len() as u64;
        batch.clear();
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let n = cx.pull_batch(0, PULL_BURST, &mut self.batch);
        self.count += n as u64;
        self.batch.clear();
        if n == 0 && cx.input_idle(0) {
            cx.unschedule();
        }
        n > 0
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("count"), HandlerInfo::write("reset_counts").button()];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
