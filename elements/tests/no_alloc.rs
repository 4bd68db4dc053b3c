//! In steady state the packet path allocates nothing: a run of 100,000 packets through
//! source -> counter -> queue -> unqueue -> counter -> discard makes exactly as many heap
//! allocations as a run of 1,000 (the difference is per-run set-up, not per packet).
//!
//! A global allocator counts allocations made by this thread (the one running the router;
//! the test harness's own threads allocate now and then and must not count).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

mod support;

use click_core::{Router, RouterBuilder, RunOptions};
use elements::standard_registry;

struct Counting;

thread_local! {
    // Const-initialized and without a destructor: reading it never allocates.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged, only counting calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn no_allocation_per_packet_in_steady_state() {
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.element("src", "InfiniteSource", "LENGTH 64, LIMIT 1000, BURST 32")
        .element("c1", "Counter", "")
        .element("q", "Queue", "1000")
        .element("u", "Unqueue", "BURST 32")
        .element("c2", "Counter", "")
        .element("d", "Discard", "")
        .chain(&["src", "c1", "q", "u", "c2", "d"]);
    assert_steady(b.build().unwrap(), "BURST 32 through a Queue");
}

/// ../shared/bench/d_queue.click's shape: a BURST 1 source and the Unqueue emptying its
/// queue pair their runs (the Unqueue pushes batches of 32).
#[test]
fn no_allocation_per_packet_through_paired_runs() {
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.element("src", "InfiniteSource", "LENGTH 64, LIMIT 1000")
        .element("q", "Queue", "1000")
        .element("u", "Unqueue", "")
        .element("c", "Counter", "")
        .element("d", "Discard", "")
        .chain(&["src", "q", "u", "c", "d"]);
    assert_steady(b.build().unwrap(), "paired runs");
}

/// Runs `r` (a source `src`, LIMIT 1000, ending at Discard `d`) once to warm up (filling
/// the packet pool, sizing every batch), then for 1,000 and for 100,000 packets: both must
/// allocate as often.
fn assert_steady(mut r: Router, what: &str) {
    let idle = RunOptions { stop_when_idle: true };
    r.run_with(idle);
    assert_eq!(r.read_handler("d.count").unwrap(), "1000");
    let mut measure = |limit: u64| {
        r.write_handler("src.limit", &limit.to_string()).unwrap();
        r.write_handler("src.reset", "").unwrap();
        r.write_handler("d.reset_counts", "").unwrap();
        let before = allocations();
        r.run_with(idle);
        let after = allocations();
        assert_eq!(r.read_handler("d.count").unwrap(), limit.to_string());
        after - before
    };
    let small = measure(1_000);
    let large = measure(100_000);
    assert_eq!(
        large, small,
        "{what}: 100,000 packets allocated {large} times, 1,000 packets {small} times: something allocates per packet"
    );
}

#[test]
fn no_allocation_per_packet_on_the_ip_fast_path() {
    // ../shared/bench/c_iprouter.click's path: classification, header check, route lookup
    // (nested classifiers), TTL decrement of shared clones (copy on write), encapsulation;
    // one packet per task run, and batches of runs (the default here).
    for task_runs in [1, click_core::runtime::DEFAULT_TASK_RUNS] {
        ip_fast_path_allocations(task_runs);
    }
}

fn ip_fast_path_allocations(task_runs: u32) {
    let frame = "\\<000000000002000000000001080045000032000000004011ae0dc0a801010a00010504d2162e001e000000000000000000000000000000000000000000000000>";
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.element("src", "InfiniteSource", &format!("DATA {frame}, LIMIT 1000"))
        .element("cl", "Classifier", "12/0800, -")
        .element("strip", "Strip", "14")
        .element("chk", "CheckIPHeader", "")
        .element("rt", "RadixIPLookup", "10.0.1.0/24 0, 0.0.0.0/0 18.26.4.1 1")
        .element("dec", "DecIPTTL", "")
        .element("encap", "EtherEncap", "0x0800, 00:00:00:00:00:01, 00:00:00:00:00:02")
        .element("d", "Discard", "")
        .element("d1", "Discard", "")
        .element("d2", "Discard", "")
        .chain(&["src", "cl", "strip", "chk", "rt", "dec", "encap", "d"])
        .connect("cl", 1, "d1", 0)
        .connect("rt", 1, "d2", 0);
    let mut r = b.build().unwrap();
    r.set_task_runs(task_runs);
    assert_steady(r, &format!("the IP fast path, task runs {task_runs}"));
}

/// A 64-byte Ethernet/IPv4/UDP frame (c_iprouter.click's).
const FRAME: [u8; 64] = [
    0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 8, 0, 0x45, 0, 0, 0x32, 0, 0, 0, 0, 0x40, 0x11, 0xae, 0x0d, 192, 168, 1, 1, 10,
    0, 1, 5, 4, 0xd2, 0x16, 0x2e, 0, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

#[test]
fn no_allocation_per_packet_reading_a_dump() {
    let dir = std::env::temp_dir().join(format!("vrouter-no-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let registry = standard_registry();
    let measure = |name: &str, n: usize| {
        let path = dir.join(name);
        support::write_pcap(&path, std::iter::repeat_n(FRAME, n));
        let mut b = RouterBuilder::new(&registry);
        b.element("src", "FromDump", &format!("{}, STOP true, TIMING false", path.display()))
            .element("strip", "Strip", "14")
            .element("chk", "CheckIPHeader", "")
            .element("d", "Discard", "")
            .chain(&["src", "strip", "chk", "d"]);
        let mut r = b.build().unwrap();
        let before = allocations();
        r.run_with(RunOptions { stop_when_idle: true });
        let after = allocations();
        assert_eq!(r.read_handler("d.count").unwrap(), n.to_string());
        after - before
    };
    // Once to fill the packet pool, then the two measured runs.
    measure("warm.pcap", 2_000);
    let small = measure("small.pcap", 1_000);
    let large = measure("large.pcap", 50_000);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(large, small, "50,000 records allocated {large} times, 1,000 records {small} times");
}
