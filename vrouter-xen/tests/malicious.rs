//! A malicious peer on either side of a vif: every violation is detected, counted and cuts
//! the peer off; nothing panics, hangs or touches memory that was not granted.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use vrouter_xen::abi::*;
use vrouter_xen::local::{LocalDomain, LocalHypervisor};
use vrouter_xen::net::PeerFault;
use vrouter_xen::netback::{NETBACK_BATCH, Netback};
use vrouter_xen::netfront::{NETFRONT_FRAMES, Netfront};
use vrouter_xen::platform::GrantTable;
use vrouter_xen::ring::{NetTx, RingEntry, RingError, RingProtocol};
use vrouter_xen::shm::SharedPage;

const START: u32 = u32::MAX - 1;

fn hv_and_domains() -> (LocalHypervisor, LocalDomain, LocalDomain) {
    let hv = LocalHypervisor::new();
    let d0 = hv.create_domain(NETBACK_BATCH, 1).unwrap();
    let d1 = hv.create_domain(NETFRONT_FRAMES + 2, 2).unwrap();
    (hv, d0, d1)
}

/// A front end with a hand-driven (possibly malicious) back end: the back end's view of the
/// TX and RX ring pages.
fn front_with_raw_back() -> (LocalHypervisor, Netfront<LocalDomain>, Arc<SharedPage>, Arc<SharedPage>) {
    let (hv, mut d0, d1) = hv_and_domains();
    let nf = Netfront::new(d1, 0, 0, START).unwrap();
    let info = nf.ring_info();
    let tx = d0.map_grant(1, info.tx_ring_ref, false).unwrap();
    let rx = d0.map_grant(1, info.rx_ring_ref, false).unwrap();
    (hv, nf, tx, rx)
}

/// A back end with a hand-driven (possibly malicious) front end: the front end's TX and RX
/// ring pages (frames 0 and 1 of its memory, initialised by a real Netfront whose platform
/// the test keeps using to forge grants).
fn back_with_raw_front()
-> (LocalHypervisor, Netback<LocalDomain>, Arc<SharedPage>, Arc<SharedPage>, Netfront<LocalDomain>) {
    let (hv, d0, d1) = hv_and_domains();
    let (tx, rx) = (d1.frame(0).unwrap(), d1.frame(1).unwrap());
    let nf = Netfront::new(d1, 0, 0, START).unwrap();
    let nb = Netback::connect(d0, 1, nf.ring_info(), 0).unwrap();
    (hv, nb, tx, rx, nf)
}

fn push_raw<T: RingEntry>(page: &SharedPage, prod_off: usize, entry: &T) {
    let prod = page.atomic_u32(prod_off).load(Ordering::Acquire);
    let mut b = [0u8; 16];
    entry.encode(&mut b[..T::SIZE]);
    let size = if T::SIZE == 12 || T::SIZE == 4 { 12 } else { 8 };
    page.write(SRING_HEADER_SIZE + (prod & 255) as usize * size, &b[..T::SIZE]).unwrap();
    page.atomic_u32(prod_off).store(prod.wrapping_add(1), Ordering::Release);
}

fn read_req<T: RingEntry>(page: &SharedPage, idx: u32, size: usize) -> T {
    let mut b = [0u8; 16];
    page.read(SRING_HEADER_SIZE + (idx & 255) as usize * size, &mut b[..T::SIZE]).unwrap();
    T::decode(&b[..T::SIZE])
}

// ---- malicious back end, honest front end ----

#[test]
fn back_end_response_index_jumping_past_the_ring() {
    let (_hv, mut nf, tx, _rx) = front_with_raw_back();
    assert_eq!(nf.send([&[1u8; 64][..]]), 1);
    tx.atomic_u32(SRING_RSP_PROD).store(START.wrapping_add(1000), Ordering::Release);
    assert_eq!(nf.poll_tx_completions(), 0);
    assert!(matches!(nf.fault(), Some(PeerFault::Ring { ring: "tx", err: RingError::ProducerOverrun { .. } })));
    assert_eq!(nf.stats().peer_faults, 1);
    assert_eq!(nf.send([&[1u8; 64][..]]), 0, "cut off");
    assert!(nf.wait(Some(Duration::ZERO)).is_err());
}

#[test]
fn back_end_answering_an_unknown_tx_id() {
    let (_hv, mut nf, tx, _rx) = front_with_raw_back();
    nf.send([&[1u8; 64][..], &[2u8; 64][..]]);
    push_raw(&tx, SRING_RSP_PROD, &NetifTxResponse { id: 999, status: 0 });
    nf.poll_tx_completions();
    assert_eq!(nf.fault(), Some(&PeerFault::UnknownId { ring: "tx", id: 999 }));
}

#[test]
fn back_end_answering_a_tx_id_twice() {
    let (_hv, mut nf, tx, _rx) = front_with_raw_back();
    nf.send([&[1u8; 64][..], &[2u8; 64][..]]);
    let first: NetifTxRequest = read_req(&tx, START, 12);
    push_raw(&tx, SRING_RSP_PROD, &NetifTxResponse { id: first.id, status: 0 });
    push_raw(&tx, SRING_RSP_PROD, &NetifTxResponse { id: first.id, status: 0 });
    nf.poll_tx_completions();
    assert_eq!(nf.fault(), Some(&PeerFault::DuplicateId { ring: "tx", id: first.id }));
    assert_eq!(nf.stats().peer_faults, 1);
}

#[test]
fn back_end_rx_response_beyond_the_page() {
    let (_hv, mut nf, _tx, rx) = front_with_raw_back();
    let req: NetifRxRequest = read_req(&rx, START, 8);
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: req.id, offset: 4000, flags: 0, status: 500 });
    assert_eq!(nf.receive(&mut |_| panic!("must not deliver")), 0);
    assert_eq!(nf.fault(), Some(&PeerFault::BadSize { ring: "rx", size: 500, offset: 4000 }));
}

#[test]
fn back_end_rx_unknown_and_duplicate_ids_and_flags() {
    let (_hv, mut nf, _tx, rx) = front_with_raw_back();
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: 4000, offset: 0, flags: 0, status: 10 });
    nf.receive(&mut |_| panic!("must not deliver"));
    assert_eq!(nf.fault(), Some(&PeerFault::UnknownId { ring: "rx", id: 4000 }));

    let (_hv, mut nf, _tx, rx) = front_with_raw_back();
    let req: NetifRxRequest = read_req(&rx, START, 8);
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: req.id, offset: 0, flags: NETRXF_MORE_DATA, status: 10 });
    nf.receive(&mut |_| panic!("must not deliver"));
    assert_eq!(nf.fault(), Some(&PeerFault::BadFlags { ring: "rx", flags: NETRXF_MORE_DATA }));

    // A valid response is delivered and its buffer posted again; answering the same id
    // once more is a duplicate... unless the front end reposted it, in which case the next
    // unknown case is an id not posted at all. Answer twice in one batch.
    let (_hv, mut nf, _tx, rx) = front_with_raw_back();
    let req: NetifRxRequest = read_req(&rx, START, 8);
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: req.id, offset: 0, flags: 0, status: 10 });
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: (req.id + 1) % 256, offset: 0, flags: 0, status: 10 });
    let mut n = 0;
    nf.receive(&mut |f: &[u8]| {
        assert_eq!(f.len(), 10);
        n += 1
    });
    assert_eq!(n, 2);
    assert!(nf.fault().is_none());
}

#[test]
fn back_end_rx_responses_at_the_edges_of_the_page() {
    // Frames are copied from the posted page straight into packets: a whole page, and a
    // frame ending at the page's last byte, arrive exactly; one byte more is refused.
    let (_hv, mut nf, _tx, rx) = front_with_raw_back();
    let page = nf.platform_mut().frame(2 + NetTx::RING_SIZE).unwrap();
    let bytes: Vec<u8> = (0..PAGE_SIZE).map(|i| (i * 7 + 3) as u8).collect();
    page.write(0, &bytes).unwrap();
    let req: NetifRxRequest = read_req(&rx, START, 8);
    assert_eq!(req.id, 0);
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: 0, offset: 0, flags: 0, status: PAGE_SIZE as i16 });
    let mut got = Vec::new();
    assert_eq!(nf.receive(&mut |f: &[u8]| got.push(f.to_vec())), 1);
    let page = nf.platform_mut().frame(2 + NetTx::RING_SIZE + 1).unwrap();
    page.write(0, &bytes).unwrap();
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: 1, offset: 4000, flags: 0, status: 96 });
    assert_eq!(nf.receive(&mut |f: &[u8]| got.push(f.to_vec())), 1);
    assert_eq!(got, [bytes.clone(), bytes[4000..].to_vec()]);
    push_raw(&rx, SRING_RSP_PROD, &NetifRxResponse { id: 2, offset: 4000, flags: 0, status: 97 });
    assert_eq!(nf.receive(&mut |_| panic!("must not deliver")), 0);
    assert_eq!(nf.fault(), Some(&PeerFault::BadSize { ring: "rx", size: 97, offset: 4000 }));
    assert!(nf.stats().rx_frames == 2);
}

#[test]
fn back_end_that_never_answers_times_out() {
    let (_hv, mut nf, _tx, _rx) = front_with_raw_back();
    assert_eq!(nf.send([&[1u8; 64][..]; 3]), 3);
    assert!(!nf.wait(Some(Duration::from_millis(30))).unwrap(), "no notification, no work");
    assert!(!nf.check_stalled(Duration::from_secs(60)));
    std::thread::sleep(Duration::from_millis(40));
    assert!(nf.check_stalled(Duration::from_millis(30)));
    assert!(matches!(nf.fault(), Some(PeerFault::Stalled(_))));
    assert_eq!(nf.stats().peer_faults, 1);
}

// ---- malicious front end, honest back end ----

/// A spare frame of the front end's domain, outside what Netfront uses.
const SPARE: u32 = NETFRONT_FRAMES;

#[test]
fn front_end_request_index_jumping_past_the_ring_or_back() {
    for prod in [START.wrapping_add(257), START.wrapping_add(100_000), START.wrapping_sub(1)] {
        let (_hv, mut nb, tx, _rx, _nf) = back_with_raw_front();
        tx.atomic_u32(SRING_REQ_PROD).store(prod, Ordering::Release);
        assert_eq!(nb.receive(&mut |_| panic!("must not deliver")), 0);
        assert!(
            matches!(nb.fault(), Some(PeerFault::Ring { ring: "tx", err: RingError::ProducerOverrun { .. } })),
            "{prod}"
        );
        assert_eq!(nb.stats().peer_faults, 1);
        assert_eq!(nb.receive(&mut |_| panic!("cut off")), 0);
    }
    let (_hv, mut nb, _tx, rx, _nf) = back_with_raw_front();
    rx.atomic_u32(SRING_REQ_PROD).store(START.wrapping_add(300), Ordering::Release);
    assert_eq!(nb.send([&[1u8; 60][..]]), 0);
    assert!(matches!(nb.fault(), Some(PeerFault::Ring { ring: "rx", .. })));
}

#[test]
fn front_end_passing_grants_it_does_not_own_or_did_not_give_us() {
    // 1. A page the front end granted to domain 2, not to us.
    let (hv, mut nb, tx, _rx, mut nf) = back_with_raw_front();
    let secret = nf.platform_mut().frame(SPARE).unwrap();
    secret.write(0, &[0xAB; 100]).unwrap();
    let other = nf.platform_mut().grant_access(2, SPARE, false).unwrap();
    push_raw(&tx, SRING_REQ_PROD, &NetifTxRequest { gref: other, offset: 0, flags: 0, id: 1, size: 100 });
    assert_eq!(nb.receive(&mut |_| panic!("must not deliver")), 0);
    assert_eq!(nb.fault(), Some(&PeerFault::BadGrant { gref: other, status: GNTST_PERMISSION_DENIED }));
    // The back end's staging memory never saw the secret.
    let mut b = [0u8; 100];
    nb.platform_mut().frame(0).unwrap().read(0, &mut b).unwrap();
    assert_ne!(b, [0xAB; 100]);
    assert!(hv.lock().stats().grant_denied >= 1);

    // 2. Grant references that were never issued (beyond the table, unused, absurd).
    for gref in [3000, 1023, 1 << 30] {
        let (_hv, mut nb, tx, _rx, _nf) = back_with_raw_front();
        push_raw(&tx, SRING_REQ_PROD, &NetifTxRequest { gref, offset: 0, flags: 0, id: 1, size: 100 });
        nb.receive(&mut |_| panic!("must not deliver"));
        assert!(matches!(nb.fault(), Some(PeerFault::BadGrant { .. })), "{gref}: {:?}", nb.fault());
    }

    // 3. An RX buffer granted read-only: the back end cannot write into it.
    let (_hv, mut nb, _tx, rx, mut nf) = back_with_raw_front();
    let ro = nf.platform_mut().grant_access(0, SPARE, true).unwrap();
    // Replace the next posted RX request by one pointing at the read-only grant.
    let cons = START;
    let mut b = [0u8; 8];
    NetifRxRequest { id: 0, pad: 0, gref: ro }.encode(&mut b);
    rx.write(SRING_HEADER_SIZE + (cons & 255) as usize * 8, &b).unwrap();
    nf.platform_mut().frame(SPARE).unwrap().write(0, &[7; 60]).unwrap();
    nb.send([&[1u8; 60][..]]);
    assert_eq!(nb.fault(), Some(&PeerFault::BadGrant { gref: ro, status: GNTST_PERMISSION_DENIED }));
    let mut b = [0u8; 60];
    nf.platform_mut().frame(SPARE).unwrap().read(0, &mut b).unwrap();
    assert_eq!(b, [7; 60], "read-only page untouched");
}

#[test]
fn front_end_sizes_and_offsets_beyond_the_page() {
    for (offset, size) in [(4000u16, 200u16), (0, 0), (0, 4097), (4095, 2), (u16::MAX, u16::MAX)] {
        let (_hv, mut nb, tx, _rx, nf) = back_with_raw_front();
        let gref = nf.ring_info().tx_ring_ref;
        push_raw(&tx, SRING_REQ_PROD, &NetifTxRequest { gref, offset, flags: 0, id: 3, size });
        nb.receive(&mut |_| panic!("must not deliver"));
        assert_eq!(nb.fault(), Some(&PeerFault::BadSize { ring: "tx", size: size.into(), offset: offset.into() }));
        // The bad request was answered with an error, so the front end is not left waiting.
        assert_eq!(tx.atomic_u32(SRING_RSP_PROD).load(Ordering::Acquire), START.wrapping_add(1));
    }
}

#[test]
fn front_end_requests_at_the_edges_of_the_page() {
    // The back end copies each frame straight into a packet of the size the request
    // claims (checked first): a whole page, and a frame ending at the last byte, arrive
    // exactly, through direct copies and through the staging frames alike.
    for staging in [false, true] {
        let (_hv, mut nb, tx, _rx, mut nf) = back_with_raw_front();
        nb.set_staging(staging);
        let bytes: Vec<u8> = (0..PAGE_SIZE).map(|i| (i * 13 + 5) as u8).collect();
        nf.platform_mut().frame(SPARE).unwrap().write(0, &bytes).unwrap();
        let gref = nf.platform_mut().grant_access(0, SPARE, true).unwrap();
        push_raw(&tx, SRING_REQ_PROD, &NetifTxRequest { gref, offset: 0, flags: 0, id: 1, size: PAGE_SIZE as u16 });
        push_raw(&tx, SRING_REQ_PROD, &NetifTxRequest { gref, offset: 4090, flags: 0, id: 2, size: 6 });
        let mut got = Vec::new();
        assert_eq!(nb.receive(&mut |f: &[u8]| got.push(f.to_vec())), 2, "staging {staging}");
        assert_eq!(got, [bytes.clone(), bytes[4090..].to_vec()]);
        assert!(nb.fault().is_none());
    }
}

#[test]
fn front_end_flags_that_were_not_negotiated() {
    let (_hv, mut nb, tx, _rx, nf) = back_with_raw_front();
    let gref = nf.ring_info().tx_ring_ref;
    push_raw(&tx, SRING_REQ_PROD, &NetifTxRequest { gref, offset: 0, flags: NETTXF_MORE_DATA, id: 3, size: 100 });
    nb.receive(&mut |_| panic!("must not deliver"));
    assert_eq!(nb.fault(), Some(&PeerFault::BadFlags { ring: "tx", flags: NETTXF_MORE_DATA }));
}

#[test]
fn front_end_that_never_reposts_buffers_times_out() {
    let (_hv, mut nb, _tx, _rx, _nf) = back_with_raw_front();
    let frame = [9u8; 100];
    // 256 posted buffers, then nothing.
    assert_eq!(nb.send(std::iter::repeat_n(&frame[..], 300)), 256);
    assert_eq!(nb.send(std::iter::repeat_n(&frame[..], 10)), 0);
    assert!(!nb.wait(Some(Duration::from_millis(20))).unwrap());
    std::thread::sleep(Duration::from_millis(40));
    assert!(nb.check_stalled(Duration::from_millis(30)));
    assert!(matches!(nb.fault(), Some(PeerFault::Stalled(_))));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Random bytes written anywhere in the four ring pages by either "peer", mixed with
        /// honest traffic: no panic, no frame longer than a page, and memory granted to
        /// someone else is never read or written.
        #[test]
        fn scribbled_rings_never_panic(
            writes in proptest::collection::vec((0u8..4, 0usize..4096, any::<u32>()), 1..48),
        ) {
            let (hv, mut d0, d1) = hv_and_domains();
            let secret = d1.frame(SPARE).unwrap();
            secret.write(0, &[0xEE; 4096]).unwrap();
            let mut nf = Netfront::new(d1, 0, 0, START).unwrap();
            let _elsewhere = nf.platform_mut().grant_access(2, SPARE, false).unwrap();
            let info = nf.ring_info();
            let pages = [
                d0.map_grant(1, info.tx_ring_ref, false).unwrap(),
                d0.map_grant(1, info.rx_ring_ref, false).unwrap(),
            ];
            let mut nb = Netback::connect(d0, 1, info, 0).unwrap();
            let frame = [0x11u8; 300];
            for (which, off, val) in writes {
                let page = &pages[(which & 1) as usize];
                if off < 16 {
                    page.atomic_u32(off & !3).store(val, Ordering::Release);
                } else {
                    let _ = page.write(off, &val.to_ne_bytes()[..(4096 - off).min(4)]);
                }
                nf.send([&frame[..]]);
                nb.receive(&mut |f: &[u8]| {
                    assert!(f.len() <= 4096);
                    // Nothing of the page granted to domain 2 ever reaches domain 0.
                    assert!(!f.windows(64).any(|w| w.iter().all(|x| *x == 0xEE)), "leaked");
                });
                nb.send([&frame[..]]);
                nf.receive(&mut |f: &[u8]| assert!(f.len() <= 4096));
                nf.poll_tx_completions();
                let _ = nf.final_check();
                let _ = nb.final_check();
            }
            let mut b = [0u8; 4096];
            secret.read(0, &mut b).unwrap();
            prop_assert!(b.iter().all(|x| *x == 0xEE), "memory granted elsewhere was written");
            drop(hv);
        }
    }
}
