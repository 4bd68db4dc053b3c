//! The few `bpf(2)` calls device elements need, with programs written out as instructions
//! (no compiler, no libbpf): a tc ingress program that drops everything (FromDevice's
//! `SNIFFER false`) and, for AF_XDP, an XDP program redirecting to an XSKMAP. Programs are
//! attached with BPF links, so they go away when the router's descriptors close, even if it
//! is killed.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const BPF_MAP_CREATE: libc::c_long = 0;
#[cfg_attr(not(feature = "af_xdp"), allow(dead_code))]
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_PROG_LOAD: libc::c_long = 5;
#[cfg_attr(not(feature = "af_xdp"), allow(dead_code))]
const BPF_OBJ_GET: libc::c_long = 7;
const BPF_LINK_CREATE: libc::c_long = 28;
const BPF_MAP_TYPE_XSKMAP: u32 = 17;
const BPF_PROG_TYPE_SCHED_CLS: u32 = 3;
const BPF_PROG_TYPE_XDP: u32 = 6;
const BPF_XDP: u32 = 37;
const BPF_TCX_INGRESS: u32 = 46;
const MAP_ENTRIES: u32 = 64;

/// `union bpf_attr`, as raw bytes large enough for every command used here.
#[repr(C, align(8))]
struct Attr([u8; 128]);

impl Attr {
    fn new() -> Attr {
        Attr([0; 128])
    }
    fn u32(&mut self, at: usize, v: u32) -> &mut Attr {
        self.0[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        self
    }
    fn u64(&mut self, at: usize, v: u64) -> &mut Attr {
        self.0[at..at + 8].copy_from_slice(&v.to_ne_bytes());
        self
    }
}

fn bpf(cmd: libc::c_long, attr: &mut Attr) -> io::Result<libc::c_long> {
    // SAFETY: `attr` is a live, writable buffer of the size passed; the kernel reads and
    // writes only within it, and reads the pointers stored in it, which the callers keep
    // alive across the call.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.0.as_mut_ptr(), attr.0.len() as libc::c_uint) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r) }
}

fn fd(r: libc::c_long) -> OwnedFd {
    // SAFETY: the kernel returned a fresh descriptor that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(r as libc::c_int) }
}

/// One `struct bpf_insn`.
fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[0] = code;
    b[1] = (src << 4) | (dst & 0xf);
    b[2..4].copy_from_slice(&off.to_ne_bytes());
    b[4..8].copy_from_slice(&imm.to_ne_bytes());
    b
}

/// Loads a program of `kind`; the verifier's log comes with a refusal.
fn load(kind: u32, prog: &[u8]) -> io::Result<OwnedFd> {
    let license = c"Dual MIT/GPL";
    let mut log = vec![0u8; 4096];
    let mut a = Attr::new();
    a.u32(0, kind)
        .u32(4, (prog.len() / 8) as u32)
        .u64(8, prog.as_ptr() as u64)
        .u64(16, license.as_ptr() as u64)
        .u32(24, 1)
        .u32(28, log.len() as u32)
        .u64(32, log.as_mut_ptr() as u64);
    let p = bpf(BPF_PROG_LOAD, &mut a).map_err(|e| {
        let end = log.iter().position(|&b| b == 0).unwrap_or(0);
        io::Error::new(e.kind(), format!("{e}: {}", String::from_utf8_lossy(&log[..end]).trim()))
    })?;
    Ok(fd(p))
}

/// Attaches `prog` to device `ifindex` at `attach_type` with a link.
fn link(prog: &OwnedFd, ifindex: u32, attach_type: u32) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, prog.as_raw_fd() as u32).u32(4, ifindex).u32(8, attach_type).u32(12, 0);
    Ok(fd(bpf(BPF_LINK_CREATE, &mut a)?))
}

/// An attached program: dropping it detaches and unloads it.
#[derive(Debug)]
pub struct Attached {
    _link: OwnedFd,
    _prog: OwnedFd,
}

/// Attaches a tc ingress program (tcx) to device `ifindex` that drops every frame. Packet
/// sockets see frames before tc ingress runs, so they still receive them; the kernel's own
/// protocols do not.
pub fn ingress_drop(ifindex: u32) -> io::Result<Attached> {
    const TC_ACT_SHOT: i32 = 2;
    let prog: Vec<u8> = [
        insn(0xb7, 0, 0, 0, TC_ACT_SHOT), // r0 = TC_ACT_SHOT
        insn(0x95, 0, 0, 0, 0),           // exit
    ]
    .concat();
    let prog = load(BPF_PROG_TYPE_SCHED_CLS, &prog)?;
    let link = link(&prog, ifindex, BPF_TCX_INGRESS)?;
    Ok(Attached { _link: link, _prog: prog })
}

/// An XDP redirect program and its XSKMAP.
#[cfg_attr(not(feature = "af_xdp"), allow(dead_code))]
pub struct RedirectProgram {
    _attached: Attached,
    /// The XSKMAP: queue number to socket.
    pub map: OwnedFd,
}

/// Creates an XSKMAP, loads `return bpf_redirect_map(&map, ctx->rx_queue_index, XDP_PASS)`
/// and attaches it to the device.
#[cfg_attr(not(feature = "af_xdp"), allow(dead_code))]
pub fn load_redirect(ifindex: u32) -> io::Result<RedirectProgram> {
    let mut a = Attr::new();
    a.u32(0, BPF_MAP_TYPE_XSKMAP).u32(4, 4).u32(8, 4).u32(12, MAP_ENTRIES);
    let map = fd(bpf(BPF_MAP_CREATE, &mut a)?);
    let map_fd = map.as_raw_fd();
    let prog: Vec<u8> = [
        insn(0x61, 2, 1, 16, 0),     // r2 = *(u32 *)(r1 + 16): rx_queue_index
        insn(0x18, 1, 1, 0, map_fd), // r1 = map (ld_imm64, pseudo map fd)
        insn(0x00, 0, 0, 0, 0),      //   (second half)
        insn(0xb7, 3, 0, 0, 2),      // r3 = XDP_PASS when the queue has no socket
        insn(0x85, 0, 0, 0, 51),     // call bpf_redirect_map
        insn(0x95, 0, 0, 0, 0),      // exit
    ]
    .concat();
    let prog = load(BPF_PROG_TYPE_XDP, &prog)?;
    let link = link(&prog, ifindex, BPF_XDP)?;
    Ok(RedirectProgram { _attached: Attached { _link: link, _prog: prog }, map })
}

/// Puts socket `xsk` at `queue` in an XSKMAP.
#[cfg_attr(not(feature = "af_xdp"), allow(dead_code))]
pub fn map_insert(map: &OwnedFd, queue: u32, xsk: libc::c_int) -> io::Result<()> {
    let key = queue;
    let value = xsk as u32;
    let mut a = Attr::new();
    a.u32(0, map.as_raw_fd() as u32).u64(8, &key as *const u32 as u64).u64(16, &value as *const u32 as u64).u64(24, 0);
    bpf(BPF_MAP_UPDATE_ELEM, &mut a).map(|_| ())
}

/// Opens a BPF object (a map) pinned at `path` in a BPF filesystem.
#[cfg_attr(not(feature = "af_xdp"), allow(dead_code))]
pub fn obj_get(path: &str) -> io::Result<OwnedFd> {
    let c = std::ffi::CString::new(path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut a = Attr::new();
    a.u64(0, c.as_ptr() as u64).u32(8, 0).u32(12, 0);
    Ok(fd(bpf(BPF_OBJ_GET, &mut a)?))
}
