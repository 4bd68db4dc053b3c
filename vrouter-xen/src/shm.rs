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
use std::sync::Arc;
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
    /// A page beyond the end of a [`Region`].
    #[error("page {0} is beyond the region")]
    NoSuchPage(usize),
}

enum Backing {
    Heap,
    Mmap,
    /// A page of a [`Region`], which it keeps mapped.
    Region(#[allow(dead_code)] Arc<Region>),
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

/// Most cache lines [`prefetch`] asks for: a frame's headers and the start of its payload
/// (the hardware prefetcher follows a longer copy by itself).
const PREFETCH_LINES: usize = 4;

/// Asks the processor to start loading the cache lines of the `len` bytes at `p` (at most
/// [`PREFETCH_LINES`]), for writing if `write`. A hint: it never faults and reads nothing
/// into the program, so any address will do; the copies that follow are what access the
/// memory. Frames in pages the peer's CPU wrote last miss the cache; asking for a batch's
/// lines first lets those misses overlap instead of being waited for one copy at a time.
#[inline]
pub fn prefetch(p: *const u8, len: usize, write: bool) {
    let first = p as usize & !63;
    let end = (p as usize).saturating_add(len);
    let mut line = first;
    while line < end && line - first < PREFETCH_LINES * 64 {
        prefetch_line(line as *const u8, write);
        line += 64;
    }
}

#[inline(always)]
fn prefetch_line(p: *const u8, write: bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if write {
            // SAFETY: PREFETCHW is a hint: it never faults (on any address) and changes no
            // register, flag or memory contents; processors without it treat it as a NOP.
            unsafe { std::arch::asm!("prefetchw [{0}]", in(reg) p, options(nostack, preserves_flags, readonly)) };
        } else {
            // SAFETY: as above: a hint that never faults, whatever the address.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, write);
}

impl SharedPage {
    /// [`prefetch`] of `len` bytes at `offset` of the page; nothing for a range outside it.
    #[inline]
    pub fn prefetch(&self, offset: usize, len: usize, write: bool) {
        if check(offset, len).is_ok() {
            prefetch(self.ptr.as_ptr().wrapping_add(offset), len, write);
        }
    }

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
        if regular_file_size(fd)?.is_some_and(|size| size < offset.saturating_add(PAGE_SIZE as u64)) {
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

    /// The 32-bit word at `offset` of `page`, held with the page so that reading it is one
    /// load (see [`SharedWord`]). Same rules for `offset` as [`atomic_u32`](Self::atomic_u32).
    pub fn word(page: &Arc<SharedPage>, offset: usize) -> SharedWord {
        SharedWord { word: NonNull::from(page.atomic_u32(offset)), page: page.clone() }
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

/// The size of a regular file behind `fd` (`None` for other kinds of file, which have none).
fn regular_file_size(fd: BorrowedFd<'_>) -> io::Result<Option<u64>> {
    // SAFETY: zeroed `stat` is a valid out-parameter; fstat writes only into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above, on a descriptor we borrow.
    if unsafe { libc::fstat(fd.as_raw_fd(), &raw mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((st.st_mode & libc::S_IFMT == libc::S_IFREG).then_some(st.st_size as u64))
}

/// A 32-bit word of a shared page, with the page kept alive: a loop that watches words of
/// many pages (the demux's ring probes) reads each with one load, not through the page's
/// `Arc` and mapping pointer first (two dependent loads, on lines of their own, per word).
#[derive(Clone, Debug)]
pub struct SharedWord {
    word: NonNull<AtomicU32>,
    page: Arc<SharedPage>,
}

// SAFETY: as for `SharedPage`: the word is only accessed atomically.
unsafe impl Send for SharedWord {}
// SAFETY: as above.
unsafe impl Sync for SharedWord {}

impl SharedWord {
    /// The word's value (relaxed: the peer writes it at will).
    #[inline]
    pub fn load(&self) -> u32 {
        // SAFETY: `word` points into the mapping of `page` (made from a checked
        // `atomic_u32`), which lives as long as `self` holds the `Arc`.
        unsafe { self.word.as_ref() }.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The page the word is in.
    pub fn page(&self) -> &Arc<SharedPage> {
        &self.page
    }
}

/// Pages mapped together, with one `mmap`, from one file: a domain's bulk memory. Mapped a
/// page at a time, a domain's few hundred pages would be as many mappings scattered over
/// the address space, each page needing a TLB entry of its own, and every access going
/// through a separately allocated [`SharedPage`]; mapped at once, the pages are one range
/// that the kernel may back with huge pages (a hugetlbfs memfd, see
/// [`crate::sys::memfd_huge`], or transparent huge pages where the system enables them for
/// shared memory). [`Region::page`] hands out its pages as ordinary [`SharedPage`]s.
pub struct Region {
    ptr: NonNull<u8>,
    /// Bytes mapped (the pages, rounded up to the file's huge page size when it has one).
    len: usize,
    pages: usize,
    writable: bool,
}

// SAFETY: as for `SharedPage`: the memory is only accessed through `SharedPage`s made by
// `page`, with atomics or raw copies.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

/// Huge pages the kernel may use for a region: 2 MiB on x86-64.
pub const HUGE_PAGE_SIZE: usize = 2 << 20;

impl Region {
    /// Maps `pages` pages of `fd` from byte `offset` (shared, so writes reach the peer). As
    /// for [`SharedPage::map_fd`], a regular file must hold every page. A file that holds
    /// more than the pages up to the next huge page boundary (a hugetlbfs memfd, whose size
    /// is a whole number of huge pages) is mapped to that boundary, as such files must be.
    pub fn map_fd(fd: BorrowedFd<'_>, offset: u64, pages: usize, writable: bool) -> io::Result<Arc<Region>> {
        let bytes = pages.checked_mul(PAGE_SIZE).filter(|&b| b > 0).ok_or(io::ErrorKind::InvalidInput)?;
        let mut len = bytes;
        if let Some(size) = regular_file_size(fd)? {
            if size < offset.saturating_add(bytes as u64) {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "file does not hold the whole region"));
            }
            let rounded = bytes.next_multiple_of(HUGE_PAGE_SIZE);
            if offset.is_multiple_of(HUGE_PAGE_SIZE as u64) && size >= offset.saturating_add(rounded as u64) {
                len = rounded;
            }
        }
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        let off = libc::off_t::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: a fresh mapping chosen by the kernel; it aliases no Rust object.
        let raw = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), off) };
        if raw == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // Best effort: transparent huge pages for shared memory, where the system allows them.
        // SAFETY: advice on the range we just mapped; it changes no contents.
        unsafe { libc::madvise(raw, len, libc::MADV_HUGEPAGE) };
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Arc::new(Region { ptr, len, pages, writable }))
    }

    /// Number of pages.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// The address of byte `offset` of page `index`, for an access of `len` bytes that
    /// must lie within that page.
    fn at(&self, index: usize, offset: usize, len: usize) -> Result<*mut u8, PageError> {
        if index >= self.pages {
            return Err(PageError::NoSuchPage(index));
        }
        check(offset, len)?;
        // SAFETY: `index < pages` and `offset + len <= PAGE_SIZE` (checked above), so the
        // address and the `len` bytes after it are inside the mapping (`pages * PAGE_SIZE
        // <= len`).
        Ok(unsafe { self.ptr.as_ptr().add(index * PAGE_SIZE + offset) })
    }

    /// [`prefetch`] of `len` bytes at `offset` of page `index`; nothing for a range outside
    /// the region.
    #[inline]
    pub fn prefetch(&self, index: usize, offset: usize, len: usize, write: bool) {
        if let Ok(p) = self.at(index, offset, len) {
            prefetch(p, len, write);
        }
    }

    /// Copies `buf.len()` bytes at `offset` of page `index` out of the region (what
    /// [`SharedPage::read`] does on [`page`](Self::page)`(index)`, without making it).
    pub fn read(&self, index: usize, offset: usize, buf: &mut [u8]) -> Result<(), PageError> {
        let src = self.at(index, offset, buf.len())?;
        // SAFETY: the range is inside the mapping (`at`); `buf` is our own memory, not in
        // the region. The peer may write the range concurrently: plain bytes, copied once.
        unsafe { std::ptr::copy_nonoverlapping(src, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` into page `index` at `offset` (as [`SharedPage::write`]).
    pub fn write(&self, index: usize, offset: usize, data: &[u8]) -> Result<(), PageError> {
        let dst = self.at(index, offset, data.len())?;
        if !self.writable {
            return Err(PageError::ReadOnly);
        }
        // SAFETY: inside the mapping (`at`), which is writable; `data` is not in the region.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
        Ok(())
    }

    /// Page `index` (panics beyond [`pages`](Self::pages)); it keeps the region mapped.
    pub fn page(self: &Arc<Self>, index: usize) -> SharedPage {
        assert!(index < self.pages, "page {index} of a {}-page region", self.pages);
        // SAFETY: `index * PAGE_SIZE + PAGE_SIZE <= pages * PAGE_SIZE <= len`: inside the mapping.
        let ptr = unsafe { NonNull::new_unchecked(self.ptr.as_ptr().add(index * PAGE_SIZE)) };
        SharedPage { ptr, backing: Backing::Region(self.clone()), writable: self.writable }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: mapped in `map_fd` with this length, unmapped once; every `SharedPage` into
        // it holds an `Arc` of the region, so none is left.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Region").field("ptr", &self.ptr).field("pages", &self.pages).field("len", &self.len).finish()
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
            // The region unmaps itself when its last page goes.
            Backing::Region(_) => {}
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
    use std::os::fd::AsFd;

    #[test]
    fn a_shared_word_reads_what_the_peer_stores_and_keeps_its_page() {
        let page = Arc::new(SharedPage::new_zeroed());
        let word = SharedPage::word(&page, 8);
        assert_eq!(word.load(), 0);
        page.atomic_u32(8).store(0xdead_beef, std::sync::atomic::Ordering::Relaxed);
        page.atomic_u32(4).store(1, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(word.load(), 0xdead_beef);
        assert!(Arc::ptr_eq(word.page(), &page));
        // The word holds the page: dropping every other handle leaves it readable.
        drop(page);
        assert_eq!(word.load(), 0xdead_beef);
    }

    #[test]
    #[should_panic(expected = "bad atomic offset")]
    fn a_shared_word_must_be_aligned() {
        let _ = SharedPage::word(&Arc::new(SharedPage::new_zeroed()), 6);
    }

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

    #[test]
    fn region_pages_are_the_file_pages() {
        let f = crate::sys::memfd("region", 4 * PAGE_SIZE as u64).unwrap();
        let region = Region::map_fd(f.as_fd(), PAGE_SIZE as u64, 3, true).unwrap();
        assert_eq!(region.pages(), 3);
        let pages: Vec<SharedPage> = (0..3).map(|i| region.page(i)).collect();
        drop(region);
        // Each region page is the file's page at the same offset (mapped separately here).
        for (i, p) in pages.iter().enumerate() {
            p.write(8, &[i as u8 + 1; 4]).unwrap();
            let single = SharedPage::map_fd(f.as_fd(), (i as u64 + 1) * PAGE_SIZE as u64, false).unwrap();
            let mut b = [0u8; 4];
            single.read(8, &mut b).unwrap();
            assert_eq!(b, [i as u8 + 1; 4]);
        }
        // The pages outlive the `Arc` they came from: the mapping goes with the last of them.
        drop(pages);
        // A region must lie within the file.
        assert!(Region::map_fd(f.as_fd(), 2 * PAGE_SIZE as u64, 3, true).is_err());
        assert!(Region::map_fd(f.as_fd(), 0, 0, true).is_err());
    }

    #[test]
    fn region_reads_and_writes_are_its_pages_and_checked() {
        let f = crate::sys::memfd("region-rw", 3 * PAGE_SIZE as u64).unwrap();
        let region = Region::map_fd(f.as_fd(), 0, 3, true).unwrap();
        region.write(2, 100, b"abc").unwrap();
        let mut b = [0u8; 3];
        region.page(2).read(100, &mut b).unwrap();
        assert_eq!(&b, b"abc");
        region.page(1).write(PAGE_SIZE - 3, b"xyz").unwrap();
        region.read(1, PAGE_SIZE - 3, &mut b).unwrap();
        assert_eq!(&b, b"xyz");
        assert_eq!(region.read(3, 0, &mut b), Err(PageError::NoSuchPage(3)));
        assert_eq!(region.write(usize::MAX, 0, b"a"), Err(PageError::NoSuchPage(usize::MAX)));
        assert_eq!(region.read(1, PAGE_SIZE - 2, &mut b), Err(PageError::OutOfPage { offset: PAGE_SIZE - 2, len: 3 }));
        assert!(region.write(0, usize::MAX, b"a").is_err());
        let ro = Region::map_fd(crate::sys::reopen_read_only(f.as_fd()).unwrap().as_fd(), 0, 3, false).unwrap();
        assert_eq!(ro.write(0, 0, b"a"), Err(PageError::ReadOnly));
        ro.read(2, 100, &mut b).unwrap();
        assert_eq!(&b, b"abc");
    }

    #[test]
    #[should_panic(expected = "page 2 of a 2-page region")]
    fn region_pages_beyond_the_end_panic() {
        let f = crate::sys::memfd("region", 2 * PAGE_SIZE as u64).unwrap();
        let _ = Region::map_fd(f.as_fd(), 0, 2, true).unwrap().page(2);
    }

    #[test]
    fn huge_page_memory_maps_or_fails_cleanly() {
        // With huge pages reserved (`/proc/sys/vm/nr_hugepages`) the file maps and holds
        // whole huge pages; without, creating it works and mapping fails with an error (the
        // hypervisor then falls back on ordinary pages).
        let f = crate::sys::memfd_huge("huge", 3 * PAGE_SIZE as u64).unwrap();
        match Region::map_fd(f.as_fd(), 0, 3, true) {
            Ok(r) => {
                assert_eq!(r.len, HUGE_PAGE_SIZE);
                r.page(2).write(0, &[7]).unwrap();
            }
            Err(e) => assert!(e.raw_os_error().is_some(), "{e}"),
        }
    }
}
