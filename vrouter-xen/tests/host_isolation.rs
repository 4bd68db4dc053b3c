//! Isolation between virtual networks on one host: each network's router runs in its own
//! domain process (the `vrouter-xen-domain` helper in `router` mode), behind the host's
//! HypervisorDemux. A crashed domain is restarted while the other network loses nothing; a
//! flooded network does not slow the other down; a domain that writes garbage into its rings
//! is cut off and counted while the rest carries on.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use vrouter_xen::host::{
    DomainSpec, Host, HostConfig, IoPath, NetRow, NetworkConfig, PhysicalConfig, Role, TrafficConfig,
};

const FORWARD: &str = "FromNetfront -> Strip(14) -> CheckIPHeader -> DecIPTTL \
    -> EtherEncap(0x0800, 02:00:00:00:00:01, 02:00:00:00:00:fd) -> Queue($QUEUE) -> ToNetfront;\n";

fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(format!("{name}.click"));
    std::fs::write(&p, text).unwrap();
    p
}

/// A scratch directory, removed when the test ends (also when it fails).
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tmpdir(tag: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("vrouter-host-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// The tests start several processes each; one at a time keeps them from starving each other
/// on a small machine.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Frames the demux may hold for a network whose domain is briefly descheduled (two seconds
/// of the tests' 2,000 frames/s), so that "no loss" does not depend on the machine's load.
const QUEUE: usize = 4096;

fn net(name: &str, key: usize, config: PathBuf) -> NetworkConfig {
    NetworkConfig {
        name: name.into(),
        mac: (key == 0).then(|| "02:00:00:00:00:01".into()),
        vlan: (key != 0).then_some(10 + key as u16),
        vni: None,
        config,
        queue: QUEUE,
        budget: 64,
    }
}

/// A host, pinned, with network a (recognised by MAC) and b (by VLAN), both running FORWARD,
/// fed `traffic`.
fn two_networks(dir: &Path, io: IoPath, traffic: Vec<TrafficConfig>) -> HostConfig {
    HostConfig {
        io,
        seconds: None,
        control: None,
        domain_nice: vrouter_xen::host::DOMAIN_NICE,
        pin_cpus: true,
        reserve_huge_pages: false,
        physical: PhysicalConfig { traffic, ..Default::default() },
        networks: vec![net("a", 0, write_config(dir, "a", FORWARD)), net("b", 1, write_config(dir, "b", FORWARD))],
    }
}

fn traffic(network: &str, rate: u64, limit: Option<u64>) -> TrafficConfig {
    TrafficConfig { network: network.into(), rate, size: 98, tos: 0, limit }
}

/// Launches the helper in router mode; `evil(launch number)` may pick a misbehaving mode.
fn launcher(evil: impl Fn(&str, usize) -> Option<&'static str> + Send + 'static) -> vrouter_xen::host::Launcher {
    let launches = Arc::new(AtomicUsize::new(0));
    Box::new(move |spec: &DomainSpec<'_>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vrouter-xen-domain"));
        cmd.env("VROUTER_XEN_CONFIG", spec.config)
            .env("VROUTER_XEN_BACKEND", spec.backend.to_string())
            .stdout(Stdio::null());
        match spec.role {
            Role::Network(n) => {
                let k = launches.fetch_add(1, Ordering::Relaxed);
                cmd.env("VROUTER_XEN_MODE", evil(&n.name, k).unwrap_or("router"))
                    .env("VROUTER_XEN_DEFS", vrouter_xen::host::definitions(n).join(" "));
            }
            Role::DriverDomain(names) => {
                cmd.env("VROUTER_XEN_MODE", "driver").env("VROUTER_XEN_NETS", names.join(","));
            }
        }
        cmd
    })
}

fn row(h: &Host, name: &str) -> NetRow {
    h.rows().into_iter().find(|r| r.name == name).unwrap()
}

/// Supervises for `d`, or until `until` holds.
fn supervise(h: &mut Host, d: Duration, mut until: impl FnMut(&Host) -> bool) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        h.supervise();
        if until(h) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_crashed_domain_is_restarted_and_the_other_network_loses_nothing() {
    let _serial = serial();
    let dir = tmpdir("crash");
    let cfg = two_networks(&dir, IoPath::Direct, vec![traffic("a", 2000, None), traffic("b", 2000, Some(12_000))]);
    let mut h = Host::start(cfg, launcher(|_, _| None)).unwrap();
    assert!(
        supervise(&mut h, Duration::from_secs(10), |h| row(h, "a").frames_out > 500 && row(h, "b").frames_out > 500)
    );
    let b_before = row(&h, "b").frames_out;
    // Crash a's domain.
    let old = row(&h, "a").domid;
    h.domain_mut(0).unwrap().child_mut().unwrap().kill().unwrap();
    assert!(
        supervise(&mut h, Duration::from_secs(15), |h| row(h, "a").restarts == 1 && row(h, "a").domid != old),
        "a was not restarted: {:?}",
        h.rows()
    );
    let a_after = row(&h, "a").frames_out;
    // a carries traffic again, b all along.
    assert!(supervise(&mut h, Duration::from_secs(10), |h| row(h, "a").frames_out > a_after + 500));
    assert!(row(&h, "b").frames_out > b_before, "b stalled while a restarted");
    // b's limited stream completes with no loss at all.
    assert!(
        supervise(&mut h, Duration::from_secs(15), |h| row(h, "b").frames_out == 12_000),
        "b lost frames: {:?}",
        row(&h, "b")
    );
    let b = row(&h, "b");
    assert_eq!((b.frames_in, b.frames_out, b.drops, b.restarts, b.cutoffs), (12_000, 12_000, 0, 0, 0));
    let a = row(&h, "a");
    assert!(a.drops > 0 || a.cutoffs > 0, "a's outage was not counted: {a:?}");
    h.shutdown();
}

/// Frames `name` forwarded during `d`.
fn throughput(h: &mut Host, name: &str, d: Duration) -> f64 {
    let (t0, n0) = (Instant::now(), row(h, name).frames_out);
    supervise(h, d, |_| false);
    (row(h, name).frames_out - n0) as f64 / t0.elapsed().as_secs_f64()
}

#[test]
fn a_flooded_network_leaves_the_other_its_throughput() {
    let _serial = serial();
    let dir = tmpdir("flood");
    // src0 floods a at 10x b's rate; it starts inactive.
    let cfg = two_networks(&dir, IoPath::Direct, vec![traffic("a", 50_000, None), traffic("b", 5_000, None)]);
    let mut h = Host::start(cfg, launcher(|_, _| None)).unwrap();
    h.write_handler("src0.active", "false").unwrap();
    assert!(supervise(&mut h, Duration::from_secs(10), |h| row(h, "b").frames_out > 1000));
    // b's rate alone and while a floods, in alternating windows, compared by their medians:
    // on a busy machine one window can catch the generator behind or catching up, which a
    // single pair of windows took for (or hid) a loss of isolation.
    let (mut solo, mut flooded) = (Vec::new(), Vec::new());
    let mut a_flooded = true;
    for _ in 0..3 {
        h.write_handler("src0.active", "false").unwrap();
        supervise(&mut h, Duration::from_millis(300), |_| false);
        solo.push(throughput(&mut h, "b", Duration::from_millis(1500)));
        h.write_handler("src0.active", "true").unwrap();
        supervise(&mut h, Duration::from_millis(300), |_| false);
        let a0 = row(&h, "a").frames_in;
        flooded.push(throughput(&mut h, "b", Duration::from_millis(1500)));
        a_flooded &= row(&h, "a").frames_in > a0;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (solo_windows, flooded_windows) = (solo.clone(), flooded.clone());
    let (solo, flooded) = (median(&mut solo), median(&mut flooded));
    eprintln!(
        "b solo {solo_windows:.0?}/s, b while a floods {flooded_windows:.0?}/s (medians {solo:.0}, {flooded:.0}); a: {:?}",
        row(&h, "a")
    );
    assert!(a_flooded, "a received nothing while flooding");
    assert!(solo > 3_000.0, "b's solo throughput is implausibly low: {solo:.0}/s");
    assert!(flooded >= 0.9 * solo, "b fell from {solo:.0}/s to {flooded:.0}/s while a was flooded");
    // Whatever b lost is counted, and it is little.
    let b = row(&h, "b");
    assert!(b.drops * 100 <= b.frames_in, "b dropped {} of {}", b.drops, b.frames_in);
    h.shutdown();
}

#[test]
fn a_domain_writing_garbage_into_its_rings_is_cut_off() {
    let _serial = serial();
    let dir = tmpdir("garbage");
    let cfg = two_networks(&dir, IoPath::Direct, vec![traffic("a", 2000, None), traffic("b", 2000, Some(10_000))]);
    // a's first two domains scribble over their rings; the third behaves.
    let mut h = Host::start(cfg, launcher(|n, k| (n == "a" && k < 3).then_some("evil-garbage"))).unwrap();
    assert!(
        supervise(&mut h, Duration::from_secs(20), |h| row(h, "a").cutoffs >= 1 && row(h, "a").frames_out > 200),
        "a: {:?}",
        row(&h, "a")
    );
    assert!(supervise(&mut h, Duration::from_secs(15), |h| row(h, "b").frames_out == 10_000), "b: {:?}", row(&h, "b"));
    let b = row(&h, "b");
    assert_eq!((b.frames_in, b.drops, b.cutoffs, b.restarts), (10_000, 0, 0, 0));
    let a = row(&h, "a");
    assert!(a.restarts >= 1 && a.cutoffs >= 1, "{a:?}");
    h.shutdown();
}

#[test]
fn the_driver_domain_path_forwards_and_restarts_a_crashed_domain() {
    let _serial = serial();
    let dir = tmpdir("driver");
    let cfg = two_networks(&dir, IoPath::DriverDomain, vec![traffic("a", 2000, None), traffic("b", 2000, Some(8_000))]);
    let mut h = Host::start(cfg, launcher(|_, _| None)).unwrap();
    assert!(
        supervise(&mut h, Duration::from_secs(15), |h| row(h, "a").frames_out > 500 && row(h, "b").frames_out > 500),
        "{:?}",
        h.rows()
    );
    let old = row(&h, "a").domid;
    h.domain_mut(0).unwrap().child_mut().unwrap().kill().unwrap();
    assert!(supervise(&mut h, Duration::from_secs(15), |h| row(h, "a").restarts == 1 && row(h, "a").domid != old));
    let a_after = row(&h, "a").frames_out;
    assert!(
        supervise(&mut h, Duration::from_secs(15), |h| row(h, "a").frames_out > a_after + 500),
        "a did not come back through the driver domain: {:?}",
        row(&h, "a")
    );
    // b's stream completes: every frame is forwarded or counted, as a drop of b's (no
    // back end yet at start-up) or of the physical side (the driver domain had no buffer
    // posted; those cannot be told apart by network).
    assert!(
        supervise(&mut h, Duration::from_secs(15), |h| {
            let b = row(h, "b");
            b.frames_out + b.drops + h.table().physical_drops.load(Ordering::Relaxed) >= 8_000
        }),
        "b: {:?}",
        row(&h, "b")
    );
    let b = row(&h, "b");
    assert_eq!(b.restarts, 0);
    h.shutdown();
}

#[test]
fn a_domain_that_stops_answering_is_restarted() {
    let _serial = serial();
    let dir = tmpdir("silent");
    let cfg = two_networks(&dir, IoPath::Direct, vec![traffic("a", 2000, None), traffic("b", 2000, Some(12_000))]);
    // a's first domain connects its vif and then never takes a frame.
    let mut h = Host::start(cfg, launcher(|n, k| (n == "a" && k == 0).then_some("silent"))).unwrap();
    assert!(
        supervise(&mut h, Duration::from_secs(20), |h| row(h, "a").restarts >= 1 && row(h, "a").frames_out > 500),
        "a: {:?}",
        row(&h, "a")
    );
    let a = row(&h, "a");
    assert!(a.cutoffs >= 1 && a.drops > 0, "{a:?}");
    assert!(supervise(&mut h, Duration::from_secs(15), |h| row(h, "b").frames_out == 12_000), "b: {:?}", row(&h, "b"));
    let b = row(&h, "b");
    assert_eq!((b.drops, b.restarts), (0, 0));
    h.shutdown();
}

#[test]
fn one_network_is_reconfigured_while_the_other_runs() {
    let _serial = serial();
    let dir = tmpdir("reconf");
    let a_path = write_config(&dir, "a", FORWARD);
    let mut cfg = two_networks(&dir, IoPath::Direct, vec![traffic("a", 2000, None), traffic("b", 2000, Some(12_000))]);
    cfg.networks[0].config = a_path.clone();
    let mut h = Host::start(cfg, launcher(|_, _| None)).unwrap();
    assert!(supervise(&mut h, Duration::from_secs(10), |h| row(h, "a").frames_out > 500));
    // A configuration that does not check is refused; a keeps running.
    let bad = write_config(&dir, "bad", "FromNetfront -> NoSuchElement -> ToNetfront;");
    assert!(h.reconfigure(0, &bad).is_err());
    assert_eq!(row(&h, "a").restarts, 0);
    // Editing a's file in place: the host notices and restarts only a, now a sink.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&a_path, "FromNetfront -> Discard; Idle -> ToNetfront;\n").unwrap();
    assert!(supervise(&mut h, Duration::from_secs(15), |h| row(h, "a").restarts == 1), "{:?}", h.take_log());
    let out = row(&h, "a").frames_out;
    let inn = row(&h, "a").frames_in;
    assert!(supervise(&mut h, Duration::from_secs(10), |h| row(h, "a").frames_in > inn + 500));
    assert_eq!(row(&h, "a").frames_out, out, "the new configuration forwards nothing");
    assert!(supervise(&mut h, Duration::from_secs(15), |h| row(h, "b").frames_out == 12_000), "b: {:?}", row(&h, "b"));
    let b = row(&h, "b");
    assert_eq!((b.drops, b.restarts), (0, 0));
    h.shutdown();
}

#[test]
fn the_driver_domain_cuts_off_a_domain_writing_garbage() {
    let _serial = serial();
    let dir = tmpdir("driver-garbage");
    let cfg = two_networks(&dir, IoPath::DriverDomain, vec![traffic("a", 2000, None), traffic("b", 2000, None)]);
    let mut h = Host::start(cfg, launcher(|n, k| (n == "a" && k == 0).then_some("evil-garbage"))).unwrap();
    assert!(
        supervise(&mut h, Duration::from_secs(20), |h| {
            let a = row(h, "a");
            a.cutoffs >= 1 && a.restarts >= 1 && a.frames_out > 200
        }),
        "a: {:?}",
        row(&h, "a")
    );
    let b0 = row(&h, "b").frames_out;
    assert!(supervise(&mut h, Duration::from_secs(10), |h| row(h, "b").frames_out > b0 + 500));
    assert_eq!(row(&h, "b").restarts, 0);
    h.shutdown();
}

fn huge_page_pool() -> Option<u64> {
    vrouter_xen::huge_pages::pool_size().ok()
}

#[test]
fn a_host_that_reserves_huge_pages_puts_its_domains_in_them_and_gives_them_back() {
    let _serial = serial();
    let Some(before) = huge_page_pool() else {
        eprintln!("skipped: no {}", vrouter_xen::huge_pages::NR_HUGEPAGES);
        return;
    };
    let dir = tmpdir("huge");
    let mut cfg = two_networks(&dir, IoPath::Direct, vec![traffic("a", 2000, None), traffic("b", 2000, None)]);
    cfg.reserve_huge_pages = true;
    let wanted = cfg.huge_pages_wanted();
    let mut h = match Host::start(cfg, launcher(|_, _| None)) {
        Ok(h) => h,
        Err(e @ vrouter_xen::host::HostError::HugePages { .. }) => {
            eprintln!("skipped: {e}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(
        supervise(&mut h, Duration::from_secs(10), |h| row(h, "a").frames_out > 200 && row(h, "b").frames_out > 200)
    );
    let (huge, small) = h.memory_pages();
    if small > 0 {
        // The kernel may find too few free 2 MiB stretches of memory: then some domains run
        // on ordinary pages, which works, only slower at scale.
        eprintln!("note: {small} domains in ordinary pages (the kernel lent too few huge pages)");
    } else {
        assert!(huge >= 2, "both networks' domains in huge pages: {huge}");
    }
    assert!(huge_page_pool().unwrap() <= before + wanted);
    h.shutdown();
    assert_eq!(huge_page_pool(), Some(before), "the pool is given back at shutdown");
}
