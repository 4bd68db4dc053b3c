use click_core::element::HandlerInfo;
use click_core::spec::ports;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Processing};

/// Packets pulled per task run when Discard is in pull context.
const PULL_BURST: usize = 1;

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
    /// # Keywords
    /// - `ACTIVE` (boolean, pull context only): pull at all, default true.
    /// - `BURST` (unsigned): packets pulled per task run, default 1 (as in Click); 0 for no
    ///   limit.
    ///
    /// # Handlers
    /// - `count` (read): packets dropped.
    /// - `reset_counts` (write): sets the count to zero.
    /// - In pull context: `active` (read/write), and its task's `scheduled` (read) and
    ///   `tickets` (read/write).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Discard;
    /// ```
    pub struct Discard {
        count: u64,
        batch: Batch,
        active: bool,
        burst: usize,
        pull: bool,
    }
}

impl Default for Discard {
    fn default() -> Self {
        Discard { count: 0, batch: Batch::new(), active: true, burst: PULL_BURST, pull: false }
    }
}

impl Element for Discard {
    fn class_name(&self) -> &'static str {
        "Discard"
    }

    fn batch_invariant(&self) -> bool {
        true
    }

    fn port_count(&self) -> &'static str {
        ports::P1_0
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.active = args.read_or("ACTIVE", true)?;
        let burst: usize = args.read_or("BURST", PULL_BURST)?;
        args.complete()?;
        self.burst = if burst == 0 { usize::MAX } else { burst };
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if cx.input_processing(0) == Processing::Pull {
            self.pull = true;
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
            if !self.active {
                cx.unschedule();
            }
            self.batch = Batch::with_capacity(self.burst.min(1024));
        } else if !self.active {
            return Err("ACTIVE is meaningless in push context".into());
        }
        Ok(())
    }

    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        self.count += batch.len() as u64;
        batch.clear();
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.active {
            cx.unschedule();
            return false;
        }
        let n = cx.pull_batch(0, self.burst.min(1024), &mut self.batch);
        self.count += n as u64;
        self.batch.clear();
        if n == 0 && cx.input_idle(0) {
            cx.unschedule();
        }
        n > 0
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const PUSH: &[HandlerInfo] = &[HandlerInfo::read("count"), HandlerInfo::write("reset_counts").button()];
        const PULL: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::write("reset_counts").button(),
            HandlerInfo::read_write("active").checkbox(),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
        ];
        if self.pull { PULL } else { PUSH }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" if self.pull => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => {
                self.count = 0;
                Ok(())
            }
            "active" if self.pull => {
                self.active = Args::new(value).read_mp("ACTIVE")?;
                if self.active {
                    cx.reschedule();
                }
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
