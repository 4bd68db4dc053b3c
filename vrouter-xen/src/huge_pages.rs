//! Huge pages for the domains' memory: how many a domain uses, and a reservation that
//! lends the system's pool enough of them for a host's lifetime.
//!
//! A domain's bulk memory (its RX and TX buffers) is one file mapped at once
//! ([`crate::shm::Region`]), in 2 MiB pages when the system's pool
//! (`/proc/sys/vm/nr_hugepages`) has some free, else in 4 KiB ones. The difference shows at
//! scale: every frame sits in a page of its own, so at 64 networks the demux copies into and
//! out of some 33,000 pages, far more than the TLB holds, and the copies wait on page walks
//! as well as on the frames' lines (the scale benchmark: 64 networks 6.1 M frames/s with
//! huge pages against 5.4-5.8 M without, same session; one network the same). Xen backs a
//! guest's memory with 2 MiB superpages where it can, so huge pages are also the faithful
//! model. The pool is a system setting, empty by default; [`HugePageReserve`] raises it by
//! what is missing and gives it back when dropped.

use crate::abi::PAGE_SIZE;
use crate::hv::{MAPPABLE_FRAMES, SMALL_DOMAIN_FRAMES};
use crate::shm::HUGE_PAGE_SIZE;
use std::io;
use std::path::{Path, PathBuf};

/// Where the kernel keeps the size of its pool of 2 MiB pages.
pub const NR_HUGEPAGES: &str = "/proc/sys/vm/nr_hugepages";

/// Huge pages a domain of `nr_frames` frames uses for its bulk memory when the system has
/// them to lend (see [`crate::hv::HvCore::create_domain`]): none for a small domain, whose
/// frames are files of their own.
pub fn pages_for_domain(nr_frames: u32) -> u64 {
    if nr_frames <= SMALL_DOMAIN_FRAMES {
        return 0;
    }
    let bytes = u64::from(nr_frames - MAPPABLE_FRAMES) * PAGE_SIZE as u64;
    bytes.div_ceil(HUGE_PAGE_SIZE as u64)
}

/// Huge pages of the pool that nobody has claimed: `HugePages_Free` less `HugePages_Rsvd`
/// (promised to mappings that have not touched them yet) in a `/proc/meminfo` text.
pub fn available_in(meminfo: &str) -> Option<u64> {
    let field =
        |name: &str| meminfo.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':')?.trim().parse::<u64>().ok());
    Some(field("HugePages_Free")?.saturating_sub(field("HugePages_Rsvd").unwrap_or(0)))
}

/// Huge pages of the pool available now.
pub fn available() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/meminfo")?;
    available_in(&text).ok_or_else(|| io::Error::other("/proc/meminfo has no HugePages_Free"))
}

/// The pool's size (`/proc/sys/vm/nr_hugepages`).
pub fn pool_size() -> io::Result<u64> {
    read_count(Path::new(NR_HUGEPAGES))
}

/// Huge pages added to the system's pool for as long as this lives; dropping it takes
/// back what it added (pages still mapped then are freed by the kernel when unmapped).
#[derive(Debug)]
pub struct HugePageReserve {
    path: PathBuf,
    added: u64,
}

impl HugePageReserve {
    /// Makes sure `pages` huge pages are available, raising the pool by what is missing.
    /// Needs root (or the pool already large enough). The kernel may find fewer free 2 MiB
    /// stretches of memory than asked for; [`added`](Self::added) tells what it gave.
    pub fn ensure(pages: u64) -> io::Result<HugePageReserve> {
        let missing = pages.saturating_sub(available()?);
        HugePageReserve::raise(Path::new(NR_HUGEPAGES), missing)
    }

    /// Raises the pool size kept in `path` by `pages` (another file in tests).
    fn raise(path: &Path, pages: u64) -> io::Result<HugePageReserve> {
        let mut r = HugePageReserve { path: path.to_path_buf(), added: 0 };
        if pages == 0 {
            return Ok(r);
        }
        let before = read_count(path)?;
        std::fs::write(path, (before + pages).to_string())?;
        // The kernel sets the pool to what it could allocate, which may be less.
        r.added = read_count(path)?.saturating_sub(before);
        Ok(r)
    }

    /// Huge pages this reservation added to the pool.
    pub fn added(&self) -> u64 {
        self.added
    }
}

impl Drop for HugePageReserve {
    fn drop(&mut self) {
        if self.added == 0 {
            return;
        }
        // Best effort: read again, since others may have changed the pool meanwhile, and
        // take back only what was added.
        if let Ok(now) = read_count(&self.path) {
            let _ = std::fs::write(&self.path, now.saturating_sub(self.added).to_string());
        }
    }
}

fn read_count(path: &Path) -> io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    text.trim().parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {text:?}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_domain_uses_none_and_a_large_one_whole_huge_pages() {
        assert_eq!(pages_for_domain(SMALL_DOMAIN_FRAMES), 0);
        assert_eq!(pages_for_domain(SMALL_DOMAIN_FRAMES + 1), 1);
        let per_huge = (HUGE_PAGE_SIZE / PAGE_SIZE) as u32;
        assert_eq!(pages_for_domain(MAPPABLE_FRAMES + per_huge), 1);
        assert_eq!(pages_for_domain(MAPPABLE_FRAMES + per_huge + 1), 2);
    }

    #[test]
    fn available_pages_leave_out_the_reserved_ones() {
        let text = "MemTotal: 1 kB\nHugePages_Total:     300\nHugePages_Free:      280\n\
                    HugePages_Rsvd:       30\nHugePages_Surp:        0\n";
        assert_eq!(available_in(text), Some(250));
        assert_eq!(available_in("HugePages_Free: 7\n"), Some(7));
        assert_eq!(available_in("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn a_reservation_adds_to_the_pool_and_takes_back_only_what_it_added() {
        let dir = std::env::temp_dir().join(format!("vrouter-huge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nr_hugepages");
        std::fs::write(&path, "5\n").unwrap();
        let r = HugePageReserve::raise(&path, 3).unwrap();
        assert_eq!(r.added(), 3);
        assert_eq!(read_count(&path).unwrap(), 8);
        // Someone else raises the pool meanwhile: theirs stays.
        std::fs::write(&path, "10").unwrap();
        drop(r);
        assert_eq!(read_count(&path).unwrap(), 7);
        let none = HugePageReserve::raise(&path, 0).unwrap();
        assert_eq!(none.added(), 0);
        drop(none);
        assert_eq!(read_count(&path).unwrap(), 7);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
