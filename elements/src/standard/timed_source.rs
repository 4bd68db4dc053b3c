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
    ///
    /// # Handlers
    /// - `count` (read), `interval` (read/write), `active` (read/write).
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
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("count"), HandlerInfo::read_write("interval"), HandlerInfo::read_write("active")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "interval" => format!("{}", self.interval.as_secs_f64()),
            "active" => self.active.to_string(),
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
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}
