//! The domain's side of grant tables and event channels, shared by the software platforms:
//! a domain writes its own grant entries and signals its peers' eventfds directly.

use crate::abi::*;
use crate::hv::GRANTS_PER_PAGE;
use crate::platform::{Port, XenError};
use crate::shm::SharedPage;
use crate::sys;
use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A domain's grant table, written by the domain, read by the hypervisor.
#[derive(Debug)]
pub(crate) struct GrantWriter {
    pages: Vec<Arc<SharedPage>>,
    free: Vec<GrantRef>,
    nr_frames: u32,
}

impl GrantWriter {
    pub(crate) fn new(pages: Vec<Arc<SharedPage>>, nr_frames: u32) -> Self {
        let total = pages.len() as u32 * GRANTS_PER_PAGE;
        let free = (GNTTAB_NR_RESERVED_ENTRIES..total).rev().collect();
        GrantWriter { pages, free, nr_frames }
    }

    fn slot(&self, gref: GrantRef) -> Option<(&SharedPage, usize)> {
        let page = self.pages.get((gref / GRANTS_PER_PAGE) as usize)?;
        Some((page, (gref % GRANTS_PER_PAGE) as usize * size_of::<GrantEntryV1>()))
    }

    pub(crate) fn grant(&mut self, to: DomId, frame: u32, readonly: bool) -> Result<GrantRef, XenError> {
        if frame >= self.nr_frames {
            return Err(XenError::BadFrame(frame));
        }
        let gref = self.free.pop().ok_or(XenError::GrantTableFull)?;
        let Some((page, off)) = self.slot(gref) else {
            return Err(XenError::GrantTableFull);
        };
        let e = GrantEntryV1 { flags: 0, domid: to, frame };
        page.write(off + 2, &e.to_bytes()[2..])?;
        let flags = GTF_PERMIT_ACCESS | if readonly { GTF_READONLY } else { 0 };
        // Release: domid and frame are visible before the entry becomes valid (Xen's wmb).
        page.atomic_u16(off).store(flags, Ordering::Release);
        Ok(gref)
    }

    pub(crate) fn end(&mut self, gref: GrantRef) -> Result<(), XenError> {
        let Some((page, off)) = self.slot(gref) else {
            return Err(XenError::Grant { granter: 0, gref, status: GNTST_BAD_GNTREF });
        };
        let flags = page.atomic_u16(off);
        let cur = flags.load(Ordering::Acquire);
        if cur & (GTF_READING | GTF_WRITING) != 0 {
            return Err(XenError::GrantInUse(gref));
        }
        // Clear only if no mapping appeared meanwhile.
        flags.compare_exchange(cur, 0, Ordering::AcqRel, Ordering::Acquire).map_err(|_| XenError::GrantInUse(gref))?;
        if cur & GTF_TYPE_MASK != GTF_INVALID {
            self.free.push(gref);
        }
        Ok(())
    }
}

#[derive(Debug)]
struct GuestPort {
    fd: Arc<OwnedFd>,
    peer: Option<Arc<OwnedFd>>,
}

/// A domain's open event channel ports.
#[derive(Debug, Default)]
pub(crate) struct PortTable {
    ports: HashMap<Port, GuestPort>,
}

impl PortTable {
    pub(crate) fn insert(&mut self, port: Port, fd: Arc<OwnedFd>, peer: Option<Arc<OwnedFd>>) {
        self.ports.insert(port, GuestPort { fd, peer });
    }

    /// Signals the peer if its eventfd is known; `Ok(false)` if it must be looked up.
    pub(crate) fn notify(&self, port: Port) -> Result<bool, XenError> {
        let p = self.ports.get(&port).ok_or(XenError::BadPort(port))?;
        match &p.peer {
            Some(fd) => {
                sys::eventfd_signal(fd.as_fd())?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub(crate) fn set_peer(&mut self, port: Port, peer: Arc<OwnedFd>) {
        if let Some(p) = self.ports.get_mut(&port) {
            p.peer = Some(peer);
        }
    }

    pub(crate) fn wait(&self, port: Port, timeout: Option<Duration>) -> Result<bool, XenError> {
        let p = self.ports.get(&port).ok_or(XenError::BadPort(port))?;
        if sys::eventfd_drain(p.fd.as_fd())? > 0 {
            return Ok(true);
        }
        if timeout == Some(Duration::ZERO) {
            return Ok(false);
        }
        if sys::poll_readable(p.fd.as_fd(), timeout)? {
            return Ok(sys::eventfd_drain(p.fd.as_fd())? > 0);
        }
        Ok(false)
    }

    pub(crate) fn fd(&self, port: Port) -> Option<BorrowedFd<'_>> {
        self.ports.get(&port).map(|p| p.fd.as_fd())
    }

    pub(crate) fn remove(&mut self, port: Port) {
        self.ports.remove(&port);
    }
}
