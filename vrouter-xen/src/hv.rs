//! The hypervisor: owns every domain's memory, reads grant tables, connects event channels
//! and keeps the store.
//!
//! Both software platforms use this core: [`local`](crate::local) calls it directly,
//! [`remote`](crate::remote) serves it to domain processes over unix sockets. Every operation
//! names the calling domain, and every access to another domain's memory is checked against
//! the granting domain's grant table (`grant_entry_v1_t` entries that the granter writes into
//! pages shared with the hypervisor, as on Xen).

use crate::abi::*;
use crate::platform::{BufCopy, CopyOp, CopyPtr, LocalBuf, Port, WatchEvent, XenError};
use crate::shm::{PageError, Region, SharedPage};
use crate::sys;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Most nodes the store holds (a domain cannot exhaust the hypervisor's memory).
pub const MAX_STORE_NODES: usize = 1 << 16;
/// Most watches one domain may hold.
pub const MAX_WATCHES_PER_DOMAIN: usize = 128;

/// Grant entries per grant-table page.
pub const GRANTS_PER_PAGE: u32 = (PAGE_SIZE / size_of::<GrantEntryV1>()) as u32;

/// A frame of memory: its mapping in the hypervisor and the memfd behind it.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The hypervisor's mapping.
    pub page: Arc<SharedPage>,
    /// The memory file (handed to domains that may map it).
    pub fd: Arc<OwnedFd>,
    /// The frame's offset in `fd`: 0 for a frame with a file of its own; frames of a
    /// domain's bulk memory share one file.
    pub offset: u64,
    /// Part of a domain's bulk memory (never handed to another domain).
    pub bulk: bool,
}

/// A domain with more frames than this keeps only its first [`MAPPABLE_FRAMES`] frames in
/// files of their own; the rest share one file (one descriptor instead of hundreds per
/// domain) and can be reached by other domains only through grant copies, never mapped.
pub const SMALL_DOMAIN_FRAMES: u32 = 64;
/// Frames of a large domain that other domains may map (ring pages go first).
pub const MAPPABLE_FRAMES: u32 = 8;

impl Frame {
    fn new(name: &str) -> Result<Frame, XenError> {
        let fd = sys::memfd(name, PAGE_SIZE as u64)?;
        let page = SharedPage::map_fd(fd.as_fd(), 0, true)?;
        Ok(Frame { page: Arc::new(page), fd: Arc::new(fd), offset: 0, bulk: false })
    }

    /// `n` frames in one file, mapped at once (see [`Region`]): in huge pages when the
    /// system has some to lend, else in ordinary ones.
    /// Also says whether the pages are huge ones.
    fn bulk(name: &str, n: u32) -> Result<(Vec<Frame>, Arc<Region>, bool), XenError> {
        let len = PAGE_SIZE as u64 * u64::from(n);
        let map = |fd: OwnedFd| Region::map_fd(fd.as_fd(), 0, n as usize, true).map(|r| (fd, r));
        let ((fd, region), huge) = match sys::memfd_huge(name, len).and_then(map) {
            Ok(huge) => (huge, true),
            Err(_) => (map(sys::memfd(name, len)?)?, false),
        };
        let fd = Arc::new(fd);
        let frames = (0..n)
            .map(|i| Frame {
                page: Arc::new(region.page(i as usize)),
                fd: fd.clone(),
                offset: PAGE_SIZE as u64 * u64::from(i),
                bulk: true,
            })
            .collect();
        Ok((frames, region, huge))
    }

    /// Whether other domains may map this frame (it has a file of its own).
    pub fn mappable(&self) -> bool {
        !self.bulk
    }
}

#[derive(Debug)]
enum PortPeer {
    Unbound(DomId),
    Bound(DomId, Port),
    Closed,
}

#[derive(Debug)]
struct PortState {
    fd: Arc<OwnedFd>,
    peer: PortPeer,
}

#[derive(Debug)]
struct Domain {
    frames: Vec<Frame>,
    /// The bulk memory, frames `first..` of `frames`, as one mapping: grant copies reach a
    /// bulk frame by arithmetic, without touching its `Frame` (with many domains, the
    /// `Frame`s and their pages' records are cache misses of their own on every copy).
    bulk: Option<(u32, Arc<Region>)>,
    grant_pages: Vec<Frame>,
    ports: Vec<Option<PortState>>,
    watch_fd: Arc<OwnedFd>,
    watch_events: VecDeque<WatchEvent>,
    /// Grants of other domains this domain has mapped: (granter, gref) -> count.
    mappings: HashMap<(DomId, GrantRef), u32>,
}

/// Counters of the hypervisor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HvStats {
    /// Grant maps and copies refused.
    pub grant_denied: u64,
    /// Grant copies done.
    pub copies: u64,
    /// Bytes copied by grant copies.
    pub copy_bytes: u64,
    /// xenstore accesses refused.
    pub store_denied: u64,
    /// Domains created whose bulk memory went in huge pages ([`crate::huge_pages`]).
    pub bulk_huge: u64,
    /// Domains created whose bulk memory went in ordinary pages (the system lent no huge
    /// ones).
    pub bulk_small: u64,
}

/// The hypervisor's state. Domain 0 (the first created) is privileged in xenstore.
#[derive(Debug, Default)]
pub struct HvCore {
    domains: BTreeMap<DomId, Domain>,
    next_domid: DomId,
    store: BTreeMap<String, String>,
    watches: Vec<(DomId, String, String)>,
    stats: HvStats,
}

/// What a domain receives when it is created.
#[derive(Clone, Debug)]
pub struct DomainResources {
    /// Its id.
    pub domid: DomId,
    /// Its memory.
    pub frames: Vec<Frame>,
    /// Its grant table pages.
    pub grant_pages: Vec<Frame>,
    /// The eventfd signalled when its watch events are queued.
    pub watch_fd: Arc<OwnedFd>,
}

fn buf_len(b: &LocalBuf<'_>) -> usize {
    match b {
        LocalBuf::From(d) => d.len(),
        LocalBuf::To(d) => d.len(),
    }
}

fn check_path(path: &str) -> Result<(), XenError> {
    let ok = path == "@releaseDomain"
        || (path.starts_with('/')
            && path.len() < 3072
            && (path == "/" || !path.ends_with('/'))
            && !path.contains("//")
            && path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-@.".contains(&b)));
    if ok { Ok(()) } else { Err(XenError::XsBadPath(path.to_string())) }
}

fn under(path: &str, node: &str) -> bool {
    path == node || (path.starts_with(node) && (node == "/" || path.as_bytes().get(node.len()) == Some(&b'/')))
}

impl HvCore {
    /// An empty hypervisor.
    pub fn new() -> Self {
        HvCore::default()
    }

    /// Counters.
    pub fn stats(&self) -> HvStats {
        self.stats
    }

    /// Creates a domain with `nr_frames` frames of memory and `nr_grant_pages` pages of
    /// grant table.
    pub fn create_domain(&mut self, nr_frames: u32, nr_grant_pages: u32) -> Result<DomainResources, XenError> {
        let domid = self.next_domid;
        self.next_domid =
            self.next_domid.checked_add(1).filter(|d| *d < DOMID_SELF).ok_or(XenError::NoSuchDomain(domid))?;
        let own = if nr_frames <= SMALL_DOMAIN_FRAMES { nr_frames } else { MAPPABLE_FRAMES };
        let mut frames =
            (0..own).map(|i| Frame::new(&format!("dom{domid}-frame{i}"))).collect::<Result<Vec<_>, _>>()?;
        let mut bulk = None;
        if nr_frames > own {
            let (more, region, huge) = Frame::bulk(&format!("dom{domid}-memory"), nr_frames - own)?;
            if huge {
                self.stats.bulk_huge += 1;
            } else {
                self.stats.bulk_small += 1;
            }
            frames.extend(more);
            bulk = Some((own, region));
        }
        let grant_pages =
            (0..nr_grant_pages).map(|i| Frame::new(&format!("dom{domid}-gnttab{i}"))).collect::<Result<Vec<_>, _>>()?;
        let watch_fd = Arc::new(sys::eventfd()?);
        self.domains.insert(
            domid,
            Domain {
                frames: frames.clone(),
                bulk,
                grant_pages: grant_pages.clone(),
                ports: Vec::new(),
                watch_fd: watch_fd.clone(),
                watch_events: VecDeque::new(),
                mappings: HashMap::new(),
            },
        );
        Ok(DomainResources { domid, frames, grant_pages, watch_fd })
    }

    /// Destroys a domain: its ports close (peers see [`XenError::NotBound`]), its watches go,
    /// and `@releaseDomain` watchers are told. Pages others still map stay valid memory.
    pub fn destroy_domain(&mut self, domid: DomId) {
        let Some(dom) = self.domains.remove(&domid) else {
            return;
        };
        for st in dom.ports.iter().flatten() {
            if let PortPeer::Bound(rd, rp) = st.peer
                && let Some(p) = self.port_mut(rd, rp)
            {
                p.peer = PortPeer::Closed;
                let _ = sys::eventfd_signal(p.fd.as_fd());
            }
        }
        self.watches.retain(|(d, _, _)| *d != domid);
        self.fire("@releaseDomain");
    }

    /// Whether a domain exists.
    pub fn domain_exists(&self, domid: DomId) -> bool {
        self.domains.contains_key(&domid)
    }

    fn dom(&self, domid: DomId) -> Result<&Domain, XenError> {
        self.domains.get(&domid).ok_or(XenError::NoSuchDomain(domid))
    }

    /// Reads and checks grant `gref` of `granter` for use by `caller`; returns the frame.
    fn check_grant(
        &self,
        caller: DomId,
        granter: DomId,
        gref: GrantRef,
        write: bool,
    ) -> Result<(&Frame, &Frame, usize), i16> {
        let (g, frame, page, off) = self.check_grant_entry(caller, granter, gref, write)?;
        let frame = g.frames.get(frame as usize).ok_or(GNTST_BAD_PAGE)?;
        Ok((frame, page, off))
    }

    /// Reads and checks grant `gref` of `granter` for use by `caller`; returns the granter,
    /// the frame number (not checked against its memory), the grant-table page and the
    /// entry's offset in it.
    fn check_grant_entry(
        &self,
        caller: DomId,
        granter: DomId,
        gref: GrantRef,
        write: bool,
    ) -> Result<(&Domain, u32, &Frame, usize), i16> {
        let g = self.domains.get(&granter).ok_or(GNTST_BAD_DOMAIN)?;
        let page = g.grant_pages.get((gref / GRANTS_PER_PAGE) as usize).ok_or(GNTST_BAD_GNTREF)?;
        let off = (gref % GRANTS_PER_PAGE) as usize * size_of::<GrantEntryV1>();
        // Flags first (Acquire): the granter writes domid and frame before it sets them.
        let flags = page.page.atomic_u16(off).load(Ordering::Acquire);
        let mut b = [0u8; 8];
        page.page.read(off, &mut b).map_err(|_| GNTST_BAD_GNTREF)?;
        let e = GrantEntryV1::from_bytes(b);
        if flags & GTF_TYPE_MASK != GTF_PERMIT_ACCESS || flags & GTF_SUB_PAGE != 0 {
            return Err(GNTST_BAD_GNTREF);
        }
        if e.domid != caller || (write && flags & GTF_READONLY != 0) {
            return Err(GNTST_PERMISSION_DENIED);
        }
        Ok((g, e.frame, page, off))
    }

    /// Maps grant `gref` of `granter` for `caller`: returns the frame's memfd (reopened
    /// read-only for a read-only mapping) and marks the entry `GTF_reading`/`GTF_writing`.
    pub fn map_grant(
        &mut self,
        caller: DomId,
        granter: DomId,
        gref: GrantRef,
        readonly: bool,
    ) -> Result<Frame, XenError> {
        self.dom(caller)?;
        let (frame, gpage, off) = match self.check_grant(caller, granter, gref, !readonly) {
            Ok((f, _, _)) if !f.mappable() => {
                self.stats.grant_denied += 1;
                return Err(XenError::Grant { granter, gref, status: GNTST_BAD_PAGE });
            }
            Ok((f, g, o)) => (f.clone(), g.page.clone(), o),
            Err(status) => {
                self.stats.grant_denied += 1;
                return Err(XenError::Grant { granter, gref, status });
            }
        };
        let bits = if readonly { GTF_READING } else { GTF_READING | GTF_WRITING };
        gpage.atomic_u16(off).fetch_or(bits, Ordering::AcqRel);
        let frame = if readonly {
            Frame {
                page: frame.page.clone(),
                fd: Arc::new(sys::reopen_read_only(frame.fd.as_fd())?),
                offset: 0,
                bulk: false,
            }
        } else {
            frame
        };
        if let Some(d) = self.domains.get_mut(&caller) {
            *d.mappings.entry((granter, gref)).or_insert(0) += 1;
        }
        Ok(frame)
    }

    /// Undoes one [`map_grant`](Self::map_grant).
    pub fn unmap_grant(&mut self, caller: DomId, granter: DomId, gref: GrantRef) -> Result<(), XenError> {
        let d = self.domains.get_mut(&caller).ok_or(XenError::NoSuchDomain(caller))?;
        let Some(n) = d.mappings.get_mut(&(granter, gref)) else {
            return Err(XenError::Grant { granter, gref, status: GNTST_BAD_HANDLE });
        };
        *n -= 1;
        if *n == 0 {
            d.mappings.remove(&(granter, gref));
            if let Some(g) = self.domains.get(&granter)
                && let Some(page) = g.grant_pages.get((gref / GRANTS_PER_PAGE) as usize)
            {
                let off = (gref % GRANTS_PER_PAGE) as usize * size_of::<GrantEntryV1>();
                page.page.atomic_u16(off).fetch_and(!(GTF_READING | GTF_WRITING), Ordering::AcqRel);
            }
        }
        Ok(())
    }

    /// The page and offset a copy operand names. Borrowed, not cloned: a grant copy touches
    /// no reference count (with many domains those counts are cache misses of their own).
    fn resolve(&self, caller: DomId, p: CopyPtr, write: bool) -> Result<(&SharedPage, usize), i16> {
        match p {
            CopyPtr::Local { frame, offset } => {
                let d = self.domains.get(&caller).ok_or(GNTST_BAD_DOMAIN)?;
                let f = d.frames.get(frame as usize).ok_or(GNTST_BAD_PAGE)?;
                Ok((&f.page, offset as usize))
            }
            CopyPtr::Grant { domid, gref, offset } => {
                let (f, _, _) = self.check_grant(caller, domid, gref, write)?;
                Ok((&f.page, offset as usize))
            }
        }
    }

    /// Performs grant copies for `caller`, setting each op's status.
    pub fn grant_copy(&mut self, caller: DomId, ops: &mut [CopyOp]) {
        for op in ops.iter_mut() {
            op.status = match self.copy_one(caller, op) {
                Ok(()) => {
                    self.stats.copies += 1;
                    self.stats.copy_bytes += u64::from(op.len);
                    GNTST_OKAY
                }
                Err(s) => {
                    self.stats.grant_denied += 1;
                    s
                }
            };
        }
    }

    /// Performs grant copies between `caller`'s buffers and granted pages, setting each
    /// op's status (the checks are [`grant_copy`](Self::grant_copy)'s).
    pub fn grant_copy_buf(&mut self, caller: DomId, ops: &mut [BufCopy<'_>]) {
        // First start loading every line the batch will copy (the granted pages were last
        // written or read by the other side's CPU; our packets may have gone cold while they
        // waited), so that the misses overlap; then check again and copy. The first pass
        // only gives hints: whatever it finds, the second decides.
        if ops.len() > 1 {
            for op in ops.iter() {
                let write = matches!(op.buf, LocalBuf::From(_));
                let (off, len) = (usize::from(op.offset), buf_len(&op.buf));
                match &op.buf {
                    LocalBuf::From(d) => crate::shm::prefetch(d.as_ptr(), len, false),
                    LocalBuf::To(b) => crate::shm::prefetch(b.as_ptr(), len, true),
                }
                if let Ok((g, frame, _, _)) = self.check_grant_entry(caller, op.domid, op.gref, write) {
                    match &g.bulk {
                        Some((first, region)) if frame >= *first => {
                            region.prefetch((frame - first) as usize, off, len, write)
                        }
                        _ => {
                            if let Some(f) = g.frames.get(frame as usize) {
                                f.page.prefetch(off, len, write);
                            }
                        }
                    }
                }
            }
        }
        for op in ops.iter_mut() {
            let write = matches!(op.buf, LocalBuf::From(_));
            let r = self.check_grant_entry(caller, op.domid, op.gref, write).and_then(|(g, frame, _, _)| {
                let off = usize::from(op.offset);
                let done = match (&g.bulk, &mut op.buf) {
                    (Some((first, region)), LocalBuf::From(data)) if frame >= *first => {
                        region.write((frame - first) as usize, off, data)
                    }
                    (Some((first, region)), LocalBuf::To(buf)) if frame >= *first => {
                        region.read((frame - first) as usize, off, buf)
                    }
                    (_, buf) => {
                        let f = g.frames.get(frame as usize).ok_or(GNTST_BAD_PAGE)?;
                        match buf {
                            LocalBuf::From(data) => f.page.write(off, data),
                            LocalBuf::To(buf) => f.page.read(off, buf),
                        }
                    }
                };
                done.map(|()| buf_len(&op.buf)).map_err(|e| match e {
                    PageError::NoSuchPage(_) => GNTST_BAD_PAGE,
                    _ => GNTST_BAD_COPY_ARG,
                })
            });
            op.status = match r {
                Ok(len) => {
                    self.stats.copies += 1;
                    self.stats.copy_bytes += len as u64;
                    GNTST_OKAY
                }
                Err(s) => {
                    self.stats.grant_denied += 1;
                    s
                }
            };
        }
    }

    fn copy_one(&self, caller: DomId, op: &CopyOp) -> Result<(), i16> {
        let (src, so) = self.resolve(caller, op.source, false)?;
        let (dst, d_o) = self.resolve(caller, op.dest, true)?;
        SharedPage::copy(src, so, dst, d_o, op.len as usize).map_err(|_| GNTST_BAD_COPY_ARG)
    }

    fn port_mut(&mut self, domid: DomId, port: Port) -> Option<&mut PortState> {
        self.domains.get_mut(&domid)?.ports.get_mut(port as usize)?.as_mut()
    }

    fn new_port(&mut self, domid: DomId, peer: PortPeer) -> Result<(Port, Arc<OwnedFd>), XenError> {
        let fd = Arc::new(sys::eventfd()?);
        let d = self.domains.get_mut(&domid).ok_or(XenError::NoSuchDomain(domid))?;
        let port = match d.ports.iter().skip(1).position(Option::is_none) {
            Some(i) => i + 1,
            None => d.ports.len().max(1),
        };
        if d.ports.len() <= port {
            d.ports.resize_with(port + 1, || None);
        }
        d.ports[port] = Some(PortState { fd: fd.clone(), peer });
        Ok((port as Port, fd))
    }

    /// `EVTCHNOP_alloc_unbound`: a port of `caller` that `remote` may bind. Returns the port
    /// and the eventfd that signals it.
    pub fn evtchn_alloc_unbound(&mut self, caller: DomId, remote: DomId) -> Result<(Port, Arc<OwnedFd>), XenError> {
        self.dom(remote)?;
        self.new_port(caller, PortPeer::Unbound(remote))
    }

    /// `EVTCHNOP_bind_interdomain`: binds a new port of `caller` to `remote_port` of
    /// `remote`. Returns the port, its eventfd and the peer's eventfd (to signal it).
    pub fn evtchn_bind_interdomain(
        &mut self,
        caller: DomId,
        remote: DomId,
        remote_port: Port,
    ) -> Result<(Port, Arc<OwnedFd>, Arc<OwnedFd>), XenError> {
        self.dom(caller)?;
        match self.port_mut(remote, remote_port) {
            Some(PortState { peer: PortPeer::Unbound(d), .. }) if *d == caller => {}
            _ => return Err(XenError::BadPort(remote_port)),
        }
        let (port, fd) = self.new_port(caller, PortPeer::Bound(remote, remote_port))?;
        let peer = self.port_mut(remote, remote_port).ok_or(XenError::BadPort(remote_port))?;
        peer.peer = PortPeer::Bound(caller, port);
        Ok((port, fd, peer.fd.clone()))
    }

    /// The eventfd that signals the peer of `caller`'s `port`: `None` while the port is not
    /// bound yet (a notification is then dropped, as on Xen), an error once the peer closed.
    pub fn evtchn_peer_fd(&mut self, caller: DomId, port: Port) -> Result<Option<Arc<OwnedFd>>, XenError> {
        let (rd, rp) = match self.port_mut(caller, port) {
            Some(PortState { peer: PortPeer::Bound(rd, rp), .. }) => (*rd, *rp),
            Some(PortState { peer: PortPeer::Unbound(_), .. }) => return Ok(None),
            Some(_) => return Err(XenError::NotBound(port)),
            None => return Err(XenError::BadPort(port)),
        };
        self.port_mut(rd, rp).map(|p| Some(p.fd.clone())).ok_or(XenError::NotBound(port))
    }

    /// Closes a port; its peer's port becomes closed.
    pub fn evtchn_close(&mut self, caller: DomId, port: Port) -> Result<(), XenError> {
        let st = self
            .domains
            .get_mut(&caller)
            .and_then(|d| d.ports.get_mut(port as usize))
            .and_then(Option::take)
            .ok_or(XenError::BadPort(port))?;
        if let PortPeer::Bound(rd, rp) = st.peer
            && let Some(p) = self.port_mut(rd, rp)
        {
            p.peer = PortPeer::Closed;
            let _ = sys::eventfd_signal(p.fd.as_fd());
        }
        Ok(())
    }

    fn may_access(&mut self, caller: DomId, path: &str, write: bool) -> Result<(), XenError> {
        check_path(path)?;
        if caller == 0 {
            return Ok(());
        }
        let c: Vec<&str> = path.split('/').skip(1).collect();
        let me = caller.to_string();
        let ok = (c.len() >= 3 && c[0] == "local" && c[1] == "domain" && c[2] == me)
            || (!write && c.len() >= 6 && c[0] == "local" && c[1] == "domain" && c[3] == "backend" && c[5] == me)
            // A back end (a driver domain) reads the device directories of its front ends:
            // those whose `backend-id` the toolstack set to it.
            || (!write
                && c.len() >= 6
                && c[0] == "local"
                && c[1] == "domain"
                && c[3] == "device"
                && self.store.get(&format!("/local/domain/{}/device/{}/{}/backend-id", c[2], c[4], c[5]))
                    == Some(&me));
        if ok {
            Ok(())
        } else {
            self.stats.store_denied += 1;
            Err(XenError::XsPermission(path.to_string()))
        }
    }

    fn fire(&mut self, path: &str) {
        for (d, wpath, token) in &self.watches {
            if under(path, wpath)
                && let Some(dom) = self.domains.get_mut(d)
            {
                dom.watch_events.push_back(WatchEvent { path: path.to_string(), token: token.clone() });
                let _ = sys::eventfd_signal(dom.watch_fd.as_fd());
            }
        }
    }

    /// xenstore read.
    pub fn xs_read(&mut self, caller: DomId, path: &str) -> Result<Option<String>, XenError> {
        self.may_access(caller, path, false)?;
        Ok(self.store.get(path).cloned())
    }

    /// xenstore write.
    pub fn xs_write(&mut self, caller: DomId, path: &str, value: &str) -> Result<(), XenError> {
        self.may_access(caller, path, true)?;
        if path.starts_with('@') || value.len() > 4096 {
            return Err(XenError::XsBadPath(path.to_string()));
        }
        if self.store.len() >= MAX_STORE_NODES && !self.store.contains_key(path) {
            self.stats.store_denied += 1;
            return Err(XenError::XsPermission(format!("{path}: store full")));
        }
        self.store.insert(path.to_string(), value.to_string());
        self.fire(path);
        Ok(())
    }

    /// xenstore remove (the node and its subtree).
    pub fn xs_remove(&mut self, caller: DomId, path: &str) -> Result<(), XenError> {
        self.may_access(caller, path, true)?;
        let gone: Vec<String> = self.store.keys().filter(|k| under(k, path)).cloned().collect();
        for k in &gone {
            self.store.remove(k);
        }
        self.fire(path);
        Ok(())
    }

    /// xenstore directory: names of the children of `path`.
    pub fn xs_directory(&mut self, caller: DomId, path: &str) -> Result<Vec<String>, XenError> {
        self.may_access(caller, path, false)?;
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        let mut out: Vec<String> = Vec::new();
        for k in self.store.keys().filter(|k| k.starts_with(&prefix)) {
            let child = k[prefix.len()..].split('/').next().unwrap_or("");
            // Keys are sorted, so equal children are adjacent.
            if !child.is_empty() && out.last().map(String::as_str) != Some(child) {
                out.push(child.to_string());
            }
        }
        Ok(out)
    }

    /// xenstore watch; queues one event at once, like xenstored.
    pub fn xs_watch(&mut self, caller: DomId, path: &str, token: &str) -> Result<(), XenError> {
        self.may_access(caller, path, false)?;
        if (path == "@releaseDomain" && caller != 0)
            || self.watches.iter().filter(|(d, _, _)| *d == caller).count() >= MAX_WATCHES_PER_DOMAIN
        {
            self.stats.store_denied += 1;
            return Err(XenError::XsPermission(path.to_string()));
        }
        self.watches.push((caller, path.to_string(), token.to_string()));
        if let Some(dom) = self.domains.get_mut(&caller) {
            dom.watch_events.push_back(WatchEvent { path: path.to_string(), token: token.to_string() });
            let _ = sys::eventfd_signal(dom.watch_fd.as_fd());
        }
        Ok(())
    }

    /// xenstore unwatch.
    pub fn xs_unwatch(&mut self, caller: DomId, path: &str, token: &str) -> Result<(), XenError> {
        self.watches.retain(|(d, p, t)| !(*d == caller && p == path && t == token));
        Ok(())
    }

    /// Takes `caller`'s queued watch events.
    pub fn xs_take_events(&mut self, caller: DomId) -> Result<Vec<WatchEvent>, XenError> {
        let d = self.domains.get_mut(&caller).ok_or(XenError::NoSuchDomain(caller))?;
        let _ = sys::eventfd_drain(d.watch_fd.as_fd());
        Ok(d.watch_events.drain(..).collect())
    }
}
