use std::time::Duration;

use click_core::args::{Bandwidth, Seconds};
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext};

use super::token_bucket::TokenBucket;

click_core::documented! {
    /// Pulls packets at a limited rate and pushes them on: `RatedUnqueue` counts packets,
    /// `BandwidthRatedUnqueue` counts bytes.
    ///
    /// # Synopsis
    /// `RatedUnqueue(RATE [, BURST_DURATION, BURST_SIZE])`,
    /// `BandwidthRatedUnqueue(RATE [, BURST_DURATION, BURST_BYTES])`
    ///
    /// # Ports and processing
    /// One pull input, one push output. Click's token bucket: it refills at RATE (whole
    /// packets per second, or a bandwidth such as `10Mbps` for BandwidthRatedUnqueue) by
    /// whole milliseconds, and holds BURST_DURATION of tokens (default 20 ms, at least one
    /// packet) or BURST_SIZE packets; BandwidthRatedUnqueue's bucket holds BURST_BYTES (or
    /// BURST_DURATION's bytes) plus 131072 bytes. The bucket starts full. Each task run moves
    /// one packet: RatedUnqueue when the bucket holds one token, BandwidthRatedUnqueue when
    /// it holds 131072 bytes (the packet's length is then taken out, whatever it is). When
    /// the bucket is short a timer wakes the task at the millisecond it will have enough;
    /// when the input is empty the task sleeps until the queue upstream fills.
    ///
    /// Beyond Click: `BURST` is another name for BURST_SIZE or BURST_BYTES, and `ACTIVE`
    /// (default true) starts the element inactive.
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
            bucket: TokenBucket::new(0, 0),
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
        let rate: u32 = if self.bytes {
            click_rate(args.read_mp::<Bandwidth>("RATE")?.bytes_per_sec())
        } else {
            args.read_mp("RATE")?
        };
        let duration: Option<Seconds> = args.read("BURST_DURATION")?;
        let size: Option<u32> = args.read(if self.bytes { "BURST_BYTES" } else { "BURST_SIZE" })?;
        // vrouter's older name for the burst size (Click has none such).
        let burst: Option<u32> = args.read("BURST")?;
        let active: Option<bool> = args.read("ACTIVE")?;
        args.complete()?;
        let size = size.or(burst);
        let mut tokens = match (duration, size) {
            (Some(_), Some(_)) => {
                let which = if self.bytes { "BURST_BYTES" } else { "BURST_SIZE" };
                return Err(ArgError::new(None, format!("cannot specify both BURST_DURATION and {which}")));
            }
            (None, Some(t)) => t,
            // RATE * BURST_DURATION (20 ms by default), Click truncating the duration to ms.
            (d, None) => {
                let ms = d.map_or(20, |Seconds(d)| d.as_millis().min(u128::from(u32::MAX)) as u64);
                u32::try_from(u64::from(rate) * ms / 1000).unwrap_or(u32::MAX)
            }
        };
        if self.bytes {
            tokens = tokens.saturating_add(BANDWIDTH_THRESHOLD);
        }
        self.bucket.assign(rate, tokens.max(1));
        if let Some(a) = active {
            self.active = a;
        }
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
        self.bucket.refill(cx.coarse_now());
        // Click's BandwidthRatedUnqueue waits for 131072 bytes of tokens and then sends one
        // packet of any length, the bucket going down by its length.
        let need = if self.bytes { BANDWIDTH_THRESHOLD } else { 1 };
        if !self.bucket.contains(need) {
            let ticks = self.bucket.ticks_until_contains(need);
            cx.unschedule();
            if ticks != u32::MAX {
                cx.schedule_timer(0, Duration::from_millis(u64::from(ticks)));
            }
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
        self.bucket.remove(if self.bytes { p.len() as u32 } else { 1 });
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
            "rate" | "config" => Ok(super::shaper::rate_text(self.bytes, f64::from(self.bucket.rate()))),
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

/// Click's `tb_bandwidth_thresh`: the tokens (bytes) BandwidthRatedUnqueue waits for before
/// it sends a packet, added to its bucket's capacity.
const BANDWIDTH_THRESHOLD: u32 = 131_072;

/// A rate in bytes (or packets) per second as Click's unsigned RATE holds it.
pub(crate) fn click_rate(rate: f64) -> u32 {
    rate.clamp(0.0, f64::from(u32::MAX)) as u32
}
