//! Two processes: this test process is the hypervisor and the back end (domain 0); the
//! domain is the `vrouter-xen-domain` binary, a separate process, running a front end.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vrouter_xen::local::{LocalDomain, LocalHypervisor};
use vrouter_xen::net::PeerFault;
use vrouter_xen::netback::{NETBACK_BATCH, Netback};
use vrouter_xen::netfront::NETFRONT_FRAMES;
use vrouter_xen::remote::{DomainProcess, spawn_domain};
use vrouter_xen::testframes::{self, MAX_LEN};
use vrouter_xen::vif::{connect_backend, toolstack_create_vif};

fn start(mode: &str, frames: u64) -> (LocalHypervisor, Netback<LocalDomain>, DomainProcess) {
    let hv = LocalHypervisor::new();
    let mut d0 = hv.create_domain(NETBACK_BATCH, 1).unwrap();
    toolstack_create_vif(&mut d0, 0, 1, 0).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vrouter-xen-domain"));
    cmd.env("VROUTER_XEN_MODE", mode).env("VROUTER_XEN_FRAMES", frames.to_string()).stdout(Stdio::piped());
    let child = spawn_domain(&hv, NETFRONT_FRAMES, 2, cmd).unwrap();
    assert_eq!(child.domid, 1);
    let nb = connect_backend(d0, 1, 0, 0, Duration::from_secs(30)).unwrap();
    (hv, nb, child)
}

#[test]
fn a_million_frames_each_way_between_two_processes() {
    let n: u64 = std::env::var("VROUTER_XEN_TEST_FRAMES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let t0 = Instant::now();
    let (hv, mut nb, child) = start("traffic", n);
    let mut bufs = vec![[0u8; MAX_LEN]; 64];
    let mut lens = [0usize; 64];
    let (mut pos, mut end) = (0usize, 0usize);
    let (mut next_tx, mut next_rx) = (0u64, 0u64);
    let mut bad = None;
    let mut last_progress = Instant::now();
    while next_tx < n || next_rx < n {
        let mut progress = nb.receive(&mut |f: &[u8]| {
            if bad.is_none()
                && let Err(e) = testframes::check(f, next_rx, next_rx % 64 == 0)
            {
                bad = Some(e);
            }
            next_rx += 1;
        });
        assert_eq!(bad, None, "corrupted frame from the domain");
        if pos == end && next_tx < n {
            end = (n - next_tx).min(64) as usize;
            for i in 0..end {
                lens[i] = testframes::fill(next_tx + i as u64, &mut bufs[i]);
            }
            pos = 0;
        }
        if pos < end {
            let taken = nb.send((pos..end).map(|i| &bufs[i][..lens[i]]));
            pos += taken;
            next_tx += taken as u64;
            progress += taken;
        }
        assert!(nb.fault().is_none(), "front end cut off: {:?}", nb.fault());
        if progress > 0 {
            last_progress = Instant::now();
        } else {
            assert!(last_progress.elapsed() < Duration::from_secs(20), "stalled: tx {next_tx}/{n} rx {next_rx}/{n}");
            nb.wait(Some(Duration::from_millis(500))).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "domain failed: {stdout}");
    assert_eq!(stdout.trim(), format!("ok tx={n} rx={n} tx_errors=0 peer_faults=0"));
    let s = *nb.stats();
    assert_eq!((s.rx_frames, s.tx_frames, s.peer_faults, s.rx_errors, s.tx_errors), (n, n, 0, 0, 0));
    assert_eq!(hv.lock().stats().grant_denied, 0);
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("{} frames in {secs:.2} s: {:.0} frames/s", 2 * n, 2.0 * n as f64 / secs);
}

/// Runs the back end against a misbehaving domain until it cuts the domain off.
fn expect_fault(mode: &str) -> (LocalHypervisor, PeerFault) {
    let (hv, mut nb, mut child) = start(mode, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let frame = [0x55u8; 200];
    while nb.fault().is_none() {
        assert!(Instant::now() < deadline, "misbehaviour {mode} not detected");
        nb.receive(&mut |_| {});
        nb.send(std::iter::repeat_n(&frame[..], 64));
        nb.check_stalled(Duration::from_millis(300));
        let _ = nb.wait(Some(Duration::from_millis(50)));
    }
    let fault = nb.fault().cloned().unwrap();
    assert_eq!(nb.stats().peer_faults, 1);
    // Once cut off, the back end does nothing more.
    assert_eq!(nb.send([&frame[..]]), 0);
    assert_eq!(nb.receive(&mut |_| panic!("data after cut-off")), 0);
    child.kill().unwrap();
    (hv, fault)
}

#[test]
fn a_domain_that_overruns_the_tx_ring_is_cut_off() {
    let (_hv, f) = expect_fault("evil-overrun");
    assert!(matches!(f, PeerFault::Ring { ring: "tx", .. }), "{f:?}");
}

#[test]
fn a_domain_that_passes_a_foreign_grant_is_cut_off() {
    let (hv, f) = expect_fault("evil-foreign-gref");
    assert!(matches!(f, PeerFault::BadGrant { status: vrouter_xen::abi::GNTST_PERMISSION_DENIED, .. }), "{f:?}");
    assert!(hv.lock().stats().grant_denied >= 1);
}

#[test]
fn a_domain_that_claims_data_beyond_the_page_is_cut_off() {
    let (_hv, f) = expect_fault("evil-oversize");
    assert!(matches!(f, PeerFault::BadSize { size: 1000, offset: 4000, .. }), "{f:?}");
}

#[test]
fn a_silent_domain_is_cut_off_after_a_timeout() {
    let (_hv, f) = expect_fault("silent");
    assert!(matches!(f, PeerFault::Stalled(_)), "{f:?}");
}

#[test]
fn a_domain_that_dies_is_detected() {
    let (hv, f) = expect_fault("crash");
    assert!(matches!(f, PeerFault::Gone(_)), "{f:?}");
    assert!(!hv.lock().domain_exists(1), "the hypervisor destroyed the dead domain");
}
