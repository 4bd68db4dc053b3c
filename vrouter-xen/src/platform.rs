//! What a domain asks of its hypervisor: grant tables, event channels and xenstore.
//!
//! Three implementations share these traits: [`local`](crate::local) (domains are threads of one
//! process), [`remote`](crate::remote) (each domain is a process; a hypervisor process owns all
//! memory and checks every grant) and, with the `xen` feature, `xen` (Linux's
//! `/dev/xen` devices on a real Xen guest).

use crate::abi::{
    DomId, GNTST_BAD_COPY_ARG, GNTST_BAD_DOMAIN, GNTST_BAD_GNTREF, GNTST_BAD_PAGE, GNTST_GENERAL_ERROR,
    GNTST_PERMISSION_DENIED, GrantRef,
};
use crate::shm::SharedPage;
use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::time::Duration;

/// An event channel port, local to a domain.
pub type Port = u32;

/// An error from the hypervisor interface.
#[derive(Debug, thiserror::Error)]
pub enum XenError {
    /// A grant operation was refused (`GNTST_*` status).
    #[error("grant {gref} of domain {granter}: {} (status {status})", gntst_name(*status))]
    Grant {
        /// The domain that owns the grant.
        granter: DomId,
        /// The grant reference.
        gref: GrantRef,
        /// `GNTST_*`.
        status: i16,
    },
    /// No such domain.
    #[error("domain {0} does not exist")]
    NoSuchDomain(DomId),
    /// A frame number outside this domain's memory.
    #[error("frame {0} is not in this domain's memory")]
    BadFrame(u32),
    /// Every grant reference is in use.
    #[error("the grant table is full")]
    GrantTableFull,
    /// The grant is still mapped by its grantee and cannot be revoked.
    #[error("grant {0} is still in use by its grantee")]
    GrantInUse(GrantRef),
    /// A port that is not open, or belongs to another domain.
    #[error("event channel port {0} is not open")]
    BadPort(Port),
    /// A port whose remote end is not bound yet, or whose peer has gone.
    #[error("event channel port {0} has no connected peer")]
    NotBound(Port),
    /// xenstore refused the access.
    #[error("xenstore: permission denied on {0:?}")]
    XsPermission(String),
    /// A malformed xenstore path.
    #[error("xenstore: invalid path {0:?}")]
    XsBadPath(String),
    /// The hypervisor (process) broke the protocol or reported an error we cannot map.
    #[error("hypervisor: {0}")]
    Protocol(String),
    /// The hypervisor (process) has gone.
    #[error("the hypervisor connection is closed")]
    Disconnected,
    /// A system call failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A page access failed.
    #[error(transparent)]
    Page(#[from] crate::shm::PageError),
}

/// The C name of a `GNTST_*` status.
pub fn gntst_name(status: i16) -> &'static str {
    match status {
        0 => "GNTST_okay",
        GNTST_GENERAL_ERROR => "GNTST_general_error",
        GNTST_BAD_DOMAIN => "GNTST_bad_domain",
        GNTST_BAD_GNTREF => "GNTST_bad_gntref",
        GNTST_PERMISSION_DENIED => "GNTST_permission_denied",
        GNTST_BAD_PAGE => "GNTST_bad_page",
        GNTST_BAD_COPY_ARG => "GNTST_bad_copy_arg",
        _ => "GNTST_other",
    }
}

/// One side of a grant copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyPtr {
    /// A frame of the calling domain's own memory.
    Local {
        /// Frame number.
        frame: u32,
        /// Byte offset in the frame.
        offset: u16,
    },
    /// A page another domain granted to the caller.
    Grant {
        /// The granting domain.
        domid: DomId,
        /// Its grant reference.
        gref: GrantRef,
        /// Byte offset in the page.
        offset: u16,
    },
}

/// One grant copy (`gnttab_copy_t`): the hypervisor copies `len` bytes and sets `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyOp {
    /// Where to copy from.
    pub source: CopyPtr,
    /// Where to copy to.
    pub dest: CopyPtr,
    /// Bytes to copy; source and destination must each stay within one page.
    pub len: u16,
    /// `GNTST_*`, set by [`GrantTable::grant_copy`].
    pub status: i16,
}

/// The caller's side of a [`BufCopy`]: a buffer in its own address space, as the `virt`
/// operand of Linux's `IOCTL_GNTDEV_GRANT_COPY`.
#[derive(Debug)]
pub enum LocalBuf<'a> {
    /// Copy these bytes into the granted page.
    From(&'a [u8]),
    /// Fill this buffer from the granted page.
    To(&'a mut [u8]),
}

/// A grant copy between a buffer of the caller's and a page another domain granted it
/// (`domid`, `gref`, byte `offset`); the buffer's length is the copy's.
#[derive(Debug)]
pub struct BufCopy<'a> {
    /// The granting domain.
    pub domid: DomId,
    /// Its grant reference.
    pub gref: GrantRef,
    /// Byte offset in the granted page.
    pub offset: u16,
    /// The caller's buffer, and the direction.
    pub buf: LocalBuf<'a>,
    /// `GNTST_*`, set by [`GrantTable::grant_copy_buf`].
    pub status: i16,
}

/// A domain's grant table and memory.
pub trait GrantTable {
    /// This domain's id.
    fn domid(&self) -> DomId;
    /// Frames of memory this domain owns.
    fn nr_frames(&self) -> u32;
    /// One of this domain's own frames.
    fn frame(&self, frame: u32) -> Result<Arc<SharedPage>, XenError>;
    /// Grants domain `to` access to one of our frames.
    fn grant_access(&mut self, to: DomId, frame: u32, readonly: bool) -> Result<GrantRef, XenError>;
    /// Revokes a grant; fails while the grantee still has it mapped.
    fn end_access(&mut self, gref: GrantRef) -> Result<(), XenError>;
    /// Maps a page that domain `granter` granted to us.
    fn map_grant(&mut self, granter: DomId, gref: GrantRef, readonly: bool) -> Result<Arc<SharedPage>, XenError>;
    /// Releases a mapping made by [`map_grant`](Self::map_grant).
    fn unmap_grant(&mut self, granter: DomId, gref: GrantRef) -> Result<(), XenError>;
    /// Performs grant copies; each op gets its own status. Fails only if the hypervisor
    /// cannot be reached.
    fn grant_copy(&mut self, ops: &mut [CopyOp]) -> Result<(), XenError>;
    /// Whether [`grant_copy_buf`](Self::grant_copy_buf) works here. Where it does not (a
    /// hypervisor in another process cannot read our buffers), drivers stage frames in
    /// frames of their own and use [`grant_copy`](Self::grant_copy).
    fn copies_buffers(&self) -> bool {
        false
    }
    /// Grant copies to or from buffers of the caller's (one copy per frame, where
    /// [`grant_copy`](Self::grant_copy) needs a staging frame and a second copy); each op
    /// gets its own status. Fails if the platform cannot do it
    /// ([`copies_buffers`](Self::copies_buffers)) or the hypervisor cannot be reached.
    fn grant_copy_buf(&mut self, _ops: &mut [BufCopy<'_>]) -> Result<(), XenError> {
        Err(XenError::Protocol("grant copies from buffers are not supported here".into()))
    }
}

/// A domain's event channels.
pub trait EventChannels {
    /// Opens a port that domain `remote` may bind to.
    fn alloc_unbound(&mut self, remote: DomId) -> Result<Port, XenError>;
    /// Binds a new local port to `remote_port` of domain `remote`, which must have been
    /// allocated for us.
    fn bind_interdomain(&mut self, remote: DomId, remote_port: Port) -> Result<Port, XenError>;
    /// Signals the peer of `port`.
    fn notify(&mut self, port: Port) -> Result<(), XenError>;
    /// Waits for an event on `port` (`None`: forever) and clears it; `false` on timeout.
    fn wait(&mut self, port: Port, timeout: Option<Duration>) -> Result<bool, XenError>;
    /// Clears and reports a pending event without blocking.
    fn take_pending(&mut self, port: Port) -> Result<bool, XenError> {
        self.wait(port, Some(Duration::ZERO))
    }
    /// Whether the peer of `port` is still there: `false` once it closed the channel or its
    /// domain died. A port not yet bound counts as connected.
    fn peer_connected(&mut self, port: Port) -> Result<bool, XenError>;
    /// A descriptor that becomes readable when `port` has an event pending.
    fn pollable_fd(&self, port: Port) -> Option<BorrowedFd<'_>>;
    /// Closes a port.
    fn close(&mut self, port: Port) -> Result<(), XenError>;
}

/// A change seen by a xenstore watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchEvent {
    /// The path that changed (or the watched path, for the first event).
    pub path: String,
    /// The token given to [`XenStore::watch`].
    pub token: String,
}

/// A xenstore-like hierarchical store with watches.
pub trait XenStore {
    /// Reads a value.
    fn read(&mut self, path: &str) -> Result<Option<String>, XenError>;
    /// Writes a value, creating the node.
    fn write(&mut self, path: &str, value: &str) -> Result<(), XenError>;
    /// Removes a node and everything below it.
    fn remove(&mut self, path: &str) -> Result<(), XenError>;
    /// Names of the children of a node.
    fn directory(&mut self, path: &str) -> Result<Vec<String>, XenError>;
    /// Watches a node and its subtree; fires once at once, then on every change.
    fn watch(&mut self, path: &str, token: &str) -> Result<(), XenError>;
    /// Removes a watch.
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), XenError>;
    /// Takes the watch events queued so far.
    fn take_watch_events(&mut self) -> Result<Vec<WatchEvent>, XenError>;
    /// A descriptor that becomes readable when watch events are queued.
    fn watch_fd(&self) -> BorrowedFd<'_>;
}

/// Everything a split driver needs from its hypervisor.
pub trait Platform: GrantTable + EventChannels + XenStore {}
impl<T: GrantTable + EventChannels + XenStore> Platform for T {}
