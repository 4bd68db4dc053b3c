use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

click_core::documented! {
    /// Pulls packets from its input and pushes them to its output, in a task.
    ///
    /// # Synopsis
    /// `Unqueue([BURST, *keywords*])`
    ///
    /// # Ports and processing
    /// One pull input, one push output. Each task run pulls up to BURST packets and pushes
    /// them on as one batch. When the input is empty and a queue upstream will say when it
    /// fills again, the task sleeps instead of polling.
    ///
    /// # Keywords
    /// - `BURST` (unsigned): packets per task run, default 1; 0 or less means unlimited
    ///   (up to 256 at a time).
    /// - `ACTIVE` (boolean): run at all, default true.
    ///
    /// # Handlers
    /// - `limit` (read): always -1 (no LIMIT), as Click prints it.
    /// - `count` (read): packets moved.
    /// - `reset` (write): zero the count.
    /// - `active`, `burst` (read/write).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 100, STOP true) -> Queue -> Unqueue(BURST 32) -> Discard;
    /// ```
    pub struct Unqueue {
        burst: usize,
        active: bool,
        count: u64,
        batch: Batch,
    }
}

/// Largest batch pulled at once when BURST is unlimited.
const MAX_BURST: usize = 256;

impl Default for Unqueue {
    fn default() -> Self {
        Unqueue { burst: 1, active: true, count: 0, batch: Batch::new() }
    }
}

impl Unqueue {
    /// An Unqueue moving up to `burst` packets per run.
    pub fn with_burst(burst: usize) -> Unqueue {
        Unqueue { burst: burst.clamp(1, MAX_BURST), batch: Batch::with_capacity(burst), ..Default::default() }
    }
}

impl Element for Unqueue {
    fn class_name(&self) -> &'static str {
        "Unqueue"
    }

    fn processing(&self) -> &'static str {
        processing::PULL_TO_PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let burst: i64 = args.read_p_or("BURST", 1)?;
        self.active = args.read_or("ACTIVE", true)?;
        args.complete()?;
        self.burst = if burst <= 0 { MAX_BURST } else { (burst as usize).min(MAX_BURST) };
        self.batch = Batch::with_capacity(self.burst);
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        if !self.active {
            cx.unschedule();
        }
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.active {
            cx.unschedule();
            return false;
        }
        let n = cx.pull_batch(0, self.burst, &mut self.batch);
        if n == 0 {
            if cx.input_idle(0) {
                cx.unschedule();
            }
            return false;
        }
        self.count += n as u64;
        cx.output_batch(0, &mut self.batch);
        true
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::write("reset"),
            HandlerInfo::read_write("active"),
            HandlerInfo::read_write("burst"),
            HandlerInfo::read("limit"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "active" => self.active.to_string(),
            "burst" => self.burst.to_string(),
            "limit" => "-1".to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset" => self.count = 0,
            "active" => self.active = Args::new(value).read_mp("ACTIVE")?,
            "burst" => {
                let b: usize = Args::new(value).read_mp("BURST")?;
                self.burst = b.clamp(1, MAX_BURST);
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        cx.reschedule();
        Ok(())
    }
}
