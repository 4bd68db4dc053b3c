use click_core::args::Bandwidth;
use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Context, Element, HandlerError, Packet, Timestamp};

click_core::documented! {
    /// Limits the rate of a pull path: `Shaper` in packets per second, `BandwidthShaper` in
    /// bytes per second.
    ///
    /// # Synopsis
    /// `Shaper(RATE)`, `BandwidthShaper(RATE)`
    ///
    /// # Ports and processing
    /// One pull input, one or two pull outputs. Click's gap rate, counted within each
    /// wall-clock second: a pull on output 0 passes a packet when the packets (or bytes) sent
    /// so far this second are not ahead of RATE times the fraction of the second gone
    /// (whole microseconds, in Click's 12-bit fixed point); otherwise it returns nothing and
    /// the packet stays upstream. A second's excess is carried into the next. Output 1, if
    /// connected, returns a packet exactly when output 0 would not (unshaped); BandwidthShaper's
    /// output 1 is shaped like its output 0 (both count against the same rate), as in Click.
    /// Put a queue before it.
    ///
    /// What passes depends on where in the wall-clock second the first pull falls (a first
    /// pull passes when RATE times the fraction of the second gone is within half a packet
    /// of a whole number), as in Click.
    ///
    /// # Handlers
    /// - `rate` (read/write): RATE, as Click prints it (`8kbps` for 1000 bytes a second); a
    ///   write configures the element again with it. `config` reads the same.
    /// - `reset` (write): starts counting afresh, as for the first pull.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Queue -> Shaper(1000) -> Unqueue -> Discard;
    /// ```
    pub struct Shaper {
        bytes: bool,
        rate: GapRate,
    }
}

impl Shaper {
    /// A packet (`bytes == false`) or byte shaper.
    pub fn new(bytes: bool) -> Shaper {
        Shaper { bytes, rate: GapRate::new() }
    }
}

impl Element for Shaper {
    fn class_name(&self) -> &'static str {
        if self.bytes { "BandwidthShaper" } else { "Shaper" }
    }

    fn port_count(&self) -> &'static str {
        "1/1-2"
    }

    fn processing(&self) -> &'static str {
        processing::PULL
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let rate: u32 = if self.bytes {
            super::rated_unqueue::click_rate(args.read_mp::<Bandwidth>("RATE")?.bytes_per_sec())
        } else {
            args.read_mp("RATE")?
        };
        args.complete()?;
        self.rate.set_rate(rate, Timestamp::now());
        Ok(())
    }

    fn pull(&mut self, cx: &mut Context<'_>, port: usize) -> Option<Packet> {
        let due = self.rate.need_update(cx.now());
        // BandwidthShaper's output 1, as Click's, is a second shaped output 0.
        let port = if self.bytes { 0 } else { port };
        if port == 0 && due {
            let p = cx.pull(0)?;
            self.rate.update(if self.bytes { p.len() as i32 } else { 1 });
            Some(p)
        } else if port == 1 && !due {
            cx.pull(0)
        } else {
            None
        }
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("rate").reconfigures("0 RATE"),
            HandlerInfo::read_write("config"),
            HandlerInfo::write("reset"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            // Click's `config` is the rate alone.
            "rate" | "config" => Ok(rate_text(self.bytes, f64::from(self.rate.rate))),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.rate.reset();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

/// Click's `GapRate`: events counted against a rate within each wall-clock second.
#[derive(Clone, Debug)]
struct GapRate {
    rate: u32,
    /// Microseconds between events, times 2^UGAP_SHIFT.
    ugap: u32,
    /// Events so far this second (less the previous seconds' rate when behind).
    sec_count: i32,
    /// The current second; `None` after a reset.
    tv_sec: Option<i64>,
}

impl GapRate {
    const UGAP_SHIFT: u32 = 12;
    const MAX_RATE: u32 = 1_000_000 << Self::UGAP_SHIFT;

    fn new() -> GapRate {
        GapRate { rate: 0, ugap: Self::MAX_RATE + 1, sec_count: 0, tv_sec: None }
    }

    fn set_rate(&mut self, rate: u32, now: Timestamp) {
        let rate = rate.min(Self::MAX_RATE);
        if rate != self.rate {
            self.rate = rate;
            self.ugap = Self::MAX_RATE.checked_div(rate).unwrap_or(Self::MAX_RATE + 1);
            if self.tv_sec.is_some() && rate != 0 {
                self.sec_count = (Self::usec_scaled(now) / self.ugap) as i32;
            }
        }
    }

    fn reset(&mut self) {
        self.tv_sec = None;
    }

    /// The microseconds within the second of `now`, shifted as Click shifts them (in 32 bits).
    fn usec_scaled(now: Timestamp) -> u32 {
        (now.subsec_nanos() / 1000) << Self::UGAP_SHIFT
    }

    /// True when the events counted are not ahead of the rate at `now`.
    fn need_update(&mut self, now: Timestamp) -> bool {
        let scaled = Self::usec_scaled(now);
        let need = scaled / self.ugap;
        match self.tv_sec {
            None => {
                self.tv_sec = Some(now.sec());
                let rest = scaled.wrapping_sub(need.wrapping_mul(self.ugap));
                self.sec_count = need as i32 + i32::from(rest > self.ugap / 2);
            }
            Some(sec) if now.sec() > sec => {
                self.tv_sec = Some(now.sec());
                if self.sec_count > 0 {
                    self.sec_count = self.sec_count.wrapping_sub(self.rate as i32);
                }
            }
            Some(_) => {}
        }
        need as i32 >= self.sec_count
    }

    fn update(&mut self, delta: i32) {
        self.sec_count = self.sec_count.wrapping_add(delta);
    }
}

/// A rate as Click prints it: a whole number of packets per second, or a bandwidth.
pub(crate) fn rate_text(bytes: bool, rate: f64) -> String {
    if bytes { Bandwidth(rate).unparse() } else { (rate as u64).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(sec: i64, usec: i64) -> Timestamp {
        Timestamp::from_sec_usec(sec, usec)
    }

    #[test]
    fn gap_rate_counts_within_the_second() {
        let mut g = GapRate::new();
        g.set_rate(1000, at(100, 0));
        // First pull at 0.2500 s: 250 events are due, none ahead.
        assert!(g.need_update(at(100, 250_000)));
        g.update(1);
        assert!(!g.need_update(at(100, 250_500)));
        assert!(g.need_update(at(100, 251_000)));
        g.update(1);
        // Far ahead: 10 more sent in the same millisecond.
        g.update(10);
        assert!(!g.need_update(at(100, 255_000)));
        assert!(g.need_update(at(100, 262_000)));
        // Next second: the count carries over, less a second's rate.
        g.update(800);
        assert!(!g.need_update(at(101, 0)));
        assert!(g.need_update(at(101, 70_000)));
        // A first pull 0.6 of the way to the next event waits for it.
        let mut g = GapRate::new();
        g.set_rate(10, at(100, 0));
        assert!(!g.need_update(at(100, 60_000)));
        assert!(g.need_update(at(100, 100_000)));
    }
}
