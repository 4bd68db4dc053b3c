//! The network back end (the driver domain's side of a vif), as in Linux's `xen-netback`.
//!
//! The back end maps the front end's two ring pages and never maps its buffers: it moves
//! data with grant copies, done by the hypervisor, which checks every grant. TX (front to
//! back): requests are taken in batches, their data copied into the back end's buffer,
//! delivered, and answered. RX (back to front): each frame takes one posted RX buffer and
//! is copied into it, at an offset that spreads frames over the cache
//! ([`buffer_offset`]). Where the platform copies between our buffers and granted pages
//! ([`GrantTable::copies_buffers`](crate::platform::GrantTable::copies_buffers), as Linux's
//! gntdev does with its `virt` operands), each frame is copied once; else through staging
//! frames of ours, twice. Anything the front end does against the protocol (ring
//! indices, sizes beyond the page, unsupported flags, grants it does not own) is counted
//! and cuts it off.

use crate::abi::*;
use crate::net::*;
use crate::platform::{BufCopy, CopyOp, CopyPtr, LocalBuf, Platform, Port, XenError};
use crate::ring::{BackRing, NetRx, NetTx};
use crate::shm::SharedPage;
use click_core::Packet;
use click_core::packet::DEFAULT_HEADROOM;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests handled per grant-copy batch (and staging frames the back end needs).
pub const NETBACK_BATCH: u32 = 64;

/// The back end of a vif, over any [`Platform`].
pub struct Netback<P: Platform> {
    plat: P,
    front: DomId,
    port: Port,
    info: RingInfo,
    tx: BackRing<NetTx>,
    rx: BackRing<NetRx>,
    staging: Vec<(u32, Arc<SharedPage>)>,
    ops: Vec<CopyOp>,
    /// The TX requests of the batch being taken.
    tx_reqs: Vec<NetifTxRequest>,
    /// The RX requests of the batch being answered: id, grant, offset of the frame.
    rx_reqs: Vec<(u16, GrantRef, u16)>,
    /// The status of each copy of the batch.
    status: Vec<i16>,
    /// The platform copies to and from our buffers (no staging).
    direct: bool,
    stats: NetStats,
    fault: Option<PeerFault>,
    starved_since: Option<Instant>,
    /// The packets the frames of the batch being taken are copied into (kept to reuse the
    /// vector).
    packets: Vec<Packet>,
}

impl<P: Platform> std::fmt::Debug for Netback<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netback")
            .field("front", &self.front)
            .field("stats", &self.stats)
            .field("fault", &self.fault)
            .finish()
    }
}

/// The fault a refused grant copy means: the front end's domain is gone, or it passed a
/// grant it may not.
fn grant_fault(gref: GrantRef, status: i16) -> PeerFault {
    if status == GNTST_BAD_DOMAIN {
        PeerFault::Gone(format!("the front end's domain no longer exists (grant {gref})"))
    } else {
        PeerFault::BadGrant { gref, status }
    }
}

impl<P: Platform> Netback<P> {
    /// Connects to the front end of domain `front`: maps its ring grants, binds its event
    /// channel. Frames `staging_first..staging_first + NETBACK_BATCH` of our memory are used
    /// as copy buffers.
    pub fn connect(mut plat: P, front: DomId, info: RingInfo, staging_first: u32) -> Result<Self, NetError> {
        if staging_first.checked_add(NETBACK_BATCH).is_none_or(|end| end > plat.nr_frames()) {
            return Err(NetError::Config(format!("netback needs {NETBACK_BATCH} frames from frame {staging_first}")));
        }
        let remote_port = match info.evtchn {
            EventChannelSpec::Single(p) => p,
            // Split channels are refused by the handshake unless offered; when a caller
            // connects one anyway, only the TX channel wakes us and RX refills are found
            // by the next TX event or timeout.
            EventChannelSpec::Split { tx, .. } => tx,
        };
        let tx_page = plat.map_grant(front, info.tx_ring_ref, false)?;
        let rx_page = plat.map_grant(front, info.rx_ring_ref, false)?;
        let port = plat.bind_interdomain(front, remote_port)?;
        let staging = (staging_first..staging_first + NETBACK_BATCH)
            .map(|f| plat.frame(f).map(|p| (f, p)))
            .collect::<Result<_, _>>()?;
        let ring_err = |err| NetError::Config(format!("ring page: {err}"));
        let tx = BackRing::attach(tx_page).map_err(ring_err)?;
        let rx = BackRing::attach(rx_page).map_err(ring_err)?;
        Ok(Netback {
            direct: plat.copies_buffers(),
            plat,
            front,
            port,
            info,
            tx,
            rx,
            staging,
            ops: Vec::with_capacity(NETBACK_BATCH as usize),
            tx_reqs: Vec::with_capacity(NETBACK_BATCH as usize),
            rx_reqs: Vec::with_capacity(NETBACK_BATCH as usize),
            status: Vec::with_capacity(NETBACK_BATCH as usize),
            stats: NetStats::default(),
            fault: None,
            starved_since: None,
            packets: Vec::with_capacity(NETBACK_BATCH as usize),
        })
    }

    /// Copies through the staging frames even where the platform could copy to and from
    /// our buffers directly (as a platform in another process must): for tests and
    /// comparisons. Returns whether direct copies were in use.
    pub fn set_staging(&mut self, staging: bool) -> bool {
        let was = self.direct;
        self.direct = !staging && self.plat.copies_buffers();
        was
    }

    /// Counters.
    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// Why the front end was cut off, if it was.
    pub fn fault(&self) -> Option<&PeerFault> {
        self.fault.as_ref()
    }

    /// The platform.
    pub fn platform_mut(&mut self) -> &mut P {
        &mut self.plat
    }

    /// The front end's domain.
    pub fn front(&self) -> DomId {
        self.front
    }

    /// The shared pages of the TX and RX rings (see [`RingProbe`](crate::port::RingProbe)).
    pub fn ring_pages(&self) -> (&Arc<SharedPage>, &Arc<SharedPage>) {
        (self.tx.page(), self.rx.page())
    }

    /// Our event channel port.
    pub fn port(&self) -> Port {
        self.port
    }

    /// Cuts the front end off: counts the fault, stops all further work and unmaps its rings.
    pub fn cut_off(&mut self, fault: PeerFault) {
        if self.fault.is_none() {
            self.stats.peer_faults += 1;
            self.fault = Some(fault);
            let _ = self.plat.close(self.port);
        }
    }

    /// Releases the ring mappings (call when done with the front end).
    pub fn disconnect(mut self) -> P {
        let _ = self.plat.unmap_grant(self.front, self.info.tx_ring_ref);
        let _ = self.plat.unmap_grant(self.front, self.info.rx_ring_ref);
        if self.fault.is_none() {
            let _ = self.plat.close(self.port);
        }
        self.plat
    }

    fn kick(&mut self) {
        match self.plat.notify(self.port) {
            Ok(()) => self.stats.notifications += 1,
            Err(e) => self.cut_off(PeerFault::Gone(e.to_string())),
        }
    }

    /// Takes the frames the front end transmitted, hands each to `out`, and answers the
    /// requests; returns how many frames were delivered.
    pub fn receive(&mut self, out: &mut impl FnMut(&[u8])) -> usize {
        self.receive_up_to(usize::MAX, out)
    }

    /// As [`receive`](Self::receive), but takes at most `max` requests (a per-round budget).
    pub fn receive_up_to(&mut self, max: usize, out: &mut impl FnMut(&[u8])) -> usize {
        self.receive_packets_up_to(max, &mut |p: Packet| out(p.data()))
    }

    /// As [`receive_up_to`](Self::receive_up_to), but hands each frame over as a packet (from
    /// this thread's pool, with [`DEFAULT_HEADROOM`]) that the grant copy filled: one copy
    /// per frame.
    pub fn receive_packets_up_to(&mut self, max: usize, out: &mut impl FnMut(Packet)) -> usize {
        let mut delivered = 0;
        let mut taken = 0;
        while self.fault.is_none() && taken < max {
            let limit = (max - taken).min(NETBACK_BATCH as usize);
            let (n, t) = self.receive_batch(limit, out);
            delivered += n;
            taken += t;
            if t == 0 {
                break;
            }
        }
        delivered
    }

    /// Free RX buffers the front end has posted (frames [`send`](Self::send) can take now).
    pub fn rx_space(&mut self) -> usize {
        if self.fault.is_some() {
            return 0;
        }
        match self.rx.unconsumed_requests() {
            Ok(n) => n as usize,
            Err(err) => {
                self.cut_off(PeerFault::Ring { ring: "rx", err });
                0
            }
        }
    }

    /// Takes up to `limit` requests; returns (frames delivered, requests taken).
    fn receive_batch(&mut self, limit: usize, out: &mut impl FnMut(Packet)) -> (usize, usize) {
        self.tx_reqs.clear();
        let mut fault = None;
        while self.tx_reqs.len() < limit.min(NETBACK_BATCH as usize) {
            let req = match self.tx.next_request() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(err) => {
                    fault = Some(PeerFault::Ring { ring: "tx", err });
                    break;
                }
            };
            let (size, off) = (req.size as usize, req.offset as usize);
            if req.flags & (NETTXF_MORE_DATA | NETTXF_EXTRA_INFO) != 0 {
                fault = Some(PeerFault::BadFlags { ring: "tx", flags: req.flags });
            } else if size == 0 || off + size > PAGE_SIZE {
                fault = Some(PeerFault::BadSize { ring: "tx", size: size as u32, offset: off as u32 });
            }
            if fault.is_some() {
                let _ = self.tx.push_response(&NetifTxResponse { id: req.id, status: NETIF_RSP_ERROR });
                break;
            }
            self.tx_reqs.push(req);
        }
        if let Err(e) = self.copy_from_front() {
            fault.get_or_insert(PeerFault::Gone(e.to_string()));
        }
        let mut delivered = 0;
        let mut packets = std::mem::take(&mut self.packets);
        for (i, p) in packets.drain(..).enumerate() {
            let req = self.tx_reqs[i];
            let size = usize::from(req.size);
            let status = if self.status[i] == GNTST_OKAY {
                out(p);
                self.stats.rx_frames += 1;
                self.stats.rx_bytes += size as u64;
                delivered += 1;
                NETIF_RSP_OKAY
            } else {
                fault.get_or_insert(grant_fault(req.gref, self.status[i]));
                self.stats.rx_errors += 1;
                NETIF_RSP_ERROR
            };
            let _ = self.tx.push_response(&NetifTxResponse { id: req.id, status });
        }
        self.packets = packets;
        if self.tx.push_responses_and_check_notify() {
            self.kick();
        }
        let taken = self.tx_reqs.len();
        if let Some(f) = fault {
            self.cut_off(f);
        }
        (delivered, taken)
    }

    /// Copies the frames of `self.tx_reqs` (checked to lie within their pages) into
    /// `self.packets`, a packet of the request's size each, and sets `self.status` for each.
    /// With a platform that copies to buffers, straight from the front end's pages into the
    /// packets; else through our staging frames. An error means the hypervisor could not be
    /// reached (every status is then an error).
    fn copy_from_front(&mut self) -> Result<(), XenError> {
        let (reqs, status, front, packets) = (&self.tx_reqs, &mut self.status, self.front, &mut self.packets);
        status.clear();
        packets.clear();
        if reqs.is_empty() {
            return Ok(());
        }
        // Sizes as checked when the requests were taken (our copies, never read again from
        // the ring).
        packets.extend(reqs.iter().map(|req| Packet::make_unzeroed(DEFAULT_HEADROOM, usize::from(req.size), 0)));
        let r = if self.direct {
            let mut ops = Vec::with_capacity(reqs.len());
            for (req, p) in reqs.iter().zip(packets.iter_mut()) {
                let buf = LocalBuf::To(p.data_mut());
                ops.push(BufCopy { domid: front, gref: req.gref, offset: req.offset, buf, status: 0 });
            }
            let r = self.plat.grant_copy_buf(&mut ops);
            status.extend(ops.iter().map(|op| op.status));
            r
        } else {
            self.ops.clear();
            for (i, req) in reqs.iter().enumerate() {
                self.ops.push(CopyOp {
                    source: CopyPtr::Grant { domid: front, gref: req.gref, offset: req.offset },
                    dest: CopyPtr::Local { frame: self.staging[i].0, offset: buffer_offset(i, req.size.into()) as u16 },
                    len: req.size,
                    status: 0,
                });
            }
            let r = self.plat.grant_copy(&mut self.ops);
            for (i, (op, p)) in self.ops.iter().zip(packets.iter_mut()).enumerate() {
                let size = usize::from(op.len);
                let read = self.staging[i].1.read(buffer_offset(i, size), p.data_mut());
                // Our own staging frame at an offset that fits: cannot fail.
                status.push(if read.is_ok() { op.status } else { GNTST_GENERAL_ERROR });
            }
            r
        };
        if r.is_err() {
            status.fill(GNTST_GENERAL_ERROR);
        }
        r
    }

    /// Copies `frames` into the front end's buffers that `self.rx_reqs` names (at their
    /// offsets) and sets `self.status` for each; as [`copy_from_front`](Self::copy_from_front).
    fn copy_to_front(&mut self, frames: &[&[u8]]) -> Result<(), XenError> {
        let (reqs, status, front) = (&self.rx_reqs, &mut self.status, self.front);
        status.clear();
        if reqs.is_empty() {
            return Ok(());
        }
        let r = if self.direct {
            let mut ops: Vec<BufCopy<'_>> = reqs
                .iter()
                .zip(frames)
                .map(|(&(_, gref, offset), &data)| BufCopy {
                    domid: front,
                    gref,
                    offset,
                    buf: LocalBuf::From(data),
                    status: 0,
                })
                .collect();
            let r = self.plat.grant_copy_buf(&mut ops);
            status.extend(ops.iter().map(|op| op.status));
            r
        } else {
            self.ops.clear();
            let mut staged = true;
            for (i, (&(_, gref, offset), &data)) in reqs.iter().zip(frames).enumerate() {
                // Our own staging frame at an offset that fits (`buffer_offset`): cannot fail.
                staged &= self.staging[i].1.write(offset.into(), data).is_ok();
                self.ops.push(CopyOp {
                    source: CopyPtr::Local { frame: self.staging[i].0, offset },
                    dest: CopyPtr::Grant { domid: front, gref, offset },
                    len: data.len() as u16,
                    status: 0,
                });
            }
            let r = self.plat.grant_copy(&mut self.ops);
            status.extend(self.ops.iter().map(|op| if staged { op.status } else { GNTST_BAD_COPY_ARG }));
            r
        };
        if r.is_err() {
            status.fill(GNTST_GENERAL_ERROR);
        }
        r
    }

    /// Copies frames into the front end's posted RX buffers, as many as it has posted;
    /// returns how many were taken from `frames` (frames larger than a page or empty are
    /// taken and dropped). Frames not taken stay in the iterator.
    pub fn send<'a>(&mut self, frames: impl IntoIterator<Item = &'a [u8]>) -> usize {
        let mut frames = frames.into_iter().peekable();
        let mut taken = 0;
        let mut batch: Vec<&'a [u8]> = Vec::with_capacity(NETBACK_BATCH as usize);
        loop {
            if self.fault.is_some() {
                return taken;
            }
            self.rx_reqs.clear();
            batch.clear();
            let mut fault = None;
            while (batch.len() as u32) < NETBACK_BATCH {
                match self.rx.unconsumed_requests() {
                    Ok(0) => {
                        if frames.peek().is_some() {
                            self.starved_since.get_or_insert_with(Instant::now);
                        }
                        break;
                    }
                    Ok(_) => self.starved_since = None,
                    Err(err) => {
                        fault = Some(PeerFault::Ring { ring: "rx", err });
                        break;
                    }
                }
                let Some(frame) = frames.next() else { break };
                taken += 1;
                if frame.is_empty() || frame.len() > MAX_FRAME {
                    self.stats.tx_dropped += 1;
                    continue;
                }
                let req = match self.rx.next_request() {
                    Ok(Some(r)) => r,
                    _ => {
                        self.stats.tx_dropped += 1;
                        break;
                    }
                };
                // Each buffer at its own colour (see `buffer_offset`), by its id: stable
                // for each page.
                let offset = buffer_offset(usize::from(req.id), frame.len()) as u16;
                self.rx_reqs.push((req.id, req.gref, offset));
                batch.push(frame);
            }
            if let Err(e) = self.copy_to_front(&batch) {
                fault.get_or_insert(PeerFault::Gone(e.to_string()));
            }
            for (i, frame) in batch.iter().enumerate() {
                let (id, gref, offset) = self.rx_reqs[i];
                let status = if self.status[i] == GNTST_OKAY {
                    self.stats.tx_frames += 1;
                    self.stats.tx_bytes += frame.len() as u64;
                    frame.len() as i16
                } else {
                    fault.get_or_insert(grant_fault(gref, self.status[i]));
                    self.stats.tx_errors += 1;
                    NETIF_RSP_ERROR
                };
                let _ = self.rx.push_response(&NetifRxResponse { id, offset, flags: 0, status });
            }
            if self.rx.push_responses_and_check_notify() {
                self.kick();
            }
            if let Some(f) = fault {
                self.cut_off(f);
                return taken;
            }
            if batch.len() < NETBACK_BATCH as usize {
                return taken;
            }
        }
    }

    /// Whether work is pending, after re-arming both rings' event indices.
    pub fn final_check(&mut self) -> bool {
        if self.fault.is_some() {
            return false;
        }
        let tx = self.tx.final_check_for_requests();
        let rx = self.rx.final_check_for_requests();
        match (tx, rx) {
            (Ok(a), Ok(b)) => a || b,
            (Err(err), _) => {
                self.cut_off(PeerFault::Ring { ring: "tx", err });
                false
            }
            (_, Err(err)) => {
                self.cut_off(PeerFault::Ring { ring: "rx", err });
                false
            }
        }
    }

    /// Sleeps until the front end notifies us or `timeout` passes; returns whether there
    /// may be work.
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

    /// Cuts the front end off if it has left us without RX buffers, while we had frames for
    /// it, for longer than `limit`. Returns whether it did.
    pub fn check_stalled(&mut self, limit: Duration) -> bool {
        if self.fault.is_none() && self.starved_since.is_some_and(|t| t.elapsed() > limit) {
            self.cut_off(PeerFault::Stalled(limit));
            return true;
        }
        false
    }
}
