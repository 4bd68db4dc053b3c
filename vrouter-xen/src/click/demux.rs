//! HypervisorDemux: the physical side's frames into each virtual network's domain, and the
//! domains' frames out to the physical side, served fairly.

use crate::port::{PortSlot, RingProbe, empty_slot, lock_slot};
use click_core::element::HandlerInfo;
use click_core::spec::{ports, processing};
use click_core::{ArgError, Args, Batch, Context, Element, HandlerError, InitContext, Packet};
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a virtual network's frames are recognised on the physical side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VnetMatch {
    /// Destination MAC address of the network's vif (frames pass unchanged).
    Mac([u8; 6]),
    /// 802.1Q VLAN id (the tag is removed on the way in and added on the way out).
    Vlan(u16),
    /// VXLAN network identifier (UDP port 4789; decapsulated on the way in, encapsulated on
    /// the way out).
    Vni(u32),
}

impl fmt::Display for VnetMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VnetMatch::Mac(m) => {
                write!(f, "mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
            }
            VnetMatch::Vlan(v) => write!(f, "vlan {v}"),
            VnetMatch::Vni(v) => write!(f, "vni {v}"),
        }
    }
}

/// The UDP port of VXLAN.
pub const VXLAN_PORT: u16 = 4789;
/// Bytes VXLAN adds: outer Ethernet, IPv4, UDP, VXLAN.
pub const VXLAN_OVERHEAD: usize = 14 + 20 + 8 + 8;

/// What a frame on the physical side carries, as far as the demux cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameKeys {
    /// Destination MAC.
    pub dst: [u8; 6],
    /// VLAN id, if tagged.
    pub vlan: Option<u16>,
    /// VXLAN VNI and the inner frame's offset, if the frame is VXLAN over IPv4.
    pub vni: Option<(u32, usize)>,
}

/// Reads the keys of a frame; `None` for frames too short to have a destination.
pub fn frame_keys(f: &[u8]) -> Option<FrameKeys> {
    if f.len() < 14 {
        return None;
    }
    let dst: [u8; 6] = f[..6].try_into().ok()?;
    let ethertype = u16::from_be_bytes([f[12], f[13]]);
    if ethertype == 0x8100 {
        let vlan = (f.len() >= 18).then(|| u16::from_be_bytes([f[14], f[15]]) & 0x0fff);
        return Some(FrameKeys { dst, vlan, vni: None });
    }
    let mut vni = None;
    if ethertype == 0x0800 && f.len() >= 14 + 20 {
        let ihl = usize::from(f[14] & 0x0f) * 4;
        let udp = 14 + ihl;
        if f[14] >> 4 == 4 && ihl >= 20 && f[14 + 9] == 17 && f.len() >= udp + 16 {
            let dport = u16::from_be_bytes([f[udp + 2], f[udp + 3]]);
            let vx = udp + 8;
            if dport == VXLAN_PORT && f[vx] & 0x08 != 0 {
                let id = u32::from_be_bytes([0, f[vx + 4], f[vx + 5], f[vx + 6]]);
                vni = Some((id, vx + 8));
            }
        }
    }
    Some(FrameKeys { dst, vlan: None, vni })
}

/// Counters of one virtual network, shared with the host (all atomics: read from any thread).
#[derive(Debug, Default)]
pub struct VnetCounters {
    /// Frames copied into the domain's RX ring.
    pub to_domain: AtomicU64,
    /// Frames taken from the domain's TX ring and sent to the physical side.
    pub from_domain: AtomicU64,
    /// Frames for the domain dropped because its queue in the demux was full.
    pub queue_drops: AtomicU64,
    /// Frames for the domain dropped because it had no domain connected (restarting,
    /// cut off).
    pub down_drops: AtomicU64,
    /// Times the domain's driver was cut off (protocol violation, stall, death).
    pub cutoffs: AtomicU64,
    /// Times the domain was restarted.
    pub restarts: AtomicU64,
}

impl VnetCounters {
    /// Every frame dropped on the way to the domain.
    pub fn drops(&self) -> u64 {
        self.queue_drops.load(Ordering::Relaxed) + self.down_drops.load(Ordering::Relaxed)
    }
}

/// One virtual network as the demux sees it.
pub struct VnetEntry {
    /// Its name.
    pub name: String,
    /// How its frames are recognised.
    pub key: VnetMatch,
    /// Frames moved each way per round, at most.
    pub budget: usize,
    /// Frames held for the domain when its RX ring is full.
    pub queue: usize,
    /// The back end of the domain's vif (empty while no domain is connected).
    pub slot: PortSlot,
    /// Counters.
    pub counters: VnetCounters,
    /// Set by the demux when the driver was cut off or the domain stopped taking frames;
    /// cleared by the supervisor when it has replaced the driver.
    pub needs_restart: AtomicBool,
    /// Why, for the supervisor's log.
    pub why: Mutex<String>,
}

impl fmt::Debug for VnetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VnetEntry").field("name", &self.name).field("key", &self.key).finish()
    }
}

impl VnetEntry {
    /// A network with an empty slot.
    pub fn new(name: &str, key: VnetMatch, budget: usize, queue: usize) -> VnetEntry {
        VnetEntry {
            name: name.to_string(),
            key,
            budget: budget.max(1),
            queue: queue.max(1),
            slot: empty_slot(),
            counters: VnetCounters::default(),
            needs_restart: AtomicBool::new(false),
            why: Mutex::new(String::new()),
        }
    }

    fn flag(&self, why: String) {
        if !self.needs_restart.swap(true, Ordering::AcqRel) {
            self.counters.cutoffs.fetch_add(1, Ordering::Relaxed);
            *self.why.lock().unwrap_or_else(|e| e.into_inner()) = why;
        }
    }
}

/// The networks a demux serves, shared with the host that supervises their domains.
#[derive(Debug, Default)]
pub struct DemuxTable {
    /// The networks, in configuration order.
    pub nets: Vec<VnetEntry>,
    /// Frames from the physical side that matched no network.
    pub unknown: AtomicU64,
    /// Frames from the physical side.
    pub physical_in: AtomicU64,
    /// Frames sent to the physical side.
    pub physical_out: AtomicU64,
    /// Frames from the physical side dropped before they could be classified (with the
    /// driver-domain path: the driver domain had no buffer posted).
    pub physical_drops: AtomicU64,
    /// `nets` by key, made on first use (see [`DemuxTable::classify`]).
    index: std::sync::OnceLock<click_core::hash::NumberMap<usize>>,
}

/// One number per network key: its kind in the top bits, its value below.
fn key_code(key: VnetMatch) -> u64 {
    match key {
        VnetMatch::Mac(m) => u64::from_be_bytes([0, 0, m[0], m[1], m[2], m[3], m[4], m[5]]),
        VnetMatch::Vlan(v) => 1 << 56 | u64::from(v),
        VnetMatch::Vni(v) => 2 << 56 | u64::from(v),
    }
}

impl DemuxTable {
    /// A table of `nets` with zero counters.
    pub fn new(nets: Vec<VnetEntry>) -> DemuxTable {
        DemuxTable { nets, ..Default::default() }
    }

    /// The network a frame belongs to: a tagged frame by its VLAN, a VXLAN frame by its
    /// VNI, any other by its destination MAC; the first network in configuration order when
    /// two share a key. One hash lookup, whatever the number of networks.
    pub fn classify(&self, f: &[u8]) -> Option<usize> {
        let k = frame_keys(f)?;
        let key = match (k.vlan, k.vni) {
            (Some(v), _) => VnetMatch::Vlan(v),
            (None, Some((id, _))) => VnetMatch::Vni(id),
            (None, None) => VnetMatch::Mac(k.dst),
        };
        let index = self.index.get_or_init(|| {
            let mut m = click_core::hash::NumberMap::with_capacity_and_hasher(self.nets.len(), Default::default());
            for (i, n) in self.nets.iter().enumerate() {
                m.entry(key_code(n.key)).or_insert(i);
            }
            m
        });
        index.get(&key_code(key)).copied()
    }

    /// [`classify`](Self::classify) by trying each network in turn: the reference the
    /// index is tested against.
    #[cfg(test)]
    fn classify_linear(&self, f: &[u8]) -> Option<usize> {
        let k = frame_keys(f)?;
        self.nets.iter().position(|n| match n.key {
            VnetMatch::Mac(m) => k.vlan.is_none() && k.vni.is_none() && k.dst == m,
            VnetMatch::Vlan(v) => k.vlan == Some(v),
            VnetMatch::Vni(v) => k.vni.is_some_and(|(id, _)| id == v),
        })
    }
}

/// Removes the network's encapsulation from a frame on its way to the domain.
fn strip(key: VnetMatch, p: &mut Packet) -> bool {
    match key {
        VnetMatch::Mac(_) => true,
        VnetMatch::Vlan(_) => {
            if p.len() < 18 {
                return false;
            }
            let mut hdr = [0u8; 12];
            hdr.copy_from_slice(&p.data()[..12]);
            p.pull(4);
            p.data_mut()[..12].copy_from_slice(&hdr);
            true
        }
        VnetMatch::Vni(_) => match frame_keys(p.data()).and_then(|k| k.vni) {
            Some((_, off)) if p.len() >= off + 14 => {
                p.pull(off);
                true
            }
            _ => false,
        },
    }
}

/// The host's VXLAN endpoint: outer source MAC and IPv4 address.
const VTEP_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0xfe];
const VTEP_PEER_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0xfd];
const VTEP_IP: [u8; 4] = [192, 168, 0, 1];
const VTEP_PEER_IP: [u8; 4] = [192, 168, 0, 2];

/// Adds the network's encapsulation to a frame from the domain.
pub fn encap(key: VnetMatch, f: &[u8]) -> Packet {
    encap_packet(key, Packet::from_slice(f))
}

/// Adds the network's encapsulation to a frame from the domain, in its packet (in the
/// headroom the packet has: a VXLAN header fits the default).
pub fn encap_packet(key: VnetMatch, mut p: Packet) -> Packet {
    match key {
        VnetMatch::Mac(_) => {}
        VnetMatch::Vlan(v) if p.len() >= 12 => {
            let mut hdr = [0u8; 16];
            hdr[..12].copy_from_slice(&p.data()[..12]);
            hdr[12..14].copy_from_slice(&0x8100u16.to_be_bytes());
            hdr[14..16].copy_from_slice(&(v & 0x0fff).to_be_bytes());
            p.push(4);
            p.data_mut()[..16].copy_from_slice(&hdr);
        }
        VnetMatch::Vlan(_) => {}
        VnetMatch::Vni(vni) => {
            let len = p.len();
            p.prepend(&vxlan_header(vni, len));
        }
    }
    p
}

/// Outer Ethernet, IPv4, UDP and VXLAN headers for an inner frame of `inner_len` bytes.
pub fn vxlan_header(vni: u32, inner_len: usize) -> [u8; VXLAN_OVERHEAD] {
    let mut h = [0u8; VXLAN_OVERHEAD];
    h[..6].copy_from_slice(&VTEP_PEER_MAC);
    h[6..12].copy_from_slice(&VTEP_MAC);
    h[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut h[14..34];
    ip[0] = 0x45;
    let total = (20 + 8 + 8 + inner_len) as u16;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&VTEP_IP);
    ip[16..20].copy_from_slice(&VTEP_PEER_IP);
    let sum = elements::wire::checksum::checksum(ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let udp = &mut h[34..42];
    udp[0..2].copy_from_slice(&VXLAN_PORT.to_be_bytes());
    udp[2..4].copy_from_slice(&VXLAN_PORT.to_be_bytes());
    udp[4..6].copy_from_slice(&((8 + 8 + inner_len) as u16).to_be_bytes());
    h[42] = 0x08;
    h[46..49].copy_from_slice(&vni.to_be_bytes()[1..]);
    h
}

/// Adds `n` to a counter of the table that only the demux serving it writes (its traffic
/// counters; the supervisor only reads them): a plain load and store, not a locked add. On
/// x86 a locked add is a full barrier, and here it would wait, once per network and round,
/// for the stores of the grant copies just made into the domain's lines (misses on the
/// other CPU's cache) before the next network's work could start. One demux per table: a
/// second serving the same table would lose counts, never frames.
fn add(c: &AtomicU64, n: usize) {
    c.store(c.load(Ordering::Relaxed).wrapping_add(n as u64), Ordering::Relaxed);
}

/// Process-wide tables, so that a configuration can name one: `HypervisorDemux(TABLE t)`.
static TABLES: Mutex<Vec<(String, Arc<DemuxTable>)>> = Mutex::new(Vec::new());

/// Publishes a table under `name` for `HypervisorDemux(TABLE name)`.
pub fn publish_table(name: &str, table: Arc<DemuxTable>) {
    let mut t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    t.retain(|(n, _)| n != name);
    t.push((name.to_string(), table));
}

fn find_table(name: &str) -> Option<Arc<DemuxTable>> {
    let t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    t.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
}

/// A domain with frames waiting that has taken none for this long is flagged.
pub const STARVE_LIMIT: Duration = Duration::from_secs(2);

click_core::documented! {
    /// The hypervisor's switch between the physical side and the virtual networks' domains.
    ///
    /// # Synopsis
    /// `HypervisorDemux(TABLE)`
    ///
    /// # Ports and processing
    /// One push input, one push output. Frames pushed into input 0 come from the physical
    /// side (any source element). Each is classified by virtual network, by the destination
    /// MAC of the network's vif, its VLAN tag, or its VXLAN VNI (as the host configured each
    /// network), stripped of the VLAN tag or VXLAN encapsulation, and queued for that
    /// network's domain (a full queue drops and counts). A task serves the networks in
    /// turn, each up to its budget of frames per round in each direction: it copies queued
    /// frames straight into the domain's RX ring by grant copy, and takes frames from the
    /// domain's TX ring, adds the network's encapsulation back and pushes them on output 0,
    /// to the physical side. Each round it first reads the request indices the domain
    /// publishes on its rings (a cache line each, without the network's lock): a TX ring whose
    /// index has not moved since it was emptied, or an RX ring whose index has not moved since
    /// it was found full, is left alone (every 64th round it is looked at anyway), so a round's
    /// cost follows the networks with work to do rather than the number of networks. While frames wait for eight or more
    /// networks, a network's frames go to its domain once 16 have gathered or the first has
    /// waited 1 ms (interrupt moderation, as a NIC does it), so that a domain under load is
    /// woken for a batch rather than for every frame. A domain whose driver is cut off
    /// (protocol violation, death) or that takes no frames for 2 s is flagged for its
    /// supervisor; its frames are dropped and counted until it is replaced, and the other
    /// networks carry on.
    ///
    /// The table of networks is built by the host (`vrouter host`) and published under a
    /// name.
    ///
    /// # Keywords
    /// - `TABLE` (string): the name the host published the networks under.
    ///
    /// # Handlers
    /// - `unknown` (read): frames that matched no network.
    /// - `stats` (read): one line per network: name, frames in, out, queue drops, down
    ///   drops, cut-offs, restarts.
    /// - `rounds` (read): rounds served so far (each looks at every network once).
    ///
    /// # Example
    /// ```click
    /// // In a host configuration that published table "host":
    /// FromDump(phys.pcap, STOP true) -> d :: HypervisorDemux(host) -> Discard;
    /// ```
    pub struct HypervisorDemux {
        table: Option<Arc<DemuxTable>>,
        /// What the demux keeps for each network, in the table's order.
        nets: Vec<NetState>,
        next: usize,
        rounds: usize,
        out: Batch,
        idle: u32,
        /// When the current (or last) round started: frames arriving are stamped with it
        /// rather than each batch reading the clock (a hold lasts a millisecond; a busy round
        /// takes microseconds).
        round_start: Instant,
    }
}

/// For a driver without a [`RingProbe`]: a network whose TX ring was empty this many looks in
/// a row is looked at only every [`TX_QUIET_EVERY`] rounds, so that a round costs in
/// proportion to the networks that have traffic, not to all of them (a domain with traffic
/// is looked at every round).
const TX_QUIET_AFTER: u32 = 4;
const TX_QUIET_EVERY: usize = 8;

/// A network whose ring indices ([`RingProbe`]) say there is nothing to do is still served
/// every this many rounds.
///
/// At 64 busy networks, 87% of the looks at RX rings found them full (the domain had not
/// run since) and 95% of the looks at TX rings found them empty, each look taking the
/// network's lock and driver for nothing; the probe reads one cache line per ring instead,
/// which stays cached until the domain writes its index.
const PROBE_FORCE_EVERY: usize = 64;

/// Interrupt moderation, as a NIC does it: while frames wait for at least
/// [`HOLD_WHEN_BUSY`] networks, a network's frames are copied into its ring (and the domain
/// kicked) once [`HOLD_BATCH`] have gathered or the first has waited [`HOLD_MAX`]. Under
/// load, many domains each woken for a frame or two would spend the CPUs on wake-ups (and
/// the demux on kicks); when few networks have traffic, frames go at once. The batch is
/// small: every frame held is a packet the demux touches again after serving all the other
/// networks, and at 64 networks, 64 held each (4,096 packets) had gone cold by then (16 each
/// forwarded about 6% more than 64 in the same runs).
const HOLD_WHEN_BUSY: usize = 8;
const HOLD_BATCH: usize = 16;
const HOLD_MAX: Duration = Duration::from_micros(1000);

/// Idle rounds before the demux sleeps.
const IDLE_ROUNDS: u32 = 32;
/// How long an idle demux sleeps before it looks at the domains' TX rings again (frames
/// from the physical side wake it at once).
const IDLE_SLEEP: Duration = Duration::from_micros(50);

/// The demux's state for one network. A round looks at every network; what it reads of an
/// idle one (its queue's length, its probe, what the probe said last) comes first, within
/// two cache lines. (Against seven parallel arrays, one per field, this was within the
/// noise at 64 networks; it is kept as the clearer form.)
#[repr(C, align(64))]
#[derive(Default)]
struct NetState {
    /// Frames waiting for the domain.
    pending: VecDeque<Packet>,
    /// The back end's ring indices, read without the network's lock.
    probe: Option<RingProbe>,
    /// The TX request index (as probed) up to which the TX ring was found empty: while the
    /// index stays there, there is nothing to take.
    tx_drained: Option<u32>,
    /// The RX request index (as probed) at which the RX ring was found full: while the index
    /// stays there, the domain has posted no buffer since.
    rx_full: Option<u32>,
    /// Since when frames have been waiting in `pending`.
    held_since: Option<Instant>,
    /// Consecutive looks at the TX ring that found nothing (for drivers without a probe).
    tx_empty: u32,
    /// Since when the domain has taken no frames while some waited.
    starved: Option<Instant>,
}

impl Default for HypervisorDemux {
    fn default() -> Self {
        HypervisorDemux {
            table: None,
            nets: Vec::new(),
            next: 0,
            rounds: 0,
            out: Batch::new(),
            idle: 0,
            round_start: Instant::now(),
        }
    }
}

impl HypervisorDemux {
    /// A demux serving `table`.
    pub fn new(table: Arc<DemuxTable>) -> HypervisorDemux {
        let mut d = HypervisorDemux::default();
        d.set_table(table);
        d
    }

    fn set_table(&mut self, table: Arc<DemuxTable>) {
        self.nets = table
            .nets
            .iter()
            .map(|n| NetState { pending: VecDeque::with_capacity(n.queue), ..NetState::default() })
            .collect();
        self.table = Some(table);
    }

    /// Serves network `i` for one round: its queued frames if `rx`, its TX ring if `tx`;
    /// returns frames moved. `probed` is what the network's probe read just before (TX and
    /// RX request indices), recorded with what the looks found.
    fn serve(&mut self, table: &DemuxTable, i: usize, rx: bool, tx: bool, probed: (Option<u32>, Option<u32>)) -> usize {
        let net = &table.nets[i];
        let c = &net.counters;
        let st = &mut self.nets[i];
        let pending = &mut st.pending;
        let mut guard = lock_slot(&net.slot);
        let port = match guard.as_mut() {
            Some(p) if !p.is_faulted() && !net.needs_restart.load(Ordering::Acquire) => p,
            Some(p) => {
                if let Some(f) = p.fault() {
                    net.flag(format!("cut off: {f}"));
                }
                add(&c.down_drops, pending.len());
                pending.clear();
                st.probe = None;
                return 0;
            }
            None => {
                add(&c.down_drops, pending.len());
                pending.clear();
                st.probe = None;
                return 0;
            }
        };
        // The probe follows the driver in the slot (the supervisor may have replaced it);
        // what was probed from another driver's rings says nothing about this one's.
        let (mut tx_probed, mut rx_probed) = probed;
        match port.ring_pages() {
            Some(pages) if st.probe.as_ref().is_some_and(|p| p.is_of(pages)) => {}
            Some(pages) => {
                st.probe = Some(RingProbe::new(pages));
                (tx_probed, rx_probed) = (None, None);
            }
            None => {
                st.probe = None;
                (tx_probed, rx_probed) = (None, None);
            }
        }
        let mut moved = 0;
        // Towards the domain.
        if rx && !pending.is_empty() {
            let space = port.space();
            st.rx_full = if space == 0 { rx_probed } else { None };
            let n = pending.len().min(net.budget).min(space);
            if n > 0 {
                // The frames waited while the other networks were served and have gone
                // cold: start loading them all (their descriptors' loads overlap in this
                // short loop) before the copies wait for each in turn.
                for p in pending.iter().take(n) {
                    crate::shm::prefetch(p.data().as_ptr(), p.len(), false);
                }
                let (a, b) = pending.as_slices();
                let mut it = a.iter().chain(b.iter()).take(n).map(|p| p.data());
                let taken = port.send_frames(&mut it);
                pending.drain(..taken);
                if pending.is_empty() {
                    st.held_since = None;
                }
                add(&c.to_domain, taken);
                moved += taken;
                st.starved = None;
            } else if space == 0 {
                let since = *st.starved.get_or_insert_with(Instant::now);
                if since.elapsed() > STARVE_LIMIT {
                    net.flag(format!("took no frames for {STARVE_LIMIT:?}"));
                }
            }
        } else if pending.is_empty() {
            st.starved = None;
        }
        // From the domain.
        if tx {
            let key = net.key;
            let out = &mut self.out;
            let got = port.receive_packets(net.budget, &mut |p: Packet| out.push(encap_packet(key, p)));
            add(&c.from_domain, got);
            moved += got;
            st.tx_empty = if got > 0 { 0 } else { st.tx_empty.saturating_add(1) };
            // Fewer than the budget: the ring was emptied up to at least the probed index.
            st.tx_drained = if got < net.budget { tx_probed } else { None };
        }
        if port.is_faulted()
            && let Some(f) = port.fault()
        {
            net.flag(format!("cut off: {f}"));
        }
        moved
    }
}

impl Element for HypervisorDemux {
    fn class_name(&self) -> &'static str {
        "HypervisorDemux"
    }
    fn port_count(&self) -> &'static str {
        ports::P1_1
    }
    fn processing(&self) -> &'static str {
        processing::PUSH
    }
    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let name: Option<String> = args.read_p("TABLE")?;
        args.complete()?;
        if let Some(name) = name {
            let t =
                find_table(&name).ok_or_else(|| ArgError::new(Some("TABLE"), format!("no demux table '{name}'")))?;
            self.set_table(t);
        }
        Ok(())
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.table.is_none() {
            return Err("no table of networks (HypervisorDemux is set up by `vrouter host`)".into());
        }
        self.out = Batch::with_capacity(256);
        cx.add_task(click_core::runtime::DEFAULT_TICKETS);
        Ok(())
    }
    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let Some(table) = self.table.clone() else {
            batch.drain();
            return;
        };
        cx.cancel_timer(0);
        cx.reschedule();
        add(&table.physical_in, batch.len());
        let now = self.round_start;
        for mut p in batch.drain() {
            match table.classify(p.data()) {
                Some(i) => {
                    let (net, st) = (&table.nets[i], &mut self.nets[i]);
                    if st.pending.len() >= net.queue || !strip(net.key, &mut p) {
                        add(&net.counters.queue_drops, 1);
                    } else {
                        if st.pending.is_empty() {
                            st.held_since = Some(now);
                        }
                        st.pending.push_back(p);
                    }
                }
                None => {
                    add(&table.unknown, 1);
                }
            }
        }
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(table) = self.table.clone() else { return false };
        let n = table.nets.len();
        let mut moved = 0;
        // Start one further each round, so no network is always served first.
        self.rounds = self.rounds.wrapping_add(1);
        let now = Instant::now();
        self.round_start = now;
        // Frames that arrived before this have waited long enough (one comparison per
        // network rather than a subtraction).
        let due = now.checked_sub(HOLD_MAX);
        let busy = self.nets.iter().filter(|n| !n.pending.is_empty()).count() >= HOLD_WHEN_BUSY;
        for k in 0..n {
            // `next < n`, so one subtraction wraps the index (no division per network).
            let i = if self.next + k >= n { self.next + k - n } else { self.next + k };
            let st = &self.nets[i];
            let want_rx = !st.pending.is_empty()
                && (!busy
                    || st.pending.len() >= HOLD_BATCH
                    || st.held_since.is_none_or(|t| due.is_some_and(|d| t <= d)));
            // With a probe, look at a ring only when its request index moved since it was
            // found empty (TX) or full (RX), and every PROBE_FORCE_EVERY rounds anyway (a
            // replaced driver, a domain that stopped taking frames). Without, quiet TX rings
            // are looked at every TX_QUIET_EVERY rounds.
            let force = (self.rounds + i).is_multiple_of(PROBE_FORCE_EVERY);
            let (tx, rx, probed) = match &st.probe {
                Some(p) => {
                    let t = p.tx_requests();
                    let r = if want_rx { Some(p.rx_requests()) } else { None };
                    let tx = force || st.tx_drained != Some(t);
                    let rx = want_rx && (force || st.rx_full != r);
                    (tx, rx, (Some(t), r))
                }
                None => {
                    let tx = st.tx_empty < TX_QUIET_AFTER || (self.rounds + i).is_multiple_of(TX_QUIET_EVERY);
                    (tx, want_rx, (None, None))
                }
            };
            if !tx && !rx {
                continue;
            }
            moved += self.serve(&table, i, rx, tx, probed);
            if self.out.len() >= 192 {
                add(&table.physical_out, self.out.len());
                cx.output_batch(0, &mut self.out);
            }
        }
        self.next = (self.next + 1) % n.max(1);
        if !self.out.is_empty() {
            add(&table.physical_out, self.out.len());
            cx.output_batch(0, &mut self.out);
        }
        if moved > 0 || self.nets.iter().any(|n| !n.pending.is_empty()) {
            self.idle = 0;
        } else {
            self.idle += 1;
            if self.idle >= IDLE_ROUNDS {
                self.idle = 0;
                cx.unschedule();
                cx.schedule_timer(0, IDLE_SLEEP);
            }
        }
        moved > 0
    }
    fn run_timer(&mut self, cx: &mut Context<'_>, _timer: usize) {
        cx.reschedule();
    }
    fn handlers(&self) -> &'static [HandlerInfo] {
        const H: &[HandlerInfo] =
            &[HandlerInfo::read("unknown"), HandlerInfo::read("stats"), HandlerInfo::read("rounds")];
        H
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let t = self.table.as_ref().ok_or(HandlerError::NotRunning)?;
        Ok(match name {
            "unknown" => t.unknown.load(Ordering::Relaxed).to_string(),
            "rounds" => self.rounds.to_string(),
            "stats" => {
                let mut s = String::new();
                for n in &t.nets {
                    let c = &n.counters;
                    s += &format!(
                        "{} {} {} {} {} {} {}\n",
                        n.name,
                        c.to_domain.load(Ordering::Relaxed),
                        c.from_domain.load(Ordering::Relaxed),
                        c.queue_drops.load(Ordering::Relaxed),
                        c.down_drops.load(Ordering::Relaxed),
                        c.cutoffs.load(Ordering::Relaxed),
                        c.restarts.load(Ordering::Relaxed)
                    );
                }
                s
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(dst: [u8; 6]) -> Vec<u8> {
        let mut f = vec![0u8; 60];
        f[..6].copy_from_slice(&dst);
        f[12] = 0x08;
        f[14] = 0x45;
        f
    }

    #[test]
    fn classifies_by_mac_vlan_and_vni() {
        let t = DemuxTable {
            nets: vec![
                VnetEntry::new("a", VnetMatch::Mac([2, 0, 0, 0, 0, 1]), 8, 8),
                VnetEntry::new("b", VnetMatch::Vlan(10), 8, 8),
                VnetEntry::new("c", VnetMatch::Vni(5000), 8, 8),
            ],
            ..Default::default()
        };
        let a = inner([2, 0, 0, 0, 0, 1]);
        assert_eq!(t.classify(&a), Some(0));
        assert_eq!(t.classify(&inner([2, 0, 0, 0, 0, 9])), None);
        let b = encap(VnetMatch::Vlan(10), &inner([2, 0, 0, 0, 0, 9]));
        assert_eq!(t.classify(b.data()), Some(1));
        let mut b = b;
        assert!(strip(VnetMatch::Vlan(10), &mut b));
        assert_eq!(b.data(), &inner([2, 0, 0, 0, 0, 9])[..]);
        let c = encap(VnetMatch::Vni(5000), &a);
        assert_eq!(c.len(), a.len() + VXLAN_OVERHEAD);
        // The outer frame is addressed elsewhere: only the VNI counts.
        assert_eq!(t.classify(c.data()), Some(2));
        let mut c = c;
        assert!(strip(VnetMatch::Vni(5000), &mut c));
        assert_eq!(c.data(), &a[..]);
        assert_eq!(t.classify(&[0u8; 5]), None);
        assert_eq!(t.classify(&encap(VnetMatch::Vni(7), &a).data()[..40]), Some(0).filter(|_| false));
    }

    proptest::proptest! {
        /// The hash index picks the network the linear search picks, duplicates and
        /// VLAN/VXLAN/MAC mixes included.
        #[test]
        fn index_agrees_with_linear_search(
            keys in proptest::collection::vec((0u8..3, 0u8..6), 1..24),
            frames in proptest::collection::vec((0u8..3, 0u8..8), 1..32),
        ) {
            let key = |(kind, v): (u8, u8)| match kind {
                0 => VnetMatch::Mac([2, 0, 0, 0, 0, v]),
                1 => VnetMatch::Vlan(u16::from(v)),
                _ => VnetMatch::Vni(u32::from(v)),
            };
            let nets = keys.iter().enumerate().map(|(i, &k)| VnetEntry::new(&format!("n{i}"), key(k), 8, 8)).collect();
            let t = DemuxTable { nets, ..Default::default() };
            for &(kind, v) in &frames {
                let plain = inner([2, 0, 0, 0, 0, v]);
                let f = match kind {
                    0 => plain,
                    1 => encap(VnetMatch::Vlan(u16::from(v)), &inner([2, 0, 0, 0, 0, v ^ 1])).data().to_vec(),
                    _ => encap(VnetMatch::Vni(u32::from(v)), &plain).data().to_vec(),
                };
                proptest::prop_assert_eq!(t.classify(&f), t.classify_linear(&f));
            }
        }
    }
}
