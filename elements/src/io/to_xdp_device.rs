use std::sync::{Arc, Mutex};

use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing};

use super::from_xdp_device::parse_mode;
use super::xdp::{self, Steering, XdpMode, XdpPort};

click_core::documented! {
    /// Sends packets to a device queue through an AF_XDP socket (cargo feature `af_xdp`).
    ///
    /// # Synopsis
    /// `ToXDPDevice(DEVNAME [, *keywords* QUEUE, MODE, LOAD, BURST])`
    ///
    /// # Ports and processing
    /// One agnostic input, no outputs. In pull context a task pulls up to BURST packets,
    /// copies them into free frames of the socket's memory area and queues them on the
    /// transmit ring with one wake-up; in push context arriving batches are queued at once.
    /// When no frame is free (the device is slower than the router) packets wait, up to
    /// BURST of them; in push context further packets are dropped and counted. Packets
    /// longer than 2048 bytes are dropped and counted. A FromXDPDevice on the same device
    /// and queue shares the socket; LOAD (default false here) loads the redirect program
    /// as FromXDPDevice does, for a ToXDPDevice used alone it is not needed. Needs root.
    ///
    /// # Keywords
    /// - `DEVNAME` (string): the device.
    /// - `QUEUE` (unsigned): the device queue, default 0.
    /// - `MODE` (word): `auto`, `copy` or `zerocopy`, default auto.
    /// - `LOAD` (boolean): load the redirect program, default false.
    /// - `XSKMAP` (string): instead, insert the socket into the XSKMAP of a program loaded
    ///   separately, pinned at this path (see the `io::xdp` module documentation).
    /// - `BURST` (unsigned): packets per task run, default 32.
    ///
    /// # Handlers
    /// - `count` (read): packets queued for sending.
    /// - `drops` (read): packets dropped (too long, no room).
    /// - `pending` (read): packets waiting for a free frame.
    /// - `device` (read): the device name.
    ///
    /// # Example
    /// ```click
    /// InfiniteSource(LIMIT 10, STOP true) -> Queue -> ToXDPDevice(veth0, MODE copy);
    /// ```
    pub struct ToXDPDevice {
        devname: String,
        queue: u32,
        mode: XdpMode,
        load: bool,
        xskmap: String,
        burst: usize,
        port: Option<Arc<Mutex<XdpPort>>>,
        pending: Vec<Packet>,
        scratch: Batch,
        pull_mode: bool,
        count: u64,
        drops: u64,
    }
}

impl Default for ToXDPDevice {
    fn default() -> Self {
        ToXDPDevice {
            devname: String::new(),
            queue: 0,
            mode: XdpMode::Auto,
            load: false,
            xskmap: String::new(),
            burst: 32,
            port: None,
            pending: Vec::new(),
            scratch: Batch::new(),
            pull_mode: false,
            count: 0,
            drops: 0,
        }
    }
}

impl ToXDPDevice {
    /// Sends what is pending; true if everything went.
    fn flush(&mut self) -> bool {
        let Some(port) = &self.port else {
            self.drops += self.pending.len() as u64;
            self.pending.clear();
            return true;
        };
        let mut too_long = 0;
        let taken = port.lock().unwrap_or_else(|e| e.into_inner()).send(&self.pending, &mut too_long);
        self.count += (taken as u64).saturating_sub(too_long);
        self.drops += too_long;
        self.pending.drain(..taken);
        self.pending.is_empty()
    }
}

impl Element for ToXDPDevice {
    fn class_name(&self) -> &'static str {
        "ToXDPDevice"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_0
    }

    fn processing(&self) -> &'static str {
        processing::AGNOSTIC
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        self.devname = args.read_mp("DEVNAME")?;
        self.queue = args.read_or("QUEUE", 0u32)?;
        self.mode = parse_mode(args)?;
        self.load = args.read_or("LOAD", false)?;
        self.xskmap = args.read_or("XSKMAP", String::new())?;
        self.burst = args.read_or("BURST", 32usize)?.clamp(1, 256);
        args.complete()
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        let steering = if !self.xskmap.is_empty() {
            Steering::PinnedMap(self.xskmap.clone())
        } else if self.load {
            Steering::Load
        } else {
            Steering::None
        };
        let port = xdp::open_shared(&self.devname, self.queue, self.mode, &steering).map_err(|e| e.to_string())?;
        self.port = Some(port);
        self.scratch = Batch::with_capacity(self.burst);
        self.pull_mode = cx.input_processing(0) == Processing::Pull;
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        if !self.pull_mode {
            cx.unschedule();
        }
        Ok(())
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        for p in batch.drain() {
            if self.pending.len() >= self.burst * 4 {
                self.drops += 1;
            } else {
                self.pending.push(p);
            }
        }
        // Retry in the task what did not fit, and make sure the ring drains.
        self.flush();
        cx.reschedule();
    }

    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut pulled = 0;
        if self.pull_mode && self.pending.len() < self.burst {
            pulled = cx.pull_batch(0, self.burst - self.pending.len(), &mut self.scratch);
            self.pending.extend(self.scratch.drain());
        }
        if self.pending.is_empty() {
            // Frames may still wait in the transmit ring: keep asking until it is empty.
            let waiting = self.port.as_ref().map_or(0, |p| p.lock().unwrap_or_else(|e| e.into_inner()).kick());
            if waiting == 0 && (!self.pull_mode || cx.input_idle(0)) {
                cx.unschedule();
            }
            return false;
        }
        let before = self.count;
        if self.flush() && !self.pull_mode {
            cx.unschedule();
        }
        pulled > 0 || self.count > before
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("count"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("pending"),
            HandlerInfo::read("device"),
        ];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "drops" => self.drops.to_string(),
            "pending" => self.pending.len().to_string(),
            "device" => self.devname.clone(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}
