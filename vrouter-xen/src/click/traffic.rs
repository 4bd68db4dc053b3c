//! The host's embedded traffic for benchmarks: [`TrafficMix`] emits frames for many networks
//! in turn, as fast as allowed, each stamped with its send time; [`LatencySink`] counts what
//! comes back and measures each stamped frame's latency.

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{Batch, Context, Element, HandlerError, InitContext, Packet};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Marks a stamped frame: the last 12 bytes are this magic and the send time.
const MAGIC: [u8; 4] = *b"vrTS";
const STAMP_LEN: usize = 12;

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    epoch().elapsed().as_nanos() as u64
}

/// Frames emitted per task run.
const BURST: usize = 32;

/// Emits the given frames in turn, stamping each with its send time.
#[derive(Debug)]
pub struct TrafficMix {
    frames: Vec<Vec<u8>>,
    next: usize,
    /// Frames per second in all; 0 = as fast as the task runs.
    rate: u64,
    active: bool,
    count: u64,
    start: Option<(Instant, u64)>,
    batch: Batch,
}

impl TrafficMix {
    /// Emits `frames` round-robin at `rate` frames/s (0: unlimited).
    pub fn new(frames: Vec<Vec<u8>>, rate: u64) -> TrafficMix {
        TrafficMix { frames, next: 0, rate, active: true, count: 0, start: None, batch: Batch::with_capacity(BURST) }
    }
}

impl Element for TrafficMix {
    fn class_name(&self) -> &'static str {
        "TrafficMix"
    }
    fn port_count(&self) -> &'static str {
        ports::P0_1
    }
    fn processing(&self) -> &'static str {
        processing::PUSH
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.frames.is_empty() {
            return Err("no frames".into());
        }
        epoch();
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.active {
            return false;
        }
        let mut n = BURST;
        if self.rate > 0 {
            let (t0, c0) = *self.start.get_or_insert((Instant::now(), self.count));
            let due = (t0.elapsed().as_secs_f64() * self.rate as f64) as u64 + c0;
            n = due.saturating_sub(self.count).min(BURST as u64) as usize;
            if n == 0 {
                // Sleep until the next frame is due (as RatedSource does) rather than spin on
                // the clock: the CPU is the domains' too.
                let next = t0 + Duration::from_secs_f64((self.count + 1 - c0) as f64 / self.rate as f64);
                cx.unschedule();
                cx.schedule_timer_at(0, next);
                return false;
            }
        }
        let t = now_ns();
        for _ in 0..n {
            let f = &self.frames[self.next];
            self.next = (self.next + 1) % self.frames.len();
            let mut p = Packet::from_slice(f);
            let len = p.len();
            if len >= 60 {
                let d = p.data_mut();
                d[len - STAMP_LEN..len - 8].copy_from_slice(&MAGIC);
                d[len - 8..].copy_from_slice(&t.to_be_bytes());
            }
            self.batch.push(p);
        }
        self.count += n as u64;
        cx.output_batch(0, &mut self.batch);
        true
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("count"), HandlerInfo::read_write("rate"), HandlerInfo::read_write("active")];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "rate" => self.rate.to_string(),
            "active" => self.active.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }
    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        let bad = || HandlerError::Failed(format!("bad value {value:?}"));
        cx.cancel_timer(0);
        cx.reschedule();
        match name {
            "rate" => {
                self.rate = value.trim().parse().map_err(|_| bad())?;
                self.start = None;
            }
            "active" => {
                self.active = value.trim().parse().map_err(|_| bad())?;
                self.start = None;
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

/// Latency buckets: bucket `i` holds latencies in [2^i, 2^(i+1)) microseconds.
const BUCKETS: usize = 32;

/// Counts frames and measures the latency of stamped ones.
#[derive(Debug, Default)]
pub struct LatencySink {
    count: u64,
    stamped: u64,
    sum_ns: u128,
    max_ns: u64,
    hist: [u64; BUCKETS],
}

impl LatencySink {
    fn percentile(&self, q: f64) -> Duration {
        let want = (self.stamped as f64 * q).ceil() as u64;
        let mut acc = 0;
        for (i, &h) in self.hist.iter().enumerate() {
            acc += h;
            if acc >= want.max(1) {
                return Duration::from_micros(1 << (i + 1));
            }
        }
        Duration::ZERO
    }
}

impl Element for LatencySink {
    fn class_name(&self) -> &'static str {
        "LatencySink"
    }
    fn port_count(&self) -> &'static str {
        ports::P1_0
    }
    fn processing(&self) -> &'static str {
        processing::PUSH
    }
    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let t = now_ns();
        for p in batch.drain() {
            self.count += 1;
            let d = p.data();
            if d.len() >= 60 && d[d.len() - STAMP_LEN..d.len() - 8] == MAGIC {
                let mut b = [0u8; 8];
                b.copy_from_slice(&d[d.len() - 8..]);
                let lat = t.saturating_sub(u64::from_be_bytes(b));
                self.stamped += 1;
                self.sum_ns += u128::from(lat);
                self.max_ns = self.max_ns.max(lat);
                let us = (lat / 1000).max(1);
                self.hist[(63 - us.leading_zeros() as usize).min(BUCKETS - 1)] += 1;
            }
        }
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("count"), HandlerInfo::read("latency"), HandlerInfo::write("reset")];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            // frames measured, mean, p50 and p99 (upper bucket bounds), max; microseconds.
            "latency" => {
                let mean = if self.stamped > 0 { self.sum_ns as f64 / self.stamped as f64 / 1000.0 } else { 0.0 };
                format!(
                    "{} {:.1} {} {} {:.1}",
                    self.stamped,
                    mean,
                    self.percentile(0.5).as_micros(),
                    self.percentile(0.99).as_micros(),
                    self.max_ns as f64 / 1000.0
                )
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                *self = LatencySink::default();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
