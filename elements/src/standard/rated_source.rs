use std::time::Duration;

use crate::queue::token_bucket::TokenBucket;

use click_core::args::{Bandwidth, Data};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet};

/// Most packets a RatedSource emits in one task run when it is behind.
const MAX_BURST: u64 = 32;

click_core::documented! {
    /// Generates packets at a steady rate.
    ///
    /// # Synopsis
    /// `RatedSource([DATA, RATE, LIMIT, ACTIVE, *keywords*])`
    ///
    /// # Ports and processing
    /// No inputs; one push output. Emits RATE packets per second, up to LIMIT packets, as
    /// Click's does: a token bucket refilled each millisecond and holding 2 packets' worth
    /// (RATE below 200) or a hundredth of a second's (a timer wakes the task when the next
    /// token is due). The bucket starts full, so the first 2 packets (or RATE/100) leave at
    /// once; `reset` and turning `active` back on leave one token in it. All packets share
    /// one buffer, as with InfiniteSource.
    ///
    /// # Keywords
    /// - `DATA` (string), `LENGTH` (unsigned): packet contents, as for InfiniteSource.
    /// - `RATE` (unsigned): packets per second, default 10.
    /// - `BANDWIDTH` (bandwidth): instead of RATE, a rate in bits or bytes per second
    ///   (`1Mbps`); RATE becomes the whole packets of LENGTH (or DATA's length) it allows.
    /// - `LIMIT` (integer): total packets, -1 (default) for no limit.
    /// - `ACTIVE` (boolean), `STOP` (boolean): as for InfiniteSource.
    ///
    /// # Handlers
    /// - `limit`, `length`, `datasize`, `data` (read/write), as Click.
    /// - `scheduled` (read), `tickets` (read/write): its task's state and tickets.
    /// - `count` (read), `rate` (read/write), `active` (read/write), `reset` (write).
    ///
    /// # Example
    /// ```click
    /// RatedSource(RATE 1000, LIMIT 10, STOP true) -> Discard;
    /// ```
    pub struct RatedSource {
        data: Vec<u8>,
        length: Option<usize>,
        rate: u64,
        limit: i64,
        active: bool,
        stop: bool,
        count: u64,
        /// Click's token bucket: RATE tokens a second, 2 of them (below 200 a second) or a
        /// hundredth of a second's worth at most; full at start.
        bucket: TokenBucket,
        template: Option<Packet>,
        /// Whether `template` was made by the thread that runs the source (as InfiniteSource:
        /// every clone writes its reference count, which must not share a line with another
        /// thread's).
        homed: bool,
        batch: Batch,
    }
}

impl Default for RatedSource {
    fn default() -> Self {
        RatedSource {
            data: super::infinite_source::DEFAULT_DATA.to_vec(),
            length: None,
            rate: 10,
            limit: -1,
            active: true,
            stop: false,
            count: 0,
            bucket: RatedSource::bucket_for(10),
            template: None,
            homed: false,
            batch: Batch::new(),
        }
    }
}

impl RatedSource {
    /// Click's bucket for `rate` packets a second.
    fn bucket_for(rate: u64) -> TokenBucket {
        let (rate, burst) = Self::rate_and_burst(rate);
        TokenBucket::new(rate, burst)
    }

    /// The bucket's rate and capacity for `rate` packets a second, as Click sizes them: two
    /// packets below 200 a second, else a hundredth of a second's worth.
    fn rate_and_burst(rate: u64) -> (u32, u32) {
        let rate = u32::try_from(rate).unwrap_or(u32::MAX);
        (rate, if rate < 200 { 2 } else { rate / 100 })
    }

    fn setup(&mut self) {
        let bytes = super::source_payload(&self.data, self.length);
        self.template = Some(Packet::from_slice(&bytes));
    }

    fn remaining(&self) -> u64 {
        if self.limit < 0 { u64::MAX } else { (self.limit as u64).saturating_sub(self.count) }
    }
}

impl Element for RatedSource {
    fn class_name(&self) -> &'static str {
        "RatedSource"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_1
    }

    fn processing(&self) -> &'static str {
        processing::PUSH
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        if let Some(Data(d)) = args.read_p("DATA")? {
            self.data = d;
        }
        self.rate = args.read_p_or("RATE", 10u64)?;
        self.limit = args.read_p_or("LIMIT", -1i64)?;
        self.active = args.read_p_or("ACTIVE", true)?;
        self.length = args.read("LENGTH")?.or(args.read("DATASIZE")?);
        self.stop = args.read_or("STOP", false)?;
        let bandwidth: Option<Bandwidth> = args.read("BANDWIDTH")?;
        args.complete()?;
        let bandwidth = bandwidth.map_or(0, |b| b.bytes_per_sec() as u64);
        if bandwidth > 0 {
            // As Click: whole packets a second at the packet size, and a bucket of at least
            // two packets' size when LENGTH is given.
            let size = self.length.unwrap_or(self.data.len()).max(1) as u64;
            self.rate = bandwidth / size;
            let (rate, burst) = Self::rate_and_burst(self.rate);
            let min = self.length.map_or(0, |len| u32::try_from(2 * len).unwrap_or(u32::MAX));
            self.bucket = TokenBucket::new(rate, burst.max(min));
        } else {
            self.bucket = Self::bucket_for(self.rate);
        }
        self.bucket.set(1);
        self.setup();
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.template.is_none() {
            self.setup();
        }
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
        if self.remaining() == 0 {
            if self.stop {
                cx.stop_router();
            }
            cx.unschedule();
            return false;
        }
        let now = click_core::clock::now();
        self.bucket.refill(now);
        // Click sends one packet a task run while the bucket has a token; the tokens there
        // are now leave together, as one batch.
        let mut due = 0;
        while due < MAX_BURST.min(self.remaining()) && self.bucket.contains(1) {
            self.bucket.remove(1);
            due += 1;
        }
        if due == 0 {
            let ticks = self.bucket.ticks_until_contains(1).max(1);
            cx.unschedule();
            cx.schedule_timer_at(0, now + Duration::from_millis(u64::from(ticks)));
            return false;
        }
        if !self.homed {
            self.homed = true;
            self.setup();
        }
        let template = self.template.as_ref().expect("set up");
        let now_ts = cx.now();
        for _ in 0..due {
            let mut p = template.clone();
            p.set_timestamp(now_ts);
            self.batch.push(p);
        }
        self.count += due;
        cx.output_batch(0, &mut self.batch);
        true
    }

    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("data").raw().calm(),
            HandlerInfo::read_write("rate"),
            HandlerInfo::read_write("limit").calm(),
            HandlerInfo::read_write("active").checkbox(),
            HandlerInfo::read("count"),
            HandlerInfo::write("reset").button(),
            HandlerInfo::read_write("length"),
            HandlerInfo::read_write("datasize").with(HandlerInfo::DEPRECATED),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "rate" => self.rate.to_string(),
            "active" => self.active.to_string(),
            "limit" => self.limit.to_string(),
            "length" => self.length.map_or("-1".to_string(), |l| l.to_string()),
            "datasize" => self.length.map_or("-1".to_string(), |l| l.to_string()),
            "data" => String::from_utf8_lossy(&self.data).into_owned(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "rate" => {
                let r: u64 = Args::new(value).read_mp("RATE")?;
                self.rate = r;
                let (rate, burst) = Self::rate_and_burst(self.rate);
                self.bucket.assign(rate, burst);
            }
            "active" => {
                let active = Args::new(value).read_mp("ACTIVE")?;
                if active && !self.active {
                    self.bucket.set(1);
                }
                self.active = active;
            }
            "data" => {
                self.data = Args::new(value).read_mp::<Data>("DATA")?.0;
                self.setup();
            }
            "limit" => {
                self.limit = Args::new(value).read_mp("LIMIT")?;
            }
            "length" | "datasize" => {
                let l: i64 = Args::new(value).read_mp("LENGTH")?;
                self.length = usize::try_from(l).ok();
                self.setup();
            }
            "reset" => {
                self.count = 0;
                self.bucket.set(1);
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        cx.reschedule();
        Ok(())
    }
}
