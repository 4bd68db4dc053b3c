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
    /// - `BURST` (integer): packets per task run, default 1; negative means unlimited (up to
    ///   256 at a time); 0 pulls nothing (with Click's warning).
    /// - `ACTIVE` (boolean): run at all, default true.
    /// - `LIMIT` (integer): stop after moving this many packets, default -1 (no limit).
    ///
    /// # Handlers
    /// - `count` (read): packets moved.
    /// - `reset`, `reset_counts` (write): zero the count.
    /// - `active`, `burst`, `limit` (read/write).
    /// - `scheduled` (read), `tickets` (read/write): its task's state and tickets.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 100, STOP true) -> Queue -> Unqueue(BURST 32) -> Discard;
    /// ```
    pub struct Unqueue {
        burst: usize,
        /// BURST as Click reads it back (2147483647 for a negative BURST).
        burst_value: i64,
        active: bool,
        count: u64,
        /// LIMIT: stop after this many packets; -1 for no limit.
        limit: i64,
        batch: Batch,
    }
}

/// Largest batch pulled at once when BURST is unlimited.
const MAX_BURST: usize = 256;

impl Default for Unqueue {
    fn default() -> Self {
        Unqueue { burst: 1, burst_value: 1, active: true, count: 0, limit: -1, batch: Batch::new() }
    }
}

impl Unqueue {
    /// BURST as Click takes it: negative for no limit (up to MAX_BURST a run here), 0 for
    /// none at all.
    fn set_burst(&mut self, burst: i64) {
        self.burst = if burst < 0 { MAX_BURST } else { (burst as usize).min(MAX_BURST) };
        self.burst_value = if burst < 0 { 0x7fff_ffff } else { burst };
        self.batch = Batch::with_capacity(self.burst);
    }

    /// An Unqueue moving up to `burst` packets per run.
    pub fn with_burst(burst: usize) -> Unqueue {
        Unqueue {
            burst: burst.clamp(1, MAX_BURST),
            burst_value: burst as i64,
            batch: Batch::with_capacity(burst),
            ..Default::default()
        }
    }
}

impl Unqueue {
    /// A run in a router where the order of packets shows (two Prints): each packet is
    /// pushed before the next is pulled, as Click's Unqueue does.
    #[cold]
    fn pull_push_each(&mut self, cx: &mut Context<'_>, max: usize) -> bool {
        let mut sent = 0;
        while sent < max && cx.pull_batch(0, 1, &mut self.batch) == 1 {
            sent += 1;
            self.count += 1;
            cx.output_batch(0, &mut self.batch);
        }
        if sent == 0 && cx.input_idle(0) {
            cx.unschedule();
        }
        sent > 0
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
        self.limit = args.read_or("LIMIT", -1i64)?;
        args.complete()?;
        self.set_burst(burst);
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.burst == 0 {
            cx.warn("BURST size 0, no packets will be pulled");
        }
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        if !self.active {
            cx.unschedule();
        }
        Ok(())
    }

    // Each run that finds a packet waiting pulls it and pushes it on, until LIMIT.
    fn drains_runs(&self) -> u64 {
        match (self.active && self.burst > 0, self.limit) {
            (false, _) => 0,
            (true, limit) if limit >= 0 => (limit as u64).saturating_sub(self.count),
            (true, _) => u64::MAX,
        }
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.active {
            cx.unschedule();
            return false;
        }
        if self.burst == 0 {
            cx.unschedule();
            return false;
        }
        let mut max = cx.pull_runs(self.burst);
        if self.limit >= 0 {
            let left = (self.limit as u64).saturating_sub(self.count);
            if left == 0 {
                cx.unschedule();
                return false;
            }
            max = max.min(left as usize);
        }
        if cx.one_at_a_time() {
            return self.pull_push_each(cx, max);
        }
        let n = cx.pull_batch(0, max, &mut self.batch);
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
            HandlerInfo::read_write("active").checkbox(),
            HandlerInfo::read("count"),
            HandlerInfo::read_write("burst"),
            HandlerInfo::read_write("limit"),
            HandlerInfo::write("reset").button(),
            HandlerInfo::write("reset_counts").button().with(HandlerInfo::UNCOMMON),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "active" => self.active.to_string(),
            "burst" => self.burst_value.to_string(),
            "limit" => self.limit.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset" | "reset_counts" => self.count = 0,
            "active" => self.active = Args::new(value).read_mp("ACTIVE")?,
            "limit" => self.limit = Args::new(value).read_mp("LIMIT")?,
            "burst" => {
                let b: i64 = Args::new(value).read_mp("BURST")?;
                self.set_burst(b);
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        cx.reschedule();
        Ok(())
    }
}
