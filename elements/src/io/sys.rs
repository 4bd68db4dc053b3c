//! Linux packet sockets (AF_PACKET) and TUN/TAP devices: the system calls device elements
//! need, each `unsafe` block small and explained.
//!
//! Everything here is non-blocking: elements poll from their tasks.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Most frames read or written by one system call.
pub const MAX_BURST: usize = 64;
/// Size of the `virtio_net_hdr` the kernel puts before each frame with `PACKET_VNET_HDR`.
pub const VNET_HDR_LEN: usize = 10;
/// Largest frame we read: a 64 KB GSO frame plus its link header.
pub const MAX_FRAME: usize = 65536 + 256;

const ETH_P_ALL: u16 = 0x0003;
const PACKET_ADD_MEMBERSHIP: libc::c_int = 1;
const PACKET_MR_PROMISC: libc::c_ushort = 1;
const PACKET_STATISTICS: libc::c_int = 6;
const PACKET_VNET_HDR: libc::c_int = 15;
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;

/// Why a device could not be used. Each says what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The device does not exist.
    #[error("{0}: no such device")]
    NoSuchDevice(String),
    /// Packet sockets and TUN/TAP devices need privileges.
    #[error("{0}: permission denied (packet I/O needs root or CAP_NET_RAW/CAP_NET_ADMIN)")]
    Permission(String),
    /// The name cannot be a device name.
    #[error("'{0}': bad device name")]
    BadName(String),
    /// Any other system error.
    #[error("{dev}: {op}: {err}")]
    Os {
        /// The device.
        dev: String,
        /// What we were doing.
        op: &'static str,
        /// The error.
        err: io::Error,
    },
}

impl DeviceError {
    /// Sorts a system error met while `op` on `dev` into the kinds a user can act on.
    pub fn os_err(dev: &str, op: &'static str, err: io::Error) -> DeviceError {
        Self::os(dev, op, err)
    }

    fn os(dev: &str, op: &'static str, err: io::Error) -> DeviceError {
        match err.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => DeviceError::Permission(dev.to_string()),
            Some(libc::ENODEV | libc::ENXIO) => DeviceError::NoSuchDevice(dev.to_string()),
            _ => DeviceError::Os { dev: dev.to_string(), op, err },
        }
    }
}

/// True for errors that mean "try again later": nothing to read, socket buffer full.
pub fn is_transient(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR | libc::ENOBUFS))
}

/// True for errors that mean the device went down or away.
pub fn is_device_gone(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENETDOWN | libc::ENXIO | libc::ENODEV))
}

/// The interface index of `name`.
pub fn if_index(name: &str) -> Result<u32, DeviceError> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(['/', ' ', '\0']) {
        return Err(DeviceError::BadName(name.to_string()));
    }
    let c = CString::new(name).map_err(|_| DeviceError::BadName(name.to_string()))?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if idx == 0 { Err(DeviceError::NoSuchDevice(name.to_string())) } else { Ok(idx) }
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r) }
}

fn set_opt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of the given size for the whole call.
    let r = unsafe {
        libc::setsockopt(fd, level, name, (value as *const T).cast(), std::mem::size_of::<T>() as libc::socklen_t)
    };
    cvt(r).map(|_| ())
}

/// How to open a packet socket.
#[derive(Clone, Copy, Debug, Default)]
pub struct PacketSocketOptions {
    /// Ask for a `virtio_net_hdr` before each frame read (offload metadata).
    pub vnet_hdr: bool,
    /// Do not read frames this host sends on the device.
    pub ignore_outgoing: bool,
    /// Put the device in promiscuous mode while the socket lives.
    pub promisc: bool,
    /// Only frames of this ethertype (0: all).
    pub protocol: u16,
    /// Socket buffer size in bytes (0: the system default).
    pub buffer: usize,
    /// Only send: the socket reads nothing.
    pub send_only: bool,
}

/// A non-blocking AF_PACKET socket bound to one device.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
    vnet_hdr: bool,
}

/// What `recv_batch` learned about one frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecvInfo {
    /// Bytes received, the virtio header included when there is one.
    pub len: usize,
    /// The frame was longer than the buffer.
    pub truncated: bool,
    /// Linux packet type (`sll_pkttype`).
    pub pkttype: u8,
}

/// Receive buffers for `recv_batch`: one `MAX_FRAME` (+ virtio header) slot per frame.
pub struct RecvBuffers {
    data: Vec<u8>,
    slot: usize,
    /// What each slot holds after a `recv_batch`.
    pub info: Vec<RecvInfo>,
}

impl RecvBuffers {
    /// Buffers for `n` frames at a time.
    pub fn new(n: usize) -> RecvBuffers {
        let n = n.clamp(1, MAX_BURST);
        let slot = MAX_FRAME + VNET_HDR_LEN;
        RecvBuffers { data: vec![0; n * slot], slot, info: vec![RecvInfo::default(); n] }
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.info.len()
    }

    /// The bytes received in slot `i`.
    pub fn frame(&self, i: usize) -> &[u8] {
        let start = i * self.slot;
        &self.data[start..start + self.info[i].len.min(self.slot)]
    }
}

impl PacketSocket {
    /// Opens a packet socket on device `dev`.
    pub fn open(dev: &str, opts: PacketSocketOptions) -> Result<PacketSocket, DeviceError> {
        Self::open_with(dev, opts, |_| ()).map(|(s, ())| s)
    }

    /// Opens a packet socket on device `dev`, calling `setup` on its descriptor once its
    /// options are set and before it is bound (where packet rings are set up).
    pub fn open_with<R>(
        dev: &str,
        opts: PacketSocketOptions,
        setup: impl FnOnce(RawFd) -> R,
    ) -> Result<(PacketSocket, R), DeviceError> {
        let ifindex = if_index(dev)?;
        let proto = match (opts.send_only, opts.protocol) {
            (true, _) => 0,
            (false, 0) => ETH_P_ALL,
            (false, p) => p,
        };
        // SAFETY: plain system call with constant arguments.
        let raw =
            unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
        let raw = cvt(raw).map_err(|e| DeviceError::os(dev, "socket", e))?;
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let sock = PacketSocket { fd, vnet_hdr: opts.vnet_hdr };
        let fdr = sock.fd.as_raw_fd();
        let one: libc::c_int = 1;
        if opts.vnet_hdr {
            set_opt(fdr, libc::SOL_PACKET, PACKET_VNET_HDR, &one)
                .map_err(|e| DeviceError::os(dev, "PACKET_VNET_HDR", e))?;
        }
        if opts.ignore_outgoing {
            set_opt(fdr, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, &one)
                .map_err(|e| DeviceError::os(dev, "PACKET_IGNORE_OUTGOING", e))?;
        }
        if opts.buffer > 0 {
            let size = opts.buffer.min(i32::MAX as usize) as libc::c_int;
            // Best effort: the system may cap the size.
            let _ = set_opt(fdr, libc::SOL_SOCKET, libc::SO_RCVBUF, &size);
            let _ = set_opt(fdr, libc::SOL_SOCKET, libc::SO_SNDBUF, &size);
        }
        let extra = setup(fdr);
        // SAFETY: sockaddr_ll is plain old data; all zeroes is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = proto.to_be();
        addr.sll_ifindex = ifindex as i32;
        // SAFETY: `addr` is a live sockaddr_ll and the length says so.
        let r = unsafe {
            libc::bind(
                fdr,
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        cvt(r).map_err(|e| DeviceError::os(dev, "bind", e))?;
        if opts.promisc {
            #[repr(C)]
            struct PacketMreq {
                ifindex: libc::c_int,
                kind: libc::c_ushort,
                alen: libc::c_ushort,
                address: [u8; 8],
            }
            let mreq = PacketMreq { ifindex: ifindex as i32, kind: PACKET_MR_PROMISC, alen: 0, address: [0; 8] };
            set_opt(fdr, libc::SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq)
                .map_err(|e| DeviceError::os(dev, "promiscuous mode", e))?;
        }
        Ok((sock, extra))
    }

    /// The descriptor (for ring set-up and kicks).
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any: how a socket that reads from
    /// a ring learns that its device went down.
    pub fn take_error(&self) -> Option<io::Error> {
        let mut err: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `err` and `len` are live and `len` gives the size of `err`.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut err as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        (r == 0 && err != 0).then(|| io::Error::from_raw_os_error(err))
    }

    /// True when frames read carry a virtio header.
    pub fn has_vnet_hdr(&self) -> bool {
        self.vnet_hdr
    }

    /// Reads up to `max` frames into `bufs` with one `recvmmsg`; returns how many.
    pub fn recv_batch(&self, bufs: &mut RecvBuffers, max: usize) -> io::Result<usize> {
        let n = max.min(bufs.slots()).min(MAX_BURST);
        // SAFETY: these C structs are plain old data; zeroes are valid values.
        let mut msgs: [libc::mmsghdr; MAX_BURST] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut addrs: [libc::sockaddr_ll; MAX_BURST] = unsafe { std::mem::zeroed() };
        let mut iov = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; MAX_BURST];
        let base = bufs.data.as_mut_ptr();
        for i in 0..n {
            // SAFETY: slot `i` lies inside `bufs.data` (n <= slots).
            iov[i].iov_base = unsafe { base.add(i * bufs.slot) }.cast();
            iov[i].iov_len = bufs.slot;
            msgs[i].msg_hdr.msg_iov = &mut iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = (&mut addrs[i] as *mut libc::sockaddr_ll).cast();
            msgs[i].msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        }
        // SAFETY: every message points at live, exclusively borrowed buffers of the lengths
        // given; the kernel writes at most that much.
        let r = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                msgs.as_mut_ptr(),
                n as libc::c_uint,
                libc::MSG_DONTWAIT | libc::MSG_TRUNC,
                std::ptr::null_mut(),
            )
        };
        let got = cvt(r)? as usize;
        for i in 0..got {
            let len = msgs[i].msg_len as usize;
            bufs.info[i] = RecvInfo {
                len: len.min(bufs.slot),
                truncated: len > bufs.slot || msgs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
                pkttype: addrs[i].sll_pkttype,
            };
        }
        Ok(got)
    }

    /// Reads one frame with `recvmsg`: its virtio header into `hdr` and the frame into
    /// `buf` (for a socket with `vnet_hdr`; receiving straight into a packet's buffer saves
    /// copying long frames once more). `len` in the result counts the frame's bytes only.
    pub fn recv_into(&self, hdr: &mut [u8; VNET_HDR_LEN], buf: &mut [u8]) -> io::Result<RecvInfo> {
        // SAFETY: plain old data; all zeroes is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut iov = [
            libc::iovec { iov_base: hdr.as_mut_ptr().cast(), iov_len: VNET_HDR_LEN },
            libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() },
        ];
        // SAFETY: plain old data; all zeroes is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iov.as_mut_ptr();
        msg.msg_iovlen = 2;
        msg.msg_name = (&mut addr as *mut libc::sockaddr_ll).cast();
        msg.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        // SAFETY: the message points at `hdr`, `buf` and `addr`, live and exclusively
        // borrowed for the call, with their lengths; the kernel writes at most that much.
        let r = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT | libc::MSG_TRUNC) };
        let got = cvt(r as libc::c_int)? as usize;
        Ok(RecvInfo {
            len: got.saturating_sub(VNET_HDR_LEN).min(buf.len()),
            truncated: got < VNET_HDR_LEN || got > VNET_HDR_LEN + buf.len() || msg.msg_flags & libc::MSG_TRUNC != 0,
            pkttype: addr.sll_pkttype,
        })
    }

    /// Sends `frames` with one `sendmmsg`; returns how many left, or the error met on the
    /// first one.
    pub fn send_batch(&self, frames: &[&[u8]]) -> io::Result<usize> {
        send_batch(self.fd.as_raw_fd(), frames)
    }

    /// Frames the kernel dropped for this socket since the last call (full buffer).
    pub fn take_kernel_drops(&self) -> u64 {
        #[repr(C)]
        #[derive(Default)]
        struct Stats {
            packets: libc::c_uint,
            drops: libc::c_uint,
        }
        let mut s = Stats::default();
        let mut len = std::mem::size_of::<Stats>() as libc::socklen_t;
        // SAFETY: `s` and `len` are live and `len` gives the size of `s`.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_STATISTICS,
                (&mut s as *mut Stats).cast(),
                &mut len,
            )
        };
        if r < 0 { 0 } else { u64::from(s.drops) }
    }
}

/// Sends `frames`, each after its 10-byte virtio header, with one `sendmmsg` (a socket
/// opened with `vnet_hdr`); returns how many left.
pub fn send_batch_vnet(sock: &PacketSocket, frames: &[&[u8]], hdrs: &[[u8; VNET_HDR_LEN]]) -> io::Result<usize> {
    let n = frames.len().min(hdrs.len()).min(MAX_BURST);
    if n == 0 {
        return Ok(0);
    }
    // SAFETY: plain old data; zeroes are valid values.
    let mut msgs: [libc::mmsghdr; MAX_BURST] = unsafe { std::mem::zeroed() };
    let mut iov = [[libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; 2]; MAX_BURST];
    for i in 0..n {
        iov[i][0] = libc::iovec { iov_base: hdrs[i].as_ptr() as *mut libc::c_void, iov_len: VNET_HDR_LEN };
        iov[i][1] = libc::iovec { iov_base: frames[i].as_ptr() as *mut libc::c_void, iov_len: frames[i].len() };
        msgs[i].msg_hdr.msg_iov = iov[i].as_mut_ptr();
        msgs[i].msg_hdr.msg_iovlen = 2;
    }
    // SAFETY: the messages point at the headers and frames, which outlive the call; the
    // kernel only reads them.
    let r = unsafe { libc::sendmmsg(sock.fd.as_raw_fd(), msgs.as_mut_ptr(), n as libc::c_uint, libc::MSG_DONTWAIT) };
    cvt(r).map(|r| r as usize)
}

/// `sendmmsg` of whole frames on a connected or bound descriptor.
fn send_batch(fd: RawFd, frames: &[&[u8]]) -> io::Result<usize> {
    let n = frames.len().min(MAX_BURST);
    if n == 0 {
        return Ok(0);
    }
    // SAFETY: plain old data; zeroes are valid values.
    let mut msgs: [libc::mmsghdr; MAX_BURST] = unsafe { std::mem::zeroed() };
    let mut iov = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; MAX_BURST];
    for i in 0..n {
        iov[i].iov_base = frames[i].as_ptr() as *mut libc::c_void;
        iov[i].iov_len = frames[i].len();
        msgs[i].msg_hdr.msg_iov = &mut iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: the messages point at the frames, which outlive the call; the kernel only
    // reads them.
    let r = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), n as libc::c_uint, libc::MSG_DONTWAIT) };
    cvt(r).map(|r| r as usize)
}

/// A TUN or TAP device this process created, non-blocking. It disappears with the
/// descriptor unless made persistent elsewhere.
#[derive(Debug)]
pub struct TunTap {
    fd: OwnedFd,
    name: String,
}

/// `struct ifreq` as TUNSETIFF wants it: a name and flags.
#[repr(C)]
struct IfReqFlags {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

impl TunTap {
    /// Creates (or attaches to) TAP device `name` if `tap`, else TUN device `name`; an
    /// empty name or one ending in `%d` lets the kernel choose.
    pub fn open(name: &str, tap: bool) -> Result<TunTap, DeviceError> {
        if name.len() >= libc::IFNAMSIZ || name.contains(['/', ' ', '\0']) {
            return Err(DeviceError::BadName(name.to_string()));
        }
        let label = if name.is_empty() { if tap { "new TAP device" } else { "new TUN device" } } else { name };
        let path = c"/dev/net/tun";
        // SAFETY: `path` is a valid NUL-terminated string.
        let raw = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC) };
        let raw = cvt(raw).map_err(|e| match e.raw_os_error() {
            Some(libc::ENOENT | libc::ENODEV | libc::ENXIO) => {
                DeviceError::Os { dev: "/dev/net/tun".into(), op: "open (is the tun module loaded?)", err: e }
            }
            _ => DeviceError::os(label, "open /dev/net/tun", e),
        })?;
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mut req = IfReqFlags { name: [0; libc::IFNAMSIZ], flags: 0, _pad: [0; 22] };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        req.flags = (if tap { libc::IFF_TAP } else { libc::IFF_TUN } | libc::IFF_NO_PI) as libc::c_short;
        // SAFETY: TUNSETIFF reads and writes a `struct ifreq`, which `req` matches in size
        // (40 bytes) and layout; it lives for the whole call.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF as _, &mut req as *mut IfReqFlags) };
        cvt(r).map_err(|e| DeviceError::os(label, "TUNSETIFF", e))?;
        let end = req.name.iter().position(|&b| b == 0).unwrap_or(libc::IFNAMSIZ);
        let name = String::from_utf8_lossy(&req.name[..end]).into_owned();
        Ok(TunTap { fd, name })
    }

    /// The device's name (chosen by the kernel if asked to).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads one frame into `buf`; `Ok(0)` never means end of file here.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `buf` is live and exclusively borrowed for its whole length.
        let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r as usize) }
    }

    /// Writes one frame.
    pub fn write(&self, frame: &[u8]) -> io::Result<usize> {
        // SAFETY: `frame` is live for its whole length; the kernel only reads it.
        let r = unsafe { libc::write(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
        if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r as usize) }
    }
}

/// Brings device `name` up or down, and optionally sets its MTU (SIOCSIFFLAGS/SIOCSIFMTU).
pub fn set_link(name: &str, up: bool, mtu: Option<u32>) -> Result<(), DeviceError> {
    #[repr(C)]
    struct IfReqInt {
        name: [u8; libc::IFNAMSIZ],
        value: libc::c_int,
        _pad: [u8; 20],
    }
    if name.is_empty() || name.len() >= libc::IFNAMSIZ {
        return Err(DeviceError::BadName(name.to_string()));
    }
    // SAFETY: plain system call with constant arguments.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    let raw = cvt(raw).map_err(|e| DeviceError::os(name, "socket", e))?;
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut req = IfReqInt { name: [0; libc::IFNAMSIZ], value: 0, _pad: [0; 20] };
    req.name[..name.len()].copy_from_slice(name.as_bytes());
    if let Some(mtu) = mtu {
        req.value = mtu.min(i32::MAX as u32) as libc::c_int;
        // SAFETY: SIOCSIFMTU reads a `struct ifreq` (40 bytes), which `req` matches.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCSIFMTU as _, &mut req as *mut IfReqInt) };
        cvt(r).map_err(|e| DeviceError::os(name, "set MTU", e))?;
    }
    // SAFETY: SIOCGIFFLAGS writes the flags (a short at the value's place) into `req`.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFFLAGS as _, &mut req as *mut IfReqInt) };
    cvt(r).map_err(|e| DeviceError::os(name, "get flags", e))?;
    let flags = req.value & 0xffff;
    let flags = if up { flags | libc::IFF_UP } else { flags & !libc::IFF_UP };
    req.value = flags;
    // SAFETY: SIOCSIFFLAGS reads `req` as a `struct ifreq` with flags set.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCSIFFLAGS as _, &mut req as *mut IfReqInt) };
    cvt(r).map_err(|e| DeviceError::os(name, "set flags", e))?;
    Ok(())
}

/// The device's MTU, read from sysfs.
pub fn mtu(name: &str) -> Option<usize> {
    std::fs::read_to_string(format!("/sys/class/net/{name}/mtu")).ok()?.trim().parse().ok()
}

/// The device's Ethernet address, read from sysfs.
pub fn ether_address(name: &str) -> Option<[u8; 6]> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/address")).ok()?;
    let mut out = [0u8; 6];
    let mut parts = text.trim().split(':');
    for b in &mut out {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    Some(out)
}

/// `struct ifreq` with a socket address (the form SIOCSIFADDR, SIOCSIFNETMASK and
/// SIOCSIFHWADDR use): a name, a 2-byte family, 14 bytes of address data, padding.
#[repr(C)]
struct IfReqAddr {
    name: [u8; libc::IFNAMSIZ],
    family: libc::c_ushort,
    data: [u8; 14],
    _pad: [u8; 8],
}

/// Runs one address-setting ioctl on `name`.
fn if_ioctl_addr(
    name: &str,
    op: &'static str,
    request: libc::c_ulong,
    family: u16,
    data: &[u8],
) -> Result<(), DeviceError> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ {
        return Err(DeviceError::BadName(name.to_string()));
    }
    // SAFETY: plain system call with constant arguments.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    let raw = cvt(raw).map_err(|e| DeviceError::os(name, "socket", e))?;
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut req = IfReqAddr { name: [0; libc::IFNAMSIZ], family, data: [0; 14], _pad: [0; 8] };
    req.name[..name.len()].copy_from_slice(name.as_bytes());
    let n = data.len().min(14);
    req.data[..n].copy_from_slice(&data[..n]);
    // SAFETY: the request reads a `struct ifreq` (40 bytes), which `req` matches in size and
    // layout; it lives for the whole call.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, &mut req as *mut IfReqAddr) };
    cvt(r).map(|_| ()).map_err(|e| DeviceError::os(name, op, e))
}

/// Gives device `name` the IPv4 address `addr` with netmask `mask`.
pub fn set_ipv4(name: &str, addr: std::net::Ipv4Addr, mask: std::net::Ipv4Addr) -> Result<(), DeviceError> {
    // sockaddr_in after the family: port (2 bytes), address (4 bytes).
    let mut a = [0u8; 6];
    a[2..].copy_from_slice(&addr.octets());
    if_ioctl_addr(name, "set address", libc::SIOCSIFADDR, libc::AF_INET as u16, &a)?;
    let mut m = [0u8; 6];
    m[2..].copy_from_slice(&mask.octets());
    if_ioctl_addr(name, "set netmask", libc::SIOCSIFNETMASK, libc::AF_INET as u16, &m)
}

/// Sets device `name`'s Ethernet address.
pub fn set_ether(name: &str, mac: [u8; 6]) -> Result<(), DeviceError> {
    const ARPHRD_ETHER: u16 = 1;
    if_ioctl_addr(name, "set Ethernet address", libc::SIOCSIFHWADDR, ARPHRD_ETHER, &mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connected pair of datagram sockets, one wrapped as a packet socket with virtio
    /// headers: what `recv_into` sees is laid out as a packet socket's messages are.
    fn pair() -> (PacketSocket, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors the call writes.
        let r = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) };
        assert_eq!(r, 0, "socketpair: {}", io::Error::last_os_error());
        // SAFETY: two fresh descriptors that nothing else owns.
        let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        (PacketSocket { fd: a, vnet_hdr: true }, b)
    }

    fn send(fd: &OwnedFd, msg: &[u8]) {
        // SAFETY: `msg` is live for the call and the length says how long it is.
        let r = unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
        assert_eq!(r, msg.len() as isize);
    }

    #[test]
    fn recv_into_splits_the_virtio_header_from_the_frame() {
        let (sock, peer) = pair();
        let msg: Vec<u8> = (0..10u8).chain((0..200u32).map(|i| i as u8)).collect();
        send(&peer, &msg);
        let mut hdr = [0xffu8; VNET_HDR_LEN];
        let mut buf = vec![0u8; 1000];
        let info = sock.recv_into(&mut hdr, &mut buf).unwrap();
        assert_eq!(hdr, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!((info.len, info.truncated), (200, false));
        assert_eq!(&buf[..200], &msg[10..]);
        // Longer than the buffer: the part that fits, marked truncated.
        send(&peer, &msg);
        let mut small = vec![0u8; 50];
        let info = sock.recv_into(&mut hdr, &mut small).unwrap();
        assert_eq!((info.len, info.truncated), (50, true));
        assert_eq!(&small[..], &msg[10..60]);
        // Shorter than a virtio header: truncated too.
        send(&peer, &msg[..4]);
        let info = sock.recv_into(&mut hdr, &mut buf).unwrap();
        assert!(info.truncated);
        assert_eq!(info.len, 0);
        // Nothing waiting: the non-blocking socket says so.
        let e = sock.recv_into(&mut hdr, &mut buf).unwrap_err();
        assert!(is_transient(&e), "{e}");
    }
}
