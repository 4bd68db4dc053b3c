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
    /// - `count` (read): packets moved.
    /// - `rate` (read).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Queue -> RatedUnqueue(1000) -> Discard;
    /// ```
    pub struct RatedUnqueue {
        bytes: bool,
        bucket: TokenBucket,
        count: u64,
        batch: Batch,
    }
}

impl RatedUnqueue {
    /// A packet-rate (`bytes == false`) or byte-rate unqueue.
    pub fn new(bytes: bool) -> RatedUnqueue {
        RatedUnqueue { bytes, bucket: TokenBucket::new(10.0, 1.0), count: 0, batch: Batch::new() }
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
        let _active: bool = args.read_or("ACTIVE", true)?;
        args.complete()?;
        if rate <= 0.0 {
            return Err(ArgError::new(Some("RATE"), "must be positive"));
        }
        self.bucket = TokenBucket::new(rate, burst);
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let now = cx.coarse_now();
        let need = if self.bytes { 64.0 } else { 1.0 };
        if self.bucket.available(now) < need {
            let wait = self.bucket.wait_for(need);
            cx.unschedule();
            cx.schedule_timer(0, Duration::from_secs_f64(wait.max(1e-6)));
            return false;
        }
        let Some(p) = cx.pull(0) else {
            if cx.input_idle(0) {
                cx.unschedule();
            }
            return false;
        };
        self.bucket.consume(if self.bytes { p.len() as f64 } else { 1.0 });
        self.count += 1;
        self.batch.push(p);
        cx.output_batch(0, &mut self.batch);
        true
    }

    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[HandlerInfo::read("count"), HandlerInfo::read("rate")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "rate" => Ok(format!("{}", self.bucket.rate())),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
