//! Pages shared with a peer that writes them concurrently.
//!
//! A [`SharedPage`] is one 4 KiB page: either allocated in this process (for peers that are
//! threads), or mapped from a file descriptor (a memfd handed over by the hypervisor process,
//! or a grant mapped through `/dev/xen/gntdev`). The peer may change any byte at any time, so
//! the page is never exposed as a Rust reference to plain data: the ring indices are accessed
//! as atomics and everything else is copied in or out in one go with bounds checked first.
//! Callers decode the copies; nothing is read twice from the page.
#![allow(unsafe_code)]

use crate::abi::PAGE_SIZE;
use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, AtomicU32};

/// A page access that cannot be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The range is not inside the page.
    #[error("access of {len} bytes at offset {offset} is outside the {PAGE_SIZE}-byte page")]
    OutOfPage {
        /// Offset of the access.
        offset: usize,
        /// Length of the access.
        len: usize,
    },
    /// A write to a read-only mapping.
    #[error("write to a read-only mapping")]
    ReadOnly,
}

enum Backing {
    Heap,
    Mmap,
}

/// One page of memory shared with a peer (another thread, process or domain).
pub struct SharedPage {
    ptr: NonNull<u8>,
    backing: Backing,
    writable: bool,
}

// SAFETY: the page is only accessed through atomics or raw copies (never through references to
// plain data), so sharing the pointer between threads creates no aliasing `&mut`.
unsafe impl Send for SharedPage {}
// SAFETY: as above; all methods take `&self` and use atomic or raw accesses.
unsafe impl Sync for SharedPage {}

fn check(offset: usize, len: usize) -> Result<(), PageError> {
    match offset.checked_add(len) {
        Some(end) if end <= PAGE_SIZE => Ok(()),
        _ => Err(PageError::OutOfPage { offset, len }),
    }
}

impl SharedPage {
    fn layout() -> Layout {
        // A page-aligned page: never fails for these constants.
        Layout::from_size_align(PAGE_SIZE, PAGE_SIZE).expect("page layout")
    }

    /// A zeroed page in this process's memory, for peers that are threads.
    pub fn new_zeroed() -> Self {
        let layout = Self::layout();
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        SharedPage { ptr, backing: Backing::Heap, writable: true }
    }

    /// Maps the page at byte `offset` of `fd` (shared, so writes reach the peer).
    ///
    /// A regular file (a memfd) must hold the whole page, or the mapping is refused: touching
    /// a mapping past the end of a file kills the process with SIGBUS. The file must also not
    /// shrink later; the hypervisor's memfds are sealed against it ([`crate::sys::memfd`]).
    pub fn map_fd(fd: BorrowedFd<'_>, offset: u64, writable: bool) -> io::Result<Self> {
        // SAFETY: zeroed `stat` is a valid out-parameter; fstat writes only into it.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: as above, on a descriptor we borrow.
        if unsafe { libc::fstat(fd.as_raw_fd(), &raw mut st) } < 0 {
            return Err(io::Error::last_os_error());
        }
        if st.st_mode & libc::S_IFMT == libc::S_IFREG && (st.st_size as u64) < offset.saturating_add(PAGE_SIZE as u64) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "file does not hold the whole page"));
        }
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        let off = libc::off_t::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: a fresh mapping chosen by the kernel; it aliases no Rust object.
        let raw = unsafe { libc::mmap(std::ptr::null_mut(), PAGE_SIZE, prot, libc::MAP_SHARED, fd.as_raw_fd(), off) };
        if raw == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(SharedPage { ptr, backing: Backing::Mmap, writable })
    }

    /// The page's address, for system calls that take one (`IOCTL_GNTDEV_GRANT_COPY`).
    /// Only the kernel may dereference it.
    #[cfg(feature = "xen")]
    pub(crate) fn addr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Whether this mapping may be written.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// The 32-bit word at `offset` as an atomic. `offset` is a constant of the protocol (a ring
    /// index field), never a value read from the peer; a misaligned one is a bug and panics.
    /// Storing through it on a read-only mapping faults: ring code checks
    /// [`is_writable`](Self::is_writable) first.
    pub fn atomic_u32(&self, offset: usize) -> &AtomicU32 {
        assert!(offset.is_multiple_of(4) && offset + 4 <= PAGE_SIZE, "bad atomic offset {offset}");
        // SAFETY: in bounds and 4-aligned (the page is page-aligned); the memory lives as long
        // as `self`; every access to these words, ours and the peer's, is atomic.
        unsafe { AtomicU32::from_ptr(self.ptr.as_ptr().add(offset).cast::<u32>()) }
    }

    /// The 16-bit word at `offset` as an atomic (grant entry flags). Same rules as
    /// [`atomic_u32`](Self::atomic_u32).
    pub fn atomic_u16(&self, offset: usize) -> &AtomicU16 {
        assert!(offset.is_multiple_of(2) && offset + 2 <= PAGE_SIZE, "bad atomic offset {offset}");
        // SAFETY: in bounds and 2-aligned; lives as long as `self`.
        unsafe { AtomicU16::from_ptr(self.ptr.as_ptr().add(offset).cast::<u16>()) }
    }

    /// Copies `buf.len()` bytes at `offset` out of the page.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<(), PageError> {
        check(offset, buf.len())?;
        // SAFETY: the range is inside the page (checked above); `buf` is our own memory and
        // cannot overlap the shared page. The peer may write the range concurrently: we copy
        // plain bytes, for which every value is valid, and decode only the copy.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(offset), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` into the page at `offset`.
    pub fn write(&self, offset: usize, data: &[u8]) -> Result<(), PageError> {
        check(offset, data.len())?;
        if !self.writable {
            return Err(PageError::ReadOnly);
        }
        // SAFETY: in bounds (checked), the mapping is writable, `data` is not in the page.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.as_ptr().add(offset), data.len()) };
        Ok(())
    }

    /// Copies `len` bytes from `src` at `src_off` to `dst` at `dst_off` (they may be the same
    /// page; overlapping ranges are handled).
    pub fn copy(
        src: &SharedPage,
        src_off: usize,
        dst: &SharedPage,
        dst_off: usize,
        len: usize,
    ) -> Result<(), PageError> {
        check(src_off, len)?;
        check(dst_off, len)?;
        if !dst.writable {
            return Err(PageError::ReadOnly);
        }
        // SAFETY: both ranges are inside their pages (checked); `ptr::copy` allows overlap.
        unsafe { std::ptr::copy(src.ptr.as_ptr().add(src_off), dst.ptr.as_ptr().add(dst_off), len) };
        Ok(())
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        match self.backing {
            // SAFETY: allocated in `new_zeroed` with this layout, freed once.
            Backing::Heap => unsafe { dealloc(self.ptr.as_ptr(), Self::layout()) },
            Backing::Mmap => {
                // SAFETY: mapped in `map_fd` with this length, unmapped once.
                unsafe { libc::munmap(self.ptr.as_ptr().cast(), PAGE_SIZE) };
            }
        }
    }
}

impl std::fmt::Debug for SharedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedPage").field("ptr", &self.ptr).field("writable", &self.writable).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked() {
        let p = SharedPage::new_zeroed();
        let mut b = [0u8; 8];
        assert!(p.read(PAGE_SIZE - 8, &mut b).is_ok());
        assert_eq!(p.read(PAGE_SIZE - 7, &mut b), Err(PageError::OutOfPage { offset: PAGE_SIZE - 7, len: 8 }));
        assert!(p.read(usize::MAX, &mut b).is_err());
        assert!(p.write(4090, &[1; 7]).is_err());
        p.write(100, &[7; 4]).unwrap();
        p.read(100, &mut b[..4]).unwrap();
        assert_eq!(&b[..4], &[7; 4]);
        assert!(SharedPage::copy(&p, 4000, &p, 0, 97).is_err());
    }

    #[test]
    fn memfd_pages_are_shared_and_cannot_shrink() {
        use std::os::fd::AsFd;
        let fd = crate::sys::memfd("t", PAGE_SIZE as u64).unwrap();
        let a = SharedPage::map_fd(fd.as_fd(), 0, true).unwrap();
        let b = SharedPage::map_fd(fd.as_fd(), 0, true).unwrap();
        a.write(10, b"xy").unwrap();
        let mut buf = [0u8; 2];
        b.read(10, &mut buf).unwrap();
        assert_eq!(&buf, b"xy");
        // A holder of the descriptor cannot shrink the file under our mapping.
        let f = std::fs::File::from(fd);
        assert!(f.set_len(0).is_err());
        let ro = SharedPage::map_fd(crate::sys::reopen_read_only(f.as_fd()).unwrap().as_fd(), 0, false).unwrap();
        assert_eq!(ro.write(0, b"z"), Err(PageError::ReadOnly));
        // A file too short for the page is refused (it would fault on access).
        let short = crate::sys::memfd("short", 100).unwrap();
        assert!(SharedPage::map_fd(short.as_fd(), 0, true).is_err());
        assert!(SharedPage::map_fd(f.as_fd(), 4096, true).is_err());
        // A read-only descriptor cannot be mapped writable.
        let rofd = crate::sys::reopen_read_only(f.as_fd()).unwrap();
        assert!(SharedPage::map_fd(rofd.as_fd(), 0, true).is_err());
    }
}
