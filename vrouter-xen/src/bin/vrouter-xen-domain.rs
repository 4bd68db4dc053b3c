//! A guest domain as a process: connects to the hypervisor process that spawned it (see
//! `vrouter_xen::remote::spawn_domain`), runs the vif handshake as a front end, and then
//! plays the part chosen by `VROUTER_XEN_MODE`:
//!
//! * `traffic` (default): sends `VROUTER_XEN_FRAMES` test frames and checks as many received
//!   ones; prints `ok tx=N rx=N`.
//! * `evil-overrun`, `evil-foreign-gref`, `evil-oversize`: breaks the TX ring protocol once.
//! * `silent`: connects and then never does anything.
//! * `crash`: connects and exits at once.
//! * `source`, `sink`: send test frames, or take received ones, as fast as possible, forever
//!   (for benchmarks; the parent kills the process).
//! * `router`: runs the router configuration file `VROUTER_XEN_CONFIG` (definitions
//!   `NAME=value` in `VROUTER_XEN_DEFS`, space-separated) on the vif, as `vrouter domain` does;
//!   when it stops, waits for the back end to take the frames still on the TX ring and prints
//!   the handlers named in `VROUTER_XEN_PRINT`.
//! * `evil-garbage`: overwrites both ring pages with pseudo-random bytes.
//! * `driver`: runs a driver domain for the networks `VROUTER_XEN_NETS` (comma-separated)
//!   with the bridge configuration `VROUTER_XEN_CONFIG`.
//!
//! `VROUTER_XEN_BACKEND` names the back end's domain (default 0).

use std::error::Error;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use vrouter_xen::abi::{NetifTxRequest, SRING_HEADER_SIZE, SRING_REQ_PROD};
use vrouter_xen::netfront::Netfront;
use vrouter_xen::platform::{EventChannels, GrantTable, Platform};
use vrouter_xen::remote::RemoteDomain;
use vrouter_xen::ring::RingEntry;
use vrouter_xen::testframes::{self, MAX_LEN};
use vrouter_xen::vif::connect_frontend;

const BATCH: usize = 64;

fn main() {
    match run() {
        Ok(msg) => println!("{msg}"),
        Err(e) => {
            eprintln!("vrouter-xen-domain: {e}");
            std::process::exit(1);
        }
    }
}

fn run() -> Result<String, Box<dyn Error>> {
    let mode = std::env::var("VROUTER_XEN_MODE").unwrap_or_else(|_| "traffic".into());
    let frames: u64 = std::env::var("VROUTER_XEN_FRAMES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let plat = RemoteDomain::from_env()?;
    let backend: u16 = std::env::var("VROUTER_XEN_BACKEND").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    if mode == "driver" {
        let names = std::env::var("VROUTER_XEN_NETS")?.split(',').map(str::to_string).collect();
        let text = std::fs::read_to_string(std::env::var("VROUTER_XEN_CONFIG")?)?;
        vrouter_xen::driver::run_driver_domain(plat, names, &text, &vrouter_xen::host::registry())?;
        return Ok("driver domain stopped".into());
    }
    if mode == "router" {
        return router(plat, backend);
    }
    let mut nf = connect_frontend(plat, backend, 0, 0, Duration::from_secs(30))?;
    match mode.as_str() {
        "traffic" => traffic(&mut nf, frames),
        "source" => source(&mut nf),
        "sink" => sink(&mut nf),
        "crash" => std::process::exit(3),
        "evil-garbage" => {
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut junk = [0u8; 4096];
            for b in junk.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            // Frames 0 and 1 are the TX and RX ring pages.
            nf.platform_mut().frame(0)?.write(0, &junk)?;
            nf.platform_mut().frame(1)?.write(0, &junk[..2048])?;
            let port = nf.port();
            nf.platform_mut().notify(port)?;
            std::thread::sleep(Duration::from_secs(30));
            Ok(mode)
        }
        "silent" => {
            std::thread::sleep(Duration::from_secs(60));
            Ok("silent".into())
        }
        evil => {
            let req = match evil {
                "evil-overrun" => None,
                "evil-foreign-gref" => {
                    // A page granted to some other domain, not to the back end.
                    let gref = nf.platform_mut().grant_access(7, 300, false)?;
                    Some(NetifTxRequest { gref, offset: 0, flags: 0, id: 0, size: 100 })
                }
                "evil-oversize" => {
                    let gref = nf.ring_info().tx_ring_ref;
                    Some(NetifTxRequest { gref, offset: 4000, flags: 0, id: 0, size: 1000 })
                }
                other => return Err(format!("unknown mode {other}").into()),
            };
            // Frame 0 is the TX ring page (Netfront takes its frames in order).
            let page = nf.platform_mut().frame(0)?;
            let prod = page.atomic_u32(SRING_REQ_PROD).load(Ordering::Acquire);
            match req {
                None => page.atomic_u32(SRING_REQ_PROD).store(prod.wrapping_add(1000), Ordering::Release),
                Some(r) => {
                    let mut b = [0u8; 12];
                    r.encode(&mut b);
                    page.write(SRING_HEADER_SIZE + (prod & 255) as usize * 12, &b)?;
                    page.atomic_u32(SRING_REQ_PROD).store(prod.wrapping_add(1), Ordering::Release);
                }
            }
            let port = nf.port();
            nf.platform_mut().notify(port)?;
            std::thread::sleep(Duration::from_secs(30));
            Ok(mode)
        }
    }
}

/// Builds the router first (its vif elements find the empty slot), then connects the vif.
fn router(plat: RemoteDomain, backend: u16) -> Result<String, Box<dyn Error>> {
    use vrouter_xen::port::{empty_slot, lock_slot, publish_slot};
    let path = std::env::var("VROUTER_XEN_CONFIG")?;
    let defs: Vec<(String, String)> = std::env::var("VROUTER_XEN_DEFS")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|d| d.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let slot = empty_slot();
    publish_slot("vif0", slot.clone());
    let text = std::fs::read_to_string(&path)?;
    let sources = [(path.as_str(), text.as_str())];
    let compiled = click_core::config_lang::compile_sources(&sources, &defs)
        .map_err(|d| click_core::config_lang::render_diagnostics(&d, &sources))?;
    let registry = vrouter_xen::host::registry();
    let mut router = click_core::RouterBuilder::from_flat(&compiled.graph, &registry)
        .build()
        .map_err(|e| e.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))?;
    let nf = connect_frontend(plat, backend, 0, 0, Duration::from_secs(30))?;
    *lock_slot(&slot) = Some(Box::new(nf));
    let _control = vrouter_xen::host::serve_domain_control(&router)?;
    router.set_spin_rounds(vrouter_xen::host::domain_spin_rounds());
    router.run();
    let drained = vrouter_xen::port::drain(&slot, Duration::from_secs(10));
    // Handler values asked for in VROUTER_XEN_PRINT (space-separated), one `name: value` a line.
    let mut out = format!("router stopped drained={drained}");
    for h in std::env::var("VROUTER_XEN_PRINT").unwrap_or_default().split_whitespace() {
        let v = router.read_handler(h).unwrap_or_else(|e| format!("error: {e}"));
        out += &format!("\n{h}: {}", v.trim_end());
    }
    Ok(out)
}

fn traffic<P: Platform>(nf: &mut Netfront<P>, n: u64) -> Result<String, Box<dyn Error>> {
    let recompute_all = !cfg!(debug_assertions);
    let mut bufs = vec![[0u8; MAX_LEN]; BATCH];
    let mut lens = [0usize; BATCH];
    let (mut pos, mut end) = (0usize, 0usize);
    let (mut next_tx, mut next_rx) = (0u64, 0u64);
    let mut last_progress = Instant::now();
    loop {
        let mut progress = 0;
        if pos == end && next_tx < n {
            end = (n - next_tx).min(BATCH as u64) as usize;
            for i in 0..end {
                lens[i] = testframes::fill(next_tx + i as u64, &mut bufs[i]);
            }
            pos = 0;
        }
        if pos < end {
            let taken = nf.send((pos..end).map(|i| &bufs[i][..lens[i]]));
            pos += taken;
            next_tx += taken as u64;
            progress += taken;
        }
        progress += nf.poll_tx_completions();
        let mut err = None;
        progress += nf.receive(&mut |f: &[u8]| {
            if err.is_none()
                && let Err(e) = testframes::check(f, next_rx, recompute_all || next_rx % 64 == 0)
            {
                err = Some(e);
            }
            next_rx += 1;
        });
        if let Some(e) = err {
            return Err(format!("received a bad frame: {e}").into());
        }
        if let Some(f) = nf.fault() {
            return Err(format!("back end cut off: {f}").into());
        }
        if next_tx == n && pos == end && nf.tx_in_flight() == 0 && next_rx >= n {
            let s = nf.stats();
            return Ok(format!(
                "ok tx={} rx={} tx_errors={} peer_faults={}",
                s.tx_frames, s.rx_frames, s.tx_errors, s.peer_faults
            ));
        }
        if progress > 0 {
            last_progress = Instant::now();
        } else {
            if last_progress.elapsed() > Duration::from_secs(20) {
                return Err(format!("stalled: tx {next_tx}/{n}, rx {next_rx}/{n}").into());
            }
            nf.wait(Some(Duration::from_millis(500)))?;
        }
    }
}

fn source<P: Platform>(nf: &mut Netfront<P>) -> Result<String, Box<dyn Error>> {
    let mut bufs = vec![[0u8; MAX_LEN]; BATCH];
    let lens: Vec<usize> = (0..BATCH).map(|i| testframes::fill(i as u64, &mut bufs[i])).collect();
    let mut i = 0;
    loop {
        let taken = nf.send((0..BATCH).map(|k| &bufs[(i + k) % BATCH][..lens[(i + k) % BATCH]]));
        i = (i + taken) % BATCH;
        let done = nf.poll_tx_completions();
        nf.receive(&mut |_| {});
        if let Some(f) = nf.fault() {
            return Err(format!("cut off: {f}").into());
        }
        if taken == 0 && done == 0 {
            nf.wait(Some(Duration::from_millis(100)))?;
        }
    }
}

fn sink<P: Platform>(nf: &mut Netfront<P>) -> Result<String, Box<dyn Error>> {
    loop {
        let n = nf.receive(&mut |_| {});
        if let Some(f) = nf.fault() {
            return Err(format!("cut off: {f}").into());
        }
        if n == 0 {
            nf.wait(Some(Duration::from_millis(100)))?;
        }
    }
}
