//! The network front end (the guest's side of a vif), as in Linux's `xen-netfront`.
//!
//! TX: each frame is copied into one of the domain's own pages, granted to the back end once
//! at start-up, and described by a `netif_tx_request`. RX: every slot of the RX ring holds a
//! posted page granted to the back end, which copies frames in; each buffer is posted again
//! as soon as its frame has been taken out. Responses are reaped in batches, notifications
//! follow Xen's event-index rule. A back end that breaks the protocol (bad ids, sizes, ring
//! indices) is counted and cut off; the front end never trusts a value twice.

use crate::abi::*;
use crate::net::*;
use crate::platform::{Platform, Port, XenError};
use crate::ring::{FrontRing, NetRx, NetTx, RingProtocol};
use crate::shm::SharedPage;
use click_core::Packet;
use click_core::packet::DEFAULT_HEADROOM;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Frames a [`Netfront`] needs: two ring pages, one page per TX slot and one per RX slot.
pub const NETFRONT_FRAMES: u32 = 2 + NetTx::RING_SIZE + NetRx::RING_SIZE;

struct Buf {
    page: Arc<SharedPage>,
    gref: GrantRef,
}

/// An RX response taken and checked, whose frame is still to be copied out (`len` 0: an
/// error response, whose buffer only goes back to the back end).
#[derive(Clone, Copy)]
struct RxReady {
    id: u16,
    offset: u16,
    len: u16,
}

/// The front end of a vif, over any [`Platform`].
pub struct Netfront<P: Platform> {
    plat: P,
    backend: DomId,
    port: Port,
    tx: FrontRing<NetTx>,
    rx: FrontRing<NetRx>,
    tx_bufs: Vec<Buf>,
    tx_free: Vec<u16>,
    tx_busy: Vec<bool>,
    rx_bufs: Vec<Buf>,
    rx_posted: Vec<bool>,
    info: RingInfo,
    stats: NetStats,
    fault: Option<PeerFault>,
    last_progress: Instant,
    /// The responses being taken (kept to reuse the vector).
    rx_ready: Vec<RxReady>,
}

impl<P: Platform> std::fmt::Debug for Netfront<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netfront")
            .field("backend", &self.backend)
            .field("stats", &self.stats)
            .field("fault", &self.fault)
            .finish()
    }
}

impl<P: Platform> Netfront<P> {
    /// Sets up the rings and buffers on frames `first_frame..first_frame + NETFRONT_FRAMES` of
    /// the domain's memory, grants them to `backend`, opens an event channel for it and posts
    /// every RX buffer. Publish [`ring_info`](Self::ring_info) for the back end (see
    /// [`vif`](crate::vif)). `start` is the initial ring index (0 on Xen; tests use values
    /// near `u32::MAX`).
    pub fn new(mut plat: P, backend: DomId, first_frame: u32, start: u32) -> Result<Self, NetError> {
        if first_frame.checked_add(NETFRONT_FRAMES).is_none_or(|end| end > plat.nr_frames()) {
            return Err(NetError::Config(format!("netfront needs {NETFRONT_FRAMES} frames from frame {first_frame}")));
        }
        let mut next = first_frame;
        let mut take = |plat: &mut P| -> Result<Buf, XenError> {
            let f = next;
            next += 1;
            // Grant first: on real Xen a granted frame is allocated by the grant itself.
            let gref = plat.grant_access(backend, f, false)?;
            let page = plat.frame(f)?;
            Ok(Buf { page, gref })
        };
        let tx_ring = take(&mut plat)?;
        let rx_ring = take(&mut plat)?;
        let ring_err = |err| NetError::Config(format!("ring page: {err}"));
        let tx = FrontRing::<NetTx>::init(tx_ring.page.clone(), start).map_err(ring_err)?;
        let rx = FrontRing::<NetRx>::init(rx_ring.page.clone(), start).map_err(ring_err)?;
        let tx_bufs = (0..NetTx::RING_SIZE).map(|_| take(&mut plat)).collect::<Result<Vec<_>, _>>()?;
        let rx_bufs = (0..NetRx::RING_SIZE).map(|_| take(&mut plat)).collect::<Result<Vec<_>, _>>()?;
        let port = plat.alloc_unbound(backend)?;
        let info =
            RingInfo { tx_ring_ref: tx_ring.gref, rx_ring_ref: rx_ring.gref, evtchn: EventChannelSpec::Single(port) };
        let mut nf = Netfront {
            plat,
            backend,
            port,
            tx,
            rx,
            tx_free: (0..NetTx::RING_SIZE as u16).rev().collect(),
            tx_busy: vec![false; tx_bufs.len()],
            tx_bufs,
            rx_posted: vec![false; rx_bufs.len()],
            rx_bufs,
            info,
            stats: NetStats::default(),
            fault: None,
            last_progress: Instant::now(),
            rx_ready: Vec::new(),
        };
        for id in 0..NetRx::RING_SIZE as u16 {
            nf.post_rx(id)?;
        }
        // Published now; the back end finds them when it connects. No one to notify yet.
        nf.rx.push_requests_and_check_notify();
        Ok(nf)
    }

    /// The ring grants and event channel to publish in xenstore.
    pub fn ring_info(&self) -> RingInfo {
        self.info
    }

    /// The back end's domain.
    pub fn backend(&self) -> DomId {
        self.backend
    }

    /// Counters.
    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// Why the back end was cut off, if it was.
    pub fn fault(&self) -> Option<&PeerFault> {
        self.fault.as_ref()
    }

    /// The platform, e.g. to run the xenstore handshake.
    pub fn platform_mut(&mut self) -> &mut P {
        &mut self.plat
    }

    /// The descriptor that becomes readable when the back end notifies us.
    pub fn event_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.plat.pollable_fd(self.port)
    }

    /// The event channel port (poll its descriptor with [`Platform`]'s `pollable_fd`).
    pub fn port(&self) -> Port {
        self.port
    }

    /// Frames [`send`](Self::send) can take right now (free TX slots).
    pub fn tx_space(&self) -> usize {
        self.tx_free.len().min(self.tx.free_requests() as usize)
    }

    /// TX frames sent and not yet completed.
    pub fn tx_in_flight(&self) -> u32 {
        self.tx.in_flight()
    }

    /// Tears the front end down: closes the event channel and revokes every grant the back
    /// end no longer maps. Returns the platform and the grants still in use (the back end must
    /// unmap them first; they stay granted).
    pub fn disconnect(mut self) -> (P, Vec<GrantRef>) {
        let _ = self.plat.close(self.port);
        let mut in_use = Vec::new();
        let grefs = [self.info.tx_ring_ref, self.info.rx_ring_ref]
            .into_iter()
            .chain(self.tx_bufs.iter().map(|b| b.gref))
            .chain(self.rx_bufs.iter().map(|b| b.gref));
        for g in grefs.collect::<Vec<_>>() {
            if self.plat.end_access(g).is_err() {
                in_use.push(g);
            }
        }
        (self.plat, in_use)
    }

    /// Cuts the back end off: counts the fault, stops all further work.
    pub fn cut_off(&mut self, fault: PeerFault) {
        if self.fault.is_none() {
            self.stats.peer_faults += 1;
            self.fault = Some(fault);
        }
    }

    fn post_rx(&mut self, id: u16) -> Result<(), NetError> {
        let b = &self.rx_bufs[id as usize];
        let req = NetifRxRequest { id, pad: 0, gref: b.gref };
        self.rx.push_request(&req).map_err(|err| NetError::Faulted(PeerFault::Ring { ring: "rx", err }))?;
        self.rx_posted[id as usize] = true;
        Ok(())
    }

    fn kick(&mut self) {
        match self.plat.notify(self.port) {
            Ok(()) => self.stats.notifications += 1,
            Err(e) => self.cut_off(PeerFault::Gone(e.to_string())),
        }
    }

    /// Queues frames for the back end, as many as there are free slots; returns how many
    /// were taken from `frames` (frames that cannot be sent, empty or larger than a page,
    /// are taken and counted as dropped). Frames not taken stay in the iterator.
    pub fn send<'a>(&mut self, frames: impl IntoIterator<Item = &'a [u8]>) -> usize {
        if self.fault.is_some() {
            return 0;
        }
        if self.tx_free.is_empty() {
            self.poll_tx_completions();
        }
        let mut frames = frames.into_iter();
        let mut taken = 0;
        while !self.tx_free.is_empty() && self.tx.free_requests() > 0 {
            let Some(frame) = frames.next() else { break };
            taken += 1;
            if frame.is_empty() || frame.len() > MAX_FRAME {
                self.stats.tx_dropped += 1;
                continue;
            }
            let Some(id) = self.tx_free.pop() else { break };
            let b = &self.tx_bufs[id as usize];
            let offset = buffer_offset(id as usize, frame.len());
            if b.page.write(offset, frame).is_err() {
                self.stats.tx_dropped += 1;
                self.tx_free.push(id);
                continue;
            }
            let req = NetifTxRequest { gref: b.gref, offset: offset as u16, flags: 0, id, size: frame.len() as u16 };
            if self.tx.push_request(&req).is_err() {
                self.tx_free.push(id);
                break;
            }
            if self.tx.in_flight() == 1 {
                self.last_progress = Instant::now();
            }
            self.tx_busy[id as usize] = true;
            self.stats.tx_frames += 1;
            self.stats.tx_bytes += frame.len() as u64;
        }
        if taken > 0 && self.tx.push_requests_and_check_notify() {
            self.kick();
        }
        taken
    }

    /// Reaps TX completions, freeing their slots; returns how many.
    pub fn poll_tx_completions(&mut self) -> usize {
        if self.fault.is_some() {
            return 0;
        }
        let mut done = 0;
        let mut fault = None;
        let (busy, free, stats) = (&mut self.tx_busy, &mut self.tx_free, &mut self.stats);
        let r = self.tx.consume_responses(u32::MAX, |rsp| {
            if fault.is_some() {
                return;
            }
            let Some(slot) = busy.get_mut(rsp.id as usize) else {
                fault = Some(PeerFault::UnknownId { ring: "tx", id: rsp.id });
                return;
            };
            if !*slot {
                fault = Some(PeerFault::DuplicateId { ring: "tx", id: rsp.id });
                return;
            }
            *slot = false;
            free.push(rsp.id);
            if rsp.status != NETIF_RSP_OKAY {
                stats.tx_errors += 1;
            }
            done += 1;
        });
        if let Err(err) = r {
            fault.get_or_insert(PeerFault::Ring { ring: "tx", err });
        }
        if let Some(f) = fault {
            self.cut_off(f);
        }
        if done > 0 {
            self.last_progress = Instant::now();
        }
        done
    }

    /// Hands every frame the back end delivered to `out`, then posts the buffers again;
    /// returns how many frames were delivered.
    pub fn receive(&mut self, out: &mut impl FnMut(&[u8])) -> usize {
        self.receive_up_to(usize::MAX, out)
    }

    /// As [`receive`](Self::receive), but takes at most `max` responses (NAPI's budget: a
    /// router that takes no more than it can forward before it looks again leaves the rest
    /// in the ring, and the back end drops what does not fit before copying it, rather than
    /// the router after receiving it).
    pub fn receive_up_to(&mut self, max: usize, out: &mut impl FnMut(&[u8])) -> usize {
        self.receive_packets_up_to(max, &mut |p: Packet| out(p.data()))
    }

    /// As [`receive_up_to`](Self::receive_up_to), but hands each frame over as a packet
    /// (from this thread's pool, with [`DEFAULT_HEADROOM`]) into which it was copied
    /// straight from the shared page: one copy per frame.
    pub fn receive_packets_up_to(&mut self, max: usize, out: &mut impl FnMut(Packet)) -> usize {
        if self.fault.is_some() {
            return 0;
        }
        // First take and check the responses, starting to load each frame's lines (the back
        // end's CPU wrote them: the misses overlap); then copy the frames out, each into its
        // packet, and post their buffers again.
        let mut ready = std::mem::take(&mut self.rx_ready);
        ready.clear();
        let mut fault = None;
        while ready.len() < max {
            let rsp = match self.rx.next_response() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(err) => {
                    fault = Some(PeerFault::Ring { ring: "rx", err });
                    break;
                }
            };
            // `rsp` is our own copy of the response: its fields are read from the shared
            // ring once, checked here, and used as checked.
            let id = rsp.id;
            match self.rx_posted.get(id as usize) {
                None => {
                    fault = Some(PeerFault::UnknownId { ring: "rx", id });
                    break;
                }
                Some(false) => {
                    fault = Some(PeerFault::DuplicateId { ring: "rx", id });
                    break;
                }
                Some(true) => {}
            }
            self.rx_posted[id as usize] = false;
            if rsp.flags & (NETRXF_MORE_DATA | NETRXF_EXTRA_INFO | NETRXF_GSO_PREFIX) != 0 {
                fault = Some(PeerFault::BadFlags { ring: "rx", flags: rsp.flags });
                break;
            }
            if rsp.status < 0 {
                self.stats.rx_errors += 1;
                ready.push(RxReady { id, offset: 0, len: 0 });
                continue;
            }
            let (len, off) = (rsp.status as usize, rsp.offset as usize);
            if len == 0 || off + len > PAGE_SIZE {
                fault = Some(PeerFault::BadSize { ring: "rx", size: len as u32, offset: off as u32 });
                break;
            }
            self.rx_bufs[id as usize].page.prefetch(off, len, false);
            ready.push(RxReady { id, offset: off as u16, len: len as u16 });
        }
        let mut delivered = 0;
        for r in ready.iter() {
            if r.len > 0 {
                let (off, len) = (usize::from(r.offset), usize::from(r.len));
                // Copy out once, straight into the packet; the page may still be written by
                // the peer, and nothing is read from it again.
                let mut p = Packet::make_unzeroed(DEFAULT_HEADROOM, len, 0);
                if self.rx_bufs[r.id as usize].page.read(off, p.data_mut()).is_err() {
                    fault = Some(PeerFault::BadSize { ring: "rx", size: len as u32, offset: off as u32 });
                    break;
                }
                out(p);
                self.stats.rx_frames += 1;
                self.stats.rx_bytes += len as u64;
                delivered += 1;
            }
            if let Err(NetError::Faulted(f)) = self.post_rx(r.id) {
                fault = Some(f);
                break;
            }
        }
        self.rx_ready = ready;
        if let Some(f) = fault {
            return self.fault_after(f, delivered);
        }
        if self.rx.push_requests_and_check_notify() {
            self.kick();
        }
        delivered
    }

    fn fault_after(&mut self, f: PeerFault, delivered: usize) -> usize {
        self.cut_off(f);
        delivered
    }

    /// Whether work is pending, after re-arming both rings' event indices (call before
    /// sleeping; `true` means do not sleep).
    pub fn final_check(&mut self) -> bool {
        if self.fault.is_some() {
            return false;
        }
        let rx = self.rx.final_check_for_responses();
        let tx = self.tx.final_check_for_responses();
        match (rx, tx) {
            (Ok(a), Ok(b)) => a || b,
            (Err(err), _) => {
                self.cut_off(PeerFault::Ring { ring: "rx", err });
                false
            }
            (_, Err(err)) => {
                self.cut_off(PeerFault::Ring { ring: "tx", err });
                false
            }
        }
    }

    /// Consumes a pending notification without sleeping (after the descriptor of
    /// [`event_fd`](Self::event_fd) was found readable), so that the descriptor is quiet
    /// again until the next one.
    pub fn ack_event(&mut self) {
        if self.fault.is_none()
            && let Err(e) = self.plat.wait(self.port, Some(Duration::ZERO))
        {
            self.cut_off(PeerFault::Gone(e.to_string()));
        }
    }

    /// Sleeps until the back end notifies us or `timeout` passes; returns whether there may
    /// be work. Before sleeping, re-arms the rings ([`final_check`](Self::final_check)).
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<bool, NetError> {
        if let Some(f) = &self.fault {
            return Err(NetError::Faulted(f.clone()));
        }
        if self.final_check() {
            return Ok(true);
        }
        let woke = match self.plat.wait(self.port, timeout) {
            Ok(w) => w,
            Err(e) => {
                self.cut_off(PeerFault::Gone(e.to_string()));
                return Err(e.into());
            }
        };
        if !woke {
            // Quiet for a whole timeout: is the peer still there?
            match self.plat.peer_connected(self.port) {
                Ok(true) => {}
                Ok(false) => self.cut_off(PeerFault::Gone("event channel closed".into())),
                Err(e) => self.cut_off(PeerFault::Gone(e.to_string())),
            }
            if let Some(f) = &self.fault {
                return Err(NetError::Faulted(f.clone()));
            }
        }
        Ok(woke)
    }

    /// Cuts the back end off if TX requests have waited longer than `limit` for an answer.
    /// Returns whether it did.
    pub fn check_stalled(&mut self, limit: Duration) -> bool {
        if self.fault.is_none() && self.tx.in_flight() > 0 && self.last_progress.elapsed() > limit {
            self.cut_off(PeerFault::Stalled(limit));
            return true;
        }
        false
    }
}
