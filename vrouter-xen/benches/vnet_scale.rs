//! Scale benchmark of the virtual-network host: aggregate forwarding rate and per-frame
//! latency with 1 to 64 networks, each a router in its own domain process, over the direct
//! path (the host's HypervisorDemux) and the driver-domain path.
//!
//! `cargo bench -p vrouter-xen --bench vnet_scale` prints a table. `VNET_SCALE_NS=1,2,4`
//! picks the network counts, `VNET_SCALE_SECS=2` the measuring time per phase,
//! `VNET_SCALE_MODES=direct,driver` the paths, `VNET_SCALE_REPEAT=2` how many times each
//! cell is measured (the best rate and the lowest mean latency are kept: the machine is
//! shared, and interference only ever makes a run slower). `VNET_SCALE_DOMAIN=PATH` runs
//! another build's domain program (to compare two versions: keep a copy of both binaries).
//! `VNET_SCALE_PIN=0` leaves the host's router thread and the domains where the kernel puts
//! them (`pin_cpus = false`); `VNET_SCALE_QUEUE` and `VNET_SCALE_BUDGET` set every network's
//! queue (512) and budget (64). `VNET_SCALE_HUGE=0` leaves the system's pool of huge pages
//! as it is (by default the host reserves what the domains' memory needs, given back after
//! each run: `reserve_huge_pages`; without root it runs on whatever the pool has). `VNET_SCALE_CPU=1` also prints each run's rate and CPU time per forwarded frame, of the
//! host process and of the domains (steadier than the rate when other work shares the CPUs).
//!
//! Rate: every network gets frames as fast as the host's source can make them (one source
//! taking turns between the networks); the rate is what comes back from the domains.
//! Latency: then at a light 2,000 frames/s in all, from stamping in the host's source to
//! arrival back at the physical side (through the demux or driver domain, the network's
//! router, and back).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vrouter_xen::host::{
    DomainSpec, Host, HostConfig, HostError, IoPath, NetworkConfig, PhysicalConfig, Role, TrafficConfig,
};

const FORWARD: &str = "from :: FromNetfront -> Strip(14) -> CheckIPHeader -> DecIPTTL \
    -> EtherEncap(0x0800, 02:00:00:00:00:01, 02:00:00:00:00:fd) -> Queue($QUEUE) -> to :: ToNetfront;\n";

fn launcher() -> vrouter_xen::host::Launcher {
    Box::new(move |spec: &DomainSpec<'_>| {
        let program =
            std::env::var_os("VNET_SCALE_DOMAIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_vrouter-xen-domain").into());
        let mut cmd = Command::new(program);
        cmd.env("VROUTER_XEN_CONFIG", spec.config)
            .env("VROUTER_XEN_BACKEND", spec.backend.to_string())
            .stdout(Stdio::null());
        match spec.role {
            Role::Network(n) => {
                cmd.env("VROUTER_XEN_MODE", "router")
                    .env("VROUTER_XEN_DEFS", vrouter_xen::host::definitions(n).join(" "));
            }
            Role::DriverDomain(names) => {
                cmd.env("VROUTER_XEN_MODE", "driver").env("VROUTER_XEN_NETS", names.join(","));
            }
        }
        cmd
    })
}

/// `VNET_SCALE_NICE` overrides the domains' nice value (0: the host's priority).
fn nice() -> i32 {
    std::env::var("VNET_SCALE_NICE").ok().and_then(|v| v.parse().ok()).unwrap_or(vrouter_xen::host::DOMAIN_NICE)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Result_ {
    rate: f64,
    latency: String,
    /// CPU time per forwarded frame in the rate phase: the host process, the domains.
    cpu: (f64, f64),
    /// Domains whose memory went in huge pages, and in ordinary ones.
    memory: (u64, u64),
}

/// CPU time (ns) the threads of process `pid` have run (`/proc/PID/task/*/schedstat`).
fn task_ns(pid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    dir.flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
        .sum()
}

/// CPU time (ns) of this process and of its children (the domains), so far. Comparing two
/// versions by CPU per frame is steadier than by rate when other work shares the machine.
fn cpu_ns() -> (u64, u64) {
    let me = std::process::id();
    let mut children = 0;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // The parent's pid is the second field after the command name (which may hold spaces).
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid == Some(me) {
            children += task_ns(pid);
        }
    }
    (task_ns(me), children)
}

fn total_out(h: &Host) -> u64 {
    h.rows().iter().map(|r| r.frames_out).sum()
}

fn supervise(h: &mut Host, d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        h.supervise();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn measure(io: IoPath, n: usize, secs: f64, config: &Path) -> Result<Result_, String> {
    let networks: Vec<NetworkConfig> = (0..n)
        .map(|i| NetworkConfig {
            name: format!("n{i}"),
            mac: Some(format!("02:00:00:01:{:02x}:{:02x}", i >> 8, i & 255)),
            vlan: None,
            vni: None,
            config: config.to_path_buf(),
            queue: env_usize("VNET_SCALE_QUEUE", 512),
            budget: env_usize("VNET_SCALE_BUDGET", 64),
        })
        .collect();
    let traffic =
        (0..n).map(|i| TrafficConfig { network: format!("n{i}"), rate: 0, size: 98, tos: 0, limit: None }).collect();
    let cfg = HostConfig {
        io,
        seconds: None,
        control: None,
        domain_nice: nice(),
        pin_cpus: env_usize("VNET_SCALE_PIN", 1) != 0,
        reserve_huge_pages: env_usize("VNET_SCALE_HUGE", 1) != 0,
        physical: PhysicalConfig { traffic, ..Default::default() },
        networks,
    };
    let mut h = match Host::start(cfg.clone(), launcher()) {
        Err(HostError::HugePages { .. }) => {
            eprintln!("(cannot reserve huge pages here: the domains' memory may be in 4 KiB pages)");
            Host::start(HostConfig { reserve_huge_pages: false, ..cfg }, launcher())
        }
        r => r,
    }
    .map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    while h.rows().iter().any(|r| r.frames_out == 0) {
        if t0.elapsed() > Duration::from_secs(30) {
            return Err("not every network forwarded within 30 s".into());
        }
        supervise(&mut h, Duration::from_millis(100));
    }
    supervise(&mut h, Duration::from_millis(500));
    let debug = std::env::var("VNET_SCALE_DEBUG").is_ok();
    if debug {
        eprintln!("{io:?} {n}: every network forwards after {:?}; measuring", t0.elapsed());
    }
    let rounds = |h: &Host| h.read_handler("demux.rounds").ok().and_then(|r| r.trim().parse::<u64>().ok()).unwrap_or(0);
    let (t, c, cpu0, r0) = (Instant::now(), total_out(&h), cpu_ns(), rounds(&h));
    supervise(&mut h, Duration::from_secs_f64(secs));
    let (frames, cpu1, r1) = (total_out(&h) - c, cpu_ns(), rounds(&h));
    let rate = frames as f64 / t.elapsed().as_secs_f64();
    let per_frame = |a: u64, b: u64| b.saturating_sub(a) as f64 / frames.max(1) as f64;
    let cpu = (per_frame(cpu0.0, cpu1.0), per_frame(cpu0.1, cpu1.1));
    if debug {
        eprintln!(
            "{io:?} {n}: {} demux rounds, {:.1} frames forwarded a round",
            r1 - r0,
            frames as f64 / (r1 - r0).max(1) as f64
        );
        eprintln!("{io:?} {n}: {:?} phys {:?}", h.rows(), h.table().physical_in);
        let read = |x: &str| h.read_handler(&format!("n0/{x}")).unwrap_or_else(|e| e.to_string());
        eprintln!(
            "n0: from.rx {} from.sleeps {} from.polls {} to.tx {} to.sleeps {}",
            read("from.rx"),
            read("from.sleeps"),
            read("from.polls"),
            read("to.tx"),
            read("to.sleeps")
        );
    }
    let restarts: u64 = h.rows().iter().map(|r| r.restarts).sum();
    let memory = h.memory_pages();
    h.write_handler("mix.rate", "2000").map_err(|e| e.to_string())?;
    supervise(&mut h, Duration::from_millis(700));
    h.write_handler("out.reset", "").map_err(|e| e.to_string())?;
    supervise(&mut h, Duration::from_secs_f64(secs));
    let lat = h.read_handler("out.latency").map_err(|e| e.to_string())?;
    h.shutdown();
    let f: Vec<&str> = lat.split_whitespace().collect();
    let latency = match f[..] {
        [_, mean, p50, p99, _] => format!("{mean} / {p50} / {p99}"),
        _ => lat.clone(),
    };
    let latency = if restarts > 0 { format!("{latency} ({restarts} restarts)") } else { latency };
    Ok(Result_ { rate, latency, cpu, memory })
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("vnet_scale: benchmark");
        return;
    }
    let ns: Vec<usize> = std::env::var("VNET_SCALE_NS")
        .unwrap_or_else(|_| "1,2,4,8,16,32,64".into())
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    let secs: f64 = std::env::var("VNET_SCALE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(2.0);
    let modes = std::env::var("VNET_SCALE_MODES").unwrap_or_else(|_| "direct,driver".into());
    let repeat: usize = std::env::var("VNET_SCALE_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let dir = std::env::temp_dir().join(format!("vnet-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("forward.click");
    std::fs::write(&config, FORWARD).unwrap();
    println!(
        "{:>8} | {:>14} {:>30} | {:>14} {:>30}",
        "networks", "direct fps", "direct latency us mean/p50/p99", "driver fps", "driver latency us mean/p50/p99"
    );
    for &n in &ns {
        let mut cells = Vec::new();
        for (io, on) in [(IoPath::Direct, modes.contains("direct")), (IoPath::DriverDomain, modes.contains("driver"))] {
            if !on {
                cells.push(("-".to_string(), "-".to_string()));
                continue;
            }
            let mut best: Option<(f64, (f64, String))> = None;
            for _ in 0..repeat.max(1) {
                match measure(io, n, secs, &config) {
                    Ok(r) => {
                        if std::env::var("VNET_SCALE_CPU").is_ok() {
                            println!(
                                "{n} networks, {io:?}: {:.0} frames/s, CPU ns/frame host {:.0} domains {:.0}, \
                                 domains in huge pages {} of {}",
                                r.rate,
                                r.cpu.0,
                                r.cpu.1,
                                r.memory.0,
                                r.memory.0 + r.memory.1
                            );
                        }
                        let mean: f64 =
                            r.latency.split_whitespace().next().and_then(|m| m.parse().ok()).unwrap_or(f64::MAX);
                        best = Some(match best {
                            None => (r.rate, (mean, r.latency)),
                            Some((rate, lat)) => (rate.max(r.rate), if mean < lat.0 { (mean, r.latency) } else { lat }),
                        });
                    }
                    Err(e) => eprintln!("{n} networks, {io:?}: {e}"),
                }
            }
            match best {
                Some((rate, (_, lat))) => cells.push((format!("{rate:.0}"), lat)),
                None => cells.push(("failed".into(), "-".into())),
            }
        }
        println!("{:>8} | {:>14} {:>30} | {:>14} {:>30}", n, cells[0].0, cells[0].1, cells[1].0, cells[1].1);
    }
}
