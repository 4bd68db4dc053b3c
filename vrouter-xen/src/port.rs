//! One end of a vif as an object the router's elements can hold: [`VifPort`] is implemented
//! by both [`Netfront`] and [`Netback`] over any platform, and a [`PortSlot`] lets a
//! supervisor swap the driver underneath running elements (a restarted domain, a new
//! front end) without rebuilding the router.
//!
//! [`SharedPlatform`] lets several drivers of one domain (a driver domain's back ends, the
//! host's per-network back ends) share one hypervisor connection.

use crate::abi::{DomId, GrantRef};
use crate::net::{NetStats, PeerFault};
use crate::netback::Netback;
use crate::netfront::Netfront;
use crate::platform::*;
use crate::shm::{SharedPage, SharedWord};
use click_core::Packet;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What an element needs from one end of a vif. "Out" is towards the peer (the TX ring for
/// a front end, the peer's RX ring for a back end); "in" is from the peer.
pub trait VifPort: Send {
    /// Queues frames for the peer; returns how many of `frames` were taken (taken frames that
    /// cannot be carried are counted as dropped by the driver).
    fn send_frames(&mut self, frames: &mut dyn Iterator<Item = &[u8]>) -> usize;
    /// Frames `send_frames` can take right now.
    fn space(&mut self) -> usize;
    /// Hands up to `max` frames from the peer to `out`, each copied once from the shared
    /// memory into a packet of this thread's pool (with the default headroom); returns how
    /// many.
    fn receive_packets(&mut self, max: usize, out: &mut dyn FnMut(Packet)) -> usize;
    /// Housekeeping: reaps completions; returns how many.
    fn poll(&mut self) -> usize;
    /// The driver's counters.
    fn stats(&self) -> NetStats;
    /// Why the peer was cut off, if it was.
    fn fault(&self) -> Option<PeerFault>;
    /// Whether the peer was cut off (what [`fault`](Self::fault) says, without copying the
    /// reason: the demux asks for every network in every round).
    fn is_faulted(&self) -> bool {
        self.fault().is_some()
    }
    /// Cuts the peer off if it left us waiting longer than `limit`; returns whether it did.
    fn check_stalled(&mut self, limit: Duration) -> bool;
    /// Stops talking to the peer (closes the event channel); used before the driver is
    /// dropped.
    fn close(&mut self);
    /// Before the caller sleeps: asks the peer to notify us of new work; true if work
    /// arrived meanwhile (then do not sleep).
    fn final_check(&mut self) -> bool {
        true
    }
    /// A duplicate of the descriptor that becomes readable when the peer notifies us.
    fn event_fd(&self) -> Option<OwnedFd> {
        None
    }
    /// Consumes the notification that made [`event_fd`](Self::event_fd) readable.
    fn ack_event(&mut self) {}
    /// Frames handed to the peer that it has not yet taken (a front end's TX requests
    /// awaiting their responses); 0 when the peer cannot be waited for.
    fn pending(&mut self) -> usize {
        0
    }
    /// A back end's TX and RX ring pages, for a [`RingProbe`]; `None` for drivers that
    /// have none.
    fn ring_pages(&self) -> Option<(&Arc<SharedPage>, &Arc<SharedPage>)> {
        None
    }
}

impl<P: Platform + Send> VifPort for Netfront<P> {
    fn send_frames(&mut self, frames: &mut dyn Iterator<Item = &[u8]>) -> usize {
        self.send(frames)
    }
    fn space(&mut self) -> usize {
        if self.tx_space() == 0 {
            self.poll_tx_completions();
        }
        if self.is_faulted() { 0 } else { self.tx_space() }
    }
    fn receive_packets(&mut self, max: usize, out: &mut dyn FnMut(Packet)) -> usize {
        self.receive_packets_up_to(max, &mut |p: Packet| out(p))
    }
    fn poll(&mut self) -> usize {
        self.poll_tx_completions()
    }
    fn stats(&self) -> NetStats {
        *Netfront::stats(self)
    }
    fn fault(&self) -> Option<PeerFault> {
        Netfront::fault(self).cloned()
    }
    fn is_faulted(&self) -> bool {
        Netfront::fault(self).is_some()
    }
    fn check_stalled(&mut self, limit: Duration) -> bool {
        Netfront::check_stalled(self, limit)
    }
    fn close(&mut self) {
        self.cut_off(PeerFault::Gone("closed".into()));
    }
    fn final_check(&mut self) -> bool {
        Netfront::final_check(self)
    }
    fn event_fd(&self) -> Option<OwnedFd> {
        Netfront::event_fd(self).and_then(|fd| fd.try_clone_to_owned().ok())
    }
    fn ack_event(&mut self) {
        Netfront::ack_event(self)
    }
    fn pending(&mut self) -> usize {
        self.poll_tx_completions();
        if self.is_faulted() { 0 } else { self.tx_in_flight() as usize }
    }
}

impl<P: Platform + Send> VifPort for Netback<P> {
    fn send_frames(&mut self, frames: &mut dyn Iterator<Item = &[u8]>) -> usize {
        // `send` peeks one frame beyond those it takes: offer only what fits.
        let n = self.rx_space();
        self.send(frames.take(n))
    }
    fn space(&mut self) -> usize {
        self.rx_space()
    }
    fn receive_packets(&mut self, max: usize, out: &mut dyn FnMut(Packet)) -> usize {
        self.receive_packets_up_to(max, &mut |p: Packet| out(p))
    }
    fn poll(&mut self) -> usize {
        0
    }
    fn stats(&self) -> NetStats {
        *Netback::stats(self)
    }
    fn fault(&self) -> Option<PeerFault> {
        Netback::fault(self).cloned()
    }
    fn is_faulted(&self) -> bool {
        Netback::fault(self).is_some()
    }
    fn check_stalled(&mut self, limit: Duration) -> bool {
        Netback::check_stalled(self, limit)
    }
    fn close(&mut self) {
        self.cut_off(PeerFault::Gone("closed".into()));
    }
    fn ring_pages(&self) -> Option<(&Arc<SharedPage>, &Arc<SharedPage>)> {
        Some(Netback::ring_pages(self))
    }
}

/// The request producer indices of a back end's two rings, read without taking the slot's
/// lock or touching the driver: a serving loop with many vifs looks at these (one cache
/// line each, unchanged and so still cached while the front end is idle) to tell which
/// vifs have new TX requests or newly posted RX buffers, and takes the driver only for
/// those. The values are written by the peer at will: hints for when to look, never used
/// as indices (the driver reads and checks the ring itself).
#[derive(Clone, Debug)]
pub struct RingProbe {
    tx: SharedWord,
    rx: SharedWord,
}

impl RingProbe {
    /// The TX ring's request producer index (the front end's frames to send).
    #[inline]
    pub fn tx_requests(&self) -> u32 {
        self.tx.load()
    }

    /// The RX ring's request producer index (the buffers the front end posted).
    #[inline]
    pub fn rx_requests(&self) -> u32 {
        self.rx.load()
    }

    /// A probe of a driver's rings ([`VifPort::ring_pages`]).
    pub fn new((tx, rx): (&Arc<SharedPage>, &Arc<SharedPage>)) -> RingProbe {
        RingProbe {
            tx: SharedPage::word(tx, crate::abi::SRING_REQ_PROD),
            rx: SharedPage::word(rx, crate::abi::SRING_REQ_PROD),
        }
    }

    /// Whether this probes these rings (a pointer comparison: the driver was not replaced).
    pub fn is_of(&self, (tx, rx): (&Arc<SharedPage>, &Arc<SharedPage>)) -> bool {
        Arc::ptr_eq(self.tx.page(), tx) && Arc::ptr_eq(self.rx.page(), rx)
    }
}

/// A driver that a supervisor may replace (or remove) while elements use it.
pub type PortSlot = Arc<Mutex<Option<Box<dyn VifPort>>>>;

/// An empty slot.
pub fn empty_slot() -> PortSlot {
    Arc::new(Mutex::new(None))
}

/// Locks a slot, ignoring poisoning (a panicking holder leaves a usable driver or none).
pub fn lock_slot(slot: &PortSlot) -> MutexGuard<'_, Option<Box<dyn VifPort>>> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// Named slots of this process, found by elements at initialization (`FromNetfront(DEVID 0)`
/// looks for `vif0`, `Netback(NAME n)` for `n`).
static SLOTS: Mutex<Vec<(String, PortSlot)>> = Mutex::new(Vec::new());

/// Publishes a slot under `name` for this process's elements (replacing any of that name).
pub fn publish_slot(name: &str, slot: PortSlot) {
    let mut s = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    s.retain(|(n, _)| n != name);
    s.push((name.to_string(), slot));
}

/// The slot published under `name`.
pub fn find_slot(name: &str) -> Option<PortSlot> {
    let s = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    s.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone())
}

/// Waits until the peer of the driver in `slot` has taken every frame handed to it (at most
/// `timeout`); returns whether it did. A domain calls this when its router stops, so that
/// the last frames it sent are not lost with it.
pub fn drain(slot: &PortSlot, timeout: Duration) -> bool {
    let t0 = std::time::Instant::now();
    loop {
        let pending = lock_slot(slot).as_mut().map_or(0, |p| p.pending());
        if pending == 0 {
            return true;
        }
        if t0.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One platform shared by several drivers of the same domain. Grants, ports and the store go
/// through one lock; each clone keeps a duplicate of the watch descriptor.
#[derive(Debug)]
pub struct SharedPlatform<P> {
    inner: Arc<Mutex<P>>,
    domid: DomId,
    nr_frames: u32,
    watch_fd: OwnedFd,
}

impl<P: Platform> SharedPlatform<P> {
    /// Wraps a platform.
    pub fn new(p: P) -> Result<Self, XenError> {
        let watch_fd = p.watch_fd().try_clone_to_owned()?;
        Ok(SharedPlatform { domid: p.domid(), nr_frames: p.nr_frames(), inner: Arc::new(Mutex::new(p)), watch_fd })
    }

    /// Another handle on the same platform.
    pub fn try_clone(&self) -> Result<Self, XenError> {
        Ok(SharedPlatform {
            inner: self.inner.clone(),
            domid: self.domid,
            nr_frames: self.nr_frames,
            watch_fd: self.watch_fd.try_clone()?,
        })
    }

    fn lock(&self) -> MutexGuard<'_, P> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<P: Platform> GrantTable for SharedPlatform<P> {
    fn domid(&self) -> DomId {
        self.domid
    }
    fn nr_frames(&self) -> u32 {
        self.nr_frames
    }
    fn frame(&self, frame: u32) -> Result<Arc<SharedPage>, XenError> {
        self.lock().frame(frame)
    }
    fn grant_access(&mut self, to: DomId, frame: u32, readonly: bool) -> Result<GrantRef, XenError> {
        self.lock().grant_access(to, frame, readonly)
    }
    fn end_access(&mut self, gref: GrantRef) -> Result<(), XenError> {
        self.lock().end_access(gref)
    }
    fn map_grant(&mut self, granter: DomId, gref: GrantRef, readonly: bool) -> Result<Arc<SharedPage>, XenError> {
        self.lock().map_grant(granter, gref, readonly)
    }
    fn unmap_grant(&mut self, granter: DomId, gref: GrantRef) -> Result<(), XenError> {
        self.lock().unmap_grant(granter, gref)
    }
    fn grant_copy(&mut self, ops: &mut [CopyOp]) -> Result<(), XenError> {
        self.lock().grant_copy(ops)
    }
    fn copies_buffers(&self) -> bool {
        self.lock().copies_buffers()
    }
    fn grant_copy_buf(&mut self, ops: &mut [BufCopy<'_>]) -> Result<(), XenError> {
        self.lock().grant_copy_buf(ops)
    }
}

impl<P: Platform> EventChannels for SharedPlatform<P> {
    fn alloc_unbound(&mut self, remote: DomId) -> Result<Port, XenError> {
        self.lock().alloc_unbound(remote)
    }
    fn bind_interdomain(&mut self, remote: DomId, remote_port: Port) -> Result<Port, XenError> {
        self.lock().bind_interdomain(remote, remote_port)
    }
    fn notify(&mut self, port: Port) -> Result<(), XenError> {
        self.lock().notify(port)
    }
    fn wait(&mut self, port: Port, timeout: Option<Duration>) -> Result<bool, XenError> {
        // Do not hold the lock while sleeping: poll in short steps.
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            if self.lock().take_pending(port)? {
                return Ok(true);
            }
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Ok(false);
            }
            std::thread::sleep(left.unwrap_or(Duration::from_millis(1)).min(Duration::from_millis(1)));
        }
    }
    fn peer_connected(&mut self, port: Port) -> Result<bool, XenError> {
        self.lock().peer_connected(port)
    }
    fn pollable_fd(&self, _port: Port) -> Option<BorrowedFd<'_>> {
        None
    }
    fn close(&mut self, port: Port) -> Result<(), XenError> {
        self.lock().close(port)
    }
}

impl<P: Platform> XenStore for SharedPlatform<P> {
    fn read(&mut self, path: &str) -> Result<Option<String>, XenError> {
        self.lock().read(path)
    }
    fn write(&mut self, path: &str, value: &str) -> Result<(), XenError> {
        self.lock().write(path, value)
    }
    fn remove(&mut self, path: &str) -> Result<(), XenError> {
        self.lock().remove(path)
    }
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XenError> {
        self.lock().directory(path)
    }
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        self.lock().watch(path, token)
    }
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        self.lock().unwatch(path, token)
    }
    fn take_watch_events(&mut self) -> Result<Vec<WatchEvent>, XenError> {
        self.lock().take_watch_events()
    }
    fn watch_fd(&self) -> BorrowedFd<'_> {
        self.watch_fd.as_fd()
    }
}
