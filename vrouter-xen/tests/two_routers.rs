//! Two routers in two processes, joined by a vif: the domain (the `vrouter-xen-domain` helper
//! in `router` mode, a separate process) runs a router with ToNetfront and FromNetfront; this
//! test process is the hypervisor and runs, as a driver domain would, a router with Netback.
//! Each side's TestFrameSource sends a million numbered frames of mixed sizes through a
//! Queue into its end of the vif, and each side's CheckTestFrame checks what arrives: every
//! frame, in order, byte for byte.

use click_core::{RouterBuilder, RunOptions};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vrouter_xen::local::LocalHypervisor;
use vrouter_xen::netback::NETBACK_BATCH;
use vrouter_xen::netfront::NETFRONT_FRAMES;
use vrouter_xen::port::{empty_slot, lock_slot, publish_slot};
use vrouter_xen::remote::spawn_domain;
use vrouter_xen::vif::{connect_backend, toolstack_create_vif};

/// The script both routers end with: run until `chk` has seen `n` frames and `out` has handed
/// `n` to the peer, then stop.
fn until_done(n: u64, out: &str) -> String {
    format!(
        "DriverManager(label a, wait 10ms, goto a $(lt $(chk.count) {n}), \
         label b, wait 10ms, goto b $(lt $({out}.tx) {n}), stop);\n"
    )
}

#[test]
fn routers_in_two_processes_exchange_a_million_checked_frames_through_the_vif() {
    let n: u64 = std::env::var("VROUTER_XEN_TEST_FRAMES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let t0 = Instant::now();
    let dir = std::env::temp_dir().join(format!("vrouter-two-routers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // The domain's router.
    let domain_config = dir.join("domain.click");
    std::fs::write(
        &domain_config,
        format!(
            "src :: TestFrameSource(LIMIT {n}) -> Queue(256) -> out :: ToNetfront;\n\
             FromNetfront -> chk :: CheckTestFrame(RECOMPUTE false);\n{}",
            until_done(n, "out")
        ),
    )
    .unwrap();

    // The back end's router, in this process.
    let registry = vrouter_xen::host::registry();
    let slot = empty_slot();
    publish_slot("vif1", slot.clone());
    let backend_config = format!(
        "src :: TestFrameSource(LIMIT {n}) -> Queue(256) -> nb :: Netback(NAME vif1) \
         -> chk :: CheckTestFrame(RECOMPUTE false);\n{}",
        until_done(n, "nb")
    );
    let graph = click_core::config_lang::compile(&backend_config, "backend.click", &[]).unwrap();
    let mut router = RouterBuilder::from_flat(&graph.graph, &registry).build().unwrap_or_else(|e| panic!("{e}"));

    let hv = LocalHypervisor::new();
    let mut d0 = hv.create_domain(NETBACK_BATCH, 1).unwrap();
    toolstack_create_vif(&mut d0, 0, 1, 0).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vrouter-xen-domain"));
    cmd.env("VROUTER_XEN_MODE", "router")
        .env("VROUTER_XEN_CONFIG", &domain_config)
        .env("VROUTER_XEN_PRINT", "chk.count chk.errors chk.lost chk.first_error out.tx out.drops src.count")
        .stdout(Stdio::piped());
    let child = spawn_domain(&hv, NETFRONT_FRAMES, 2, cmd).unwrap();
    let nb = connect_backend(d0, child.domid, 0, 0, Duration::from_secs(30)).unwrap();
    *lock_slot(&slot) = Some(Box::new(nb));

    // A watchdog, so that a stall fails the test instead of hanging it.
    let handle = router.handle();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(300));
        handle.stop();
    });
    router.run_with(RunOptions::default());

    let read = |h: &str| router.read_handler(h).unwrap().trim().to_string();
    assert_eq!(read("chk.first_error"), "", "a frame from the domain was wrong");
    assert_eq!(
        [read("chk.count"), read("chk.errors"), read("nb.tx"), read("nb.drops"), read("nb.peer_faults")],
        [n.to_string(), "0".into(), n.to_string(), "0".into(), "0".into()],
        "back end: frames checked, errors, sent, dropped, peer faults"
    );
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "domain failed: {stdout}");
    assert_eq!(
        stdout.trim(),
        format!(
            "router stopped drained=true\nchk.count: {n}\nchk.errors: 0\nchk.lost: 0\nchk.first_error: \n\
             out.tx: {n}\nout.drops: 0\nsrc.count: {n}"
        )
    );
    assert_eq!(hv.lock().stats().grant_denied, 0);
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("{} frames through two routers in {secs:.2} s: {:.0} frames/s", 2 * n, 2.0 * n as f64 / secs);
    let _ = std::fs::remove_dir_all(&dir);
}
