use std::time::Duration;

use click_core::args::{Data, Seconds};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Context, Element, HandlerError, InitContext, Packet};

click_core::documented! {
    /// Emits one packet every interval.
    ///
    /// # Synopsis
    /// `TimedSource([INTERVAL, DATA, *keywords*])`
    ///
    /// # Ports and processing
    /// No inputs; one push output. A timer emits a packet every INTERVAL seconds (default
    /// 0.5), up to LIMIT packets.
    ///
    /// # Keywords
    /// - `INTERVAL` (time): default 0.5s.
    /// - `DATA` (string): contents.
    /// - `LIMIT` (integer): -1 (default) for no limit.
    /// - `STOP` (boolean): stop the router after LIMIT packets.
    /// - `ACTIVE` (boolean): default true.
    /// - `HEADROOM` (unsigned): Click's packet headroom, default 28; only reported (vrouter's
    ///   packets always have room for encapsulations).
    ///
    /// # Handlers
    /// - `count` (read); `data`, `limit`, `interval`, `active`, `headroom` (read/write);
    ///   `reset` (write): zero the count and start again.
    ///
    /// # Example
    /// ```click
    /// TimedSource(10ms, LIMIT 3, STOP true) -> Discard;
    /// ```
    pub struct TimedSource {
        interval: Duration,
        data: Vec<u8>,
        limit: i64,
        stop: bool,
        active: bool,
        count: u64,
        /// HEADROOM: reported only (packets always get vrouter's own headroom).
        headroom: u32,
    }
}

impl Default for TimedSource {
    fn default() -> Self {
        TimedSource {
            interval: Duration::from_millis(500),
            data: super::infinite_source::DEFAULT_DATA.to_vec(),
            limit: -1,
            stop: false,
            active: true,
            count: 0,
            headroom: 28,
        }
    }
}

impl Element for TimedSource {
    fn class_name(&self) -> &'static str {
        "TimedSource"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_1
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        if let Some(Seconds(i)) = args.read_p("INTERVAL")? {
            self.interval = i;
        }
        if let Some(Data(d)) = args.read_p("DATA")? {
            self.data = d;
        }
        self.limit = args.read_or("LIMIT", -1i64)?;
        self.stop = args.read_or("STOP", false)?;
        self.active = args.read_or("ACTIVE", true)?;
        self.headroom = args.read_or("HEADROOM", 28u32)?;
        args.complete()
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        cx.schedule_timer(0, self.interval);
        Ok(())
    }

    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        if self.limit >= 0 && self.count >= self.limit as u64 {
            if self.stop {
                cx.stop_router();
            }
            return;
        }
        if self.active {
            let mut p = Packet::from_slice(&self.data);
            p.set_timestamp(cx.now());
            self.count += 1;
            cx.output(0, p);
        }
        cx.schedule_timer(0, self.interval);
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("data").raw().calm(),
            HandlerInfo::read_write("limit").calm(),
            HandlerInfo::read_write("interval").calm(),
            HandlerInfo::read_write("active").calm().checkbox(),
            HandlerInfo::read("count"),
            HandlerInfo::read_write("headroom").calm(),
            HandlerInfo::write("reset").button(),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "interval" => unparse_interval(self.interval),
            "active" => self.active.to_string(),
            "data" => String::from_utf8_lossy(&self.data).into_owned(),
            "limit" => self.limit.to_string(),
            "headroom" => self.headroom.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "interval" => {
                let Seconds(i) = Args::new(value).read_mp("INTERVAL")?;
                self.interval = i;
                cx.schedule_timer(0, i);
            }
            "active" => self.active = Args::new(value).read_mp("ACTIVE")?,
            "data" => self.data = value.as_bytes().to_vec(),
            "limit" => self.limit = Args::new(value).read_mp("LIMIT")?,
            "headroom" => self.headroom = Args::new(value).read_mp("HEADROOM")?,
            "reset" => {
                // The timer stops once LIMIT packets went out; a reset starts it again.
                let stopped = self.limit >= 0 && self.count >= self.limit as u64;
                self.count = 0;
                if stopped {
                    cx.schedule_timer(0, Duration::ZERO);
                }
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

/// A time interval as Click prints one: `250ms`, `500us`, `500ns` under a second, else
/// seconds with six decimals (nine when the nanoseconds need them) and `s`.
fn unparse_interval(d: Duration) -> String {
    let nanos = d.subsec_nanos();
    if d.as_secs() == 0 {
        if nanos.is_multiple_of(1_000_000) {
            format!("{}ms", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1000) {
            format!("{}us", nanos / 1000)
        } else {
            format!("{nanos}ns")
        }
    } else if nanos.is_multiple_of(1000) {
        format!("{}.{:06}s", d.as_secs(), nanos / 1000)
    } else {
        format!("{}.{nanos:09}s", d.as_secs())
    }
}
