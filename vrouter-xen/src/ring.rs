//! The front and back ends of a Xen shared ring (`xen/io/ring.h`), over one shared page.
//!
//! The protocol is Xen's: indices run free as `u32` and are masked by the ring size; each end
//! keeps a private producer index and publishes it in batches; a consumer that wants to sleep
//! first re-arms its event index ([`FrontRing::final_check_for_responses`],
//! [`BackRing::final_check_for_requests`]) and the producer notifies only when that event
//! index lies in `(old, new]` of the indices it just published.
//!
//! The page is shared with a peer that may be malicious. Every index read from the page is
//! checked against what the protocol allows before it is used; a violation is counted and
//! returned as a [`RingError`], never a panic or an access outside the page. Entries are copied
//! out of the page once and decoded from the copy.

use crate::abi::*;
use crate::shm::{PageError, SharedPage};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{Ordering, fence};

/// A ring entry's encoding: the bytes of its C structure.
pub trait RingEntry: Copy {
    /// Bytes of the C structure.
    const SIZE: usize;
    /// Decodes from exactly [`SIZE`](Self::SIZE) bytes.
    fn decode(b: &[u8]) -> Self;
    /// Encodes into exactly [`SIZE`](Self::SIZE) bytes.
    fn encode(&self, b: &mut [u8]);
}

/// A ring protocol: its request and response types and the size of the entry union.
pub trait RingProtocol {
    /// What the front end sends.
    type Req: RingEntry;
    /// What the back end answers.
    type Rsp: RingEntry;
    /// `sizeof(union x_sring_entry)`.
    const ENTRY_SIZE: usize;
    /// Entries in a ring on one 4 KiB page (`__CONST_RING_SIZE`).
    const RING_SIZE: u32 = const_ring_size(PAGE_SIZE, Self::ENTRY_SIZE) as u32;
}

/// The netif transmit ring (`netif_tx`).
#[derive(Debug)]
pub struct NetTx;
/// The netif receive ring (`netif_rx`).
#[derive(Debug)]
pub struct NetRx;

impl RingProtocol for NetTx {
    type Req = NetifTxRequest;
    type Rsp = NetifTxResponse;
    const ENTRY_SIZE: usize = size_of::<NetifTxSringEntry>();
}
impl RingProtocol for NetRx {
    type Req = NetifRxRequest;
    type Rsp = NetifRxResponse;
    const ENTRY_SIZE: usize = size_of::<NetifRxSringEntry>();
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_ne_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

impl RingEntry for NetifTxRequest {
    const SIZE: usize = 12;
    fn decode(b: &[u8]) -> Self {
        NetifTxRequest {
            gref: u32_at(b, 0),
            offset: u16_at(b, 4),
            flags: u16_at(b, 6),
            id: u16_at(b, 8),
            size: u16_at(b, 10),
        }
    }
    fn encode(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.gref.to_ne_bytes());
        b[4..6].copy_from_slice(&self.offset.to_ne_bytes());
        b[6..8].copy_from_slice(&self.flags.to_ne_bytes());
        b[8..10].copy_from_slice(&self.id.to_ne_bytes());
        b[10..12].copy_from_slice(&self.size.to_ne_bytes());
    }
}
impl RingEntry for NetifTxResponse {
    const SIZE: usize = 4;
    fn decode(b: &[u8]) -> Self {
        NetifTxResponse { id: u16_at(b, 0), status: u16_at(b, 2) as i16 }
    }
    fn encode(&self, b: &mut [u8]) {
        b[0..2].copy_from_slice(&self.id.to_ne_bytes());
        b[2..4].copy_from_slice(&self.status.to_ne_bytes());
    }
}
impl RingEntry for NetifRxRequest {
    const SIZE: usize = 8;
    fn decode(b: &[u8]) -> Self {
        NetifRxRequest { id: u16_at(b, 0), pad: u16_at(b, 2), gref: u32_at(b, 4) }
    }
    fn encode(&self, b: &mut [u8]) {
        b[0..2].copy_from_slice(&self.id.to_ne_bytes());
        b[2..4].copy_from_slice(&self.pad.to_ne_bytes());
        b[4..8].copy_from_slice(&self.gref.to_ne_bytes());
    }
}
impl RingEntry for NetifRxResponse {
    const SIZE: usize = 8;
    fn decode(b: &[u8]) -> Self {
        NetifRxResponse { id: u16_at(b, 0), offset: u16_at(b, 2), flags: u16_at(b, 4), status: u16_at(b, 6) as i16 }
    }
    fn encode(&self, b: &mut [u8]) {
        b[0..2].copy_from_slice(&self.id.to_ne_bytes());
        b[2..4].copy_from_slice(&self.offset.to_ne_bytes());
        b[4..6].copy_from_slice(&self.flags.to_ne_bytes());
        b[6..8].copy_from_slice(&self.status.to_ne_bytes());
    }
}

/// What went wrong on a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    /// The peer published a producer index that the protocol does not allow: more entries than
    /// the ring holds past what we have answered or consumed, or an index that went backwards.
    #[error("peer's producer index {prod} is out of range (our index {ours}, ring of {size})")]
    ProducerOverrun {
        /// The peer's producer index.
        prod: u32,
        /// Our consumer (back end) or producer (front end) index it was checked against.
        ours: u32,
        /// The ring size.
        size: u32,
    },
    /// No free slot for another request.
    #[error("the ring is full")]
    Full,
    /// A response was pushed with no consumed request left to answer (a local bug).
    #[error("no consumed request is left to answer")]
    NoRequestToAnswer,
    /// A page access failed: outside the page (cannot happen with a well-formed protocol
    /// description) or a ring on a read-only mapping.
    #[error(transparent)]
    Page(#[from] PageError),
}

/// `__name##_sring` initialisation: both producers at `start`, both event indices at
/// `start + 1` (`SHARED_RING_INIT` uses `start = 0`). Tests start near `u32::MAX` to wrap.
pub fn shared_ring_init(page: &SharedPage, start: u32) {
    page.atomic_u32(SRING_REQ_PROD).store(start, Ordering::Relaxed);
    page.atomic_u32(SRING_RSP_PROD).store(start, Ordering::Relaxed);
    page.atomic_u32(SRING_REQ_EVENT).store(start.wrapping_add(1), Ordering::Relaxed);
    page.atomic_u32(SRING_RSP_EVENT).store(start.wrapping_add(1), Ordering::Relaxed);
    let _ = page.write(16, &[0u8; SRING_HEADER_SIZE - 16]);
    fence(Ordering::Release);
}

/// Xen's notify rule: after publishing producer index `new` (previously `old`), notify the
/// peer only if its event index lies in `(old, new]`, modulo 2^32.
pub fn need_notify(old: u32, new: u32, event: u32) -> bool {
    new.wrapping_sub(event) < new.wrapping_sub(old)
}

const MAX_ENTRY: usize = 64;

fn slot_offset<P: RingProtocol>(idx: u32) -> usize {
    SRING_HEADER_SIZE + (idx & (P::RING_SIZE - 1)) as usize * P::ENTRY_SIZE
}

fn read_entry<P: RingProtocol, T: RingEntry>(page: &SharedPage, idx: u32) -> Result<T, RingError> {
    let mut buf = [0u8; MAX_ENTRY];
    let b = &mut buf[..T::SIZE];
    page.read(slot_offset::<P>(idx), b)?;
    Ok(T::decode(b))
}

fn write_entry<P: RingProtocol, T: RingEntry>(page: &SharedPage, idx: u32, v: &T) -> Result<(), RingError> {
    let mut buf = [0u8; MAX_ENTRY];
    let b = &mut buf[..T::SIZE];
    v.encode(b);
    page.write(slot_offset::<P>(idx), b)?;
    Ok(())
}

/// The front end of a ring: produces requests, consumes responses (`x_front_ring_t`).
#[derive(Debug)]
pub struct FrontRing<P: RingProtocol> {
    page: Arc<SharedPage>,
    req_prod_pvt: u32,
    req_prod_published: u32,
    rsp_cons: u32,
    peer_faults: u64,
    _p: PhantomData<P>,
}

impl<P: RingProtocol> FrontRing<P> {
    const _CHECK: () = assert!(P::ENTRY_SIZE <= MAX_ENTRY && P::RING_SIZE.is_power_of_two());

    /// Initialises a fresh shared ring on `page` and becomes its front end
    /// (`SHARED_RING_INIT` + `FRONT_RING_INIT`), with all indices starting at `start`.
    pub fn init(page: Arc<SharedPage>, start: u32) -> Result<Self, RingError> {
        let () = Self::_CHECK;
        if !page.is_writable() {
            return Err(PageError::ReadOnly.into());
        }
        shared_ring_init(&page, start);
        Ok(FrontRing {
            page,
            req_prod_pvt: start,
            req_prod_published: start,
            rsp_cons: start,
            peer_faults: 0,
            _p: PhantomData,
        })
    }

    /// Entries in the ring.
    pub fn size(&self) -> u32 {
        P::RING_SIZE
    }

    /// The shared page.
    pub fn page(&self) -> &Arc<SharedPage> {
        &self.page
    }

    /// Requests produced but not yet answered.
    pub fn in_flight(&self) -> u32 {
        self.req_prod_pvt.wrapping_sub(self.rsp_cons)
    }

    /// Slots free for requests (`RING_FREE_REQUESTS`).
    pub fn free_requests(&self) -> u32 {
        P::RING_SIZE - self.in_flight()
    }

    /// Protocol violations seen from the back end.
    pub fn peer_faults(&self) -> u64 {
        self.peer_faults
    }

    /// Writes a request into the next private slot; it is published by
    /// [`push_requests_and_check_notify`](Self::push_requests_and_check_notify).
    pub fn push_request(&mut self, req: &P::Req) -> Result<(), RingError> {
        if self.free_requests() == 0 {
            return Err(RingError::Full);
        }
        write_entry::<P, P::Req>(&self.page, self.req_prod_pvt, req)?;
        self.req_prod_pvt = self.req_prod_pvt.wrapping_add(1);
        Ok(())
    }

    /// Publishes the private requests; returns whether the back end must be notified
    /// (`RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`).
    pub fn push_requests_and_check_notify(&mut self) -> bool {
        let old = self.req_prod_published;
        let new = self.req_prod_pvt;
        if old == new {
            // Nothing new: the index on the page is already ours (a store of the same value
            // would still take the line from the peer's cache), and no notification is due.
            return false;
        }
        // Release: the back end sees the entries before the new producer index (xen_wmb).
        self.page.atomic_u32(SRING_REQ_PROD).store(new, Ordering::Release);
        self.req_prod_published = new;
        // xen_mb: the index store must be visible before we read req_event, or we could miss
        // a back end that is going to sleep at the same moment.
        fence(Ordering::SeqCst);
        let event = self.page.atomic_u32(SRING_REQ_EVENT).load(Ordering::Relaxed);
        need_notify(old, new, event)
    }

    /// Responses published and not yet consumed. Fails if the back end published more
    /// responses than there are requests in flight.
    pub fn unconsumed_responses(&mut self) -> Result<u32, RingError> {
        // Acquire: entries written before rsp_prod are visible after it (pairs with Release).
        let prod = self.page.atomic_u32(SRING_RSP_PROD).load(Ordering::Acquire);
        let n = prod.wrapping_sub(self.rsp_cons);
        if n > self.req_prod_published.wrapping_sub(self.rsp_cons) {
            self.peer_faults += 1;
            return Err(RingError::ProducerOverrun { prod, ours: self.rsp_cons, size: P::RING_SIZE });
        }
        Ok(n)
    }

    /// Consumes the next response, if one is published.
    pub fn next_response(&mut self) -> Result<Option<P::Rsp>, RingError> {
        if self.unconsumed_responses()? == 0 {
            return Ok(None);
        }
        let rsp = read_entry::<P, P::Rsp>(&self.page, self.rsp_cons)?;
        self.rsp_cons = self.rsp_cons.wrapping_add(1);
        Ok(Some(rsp))
    }

    /// Consumes up to `max` published responses, handing each to `f`; returns how many.
    pub fn consume_responses(&mut self, max: u32, mut f: impl FnMut(P::Rsp)) -> Result<u32, RingError> {
        let n = self.unconsumed_responses()?.min(max);
        for _ in 0..n {
            let rsp = read_entry::<P, P::Rsp>(&self.page, self.rsp_cons)?;
            self.rsp_cons = self.rsp_cons.wrapping_add(1);
            f(rsp);
        }
        Ok(n)
    }

    /// Before sleeping: re-arms `rsp_event` for the next response and checks again
    /// (`RING_FINAL_CHECK_FOR_RESPONSES`). `true` means there is work; do not sleep.
    pub fn final_check_for_responses(&mut self) -> Result<bool, RingError> {
        if self.unconsumed_responses()? > 0 {
            return Ok(true);
        }
        self.page.atomic_u32(SRING_RSP_EVENT).store(self.rsp_cons.wrapping_add(1), Ordering::Relaxed);
        // xen_mb: the new event index must be visible before we look at rsp_prod again.
        fence(Ordering::SeqCst);
        Ok(self.unconsumed_responses()? > 0)
    }
}

/// The back end of a ring: consumes requests, produces responses (`x_back_ring_t`).
#[derive(Debug)]
pub struct BackRing<P: RingProtocol> {
    page: Arc<SharedPage>,
    rsp_prod_pvt: u32,
    rsp_prod_published: u32,
    req_cons: u32,
    peer_faults: u64,
    _p: PhantomData<P>,
}

impl<P: RingProtocol> BackRing<P> {
    const _CHECK: () = assert!(P::ENTRY_SIZE <= MAX_ENTRY && P::RING_SIZE.is_power_of_two());

    /// Attaches to a ring the front end initialised (`BACK_RING_ATTACH`), starting from the
    /// response producer index found on the page.
    pub fn attach(page: Arc<SharedPage>) -> Result<Self, RingError> {
        let () = Self::_CHECK;
        if !page.is_writable() {
            return Err(PageError::ReadOnly.into());
        }
        let start = page.atomic_u32(SRING_RSP_PROD).load(Ordering::Acquire);
        Ok(BackRing {
            page,
            rsp_prod_pvt: start,
            rsp_prod_published: start,
            req_cons: start,
            peer_faults: 0,
            _p: PhantomData,
        })
    }

    /// Entries in the ring.
    pub fn size(&self) -> u32 {
        P::RING_SIZE
    }

    /// The shared ring page.
    pub fn page(&self) -> &Arc<SharedPage> {
        &self.page
    }

    /// Protocol violations seen from the front end.
    pub fn peer_faults(&self) -> u64 {
        self.peer_faults
    }

    /// Requests consumed and not yet answered.
    pub fn unanswered(&self) -> u32 {
        self.req_cons.wrapping_sub(self.rsp_prod_pvt)
    }

    /// Requests published and not yet consumed. Fails if the front end claims more requests
    /// outstanding than the ring holds, or moved its index backwards.
    pub fn unconsumed_requests(&mut self) -> Result<u32, RingError> {
        // Acquire pairs with the front end's Release store of req_prod.
        let prod = self.page.atomic_u32(SRING_REQ_PROD).load(Ordering::Acquire);
        // Outstanding = published - answered can never exceed the ring; an index that moved
        // backwards shows up here as a huge distance too.
        if prod.wrapping_sub(self.rsp_prod_pvt) > P::RING_SIZE
            || prod.wrapping_sub(self.rsp_prod_pvt) < self.unanswered()
        {
            self.peer_faults += 1;
            return Err(RingError::ProducerOverrun { prod, ours: self.req_cons, size: P::RING_SIZE });
        }
        Ok(prod.wrapping_sub(self.req_cons))
    }

    /// Consumes the next request, if one is published.
    pub fn next_request(&mut self) -> Result<Option<P::Req>, RingError> {
        if self.unconsumed_requests()? == 0 {
            return Ok(None);
        }
        let req = read_entry::<P, P::Req>(&self.page, self.req_cons)?;
        self.req_cons = self.req_cons.wrapping_add(1);
        Ok(Some(req))
    }

    /// Writes a response into the next private slot. There must be a consumed request left
    /// to answer.
    pub fn push_response(&mut self, rsp: &P::Rsp) -> Result<(), RingError> {
        if self.unanswered() == 0 {
            return Err(RingError::NoRequestToAnswer);
        }
        write_entry::<P, P::Rsp>(&self.page, self.rsp_prod_pvt, rsp)?;
        self.rsp_prod_pvt = self.rsp_prod_pvt.wrapping_add(1);
        Ok(())
    }

    /// Publishes the private responses; returns whether the front end must be notified
    /// (`RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`).
    pub fn push_responses_and_check_notify(&mut self) -> bool {
        let old = self.rsp_prod_published;
        let new = self.rsp_prod_pvt;
        if old == new {
            // As for `FrontRing::push_requests_and_check_notify`: nothing to publish.
            return false;
        }
        // Release: responses (and our reads of the requests) before the index (xen_wmb).
        self.page.atomic_u32(SRING_RSP_PROD).store(new, Ordering::Release);
        self.rsp_prod_published = new;
        // xen_mb: publish before reading rsp_event.
        fence(Ordering::SeqCst);
        let event = self.page.atomic_u32(SRING_RSP_EVENT).load(Ordering::Relaxed);
        need_notify(old, new, event)
    }

    /// Before sleeping: re-arms `req_event` for the next request and checks again
    /// (`RING_FINAL_CHECK_FOR_REQUESTS`). `true` means there is work; do not sleep.
    pub fn final_check_for_requests(&mut self) -> Result<bool, RingError> {
        if self.unconsumed_requests()? > 0 {
            return Ok(true);
        }
        self.page.atomic_u32(SRING_REQ_EVENT).store(self.req_cons.wrapping_add(1), Ordering::Relaxed);
        // xen_mb: the event index must be visible before we look at req_prod again.
        fence(Ordering::SeqCst);
        Ok(self.unconsumed_requests()? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(start: u32) -> (FrontRing<NetTx>, BackRing<NetTx>) {
        let page = Arc::new(SharedPage::new_zeroed());
        let f = FrontRing::init(page.clone(), start).unwrap();
        let b = BackRing::attach(page).unwrap();
        (f, b)
    }

    #[test]
    fn sizes_match_xen() {
        assert_eq!(NetTx::RING_SIZE, 256);
        assert_eq!(NetRx::RING_SIZE, 256);
    }

    #[test]
    fn notify_rule() {
        assert!(need_notify(0, 1, 1));
        assert!(!need_notify(1, 2, 1));
        assert!(need_notify(u32::MAX - 1, 1, 0));
        assert!(need_notify(u32::MAX - 1, 1, 1));
        assert!(!need_notify(u32::MAX - 1, 1, 2));
        assert!(!need_notify(5, 5, 5));
    }

    #[test]
    fn round_trip_and_full() {
        let (mut f, mut b) = pair(u32::MAX - 3);
        for i in 0..256u16 {
            f.push_request(&NetifTxRequest { id: i, size: i, ..Default::default() }).unwrap();
        }
        assert_eq!(f.push_request(&NetifTxRequest::default()), Err(RingError::Full));
        assert!(f.push_requests_and_check_notify());
        let mut n = 0;
        while let Some(r) = b.next_request().unwrap() {
            assert_eq!(r.id, n);
            b.push_response(&NetifTxResponse { id: r.id, status: 0 }).unwrap();
            n += 1;
        }
        assert_eq!(n, 256);
        assert_eq!(b.push_response(&NetifTxResponse::default()), Err(RingError::NoRequestToAnswer));
        assert!(b.push_responses_and_check_notify());
        assert_eq!(f.consume_responses(u32::MAX, |_| ()).unwrap(), 256);
        assert!(!f.final_check_for_responses().unwrap());
    }

    #[test]
    fn producer_overrun_is_detected() {
        let (f, mut b) = pair(10);
        f.page().atomic_u32(SRING_REQ_PROD).store(10 + 257, Ordering::Release);
        assert!(matches!(b.unconsumed_requests(), Err(RingError::ProducerOverrun { .. })));
        f.page().atomic_u32(SRING_REQ_PROD).store(9, Ordering::Release);
        assert!(matches!(b.next_request(), Err(RingError::ProducerOverrun { .. })));
        assert_eq!(b.peer_faults(), 2);
    }

    #[test]
    fn unsolicited_responses_are_detected() {
        let (mut f, _b) = pair(0);
        f.page().atomic_u32(SRING_RSP_PROD).store(1, Ordering::Release);
        assert!(matches!(f.next_response(), Err(RingError::ProducerOverrun { .. })));
        assert_eq!(f.peer_faults(), 1);
    }
}
