//! A huge page reservation on the real system (root): the pool grows, a domain's bulk
//! memory goes in huge pages, and the pool is given back. Its own test binary, so that no
//! other test takes the page meanwhile.

use std::os::fd::AsFd;
use std::path::Path;
use vrouter_xen::huge_pages::{HugePageReserve, NR_HUGEPAGES, available};

fn pool() -> Option<u64> {
    vrouter_xen::huge_pages::pool_size().ok()
}

#[test]
fn a_reservation_lends_real_huge_pages_and_gives_them_back() {
    let (Some(before), true) = (pool(), Path::new(NR_HUGEPAGES).exists()) else {
        eprintln!("skipped: no {NR_HUGEPAGES}");
        return;
    };
    let r = match HugePageReserve::ensure(available().unwrap() + 1) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skipped: cannot raise {NR_HUGEPAGES} here ({e}; needs root)");
            return;
        }
    };
    if r.added() == 0 {
        eprintln!("skipped: the kernel found no free 2 MiB of memory");
        return;
    }
    assert_eq!(pool(), Some(before + r.added()));
    // Memory for a domain now comes in a huge page: mapping a hugetlbfs file succeeds only
    // when the pool has a page for it.
    let fd = vrouter_xen::sys::memfd_huge("t", 4096).unwrap();
    let region = vrouter_xen::shm::Region::map_fd(fd.as_fd(), 0, 1, true).unwrap();
    region.page(0).write(0, b"huge").unwrap();
    drop(region);
    drop(fd);
    drop(r);
    assert_eq!(pool(), Some(before));
}
