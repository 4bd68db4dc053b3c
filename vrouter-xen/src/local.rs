//! Domains as threads of one process, for unit tests and single-process routers.
//!
//! The hypervisor core is shared behind a mutex; a [`LocalDomain`] is one domain's handle and
//! implements the [`Platform`] traits. Grant checks are the same as
//! across processes, but enforcement rests on the API, not on the operating system: every
//! thread could reach the memory. Use [`remote`](crate::remote) for real isolation.

use crate::abi::{DomId, GrantRef};
use crate::guest::{GrantWriter, PortTable};
use crate::hv::{DomainResources, HvCore};
use crate::platform::*;
use crate::shm::SharedPage;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A hypervisor shared by the threads of this process.
#[derive(Clone, Debug, Default)]
pub struct LocalHypervisor {
    core: Arc<Mutex<HvCore>>,
}

impl LocalHypervisor {
    /// A hypervisor with no domains.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared core (the cross-process server serves the same core).
    pub fn core(&self) -> &Arc<Mutex<HvCore>> {
        &self.core
    }

    /// Locks the core.
    pub fn lock(&self) -> MutexGuard<'_, HvCore> {
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a domain and returns its handle. The first domain is 0, the privileged one.
    pub fn create_domain(&self, nr_frames: u32, nr_grant_pages: u32) -> Result<LocalDomain, XenError> {
        let res = self.lock().create_domain(nr_frames, nr_grant_pages)?;
        Ok(LocalDomain::new(self.core.clone(), res))
    }

    /// Destroys a domain.
    pub fn destroy_domain(&self, domid: DomId) {
        self.lock().destroy_domain(domid);
    }
}

/// One domain's handle on a [`LocalHypervisor`].
#[derive(Debug)]
pub struct LocalDomain {
    core: Arc<Mutex<HvCore>>,
    domid: DomId,
    frames: Vec<Arc<SharedPage>>,
    grants: GrantWriter,
    ports: PortTable,
    watch_fd: Arc<OwnedFd>,
}

impl LocalDomain {
    fn new(core: Arc<Mutex<HvCore>>, res: DomainResources) -> Self {
        let frames: Vec<_> = res.frames.iter().map(|f| f.page.clone()).collect();
        let grants = GrantWriter::new(res.grant_pages.iter().map(|f| f.page.clone()).collect(), frames.len() as u32);
        LocalDomain { core, domid: res.domid, frames, grants, ports: PortTable::default(), watch_fd: res.watch_fd }
    }

    fn lock(&self) -> MutexGuard<'_, HvCore> {
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl GrantTable for LocalDomain {
    fn domid(&self) -> DomId {
        self.domid
    }
    fn nr_frames(&self) -> u32 {
        self.frames.len() as u32
    }
    fn frame(&self, frame: u32) -> Result<Arc<SharedPage>, XenError> {
        self.frames.get(frame as usize).cloned().ok_or(XenError::BadFrame(frame))
    }
    fn grant_access(&mut self, to: DomId, frame: u32, readonly: bool) -> Result<GrantRef, XenError> {
        self.grants.grant(to, frame, readonly)
    }
    fn end_access(&mut self, gref: GrantRef) -> Result<(), XenError> {
        self.grants.end(gref)
    }
    fn map_grant(&mut self, granter: DomId, gref: GrantRef, readonly: bool) -> Result<Arc<SharedPage>, XenError> {
        let f = self.lock().map_grant(self.domid, granter, gref, readonly)?;
        if readonly {
            // Map the read-only descriptor, so that the page cannot be written through it.
            Ok(Arc::new(SharedPage::map_fd(f.fd.as_fd(), 0, false)?))
        } else {
            Ok(f.page)
        }
    }
    fn unmap_grant(&mut self, granter: DomId, gref: GrantRef) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().unmap_grant(d, granter, gref)
    }
    fn grant_copy(&mut self, ops: &mut [CopyOp]) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().grant_copy(d, ops);
        Ok(())
    }
    fn copies_buffers(&self) -> bool {
        true
    }
    fn grant_copy_buf(&mut self, ops: &mut [BufCopy<'_>]) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().grant_copy_buf(d, ops);
        Ok(())
    }
}

impl EventChannels for LocalDomain {
    fn alloc_unbound(&mut self, remote: DomId) -> Result<Port, XenError> {
        let d = self.domid;
        let (port, fd) = self.lock().evtchn_alloc_unbound(d, remote)?;
        self.ports.insert(port, fd, None);
        Ok(port)
    }
    fn bind_interdomain(&mut self, remote: DomId, remote_port: Port) -> Result<Port, XenError> {
        let d = self.domid;
        let (port, fd, peer) = self.lock().evtchn_bind_interdomain(d, remote, remote_port)?;
        self.ports.insert(port, fd, Some(peer));
        Ok(port)
    }
    fn notify(&mut self, port: Port) -> Result<(), XenError> {
        if self.ports.notify(port)? {
            return Ok(());
        }
        let d = self.domid;
        let peer = self.lock().evtchn_peer_fd(d, port)?;
        match peer {
            Some(peer) => self.ports.set_peer(port, peer),
            // Not bound yet: dropped, as Xen does for an unbound port.
            None => return Ok(()),
        }
        self.ports.notify(port).map(|_| ())
    }
    fn wait(&mut self, port: Port, timeout: Option<Duration>) -> Result<bool, XenError> {
        self.ports.wait(port, timeout)
    }
    fn peer_connected(&mut self, port: Port) -> Result<bool, XenError> {
        let d = self.domid;
        let r = self.lock().evtchn_peer_fd(d, port);
        match r {
            Ok(_) => Ok(true),
            Err(XenError::NotBound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
    fn pollable_fd(&self, port: Port) -> Option<BorrowedFd<'_>> {
        self.ports.fd(port)
    }
    fn close(&mut self, port: Port) -> Result<(), XenError> {
        self.ports.remove(port);
        let d = self.domid;
        self.lock().evtchn_close(d, port)
    }
}

impl XenStore for LocalDomain {
    fn read(&mut self, path: &str) -> Result<Option<String>, XenError> {
        let d = self.domid;
        self.lock().xs_read(d, path)
    }
    fn write(&mut self, path: &str, value: &str) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().xs_write(d, path, value)
    }
    fn remove(&mut self, path: &str) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().xs_remove(d, path)
    }
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XenError> {
        let d = self.domid;
        self.lock().xs_directory(d, path)
    }
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().xs_watch(d, path, token)
    }
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        let d = self.domid;
        self.lock().xs_unwatch(d, path, token)
    }
    fn take_watch_events(&mut self) -> Result<Vec<WatchEvent>, XenError> {
        let d = self.domid;
        self.lock().xs_take_events(d)
    }
    fn watch_fd(&self) -> BorrowedFd<'_> {
        self.watch_fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::*;

    fn two() -> (LocalHypervisor, LocalDomain, LocalDomain) {
        let hv = LocalHypervisor::new();
        let d0 = hv.create_domain(4, 1).unwrap();
        let d1 = hv.create_domain(4, 1).unwrap();
        (hv, d0, d1)
    }

    #[test]
    fn grant_map_and_copy_are_checked() {
        let (hv, mut d0, mut d1) = two();
        d1.frame(2).unwrap().write(10, b"hello").unwrap();
        let g = d1.grant_access(0, 2, true).unwrap();
        assert!(g >= GNTTAB_NR_RESERVED_ENTRIES);
        // Read-only grant: no writable mapping, but a read-only one works.
        assert!(matches!(d0.map_grant(1, g, false), Err(XenError::Grant { status: GNTST_PERMISSION_DENIED, .. })));
        let p = d0.map_grant(1, g, true).unwrap();
        assert!(!p.is_writable());
        let mut b = [0u8; 5];
        p.read(10, &mut b).unwrap();
        assert_eq!(&b, b"hello");
        // Still mapped: cannot revoke.
        assert!(matches!(d1.end_access(g), Err(XenError::GrantInUse(_))));
        d0.unmap_grant(1, g).unwrap();
        d1.end_access(g).unwrap();
        // Revoked: copies fail.
        let mut ops = [CopyOp {
            source: CopyPtr::Grant { domid: 1, gref: g, offset: 10 },
            dest: CopyPtr::Local { frame: 0, offset: 0 },
            len: 5,
            status: 1,
        }];
        d0.grant_copy(&mut ops).unwrap();
        assert_eq!(ops[0].status, GNTST_BAD_GNTREF);
        // A grant to someone else is not ours to use.
        let d2 = hv.create_domain(1, 1).unwrap();
        let g2 = d1.grant_access(d2.domid(), 1, false).unwrap();
        ops[0].source = CopyPtr::Grant { domid: 1, gref: g2, offset: 0 };
        d0.grant_copy(&mut ops).unwrap();
        assert_eq!(ops[0].status, GNTST_PERMISSION_DENIED);
        // A writable grant to us: copy in, beyond the page refused.
        let g3 = d1.grant_access(0, 3, false).unwrap();
        d0.frame(0).unwrap().write(0, b"abc").unwrap();
        let mut ops = [
            CopyOp {
                source: CopyPtr::Local { frame: 0, offset: 0 },
                dest: CopyPtr::Grant { domid: 1, gref: g3, offset: 7 },
                len: 3,
                status: 1,
            },
            CopyOp {
                source: CopyPtr::Local { frame: 0, offset: 0 },
                dest: CopyPtr::Grant { domid: 1, gref: g3, offset: 4095 },
                len: 3,
                status: 1,
            },
            CopyOp {
                source: CopyPtr::Local { frame: 9, offset: 0 },
                dest: CopyPtr::Grant { domid: 1, gref: g3, offset: 0 },
                len: 3,
                status: 1,
            },
            CopyOp {
                source: CopyPtr::Local { frame: 0, offset: 0 },
                dest: CopyPtr::Grant { domid: 1, gref: 1_000_000, offset: 0 },
                len: 3,
                status: 1,
            },
        ];
        d0.grant_copy(&mut ops).unwrap();
        assert_eq!(ops.map(|o| o.status), [GNTST_OKAY, GNTST_BAD_COPY_ARG, GNTST_BAD_PAGE, GNTST_BAD_GNTREF]);
        let mut b = [0u8; 3];
        d1.frame(3).unwrap().read(7, &mut b).unwrap();
        assert_eq!(&b, b"abc");
        assert!(hv.lock().stats().grant_denied >= 5);
    }

    #[test]
    fn buffer_copies_are_checked_as_frame_copies() {
        let (hv, mut d0, mut d1) = two();
        assert!(d0.copies_buffers());
        d1.frame(2).unwrap().write(10, b"hello").unwrap();
        let ro = d1.grant_access(0, 2, true).unwrap();
        let rw = d1.grant_access(0, 3, false).unwrap();
        let d2 = hv.create_domain(1, 1).unwrap();
        let theirs = d1.grant_access(d2.domid(), 1, false).unwrap();
        let (mut a, mut b, mut c) = ([0u8; 5], [0u8; 5], [0u8; 5]);
        let op = |gref, offset, buf| BufCopy { domid: 1, gref, offset, buf, status: 1 };
        let mut ops = [
            op(ro, 10, LocalBuf::To(&mut a)),
            // Read-only: no copy into it.
            op(ro, 0, LocalBuf::From(b"abc")),
            op(rw, 7, LocalBuf::From(b"abc")),
            // Beyond the page, either way.
            op(rw, 4094, LocalBuf::From(b"abc")),
            op(rw, 4092, LocalBuf::To(&mut b)),
            // Not granted to us; no such grant; no such domain.
            op(theirs, 0, LocalBuf::To(&mut c)),
            op(1_000_000, 0, LocalBuf::From(b"abc")),
            BufCopy { domid: 77, gref: rw, offset: 0, buf: LocalBuf::From(b"abc"), status: 1 },
        ];
        d0.grant_copy_buf(&mut ops).unwrap();
        assert_eq!(
            ops.map(|o| o.status),
            [
                GNTST_OKAY,
                GNTST_PERMISSION_DENIED,
                GNTST_OKAY,
                GNTST_BAD_COPY_ARG,
                GNTST_BAD_COPY_ARG,
                GNTST_PERMISSION_DENIED,
                GNTST_BAD_GNTREF,
                GNTST_BAD_DOMAIN
            ]
        );
        assert_eq!(&a, b"hello");
        assert_eq!((b, c), ([0; 5], [0; 5]));
        let mut got = [0u8; 3];
        d1.frame(3).unwrap().read(7, &mut got).unwrap();
        assert_eq!(&got, b"abc");
        d1.frame(2).unwrap().read(0, &mut got).unwrap();
        assert_eq!(got, [0; 3]);
        assert_eq!(hv.lock().stats().grant_denied, 6);
        assert_eq!(hv.lock().stats().copies, 2);
    }

    /// Buffer copies reach a large domain's bulk frames through its one mapping; a grant
    /// entry (written by its domain, which may lie) naming a frame beyond its memory is
    /// refused, below or beyond the bulk memory.
    #[test]
    fn buffer_copies_into_bulk_memory_are_checked() {
        let hv = LocalHypervisor::new();
        let mut d0 = hv.create_domain(2, 1).unwrap();
        let big = hv.lock().create_domain(crate::hv::SMALL_DOMAIN_FRAMES + 100, 1).unwrap();
        let nr = big.frames.len() as u32;
        let table = &big.grant_pages[0].page;
        for (gref, frame) in [(10u32, 90u32), (11, 3), (12, nr), (13, u32::MAX)] {
            let mut e = [0u8; 8];
            e[2..4].copy_from_slice(&0u16.to_ne_bytes());
            e[4..8].copy_from_slice(&frame.to_ne_bytes());
            table.write(gref as usize * 8, &e).unwrap();
            table.atomic_u16(gref as usize * 8).store(GTF_PERMIT_ACCESS, std::sync::atomic::Ordering::Release);
        }
        let op = |gref, buf| BufCopy { domid: 1, gref, offset: 40, buf, status: 1 };
        let mut nothing = [0u8; 4];
        let mut ops = [
            op(10, LocalBuf::From(b"bulk")),
            op(11, LocalBuf::From(b"own!")),
            op(12, LocalBuf::From(b"none")),
            op(13, LocalBuf::To(&mut nothing)),
        ];
        d0.grant_copy_buf(&mut ops).unwrap();
        assert_eq!(ops.map(|o| o.status), [GNTST_OKAY, GNTST_OKAY, GNTST_BAD_PAGE, GNTST_BAD_PAGE]);
        assert_eq!(nothing, [0; 4]);
        let mut b = [0u8; 4];
        big.frames[90].page.read(40, &mut b).unwrap();
        assert_eq!(&b, b"bulk");
        big.frames[3].page.read(40, &mut b).unwrap();
        assert_eq!(&b, b"own!");
        let mut back = [0u8; 4];
        let mut ops = [BufCopy { domid: 1, gref: 10, offset: 40, buf: LocalBuf::To(&mut back), status: 1 }];
        d0.grant_copy_buf(&mut ops).unwrap();
        assert_eq!(ops[0].status, GNTST_OKAY);
        assert_eq!(&back, b"bulk");
    }

    #[test]
    fn a_large_domain_shares_one_file_and_lends_bulk_frames_only_by_copy() {
        let hv = LocalHypervisor::new();
        let mut d0 = hv.create_domain(2, 1).unwrap();
        let mut big = hv.create_domain(crate::hv::SMALL_DOMAIN_FRAMES + 100, 1).unwrap();
        let ring = big.grant_access(0, 1, false).unwrap();
        assert!(d0.map_grant(1, ring, false).is_ok());
        big.frame(90).unwrap().write(5, b"bulk").unwrap();
        let g = big.grant_access(0, 90, false).unwrap();
        assert!(matches!(d0.map_grant(1, g, false), Err(XenError::Grant { status: GNTST_BAD_PAGE, .. })));
        let mut ops = [CopyOp {
            source: CopyPtr::Grant { domid: 1, gref: g, offset: 5 },
            dest: CopyPtr::Local { frame: 0, offset: 0 },
            len: 4,
            status: 1,
        }];
        d0.grant_copy(&mut ops).unwrap();
        assert_eq!(ops[0].status, GNTST_OKAY);
        let mut b = [0u8; 4];
        d0.frame(0).unwrap().read(0, &mut b).unwrap();
        assert_eq!(&b, b"bulk");
        // Frames are distinct pages of the shared file.
        big.frame(91).unwrap().write(5, b"next").unwrap();
        big.frame(90).unwrap().read(5, &mut b).unwrap();
        assert_eq!(&b, b"bulk");
    }

    #[test]
    fn event_channels_connect_and_notify() {
        let (_hv, mut d0, mut d1) = two();
        let p1 = d1.alloc_unbound(0).unwrap();
        d1.notify(p1).unwrap(); // unbound: dropped
        assert!(matches!(d1.notify(p1 + 9), Err(XenError::BadPort(_))));
        assert!(d0.bind_interdomain(1, p1 + 7).is_err());
        let p0 = d0.bind_interdomain(1, p1).unwrap();
        assert!(!d1.wait(p1, Some(Duration::from_millis(1))).unwrap());
        d0.notify(p0).unwrap();
        d0.notify(p0).unwrap();
        assert!(d1.wait(p1, Some(Duration::from_secs(1))).unwrap());
        assert!(!d1.take_pending(p1).unwrap());
        d1.notify(p1).unwrap();
        assert!(d0.take_pending(p0).unwrap());
        // A third domain cannot bind a port meant for domain 0.
        let p1b = d1.alloc_unbound(0).unwrap();
        let hv = LocalHypervisor { core: d0.core.clone() };
        let mut d2 = hv.create_domain(1, 1).unwrap();
        assert!(matches!(d2.bind_interdomain(1, p1b), Err(XenError::BadPort(_))));
    }

    #[test]
    fn store_permissions_and_watches() {
        let (_hv, mut d0, mut d1) = two();
        d1.watch("/local/domain/1/device", "dev").unwrap();
        assert_eq!(d1.take_watch_events().unwrap().len(), 1);
        d0.write("/local/domain/1/device/vif/0/backend-id", "0").unwrap();
        assert_eq!(
            d1.take_watch_events().unwrap(),
            vec![WatchEvent { path: "/local/domain/1/device/vif/0/backend-id".into(), token: "dev".into() }]
        );
        d1.write("/local/domain/1/device/vif/0/state", "1").unwrap();
        assert!(matches!(d1.write("/local/domain/0/x", "1"), Err(XenError::XsPermission(_))));
        assert!(matches!(d1.read("/local/domain/2/x"), Err(XenError::XsPermission(_))));
        d0.write("/local/domain/0/backend/vif/1/0/state", "2").unwrap();
        assert_eq!(d1.read("/local/domain/0/backend/vif/1/0/state").unwrap().as_deref(), Some("2"));
        assert!(d1.write("/local/domain/0/backend/vif/1/0/state", "4").is_err());
        assert_eq!(d0.directory("/local/domain/1/device/vif/0").unwrap(), vec!["backend-id", "state"]);
        assert!(matches!(d0.read("no-slash"), Err(XenError::XsBadPath(_))));
        // A driver domain (2) reads the device directory of a front end whose backend-id
        // names it, and no other.
        let mut d2 = LocalHypervisor { core: d0.core.clone() }.create_domain(1, 1).unwrap();
        assert!(matches!(d2.read("/local/domain/1/device/vif/0/state"), Err(XenError::XsPermission(_))));
        d0.write("/local/domain/1/device/vif/0/backend-id", "2").unwrap();
        assert_eq!(d2.read("/local/domain/1/device/vif/0/state").unwrap().as_deref(), Some("1"));
        assert!(d2.write("/local/domain/1/device/vif/0/state", "5").is_err());
        assert!(matches!(d2.read("/local/domain/1/name"), Err(XenError::XsPermission(_))));
        d0.remove("/local/domain/1/device").unwrap();
        assert_eq!(d0.read("/local/domain/1/device/vif/0/state").unwrap(), None);
    }
}
