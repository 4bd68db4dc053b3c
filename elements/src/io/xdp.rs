//! AF_XDP sockets (feature `af_xdp`), on the `xdpilone` crate, and the small XDP program
//! that steers a device's frames into them.
//!
//! One XDP socket serves one (device, queue): its memory area (UMEM) holds `FRAMES`
//! frames of `FRAME_SIZE` bytes, half of them lent to the kernel for receiving (the fill
//! ring), half kept for sending. FromXDPDevice and ToXDPDevice naming the same device and
//! queue share the socket through a process-wide table, because the kernel binds only one
//! UMEM to a device queue.
//!
//! **The redirect program.** An XDP socket receives only what an XDP program on the device
//! redirects into it through an XSKMAP. With `LOAD true` the element loads a five-
//! instruction program itself (`bpf_redirect_map(xskmap, rx_queue_index, XDP_PASS)`),
//! attaches it to the device with a BPF link, and removes it when the router stops.
//!
//! To use a program loaded separately instead, pin its XSKMAP in a BPF filesystem and name
//! the pin with `XSKMAP PATH`: the element inserts its socket at its queue number. With
//! xdp-tools, bpftool and libxdp's default program (its map is `xsks_map`, unpinned), as
//! tried on veth here:
//!
//! ```text
//! mount -t bpf bpf /sys/fs/bpf            # if no BPF filesystem is mounted
//! xdp-loader load -m native DEV /usr/lib/x86_64-linux-gnu/bpf/xsk_def_xdp_prog.o
//! bpftool map show name xsks_map          # the new map's id N
//! bpftool map pin id N /sys/fs/bpf/DEV-xsks_map
//! vrouter run -e 'FromXDPDevice(DEV, XSKMAP /sys/fs/bpf/DEV-xsks_map) -> ...'
//! xdp-loader unload DEV --all; rm /sys/fs/bpf/DEV-xsks_map   # afterwards
//! ```

use std::io;
use std::num::NonZeroU32;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use click_core::{Batch, Packet};
use xdpilone::xdp::XdpDesc;
use xdpilone::{DeviceQueue, IfInfo, RingRx, RingTx, Socket, SocketConfig, Umem, UmemConfig, User};

use super::bpf::{self, RedirectProgram};
use super::sys::{self, DeviceError};

/// Bytes per UMEM frame: a standard MTU frame fits.
pub const FRAME_SIZE: u32 = 2048;
/// Frames per UMEM.
pub const FRAMES: u32 = 4096;
const RING_SIZE: u32 = 2048;

/// `sockaddr_xdp.sxdp_flags`.
const XDP_COPY: u16 = 1 << 1;
const XDP_ZEROCOPY: u16 = 1 << 2;

/// How frames reach the socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Steering {
    /// Load our own redirect program.
    Load,
    /// Insert the socket into the XSKMAP pinned at this path.
    PinnedMap(String),
    /// Someone else takes care of it.
    None,
}

/// How to bind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XdpMode {
    /// Let the kernel choose (zero copy where the driver can).
    #[default]
    Auto,
    /// Copy mode (works on every device, veth included).
    Copy,
    /// Zero-copy mode (drivers with AF_XDP support).
    ZeroCopy,
}

/// An anonymous, page-aligned memory mapping.
struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    fn new(len: usize) -> io::Result<Mapping> {
        // SAFETY: an anonymous private mapping with no address hint has no preconditions.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Mapping { ptr, len })
    }

    fn as_slice_ptr(&self) -> NonNull<[u8]> {
        NonNull::slice_from_raw_parts(self.ptr, self.len)
    }

    /// The bytes of frame `addr` (a UMEM offset) of length `len`, if inside the mapping.
    fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let start = usize::try_from(addr).ok()?;
        if start.checked_add(len)? > self.len {
            return None;
        }
        // SAFETY: the range lies inside the mapping, which lives as long as `self`; the
        // kernel does not write a frame while we own it (it came from the RX ring).
        Some(unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(start), len) })
    }

    fn bytes_mut(&mut self, addr: u64, len: usize) -> Option<&mut [u8]> {
        let start = usize::try_from(addr).ok()?;
        if start.checked_add(len)? > self.len {
            return None;
        }
        // SAFETY: as in `bytes`; the frame is ours (from the free list) until it is queued
        // for transmission, and `&mut self` makes this the only view of it.
        Some(unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(start), len) })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` are exactly what mmap returned; nothing uses them after this.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// One XDP socket on a device queue, with its UMEM and rings.
pub struct XdpPort {
    // Fields drop in order: rings and sockets before the UMEM, the UMEM before its memory.
    prog: Option<RedirectProgram>,
    rx: RingRx,
    tx: RingTx,
    dq: DeviceQueue,
    user: User,
    _sock: Socket,
    _umem: Umem,
    mem: Mapping,
    /// Frames owned by us, to give to the fill ring.
    fill_free: Vec<u64>,
    /// Frames owned by us, for sending.
    tx_free: Vec<u64>,
    /// Frames queued for sending, not yet completed.
    tx_outstanding: u32,
    /// Frames received and dropped because they did not fit or were malformed.
    pub rx_bad: u64,
}

// SAFETY: `XdpPort` owns its mapping and rings outright (the raw pointers inside `Umem` and
// `Mapping` point into memory only it uses); it is moved between threads only as a whole,
// and shared only behind a `Mutex`.
unsafe impl Send for XdpPort {}

fn errno(dev: &str, op: &'static str, e: xdpilone::Errno) -> DeviceError {
    let err = io::Error::from_raw_os_error(e.get_raw());
    match e.get_raw() {
        libc::EPERM | libc::EACCES => DeviceError::Permission(dev.to_string()),
        libc::ENODEV | libc::ENXIO => DeviceError::NoSuchDevice(dev.to_string()),
        _ => DeviceError::Os { dev: dev.to_string(), op, err },
    }
}

impl XdpPort {
    fn open(dev: &str, queue: u32, mode: XdpMode, steering: &Steering) -> Result<XdpPort, DeviceError> {
        let ifindex = sys::if_index(dev)?;
        let mem = Mapping::new((FRAME_SIZE * FRAMES) as usize).map_err(|e| DeviceError::os_err(dev, "mmap UMEM", e))?;
        let config = UmemConfig {
            fill_size: RING_SIZE,
            complete_size: RING_SIZE,
            frame_size: FRAME_SIZE,
            headroom: 0,
            flags: 0,
        };
        // SAFETY: the area is page aligned (mmap), valid for its whole length, and kept alive
        // by `XdpPort` for longer than the UMEM (field order).
        let umem = unsafe { Umem::new(config, mem.as_slice_ptr()) }.map_err(|e| errno(dev, "UMEM", e))?;
        let mut info = IfInfo::invalid();
        info.from_ifindex(ifindex).map_err(|e| errno(dev, "interface", e))?;
        info.set_queue(queue);
        let sock = Socket::with_shared(&info, &umem).map_err(|e| errno(dev, "AF_XDP socket", e))?;
        let dq = umem.fq_cq(&sock).map_err(|e| errno(dev, "fill/completion rings", e))?;
        let bind_flags = match mode {
            XdpMode::Auto => 0,
            XdpMode::Copy => XDP_COPY,
            XdpMode::ZeroCopy => XDP_ZEROCOPY,
        };
        let rxtx =
            SocketConfig { rx_size: NonZeroU32::new(RING_SIZE), tx_size: NonZeroU32::new(RING_SIZE), bind_flags };
        let user = umem.rx_tx(&sock, &rxtx).map_err(|e| errno(dev, "RX/TX rings", e))?;
        umem.bind(&user).map_err(|e| errno(dev, "bind", e))?;
        let rx = user.map_rx().map_err(|e| errno(dev, "map RX ring", e))?;
        let tx = user.map_tx().map_err(|e| errno(dev, "map TX ring", e))?;
        let half = FRAMES / 2;
        let fill_free = (0..half).map(|i| u64::from(i * FRAME_SIZE)).collect();
        let tx_free = (half..FRAMES).map(|i| u64::from(i * FRAME_SIZE)).collect();
        let mut port = XdpPort {
            prog: None,
            rx,
            tx,
            dq,
            user,
            _sock: sock,
            _umem: umem,
            mem,
            fill_free,
            tx_free,
            tx_outstanding: 0,
            rx_bad: 0,
        };
        port.refill();
        port.steer(dev, queue, steering)?;
        Ok(port)
    }

    /// Makes frames of (`dev`, `queue`) reach this socket as `steering` says.
    fn steer(&mut self, dev: &str, queue: u32, steering: &Steering) -> Result<(), DeviceError> {
        match steering {
            Steering::Load if self.prog.is_none() => {
                let ifindex = sys::if_index(dev)?;
                let prog = bpf::load_redirect(ifindex).map_err(|e| DeviceError::os_err(dev, "load XDP program", e))?;
                bpf::map_insert(&prog.map, queue, self.rx.as_raw_fd())
                    .map_err(|e| DeviceError::os_err(dev, "insert socket into XSKMAP", e))?;
                self.prog = Some(prog);
            }
            Steering::PinnedMap(path) => {
                let map = bpf::obj_get(path).map_err(|e| DeviceError::Os {
                    dev: dev.to_string(),
                    op: "open pinned XSKMAP",
                    err: std::io::Error::new(e.kind(), format!("{path}: {e}")),
                })?;
                bpf::map_insert(&map, queue, self.rx.as_raw_fd())
                    .map_err(|e| DeviceError::os_err(dev, "insert socket into XSKMAP", e))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Gives free frames back to the kernel for receiving.
    fn refill(&mut self) {
        if self.fill_free.is_empty() {
            return;
        }
        let mut w = self.dq.fill(self.fill_free.len() as u32);
        let n = w.insert(self.fill_free.iter().copied()) as usize;
        w.commit();
        drop(w);
        self.fill_free.drain(..n);
    }

    /// Reads up to `max` frames into `out` as packets with `headroom`; returns how many.
    pub fn recv(&mut self, max: usize, headroom: usize, out: &mut Batch) -> usize {
        let mut n = 0;
        {
            let mut r = self.rx.receive(max as u32);
            while let Some(desc) = r.read() {
                match self.mem.bytes(desc.addr, desc.len as usize) {
                    Some(b) if desc.len <= FRAME_SIZE => {
                        let mut p = Packet::make(headroom, b.len(), 0);
                        p.data_mut().copy_from_slice(b);
                        out.push(p);
                        n += 1;
                    }
                    _ => self.rx_bad += 1,
                }
                self.fill_free.push(desc.addr - desc.addr % u64::from(FRAME_SIZE));
            }
            r.release();
        }
        self.refill();
        if self.dq.needs_wakeup() {
            self.dq.wake();
        }
        n
    }

    /// Takes back frames the kernel finished sending.
    fn complete(&mut self) {
        let mut c = self.dq.complete(RING_SIZE);
        while let Some(addr) = c.read() {
            self.tx_free.push(addr - addr % u64::from(FRAME_SIZE));
            self.tx_outstanding = self.tx_outstanding.saturating_sub(1);
        }
        c.release();
    }

    /// Queues packets from the front of `pkts` for sending; returns how many were taken
    /// (sent or, if too long, refused: `too_long` counts those).
    pub fn send(&mut self, pkts: &[Packet], too_long: &mut u64) -> usize {
        self.complete();
        let mut descs: Vec<XdpDesc> = Vec::with_capacity(pkts.len());
        let mut taken = 0;
        for p in pkts {
            if p.len() > FRAME_SIZE as usize {
                *too_long += 1;
                taken += 1;
                continue;
            }
            let Some(addr) = self.tx_free.pop() else { break };
            if let Some(dst) = self.mem.bytes_mut(addr, p.len()) {
                dst.copy_from_slice(p.data());
                descs.push(XdpDesc { addr, len: p.len() as u32, options: 0 });
            }
            taken += 1;
        }
        if !descs.is_empty() {
            let mut w = self.tx.transmit(descs.len() as u32);
            let queued = w.insert(descs.iter().copied()) as usize;
            w.commit();
            drop(w);
            // Frames the ring had no room for go back to the free list, their packets with them.
            for d in &descs[queued..] {
                self.tx_free.push(d.addr);
            }
            taken -= descs.len() - queued;
            self.tx_outstanding += queued as u32;
            // Copy mode sends only when asked.
            self.tx.wake();
        }
        taken
    }

    /// Frames the kernel could not give the socket (dropped, receive ring full, no free
    /// frame in the fill ring), from the socket's statistics.
    pub fn kernel_drops(&self) -> u64 {
        self.user.statistics_v2().map_or(0, |s| s.rx_dropped + s.rx_ring_full + s.rx_fill_ring_empty_descs)
    }

    /// Frames queued and not yet sent.
    pub fn outstanding(&self) -> u32 {
        self.tx_outstanding
    }

    /// Asks the kernel again to send what waits in the transmit ring (in copy mode it sends
    /// a limited number per request, and a busy device leaves the rest there); returns how
    /// many descriptors were still waiting.
    pub fn kick(&mut self) -> u32 {
        self.complete();
        let waiting = self.tx.pending();
        if waiting > 0 {
            self.tx.wake();
        }
        waiting
    }
}

/// Ports by (device, queue).
type PortEntry = (String, u32, Arc<Mutex<XdpPort>>);
static PORTS: Mutex<Vec<PortEntry>> = Mutex::new(Vec::new());

/// Opens the XDP socket for (`dev`, `queue`), or shares the one already open.
pub fn open_shared(
    dev: &str,
    queue: u32,
    mode: XdpMode,
    steering: &Steering,
) -> Result<Arc<Mutex<XdpPort>>, DeviceError> {
    let mut ports = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    ports.retain(|(_, _, p)| Arc::strong_count(p) > 1);
    if let Some((_, _, p)) = ports.iter().find(|(d, q, _)| d == dev && *q == queue) {
        p.lock().unwrap_or_else(|e| e.into_inner()).steer(dev, queue, steering)?;
        return Ok(p.clone());
    }
    let p = Arc::new(Mutex::new(XdpPort::open(dev, queue, mode, steering)?));
    ports.push((dev.to_string(), queue, p.clone()));
    Ok(p)
}
