//! Domains as processes: a hypervisor process owns all memory and enforces grants.
//!
//! The hypervisor process (usually also domain 0, the back end) keeps an [`HvCore`]. Each
//! domain process talks to it over its own unix `SOCK_SEQPACKET` socket, served by a thread
//! ([`serve_domain`]). Memory is one memfd per frame, held by the hypervisor; a domain receives
//! the descriptors of its own frames and of its grant table pages at start-up, and the
//! descriptor of another domain's frame only after the hypervisor has checked the granter's
//! grant entry (`SCM_RIGHTS`). A read-only grant yields a descriptor opened read-only, which
//! cannot be mapped writable. Grant copies are done by the hypervisor. So a domain process can
//! touch only its own memory and what was granted to it: the operating system enforces it.
//!
//! Event channels are eventfds: a bound port gets its own eventfd (to wait on) and its peer's
//! (to signal), so notifications need no round trip.

use crate::abi::PAGE_SIZE;
use crate::abi::{DomId, GrantRef};
use crate::guest::{GrantWriter, PortTable};
use crate::hv::{DomainResources, HvCore};
use crate::local::LocalHypervisor;
use crate::platform::*;
use crate::shm::{Region, SharedPage};
use crate::sys;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The environment variable that names the hypervisor socket's descriptor in a domain process.
pub const HV_FD_ENV: &str = "VROUTER_XEN_HV_FD";

const MAX_MSG: usize = 64 * 1024;

mod op {
    pub const HELLO: u8 = 1;
    pub const FRAMES: u8 = 2;
    pub const GNTPAGES: u8 = 3;
    pub const WATCHFD: u8 = 4;
    pub const MAP: u8 = 5;
    pub const UNMAP: u8 = 6;
    pub const COPY: u8 = 7;
    pub const EVT_ALLOC: u8 = 8;
    pub const EVT_BIND: u8 = 9;
    pub const EVT_PEER: u8 = 10;
    pub const EVT_CLOSE: u8 = 11;
    pub const XS_READ: u8 = 12;
    pub const XS_WRITE: u8 = 13;
    pub const XS_RM: u8 = 14;
    pub const XS_DIR: u8 = 15;
    pub const XS_WATCH: u8 = 16;
    pub const XS_UNWATCH: u8 = 17;
    pub const XS_EVENTS: u8 = 18;
}

#[derive(Default)]
struct W(Vec<u8>);
impl W {
    fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn str(self, s: &str) -> Self {
        let mut w = self.u32(s.len() as u32);
        w.0.extend_from_slice(s.as_bytes());
        w
    }
}

struct R<'a>(&'a [u8]);
fn short() -> XenError {
    XenError::Protocol("short or malformed message".into())
}
impl R<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], XenError> {
        if self.0.len() < n {
            return Err(short());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, XenError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, XenError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, XenError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self) -> Result<String, XenError> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| short())
    }
    fn copy_ptr(&mut self) -> Result<CopyPtr, XenError> {
        let kind = self.u8()?;
        let dom = self.u16()?;
        let n = self.u32()?;
        let offset = self.u16()?;
        Ok(if kind == 0 { CopyPtr::Local { frame: n, offset } } else { CopyPtr::Grant { domid: dom, gref: n, offset } })
    }
}

fn put_ptr(w: W, p: CopyPtr) -> W {
    match p {
        CopyPtr::Local { frame, offset } => w.u8(0).u16(0).u32(frame).u16(offset),
        CopyPtr::Grant { domid, gref, offset } => w.u8(1).u16(domid).u32(gref).u16(offset),
    }
}

fn encode_err(e: &XenError) -> W {
    let w = W::default().u8(1);
    match e {
        XenError::Grant { granter, gref, status } => w.u8(1).u16(*granter).u32(*gref).u16(*status as u16),
        XenError::NoSuchDomain(d) => w.u8(2).u16(*d),
        XenError::BadFrame(f) => w.u8(3).u32(*f),
        XenError::GrantTableFull => w.u8(4),
        XenError::GrantInUse(g) => w.u8(5).u32(*g),
        XenError::BadPort(p) => w.u8(6).u32(*p),
        XenError::NotBound(p) => w.u8(7).u32(*p),
        XenError::XsPermission(p) => w.u8(8).str(p),
        XenError::XsBadPath(p) => w.u8(9).str(p),
        other => w.u8(10).str(&other.to_string()),
    }
}

fn decode_err(r: &mut R<'_>) -> Result<XenError, XenError> {
    Ok(match r.u8()? {
        1 => XenError::Grant { granter: r.u16()?, gref: r.u32()?, status: r.u16()? as i16 },
        2 => XenError::NoSuchDomain(r.u16()?),
        3 => XenError::BadFrame(r.u32()?),
        4 => XenError::GrantTableFull,
        5 => XenError::GrantInUse(r.u32()?),
        6 => XenError::BadPort(r.u32()?),
        7 => XenError::NotBound(r.u32()?),
        8 => XenError::XsPermission(r.str()?),
        9 => XenError::XsBadPath(r.str()?),
        _ => XenError::Protocol(r.str()?),
    })
}

/// Serves one domain's requests on `sock`, in a new thread, until the domain closes it (or
/// dies); then the domain is destroyed.
pub fn serve_domain(core: Arc<Mutex<HvCore>>, res: DomainResources, sock: OwnedFd) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(format!("hv-dom{}", res.domid)).spawn(move || {
        let mut buf = vec![0u8; MAX_MSG];
        loop {
            let n = match sys::recv_msg(sock.as_fd(), &mut buf) {
                Ok((0, _)) | Err(_) => break,
                Ok((n, _fds)) => n,
            };
            let (reply, fds) = match handle(&core, &res, &buf[..n]) {
                Ok((w, fds)) => (w, fds),
                Err(e) => (encode_err(&e), Vec::new()),
            };
            let borrowed: Vec<BorrowedFd<'_>> = fds.iter().map(|f| f.as_fd()).collect();
            if sys::send_msg(sock.as_fd(), &reply.0, &borrowed).is_err() {
                break;
            }
        }
        core.lock().unwrap_or_else(|e| e.into_inner()).destroy_domain(res.domid);
    })
}

fn handle(core: &Mutex<HvCore>, res: &DomainResources, msg: &[u8]) -> Result<(W, Vec<Arc<OwnedFd>>), XenError> {
    let me = res.domid;
    let mut r = R(msg);
    let ok = W::default().u8(0);
    let mut hv = core.lock().unwrap_or_else(|e| e.into_inner());
    if !hv.domain_exists(me) {
        return Err(XenError::NoSuchDomain(me));
    }
    Ok(match r.u8()? {
        op::HELLO => (ok.u16(me).u32(res.frames.len() as u32).u32(res.grant_pages.len() as u32), vec![]),
        op::FRAMES => {
            let start = r.u32()? as usize;
            let count = (r.u32()? as usize).min(sys::MAX_FDS_PER_MSG);
            let end =
                start.checked_add(count).filter(|e| *e <= res.frames.len()).ok_or(XenError::BadFrame(start as u32))?;
            let mut w = ok;
            for f in &res.frames[start..end] {
                w = w.u32(f.offset as u32).u32((f.offset >> 32) as u32);
            }
            (w, res.frames[start..end].iter().map(|f| f.fd.clone()).collect())
        }
        op::GNTPAGES => (ok, res.grant_pages.iter().take(sys::MAX_FDS_PER_MSG).map(|f| f.fd.clone()).collect()),
        op::WATCHFD => (ok, vec![res.watch_fd.clone()]),
        op::MAP => {
            let (granter, gref, ro) = (r.u16()?, r.u32()?, r.u8()? != 0);
            let f = hv.map_grant(me, granter, gref, ro)?;
            (ok, vec![f.fd])
        }
        op::UNMAP => {
            hv.unmap_grant(me, r.u16()?, r.u32()?)?;
            (ok, vec![])
        }
        op::COPY => {
            let n = r.u32()? as usize;
            if n > 4096 {
                return Err(short());
            }
            let mut ops = Vec::with_capacity(n);
            for _ in 0..n {
                let source = r.copy_ptr()?;
                let dest = r.copy_ptr()?;
                ops.push(CopyOp { source, dest, len: r.u16()?, status: 0 });
            }
            hv.grant_copy(me, &mut ops);
            let mut w = ok;
            for o in &ops {
                w = w.u16(o.status as u16);
            }
            (w, vec![])
        }
        op::EVT_ALLOC => {
            let (port, fd) = hv.evtchn_alloc_unbound(me, r.u16()?)?;
            (ok.u32(port), vec![fd])
        }
        op::EVT_BIND => {
            let (port, fd, peer) = hv.evtchn_bind_interdomain(me, r.u16()?, r.u32()?)?;
            (ok.u32(port), vec![fd, peer])
        }
        op::EVT_PEER => (ok, hv.evtchn_peer_fd(me, r.u32()?)?.into_iter().collect()),
        op::EVT_CLOSE => {
            hv.evtchn_close(me, r.u32()?)?;
            (ok, vec![])
        }
        op::XS_READ => match hv.xs_read(me, &r.str()?)? {
            Some(v) => (ok.u8(1).str(&v), vec![]),
            None => (ok.u8(0), vec![]),
        },
        op::XS_WRITE => {
            let (p, v) = (r.str()?, r.str()?);
            hv.xs_write(me, &p, &v)?;
            (ok, vec![])
        }
        op::XS_RM => {
            hv.xs_remove(me, &r.str()?)?;
            (ok, vec![])
        }
        op::XS_DIR => {
            let names = hv.xs_directory(me, &r.str()?)?;
            let mut w = ok.u32(names.len() as u32);
            for n in &names {
                w = w.str(n);
            }
            (w, vec![])
        }
        op::XS_WATCH => {
            let (p, t) = (r.str()?, r.str()?);
            hv.xs_watch(me, &p, &t)?;
            (ok, vec![])
        }
        op::XS_UNWATCH => {
            let (p, t) = (r.str()?, r.str()?);
            hv.xs_unwatch(me, &p, &t)?;
            (ok, vec![])
        }
        op::XS_EVENTS => {
            let evs = hv.xs_take_events(me)?;
            let mut w = ok.u32(evs.len() as u32);
            for e in &evs {
                w = w.str(&e.path).str(&e.token);
            }
            (w, vec![])
        }
        other => return Err(XenError::Protocol(format!("unknown request {other}"))),
    })
}

/// A domain process, spawned by [`spawn_domain`]. Dropping it kills the process.
#[derive(Debug)]
pub struct DomainProcess {
    /// The domain's id.
    pub domid: DomId,
    child: Option<Child>,
    server: Option<JoinHandle<()>>,
}

impl DomainProcess {
    /// The process.
    pub fn child_mut(&mut self) -> Option<&mut Child> {
        self.child.as_mut()
    }

    /// Kills the process (its domain is destroyed when its socket closes).
    pub fn kill(&mut self) -> std::io::Result<()> {
        match self.child.as_mut() {
            Some(c) => {
                let _ = c.kill();
                c.wait().map(|_| ())
            }
            None => Ok(()),
        }
    }

    /// Waits for the process to exit, collecting its piped output, and for its hypervisor
    /// thread to finish.
    pub fn wait_with_output(mut self) -> std::io::Result<std::process::Output> {
        let child = self.child.take().ok_or_else(|| std::io::Error::other("already waited"))?;
        let out = child.wait_with_output()?;
        if let Some(s) = self.server.take() {
            let _ = s.join();
        }
        Ok(out)
    }
}

impl Drop for DomainProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// Creates a domain and runs `cmd` as its process. The process finds the hypervisor
/// socket through [`HV_FD_ENV`]; see [`RemoteDomain::from_env`].
pub fn spawn_domain(
    hv: &LocalHypervisor,
    nr_frames: u32,
    nr_grant_pages: u32,
    mut cmd: Command,
) -> Result<DomainProcess, XenError> {
    sys::raise_fd_limit();
    let res = hv.lock().create_domain(nr_frames, nr_grant_pages)?;
    let domid = res.domid;
    let (ours, theirs) = sys::seqpacket_pair()?;
    sys::inherit_fd(&mut cmd, theirs.as_raw_fd());
    cmd.env(HV_FD_ENV, theirs.as_raw_fd().to_string());
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            hv.destroy_domain(domid);
            return Err(e.into());
        }
    };
    drop(theirs);
    let server = match serve_domain(hv.core().clone(), res, ours) {
        Ok(s) => s,
        Err(e) => {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
            hv.destroy_domain(domid);
            return Err(e.into());
        }
    };
    Ok(DomainProcess { domid, child: Some(child), server: Some(server) })
}

/// A domain's handle on a hypervisor in another process.
#[derive(Debug)]
pub struct RemoteDomain {
    sock: OwnedFd,
    domid: DomId,
    frames: Vec<Arc<SharedPage>>,
    grants: GrantWriter,
    ports: PortTable,
    watch_fd: OwnedFd,
    buf: Vec<u8>,
}

impl RemoteDomain {
    /// Connects through the socket named by [`HV_FD_ENV`] (in a process started by
    /// [`spawn_domain`]).
    pub fn from_env() -> Result<RemoteDomain, XenError> {
        let v = std::env::var(HV_FD_ENV).map_err(|_| XenError::Protocol(format!("{HV_FD_ENV} is not set")))?;
        let fd: i32 = v.parse().map_err(|_| XenError::Protocol(format!("bad {HV_FD_ENV}={v}")))?;
        Self::connect(sys::adopt_inherited_fd(fd)?)
    }

    /// Connects over a socket served by [`serve_domain`]; maps this domain's memory.
    pub fn connect(sock: OwnedFd) -> Result<RemoteDomain, XenError> {
        let mut buf = vec![0u8; MAX_MSG];
        let (rep, _) = call(&sock, &mut buf, &W::default().u8(op::HELLO).0)?;
        let mut r = R(&rep);
        let (domid, nr_frames, nr_gnt) = (r.u16()?, r.u32()?, r.u32()?);
        let mut frames = Vec::with_capacity(nr_frames as usize);
        let mut mapper = RunMapper::default();
        let mut received = 0;
        while received < nr_frames as usize {
            let start = received as u32;
            let count = (nr_frames - start).min(sys::MAX_FDS_PER_MSG as u32);
            let (rep, fds) = call(&sock, &mut buf, &W::default().u8(op::FRAMES).u32(start).u32(count).0)?;
            if fds.len() != count as usize {
                return Err(XenError::Protocol("wrong number of frames".into()));
            }
            let mut r = R(&rep);
            for fd in fds {
                let offset = u64::from(r.u32()?) | u64::from(r.u32()?) << 32;
                mapper.push(fd, offset, &mut frames)?;
                received += 1;
            }
        }
        mapper.flush(&mut frames)?;
        let (_, fds) = call(&sock, &mut buf, &W::default().u8(op::GNTPAGES).0)?;
        if fds.len() != nr_gnt as usize {
            return Err(XenError::Protocol("wrong number of grant table pages".into()));
        }
        let gpages = fds
            .iter()
            .map(|fd| SharedPage::map_fd(fd.as_fd(), 0, true).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let (_, mut fds) = call(&sock, &mut buf, &W::default().u8(op::WATCHFD).0)?;
        let watch_fd = fds.pop().ok_or_else(|| XenError::Protocol("no watch descriptor".into()))?;
        Ok(RemoteDomain {
            sock,
            domid,
            grants: GrantWriter::new(gpages, frames.len() as u32),
            frames,
            ports: PortTable::default(),
            watch_fd,
            buf,
        })
    }

    fn call(&mut self, req: &W) -> Result<(Vec<u8>, Vec<OwnedFd>), XenError> {
        call(&self.sock, &mut self.buf, &req.0)
    }
}

fn call(sock: &OwnedFd, buf: &mut [u8], req: &[u8]) -> Result<(Vec<u8>, Vec<OwnedFd>), XenError> {
    sys::send_msg(sock.as_fd(), req, &[]).map_err(|_| XenError::Disconnected)?;
    let (n, fds) = sys::recv_msg(sock.as_fd(), buf)?;
    if n == 0 {
        return Err(XenError::Disconnected);
    }
    let mut r = R(&buf[..n]);
    if r.u8()? != 0 {
        return Err(decode_err(&mut r)?);
    }
    Ok((r.0.to_vec(), fds))
}

impl GrantTable for RemoteDomain {
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
        let (_, mut fds) = self.call(&W::default().u8(op::MAP).u16(granter).u32(gref).u8(readonly as u8))?;
        let fd = fds.pop().ok_or_else(|| XenError::Protocol("no descriptor for the grant".into()))?;
        Ok(Arc::new(SharedPage::map_fd(fd.as_fd(), 0, !readonly)?))
    }
    fn unmap_grant(&mut self, granter: DomId, gref: GrantRef) -> Result<(), XenError> {
        self.call(&W::default().u8(op::UNMAP).u16(granter).u32(gref)).map(|_| ())
    }
    fn grant_copy(&mut self, ops: &mut [CopyOp]) -> Result<(), XenError> {
        for chunk in ops.chunks_mut(1024) {
            let mut w = W::default().u8(op::COPY).u32(chunk.len() as u32);
            for o in chunk.iter() {
                w = put_ptr(put_ptr(w, o.source), o.dest).u16(o.len);
            }
            let (rep, _) = self.call(&w)?;
            let mut r = R(&rep);
            for o in chunk.iter_mut() {
                o.status = r.u16()? as i16;
            }
        }
        Ok(())
    }
}

impl EventChannels for RemoteDomain {
    fn alloc_unbound(&mut self, remote: DomId) -> Result<Port, XenError> {
        let (rep, mut fds) = self.call(&W::default().u8(op::EVT_ALLOC).u16(remote))?;
        let port = R(&rep).u32()?;
        let fd = fds.pop().ok_or_else(short)?;
        self.ports.insert(port, Arc::new(fd), None);
        Ok(port)
    }
    fn bind_interdomain(&mut self, remote: DomId, remote_port: Port) -> Result<Port, XenError> {
        let (rep, fds) = self.call(&W::default().u8(op::EVT_BIND).u16(remote).u32(remote_port))?;
        let port = R(&rep).u32()?;
        let mut it = fds.into_iter();
        let (Some(fd), Some(peer)) = (it.next(), it.next()) else {
            return Err(short());
        };
        self.ports.insert(port, Arc::new(fd), Some(Arc::new(peer)));
        Ok(port)
    }
    fn notify(&mut self, port: Port) -> Result<(), XenError> {
        if self.ports.notify(port)? {
            return Ok(());
        }
        let (_, mut fds) = self.call(&W::default().u8(op::EVT_PEER).u32(port))?;
        // No descriptor: the port is not bound yet and the notification is dropped.
        let Some(peer) = fds.pop() else { return Ok(()) };
        self.ports.set_peer(port, Arc::new(peer));
        self.ports.notify(port).map(|_| ())
    }
    fn wait(&mut self, port: Port, timeout: Option<Duration>) -> Result<bool, XenError> {
        self.ports.wait(port, timeout)
    }
    fn peer_connected(&mut self, port: Port) -> Result<bool, XenError> {
        match self.call(&W::default().u8(op::EVT_PEER).u32(port)) {
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
        self.call(&W::default().u8(op::EVT_CLOSE).u32(port)).map(|_| ())
    }
}

impl XenStore for RemoteDomain {
    fn read(&mut self, path: &str) -> Result<Option<String>, XenError> {
        let (rep, _) = self.call(&W::default().u8(op::XS_READ).str(path))?;
        let mut r = R(&rep);
        Ok(if r.u8()? == 1 { Some(r.str()?) } else { None })
    }
    fn write(&mut self, path: &str, value: &str) -> Result<(), XenError> {
        self.call(&W::default().u8(op::XS_WRITE).str(path).str(value)).map(|_| ())
    }
    fn remove(&mut self, path: &str) -> Result<(), XenError> {
        self.call(&W::default().u8(op::XS_RM).str(path)).map(|_| ())
    }
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XenError> {
        let (rep, _) = self.call(&W::default().u8(op::XS_DIR).str(path))?;
        let mut r = R(&rep);
        (0..r.u32()?).map(|_| r.str()).collect()
    }
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        self.call(&W::default().u8(op::XS_WATCH).str(path).str(token)).map(|_| ())
    }
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XenError> {
        self.call(&W::default().u8(op::XS_UNWATCH).str(path).str(token)).map(|_| ())
    }
    fn take_watch_events(&mut self) -> Result<Vec<WatchEvent>, XenError> {
        let (rep, _) = self.call(&W::default().u8(op::XS_EVENTS))?;
        let mut r = R(&rep);
        (0..r.u32()?).map(|_| Ok(WatchEvent { path: r.str()?, token: r.str()? })).collect()
    }
    fn watch_fd(&self) -> BorrowedFd<'_> {
        self.watch_fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::*;

    /// A remote domain served in a thread: the same protocol as across processes.
    fn remote(hv: &LocalHypervisor, frames: u32) -> RemoteDomain {
        let res = hv.lock().create_domain(frames, 1).unwrap();
        let (a, b) = sys::seqpacket_pair().unwrap();
        serve_domain(hv.core().clone(), res, a).unwrap();
        RemoteDomain::connect(b).unwrap()
    }

    #[test]
    fn protocol_round_trips() {
        let hv = LocalHypervisor::new();
        let mut d0 = hv.create_domain(2, 1).unwrap();
        let mut d1 = remote(&hv, 3);
        assert_eq!(d1.domid(), 1);
        assert_eq!(d1.nr_frames(), 3);
        d1.frame(1).unwrap().write(0, b"xyz").unwrap();
        let g = d1.grant_access(0, 1, false).unwrap();
        let p = d0.map_grant(1, g, false).unwrap();
        let mut b = [0u8; 3];
        p.read(0, &mut b).unwrap();
        assert_eq!(&b, b"xyz");
        // Domain 1 asks for a page of domain 0 that was never granted: refused.
        assert!(matches!(d1.map_grant(0, 8, false), Err(XenError::Grant { status: GNTST_BAD_GNTREF, .. })));
        let g0 = d0.grant_access(1, 0, true).unwrap();
        assert!(matches!(d1.map_grant(0, g0, false), Err(XenError::Grant { status: GNTST_PERMISSION_DENIED, .. })));
        let ro = d1.map_grant(0, g0, true).unwrap();
        assert!(!ro.is_writable());
        let mut ops = [CopyOp {
            source: CopyPtr::Local { frame: 1, offset: 0 },
            dest: CopyPtr::Grant { domid: 0, gref: g0, offset: 0 },
            len: 3,
            status: 9,
        }];
        d1.grant_copy(&mut ops).unwrap();
        assert_eq!(ops[0].status, GNTST_PERMISSION_DENIED);
        // Event channels: remote allocates, local binds, both notify.
        let p1 = d1.alloc_unbound(0).unwrap();
        let p0 = d0.bind_interdomain(1, p1).unwrap();
        d0.notify(p0).unwrap();
        assert!(d1.wait(p1, Some(Duration::from_secs(5))).unwrap());
        d1.notify(p1).unwrap();
        assert!(d0.wait(p0, Some(Duration::from_secs(5))).unwrap());
        // Store.
        d1.write("/local/domain/1/name", "guest").unwrap();
        assert_eq!(d0.read("/local/domain/1/name").unwrap().as_deref(), Some("guest"));
        assert!(matches!(d1.write("/local/domain/0/name", "x"), Err(XenError::XsPermission(_))));
        d1.watch("/local/domain/1", "t").unwrap();
        d0.write("/local/domain/1/x", "1").unwrap();
        assert!(sys::poll_readable(d1.watch_fd(), Some(Duration::from_secs(5))).unwrap());
        assert_eq!(d1.take_watch_events().unwrap().len(), 2);
        assert_eq!(d0.directory("/local/domain/1").unwrap(), vec!["name", "x"]);
        // Closing the socket destroys the domain; its peer's port is closed.
        drop(d1);
        for _ in 0..500 {
            if !hv.lock().domain_exists(1) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(!hv.lock().domain_exists(1));
    }
}

/// Maps frames received as (descriptor, offset) pairs, in order: a run of consecutive pages
/// of one file (a domain's bulk memory) is mapped at once as a [`Region`], even when it
/// arrives over several messages, and any other frame on its own. Only the first descriptor
/// of the current run stays open (a driver domain may have tens of thousands of frames).
#[derive(Default)]
struct RunMapper {
    /// The run being gathered: its file's first descriptor, offset, length in pages and
    /// identity.
    run: Option<(OwnedFd, u64, usize, (u64, u64))>,
}

impl RunMapper {
    fn push(&mut self, fd: OwnedFd, offset: u64, frames: &mut Vec<Arc<SharedPage>>) -> Result<(), XenError> {
        let id = sys::file_identity(fd.as_fd())?;
        if let Some((_, start, len, run_id)) = &mut self.run
            && *run_id == id
            && offset == *start + (*len * PAGE_SIZE) as u64
        {
            *len += 1;
            return Ok(());
        }
        self.flush(frames)?;
        self.run = Some((fd, offset, 1, id));
        Ok(())
    }

    fn flush(&mut self, frames: &mut Vec<Arc<SharedPage>>) -> Result<(), XenError> {
        match self.run.take() {
            None => {}
            Some((fd, offset, 1, _)) => frames.push(Arc::new(SharedPage::map_fd(fd.as_fd(), offset, true)?)),
            Some((fd, offset, len, _)) => {
                let region = Region::map_fd(fd.as_fd(), offset, len, true)?;
                frames.extend((0..len).map(|k| Arc::new(region.page(k))));
            }
        }
        Ok(())
    }
}
