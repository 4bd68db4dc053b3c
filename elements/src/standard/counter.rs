use std::time::Instant;

use click_core::args::Raw;
use click_core::element::HandlerInfo;
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, Packet};

/// Weight of a new sample in the rate average: 1/2^RATE_SHIFT.
const RATE_SHIFT: u32 = 2;
/// Length of one rate sample.
const RATE_EPOCH_SECS: f64 = 1.0;

click_core::documented! {
    /// Counts packets and bytes.
    ///
    /// # Synopsis
    /// `Counter([COUNT_CALL, BYTE_COUNT_CALL])`
    ///
    /// # Ports and processing
    /// One agnostic input, one agnostic output; packets pass unchanged.
    ///
    /// # Keywords
    /// - `COUNT_CALL` (`N HANDLER [VALUE]`): write HANDLER (with VALUE) once, when the count
    ///   reaches N (Click's).
    /// - `BYTE_COUNT_CALL` (`N HANDLER [VALUE]`): the same when the byte count reaches N.
    ///
    /// # Handlers
    /// - `count_call` (read/write): the COUNT_CALL trigger count, empty when unset; a write
    ///   (`N HANDLER [VALUE]`) sets the trigger, armed again.
    /// - `byte_count_call` (write): sets the BYTE_COUNT_CALL trigger.
    /// - `count` (read): packets seen.
    /// - `byte_count` (read): bytes seen.
    /// - `rate` (read): recent packet rate per second (moving average over one-second epochs).
    /// - `byte_rate`, `bit_rate` (read): the same in bytes and bits per second.
    /// - `reset`, `reset_counts` (write): set everything to zero.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 100, STOP true) -> c :: Counter -> Discard;
    /// ```
    /// After the run, `c.count` reads `100`.
    #[derive(Default)]
    pub struct Counter {
        count: u64,
        byte_count: u64,
        rate: Rate,
        count_call: Option<Trigger>,
        byte_count_call: Option<Trigger>,
        /// Whether COUNT_CALL or BYTE_COUNT_CALL is set (one test per batch).
        has_triggers: bool,
    }
}

/// A handler to write once a count reaches a value.
#[derive(Clone)]
struct Trigger {
    at: u64,
    handler: String,
    value: String,
    fired: bool,
}

impl Trigger {
    fn parse(text: &str, what: &'static str) -> Result<Trigger, ArgError> {
        let mut words = text.split_whitespace();
        let at = words
            .next()
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| ArgError::new(Some(what), format!("{what} type mismatch")))?;
        let handler =
            words.next().ok_or_else(|| ArgError::new(Some(what), "expected 'N HANDLER [VALUE]'"))?.to_string();
        Ok(Trigger { at, handler, value: words.collect::<Vec<_>>().join(" "), fired: false })
    }
}

/// Packet and byte rates averaged over epochs, updated with the driver's coarse clock so
/// counting costs no clock read.
#[derive(Default)]
struct Rate {
    /// When the current epoch ends (compared, not subtracted, on the hot path).
    epoch_end: Option<Instant>,
    epoch_start: Option<Instant>,
    epoch_packets: u64,
    epoch_bytes: u64,
    packets_per_sec: f64,
    bytes_per_sec: f64,
}

impl Rate {
    #[inline]
    fn update(&mut self, now: Instant, packets: u64, bytes: u64) {
        if self.epoch_end.is_some_and(|end| now < end) {
            self.epoch_packets += packets;
            self.epoch_bytes += bytes;
            return;
        }
        self.roll(now, packets, bytes);
    }

    #[cold]
    fn roll(&mut self, now: Instant, packets: u64, bytes: u64) {
        let start = *self.epoch_start.get_or_insert(now);
        if self.epoch_end.is_none() {
            self.epoch_end = Some(start + std::time::Duration::from_secs_f64(RATE_EPOCH_SECS));
        }
        let elapsed = now.saturating_duration_since(start).as_secs_f64();
        if elapsed >= RATE_EPOCH_SECS {
            let w = 1.0 / f64::from(1u32 << RATE_SHIFT);
            let (p, b) = (self.epoch_packets as f64 / elapsed, self.epoch_bytes as f64 / elapsed);
            if self.packets_per_sec == 0.0 && self.bytes_per_sec == 0.0 {
                (self.packets_per_sec, self.bytes_per_sec) = (p, b);
            } else {
                self.packets_per_sec += (p - self.packets_per_sec) * w;
                self.bytes_per_sec += (b - self.bytes_per_sec) * w;
            }
            self.epoch_start = Some(now);
            self.epoch_end = Some(now + std::time::Duration::from_secs_f64(RATE_EPOCH_SECS));
            self.epoch_packets = 0;
            self.epoch_bytes = 0;
        }
        self.epoch_packets += packets;
        self.epoch_bytes += bytes;
    }
}

impl Counter {
    /// Writes the COUNT_CALL / BYTE_COUNT_CALL handlers whose count was reached.
    #[cold]
    fn fire_triggers(&mut self, cx: &mut Context<'_>) {
        let mut due = Vec::new();
        if let Some(t) = self.count_call.as_mut().filter(|t| !t.fired && self.count >= t.at) {
            t.fired = true;
            due.push((t.handler.clone(), t.value.clone()));
        }
        if let Some(t) = self.byte_count_call.as_mut().filter(|t| !t.fired && self.byte_count >= t.at) {
            t.fired = true;
            due.push((t.handler.clone(), t.value.clone()));
        }
        for (h, v) in due {
            // The element's own handlers (`c.reset` from `c`) are written directly.
            if let Err(e) = cx.call_write_from(self, &h, &v) {
                click_core::chatter::chatter(&format!("{}: {h}: {e}", cx.name()));
            }
        }
    }

    /// Packets counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Bytes counted.
    pub fn byte_count(&self) -> u64 {
        self.byte_count
    }
}

impl Element for Counter {
    fn class_name(&self) -> &'static str {
        "Counter"
    }

    // COUNT_CALL and BYTE_COUNT_CALL write a handler at a given packet: with batches the
    // packets after it would already be on their way when the write happens.
    fn batch_invariant(&self) -> bool {
        !self.has_triggers
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        if let Some(Raw(t)) = args.read("COUNT_CALL")? {
            self.count_call = Some(Trigger::parse(&t, "COUNT_CALL")?);
        }
        if let Some(Raw(t)) = args.read("BYTE_COUNT_CALL")? {
            self.byte_count_call = Some(Trigger::parse(&t, "BYTE_COUNT_CALL")?);
        }
        self.has_triggers = self.count_call.is_some() || self.byte_count_call.is_some();
        args.complete()
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let bytes = batch.byte_len() as u64;
        self.count += batch.len() as u64;
        self.byte_count += bytes;
        self.rate.update(cx.coarse_now(), batch.len() as u64, bytes);
        if self.has_triggers {
            self.fire_triggers(cx);
        }
        cx.output_batch(0, batch);
    }

    // Pulled for many packets (a Discard or ToDevice pulling through it from a Queue), it
    // pulls them from its input in one call. With a trigger it pulls one at a time, as each
    // `pull` does: the trigger's handler is written at its packet, before the next is pulled.
    fn pull_batch(&mut self, cx: &mut Context<'_>, port: usize, max: usize, out: &mut Batch) -> usize {
        if self.has_triggers {
            return click_core::element::pull_each(self, cx, port, max, out);
        }
        let before = out.len();
        let n = cx.pull_batch(0, max, out);
        let bytes: u64 = out.as_slice()[before..].iter().map(|p| p.len() as u64).sum();
        self.count += n as u64;
        self.byte_count += bytes;
        self.rate.update(cx.coarse_now(), n as u64, bytes);
        n
    }

    fn simple_action(&mut self, cx: &mut Context<'_>, p: Packet) -> Option<Packet> {
        self.count += 1;
        self.byte_count += p.len() as u64;
        self.rate.update(cx.coarse_now(), 1, p.len() as u64);
        if self.has_triggers {
            self.fire_triggers(cx);
        }
        Some(p)
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("byte_count"),
            HandlerInfo::read("rate"),
            HandlerInfo::read("bit_rate"),
            HandlerInfo::read("byte_rate"),
            HandlerInfo::write("reset").button(),
            HandlerInfo::write("reset_counts").button().with(HandlerInfo::UNCOMMON),
            HandlerInfo::read_write("count_call"),
            HandlerInfo::write("byte_count_call"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "byte_count" => self.byte_count.to_string(),
            "rate" => format!("{:.0}", self.rate.packets_per_sec),
            "byte_rate" => format!("{:.0}", self.rate.bytes_per_sec),
            "bit_rate" => format!("{:.0}", self.rate.bytes_per_sec * 8.0),
            "count_call" => self.count_call.as_ref().map_or(String::new(), |t| t.at.to_string()),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "count_call" | "byte_count_call" => {
                let t = Trigger::parse(value, "COUNT_CALL")
                    .map_err(|_| HandlerError::Failed(format!("'{name}' first word should be unsigned (count)")))?;
                if name == "count_call" {
                    self.count_call = Some(t);
                } else {
                    self.byte_count_call = Some(t);
                }
                self.has_triggers = true;
                Ok(())
            }
            "reset" | "reset_counts" => {
                let (count_call, byte_count_call) = (self.count_call.take(), self.byte_count_call.take());
                *self = Counter::default();
                // Click keeps the triggers across a reset, armed again.
                let rearm = |t: Option<Trigger>| t.map(|t| Trigger { fired: false, ..t });
                (self.count_call, self.byte_count_call) = (rearm(count_call), rearm(byte_count_call));
                self.has_triggers = self.count_call.is_some() || self.byte_count_call.is_some();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
