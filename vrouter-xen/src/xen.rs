//! Real Xen: the platform traits on Linux's `/dev/xen/gntalloc`, `/dev/xen/gntdev`,
//! `/dev/xen/evtchn` and `/dev/xen/xenbus` (feature `xen`).
//!
//! Ioctl numbers and argument structures follow Linux's `include/uapi/xen/gntalloc.h`,
//! `gntdev.h` and `evtchn.h`; the xenstore messages follow Xen's `io/xs_wire.h`. The encodings
//! are unit-tested against values computed from those headers; the devices themselves exist
//! only in a Xen guest.
//!
//! Memory model: every frame starts as a private page of this process; granting a frame
//! moves it into a page allocated by `gntalloc` (so grant a frame before handing out its
//! page: granting fails while the private page is in use). A frame is granted to at most one
//! domain at a time.
#![allow(unsafe_code)]

use crate::abi::{
    DomId, GNTCOPY_DEST_GREF, GNTCOPY_SOURCE_GREF, GNTST_BAD_COPY_ARG, GNTST_BAD_PAGE, GrantRef, PAGE_SIZE,
};
use crate::platform::*;
use crate::shm::SharedPage;
use crate::sys;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::Arc;
use std::time::Duration;

/// Linux's ioctl encodings and argument structures for the Xen devices.
pub mod ioctl {
    /// `_IOC(dir, type, nr, size)` with asm-generic's layout (nr 8 bits, type 8, size 14, dir 2).
    pub const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
        (dir << 30) | ((size as u32) << 16) | ((ty as u32) << 8) | nr as u32
    }
    /// `_IOC_NONE`: every Xen device ioctl is declared with it.
    pub const IOC_NONE: u32 = 0;

    /// `struct ioctl_gntalloc_alloc_gref` (for one page).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct GntallocAllocGref {
        /// Domain to grant to.
        pub domid: u16,
        /// `GNTALLOC_FLAG_WRITABLE`.
        pub flags: u16,
        /// Pages.
        pub count: u32,
        /// Out: mmap offset.
        pub index: u64,
        /// Out: the grant references (one here).
        pub gref_ids: [u32; 1],
    }
    /// `struct ioctl_gntalloc_dealloc_gref`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct GntallocDeallocGref {
        /// mmap offset from the allocation.
        pub index: u64,
        /// Pages.
        pub count: u32,
    }
    /// `GNTALLOC_FLAG_WRITABLE`.
    pub const GNTALLOC_FLAG_WRITABLE: u16 = 1;
    /// `IOCTL_GNTALLOC_ALLOC_GREF`.
    pub const IOCTL_GNTALLOC_ALLOC_GREF: u32 = ioc(IOC_NONE, b'G', 5, size_of::<GntallocAllocGref>());
    /// `IOCTL_GNTALLOC_DEALLOC_GREF`.
    pub const IOCTL_GNTALLOC_DEALLOC_GREF: u32 = ioc(IOC_NONE, b'G', 6, size_of::<GntallocDeallocGref>());

    /// `struct ioctl_gntdev_grant_ref`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct GntdevGrantRef {
        /// Granting domain.
        pub domid: u32,
        /// Grant reference.
        pub gref: u32,
    }
    /// `struct ioctl_gntdev_map_grant_ref` (for one grant).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct GntdevMapGrantRef {
        /// Grants.
        pub count: u32,
        /// Padding.
        pub pad: u32,
        /// Out: mmap offset.
        pub index: u64,
        /// The grants (one here).
        pub refs: [GntdevGrantRef; 1],
    }
    /// `struct ioctl_gntdev_unmap_grant_ref`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct GntdevUnmapGrantRef {
        /// mmap offset from the map.
        pub index: u64,
        /// Pages.
        pub count: u32,
        /// Padding.
        pub pad: u32,
    }
    /// `foreign` in `struct ioctl_gntdev_grant_copy_segment`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct GntdevForeign {
        /// Grant reference.
        pub gref: u32,
        /// Offset in the page.
        pub offset: u16,
        /// Granting domain.
        pub domid: u16,
    }
    /// The `source`/`dest` union of a grant copy segment.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub union GntdevCopyPtr {
        /// A local address.
        pub virt: *mut core::ffi::c_void,
        /// A foreign grant.
        pub foreign: GntdevForeign,
    }
    /// `struct ioctl_gntdev_grant_copy_segment`.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct GntdevGrantCopySegment {
        /// Source.
        pub source: GntdevCopyPtr,
        /// Destination.
        pub dest: GntdevCopyPtr,
        /// Bytes.
        pub len: u16,
        /// `GNTCOPY_*`.
        pub flags: u16,
        /// Out: `GNTST_*`.
        pub status: i16,
    }
    /// `struct ioctl_gntdev_grant_copy`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug)]
    pub struct GntdevGrantCopy {
        /// Segments.
        pub count: core::ffi::c_uint,
        /// The segment array.
        pub segments: *mut GntdevGrantCopySegment,
    }
    /// `IOCTL_GNTDEV_MAP_GRANT_REF`.
    pub const IOCTL_GNTDEV_MAP_GRANT_REF: u32 = ioc(IOC_NONE, b'G', 0, size_of::<GntdevMapGrantRef>());
    /// `IOCTL_GNTDEV_UNMAP_GRANT_REF`.
    pub const IOCTL_GNTDEV_UNMAP_GRANT_REF: u32 = ioc(IOC_NONE, b'G', 1, size_of::<GntdevUnmapGrantRef>());
    /// `IOCTL_GNTDEV_GRANT_COPY`.
    pub const IOCTL_GNTDEV_GRANT_COPY: u32 = ioc(IOC_NONE, b'G', 8, size_of::<GntdevGrantCopy>());

    /// `struct ioctl_evtchn_bind_interdomain`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct EvtchnBindInterdomain {
        /// Remote domain.
        pub remote_domain: u32,
        /// Remote port.
        pub remote_port: u32,
    }
    /// `struct ioctl_evtchn_bind_unbound_port`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct EvtchnBindUnboundPort {
        /// The domain allowed to bind.
        pub remote_domain: u32,
    }
    /// `struct ioctl_evtchn_unbind` and `struct ioctl_evtchn_notify`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct EvtchnPort {
        /// Port.
        pub port: u32,
    }
    /// `IOCTL_EVTCHN_BIND_INTERDOMAIN`.
    pub const IOCTL_EVTCHN_BIND_INTERDOMAIN: u32 = ioc(IOC_NONE, b'E', 1, size_of::<EvtchnBindInterdomain>());
    /// `IOCTL_EVTCHN_BIND_UNBOUND_PORT`.
    pub const IOCTL_EVTCHN_BIND_UNBOUND_PORT: u32 = ioc(IOC_NONE, b'E', 2, size_of::<EvtchnBindUnboundPort>());
    /// `IOCTL_EVTCHN_UNBIND`.
    pub const IOCTL_EVTCHN_UNBIND: u32 = ioc(IOC_NONE, b'E', 3, size_of::<EvtchnPort>());
    /// `IOCTL_EVTCHN_NOTIFY`.
    pub const IOCTL_EVTCHN_NOTIFY: u32 = ioc(IOC_NONE, b'E', 4, size_of::<EvtchnPort>());
    /// `IOCTL_EVTCHN_RESET`.
    pub const IOCTL_EVTCHN_RESET: u32 = ioc(IOC_NONE, b'E', 5, 0);
}

/// xenstore wire messages (`xen/io/xs_wire.h`).
pub mod xs {
    /// `XS_DIRECTORY`.
    pub const XS_DIRECTORY: u32 = 1;
    /// `XS_READ`.
    pub const XS_READ: u32 = 2;
    /// `XS_WATCH`.
    pub const XS_WATCH: u32 = 4;
    /// `XS_UNWATCH`.
    pub const XS_UNWATCH: u32 = 5;
    /// `XS_WRITE`.
    pub const XS_WRITE: u32 = 11;
    /// `XS_RM`.
    pub const XS_RM: u32 = 13;
    /// `XS_WATCH_EVENT`.
    pub const XS_WATCH_EVENT: u32 = 15;
    /// `XS_ERROR`.
    pub const XS_ERROR: u32 = 16;
    /// `sizeof(struct xsd_sockmsg)`.
    pub const HEADER: usize = 16;
    /// `XENSTORE_PAYLOAD_MAX`.
    pub const PAYLOAD_MAX: usize = 4096;

    /// Encodes a request: header (`type`, `req_id`, `tx_id` 0, `len`) and payload.
    pub fn encode(ty: u32, req_id: u32, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(HEADER + payload.len());
        for v in [ty, req_id, 0, payload.len() as u32] {
            m.extend_from_slice(&v.to_ne_bytes());
        }
        m.extend_from_slice(payload);
        m
    }

    /// Decodes a header: `(type, req_id, len)`.
    pub fn decode_header(h: &[u8; HEADER]) -> (u32, u32, usize) {
        let w = |i: usize| u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        (w(0), w(4), w(12) as usize)
    }

    /// Joins strings, each followed by a NUL (the last one optionally not).
    pub fn strings(parts: &[&str], trailing_nul: bool) -> Vec<u8> {
        let mut v = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            v.extend_from_slice(p.as_bytes());
            if trailing_nul || i + 1 < parts.len() {
                v.push(0);
            }
        }
        v
    }
}

fn ioctl<T>(fd: BorrowedFd<'_>, req: u32, arg: &mut T) -> io::Result<libc::c_int> {
    // SAFETY: `arg` is a live, exclusively borrowed `#[repr(C)]` structure of the size encoded
    // in `req`; the kernel reads and writes only that structure (and, for grant copy, the
    // segment array it points to, which the caller keeps alive across the call).
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), req as _, (arg as *mut T).cast::<libc::c_void>()) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r) }
}

enum Slot {
    Private(Arc<SharedPage>),
    Granted { page: Arc<SharedPage>, index: u64 },
}

/// The platform on a real Xen guest.
pub struct XenPlatform {
    domid: DomId,
    gntalloc: std::fs::File,
    gntdev: std::fs::File,
    evtchn: std::fs::File,
    xenbus: std::fs::File,
    frames: Vec<Slot>,
    grants: HashMap<GrantRef, u32>,
    maps: HashMap<(DomId, GrantRef), u64>,
    pending: HashSet<Port>,
    req_id: u32,
    watch_events: VecDeque<WatchEvent>,
}

impl std::fmt::Debug for XenPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XenPlatform").field("domid", &self.domid).finish()
    }
}

fn open(path: &str) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).open(path)
}

impl XenPlatform {
    /// Opens the Xen devices; `nr_frames` bounds the frame numbers this domain uses.
    pub fn open(nr_frames: u32) -> Result<Self, XenError> {
        let mut p = XenPlatform {
            domid: 0,
            gntalloc: open("/dev/xen/gntalloc")?,
            gntdev: open("/dev/xen/gntdev")?,
            evtchn: open("/dev/xen/evtchn")?,
            xenbus: open("/dev/xen/xenbus")?,
            frames: (0..nr_frames).map(|_| Slot::Private(Arc::new(SharedPage::new_zeroed()))).collect(),
            grants: HashMap::new(),
            maps: HashMap::new(),
            pending: HashSet::new(),
            req_id: 0,
            watch_events: VecDeque::new(),
        };
        let id = p.read("domid")?.ok_or_else(|| XenError::Protocol("xenstore has no domid".into()))?;
        p.domid = id.trim().parse().map_err(|_| XenError::Protocol(format!("bad domid {id:?}")))?;
        Ok(p)
    }

    fn read_msg(&mut self) -> Result<(u32, u32, Vec<u8>), XenError> {
        let mut h = [0u8; xs::HEADER];
        self.xenbus.read_exact(&mut h)?;
        let (ty, id, len) = xs::decode_header(&h);
        if len > xs::PAYLOAD_MAX {
            return Err(XenError::Protocol(format!("xenstore message of {len} bytes")));
        }
        let mut body = vec![0u8; len];
        self.xenbus.read_exact(&mut body)?;
        Ok((ty, id, body))
    }

    fn stash_event(&mut self, body: &[u8]) {
        let mut parts = body.split(|b| *b == 0).map(|s| String::from_utf8_lossy(s).into_owned());
        if let (Some(path), Some(token)) = (parts.next(), parts.next()) {
            self.watch_events.push_back(WatchEvent { path, token });
        }
    }

    fn xs_call(&mut self, ty: u32, payload: &[u8]) -> Result<Option<Vec<u8>>, XenError> {
        self.req_id = self.req_id.wrapping_add(1);
        let id = self.req_id;
        self.xenbus.write_all(&xs::encode(ty, id, payload))?;
        loop {
            let (rty, rid, body) = self.read_msg()?;
            if rty == xs::XS_WATCH_EVENT {
                self.stash_event(&body);
                continue;
            }
            if rid != id {
                continue;
            }
            if rty == xs::XS_ERROR {
                let e = String::from_utf8_lossy(body.split(|b| *b == 0).next().unwrap_or(&[])).into_owned();
                return match e.as_str() {
                    "ENOENT" => Ok(None),
                    "EACCES" | "EPERM" => Err(XenError::XsPermission(String::from_utf8_lossy(payload).into_owned())),
                    _ => Err(XenError::Protocol(format!("xenstore: {e}"))),
                };
            }
            return Ok(Some(body));
        }
    }
}

impl GrantTable for XenPlatform {
    fn domid(&self) -> DomId {
        self.domid
    }
    fn nr_frames(&self) -> u32 {
        self.frames.len() as u32
    }
    fn frame(&self, frame: u32) -> Result<Arc<SharedPage>, XenError> {
        match self.frames.get(frame as usize) {
            Some(Slot::Private(p)) | Some(Slot::Granted { page: p, .. }) => Ok(p.clone()),
            None => Err(XenError::BadFrame(frame)),
        }
    }
    fn grant_access(&mut self, to: DomId, frame: u32, readonly: bool) -> Result<GrantRef, XenError> {
        let old = match self.frames.get(frame as usize) {
            // Only a private page nobody else holds can move into granted memory.
            Some(Slot::Private(p)) if Arc::strong_count(p) == 1 => p.clone(),
            _ => return Err(XenError::BadFrame(frame)),
        };
        let mut a = ioctl::GntallocAllocGref {
            domid: to,
            flags: if readonly { 0 } else { ioctl::GNTALLOC_FLAG_WRITABLE },
            count: 1,
            ..Default::default()
        };
        ioctl(self.gntalloc.as_fd(), ioctl::IOCTL_GNTALLOC_ALLOC_GREF, &mut a)?;
        let page = Arc::new(SharedPage::map_fd(self.gntalloc.as_fd(), a.index, true)?);
        SharedPage::copy(&old, 0, &page, 0, PAGE_SIZE)?;
        let gref = a.gref_ids[0];
        self.frames[frame as usize] = Slot::Granted { page, index: a.index };
        self.grants.insert(gref, frame);
        Ok(gref)
    }
    fn end_access(&mut self, gref: GrantRef) -> Result<(), XenError> {
        let frame = *self.grants.get(&gref).ok_or(XenError::Grant {
            granter: self.domid,
            gref,
            status: crate::abi::GNTST_BAD_GNTREF,
        })?;
        let Some(Slot::Granted { page, index }) = self.frames.get(frame as usize) else {
            return Err(XenError::BadFrame(frame));
        };
        let (page, index) = (page.clone(), *index);
        let mut d = ioctl::GntallocDeallocGref { index, count: 1 };
        ioctl(self.gntalloc.as_fd(), ioctl::IOCTL_GNTALLOC_DEALLOC_GREF, &mut d)?;
        // The frame becomes private again, keeping its contents.
        let private = Arc::new(SharedPage::new_zeroed());
        SharedPage::copy(&page, 0, &private, 0, PAGE_SIZE)?;
        self.frames[frame as usize] = Slot::Private(private);
        self.grants.remove(&gref);
        Ok(())
    }
    fn map_grant(&mut self, granter: DomId, gref: GrantRef, readonly: bool) -> Result<Arc<SharedPage>, XenError> {
        let mut m = ioctl::GntdevMapGrantRef {
            count: 1,
            refs: [ioctl::GntdevGrantRef { domid: granter.into(), gref }],
            ..Default::default()
        };
        ioctl(self.gntdev.as_fd(), ioctl::IOCTL_GNTDEV_MAP_GRANT_REF, &mut m)?;
        let page = SharedPage::map_fd(self.gntdev.as_fd(), m.index, !readonly).map_err(|_| XenError::Grant {
            granter,
            gref,
            status: GNTST_BAD_PAGE,
        })?;
        self.maps.insert((granter, gref), m.index);
        Ok(Arc::new(page))
    }
    fn unmap_grant(&mut self, granter: DomId, gref: GrantRef) -> Result<(), XenError> {
        let index = self.maps.remove(&(granter, gref)).ok_or(XenError::GrantInUse(gref))?;
        let mut u = ioctl::GntdevUnmapGrantRef { index, count: 1, pad: 0 };
        ioctl(self.gntdev.as_fd(), ioctl::IOCTL_GNTDEV_UNMAP_GRANT_REF, &mut u)?;
        Ok(())
    }
    fn grant_copy(&mut self, ops: &mut [CopyOp]) -> Result<(), XenError> {
        let mut segs = Vec::with_capacity(ops.len());
        let mut idx = Vec::with_capacity(ops.len());
        for (i, o) in ops.iter_mut().enumerate() {
            let mut flags = 0;
            let mut side = |p: CopyPtr, gref_flag: u16| -> Result<ioctl::GntdevCopyPtr, i16> {
                match p {
                    CopyPtr::Grant { domid, gref, offset } => {
                        flags |= gref_flag;
                        Ok(ioctl::GntdevCopyPtr { foreign: ioctl::GntdevForeign { gref, offset, domid } })
                    }
                    CopyPtr::Local { frame, offset } => {
                        if offset as usize + o.len as usize > PAGE_SIZE {
                            return Err(GNTST_BAD_COPY_ARG);
                        }
                        match self.frames.get(frame as usize) {
                            Some(Slot::Private(p)) | Some(Slot::Granted { page: p, .. }) => {
                                // The address stays valid: `self.frames` keeps the page alive
                                // for the duration of the ioctl.
                                Ok(ioctl::GntdevCopyPtr { virt: p.addr().wrapping_add(offset as usize).cast() })
                            }
                            None => Err(GNTST_BAD_PAGE),
                        }
                    }
                }
            };
            let (source, dest) = match (side(o.source, GNTCOPY_SOURCE_GREF), side(o.dest, GNTCOPY_DEST_GREF)) {
                (Ok(s), Ok(d)) => (s, d),
                (Err(e), _) | (_, Err(e)) => {
                    o.status = e;
                    continue;
                }
            };
            segs.push(ioctl::GntdevGrantCopySegment { source, dest, len: o.len, flags, status: 0 });
            idx.push(i);
        }
        if !segs.is_empty() {
            let mut c = ioctl::GntdevGrantCopy { count: segs.len() as _, segments: segs.as_mut_ptr() };
            ioctl(self.gntdev.as_fd(), ioctl::IOCTL_GNTDEV_GRANT_COPY, &mut c)?;
        }
        for (s, i) in segs.iter().zip(idx) {
            ops[i].status = s.status;
        }
        Ok(())
    }
}

impl EventChannels for XenPlatform {
    fn alloc_unbound(&mut self, remote: DomId) -> Result<Port, XenError> {
        let mut a = ioctl::EvtchnBindUnboundPort { remote_domain: remote.into() };
        Ok(ioctl(self.evtchn.as_fd(), ioctl::IOCTL_EVTCHN_BIND_UNBOUND_PORT, &mut a)? as Port)
    }
    fn bind_interdomain(&mut self, remote: DomId, remote_port: Port) -> Result<Port, XenError> {
        let mut a = ioctl::EvtchnBindInterdomain { remote_domain: remote.into(), remote_port };
        Ok(ioctl(self.evtchn.as_fd(), ioctl::IOCTL_EVTCHN_BIND_INTERDOMAIN, &mut a)? as Port)
    }
    fn notify(&mut self, port: Port) -> Result<(), XenError> {
        let mut a = ioctl::EvtchnPort { port };
        ioctl(self.evtchn.as_fd(), ioctl::IOCTL_EVTCHN_NOTIFY, &mut a)?;
        Ok(())
    }
    fn wait(&mut self, port: Port, timeout: Option<Duration>) -> Result<bool, XenError> {
        loop {
            if self.pending.remove(&port) {
                return Ok(true);
            }
            if !sys::poll_readable(self.evtchn.as_fd(), timeout)? {
                return Ok(false);
            }
            // Pending ports arrive as native u32s; each must be written back to unmask it.
            let mut buf = [0u8; 4 * 64];
            let n = self.evtchn.read(&mut buf)?;
            for c in buf[..n].chunks_exact(4) {
                let p = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                self.pending.insert(p);
                self.evtchn.write_all(c)?;
            }
            if timeout == Some(Duration::ZERO) && !self.pending.contains(&port) {
                return Ok(false);
            }
        }
    }
    fn peer_connected(&mut self, _port: Port) -> Result<bool, XenError> {
        // The evtchn device cannot tell; on Xen a dead peer shows in xenstore instead.
        Ok(true)
    }
    fn pollable_fd(&self, _port: Port) -> Option<BorrowedFd<'_>> {
        Some(self.evtchn.as_fd())
    }
    fn close(&mut self, port: Port) -> Result<(), XenError> {
        let mut a = ioctl::EvtchnPort { port };
        ioctl(self.evtchn.as_fd(), ioctl::IOCTL_EVTCHN_UNBIND, &mut a)?;
        Ok(())
    }
}

impl XenStore for XenPlatform {
    fn read(&mut self, path: &str) -> Result<Option<String>, XenError> {
        Ok(self.xs_call(xs::XS_READ, &xs::strings(&[path], true))?.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }
    fn write(&mut self, path: &str, value: &str) -> Result<(), XenError> {
        self.xs_call(xs::XS_WRITE, &xs::strings(&[path, value], false))?;
        Ok(())
    }
    fn remove(&mut self, path: &str) -> Result<(), XenError> {
        self.xs_call(xs::XS_RM, &xs::strings(&[path], true))?;
        Ok(())
    }
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XenError> {
        let body = self.xs_call(xs::XS_DIRECTORY, &xs::strings(&[path], true))?.unwrap_or_default();
        Ok(body.split(|b| *b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect())
    }
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        self.xs_call(xs::XS_WATCH, &xs::strings(&[path, token], true))?;
        Ok(())
    }
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        self.xs_call(xs::XS_UNWATCH, &xs::strings(&[path, token], true))?;
        Ok(())
    }
    fn take_watch_events(&mut self) -> Result<Vec<WatchEvent>, XenError> {
        while sys::poll_readable(self.xenbus.as_fd(), Some(Duration::ZERO))? {
            let (ty, _, body) = self.read_msg()?;
            if ty == xs::XS_WATCH_EVENT {
                self.stash_event(&body);
            }
        }
        Ok(self.watch_events.drain(..).collect())
    }
    fn watch_fd(&self) -> BorrowedFd<'_> {
        self.xenbus.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::ioctl::*;
    use super::xs;
    use std::mem::offset_of;

    /// Values computed by the C compiler from Linux's `include/uapi/xen/*.h` (x86-64).
    #[test]
    fn ioctl_numbers_match_linux() {
        assert_eq!(IOCTL_GNTALLOC_ALLOC_GREF, 1591045);
        assert_eq!(IOCTL_GNTALLOC_DEALLOC_GREF, 1066758);
        assert_eq!(IOCTL_GNTDEV_MAP_GRANT_REF, 1591040);
        assert_eq!(IOCTL_GNTDEV_UNMAP_GRANT_REF, 1066753);
        assert_eq!(IOCTL_GNTDEV_GRANT_COPY, 1066760);
        assert_eq!(IOCTL_EVTCHN_BIND_INTERDOMAIN, 541953);
        assert_eq!(IOCTL_EVTCHN_BIND_UNBOUND_PORT, 279810);
        assert_eq!(IOCTL_EVTCHN_UNBIND, 279811);
        assert_eq!(IOCTL_EVTCHN_NOTIFY, 279812);
        assert_eq!(IOCTL_EVTCHN_RESET, 17669);
    }

    #[test]
    fn ioctl_structures_match_linux() {
        assert_eq!(size_of::<GntallocAllocGref>(), 24);
        assert_eq!(offset_of!(GntallocAllocGref, gref_ids), 16);
        assert_eq!(size_of::<GntdevMapGrantRef>(), 24);
        assert_eq!(offset_of!(GntdevMapGrantRef, refs), 16);
        assert_eq!(size_of::<GntdevGrantCopySegment>(), 24);
        assert_eq!(offset_of!(GntdevGrantCopySegment, len), 16);
        assert_eq!(offset_of!(GntdevGrantCopySegment, status), 20);
        assert_eq!(size_of::<GntdevGrantCopy>(), 16);
    }

    #[test]
    fn xenstore_messages() {
        let m = xs::encode(xs::XS_WRITE, 7, &xs::strings(&["a/b", "v"], false));
        assert_eq!(m.len(), 16 + 5);
        let h: [u8; 16] = m[..16].try_into().unwrap();
        assert_eq!(xs::decode_header(&h), (11, 7, 5));
        assert_eq!(&m[16..], b"a/b\0v");
        assert_eq!(xs::strings(&["p", "t"], true), b"p\0t\0");
    }
}
