use click_core::args::{Args, Data};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Batch, Context, Element, HandlerError, InitContext, Packet, Processing, Timestamp};

/// Click's default DATA for InfiniteSource, RatedSource and TimedSource (69 bytes), so that
/// default packets have the same bytes and length as under Click.
pub(crate) const DEFAULT_DATA: &[u8] = b"Random bullshit in a packet, at least 64 bytes long. Well, now it is.";

/// Packets up to this long are emitted as private copies of the template rather than clones
/// when a burst holds several (the clones of one burst would all write the template's
/// reference count, one after the other: copying a few cache lines is cheaper) or once some
/// element downstream was seen writing a clone (DecIPTTL, SetIPAddress: it would copy the
/// shared buffer anyway). Otherwise, and for longer packets, they are clones, as in Click.
const COPY_LIMIT: usize = 256;
/// Bursts of clones watched for copies on write (see `probe_clones_written`).
const PROBES: u32 = 64;

click_core::documented! {
    /// Generates packets endlessly, or up to a limit.
    ///
    /// # Synopsis
    /// `InfiniteSource([DATA, LIMIT, BURST, ACTIVE, *keywords*])`
    ///
    /// # Ports and processing
    /// No inputs; one agnostic output. In push context a task emits BURST copies of the packet
    /// per run; in pull context each pull returns one. Where nothing downstream can tell runs
    /// apart (see `Element::batch_invariant`) one run may emit several runs' packets at once.
    ///
    /// # Keywords
    /// - `DATA` (string): packet contents. Default: Click's 69 bytes of sample text.
    /// - `LENGTH` (unsigned): packet length; DATA is repeated or cut to fit.
    /// - `LIMIT` (integer): total packets to emit; -1 (default) means no limit.
    /// - `BURST` (unsigned): packets per task run, default 1. The burst travels as one batch.
    /// - `ACTIVE` (boolean): start emitting at once, default true.
    /// - `STOP` (boolean): stop the router once LIMIT packets were sent, default false.
    /// - `TIMESTAMP` (boolean): stamp each packet with the current time, default true. The
    ///   clock is read once per task run and the packets of the run share the time (Click
    ///   reads it per packet; a clock read costs about as much as the rest of a null path).
    ///
    /// # Handlers
    /// - `length`, `datasize` (read/write): LENGTH, -1 when unset; `burstsize` (read/write): BURST
    ///   (Click's names).
    /// - `scheduled` (read), `tickets` (read/write): its task's state and tickets.
    /// - `count` (read): packets emitted so far.
    /// - `reset` (write): sets the count to zero.
    /// - `data`, `limit`, `burst`, `active` (read/write).
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LENGTH 64, LIMIT 1000, STOP true) -> Counter -> Discard;
    /// ```
    ///
    /// Clones share one buffer, as in Click: an element that writes to a packet copies it first.
    pub struct InfiniteSource {
        data: Vec<u8>,
        length: Option<usize>,
        limit: i64,
        burst: usize,
        active: bool,
        stop: bool,
        timestamp: bool,
        count: u64,
        template: Option<Packet>,
        /// Whether `template` was made by the thread that runs the source (see `home`).
        homed: bool,
        batch: Batch,
        /// Whether even a single packet is sent as a private copy of the template: its clones
        /// were seen written downstream (see `COPY_LIMIT`; a run of several packets is copies
        /// anyway).
        copies: bool,
        /// This thread's copy-on-write count when the previous burst began.
        cow_mark: u64,
        /// Bursts of clones still to be watched for copies on write.
        probes_left: u32,
    }
}

impl Default for InfiniteSource {
    fn default() -> Self {
        InfiniteSource {
            data: DEFAULT_DATA.to_vec(),
            length: None,
            limit: -1,
            burst: 1,
            active: true,
            stop: false,
            timestamp: true,
            count: 0,
            template: None,
            homed: false,
            batch: Batch::new(),
            copies: false,
            cow_mark: 0,
            probes_left: 0,
        }
    }
}

impl InfiniteSource {
    /// A source of `length`-byte packets, `limit` of them (`-1` for endless), stopping the
    /// router at the end when `stop`.
    pub fn new(length: usize, limit: i64, burst: usize, stop: bool) -> InfiniteSource {
        let mut s = InfiniteSource { length: Some(length), limit, burst: burst.max(1), stop, ..Default::default() };
        s.setup_packet();
        s
    }

    /// Makes the template again on the thread that runs the source, once. Made while the
    /// router was built, two sources' templates could share a cache line, and every clone
    /// writes the template's reference count: two pipelines on two threads then slowed each
    /// other by up to 40%, depending on where earlier allocations had left the heap.
    fn home(&mut self) {
        if !self.homed {
            self.homed = true;
            self.setup_packet();
        }
    }

    fn setup_packet(&mut self) {
        let bytes = super::source_payload(&self.data, self.length);
        self.template = Some(Packet::from_slice(&bytes));
        self.batch = Batch::with_capacity(self.burst);
        self.cow_mark = click_core::packet::copies_on_write();
        self.copies = false;
        self.probes_left = PROBES;
    }

    /// Learns whether the previous burst's clones were copied on write. (Any copy on this
    /// thread since then counts: at worst the source copies when it need not.) Done for the
    /// first `PROBES` bursts after the template is made, when downstream elements show what
    /// they do with packets; the check would cost a little on every burst after that.
    #[cold]
    #[inline(never)]
    fn probe_clones_written(&mut self) {
        self.probes_left -= 1;
        let cow = click_core::packet::copies_on_write();
        if cow != self.cow_mark && self.len() <= COPY_LIMIT {
            self.copies = true;
        }
        self.cow_mark = cow;
    }

    /// The template's length (0 before it is made).
    fn len(&self) -> usize {
        self.template.as_ref().map_or(0, Packet::len)
    }

    /// Packets this source may still emit now: `most` (its BURST, or several runs' worth),
    /// bounded by LIMIT.
    fn allowance(&self, most: usize) -> usize {
        if self.limit < 0 { most } else { (self.limit as u64).saturating_sub(self.count).min(most as u64) as usize }
    }

    fn limit_reached(&self) -> bool {
        self.limit >= 0 && self.count >= self.limit as u64
    }

    fn make(&mut self, now: Timestamp) -> Packet {
        self.home();
        let mut p = self.template.as_ref().expect("initialized").clone();
        if self.timestamp {
            p.set_timestamp(now);
        }
        p
    }
}

impl Element for InfiniteSource {
    fn class_name(&self) -> &'static str {
        "InfiniteSource"
    }

    fn port_count(&self) -> &'static str {
        ports::P0_1
    }

    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.data = args.read_p("DATA")?.map_or_else(|| DEFAULT_DATA.to_vec(), |Data(d)| d);
        self.limit = args.read_p_or("LIMIT", -1i64)?;
        self.burst = args.read_p_or("BURST", 1usize)?;
        self.active = args.read_p_or("ACTIVE", true)?;
        self.timestamp = args.read_or("TIMESTAMP", true)?;
        self.length = args.read("LENGTH")?.or(args.read("DATASIZE")?);
        self.stop = args.read_or("STOP", false)?;
        args.complete()?;
        if self.burst < 1 {
            return Err(ArgError::new(Some("BURST"), "burst size must be >= 1"));
        }
        // As Click: configuring again (a `config` write) starts counting from zero.
        self.count = 0;
        self.setup_packet();
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.template.is_none() {
            self.setup_packet();
        }
        if cx.output_processing(0) == Processing::Push {
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
            if !self.active {
                cx.unschedule();
            }
        }
        Ok(())
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.active {
            cx.unschedule();
            return false;
        }
        if cx.output_full(0) {
            // Every queue downstream is full: sleep until one of them has room (Click's
            // downstream full signal), rather than overflow it.
            cx.unschedule();
            return false;
        }
        let n = self.allowance(cx.task_burst(self.burst));
        if n == 0 {
            if self.limit_reached() && self.stop {
                cx.stop_router();
            }
            cx.unschedule();
            return false;
        }
        self.home();
        if self.probes_left > 0 {
            self.probe_clones_written();
        }
        let Some(template) = &mut self.template else { return false };
        if self.timestamp {
            // One clock read per burst, stamped on the template so that the clones copy it
            // with the other annotations. (Without TIMESTAMP the template's stays zero.)
            template.set_timestamp(cx.now());
        }
        if self.copies || (n > 1 && template.len() <= COPY_LIMIT) {
            template.copy_into(n, &mut self.batch);
        } else {
            template.clone_into(n, &mut self.batch);
        }
        self.count += n as u64;
        cx.output_batch(0, &mut self.batch);
        true
    }

    // In pull context, like Click's InfiniteSource, it tells the tasks pulling from it when it
    // has nothing more to give (inactive, or LIMIT reached), so that they can sleep.
    fn is_notifier(&self) -> bool {
        true
    }

    fn notifier_active(&self) -> bool {
        self.active && !self.limit_reached()
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        if !self.active {
            return None;
        }
        if self.limit_reached() {
            if self.stop {
                cx.stop_router();
            }
            return None;
        }
        self.count += 1;
        let now = if self.timestamp { cx.now() } else { Timestamp::ZERO };
        Some(self.make(now))
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read_write("config").calm(),
            HandlerInfo::read_write("data").raw().calm(),
            HandlerInfo::read_write("limit").calm(),
            HandlerInfo::read_write("burst").calm(),
            HandlerInfo::read_write("active").checkbox(),
            HandlerInfo::read("count"),
            HandlerInfo::write("reset").button(),
            HandlerInfo::read_write("length").calm(),
            HandlerInfo::read_write("burstsize").calm().with(HandlerInfo::DEPRECATED),
            HandlerInfo::read_write("datasize").calm().with(HandlerInfo::DEPRECATED),
            HandlerInfo::read("scheduled"),
            HandlerInfo::read_write("tickets"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "data" => String::from_utf8_lossy(&self.data).into_owned(),
            "limit" => self.limit.to_string(),
            "burst" => self.burst.to_string(),
            "active" => self.active.to_string(),
            "length" => self.length.map_or("-1".to_string(), |l| l.to_string()),
            "datasize" => self.length.map_or("-1".to_string(), |l| l.to_string()),
            "burstsize" => self.burst.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        let mut args = Args::new(value);
        match name {
            "reset" => self.count = 0,
            "data" => {
                self.data = args.read_mp::<Data>("DATA")?.0;
                self.setup_packet();
            }
            "limit" => self.limit = args.read_mp("LIMIT")?,
            "length" | "datasize" => {
                let l: i64 = args.read_mp("LENGTH")?;
                self.length = usize::try_from(l).ok();
                self.setup_packet();
            }
            "burst" | "burstsize" => {
                self.burst = args.read_mp::<usize>("BURST")?.max(1);
                self.batch = Batch::with_capacity(self.burst);
            }
            "active" => self.active = args.read_mp("ACTIVE")?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        cx.reschedule();
        // Pullers that slept while it was used up or inactive may pull again.
        cx.wake_listeners();
        Ok(())
    }
}
