//! Netfront and netback over the in-process platform, driven from one thread.

use vrouter_xen::local::{LocalDomain, LocalHypervisor};
use vrouter_xen::netback::{NETBACK_BATCH, Netback};
use vrouter_xen::netfront::{NETFRONT_FRAMES, Netfront};
use vrouter_xen::platform::GrantTable;

fn pair() -> (LocalHypervisor, Netfront<LocalDomain>, Netback<LocalDomain>) {
    let hv = LocalHypervisor::new();
    let d0 = hv.create_domain(NETBACK_BATCH, 1).unwrap();
    let d1 = hv.create_domain(NETFRONT_FRAMES, 2).unwrap();
    let nf = Netfront::new(d1, 0, 0, u32::MAX - 300).unwrap();
    let nb = Netback::connect(d0, 1, nf.ring_info(), 0).unwrap();
    (hv, nf, nb)
}

fn frame(seq: u32) -> Vec<u8> {
    let len = 60 + (seq as usize * 7919) % (1514 - 60 + 1);
    (0..len).map(|i| (i as u32 ^ seq.wrapping_mul(2654435761)) as u8).collect()
}

#[test]
fn frames_flow_both_ways_through_wraparound() {
    flow_both_ways(false);
}

/// The same through the back end's staging frames (the copies a platform in another
/// process makes), not straight between its buffers and the front end's pages.
#[test]
fn frames_flow_both_ways_through_staging_frames() {
    flow_both_ways(true);
}

fn flow_both_ways(staging: bool) {
    let (hv, mut nf, mut nb) = pair();
    assert!(nb.set_staging(staging), "the local platform copies buffers");
    let total = 5000u32;
    let (mut sent_f, mut sent_b, mut got_f, mut got_b) = (0u32, 0u32, 0u32, 0u32);
    let mut rounds = 0;
    while got_f < total || got_b < total {
        rounds += 1;
        assert!(rounds < 100_000, "stuck: {got_f} {got_b}");
        let fr: Vec<Vec<u8>> = (sent_f..total.min(sent_f + 100)).map(frame).collect();
        sent_f += nf.send(fr.iter().map(Vec::as_slice)) as u32;
        let fr: Vec<Vec<u8>> = (sent_b..total.min(sent_b + 100)).map(|s| frame(s + 1_000_000)).collect();
        sent_b += nb.send(fr.iter().map(Vec::as_slice)) as u32;
        nb.receive(&mut |f: &[u8]| {
            assert_eq!(f, frame(got_b).as_slice());
            got_b += 1;
        });
        nf.receive(&mut |f: &[u8]| {
            assert_eq!(f, frame(got_f + 1_000_000).as_slice());
            got_f += 1;
        });
        nf.poll_tx_completions();
    }
    nf.poll_tx_completions();
    assert_eq!(nf.tx_in_flight(), 0);
    assert_eq!(nf.stats().tx_frames, u64::from(total));
    assert_eq!(nf.stats().rx_frames, u64::from(total));
    assert_eq!(nb.stats().rx_frames, u64::from(total));
    assert_eq!(nb.stats().tx_frames, u64::from(total));
    assert_eq!(nf.stats().peer_faults + nb.stats().peer_faults, 0);
    assert!(nf.fault().is_none() && nb.fault().is_none());
    assert_eq!(hv.lock().stats().grant_denied, 0);
    // Teardown: the back end still maps the two ring pages, so those grants stay.
    let info = nf.ring_info();
    let (mut d1, in_use) = nf.disconnect();
    assert_eq!(in_use, vec![info.tx_ring_ref, info.rx_ring_ref]);
    let _d0 = nb.disconnect();
    for g in in_use {
        d1.end_access(g).unwrap();
    }
}

#[test]
fn oversized_and_empty_frames_are_dropped_not_sent() {
    let (_hv, mut nf, mut nb) = pair();
    let big = vec![0u8; 5000];
    let ok = [1u8; 100];
    assert_eq!(nf.send([&big[..], &[][..], &ok[..]]), 3);
    assert_eq!(nf.stats().tx_dropped, 2);
    let mut n = 0;
    nb.receive(&mut |f: &[u8]| {
        assert_eq!(f, &ok[..]);
        n += 1
    });
    assert_eq!(n, 1);
    assert_eq!(nb.send([&big[..]]), 1);
    assert_eq!(nb.stats().tx_dropped, 1);
}

/// The two ends in two threads, each sleeping on its event channel when idle: exercises the
/// notification protocol under real concurrency.
#[test]
fn two_threads_with_event_channels() {
    use std::time::{Duration, Instant};
    use vrouter_xen::testframes::{self, MAX_LEN};
    let (_hv, mut nf, mut nb) = pair();
    let n = 100_000u64;
    let back = std::thread::spawn(move || {
        let (mut next_rx, mut next_tx) = (0u64, 0u64);
        let mut buf = [0u8; MAX_LEN];
        let t = Instant::now();
        while next_rx < n || next_tx < n {
            assert!(t.elapsed() < Duration::from_secs(60), "back end stuck at {next_rx} {next_tx}");
            let mut progress = nb.receive(&mut |f: &[u8]| {
                testframes::check(f, next_rx, true).unwrap();
                next_rx += 1;
            });
            if next_tx < n {
                let len = testframes::fill(next_tx, &mut buf);
                let k = nb.send([&buf[..len]]);
                next_tx += k as u64;
                progress += k;
            }
            if progress == 0 {
                nb.wait(Some(Duration::from_secs(5))).unwrap();
            }
        }
        nb.stats().peer_faults
    });
    let (mut next_rx, mut next_tx) = (0u64, 0u64);
    let mut buf = [0u8; MAX_LEN];
    let t = Instant::now();
    while next_rx < n || next_tx < n || nf.tx_in_flight() > 0 {
        assert!(t.elapsed() < Duration::from_secs(60), "front end stuck at {next_rx} {next_tx}");
        let mut progress = nf.poll_tx_completions();
        progress += nf.receive(&mut |f: &[u8]| {
            testframes::check(f, next_rx, true).unwrap();
            next_rx += 1;
        });
        if next_tx < n {
            let len = testframes::fill(next_tx, &mut buf);
            let k = nf.send([&buf[..len]]);
            next_tx += k as u64;
            progress += k;
        }
        if progress == 0 {
            nf.wait(Some(Duration::from_secs(5))).unwrap();
        }
    }
    assert_eq!(back.join().unwrap(), 0);
    assert_eq!(nf.stats().peer_faults, 0);
}

/// A front end takes no more frames than asked (the router's budget); the rest wait in the
/// ring, in order, and the buffers taken are posted again.
#[test]
fn a_front_end_receives_up_to_its_budget() {
    let (_hv, mut nf, mut nb) = pair();
    let frames: Vec<Vec<u8>> = (0..10).map(frame).collect();
    assert_eq!(nb.send(frames.iter().map(Vec::as_slice)), 10);
    let mut got = Vec::new();
    assert_eq!(nf.receive_up_to(3, &mut |f: &[u8]| got.push(f.to_vec())), 3);
    assert_eq!(nb.rx_space(), 256 - 10 + 3);
    assert_eq!(nf.receive_up_to(0, &mut |f: &[u8]| got.push(f.to_vec())), 0);
    assert_eq!(nf.receive_up_to(100, &mut |f: &[u8]| got.push(f.to_vec())), 7);
    assert_eq!(got, frames);
    assert_eq!(nb.rx_space(), 256);
}

/// A back end's ring probe reads the request indices its front end publishes (frames to
/// send, buffers posted), and tells its driver's rings from another's.
#[test]
fn a_ring_probe_follows_the_front_ends_indices() {
    use vrouter_xen::port::RingProbe;
    let (_hv, mut nf, mut nb) = pair();
    let probe = RingProbe::new(nb.ring_pages());
    assert!(probe.is_of(nb.ring_pages()));
    let (_other_hv, _other_nf, other_nb) = pair();
    assert!(!probe.is_of(other_nb.ring_pages()));
    let (tx0, rx0) = (probe.tx_requests(), probe.rx_requests());
    let (a, b, c) = (frame(1), frame(2), frame(3));
    assert_eq!(nf.send([&a[..], &b[..]]), 2);
    assert_eq!(probe.tx_requests(), tx0.wrapping_add(2));
    assert_eq!(probe.rx_requests(), rx0);
    // Buffers filled by the back end move the index only once the front end posts them again.
    assert_eq!(nb.send([&a[..], &b[..], &c[..]]), 3);
    assert_eq!(probe.rx_requests(), rx0);
    assert_eq!(nf.receive(&mut |_| {}), 3);
    assert_eq!(probe.rx_requests(), rx0.wrapping_add(3));
    assert_eq!(nb.receive(&mut |_| {}), 2);
    assert_eq!(probe.tx_requests(), tx0.wrapping_add(2));
}
