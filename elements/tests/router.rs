//! Routers built programmatically and from flat graphs: running, push-to-pull, agnostic
//! resolution, threads, handlers, and every misuse Click rejects.

use click_core::config_lang::{FlatElement, FlatGraph, Location};
use click_core::runtime::DEFAULT_TASK_RUNS;
use click_core::{Router, RouterBuilder, RunOptions};
use elements::standard::{Counter, Discard, InfiniteSource};
use elements::standard_registry;

fn flat(elements: &[(&str, &str, &str)], connections: &[(&str, usize, &str, usize)]) -> FlatGraph {
    let mut g = FlatGraph::new();
    for (i, (name, class, config)) in elements.iter().enumerate() {
        g.add_element(FlatElement {
            name: name.to_string(),
            class: class.to_string(),
            config: config.to_string(),
            location: Some(Location::new("test.click", i as u32 + 1, 1)),
        })
        .unwrap();
    }
    for (i, (a, ap, b, bp)) in connections.iter().enumerate() {
        let (a, b) = (g.find(a).unwrap(), g.find(b).unwrap());
        g.connect(a, *ap, b, *bp, Some(Location::new("test.click", 100 + i as u32, 5))).unwrap();
    }
    g
}

fn build(elements: &[(&str, &str, &str)], connections: &[(&str, usize, &str, usize)]) -> Result<Router, String> {
    let registry = standard_registry();
    Router::from_flat(&flat(elements, connections), &registry).map_err(|e| e.to_string())
}

#[test]
fn programmatic_router_runs_through_a_queue() {
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.add("src", InfiniteSource::new(64, 1000, 8, true))
        .add("c1", Counter::default())
        .element("q", "Queue", "100")
        .element("u", "Unqueue", "BURST 16")
        .add("c2", Counter::default())
        .add("sink", Discard::default())
        .chain(&["src", "c1", "q", "u", "c2", "sink"]);
    let mut r = b.build().unwrap();
    r.run();
    assert_eq!(r.read_handler("src.count").unwrap(), "1000");
    assert_eq!(r.read_handler("c1.count").unwrap(), "1000");
    assert_eq!(r.read_handler("c1.byte_count").unwrap(), "64000");
    // The source stops the router when its limit is reached; the queue may still hold some.
    let queued: u64 = r.read_handler("q.length").unwrap().parse().unwrap();
    let drops: u64 = r.read_handler("q.drops").unwrap().parse().unwrap();
    let passed: u64 = r.read_handler("c2.count").unwrap().parse().unwrap();
    assert_eq!(passed + queued + drops, 1000);
    assert_eq!(r.read_handler("sink.count").unwrap(), passed.to_string());
    assert_eq!(r.port_processing(r.find("q").unwrap()), ("h".into(), "l".into()));
}

#[test]
fn flat_graph_router_and_agnostic_resolution() {
    let mut r = build(
        &[
            ("src", "InfiniteSource", "LENGTH 60, LIMIT 500, BURST 32"),
            ("c", "Counter", ""),
            ("q", "Queue", ""),
            ("n", "Null", ""),
            ("c2", "Counter", ""),
            ("u", "Unqueue", "BURST 64"),
            ("d", "Discard", ""),
        ],
        &[
            ("src", 0, "c", 0),
            ("c", 0, "q", 0),
            ("q", 0, "n", 0),
            ("n", 0, "c2", 0),
            ("c2", 0, "u", 0),
            ("u", 0, "d", 0),
        ],
    )
    .unwrap();
    // Counter and Null between Queue and Unqueue become pull; the rest push.
    for (name, io) in [("c", ("h", "h")), ("n", ("l", "l")), ("c2", ("l", "l")), ("d", ("h", ""))] {
        let i = r.find(name).unwrap();
        assert_eq!(r.port_processing(i), (io.0.to_string(), io.1.to_string()), "{name}");
    }
    r.run_with(RunOptions { stop_when_idle: true });
    assert_eq!(r.read_handler("c.count").unwrap(), "500");
    assert_eq!(r.read_handler("c2.count").unwrap(), "500");
    assert_eq!(r.read_handler("d.count").unwrap(), "500");
    assert_eq!(r.read_handler("q.highwater_length").unwrap(), "32");
}

#[test]
fn pull_sink_drains_a_queue() {
    // Discard in pull context gets its own task.
    let mut r = build(
        &[("src", "InfiniteSource", "LIMIT 300, BURST 10"), ("q", "Queue", "50"), ("d", "Discard", "")],
        &[("src", 0, "q", 0), ("q", 0, "d", 0)],
    )
    .unwrap();
    r.run_with(RunOptions { stop_when_idle: true });
    let d: u64 = r.read_handler("d.count").unwrap().parse().unwrap();
    let drops: u64 = r.read_handler("q.drops").unwrap().parse().unwrap();
    assert_eq!(d + drops, 300);
    assert_eq!(r.read_handler("q.length").unwrap(), "0");
}

#[test]
fn source_in_pull_context() {
    let mut r = build(
        &[("src", "InfiniteSource", "LIMIT 7, STOP true"), ("u", "Unqueue", ""), ("d", "Discard", "")],
        &[("src", 0, "u", 0), ("u", 0, "d", 0)],
    )
    .unwrap();
    r.run();
    assert_eq!(r.read_handler("d.count").unwrap(), "7");
}

#[test]
fn tee_clones_in_order() {
    let mut r = build(
        &[
            ("src", "InfiniteSource", "LIMIT 5, BURST 5"),
            ("t", "Tee", "3"),
            ("a", "Discard", ""),
            ("b", "Counter", ""),
            ("c", "Discard", ""),
            ("d", "Discard", ""),
        ],
        &[("src", 0, "t", 0), ("t", 0, "a", 0), ("t", 1, "b", 0), ("b", 0, "c", 0), ("t", 2, "d", 0)],
    )
    .unwrap();
    r.run_with(RunOptions { stop_when_idle: true });
    for e in ["a", "c", "d"] {
        assert_eq!(r.read_handler(&format!("{e}.count")).unwrap(), "5");
    }
}

#[test]
fn push_output_into_pull_input_is_rejected() {
    let e = build(
        &[("src", "InfiniteSource", ""), ("u", "Unqueue", ""), ("d", "Discard", "")],
        &[("src", 0, "u", 0), ("u", 0, "d", 0)],
    );
    // A source is agnostic, so this one is fine; a Counter in push context feeding Unqueue is not.
    assert!(e.is_ok());
    let e = build(
        &[("src", "InfiniteSource", ""), ("t", "Tee", ""), ("u", "Unqueue", ""), ("d", "Discard", "")],
        &[("src", 0, "t", 0), ("t", 0, "u", 0), ("u", 0, "d", 0)],
    )
    .err()
    .unwrap();
    assert!(e.contains("test.click:101:5: 't' push output 0 connected to 'u' pull input 0"), "{e}");
}

#[test]
fn agnostic_in_mixed_context_is_rejected() {
    let e = build(
        &[
            ("src", "InfiniteSource", ""),
            ("q", "Queue", ""),
            ("c", "Counter", ""),
            ("t", "Tee", ""),
            ("d", "Discard", ""),
        ],
        // c's input is pulled from the queue but its output pushes into a push-only Tee.
        &[("src", 0, "q", 0), ("q", 0, "c", 0), ("c", 0, "t", 0), ("t", 0, "d", 0)],
    )
    .err()
    .unwrap();
    assert!(e.contains("agnostic 'c' in mixed context: pull input 0, push output 0"), "{e}");
}

#[test]
fn push_output_used_twice_is_rejected() {
    let e = build(
        &[("src", "InfiniteSource", ""), ("a", "Discard", ""), ("b", "Discard", "")],
        &[("src", 0, "a", 0), ("src", 0, "b", 0)],
    )
    .err()
    .unwrap();
    assert!(e.contains("test.click:101:5: illegal reuse of 'src' push output 0"), "{e}");
    assert!(e.contains("'src' output 0 previously used here"), "{e}");
}

#[test]
fn pull_input_used_twice_is_rejected() {
    let e = build(
        &[
            ("s1", "InfiniteSource", ""),
            ("s2", "InfiniteSource", ""),
            ("q1", "Queue", ""),
            ("q2", "Queue", ""),
            ("u", "Unqueue", ""),
            ("d", "Discard", ""),
        ],
        &[("s1", 0, "q1", 0), ("s2", 0, "q2", 0), ("q1", 0, "u", 0), ("q2", 0, "u", 0), ("u", 0, "d", 0)],
    )
    .err()
    .unwrap();
    assert!(e.contains("illegal reuse of 'u' pull input 0"), "{e}");
}

#[test]
fn unused_ports_are_rejected() {
    let e = build(&[("src", "InfiniteSource", ""), ("c", "Counter", "")], &[("src", 0, "c", 0)]).err().unwrap();
    assert!(e.contains("test.click:2:1: 'c' output 0 unused"), "{e}");
    let e = build(&[("d", "Discard", "")], &[]).err().unwrap();
    assert!(e.contains("'d' input 0 unused"), "{e}");
}

#[test]
fn ports_out_of_range_are_rejected() {
    let e = build(
        &[("src", "InfiniteSource", ""), ("c", "Counter", ""), ("d", "Discard", "")],
        &[("src", 0, "c", 0), ("c", 0, "d", 0), ("c", 1, "d", 0), ("src", 0, "d", 3)],
    )
    .err()
    .unwrap();
    assert!(e.contains("test.click:102:5: 'c' has no output 1"), "{e}");
    assert!(e.contains("'d' has no input 3"), "{e}");
}

#[test]
fn all_errors_are_reported_together() {
    let e = build(
        &[("src", "InfiniteSource", "LENGTH lots"), ("c", "Countr", ""), ("d", "Discard", ""), ("x", "Counter", "")],
        &[("src", 0, "c", 0), ("c", 0, "d", 0), ("x", 2, "d", 0)],
    )
    .err()
    .unwrap();
    assert!(e.contains("test.click:2:1: unknown element class 'Countr'"), "{e}");
    assert!(e.contains("hint: did you mean 'Counter'?"), "{e}");
    assert!(e.contains("'x' has no output 2"), "{e}");
    assert!(e.contains("'x' input 0 unused"), "{e}");
    assert!(
        e.contains(
            "test.click:1:1: while configuring 'src :: InfiniteSource': LENGTH: expected unsigned integer, got 'lots'"
        ),
        "{e}"
    );
}

#[test]
fn configuration_errors_name_element_and_argument() {
    let e = build(
        &[("q", "Queue", "10, BOGUS 3"), ("s", "InfiniteSource", ""), ("u", "Unqueue", ""), ("d", "Discard", "")],
        &[("s", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "d", 0)],
    )
    .err()
    .unwrap();
    assert!(e.contains("while configuring 'q :: Queue': BOGUS: unknown argument"), "{e}");
    assert!(e.contains("hint: see `vrouter elements Queue`"), "{e}");
}

#[test]
fn two_threads_through_a_queue() {
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.element("src", "InfiniteSource", "LENGTH 64, LIMIT 20000, BURST 32")
        .element("c1", "Counter", "")
        .element("q", "Queue", "20000")
        .element("u", "Unqueue", "BURST 32")
        .element("c2", "Counter", "")
        .element("d", "Discard", "")
        .chain(&["src", "c1", "q", "u", "c2", "d"])
        .thread("u", 1);
    let mut r = b.build().unwrap();
    assert_eq!(r.thread_count(), 2);
    assert_eq!(r.thread_of(r.find("c1").unwrap()), 0);
    assert_eq!(r.thread_of(r.find("q").unwrap()), 1, "the queue is pulled on thread 1");
    assert_eq!(r.thread_of(r.find("d").unwrap()), 1);
    let handle = r.handle();
    let watcher = std::thread::spawn(move || {
        // Stop once everything has arrived.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            let arrived: u64 = handle.read("d.count").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
            let dropped: u64 = handle.read("drops").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
            if arrived + dropped == 20000 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        handle.stop();
    });
    let report = r.run();
    watcher.join().unwrap();
    let crossed = 20000 - report.crossing_drops;
    assert_eq!(r.read_handler("c1.count").unwrap(), "20000");
    assert_eq!(r.read_handler("d.count").unwrap(), crossed.to_string());
}

#[test]
fn static_thread_sched_from_a_configuration() {
    let r = build(
        &[
            ("src", "InfiniteSource", "LIMIT 10"),
            ("q", "Queue", ""),
            ("u", "Unqueue", ""),
            ("d", "Discard", ""),
            ("sched", "StaticThreadSched", "u 1"),
        ],
        &[("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "d", 0)],
    )
    .unwrap();
    assert_eq!(r.thread_count(), 2);
    assert_eq!(r.thread_of(r.find("src").unwrap()), 0);
    assert_eq!(r.thread_of(r.find("u").unwrap()), 1);
    let e = build(&[("sched", "StaticThreadSched", "nosuch 1")], &[]).err().unwrap();
    assert!(e.contains("StaticThreadSched: no element named 'nosuch'"), "{e}");
}

#[test]
fn handlers_while_running_and_router_handlers() {
    let mut r = build(
        &[("src", "InfiniteSource", "LENGTH 64, BURST 4"), ("c", "Counter", ""), ("d", "Discard", "")],
        &[("src", 0, "c", 0), ("c", 0, "d", 0)],
    )
    .unwrap();
    assert_eq!(r.read_handler("list").unwrap(), "3\nsrc\nc\nd\n");
    assert_eq!(r.read_handler("classes").unwrap(), "Counter\nDiscard\nInfiniteSource\n");
    assert_eq!(r.read_handler("c.class").unwrap(), "Counter");
    assert_eq!(r.read_handler("src.config").unwrap(), "LENGTH 64, BURST 4");
    // Click's format: name, tab, r/w and the other flags; newest first.
    let handlers = r.read_handler("c.handlers").unwrap();
    assert!(handlers.contains("byte_count\tr\n") && handlers.contains("reset\twb\n"), "{handlers}");
    assert!(handlers.ends_with("class\tr.\nname\tr.\n"), "{handlers}");
    assert_eq!(r.read_handler("c.ports").unwrap(), "1 input\npush~\t-\tsrc [0]\n1 output\npush~\t-\t[0] d\n");
    assert!(r.read_handler("flatconfig").unwrap().contains("src [0] -> [0] c;"));
    assert!(r.read_handler("c.nosuch").is_err());
    assert!(r.read_handler("nosuch.count").is_err());

    let handle = r.handle();
    let driver = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        // Wait for the router to start and count something.
        let mut seen = 0u64;
        while std::time::Instant::now() < deadline && seen < 1000 {
            seen = handle.read("c.count").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        handle.write("src.active", "false").unwrap();
        handle.write("c.reset", "").unwrap();
        let after_reset: u64 = handle.read("c.count").unwrap().parse().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let later: u64 = handle.read("c.count").unwrap().parse().unwrap();
        handle.stop();
        (seen, after_reset, later)
    });
    r.run();
    let (seen, after_reset, later) = driver.join().unwrap();
    assert!(seen >= 1000);
    assert_eq!(after_reset, 0);
    assert_eq!(later, 0, "the source was deactivated");
    assert!(r.handle().read("c.count").is_err(), "not running any more");
}

#[test]
fn very_long_chains_do_not_exhaust_the_stack() {
    // 2,000 Null elements in a row, on a spawned thread with a small stack: hand-offs beyond
    // the direct-call depth limit are queued instead of recursing.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let registry = standard_registry();
            let mut b = RouterBuilder::new(&registry);
            b.element("src", "InfiniteSource", "LIMIT 10, BURST 2").element("d", "Discard", "");
            let mut names = vec!["src".to_string()];
            for i in 0..2000 {
                let n = format!("n{i}");
                b.element(&n, "Null", "");
                names.push(n);
            }
            names.push("d".into());
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            b.chain(&refs);
            let mut r = b.build().unwrap();
            r.run_with(RunOptions { stop_when_idle: true });
            r.read_handler("d.count").unwrap()
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), "10");
}

/// A source driven by a socket: each byte read becomes a packet; `q` stops the router. It
/// has no task, so the router's thread only runs it when its descriptor is readable.
struct SocketSource {
    sock: std::os::unix::net::UnixStream,
}

impl click_core::Element for SocketSource {
    fn class_name(&self) -> &'static str {
        "SocketSource"
    }
    fn port_count(&self) -> &'static str {
        "0/1"
    }
    fn processing(&self) -> &'static str {
        "h"
    }
    fn initialize(&mut self, cx: &mut click_core::InitContext<'_>) -> Result<(), String> {
        use std::os::fd::AsRawFd;
        cx.add_select(self.sock.as_raw_fd());
        Ok(())
    }
    fn selected(&mut self, cx: &mut click_core::Context<'_>, _fd: std::os::fd::RawFd) {
        use std::io::Read;
        let mut buf = [0u8; 64];
        let n = match self.sock.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(_) => 0,
        };
        if n == 0 {
            use std::os::fd::AsRawFd;
            cx.remove_select(self.sock.as_raw_fd());
        }
        for &b in &buf[..n] {
            if b == b'q' {
                cx.stop_router();
            } else {
                cx.output(0, click_core::Packet::from_slice(&[b; 60]));
            }
        }
    }
}

#[test]
fn selected_descriptor_wakes_a_sleeping_thread() {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.add("src", SocketSource { sock: ours }).add("c", Counter::default()).add("sink", Discard::default());
    b.chain(&["src", "c", "sink"]);
    let mut r = b.build().unwrap();
    let handle = r.handle();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut theirs = theirs;
        // Let the router's thread go to sleep first: nothing but the socket can wake it.
        std::thread::sleep(std::time::Duration::from_millis(100));
        theirs.write_all(b"abc").unwrap();
        let t0 = std::time::Instant::now();
        while handle.read("c.count").unwrap() != "3" {
            assert!(t0.elapsed() < std::time::Duration::from_secs(20), "packets never arrived");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        theirs.write_all(b"dq").unwrap();
        theirs
    });
    r.run();
    let _theirs = writer.join().unwrap();
    assert_eq!(r.read_handler("c.count").unwrap(), "4");
}

#[test]
fn drops_is_readable_but_not_listed() {
    // vrouter's own router handler stays out of the listing, which is Click's.
    let r = build(&[("i", "Idle", ""), ("d", "Discard", "")], &[("i", 0, "d", 0)]).unwrap();
    assert_eq!(r.read_handler("drops").unwrap(), "0");
    assert!(r.handler_info("drops").is_some_and(|h| h.read && !h.write));
    let list = r.read_handler("handlers").unwrap();
    assert!(!list.contains("drops"), "{list}");
    assert!(list.ends_with("timewarp\trw\n"), "{list}");
}

#[test]
fn one_packet_at_a_time_only_with_two_reachable_printers() {
    let src = ("src", "InfiniteSource", "LIMIT 1");
    // One printer: batches everywhere.
    let r = build(&[src, ("a", "Print", "a"), ("d", "Discard", "")], &[("src", 0, "a", 0), ("a", 0, "d", 0)]).unwrap();
    assert!(!r.delivers_one_at_a_time());
    // Two printers packets can reach.
    let two =
        [src, ("a", "Print", "a"), ("t", "Tee", ""), ("b", "Print", "b"), ("d", "Discard", ""), ("e", "Discard", "")];
    let r = build(&two, &[("src", 0, "a", 0), ("a", 0, "t", 0), ("t", 0, "b", 0), ("b", 0, "d", 0), ("t", 1, "e", 0)])
        .unwrap();
    assert!(r.delivers_one_at_a_time());
    // The second printer sits behind Idle and a Classifier (fake-iprouter's spare interface):
    // it can never print, so it does not count.
    let dead = [
        src,
        ("a", "Print", "a"),
        ("d", "Discard", ""),
        ("idle", "Idle", ""),
        ("c", "Classifier", "-"),
        ("b", "Print", "b"),
        ("e", "Discard", ""),
    ];
    let r =
        build(&dead, &[("src", 0, "a", 0), ("a", 0, "d", 0), ("idle", 0, "c", 0), ("c", 0, "b", 0), ("b", 0, "e", 0)])
            .unwrap();
    assert!(!r.delivers_one_at_a_time());
}

/// Runs a router built from `elements` and `connections` until it is idle.
fn run_idle(elements: &[(&str, &str, &str)], connections: &[(&str, usize, &str, usize)]) -> Router {
    let mut r = build(elements, connections).unwrap();
    r.run_with(RunOptions { stop_when_idle: true });
    r
}

fn count(r: &Router, name: &str) -> u64 {
    r.read_handler(&format!("{name}.count")).unwrap().trim().parse().unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Delivering packets one at a time (two printers) loses and duplicates nothing, whatever
    /// the burst: a Tee, a RoundRobinSwitch and a push cycle back into a busy Counter give
    /// the counts they give with batches (one printer).
    #[test]
    fn one_at_a_time_delivery_keeps_every_packet(
        limit in 1u32..24,
        burst in 1u32..7,
        topology in 0usize..3,
        second_printer in proptest::bool::ANY,
    ) {
        let src_config = format!("LENGTH 20, LIMIT {limit}, BURST {burst}");
        let quiet = "x, ACTIVE false";
        let second = if second_printer { "Print" } else { "Null" };
        let n = u64::from(limit);
        let r = match topology {
            0 | 1 => {
                // A Tee copies every packet to both outputs; a RoundRobinSwitch alternates.
                let (class, want) =
                    if topology == 0 { ("Tee", (n, n)) } else { ("RoundRobinSwitch", (n.div_ceil(2), n / 2)) };
                let r = run_idle(
                    &[("src", "InfiniteSource", &src_config), ("a", "Print", quiet), ("t", class, ""),
                      ("b", second, if second_printer { quiet } else { "" }),
                      ("c0", "Counter", ""), ("c1", "Counter", ""), ("d0", "Discard", ""), ("d1", "Discard", "")],
                    &[("src", 0, "a", 0), ("a", 0, "t", 0), ("t", 0, "b", 0), ("b", 0, "c0", 0), ("c0", 0, "d0", 0),
                      ("t", 1, "c1", 0), ("c1", 0, "d1", 0)],
                );
                proptest::prop_assert_eq!((count(&r, "c0"), count(&r, "c1")), want);
                r
            }
            _ => {
                // Painted 1, counted, switched back (painted 2) into the same Counter, then out.
                let r = run_idle(
                    &[("src", "InfiniteSource", &src_config), ("a", "Print", quiet), ("p1", "Paint", "1"),
                      ("c", "Counter", ""), ("ps", "PaintSwitch", ""), ("d0", "Discard", ""), ("p2", "Paint", "2"),
                      ("b", second, if second_printer { quiet } else { "" }), ("out", "Counter", ""),
                      ("d2", "Discard", "")],
                    &[("src", 0, "a", 0), ("a", 0, "p1", 0), ("p1", 0, "c", 0), ("c", 0, "ps", 0), ("ps", 0, "d0", 0),
                      ("ps", 1, "p2", 0), ("p2", 0, "b", 0), ("b", 0, "c", 0), ("ps", 2, "out", 0), ("out", 0, "d2", 0)],
                );
                proptest::prop_assert_eq!((count(&r, "c"), count(&r, "out")), (2 * n, n));
                r
            }
        };
        proptest::prop_assert_eq!(r.delivers_one_at_a_time(), second_printer);
    }
}

/// InfiniteSource sends clones of its template, as Click does, until it sees that an element
/// downstream writes them (each write copies the shared buffer): from then on it sends
/// private copies, and the writes copy nothing. With no writer it keeps sending clones.
#[test]
fn source_stops_cloning_once_its_clones_get_written() {
    let frame = concat!(
        "\\<000000000002000000000001080045000032000000004011ae0dc0a801010a00010504d2162e001e",
        "000000000000000000000000000000000000000000000000>"
    );
    let registry = standard_registry();
    // Runs InfiniteSource(DATA frame, LIMIT 10000, `src_keywords`) -> `path` -> d :: Discard,
    // each task run standing for at most `task_runs`; returns how many packets were copied on
    // write meanwhile.
    let run = |src_keywords: &str, path: &[(&str, &str, &str)], task_runs: u32| {
        let mut b = RouterBuilder::new(&registry);
        b.element("src", "InfiniteSource", &format!("DATA {frame}, LIMIT 10000{src_keywords}"));
        for (name, class, conf) in path {
            b.element(name, class, conf);
        }
        b.element("d", "Discard", "");
        let chain: Vec<&str> = std::iter::once("src").chain(path.iter().map(|e| e.0)).chain(["d"]).collect();
        b.chain(&chain);
        let mut r = b.build().unwrap();
        r.set_task_runs(task_runs);
        let before = click_core::packet::copies_on_write();
        r.run_with(RunOptions { stop_when_idle: true });
        assert_eq!(r.read_handler("d.count").unwrap(), "10000");
        click_core::packet::copies_on_write() - before
    };
    let writers = [("strip", "Strip", "14"), ("chk", "CheckIPHeader", ""), ("dec", "DecIPTTL", "")];
    let written = run("", &writers, 1);
    assert!((1..=64).contains(&written), "{written} of 10,000 packets copied on write");
    // Bursts of many packets are copies from the start, also when the runtime makes them.
    assert_eq!(run(", BURST 32", &writers, 1), 0, "bursts are copies from the start");
    assert_eq!(run("", &writers, DEFAULT_TASK_RUNS), 0, "runs standing for many are bursts");
    // Nobody writes: nothing copied either way.
    assert_eq!(run("", &[], 1), 0);
}
