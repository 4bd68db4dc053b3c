use std::time::Duration;

use click_core::args::Bandwidth;
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

use super::token_bucket::TokenBucket;

click_core::documented! {
    /// Pulls packets at a limited rate and pushes them on: `RatedUnqueue` counts packets,
    /// `BandwidthRatedUnqueue` counts bytes.
    ///
    /// # Synopsis
    /// `RatedUnqueue(RATE [, BURST])`, `BandwidthRatedUnqueue(RATE [, BURST])`
    ///
    /// # Ports and processing
    /// One pull input, one push output. A token bucket refills at RATE (packets per second,
    /// or a bandwidth such as `10Mbps` for BandwidthRatedUnqueue) and holds at most BURST
    /// (default 1 packet, or 1500 bytes' worth). When the bucket is empty a timer wakes the
    /// task when the next token is due; when the input is empty the task sleeps until the
    /// queue upstream fills.
    ///
    /// # Handlers
    /// - `rate` (read/write): RATE, as Click prints it (`8kbps` for 1000 bytes a second); a
    ///   write configures the element again with it. `config` reads the same.
    /// - `active` (read/write): ACTIVE.
    /// - `calls` (read): task runs, runs that moved nothing, packets pushed, failed pulls.
    /// - `scheduled` (read), `tickets` (read/write): its task's state and tickets.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Queue -> RatedUnqueue(1000) -> Discard;
    /// ```
    pub struct RatedUnqueue {
        bytes: bool,
        bucket: TokenBucket,
        active: bool,
        /// Click's `calls` statistics: task runs, runs that moved nothing, packets pushed,
        /// pulls that found nothing.
        runs: u64,
        empty_runs: u64,
        pushes: u64,
        failed_pulls: u64,
        batch: Batch,
    }
}

impl RatedUnqueue {
    /// A packet-rate (`bytes == false`) or byte-rate unqueue.
    pub fn new(bytes: bool) -> RatedUnqueue {
        RatedUnqueue {
            bytes,
            bucket: TokenBucket::new(10.0, 1.0),
            active: true,
            runs: 0,
            empty_runs: 0,
            pushes: 0,
            failed_pulls: 0,
            batch: Batch::new(),
        }
    }
}

impl Element for RatedUnqueue {
    fn class_name(&self) -> &'static str {
        if self.bytes { "BandwidthRatedUnqueue" } else { "RatedUnqueue" }
    }

    fn processing(&self) -> &'static str {
        processing::PULL_TO_PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let rate =
            if self.bytes { args.read_mp::<Bandwidth>("RATE")?.bytes_per_sec() } else { args.read_mp::<f64>("RATE")? };
        let burst: f64 = args.read_p_or("BURST", if self.bytes { 1500.0 } else { 1.0 })?;
        let active: bool = args.read_or("ACTIVE", true)?;
        args.complete()?;
        if rate <= 0.0 {
            return Err(ArgError::new(Some("RATE"), "must be positive"));
        }
        self.bucket = TokenBucket::new(rate, burst);
        self.active = active;
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        self.runs += 1;
        if !self.active {
            cx.unschedule();
            return false;
        }
        let now = cx.coarse_now();
        let need = if self.bytes { 64.0 } else { 1.0 };
        if self.bucket.available(now) < need {
            let wait = self.bucket.wait_for(need);
            cx.unschedule();
            cx.schedule_timer(0, Duration::from_secs_f64(wait.max(1e-6)));
            self.empty_runs += 1;
            return false;
        }
        let Some(p) = cx.pull(0) else {
            self.failed_pulls += 1;
            if cx.input_idle(0) {
                cx.unschedule();
            } else {
                self.empty_runs += 1;
            }
            return false;
        };
        self.bucket.consume(if self.bytes { p.len() as f64 } else { 1.0 });
        self.pushes += 1;
        self.batch.push(p);
        cx.output_batch(0, &mut self.batch);
        true
    }

    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("calls"),
            HandlerInfo::read_write("rate").reconfigures("0 RATE"),
            HandlerInfo::read_write("active").checkbox(),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
            HandlerInfo::read_write("config"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "calls" => Ok(format!(
                "{} calls to run_task()\n{} empty runs\n{} pushes\n{} failed pulls\n",
                self.runs, self.empty_runs, self.pushes, self.failed_pulls
            )),
            // Click's `config` is the rate alone.
            "rate" | "config" => {
                Ok(super::shaper::rate_text(self.bytes, click_token_rate(self.bucket.rate(), self.bytes)))
            }
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "active" => {
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

/// The rate Click's token bucket reports for a configured `rate` (tokens per second) with its
/// default burst (20 ms of tokens, plus 131072 bytes for the bandwidth class): Click keeps
/// the rate as tokens per millisecond tick scaled to the bucket's capacity, so what it
/// reports is that fixed-point value converted back (987648 bits a second read back as
/// `988.136kbps`).
fn click_token_rate(rate: f64, bytes: bool) -> f64 {
    const MAX_TOKENS: u128 = u32::MAX as u128;
    const HZ: u128 = 1000;
    let r = rate.clamp(1.0, u32::MAX as f64) as u128;
    let mut tokens = (r * 20 / 1000).min(MAX_TOKENS);
    if bytes {
        tokens = (tokens + 131_072).min(MAX_TOKENS);
    }
    let capacity = tokens.max(1).max((r - 1) / HZ + 1);
    let scale = MAX_TOKENS / capacity;
    let per_tick = (r * scale / HZ).max(1);
    ((per_tick * HZ + per_tick / 2) / scale).min(MAX_TOKENS) as f64
}
