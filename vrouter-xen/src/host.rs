//! The virtual-network host: one physical side, one domain process per virtual network, each
//! running its own router, connected to the host's [`HypervisorDemux`] by the vif ring
//! protocol. The host supervises the domains: one that dies, breaks the ring protocol or
//! stops taking frames is restarted with its configuration while the others carry on, and a
//! network's configuration can be replaced while the host runs (only that domain restarts).
//!
//! The host process is the hypervisor and domain 0: it owns every domain's memory
//! ([`LocalHypervisor`]), serves each domain process over its socket
//! ([`spawn_domain`]), and runs the back end of every vif in the demux.

use crate::abi::DomId;
use crate::click::NetbackElement;
use crate::click::demux::{DemuxTable, HypervisorDemux, VnetEntry, VnetMatch, encap};
use crate::click::traffic::{LatencySink, TrafficMix};
use crate::driver::{bridge_config, driver_frames, read_stats, vnet_key};
use crate::huge_pages::{self, HugePageReserve};
use crate::local::{LocalDomain, LocalHypervisor};
use crate::net::NetError;
use crate::netback::NETBACK_BATCH;
use crate::netfront::NETFRONT_FRAMES;
use crate::platform::XenError;
use crate::platform::XenStore;
use crate::port::PortSlot;
use crate::port::{SharedPlatform, lock_slot};
use crate::remote::{DomainProcess, spawn_domain};
use crate::vif::{connect_backend, toolstack_create_vif};
use click_core::{Registry, Router, RouterBuilder, RouterHandle};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// An error of the host.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The host file could not be read.
    #[error("{path}: {err}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        err: std::io::Error,
    },
    /// The host file is not valid TOML for a host.
    #[error("{path}: {err}")]
    Parse {
        /// The file.
        path: String,
        /// Why.
        err: toml::de::Error,
    },
    /// The host file is TOML, but says something impossible.
    #[error("{0}")]
    Config(String),
    /// A network's router configuration does not check.
    #[error("network {net}: {path}: {msg}")]
    Router {
        /// The network.
        net: String,
        /// Its configuration file.
        path: String,
        /// The diagnostics.
        msg: String,
    },
    /// The hypervisor failed.
    #[error(transparent)]
    Xen(#[from] XenError),
    /// The pool of huge pages could not be raised ([`HostConfig::reserve_huge_pages`]).
    #[error(
        "cannot reserve {wanted} huge pages in /proc/sys/vm/nr_hugepages: {err} (needs root; or set reserve_huge_pages = false)"
    )]
    HugePages {
        /// Huge pages the domains need.
        wanted: u64,
        /// Why.
        err: std::io::Error,
    },
    /// A vif could not be connected.
    #[error("network {net}: {err}")]
    Vif {
        /// The network.
        net: String,
        /// Why.
        err: NetError,
    },
}

/// Which way frames travel between the physical side and the domains.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum IoPath {
    /// The host's HypervisorDemux copies frames straight into each domain's rings.
    #[default]
    Direct,
    /// A driver-domain process bridges the physical side to one back end per domain.
    DriverDomain,
}

/// A `host.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// The I/O path, `direct` (default) or `driver-domain`.
    #[serde(default)]
    pub io: IoPath,
    /// Stop after this many seconds (also `--seconds`).
    #[serde(default)]
    pub seconds: Option<f64>,
    /// Serve every router's handlers on this Unix-domain socket (also `--control`), in
    /// Click's ControlSocket protocol: `NET/ELEMENT.HANDLER` names a handler of network
    /// NET's router (in its domain), `ELEMENT.HANDLER` one of the physical side's.
    #[serde(default)]
    pub control: Option<PathBuf>,
    /// The nice value of the domain processes (default [`DOMAIN_NICE`]; 0 runs them at the
    /// host's priority).
    #[serde(default = "default_nice")]
    pub domain_nice: i32,
    /// Give the physical side's router (the demux) a CPU of its own and run the domains on
    /// the others (default true; no effect with fewer than two CPUs). See [`CpuPlan`].
    #[serde(default = "default_true")]
    pub pin_cpus: bool,
    /// Make sure the system's pool of huge pages (`/proc/sys/vm/nr_hugepages`) holds what
    /// the domains' memory needs, raising it for the host's lifetime if it does not (needs
    /// root; given back at shutdown). Default false: the host uses the huge pages the pool
    /// has free, and ordinary pages otherwise, which cost the demux page walks at scale (see
    /// [`crate::huge_pages`]).
    #[serde(default)]
    pub reserve_huge_pages: bool,
    /// The physical side.
    pub physical: PhysicalConfig,
    /// The virtual networks (`[[network]]` tables).
    #[serde(rename = "network")]
    pub networks: Vec<NetworkConfig>,
}

/// The physical side: a pcap file, generated traffic, or both.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhysicalConfig {
    /// Frames to replay (pcap), once.
    #[serde(default)]
    pub pcap: Option<PathBuf>,
    /// Generated traffic (`[[physical.traffic]]` tables).
    #[serde(default)]
    pub traffic: Vec<TrafficConfig>,
    /// Write the frames the domains send to the physical side to this pcap file.
    #[serde(default)]
    pub output: Option<PathBuf>,
}

/// A stream of generated IPv4/UDP frames for one network.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficConfig {
    /// The network the frames are addressed to (its MAC, VLAN or VNI).
    pub network: String,
    /// Frames per second; 0 for as fast as the host can (all such streams share one
    /// source, `mix`, which takes turns between them and stamps frames for the `out.latency`
    /// handler).
    pub rate: u64,
    /// Inner frame length in bytes (default 98).
    #[serde(default = "default_size")]
    pub size: usize,
    /// IPv4 TOS byte (default 0), e.g. 0xb8 (DSCP EF) for a priority class.
    #[serde(default)]
    pub tos: u8,
    /// Frames in all (default: no limit).
    #[serde(default)]
    pub limit: Option<u64>,
}

fn default_true() -> bool {
    true
}
fn default_nice() -> i32 {
    DOMAIN_NICE
}
fn default_size() -> usize {
    98
}
fn default_queue() -> usize {
    512
}
fn default_budget() -> usize {
    64
}

/// One virtual network.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Its name.
    pub name: String,
    /// Recognised by this destination MAC (the network's vif), or
    #[serde(default)]
    pub mac: Option<String>,
    /// by this VLAN id, or
    #[serde(default)]
    pub vlan: Option<u16>,
    /// by this VXLAN VNI.
    #[serde(default)]
    pub vni: Option<u32>,
    /// Its router (`.click` file), run in its own domain. It gets the definitions `NET`
    /// (the name) and `QUEUE` (the queue length below).
    pub config: PathBuf,
    /// Frames the demux holds for the domain when its ring is full, and the `$QUEUE` its
    /// router may use (default 512).
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// CPU budget: frames moved each way per demux round (default 64).
    #[serde(default = "default_budget", alias = "cpu")]
    pub budget: usize,
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let v: Vec<u8> = s.split(':').map(|x| u8::from_str_radix(x, 16)).collect::<Result<_, _>>().ok()?;
    v.try_into().ok()
}

impl NetworkConfig {
    /// How its frames are recognised.
    pub fn key(&self) -> Result<VnetMatch, HostError> {
        match (&self.mac, self.vlan, self.vni) {
            (Some(m), None, None) => parse_mac(m)
                .map(VnetMatch::Mac)
                .ok_or_else(|| HostError::Config(format!("network {}: bad mac {m:?}", self.name))),
            (None, Some(v), None) if v > 0 && v < 4095 => Ok(VnetMatch::Vlan(v)),
            (None, None, Some(v)) if v < 1 << 24 => Ok(VnetMatch::Vni(v)),
            _ => Err(HostError::Config(format!(
                "network {}: give exactly one of mac, vlan (1-4094) or vni (< 2^24)",
                self.name
            ))),
        }
    }
}

impl HostConfig {
    /// Frames of the host's own domain (domain 0): the demux's copy buffers, one set per
    /// network on the direct path.
    fn dom0_frames(&self) -> u32 {
        match self.io {
            IoPath::DriverDomain => NETBACK_BATCH,
            IoPath::Direct => NETBACK_BATCH * self.networks.len() as u32,
        }
    }

    /// Huge pages the domains' memory uses when the system lends them (see
    /// [`crate::huge_pages`]): the host's own domain, the driver domain on that path, each
    /// network's domain, and one more for a domain being restarted.
    pub fn huge_pages_wanted(&self) -> u64 {
        let n = self.networks.len();
        let driver = match self.io {
            IoPath::DriverDomain => huge_pages::pages_for_domain(driver_frames(n)),
            IoPath::Direct => 0,
        };
        let network = huge_pages::pages_for_domain(NETFRONT_FRAMES);
        huge_pages::pages_for_domain(self.dom0_frames()) + driver + network * (n as u64 + 1)
    }

    /// Reads a host file; relative paths in it are taken from the file's directory.
    pub fn load(path: &Path) -> Result<HostConfig, HostError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| HostError::Read { path: p.clone(), err })?;
        let mut cfg: HostConfig = toml::from_str(&text).map_err(|err| HostError::Parse { path: p, err })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |x: &mut PathBuf| {
            if x.is_relative() {
                *x = base.join(&*x);
            }
        };
        for n in &mut cfg.networks {
            fix(&mut n.config);
        }
        if let Some(x) = cfg.physical.pcap.as_mut() {
            fix(x);
        }
        if let Some(x) = cfg.physical.output.as_mut() {
            fix(x);
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks names, keys and traffic.
    pub fn validate(&self) -> Result<(), HostError> {
        if self.networks.is_empty() {
            return Err(HostError::Config("no [[network]]".into()));
        }
        let mut keys = Vec::new();
        for (i, n) in self.networks.iter().enumerate() {
            if self.networks[..i].iter().any(|m| m.name == n.name) {
                return Err(HostError::Config(format!("network {} defined twice", n.name)));
            }
            let k = n.key()?;
            if keys.contains(&k) {
                return Err(HostError::Config(format!("network {}: {k} is used by another network", n.name)));
            }
            keys.push(k);
        }
        for t in &self.physical.traffic {
            if !self.networks.iter().any(|n| n.name == t.network) {
                return Err(HostError::Config(format!("traffic for unknown network {}", t.network)));
            }
            if t.size < 42 || t.size > 1514 {
                return Err(HostError::Config(format!("traffic size {} outside 42..=1514", t.size)));
            }
        }
        Ok(())
    }
}

/// An IPv4/UDP frame of `size` bytes for network number `index` with key `key`, as it
/// appears on the physical side.
pub fn traffic_frame(key: VnetMatch, index: usize, size: usize, tos: u8) -> Vec<u8> {
    let mut f = vec![0u8; size.max(42)];
    let dst = match key {
        VnetMatch::Mac(m) => m,
        _ => [0x02, 0, 0, 0, 0x01, index as u8],
    };
    f[..6].copy_from_slice(&dst);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0xfd]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip_len = (f.len() - 14) as u16;
    {
        let ip = &mut f[14..34];
        ip[0] = 0x45;
        ip[1] = tos;
        ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
        ip[8] = 64;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&[10, 0, 0, 1]);
        ip[16..20].copy_from_slice(&[10, (index as u8).wrapping_add(1), 0, 2]);
        let sum = elements::wire::checksum::checksum(ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
    }
    f[34..36].copy_from_slice(&1234u16.to_be_bytes());
    f[36..38].copy_from_slice(&5678u16.to_be_bytes());
    f[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
    encap(key, &f).data().to_vec()
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a domain process is for.
#[derive(Clone, Copy, Debug)]
pub enum Role<'a> {
    /// A network's router.
    Network(&'a NetworkConfig),
    /// The driver domain, serving these networks.
    DriverDomain(&'a [String]),
}

/// What the launcher needs to make a domain's command.
#[derive(Clone, Copy, Debug)]
pub struct DomainSpec<'a> {
    /// What the domain is for.
    pub role: Role<'a>,
    /// Its router configuration file.
    pub config: &'a Path,
    /// The domain its vif's back end is in (0: the host; else the driver domain).
    pub backend: DomId,
}

/// Makes the command that runs a domain: a process that connects its vif as a front end to
/// `backend` and runs `config` (see `vrouter domain`).
pub type Launcher = Box<dyn Fn(&DomainSpec<'_>) -> Command + Send>;

/// The registry of the host's and domains' routers: the standard elements plus ours.
pub fn registry() -> Registry {
    let mut r = elements::standard_registry();
    crate::click::register(&mut r);
    r
}

/// Compiles and checks a router configuration file (for reconfiguration: a bad file never
/// replaces a running domain).
pub fn check_config(path: &Path, defs: &[(String, String)], registry: &Registry) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let name = path.display().to_string();
    let sources = [(name.as_str(), text.as_str())];
    let compiled = click_core::config_lang::compile_sources(&sources, defs)
        .map_err(|d| click_core::config_lang::render_diagnostics(&d, &sources))?;
    RouterBuilder::from_flat(&compiled.graph, registry)
        .check()
        .map(|_| ())
        .map_err(|e| e.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
}

struct Domain {
    proc: Option<DomainProcess>,
    /// The domain id of the last process started (its vif is cleaned up on restart).
    last_domid: Option<DomId>,
    config: PathBuf,
    mtime: Option<SystemTime>,
}

/// One row of the live table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetRow {
    /// Network name.
    pub name: String,
    /// Frames copied into the domain.
    pub frames_in: u64,
    /// Frames the domain sent out.
    pub frames_out: u64,
    /// Frames dropped on the way to the domain.
    pub drops: u64,
    /// Times the domain was restarted.
    pub restarts: u64,
    /// Times its driver was cut off.
    pub cutoffs: u64,
    /// Domain id now.
    pub domid: u16,
}

/// A running host.
pub struct Host {
    cfg: HostConfig,
    hv: LocalHypervisor,
    dom0: SharedPlatform<LocalDomain>,
    table: Arc<DemuxTable>,
    domains: Vec<Domain>,
    launcher: Launcher,
    registry: Registry,
    router: Option<(RouterHandle, JoinHandle<Router>)>,
    log: Vec<String>,
    driver: Option<Driver>,
    driver_stats: Vec<(u64, u64, u64, u64)>,
    /// Where each domain's control socket lives (one per network, named after it).
    control_dir: PathBuf,
    control: Option<click_core::control::ControlServer>,
    /// Where the demux and the domains run (`None`: where the kernel puts them).
    cpus: Option<CpuPlan>,
    /// Huge pages added to the system's pool for this host ([`HostConfig::reserve_huge_pages`]).
    huge_pages: Option<HugePageReserve>,
}

/// The driver domain of the `driver-domain` I/O path.
struct Driver {
    proc: Option<DomainProcess>,
    config: PathBuf,
    phys: PortSlot,
}

/// The nice value of domain processes, the driver domain's included. On Xen the demux runs
/// in the hypervisor, which preempts guests whenever a frame or a notification arrives; a
/// host process that merely shared the CPU with its domains as a peer would get 1/(N+1) of it
/// once N domains are busy, and starve them all. Domains therefore run at a lower priority
/// than the host, and all at the same one, as Xen's credit scheduler gives every domain
/// (the driver domain too) the same weight by default.
pub const DOMAIN_NICE: i32 = 10;

/// Idle rounds a network's router spins before its thread sleeps (see
/// `click_core::Router::set_spin_rounds`): none by default, since a domain shares the CPUs
/// with many others and its `FromNetfront` already decides when to look at the ring again;
/// `VROUTER_DOMAIN_SPIN=N` overrides it (for comparisons).
pub fn domain_spin_rounds() -> u32 {
    std::env::var("VROUTER_DOMAIN_SPIN").ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn lower_priority(p: &mut DomainProcess, nice: i32) {
    if let Some(c) = p.child_mut()
        && nice != 0
    {
        // Best effort: a domain at the host's priority still works, only slower at scale.
        let _ = crate::sys::set_nice(c.id(), nice);
    }
}

/// Where the host runs its parts when [`HostConfig::pin_cpus`] is set: the physical side's
/// router thread (the demux) on the last CPU the host may use, every domain process (the
/// driver domain's included) on the others, as Xen deployments give dom0 and the
/// hypervisor's work pCPUs of their own. Left to the kernel's balancer, domains that wake
/// every few milliseconds land on the demux's CPU too: each evicts the demux's working set
/// from that core's caches and preempts it (at 64 networks on 2 CPUs: 3.06-3.12 M
/// frames/s unpinned, 3.70-3.85 M pinned, same run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuPlan {
    /// The physical side's router thread.
    pub host: usize,
    /// The domains.
    pub domains: Vec<usize>,
}

impl CpuPlan {
    /// The plan for the CPUs `allowed` (in increasing order); `None` with fewer than two.
    pub fn new(allowed: &[usize]) -> Option<CpuPlan> {
        let (&host, domains) = allowed.split_last()?;
        (!domains.is_empty()).then(|| CpuPlan { host, domains: domains.to_vec() })
    }
}

/// How long a domain has to complete the vif handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

impl Host {
    /// Starts every domain, connects its vif, and starts the physical side.
    pub fn start(cfg: HostConfig, launcher: Launcher) -> Result<Host, HostError> {
        cfg.validate()?;
        let huge_pages = if cfg.reserve_huge_pages {
            let wanted = cfg.huge_pages_wanted();
            Some(HugePageReserve::ensure(wanted).map_err(|err| HostError::HugePages { wanted, err })?)
        } else {
            None
        };
        let hv = LocalHypervisor::new();
        let dom0_frames = cfg.dom0_frames();
        let dom0 = SharedPlatform::new(hv.create_domain(dom0_frames, 1)?)?;
        let nets = cfg
            .networks
            .iter()
            .map(|c| Ok(VnetEntry::new(&c.name, c.key()?, c.budget, c.queue)))
            .collect::<Result<Vec<_>, HostError>>()?;
        let table = Arc::new(DemuxTable::new(nets));
        let registry = registry();
        for c in &cfg.networks {
            check_config(&c.config, &defs(c), &registry).map_err(|msg| HostError::Router {
                net: c.name.clone(),
                path: c.config.display().to_string(),
                msg,
            })?;
        }
        let domains: Vec<Domain> = cfg
            .networks
            .iter()
            .map(|c| Domain { proc: None, last_domid: None, config: c.config.clone(), mtime: mtime(&c.config) })
            .collect();
        let driver_stats = vec![(0, 0, 0, 0); domains.len()];
        let control_dir = std::env::temp_dir().join(format!("vrouter-host-{}-{:p}", std::process::id(), &table));
        std::fs::create_dir_all(&control_dir)
            .map_err(|err| HostError::Read { path: control_dir.display().to_string(), err })?;
        let mut host = Host {
            cfg,
            hv,
            dom0,
            table,
            domains,
            launcher,
            registry,
            router: None,
            log: Vec::new(),
            driver: None,
            driver_stats,
            control_dir,
            control: None,
            cpus: None,
            huge_pages,
        };
        if host.cfg.pin_cpus {
            host.cpus = crate::sys::allowed_cpus().ok().and_then(|c| CpuPlan::new(&c));
        }
        if host.cfg.io == IoPath::DriverDomain {
            host.start_driver()?;
        }
        // Spawn all first, so that domains start in parallel, then connect each.
        let mut procs = Vec::new();
        for i in 0..host.domains.len() {
            procs.push(host.spawn(i)?);
        }
        for (i, p) in procs.into_iter().enumerate() {
            host.connect(i, p)?;
        }
        host.start_physical()?;
        if let Some(path) = host.cfg.control.clone() {
            host.serve_control(&path).map_err(|err| HostError::Read { path: path.display().to_string(), err })?;
        }
        Ok(host)
    }

    /// The control socket of network `name`'s domain.
    fn domain_socket(&self, name: &str) -> PathBuf {
        self.control_dir.join(format!("{name}.sock"))
    }

    /// Serves the handlers of the physical side's router and of every domain's router on
    /// the Unix-domain socket `path` (see [`HostConfig::control`]).
    pub fn serve_control(&mut self, path: &Path) -> std::io::Result<()> {
        let access = self.handlers();
        let listener = click_core::control::ControlListener::unix(path)?;
        self.control = Some(click_core::control::ControlServer::start(listener, Arc::new(access), false)?);
        Ok(())
    }

    fn driver_domid(&self) -> Option<DomId> {
        self.driver.as_ref().and_then(|d| d.proc.as_ref()).map(|p| p.domid)
    }

    /// Starts the driver domain and connects its physical vif.
    fn start_driver(&mut self) -> Result<(), HostError> {
        let nets =
            self.cfg.networks.iter().map(|n| Ok((n.name.clone(), n.key()?))).collect::<Result<Vec<_>, HostError>>()?;
        let text = bridge_config(&nets).map_err(|e| HostError::Config(e.to_string()))?;
        let config = match &self.driver {
            Some(d) => d.config.clone(),
            None => {
                let p = std::env::temp_dir().join(format!("vrouter-driver-{}-{:p}.click", std::process::id(), self));
                std::fs::write(&p, text).map_err(|err| HostError::Read { path: p.display().to_string(), err })?;
                p
            }
        };
        let names: Vec<String> = nets.into_iter().map(|(n, _)| n).collect();
        let mut cmd = (self.launcher)(&DomainSpec { role: Role::DriverDomain(&names), config: &config, backend: 0 });
        if let Some(plan) = &self.cpus {
            crate::sys::pin_command(&mut cmd, &plan.domains);
        }
        let mut p = spawn_domain(&self.hv, driver_frames(names.len()), 2, cmd)?;
        lower_priority(&mut p, self.cfg.domain_nice);
        toolstack_create_vif(&mut self.dom0, 0, p.domid, 0)?;
        let plat = self.dom0.try_clone()?;
        let nb = connect_backend(plat, p.domid, 0, 0, HANDSHAKE_TIMEOUT)
            .map_err(|err| HostError::Vif { net: "driver domain".into(), err })?;
        let phys = match self.driver.take() {
            Some(d) => d.phys,
            None => crate::port::empty_slot(),
        };
        if let Some(mut old) = lock_slot(&phys).replace(Box::new(nb)) {
            old.close();
        }
        self.driver = Some(Driver { proc: Some(p), config, phys });
        Ok(())
    }

    fn spawn(&mut self, i: usize) -> Result<DomainProcess, HostError> {
        let c = &self.cfg.networks[i];
        let backend = self.driver_domid().unwrap_or(0);
        let mut cmd = (self.launcher)(&DomainSpec { role: Role::Network(c), config: &self.domains[i].config, backend });
        cmd.env(CONTROL_ENV, self.domain_socket(&c.name));
        if let Some(plan) = &self.cpus {
            crate::sys::pin_command(&mut cmd, &plan.domains);
        }
        let mut p = spawn_domain(&self.hv, NETFRONT_FRAMES, 2, cmd)?;
        lower_priority(&mut p, self.cfg.domain_nice);
        if let Some(old) = self.domains[i].last_domid.replace(p.domid) {
            let _ = self.dom0.remove(&format!("/local/domain/{backend}/backend/vif/{old}"));
            let _ = self.dom0.remove(&format!("/local/domain/{old}"));
        }
        toolstack_create_vif(&mut self.dom0, backend, p.domid, 0)?;
        if backend != 0 {
            self.dom0.write(&vnet_key(backend, p.domid), &c.name)?;
        }
        Ok(p)
    }

    fn connect(&mut self, i: usize, p: DomainProcess) -> Result<(), HostError> {
        if self.driver.is_some() {
            // The driver domain connects its back end by itself.
            self.table.nets[i].needs_restart.store(false, Ordering::Release);
            self.domains[i].proc = Some(p);
            return Ok(());
        }
        let name = self.cfg.networks[i].name.clone();
        let plat = self.dom0.try_clone()?;
        let nb = connect_backend(plat, p.domid, 0, NETBACK_BATCH * i as u32, HANDSHAKE_TIMEOUT)
            .map_err(|err| HostError::Vif { net: name, err })?;
        let net = &self.table.nets[i];
        *lock_slot(&net.slot) = Some(Box::new(nb));
        net.needs_restart.store(false, Ordering::Release);
        self.domains[i].proc = Some(p);
        Ok(())
    }

    fn start_physical(&mut self) -> Result<(), HostError> {
        let mut b = RouterBuilder::new(&self.registry);
        match &self.driver {
            Some(d) => b.add("demux", NetbackElement::with_slot(d.phys.clone(), 64)),
            None => b.add("demux", HypervisorDemux::new(self.table.clone())),
        };
        if let Some(p) = &self.cfg.physical.pcap {
            b.element("pcap", "FromDump", &format!("\"{}\", STOP false", p.display()));
            b.connect("pcap", 0, "demux", 0);
        }
        let mut mix = Vec::new();
        for (k, t) in self.cfg.physical.traffic.iter().enumerate() {
            let i = self.cfg.networks.iter().position(|n| n.name == t.network).unwrap_or(0);
            let f = traffic_frame(self.table.nets[i].key, i, t.size, t.tos);
            if t.rate == 0 {
                mix.push(f);
                continue;
            }
            let limit = t.limit.map_or(-1, |l| l as i64);
            let name = format!("src{k}");
            b.element(&name, "RatedSource", &format!("DATA \\<{}>, RATE {}, LIMIT {limit}", hex(&f), t.rate));
            b.connect(&name, 0, "demux", 0);
        }
        if !mix.is_empty() {
            b.add("mix", TrafficMix::new(mix, 0));
            b.connect("mix", 0, "demux", 0);
        }
        match &self.cfg.physical.output {
            Some(p) => b.element("out", "ToDump", &format!("\"{}\"", p.display())),
            None => b.add("out", LatencySink::default()),
        };
        b.connect("demux", 0, "out", 0);
        let mut router = b.build().map_err(|e| {
            HostError::Config(format!(
                "physical side: {}",
                e.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
            ))
        })?;
        let handle = router.handle();
        let host_cpu = self.cpus.as_ref().map(|p| p.host);
        let th = std::thread::Builder::new()
            .name("physical".into())
            .spawn(move || {
                if let Some(cpu) = host_cpu {
                    // Best effort: unpinned, the host works, only slower at scale.
                    let _ = crate::sys::pin_current_thread(&[cpu]);
                }
                router.run();
                router
            })
            .map_err(XenError::Io)?;
        // Handlers answer once the router runs.
        let t0 = Instant::now();
        while !handle.is_running() && !th.is_finished() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.router = Some((handle, th));
        Ok(())
    }

    /// Domains whose memory went in huge pages, and in ordinary pages, so far (restarted
    /// ones counted again; see [`HostConfig::reserve_huge_pages`]).
    pub fn memory_pages(&self) -> (u64, u64) {
        let st = self.hv.lock().stats();
        (st.bulk_huge, st.bulk_small)
    }

    /// The demux's table (counters, slots).
    pub fn table(&self) -> &Arc<DemuxTable> {
        &self.table
    }

    /// The configuration.
    pub fn config(&self) -> &HostConfig {
        &self.cfg
    }

    /// Messages about restarts and reconfigurations since the last call.
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// The network called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.cfg.networks.iter().position(|n| n.name == name)
    }

    /// The domain process of network `i` (for tests: kill it, look at it).
    pub fn domain_mut(&mut self, i: usize) -> Option<&mut DomainProcess> {
        self.domains.get_mut(i)?.proc.as_mut()
    }

    /// The live table's rows (with the driver-domain path, as of the last
    /// [`supervise`](Self::supervise)).
    pub fn rows(&self) -> Vec<NetRow> {
        self.table
            .nets
            .iter()
            .zip(&self.domains)
            .zip(&self.driver_stats)
            .map(|((n, d), ds)| {
                let c = &n.counters;
                let mut r = NetRow {
                    name: n.name.clone(),
                    frames_in: c.to_domain.load(Ordering::Relaxed),
                    frames_out: c.from_domain.load(Ordering::Relaxed),
                    drops: c.drops(),
                    restarts: c.restarts.load(Ordering::Relaxed),
                    cutoffs: c.cutoffs.load(Ordering::Relaxed),
                    domid: d.proc.as_ref().map_or(0, |p| p.domid),
                };
                if self.driver.is_some() {
                    (r.frames_in, r.frames_out, r.drops, r.cutoffs) = *ds;
                }
                r
            })
            .collect()
    }

    /// With the driver-domain path: reads the counters the driver domain published.
    fn refresh_driver_stats(&mut self) {
        let Some(d) = self.driver_domid() else { return };
        for (i, n) in self.cfg.networks.iter().enumerate() {
            if let Ok(s) = read_stats(&mut self.dom0, d, &n.name) {
                // Counters restart with the driver domain; keep them monotonic.
                let old = self.driver_stats[i];
                self.driver_stats[i] =
                    (s.to_domain.max(old.0), s.from_domain.max(old.1), s.drops.max(old.2), s.faults.max(old.3));
                // The driver domain cut off the network's current domain: replace it.
                let current = self.domains[i].proc.as_ref().map(|p| p.domid);
                if s.faulted_front != 0 && current == Some(s.faulted_front) {
                    let net = &self.table.nets[i];
                    if !net.needs_restart.swap(true, Ordering::AcqRel) {
                        *net.why.lock().unwrap_or_else(|e| e.into_inner()) = "cut off by the driver domain".into();
                    }
                }
            }
        }
        if let Some((h, _)) = &self.router {
            let get = |k: &str| h.read(k).ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
            self.table.physical_in.store(get("demux.tx") + get("demux.drops"), Ordering::Relaxed);
            self.table.physical_out.store(get("demux.rx"), Ordering::Relaxed);
            self.table.physical_drops.store(get("demux.drops"), Ordering::Relaxed);
        }
    }

    /// Replaces network `i`'s domain with a fresh one running `config` (its current file if
    /// `None`). The others are not touched.
    pub fn restart(&mut self, i: usize, why: &str) -> Result<(), HostError> {
        let net = &self.table.nets[i];
        if let Some(mut old) = lock_slot(&net.slot).take() {
            old.close();
        }
        if let Some(mut p) = self.domains[i].proc.take() {
            let _ = p.kill();
        }
        net.counters.restarts.fetch_add(1, Ordering::Relaxed);
        self.log.push(format!("{}: restarting ({why})", net.name));
        let p = self.spawn(i)?;
        self.connect(i, p)
    }

    /// Gives network `i` a new router configuration: checked first; if it checks, the
    /// network's domain is restarted with it. A bad file leaves the running domain alone.
    pub fn reconfigure(&mut self, i: usize, config: &Path) -> Result<(), HostError> {
        let c = &self.cfg.networks[i];
        check_config(config, &defs(c), &self.registry).map_err(|msg| HostError::Router {
            net: c.name.clone(),
            path: config.display().to_string(),
            msg,
        })?;
        self.domains[i].config = config.to_path_buf();
        self.domains[i].mtime = mtime(config);
        self.restart(i, &format!("new configuration {}", config.display()))
    }

    /// One supervision pass: restarts domains that died, were cut off or stopped answering,
    /// and applies configuration files that changed. Returns how many domains it restarted.
    pub fn supervise(&mut self) -> usize {
        let mut restarted = 0;
        if let Some(d) = self.driver.as_mut() {
            let dead = match d.proc.as_mut().and_then(|p| p.child_mut()) {
                Some(c) => !matches!(c.try_wait(), Ok(None)),
                None => true,
            };
            let faulted = lock_slot(&d.phys).as_ref().is_none_or(|p| p.fault().is_some());
            if dead || faulted {
                if let Some(mut p) = d.proc.take() {
                    let _ = p.kill();
                }
                self.log.push("driver domain: restarting it and every network".into());
                if let Err(e) = self.start_driver() {
                    self.log.push(format!("driver domain: restart failed: {e}"));
                    return 0;
                }
                for i in 0..self.domains.len() {
                    if let Err(e) = self.restart(i, "new driver domain") {
                        self.log.push(format!("{}: restart failed: {e}", self.cfg.networks[i].name));
                    }
                    restarted += 1;
                }
            }
            self.refresh_driver_stats();
        }
        for i in 0..self.domains.len() {
            let net = &self.table.nets[i];
            let mut why = None;
            if net.needs_restart.load(Ordering::Acquire) {
                why = Some(net.why.lock().unwrap_or_else(|e| e.into_inner()).clone());
            } else if let Some(p) = self.domains[i].proc.as_mut()
                && let Some(child) = p.child_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                why = Some(format!("domain exited: {status}"));
            } else if self.domains[i].proc.is_none() {
                why = Some("no domain".into());
            }
            if let Some(why) = why {
                match self.restart(i, &why) {
                    Ok(()) => restarted += 1,
                    Err(e) => self.log.push(format!("{}: restart failed: {e}", self.cfg.networks[i].name)),
                }
                continue;
            }
            let path = self.domains[i].config.clone();
            let m = mtime(&path);
            if m != self.domains[i].mtime {
                self.domains[i].mtime = m;
                match self.reconfigure(i, &path) {
                    Ok(()) => restarted += 1,
                    Err(e) => self.log.push(format!("{}: new configuration refused: {e}", self.cfg.networks[i].name)),
                }
            }
        }
        restarted
    }

    /// Supervises until `seconds` pass (forever if `None`) or the physical side stops,
    /// printing the live table every second to `out` (refreshed in place if `tty`).
    pub fn run(&mut self, seconds: Option<f64>, out: &mut dyn Write, tty: bool) -> std::io::Result<()> {
        let start = Instant::now();
        let end = seconds.map(|s| start + Duration::from_secs_f64(s));
        let mut last = (Instant::now(), self.rows());
        let mut printed_lines = 0;
        loop {
            std::thread::sleep(Duration::from_millis(50));
            self.supervise();
            let done =
                end.is_some_and(|e| Instant::now() >= e) || self.router.as_ref().is_some_and(|(h, _)| !h.is_running());
            for l in self.take_log() {
                if tty && printed_lines > 0 {
                    write!(out, "\x1b[{printed_lines}A\x1b[J")?;
                    printed_lines = 0;
                }
                writeln!(out, "{l}")?;
            }
            if last.0.elapsed() >= Duration::from_secs(1) || done {
                let rows = self.rows();
                let secs = last.0.elapsed().as_secs_f64();
                let text = render(&rows, &last.1, secs, start.elapsed().as_secs_f64(), &self.table);
                if tty && printed_lines > 0 {
                    write!(out, "\x1b[{printed_lines}A\x1b[J")?;
                }
                write!(out, "{text}")?;
                out.flush()?;
                printed_lines = if tty { text.lines().count() } else { 0 };
                last = (Instant::now(), rows);
            }
            if done {
                return Ok(());
            }
        }
    }

    /// A handle on the physical side's router: stopping it ends [`Host::run`] (for a
    /// Ctrl-C handler).
    pub fn physical_handle(&self) -> Option<RouterHandle> {
        self.router.as_ref().map(|(h, _)| h.clone())
    }

    /// Stops the physical side and every domain.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.control = None;
        if let Some((h, th)) = self.router.take() {
            h.stop();
            let _ = th.join();
        }
        if let Some(d) = self.driver.as_mut() {
            if let Some(mut p) = lock_slot(&d.phys).take() {
                p.close();
            }
            if let Some(mut p) = d.proc.take() {
                let _ = p.kill();
            }
            let _ = std::fs::remove_file(&d.config);
        }
        for (d, n) in self.domains.iter_mut().zip(&self.table.nets) {
            if let Some(mut p) = lock_slot(&n.slot).take() {
                p.close();
            }
            if let Some(mut p) = d.proc.take() {
                let _ = p.kill();
            }
        }
        let _ = std::fs::remove_dir_all(&self.control_dir);
        // The domains are gone: give back the huge pages lent for them. Pages still mapped
        // (the hypervisor's views of the domains' memory, until the host is dropped) are
        // freed by the kernel once unmapped.
        drop(self.huge_pages.take());
    }

    /// Writes a handler: `NET/ELEMENT.HANDLER` of network NET's router (through its domain's
    /// control socket), or `ELEMENT.HANDLER` of the physical side's router (e.g.
    /// `src0.active`, `src1.rate`; traffic sources are `src0`, `src1`, ... in the file's
    /// order).
    pub fn write_handler(&self, name: &str, value: &str) -> Result<(), click_core::HandlerError> {
        use click_core::control::HandlerAccess;
        self.handlers().write(name, value)
    }

    /// Reads a handler: `NET/ELEMENT.HANDLER` of network NET's router, or one of the
    /// physical side's router.
    pub fn read_handler(&self, name: &str) -> Result<String, click_core::HandlerError> {
        use click_core::control::HandlerAccess;
        self.handlers().read(name)
    }

    fn handlers(&self) -> HostHandlers {
        HostHandlers {
            nets: self.cfg.networks.iter().map(|n| (n.name.clone(), self.domain_socket(&n.name))).collect(),
            physical: self.router.as_ref().map(|(h, _)| h.clone()),
        }
    }

    /// The hypervisor (for tests).
    pub fn hypervisor(&self) -> &LocalHypervisor {
        &self.hv
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.stop();
    }
}

fn defs(c: &NetworkConfig) -> Vec<(String, String)> {
    vec![("NET".into(), c.name.clone()), ("QUEUE".into(), c.queue.to_string())]
}

/// The `NAME=value` definitions a network's router gets.
pub fn definitions(c: &NetworkConfig) -> Vec<String> {
    defs(c).into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The live table as text.
pub fn render(rows: &[NetRow], prev: &[NetRow], secs: f64, elapsed: f64, table: &DemuxTable) -> String {
    let mut s = format!(
        "{:>7.1}s  physical in {}  out {}  unknown {}  dropped {}\n{:<12} {:>6} {:>12} {:>12} {:>10} {:>12} {:>9} {:>8}\n",
        elapsed,
        table.physical_in.load(Ordering::Relaxed),
        table.physical_out.load(Ordering::Relaxed),
        table.unknown.load(Ordering::Relaxed),
        table.physical_drops.load(Ordering::Relaxed),
        "network",
        "domid",
        "in",
        "out",
        "drops",
        "in/s",
        "restarts",
        "cutoffs"
    );
    for (r, p) in rows.iter().zip(prev) {
        let rate = if secs > 0.0 { r.frames_in.saturating_sub(p.frames_in) as f64 / secs } else { 0.0 };
        s += &format!(
            "{:<12} {:>6} {:>12} {:>12} {:>10} {:>12.0} {:>9} {:>8}\n",
            r.name, r.domid, r.frames_in, r.frames_out, r.drops, rate, r.restarts, r.cutoffs
        );
    }
    s
}

/// The environment variable through which the host tells a domain where to serve its
/// router's handlers (a Unix-domain socket path; see `vrouter domain`).
pub const CONTROL_ENV: &str = "VROUTER_CONTROL";

/// In a domain: serves `router`'s handlers on the socket the host named in
/// [`CONTROL_ENV`], if it named one. Keep the server while the router runs.
pub fn serve_domain_control(router: &Router) -> std::io::Result<Option<click_core::control::ControlServer>> {
    let Some(path) = std::env::var_os(CONTROL_ENV) else { return Ok(None) };
    let listener = click_core::control::ControlListener::unix(PathBuf::from(path))?;
    click_core::control::ControlServer::start(listener, Arc::new(router.handle()), false).map(Some)
}

/// The handlers the host's control socket serves: `NET/ELEMENT.HANDLER` is forwarded to the
/// control socket of network NET's domain, anything else goes to the physical side's router.
struct HostHandlers {
    nets: Vec<(String, PathBuf)>,
    physical: Option<RouterHandle>,
}

impl HostHandlers {
    /// The domain's socket and the handler name within it, for `NET/...` names.
    fn domain<'a>(&self, name: &'a str) -> Option<Result<(&Path, &'a str), click_core::HandlerError>> {
        let first = name.split_whitespace().next().unwrap_or("");
        let (net, _) = first.split_once('/')?;
        let rest = &name.trim()[net.len() + 1..];
        Some(match self.nets.iter().find(|(n, _)| n == net) {
            Some((_, path)) => Ok((path.as_path(), rest)),
            None => Err(click_core::HandlerError::NoSuchElement(net.to_string())),
        })
    }

    fn client(path: &Path, name: &str) -> Result<ControlClient, click_core::HandlerError> {
        click_core::control::ControlClient::connect_unix(path)
            .map_err(|_| click_core::HandlerError::Failed(format!("{name}: the network's domain is not answering")))
    }

    fn physical(&self) -> Result<&RouterHandle, click_core::HandlerError> {
        self.physical.as_ref().ok_or(click_core::HandlerError::NotRunning)
    }
}

type ControlClient = click_core::control::ControlClient<std::os::unix::net::UnixStream>;

impl click_core::control::HandlerAccess for HostHandlers {
    fn read(&self, name: &str) -> Result<String, click_core::HandlerError> {
        match self.domain(name) {
            Some(d) => {
                let (path, rest) = d?;
                Self::client(path, name)?.read(rest).map_err(|e| e.to_handler_error(name))
            }
            None => self.physical()?.read(name),
        }
    }
    fn write(&self, name: &str, value: &str) -> Result<(), click_core::HandlerError> {
        match self.domain(name) {
            Some(d) => {
                let (path, rest) = d?;
                Self::client(path, name)?.write(rest, value).map_err(|e| e.to_handler_error(name))
            }
            None => self.physical()?.write(name, value),
        }
    }
    fn check(&self, name: &str, write: bool) -> Result<(), click_core::HandlerError> {
        match self.domain(name) {
            Some(d) => {
                let (path, rest) = d?;
                Self::client(path, name)?.check(rest, write).map_err(|e| e.to_handler_error(name))
            }
            None => self.physical()?.check(name, write),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_plan_gives_the_demux_the_last_cpu() {
        assert_eq!(CpuPlan::new(&[]), None);
        assert_eq!(CpuPlan::new(&[3]), None);
        assert_eq!(CpuPlan::new(&[0, 1]), Some(CpuPlan { host: 1, domains: vec![0] }));
        assert_eq!(CpuPlan::new(&[2, 5, 7]), Some(CpuPlan { host: 7, domains: vec![2, 5] }));
    }

    #[test]
    fn a_host_file_may_ask_for_huge_pages_and_they_are_counted_per_domain() {
        let text = |extra: &str| {
            format!(
                "io = \"direct\"\n{extra}\n[physical]\n\
                 [[network]]\nname = \"a\"\nmac = \"02:00:00:00:00:01\"\nconfig = \"a.click\"\n\
                 [[network]]\nname = \"b\"\nvlan = 11\nconfig = \"b.click\"\n"
            )
        };
        let cfg: HostConfig = toml::from_str(&text("")).unwrap();
        assert!(!cfg.reserve_huge_pages);
        let cfg: HostConfig = toml::from_str(&text("reserve_huge_pages = true")).unwrap();
        assert!(cfg.reserve_huge_pages);
        // Two networks' domains, one more for a restart, and the host's own domain.
        let per_network = huge_pages::pages_for_domain(NETFRONT_FRAMES);
        assert!(per_network >= 1);
        assert_eq!(cfg.huge_pages_wanted(), 3 * per_network + huge_pages::pages_for_domain(NETBACK_BATCH * 2));
        let driver = HostConfig { io: IoPath::DriverDomain, ..cfg };
        assert_eq!(
            driver.huge_pages_wanted(),
            3 * per_network
                + huge_pages::pages_for_domain(NETBACK_BATCH)
                + huge_pages::pages_for_domain(driver_frames(2))
        );
    }

    #[test]
    fn allowed_cpus_are_some() {
        let cpus = crate::sys::allowed_cpus().unwrap();
        assert!(!cpus.is_empty());
        assert!(cpus.windows(2).all(|w| w[0] < w[1]));
    }
}
