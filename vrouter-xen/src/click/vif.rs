//! FromNetfront, ToNetfront and Netback: a router's elements on one end of a vif.

use crate::port::{PortSlot, find_slot, lock_slot};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet, Processing};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// Most frames moved per task run when BURST is not given (ToNetfront, Netback).
pub const DEFAULT_BURST: usize = 64;

/// Most frames FromNetfront takes per task run when BURST is not given. A run copies its
/// frames out of the RX ring into packets, pushes them through the router and, on a
/// forwarding path, ToNetfront copies them into TX buffers in the same pass. The likely
/// reason smaller runs pay off (this VM has no cache counters to confirm it): 32 packets'
/// lines stay in the L1 cache between the two copies, 64 do not. On the scale benchmark (same session, interleaved): 64 networks 6.15-6.30 M frames/s
/// against 5.76-6.18 M with 64, 8 networks 8.77 / 8.91 M against 8.60 / 8.53 M; but one
/// network 6.48-6.80 M against 6.82-7.28 M (there the domain idles 40% of its CPU and the
/// host limits; smaller runs publish ring indices more often, which costs the host).
pub const FROM_NETFRONT_BURST: usize = 32;

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
                Some(port) if !port.is_faulted() => {
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
        let n = port.receive_packets(self.burst, &mut |p: Packet| batch.push(p));
        port.check_stalled(STALL_LIMIT);
        (n, port.is_faulted())
    }

    fn space(&self) -> usize {
        match &self.slot {
            Some(slot) => match lock_slot(slot).as_mut() {
                Some(port) if !port.is_faulted() => port.space(),
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

const TO_NETFRONT_HANDLERS: &[HandlerInfo] = &[
    HandlerInfo::read("rx"),
    HandlerInfo::read("tx"),
    HandlerInfo::read("count"),
    HandlerInfo::read("drops"),
    HandlerInfo::read("peer_faults"),
    HandlerInfo::read("fault"),
    HandlerInfo::read("sleeps"),
];

fn read_devid(args: &mut Args<'_>) -> Result<u32, ArgError> {
    args.read_p_or("DEVID", 0u32)
}

/// A task that sleeps until the back end notifies the vif: the router's thread watches
/// the vif's event descriptor for it (Click's `add_select`), so a sleeping domain costs
/// nothing and wakes with one context switch.
#[derive(Default)]
struct Sleeper {
    /// The vif's event descriptor, once found (the vif is connected after the router is
    /// built, so it is looked up the first time the task would sleep).
    event: Option<OwnedFd>,
    /// Times the task went to sleep.
    sleeps: u64,
}

impl Sleeper {
    /// Asks the back end to notify us, then unschedules the task unless work arrived
    /// meanwhile. Without a descriptor (a platform that has none) the task keeps polling.
    fn sleep(&mut self, cx: &mut Context<'_>, io: &VifIo) {
        let Some(slot) = &io.slot else { return };
        let mut guard = lock_slot(slot);
        let Some(port) = guard.as_mut() else { return };
        if !port.is_faulted() {
            if self.event.is_none() {
                self.event = port.event_fd();
                match &self.event {
                    Some(fd) => cx.add_select(fd.as_raw_fd()),
                    None => return,
                }
            }
            if port.final_check() {
                return;
            }
        }
        // Sleep; when cut off, the timer alone wakes the task (which reports the fault).
        self.sleeps += 1;
        cx.unschedule();
        cx.schedule_timer(0, IDLE_TIMER);
    }

    /// The descriptor is readable: consume the notification and run the task.
    fn selected(&mut self, cx: &mut Context<'_>, io: &VifIo, fd: RawFd) {
        let faulted = match io.slot.as_ref().map(lock_slot).as_deref_mut() {
            Some(Some(p)) => {
                p.ack_event();
                p.is_faulted()
            }
            _ => true,
        };
        if faulted {
            // Nothing will consume notifications any more: stop watching.
            cx.remove_select(fd);
            self.event = None;
        }
        cx.cancel_timer(0);
        cx.reschedule();
    }
}

/// Idle task runs before FromNetfront sleeps (or polls by timer): few, as a domain among many
/// should not spin.
const IDLE_RUNS: u32 = 4;
/// Longest a sleeping FromNetfront waits without a notification (a safety net: the vif's
/// descriptor wakes it).
const IDLE_TIMER: Duration = Duration::from_millis(20);

/// Arrival rate (frames/s) from which an idle FromNetfront polls by timer rather than
/// waiting for a notification per frame.
const POLL_RATE: f64 = 4000.0;
/// Fewest frames since the task last went idle from which it may poll.
const POLL_MIN_FOUND: f64 = 4.0;
/// Frames a poll aims to find: 5/8 of the 256 RX buffers a vif posts. The more a poll
/// finds, the fewer wake-ups (context switches, and a domain's own state loaded again) a
/// frame shares once many domains take turns on a CPU; the ring must still hold what
/// arrives while a late poll waits, and the rate the interval comes from is an estimate.
/// With 64 networks on the scale benchmark, 160 forwarded 3% more than 128 (5.58 against
/// 5.40 M frames/s, five interleaved runs each; 192 and 224 about as much), and one network
/// the same (6.95 against 6.92 M); aiming at 224 or 256, one network lost 6-8% (the ring
/// filled before the poll and the host held its frames).
const POLL_BATCH: f64 = 160.0;
/// Shortest and longest poll interval.
const POLL_MIN: Duration = Duration::from_micros(20);
const POLL_MAX: Duration = Duration::from_millis(8);

/// Adaptive interrupt moderation for FromNetfront, as NAPI drivers do it in a guest. Each
/// time the task goes idle it estimates the arrival rate (frames since it last went idle,
/// over the time since then). Below [`POLL_RATE`], or with fewer than [`POLL_MIN_FOUND`]
/// frames to judge by, it sleeps until the back end notifies it:
/// an idle domain costs nothing and a lone frame is not delayed. Above, a notification per
/// frame would cost a context switch per frame (and the back end a kick) once many domains
/// share the CPUs, so the task looks at the ring again after the time [`POLL_BATCH`] frames
/// take to arrive (20 µs to 8 ms): the wake-ups per second stay bounded whatever the rate.
struct Pacer {
    /// When the task last went idle.
    since: Instant,
    /// Frames received since then.
    found: usize,
    /// Times the task polled by timer instead of sleeping.
    polls: u64,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer { since: Instant::now(), found: 0, polls: 0 }
    }
}

impl Pacer {
    /// The task is idle: `Some(interval)` to look again after it, `None` to sleep until
    /// notified.
    fn next(&mut self) -> Option<Duration> {
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(self.since).as_secs_f64();
        self.since = now;
        let found = std::mem::take(&mut self.found) as f64;
        // A rate guessed from a frame or two over a short span is noise (a lone frame right
        // after another wake-up would look like a flood and be held back by a long poll).
        if found < POLL_MIN_FOUND || found < POLL_RATE * elapsed {
            return None;
        }
        let interval = if elapsed > 0.0 { POLL_BATCH * elapsed / found } else { 0.0 };
        self.polls += 1;
        Some(Duration::from_secs_f64(interval).clamp(POLL_MIN, POLL_MAX))
    }
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
    /// When the ring is empty the task sleeps until the back end notifies the vif (the
    /// router's thread watches its event descriptor), as a guest's interrupt-driven driver;
    /// from 4,000 frames/s on it instead looks again after the time 160 frames take to arrive
    /// (20 µs to 8 ms), as NAPI drivers moderate interrupts, so a domain among many is not
    /// woken once per frame.
    ///
    /// # Keywords
    /// - `DEVID` (unsigned): the vif's device id, default 0.
    /// - `BURST` (unsigned): most frames per task run, default 32.
    /// - `STOP` (boolean): stop the router when the back end is cut off, default true.
    ///
    /// # Handlers
    /// - `rx` (read): frames received. `tx`, `drops` (read): for the vif's other element.
    /// - `peer_faults` (read): protocol violations by the back end; `fault` (read): why it
    ///   was cut off, empty if it was not.
    /// - `sleeps` (read): times the task went to sleep on an empty ring until notified.
    /// - `polls` (read): times the idle task chose to look again after an interval instead
    ///   (while frames keep coming, so that a busy domain is not woken for every frame).
    /// - `wake` (write): run the task now. (An idle FromNetfront sleeps until the back end
    ///   notifies it: its thread watches the vif's event descriptor.)
    ///
    /// # Example
    /// ```click
    /// FromNetfront(DEVID 0) -> Queue -> ToNetfront(DEVID 0);
    /// ```
    #[derive(Default)]
    pub struct FromNetfront {
        io: VifIo,
        idle: u32,
        sleeper: Sleeper,
        pacer: Pacer,
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
        self.io.burst = args.read_or("BURST", FROM_NETFRONT_BURST)?.clamp(1, 256);
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
            if self.idle >= IDLE_RUNS {
                self.idle = 0;
                match self.pacer.next() {
                    Some(interval) => {
                        cx.unschedule();
                        cx.schedule_timer(0, interval);
                    }
                    None => self.sleeper.sleep(cx, &self.io),
                }
            }
            return false;
        }
        self.idle = 0;
        self.pacer.found += n;
        self.io.rx += n as u64;
        cx.output_batch(0, &mut self.io.batch);
        true
    }
    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }
    fn selected(&mut self, cx: &mut Context<'_>, fd: RawFd) {
        self.sleeper.selected(cx, &self.io, fd);
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] = &[
            HandlerInfo::read("rx"),
            HandlerInfo::read("tx"),
            HandlerInfo::read("count"),
            HandlerInfo::read("drops"),
            HandlerInfo::read("peer_faults"),
            HandlerInfo::read("fault"),
            HandlerInfo::read("sleeps"),
            HandlerInfo::read("polls"),
            HandlerInfo::write("wake"),
        ];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "sleeps" => Ok(self.sleeper.sleeps.to_string()),
            "polls" => Ok(self.pacer.polls.to_string()),
            _ => self.io.read(name),
        }
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
    /// - `sleeps` (read): times the pulling task slept on a full TX ring until the back end
    ///   completed requests.
    ///
    /// # Example
    /// ```click
    /// FromNetfront -> q :: Queue(512) -> ToNetfront;
    /// ```
    #[derive(Default)]
    pub struct ToNetfront {
        io: VifIo,
        pull: bool,
        sleeper: Sleeper,
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
            // Ring full (or no driver): sleep until the back end completes some requests.
            self.sleeper.sleep(cx, &self.io);
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
        TO_NETFRONT_HANDLERS
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "sleeps" => Ok(self.sleeper.sleeps.to_string()),
            _ => self.io.read(name),
        }
    }
    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }
    fn selected(&mut self, cx: &mut Context<'_>, fd: RawFd) {
        self.sleeper.selected(cx, &self.io, fd);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_netfront_takes_32_frames_a_run_unless_told() {
        let burst = |config: &str| {
            let mut f = FromNetfront::default();
            f.configure(&mut Args::new(config)).map(|()| f.io.burst)
        };
        assert_eq!(burst(""), Ok(FROM_NETFRONT_BURST));
        assert_eq!(FROM_NETFRONT_BURST, 32);
        assert_eq!(burst("BURST 64"), Ok(64));
        assert_eq!(burst("1, BURST 1000"), Ok(256));
        assert!(burst("BURST lots").is_err());
        // The other vif elements keep theirs.
        let mut t = ToNetfront::default();
        t.configure(&mut Args::new("")).unwrap();
        assert_eq!(t.io.burst, DEFAULT_BURST);
    }

    /// A pacer that went idle `ago` before now with `found` frames since.
    fn pacer(ago: Duration, found: usize) -> Pacer {
        Pacer { since: Instant::now() - ago, found, polls: 0 }
    }

    #[test]
    fn pacer_waits_for_notifications_at_low_rates_and_polls_at_high_ones() {
        // Nothing arrived, or a trickle (1,000 frames/s): sleep until notified.
        assert_eq!(pacer(Duration::from_millis(10), 0).next(), None);
        assert_eq!(pacer(Duration::from_millis(10), 10).next(), None);
        // A lone frame soon after the last wake-up is no evidence of a flood.
        assert_eq!(pacer(Duration::from_micros(10), 1).next(), None);
        assert_eq!(pacer(Duration::from_micros(10), 3).next(), None);
        // 50,000 frames/s: look again once about 160 frames have arrived (~3.2 ms).
        let mut p = pacer(Duration::from_millis(10), 500);
        let i = p.next().unwrap();
        assert!(i > Duration::from_micros(3000) && i < Duration::from_micros(3400), "{i:?}");
        assert_eq!(p.polls, 1);
        assert_eq!(p.found, 0);
        // Very high and merely high rates are clamped to the bounds.
        assert_eq!(pacer(Duration::from_millis(1), 100_000).next(), Some(POLL_MIN));
        assert_eq!(pacer(Duration::from_secs(1), 5_000).next(), Some(POLL_MAX));
    }

    /// A poll aims at well under a full RX ring: at the estimated rate, what arrives until
    /// the poll leaves a quarter of the posted buffers free for a rate misjudged upwards
    /// or a poll that comes late (aiming at 7/8 of the ring or all of it cost one network
    /// 6-8% in the scale benchmark).
    #[test]
    fn a_poll_aims_at_most_five_eighths_of_the_rx_ring() {
        use crate::ring::{NetRx, RingProtocol};
        let ring = f64::from(NetRx::RING_SIZE);
        assert!(POLL_BATCH <= ring * 5.0 / 8.0, "{POLL_BATCH} of {ring}");
        // Whatever the rate within the clamps, the interval is the time POLL_BATCH take.
        for (ago_us, found) in [(10_000u64, 500usize), (5_000, 2_000), (40_000, 1_000)] {
            let i = pacer(Duration::from_micros(ago_us), found).next().unwrap();
            let expected = POLL_BATCH * ago_us as f64 / found as f64;
            assert!((i.as_secs_f64() * 1e6 - expected).abs() < expected * 0.05 + 1.0, "{i:?} vs {expected} us");
        }
    }
}
