//! FromNetfront, ToNetfront and Netback: a router's elements on one end of a vif.

use crate::port::{PortSlot, find_slot, lock_slot};
use click_core::RouterHandle;
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Most frames moved per task run when BURST is not given.
pub const DEFAULT_BURST: usize = 64;

/// How long a peer may leave us waiting before it is cut off.
pub const STALL_LIMIT: Duration = Duration::from_secs(2);

/// The state FromNetfront, ToNetfront and Netback share: the slot and counters.
#[derive(Default)]
struct VifIo {
    slot_name: String,
    slot: Option<PortSlot>,
    burst: usize,
    /// Frames received from the peer and emitted.
    rx: u64,
    /// Frames handed to the peer.
    tx: u64,
    /// Frames dropped: ring full, no driver, or the peer cut off.
    drops: u64,
    batch: Batch,
    stop_on_fault: bool,
    stopped: bool,
}

impl VifIo {
    fn find(&mut self) -> Result<(), String> {
        self.slot = find_slot(&self.slot_name);
        if self.slot.is_none() {
            return Err(format!(
                "no vif '{}' in this process (run the configuration in a domain: `vrouter domain`)",
                self.slot_name
            ));
        }
        self.batch = Batch::with_capacity(self.burst);
        Ok(())
    }

    /// Sends a batch to the peer; what does not fit is dropped and counted.
    fn send(&mut self, batch: &mut Batch) {
        let n = batch.len();
        let taken = match &self.slot {
            Some(slot) => match lock_slot(slot).as_mut() {
                Some(port) if port.fault().is_none() => {
                    let mut it = batch.iter().map(|p| p.data());
                    port.send_frames(&mut it)
                }
                _ => 0,
            },
            None => 0,
        };
        self.tx += taken as u64;
        self.drops += (n - taken) as u64;
        batch.drain();
    }

    /// Takes frames from the peer into `self.batch`; returns how many, and whether the peer
    /// has been cut off.
    fn receive(&mut self) -> (usize, bool) {
        let Some(slot) = &self.slot else { return (0, false) };
        let mut guard = lock_slot(slot);
        let Some(port) = guard.as_mut() else { return (0, false) };
        port.poll();
        let batch = &mut self.batch;
        let n = port.receive_frames(self.burst, &mut |f: &[u8]| batch.push(Packet::from_slice(f)));
        port.check_stalled(STALL_LIMIT);
        (n, port.fault().is_some())
    }

    fn space(&self) -> usize {
        match &self.slot {
            Some(slot) => match lock_slot(slot).as_mut() {
                Some(port) if port.fault().is_none() => port.space(),
                _ => 0,
            },
            None => 0,
        }
    }

    fn read(&self, name: &str) -> Result<String, HandlerError> {
        let stats = || self.slot.as_ref().and_then(|s| lock_slot(s).as_ref().map(|p| (p.stats(), p.fault())));
        Ok(match name {
            "rx" => self.rx.to_string(),
            "tx" => self.tx.to_string(),
            "count" => (self.rx + self.tx).to_string(),
            "drops" => self.drops.to_string(),
            "peer_faults" => stats().map_or(0, |(s, _)| s.peer_faults).to_string(),
            "fault" => stats().and_then(|(_, f)| f).map_or_else(String::new, |f| f.to_string()),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}

const VIF_HANDLERS: &[HandlerInfo] = &[
    HandlerInfo::read("rx"),
    HandlerInfo::read("tx"),
    HandlerInfo::read("count"),
    HandlerInfo::read("drops"),
    HandlerInfo::read("peer_faults"),
    HandlerInfo::read("fault"),
];

fn read_devid(args: &mut Args<'_>) -> Result<u32, ArgError> {
    args.read_p_or("DEVID", 0u32)
}

/// Whether a thread of this process turns vif notifications into `wake` handler calls
/// (see [`spawn_waker`]); only then do FromNetfront tasks sleep when idle.
static WAKER: AtomicBool = AtomicBool::new(false);

/// Idle task runs before FromNetfront sleeps.
const IDLE_RUNS: u32 = 16;
/// Longest a sleeping FromNetfront waits without a notification.
const IDLE_TIMER: Duration = Duration::from_millis(5);

/// Starts a thread that waits for notifications on the vif `slot_name` and calls the `wake`
/// handler of `elements` (FromNetfront elements) through `router`, so that they can sleep
/// while the ring is idle instead of polling. Call after building the router, before
/// running it; the thread ends when the router stops.
pub fn spawn_waker(router: RouterHandle, elements: Vec<String>, slot_name: &str) -> Option<JoinHandle<()>> {
    let fd = find_slot(slot_name).and_then(|s| lock_slot(&s).as_ref().and_then(|p| p.event_fd()))?;
    WAKER.store(true, Ordering::Release);
    Some(std::thread::spawn(move || {
        let t0 = std::time::Instant::now();
        while !router.is_running() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        while router.is_running() {
            match crate::sys::poll_readable(fd.as_fd(), Some(Duration::from_millis(100))) {
                Ok(true) => {
                    let _ = crate::sys::eventfd_drain(fd.as_fd());
                    for e in &elements {
                        let _ = router.write(&format!("{e}.wake"), "");
                    }
                }
                Ok(false) => {}
                Err(_) => break,
            }
        }
        WAKER.store(false, Ordering::Release);
    }))
}

/// The names of the elements of class `class` in `router`.
pub fn elements_of_class(router: &click_core::Router, class: &str) -> Vec<String> {
    router
        .element_names()
        .iter()
        .filter(|n| router.read_handler(&format!("{n}.class")).is_ok_and(|c| c.trim() == class))
        .cloned()
        .collect()
}

click_core::documented! {
    /// Receives frames from the domain's vif (the front end of a Xen netif).
    ///
    /// # Synopsis
    /// `FromNetfront([DEVID, *keywords*])`
    ///
    /// # Ports and processing
    /// No inputs; one push output. A task reaps the RX ring's responses in batches, copies
    /// each frame into a packet and posts its buffer again at once; it also reaps TX
    /// completions. The vif is the one this domain process connected at start-up
    /// (`vrouter domain`); the back end is the host's HypervisorDemux or a driver domain's
    /// Netback. When the back end is cut off (a protocol violation, or it went away), the
    /// router stops unless `STOP false`.
    ///
    /// # Keywords
    /// - `DEVID` (unsigned): the vif's device id, default 0.
    /// - `BURST` (unsigned): most frames per task run, default 64.
    /// - `STOP` (boolean): stop the router when the back end is cut off, default true.
    ///
    /// # Handlers
    /// - `rx` (read): frames received. `tx`, `drops` (read): for the vif's other element.
    /// - `peer_faults` (read): protocol violations by the back end; `fault` (read): why it
    ///   was cut off, empty if it was not.
    /// - `wake` (write): run the task now (called by the process's notification thread; an
    ///   idle FromNetfront sleeps until woken, or for 5 ms at most).
    ///
    /// # Example
    /// ```click
    /// FromNetfront(DEVID 0) -> Queue -> ToNetfront(DEVID 0);
    /// ```
    #[derive(Default)]
    pub struct FromNetfront {
        io: VifIo,
        idle: u32,
    }
}

impl Element for FromNetfront {
    fn class_name(&self) -> &'static str {
        "FromNetfront"
    }
    fn port_count(&self) -> &'static str {
        ports::P0_1
    }
    fn processing(&self) -> &'static str {
        processing::PUSH
    }
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let devid = read_devid(args)?;
        self.io.burst = args.read_or("BURST", DEFAULT_BURST)?.clamp(1, 256);
        self.io.stop_on_fault = args.read_or("STOP", true)?;
        args.complete()?;
        self.io.slot_name = format!("vif{devid}");
        Ok(())
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        self.io.find()?;
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let (n, faulted) = self.io.receive();
        if faulted && self.io.stop_on_fault && !self.io.stopped {
            self.io.stopped = true;
            cx.stop_router();
        }
        if n == 0 {
            self.idle += 1;
            if self.idle >= IDLE_RUNS && WAKER.load(Ordering::Acquire) {
                self.idle = 0;
                // Ask the back end to notify us, then sleep unless work arrived meanwhile.
                let busy = match &self.io.slot {
                    Some(slot) => lock_slot(slot).as_mut().is_none_or(|p| p.final_check()),
                    None => true,
                };
                if !busy {
                    cx.unschedule();
                    cx.schedule_timer(0, IDLE_TIMER);
                }
            }
            return false;
        }
        self.idle = 0;
        self.io.rx += n as u64;
        cx.output_batch(0, &mut self.io.batch);
        true
    }
    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("rx"),
            HandlerInfo::read("tx"),
            HandlerInfo::read("count"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("peer_faults"),
            HandlerInfo::read("fault"),
            HandlerInfo::write("wake"),
        ];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.io.read(name)
    }
    fn write_handler(&mut self, name: &str, _value: &str, cx: &mut Context<'_>) -> Result<(), HandlerError> {
        match name {
            "wake" => {
                cx.cancel_timer(0);
                cx.reschedule();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

click_core::documented! {
    /// Sends frames out of the domain's vif (the front end of a Xen netif).
    ///
    /// # Synopsis
    /// `ToNetfront([DEVID, *keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input, no outputs. Each frame is copied into one of the domain's own
    /// pages, granted to the back end once at start-up, and described by a TX request;
    /// completions are reaped in batches. Pushed frames that find the TX ring full are
    /// dropped and counted. In pull context a task pulls only as many frames as the ring
    /// has room for, so an upstream Queue holds the rest.
    ///
    /// # Keywords
    /// - `DEVID` (unsigned): the vif's device id, default 0.
    /// - `BURST` (unsigned): most frames pulled per task run, default 64.
    ///
    /// # Handlers
    /// - `tx` (read): frames sent. `drops` (read): frames dropped (ring full, back end cut
    ///   off). `peer_faults`, `fault` (read): as for FromNetfront.
    ///
    /// # Example
    /// ```click
    /// FromNetfront -> q :: Queue(512) -> ToNetfront;
    /// ```
    #[derive(Default)]
    pub struct ToNetfront {
        io: VifIo,
        pull: bool,
    }
}

impl Element for ToNetfront {
    fn class_name(&self) -> &'static str {
        "ToNetfront"
    }
    fn port_count(&self) -> &'static str {
        ports::P1_0
    }
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let devid = read_devid(args)?;
        self.io.burst = args.read_or("BURST", DEFAULT_BURST)?.clamp(1, 256);
        args.complete()?;
        self.io.slot_name = format!("vif{devid}");
        Ok(())
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        self.io.find()?;
        if cx.input_processing(0) == Processing::Pull {
            self.pull = true;
            cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        }
        Ok(())
    }
    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        self.io.send(batch);
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let space = self.io.space().min(self.io.burst);
        if space == 0 {
            // Ring full (or no driver): stay scheduled and look again next round.
            return false;
        }
        let mut b = std::mem::take(&mut self.io.batch);
        let n = cx.pull_batch(0, space, &mut b);
        if n > 0 {
            self.io.send(&mut b);
        } else if cx.input_idle(0) {
            cx.unschedule();
        }
        self.io.batch = b;
        n > 0
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        VIF_HANDLERS
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.io.read(name)
    }
}

click_core::documented! {
    /// The back end of a vif, in a driver domain.
    ///
    /// # Synopsis
    /// `Netback(NAME, [*keywords*])`
    ///
    /// # Ports and processing
    /// One agnostic input, one push output. Frames pushed into input 0 are copied by grant
    /// copy into the buffers the front end posted on its RX ring (dropped and counted when it
    /// has posted none); in pull context the task pulls only as many frames as the front end
    /// has posted buffers for, so an upstream Queue holds the rest. The task also takes the front end's TX requests in batches, copies their
    /// frames out by grant copy, answers them and pushes the frames on output 0. The driver
    /// behind NAME is connected by the process that runs the router (`vrouter
    /// driver-domain`), which replaces it when the front end's domain is restarted. A front
    /// end that breaks the ring protocol is cut off and counted; the rest of the router
    /// carries on.
    ///
    /// # Keywords
    /// - `NAME` (string): the vif's name in this process.
    /// - `BURST` (unsigned): most frames taken per task run, default 64.
    ///
    /// # Handlers
    /// - `rx` (read): frames taken from the front end. `tx` (read): frames copied to it.
    /// - `drops` (read): frames for the front end dropped (no buffer posted, cut off).
    /// - `peer_faults`, `fault` (read): protocol violations by the front end.
    ///
    /// # Example
    /// ```click
    /// phys :: FromNetfront -> sw :: EtherSwitch -> nb :: Netback(NAME a) -> [1]sw;
    /// sw[1] -> ToNetfront;
    /// ```
    #[derive(Default)]
    pub struct NetbackElement {
        io: VifIo,
        /// Input 0 is pulled (by the task) rather than pushed.
        pull: bool,
        /// Frames pulled for the front end (kept to reuse its storage).
        outgoing: Batch,
    }
}

impl NetbackElement {
    /// A Netback on a slot held by the caller (the host's end of a driver domain's
    /// physical vif), rather than one found by name.
    pub fn with_slot(slot: PortSlot, burst: usize) -> NetbackElement {
        NetbackElement {
            io: VifIo {
                slot: Some(slot),
                burst: burst.clamp(1, 256),
                batch: Batch::with_capacity(burst),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

impl Element for NetbackElement {
    fn class_name(&self) -> &'static str {
        "Netback"
    }
    fn port_count(&self) -> &'static str {
        ports::P1_1
    }
    fn processing(&self) -> &'static str {
        "a/h"
    }
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        if self.io.slot.is_some() {
            return args.complete();
        }
        self.io.slot_name = args.read_mp("NAME")?;
        self.io.burst = args.read_or("BURST", DEFAULT_BURST)?.clamp(1, 256);
        args.complete()
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.io.slot.is_none() {
            self.io.find()?;
        }
        self.pull = cx.input_processing(0) == Processing::Pull;
        self.outgoing = Batch::with_capacity(self.io.burst);
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }
    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        self.io.send(batch);
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut sent = 0;
        if self.pull {
            let space = self.io.space().min(self.io.burst);
            if space > 0 {
                sent = cx.pull_batch(0, space, &mut self.outgoing);
                if sent > 0 {
                    self.io.send(&mut self.outgoing);
                }
            }
        }
        let (n, _) = self.io.receive();
        if n > 0 {
            self.io.rx += n as u64;
            cx.output_batch(0, &mut self.io.batch);
        }
        n + sent > 0
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        VIF_HANDLERS
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.io.read(name)
    }
}
