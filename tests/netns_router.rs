//! End to end: real traffic through `vrouter run` between network namespaces.
//!
//! Builds host A, a router and host B as three network namespaces joined by veth pairs, on
//! private addresses that exist only inside them, runs `examples/netns-router.click` (Click's
//! IP router: Classifier, ARPResponder, ARPQuerier, CheckIPHeader, RadixIPLookup, DecIPTTL,
//! Queue, ToDevice) in the router's namespace, and checks with real clients: `ping` both
//! ways and to the router, an `iperf3` TCP transfer, and an `iperf3` UDP stream whose
//! datagrams must all arrive. Everything is torn down by a guard, also on failure.
//!
//! Needs root, `ip` (iproute2), `ping` (iputils-ping) and `iperf3`; skips with a message
//! otherwise. Every command runs with a deadline.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const MAC0: &str = "02:00:00:00:01:01";
const MAC1: &str = "02:00:00:00:02:01";

/// Runs a command, killing it after `limit`.
fn run(args: &[&str], limit: Duration) -> Result<Output, String> {
    let mut child = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", args[0]))?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().map_err(|e| e.to_string()),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let out = child.wait_with_output().map_err(|e| e.to_string())?;
                return Err(format!(
                    "{:?} timed out after {limit:?}\nstdout: {}\nstderr: {}",
                    args,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
}

/// Runs a command that must succeed.
fn ok(args: &[&str]) -> Result<String, String> {
    let out = run(args, Duration::from_secs(10))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Sends signal `sig` to process `pid` (SIGINT stops vrouter as Ctrl-C does).
fn signal(pid: u32, sig: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return };
    // SAFETY: kill(2) takes plain integers; a stale pid only makes it fail.
    unsafe { libc::kill(pid, sig) };
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The three namespaces; dropping it kills what runs in them and deletes them.
struct Topology {
    a: String,
    r: String,
    b: String,
    children: Vec<Child>,
}

/// One namespace of its own, deleted (with what runs in it) on drop.
struct Namespace {
    name: String,
    children: Vec<Child>,
}

impl Namespace {
    fn new(tag: &str) -> Result<Namespace, String> {
        let name = format!("vrt-{tag}-{}", std::process::id());
        ok(&["ip", "netns", "add", &name])?;
        let ns = Namespace { name, children: Vec::new() };
        ok(&["ip", "-n", &ns.name, "link", "set", "lo", "up"])?;
        Ok(ns)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        delete_namespace(&self.name);
    }
}

fn delete_namespace(ns: &str) {
    // Anything still inside (a stray iperf3) would keep the namespace alive.
    if let Ok(out) = run(&["ip", "netns", "pids", ns], Duration::from_secs(5)) {
        for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            if let Ok(pid) = pid.parse() {
                signal(pid, libc::SIGKILL);
            }
        }
    }
    let _ = run(&["ip", "netns", "del", ns], Duration::from_secs(5));
}

impl Topology {
    fn new(tag: &str) -> Result<Topology, String> {
        let pid = std::process::id();
        let t = Topology {
            a: format!("vrt-{tag}a-{pid}"),
            r: format!("vrt-{tag}r-{pid}"),
            b: format!("vrt-{tag}b-{pid}"),
            children: Vec::new(),
        };
        for ns in [&t.a, &t.r, &t.b] {
            ok(&["ip", "netns", "add", ns])?;
        }
        Ok(t)
    }

    fn setup(&self) -> Result<(), String> {
        let (a, r, b) = (self.a.as_str(), self.r.as_str(), self.b.as_str());
        ok(&["ip", "-n", a, "link", "add", "vA", "type", "veth", "peer", "name", "rA", "netns", r])?;
        ok(&["ip", "-n", b, "link", "add", "vB", "type", "veth", "peer", "name", "rB", "netns", r])?;
        ok(&["ip", "-n", r, "link", "set", "rA", "address", MAC0])?;
        ok(&["ip", "-n", r, "link", "set", "rB", "address", MAC1])?;
        for ns in [a, r, b] {
            // Quiet links: no IPv6 neighbour discovery noise.
            let _ = run(
                &["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"],
                Duration::from_secs(5),
            );
            ok(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
        }
        ok(&["ip", "-n", a, "addr", "add", "10.10.1.2/24", "dev", "vA"])?;
        ok(&["ip", "-n", a, "link", "set", "vA", "up"])?;
        ok(&["ip", "-n", a, "route", "add", "default", "via", "10.10.1.1"])?;
        ok(&["ip", "-n", b, "addr", "add", "10.10.2.2/24", "dev", "vB"])?;
        ok(&["ip", "-n", b, "link", "set", "vB", "up"])?;
        ok(&["ip", "-n", b, "route", "add", "default", "via", "10.10.2.1"])?;
        // The router's devices have no addresses: its kernel leaves their IP traffic alone.
        ok(&["ip", "netns", "exec", r, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"])?;
        ok(&["ip", "-n", r, "link", "set", "rA", "up"])?;
        ok(&["ip", "-n", r, "link", "set", "rB", "up"])?;
        Ok(())
    }

    /// Starts `args` in namespace `ns`; `capture` pipes its output (read it only after it
    /// exits), otherwise it is discarded so that a chatty process cannot block on a full pipe.
    fn spawn(&mut self, ns: &str, args: &[&str], capture: bool) -> Result<usize, String> {
        let out = || if capture { Stdio::piped() } else { Stdio::null() };
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .stdin(Stdio::null())
            .stdout(out())
            .stderr(out())
            .spawn()
            .map_err(|e| format!("{args:?}: {e}"))?;
        self.children.push(child);
        Ok(self.children.len() - 1)
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.a, &self.r, &self.b] {
            delete_namespace(ns);
        }
    }
}

/// Why the test cannot run here, if it cannot.
fn cannot_run() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.ok().as_deref() != Some("0") {
        return Some("not root (network namespaces need root)".into());
    }
    for tool in ["ip", "ping", "iperf3"] {
        if !have(tool) {
            return Some(format!("'{tool}' is not installed (apt-get install iproute2 iputils-ping iperf3)"));
        }
    }
    None
}

/// A namespace for test `test` (its name tagged `tag`), or `None` after saying why the test
/// is skipped.
fn namespace_for(test: &str, tag: &str) -> Option<Namespace> {
    let why = match cannot_run() {
        Some(why) => why,
        None => match Namespace::new(tag) {
            Ok(ns) => return Some(ns),
            Err(e) => format!("cannot create a network namespace: {e}"),
        },
    };
    println!("SKIPPED {test}: {why}");
    eprintln!("SKIPPED {test}: {why}");
    None
}

/// Veth pairs inside namespace `ns`, both ends up (IPv6 off, so that nothing but the test's
/// frames crosses them).
fn veth_pairs(ns: &str, pairs: &[(&str, &str)]) {
    let _ = run(
        &["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"],
        Duration::from_secs(5),
    );
    for (a, b) in pairs {
        ok(&["ip", "-n", ns, "link", "add", a, "type", "veth", "peer", "name", b]).unwrap();
        ok(&["ip", "-n", ns, "link", "set", a, "up"]).unwrap();
        ok(&["ip", "-n", ns, "link", "set", b, "up"]).unwrap();
    }
}

fn ping(topo: &Topology, ns: &str, dst: &str) -> Result<(), String> {
    // The first packets wait for ARP; allow a warm-up, then demand every reply.
    let _ = run(&["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", dst], Duration::from_secs(5));
    let out =
        run(&["ip", "netns", "exec", ns, "ping", "-c", "5", "-i", "0.2", "-W", "1", dst], Duration::from_secs(10))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains(" 0% packet loss") {
        return Err(format!("ping from {ns} to {dst} failed:\n{text}"));
    }
    let _ = topo;
    Ok(())
}

/// Runs an iperf3 client against a one-shot server in host B; returns its JSON output.
fn iperf(topo: &mut Topology, port: &str, extra: &[&str]) -> Result<String, String> {
    let b = topo.b.clone();
    let a = topo.a.clone();
    topo.spawn(&b, &["iperf3", "-s", "-1", "-p", port, "-B", "10.10.2.2"], false)?;
    // Wait for the server to listen.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let ss = run(&["ip", "netns", "exec", &b, "ss", "-ltn"], Duration::from_secs(5)).map_err(|e| e.to_string())?;
        if String::from_utf8_lossy(&ss.stdout).contains(&format!(":{port}")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut args =
        vec!["ip", "netns", "exec", &a, "iperf3", "-c", "10.10.2.2", "-p", port, "-J", "--connect-timeout", "3000"];
    args.extend_from_slice(extra);
    let out = run(&args, Duration::from_secs(20))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("iperf3 {extra:?} failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(text)
}

/// The number after `"key":` in iperf3's JSON "end" section (the last occurrence).
fn json_number(json: &str, key: &str) -> Option<f64> {
    let pat = format!("\"{key}\":");
    let at = json.rfind(&pat)? + pat.len();
    let rest = json[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == '+'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn handler(out: &str, name: &str) -> Option<u64> {
    let mut lines = out.lines();
    while let Some(l) = lines.next() {
        if l.trim() == format!("{name}:") {
            return lines.next()?.trim().parse().ok();
        }
    }
    None
}

/// How FromDevice and ToDevice move frames in a router test.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Io {
    /// The default: memory-mapped rings (TPACKET_V3 receive ring).
    Rings,
    /// Rings, FromDevice with a TPACKET_V2 ring (RING_VERSION 2).
    RingsV2,
    /// Rings, FromDevice with a TPACKET_V3 ring (RING_VERSION 3; the default without GSO).
    RingsV3,
    /// RING false: recvmmsg and sendmmsg.
    Syscalls,
}

/// FromDevice and ToDevice as configured by default: memory-mapped rings.
#[test]
fn ip_router_between_namespaces() {
    router_test(false, false, Io::Rings);
}

/// FromDevice with a TPACKET_V2 receive ring: offload aggregates (longer than its slots)
/// come through the socket, in order.
#[test]
fn ip_router_between_namespaces_v2_ring() {
    router_test(false, false, Io::RingsV2);
}

/// The same router passing the kernel's segmentation-offload aggregates through whole
/// (FromDevice and ToDevice with GSO true), through the rings.
#[test]
fn ip_router_between_namespaces_gso_pass_through() {
    router_test(false, true, Io::Rings);
}

/// GSO pass-through with a TPACKET_V3 receive ring (GSO true alone gives V2): aggregates
/// packed into the ring's blocks.
#[test]
fn ip_router_between_namespaces_gso_pass_through_v3_ring() {
    router_test(false, true, Io::RingsV3);
}

/// The same router with RING false: `recvmmsg` and `sendmmsg`.
#[test]
fn ip_router_between_namespaces_without_rings() {
    router_test(false, false, Io::Syscalls);
}

/// GSO pass-through with RING false.
#[test]
fn ip_router_between_namespaces_gso_pass_through_without_rings() {
    router_test(false, true, Io::Syscalls);
}

/// The same IP router with AF_XDP device elements instead of AF_PACKET ones.
#[cfg(feature = "af_xdp")]
#[test]
fn ip_router_between_namespaces_af_xdp() {
    router_test(true, false, Io::Syscalls);
}

/// The machines running these tests have few cores: traffic tests take turns, so that one
/// router's UDP stream does not lose packets because another test hogs the CPU.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The router test, with FromDevice/ToDevice (segmenting, or with `gso` passing aggregates
/// through; through memory-mapped rings if `ring`, else with recvmmsg/sendmmsg) or (`xdp`)
/// FromXDPDevice/ToXDPDevice.
fn router_test(xdp: bool, gso: bool, io: Io) {
    let ring = io != Io::Syscalls;
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(why) = cannot_run() {
        println!("SKIPPED netns_router: {why}");
        eprintln!("SKIPPED netns_router: {why}");
        return;
    }
    let started = Instant::now();
    let mut topo = match Topology::new(match (xdp, gso, ring) {
        (true, _, _) => "x",
        (false, true, true) if io == Io::RingsV3 => "g3",
        (false, true, true) => "g",
        (false, true, false) => "gc",
        (false, false, true) if io == Io::RingsV2 => "v",
        (false, false, true) => "",
        (false, false, false) => "c",
    }) {
        Ok(t) => t,
        Err(e) => {
            println!("SKIPPED netns_router: cannot create network namespaces: {e}");
            eprintln!("SKIPPED netns_router: cannot create network namespaces: {e}");
            return;
        }
    };
    topo.setup().expect("topology");

    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/netns-router.click");
    let text = std::fs::read_to_string(&config).expect("example configuration");
    // XDP carries no offload metadata: the router recomputes checksums the veth peers
    // left partial (see FromXDPDevice's FIX_CHECKSUMS).
    let text = if xdp {
        text.replace(
            "FromDevice($IF0, BURST $BURST, SNIFFER $SNIFFER, GSO $GSO)",
            "FromXDPDevice($IF0, MODE copy, FIX_CHECKSUMS true)",
        )
        .replace(
            "FromDevice($IF1, BURST $BURST, SNIFFER $SNIFFER, GSO $GSO)",
            "FromXDPDevice($IF1, MODE copy, FIX_CHECKSUMS true)",
        )
        .replace("ToDevice($IF0, BURST $BURST, GSO $GSO)", "ToXDPDevice($IF0, MODE copy)")
        .replace("ToDevice($IF1, BURST $BURST, GSO $GSO)", "ToXDPDevice($IF1, MODE copy)")
    } else if !ring {
        text.replace("GSO $GSO)", "GSO $GSO, RING false)")
    } else if io == Io::RingsV2 {
        text.replace("SNIFFER $SNIFFER, GSO $GSO)", "SNIFFER $SNIFFER, GSO $GSO, RING_VERSION 2)")
    } else if io == Io::RingsV3 {
        text.replace("SNIFFER $SNIFFER, GSO $GSO)", "SNIFFER $SNIFFER, GSO $GSO, RING_VERSION 3)")
    } else {
        text
    };
    let r = topo.r.clone();
    let vrouter = env!("CARGO_BIN_EXE_vrouter");
    let mut args = vec![vrouter, "run", "-e", &text];
    let mut vars = vec![format!("MAC0={MAC0}"), format!("MAC1={MAC1}"), "IF0=rA".into(), "IF1=rB".into()];
    if gso {
        vars.extend(["GSO=true".to_string(), "MTU=65535".to_string()]);
    }
    args.extend(vars.iter().map(String::as_str));
    let mut handlers = vec![
        "fd0.count",
        "fd1.count",
        "fd0.drops",
        "fd1.drops",
        "td0.count",
        "td1.count",
        "td0.drops",
        "td1.drops",
        "arpq0.queries",
        "arpq1.queries",
        "fd0.kernel_drops",
        "fd1.kernel_drops",
        "out0.drops",
        "out1.drops",
        "td0.pending",
        "td1.pending",
    ];
    if !xdp {
        handlers.extend([
            "fd0.segmented",
            "fd0.gso_passed",
            "td1.gso_sent",
            "td0.bulk_sent",
            "td1.bulk_sent",
            "fd0.method",
            "fd1.method",
            "td0.method",
            "td1.method",
        ]);
    }
    for h in handlers {
        args.extend(["-h", h]);
    }
    let router = topo.spawn(&r, &args, true).expect("start vrouter");
    // Let the router open its sockets (or fail to).
    std::thread::sleep(Duration::from_millis(500));
    if let Ok(Some(status)) = topo.children[router].try_wait() {
        let mut err = String::new();
        let _ = topo.children[router].stderr.take().map(|mut s| s.read_to_string(&mut err));
        panic!("vrouter exited at once ({status}):\n{err}");
    }

    let (a, b) = (topo.a.clone(), topo.b.clone());
    if !xdp {
        // SNIFFER false: the router's kernel does not see what arrives on the devices, so
        // an address given to one of them is not answered.
        let r = topo.r.clone();
        ok(&["ip", "-n", &r, "addr", "add", "10.10.1.99/24", "dev", "rA"]).unwrap();
        let out = run(
            &["ip", "netns", "exec", &a, "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.10.1.99"],
            Duration::from_secs(5),
        )
        .unwrap();
        assert!(!out.status.success(), "the router's kernel answered on a SNIFFER false device");
        ok(&["ip", "-n", &r, "addr", "del", "10.10.1.99/24", "dev", "rA"]).unwrap();
        let _ = run(&["ip", "-n", &a, "neigh", "flush", "all"], Duration::from_secs(5));
    }
    ping(&topo, &a, "10.10.2.2").unwrap();
    ping(&topo, &b, "10.10.1.2").unwrap();
    ping(&topo, &a, "10.10.1.1").unwrap();

    let tcp = iperf(&mut topo, "5201", &["-t", "2"]).unwrap();
    let received = json_number(&tcp, "bytes").unwrap_or(0.0);
    let bps = json_number(&tcp, "bits_per_second").unwrap_or(0.0);
    println!("TCP through vrouter: {:.1} MB received, {:.0} Mbit/s", received / 1e6, bps / 1e6);
    assert!(received > 1e6, "TCP moved only {received} bytes:\n{tcp}");

    // Socket buffers of 4 MB at both ends: on two shared cores a receiver descheduled for a
    // few milliseconds must not overflow the default ~200 KB (that loss is host B's, not
    // the router's, whose own drops are checked below).
    let udp = iperf(&mut topo, "5202", &["-u", "-b", "20M", "-l", "1000", "-t", "2", "-w", "4M"]).unwrap();
    let packets = json_number(&udp, "packets").unwrap_or(0.0);
    let lost = json_number(&udp, "lost_packets").unwrap_or(-1.0);
    println!("UDP through vrouter: {packets} datagrams, {lost} lost");
    assert!(packets > 1000.0, "too few UDP datagrams:\n{udp}");

    // A device going down: reported, the other device keeps working, and traffic resumes
    // when it comes back.
    if !xdp {
        let r = topo.r.clone();
        ok(&["ip", "-n", &r, "link", "set", "rB", "down"]).unwrap();
        let _ = run(
            &["ip", "netns", "exec", &a, "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.10.2.2"],
            Duration::from_secs(5),
        );
        ping(&topo, &a, "10.10.1.1").unwrap();
        ok(&["ip", "-n", &r, "link", "set", "rB", "up"]).unwrap();
        ping(&topo, &a, "10.10.2.2").unwrap();
    }

    // Stop the router as Ctrl-C would, and read its counters.
    signal(topo.children[router].id(), libc::SIGINT);
    let deadline = Instant::now() + Duration::from_secs(10);
    while topo.children[router].try_wait().ok().flatten().is_none() {
        assert!(Instant::now() < deadline, "vrouter did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    let _ = topo.children[router].stdout.take().map(|mut s| s.read_to_string(&mut out));
    let mut err = String::new();
    let _ = topo.children[router].stderr.take().map(|mut s| s.read_to_string(&mut err));
    println!("vrouter handlers:\n{out}\nvrouter stderr:\n{err}");
    // Checked once the router's counters are known, so that a failure shows where packets went.
    assert_eq!(lost, 0.0, "UDP datagrams were lost:\n{udp}\nvrouter handlers:\n{out}");
    let fd0 = handler(&out, "fd0.count").expect("fd0.count");
    let td1 = handler(&out, "td1.count").expect("td1.count");
    assert!(fd0 > 1000 && td1 > 1000, "too little traffic through the router:\n{out}");
    assert!(handler(&out, "arpq1.queries").unwrap_or(0) >= 1, "the router never sent an ARP query:\n{out}");
    assert_eq!(handler(&out, "fd0.drops"), Some(0), "{out}");
    if !xdp {
        // Host A's TCP hands the router 64 KB aggregates: split, or passed through whole.
        let (split, passed) =
            (handler(&out, "fd0.segmented").unwrap_or(0), handler(&out, "fd0.gso_passed").unwrap_or(0));
        if gso {
            assert!(passed > 0 && split == 0, "GSO pass-through did not happen:\n{out}");
            assert!(handler(&out, "td1.gso_sent").unwrap_or(0) > 0, "ToDevice sent no aggregate:\n{out}");
        } else {
            assert!(split > 0 && passed == 0, "no offload frame was segmented:\n{out}");
        }
        assert!(err.contains("rB: device"), "the device going down was not reported:\n{err}");
        assert!(
            err.contains("fd1: rB: device went down") && err.contains("td1: rB: device is down"),
            "FromDevice and ToDevice both report the device going down:\n{err}"
        );
        // Each element used the method asked for (a ring that cannot be set up would fall
        // back to the system calls, and say so).
        let methods: Vec<&str> = ["fd0.method", "fd1.method", "td0.method", "td1.method"]
            .iter()
            .map(|h| {
                let mut lines = out.lines();
                lines.find(|l| l.trim() == format!("{h}:")).and_then(|_| lines.next()).unwrap_or("").trim()
            })
            .collect();
        let want = if ring { ["mmap"; 4] } else { ["recvmmsg", "recvmmsg", "sendmmsg", "sendmmsg"] };
        assert_eq!(methods, want, "{out}\n{err}");
        if ring {
            // Beside the ring, long frames (TCP segments or aggregates, 1000-byte datagrams)
            // went through sendmmsg; host B's short ACKs came back through td0's ring.
            let bulk = |h| handler(&out, h).unwrap_or(0);
            assert!(bulk("td1.bulk_sent") > 1000, "no long frame went through sendmmsg:\n{out}");
            assert!(bulk("td0.bulk_sent") * 2 < bulk("td0.count"), "short frames did not use the ring:\n{out}");
        }
        assert!(!err.contains("cannot set up"), "{err}");
    }
    println!("netns_router took {:.1} s", started.elapsed().as_secs_f64());
}

/// Runs `vrouter run -e CONFIG` with handlers in `ns`; returns the child's index.
fn spawn_vrouter(ns: &mut Namespace, config: &str, handlers: &[&str]) -> Result<usize, String> {
    let mut args = vec!["netns", "exec", ns.name.as_str(), env!("CARGO_BIN_EXE_vrouter"), "run", "-e", config];
    for h in handlers {
        args.extend(["-h", h]);
    }
    let child = Command::new("ip")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    ns.children.push(child);
    Ok(ns.children.len() - 1)
}

/// Stops a vrouter with SIGINT; returns its standard output and error.
fn stop_vrouter(ns: &mut Namespace, i: usize) -> (String, String) {
    signal(ns.children[i].id(), libc::SIGINT);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ns.children[i].try_wait().ok().flatten().is_none() {
        assert!(Instant::now() < deadline, "vrouter did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut out, mut err) = (String::new(), String::new());
    let _ = ns.children[i].stdout.take().map(|mut s| s.read_to_string(&mut out));
    let _ = ns.children[i].stderr.take().map(|mut s| s.read_to_string(&mut err));
    (out, err)
}

/// KernelTun, KernelTap and FromHost/ToHost: the router answers the kernel's pings on
/// devices it created.
#[test]
fn tun_tap_and_host_devices() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut ns) = namespace_for("tun_tap_and_host_devices", "t") else { return };
    let config = r#"
        tun :: KernelTun(10.98.0.1/24, DEVNAME vtun0);
        tun -> IPClassifier(icmp type echo) -> ICMPPingResponder -> tun;

        tap :: KernelTap(10.97.0.1/24, DEVNAME vtap0, ETHER 02:11:11:11:11:11);
        tap -> c :: Classifier(12/0806 20/0001, 12/0800, -);
        c[0] -> ARPResponder(10.97.0.2 02:22:22:22:22:22) -> tap;
        c[1] -> Strip(14) -> CheckIPHeader -> ICMPPingResponder
             -> EtherEncap(0x0800, 02:22:22:22:22:22, 02:11:11:11:11:11) -> tap;
        c[2] -> Discard;

        fh :: FromHost(vhost0, 10.96.0.1/24, ETHER 02:33:33:33:33:33);
        th :: ToHost(vhost0);
        fh -> d :: Classifier(12/0806 20/0001, 12/0800, -);
        d[0] -> ARPResponder(10.96.0.2 02:44:44:44:44:44) -> th;
        d[1] -> Strip(14) -> CheckIPHeader -> ICMPPingResponder
             -> EtherEncap(0x0800, 02:44:44:44:44:44, 02:33:33:33:33:33) -> th;
        d[2] -> Discard;
    "#;
    let i = spawn_vrouter(&mut ns, config, &["tun.sent", "tap.sent", "th.count"]).expect("start vrouter");
    std::thread::sleep(Duration::from_millis(500));
    let name = ns.name.clone();
    for dst in ["10.98.0.2", "10.97.0.2", "10.96.0.2"] {
        let out = run(
            &["ip", "netns", "exec", &name, "ping", "-c", "3", "-i", "0.2", "-W", "1", dst],
            Duration::from_secs(10),
        )
        .expect("ping");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(" 0% packet loss"), "ping {dst} through a router-made device failed:\n{text}");
    }
    let (out, err) = stop_vrouter(&mut ns, i);
    for h in ["tun.sent", "tap.sent", "th.count"] {
        assert!(handler(&out, h).unwrap_or(0) >= 3, "{h} too low:\n{out}\n{err}");
    }
}

/// A missing device is an error the user can act on, and the router does not start.
#[test]
fn missing_device_is_reported() {
    let out = run(
        &[env!("CARGO_BIN_EXE_vrouter"), "run", "-e", "FromDevice(vrt-nodev0) -> Discard;"],
        Duration::from_secs(10),
    )
    .expect("vrouter");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("vrt-nodev0: no such device"), "{err}");
}

/// Without privileges, device elements say what is missing.
#[test]
fn permission_error_is_reported() {
    if cannot_run().is_some() || !have("setpriv") {
        println!("SKIPPED permission_error_is_reported: needs root and setpriv to drop privileges");
        return;
    }
    // Copy the binary where an unprivileged user can run it.
    let copy = std::env::temp_dir().join(format!("vrouter-noperm-{}", std::process::id()));
    std::fs::copy(env!("CARGO_BIN_EXE_vrouter"), &copy).expect("copy vrouter");
    let out = run(
        &[
            "setpriv",
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            copy.to_str().expect("utf-8"),
            "run",
            "-e",
            "FromDevice(lo) -> Discard; Idle -> KernelTun(10.1.0.1/24) -> Discard;",
        ],
        Duration::from_secs(10),
    );
    let _ = std::fs::remove_file(&copy);
    let out = out.expect("vrouter");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("lo: permission denied") && err.contains("CAP_NET_RAW"), "{err}");
    assert!(err.contains("new TUN device: permission denied"), "{err}");
}

/// A ring the kernel refuses: FromDevice and ToDevice with `BUFFER` 2^43 bytes ask for
/// receive and transmit rings of 2^32 frames (2^26 blocks of 128 KB, 2^23 of 1 MB), which
/// `packet_set_ring` rejects with EINVAL at `setsockopt(PACKET_RX_RING / PACKET_TX_RING)`
/// (frames per block times blocks must fit its 32-bit frame count; checked with strace on
/// Linux 6.18), before anything is allocated. Both elements
/// must say so, fall back to recvmmsg/sendmmsg (their `method` handlers), and still carry
/// frames: ToDevice sends on one end of a veth pair, FromDevice reads them at the other.
#[test]
fn ring_setup_failure_falls_back_to_system_calls() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut ns) = namespace_for("ring_setup_failure_falls_back_to_system_calls", "f") else { return };
    veth_pairs(&ns.name, &[("fb0", "fb1")]);
    // 60-byte broadcast frames of the local experimental ethertype 0x88b5.
    let frame = format!("\\<ffffffffffff020000000001 88b5 {}>", "00".repeat(46));
    // 8 TiB: more than a ring may have (1 GiB), so setting it up fails.
    let huge = 1u64 << 43;
    let config = format!(
        "fd :: FromDevice(fb0, BUFFER {huge}) -> c :: Classifier(12/88b5, -); c[0] -> got :: Counter -> Discard; \
         c[1] -> Discard;
         RatedSource(DATA {frame}, RATE 1000, LIMIT 300) -> td :: ToDevice(fb1, BUFFER {huge});"
    );
    let i = spawn_vrouter(&mut ns, &config, &["fd.method", "td.method", "got.count", "td.count", "td.drops"])
        .expect("start vrouter");
    // 300 frames at 1,000 a second, and time to read them.
    std::thread::sleep(Duration::from_millis(1500));
    let (out, err) = stop_vrouter(&mut ns, i);
    let value = |h: &str| {
        let mut lines = out.lines();
        lines.find(|l| l.trim() == format!("{h}:")).and_then(|_| lines.next()).unwrap_or("").trim().to_string()
    };
    assert!(
        err.contains("fd: fb0: cannot set up the receive ring") && err.contains("reading with recvmmsg"),
        "FromDevice did not report the refused ring:\n{err}"
    );
    assert!(
        err.contains("td: fb1: cannot set up the transmit ring") && err.contains("sending with sendmmsg"),
        "ToDevice did not report the refused ring:\n{err}"
    );
    // Refused before the kernel is asked (it checks a ring's geometry, not its size, and
    // would try to allocate it all), with the reason given.
    assert!(err.contains("packet ring too large (at most 1 GiB)"), "{err}");
    assert_eq!((value("fd.method").as_str(), value("td.method").as_str()), ("recvmmsg", "sendmmsg"), "{out}\n{err}");
    assert_eq!(handler(&out, "td.count"), Some(300), "ToDevice did not send every frame:\n{out}\n{err}");
    assert_eq!(handler(&out, "got.count"), Some(300), "FromDevice did not read every frame:\n{out}\n{err}");
}

/// An idle FromDevice stops polling and sleeps on its socket (its `sleeps` handler counts
/// it), and a frame arriving wakes it: frames 5 ms apart, more than the 1 ms it polls an
/// empty device for, all arrive, with the ring and with system calls.
#[test]
fn an_idle_device_sleeps_and_every_frame_wakes_it() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut ns) = namespace_for("an_idle_device_sleeps_and_every_frame_wakes_it", "s") else { return };
    veth_pairs(&ns.name, &[("sl0", "sl1"), ("sr0", "sr1")]);
    let frame = format!("\\<ffffffffffff020000000001 88b5 {}>", "00".repeat(46));
    let config = format!(
        "ring :: FromDevice(sl0) -> c0 :: Classifier(12/88b5, -); c0[0] -> got0 :: Counter -> Discard; c0[1] -> Discard;
         calls :: FromDevice(sr0, RING false) -> c1 :: Classifier(12/88b5, -); c1[0] -> got1 :: Counter -> Discard;
         c1[1] -> Discard;
         RatedSource(DATA {frame}, RATE 200, LIMIT 100) -> ToDevice(sl1);
         RatedSource(DATA {frame}, RATE 200, LIMIT 100) -> ToDevice(sr1);"
    );
    let i = spawn_vrouter(&mut ns, &config, &["ring.sleeps", "calls.sleeps", "got0.count", "got1.count"])
        .expect("start vrouter");
    // 100 frames at 200 a second, and time to read them.
    std::thread::sleep(Duration::from_millis(1200));
    let (out, err) = stop_vrouter(&mut ns, i);
    assert_eq!(handler(&out, "got0.count"), Some(100), "the ring's FromDevice missed frames:\n{out}\n{err}");
    assert_eq!(handler(&out, "got1.count"), Some(100), "the system-call FromDevice missed frames:\n{out}\n{err}");
    // Between frames 5 ms apart it sleeps nearly every time (and then for good).
    for h in ["ring.sleeps", "calls.sleeps"] {
        let sleeps = handler(&out, h).unwrap_or(0);
        assert!(sleeps >= 50, "{h} = {sleeps}: an idle FromDevice kept polling\n{out}\n{err}");
    }
}
