//! Queues, schedulers, shapers and rated elements, with packets tagged by source.

mod support;

use support::{router, run};

/// Two sources with distinguishable contents into two queues, a scheduler, and a collector.
fn two_class(sched: &str, sched_conf: &str, n: u32) -> (click_core::Router, Vec<support::Collected>) {
    router(
        &[
            ("a", "InfiniteSource", &format!("DATA \\<aa>, LIMIT {n}, BURST {n}")),
            ("b", "InfiniteSource", &format!("DATA \\<bb>, LIMIT {n}, BURST {n}")),
            ("qa", "Queue", "100"),
            ("qb", "Queue", "100"),
            ("s", sched, sched_conf),
            ("u", "Unqueue", ""),
        ],
        &[
            ("a", 0, "qa", 0),
            ("b", 0, "qb", 0),
            ("qa", 0, "s", 0),
            ("qb", 0, "s", 1),
            ("s", 0, "u", 0),
            ("u", 0, "out", 0),
        ],
        &["out"],
    )
}

fn order(c: &support::Collected) -> String {
    c.lock().unwrap().iter().map(|p| if p.data()[0] == 0xaa { 'a' } else { 'b' }).collect()
}

#[test]
fn prio_sched_drains_input_0_first() {
    let (mut r, out) = two_class("PrioSched", "", 5);
    run(&mut r);
    assert_eq!(order(&out[0]), "aaaaabbbbb");
}

#[test]
fn round_robin_sched_alternates() {
    let (mut r, out) = two_class("RoundRobinSched", "", 4);
    run(&mut r);
    assert_eq!(order(&out[0]), "abababab");
}

#[test]
fn stride_sched_shares_by_tickets() {
    let (mut r, out) = two_class("StrideSched", "3, 1", 40);
    run(&mut r);
    let o = order(&out[0]);
    // While both have packets, a gets three turns for each of b's.
    let first = &o[..20];
    let a = first.matches('a').count();
    assert!((14..=16).contains(&a), "{first}");
    assert_eq!(o.len(), 80);
}

#[test]
fn front_drop_queue_keeps_the_newest() {
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", "LIMIT 10, BURST 10"),
            ("n", "Paint", "0"),
            ("q", "FrontDropQueue", "3"),
            ("u", "Unqueue", ""),
        ],
        &[("src", 0, "n", 0), ("n", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "out", 0)],
        &["out"],
    );
    run(&mut r);
    assert_eq!(out[0].lock().unwrap().len(), 3);
    assert_eq!(r.read_handler("q.drops").unwrap(), "7");
    // Tail-drop queue for comparison.
    let (mut r, out) = router(
        &[("src", "InfiniteSource", "LIMIT 10, BURST 10"), ("q", "Queue", "3"), ("u", "Unqueue", "")],
        &[("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "out", 0)],
        &["out"],
    );
    run(&mut r);
    assert_eq!(out[0].lock().unwrap().len(), 3);
    assert_eq!(r.read_handler("q.drops").unwrap(), "7");
}

#[test]
fn shaped_and_rated_paths_deliver_everything() {
    // Functional checks only: every packet arrives and the router stops by itself.
    for (elems, conns) in [
        (
            vec![
                ("src", "InfiniteSource", "LIMIT 20, BURST 20"),
                ("q", "Queue", ""),
                ("s", "Shaper", "2000"),
                ("u", "Unqueue", ""),
            ],
            vec![("src", 0, "q", 0), ("q", 0, "s", 0), ("s", 0, "u", 0), ("u", 0, "out", 0)],
        ),
        (
            vec![
                ("src", "InfiniteSource", "LIMIT 20, BURST 20"),
                ("q", "Queue", ""),
                ("s", "BandwidthShaper", "1MBps"),
                ("u", "Unqueue", ""),
            ],
            vec![("src", 0, "q", 0), ("q", 0, "s", 0), ("s", 0, "u", 0), ("u", 0, "out", 0)],
        ),
        (
            vec![("src", "InfiniteSource", "LIMIT 20, BURST 20"), ("q", "Queue", ""), ("u", "RatedUnqueue", "2000")],
            vec![("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "out", 0)],
        ),
        (
            vec![
                ("src", "InfiniteSource", "LIMIT 20, BURST 20"),
                ("q", "Queue", ""),
                ("u", "BandwidthRatedUnqueue", "10Mbps"),
            ],
            vec![("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "out", 0)],
        ),
        (vec![("src", "RatedSource", "RATE 2000, LIMIT 20")], vec![("src", 0, "out", 0)]),
        (vec![("src", "TimedSource", "1ms, LIMIT 20")], vec![("src", 0, "out", 0)]),
    ] {
        let (mut r, out) = router(&elems, &conns, &["out"]);
        // Shaped paths poll while packets wait, so "idle" is reached only once all are out.
        let handle = r.handle();
        let watcher = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(5));
            handle.stop();
        });
        r.run_with(click_core::RunOptions { stop_when_idle: true });
        assert_eq!(out[0].lock().unwrap().len(), 20, "{elems:?}");
        drop(watcher);
    }
}

#[test]
fn switches_route_as_told() {
    let (mut r, out) = router(
        &[("src", "InfiniteSource", "LIMIT 6, BURST 6"), ("s", "Switch", "1")],
        &[("src", 0, "s", 0), ("s", 0, "o0", 0), ("s", 1, "o1", 0)],
        &["o0", "o1"],
    );
    run(&mut r);
    assert_eq!((out[0].lock().unwrap().len(), out[1].lock().unwrap().len()), (0, 6));
    r.write_handler("s.switch", "0").unwrap();
    r.write_handler("src.reset", "").unwrap();
    run(&mut r);
    assert_eq!(out[0].lock().unwrap().len(), 6);

    let (mut r, out) = router(
        &[("src", "InfiniteSource", "LIMIT 6, BURST 6"), ("s", "RoundRobinSwitch", "")],
        &[("src", 0, "s", 0), ("s", 0, "o0", 0), ("s", 1, "o1", 0), ("s", 2, "o2", 0)],
        &["o0", "o1", "o2"],
    );
    run(&mut r);
    assert!(out.iter().all(|o| o.lock().unwrap().len() == 2));
}

#[test]
fn infinite_source_waits_for_a_full_queue_instead_of_overflowing_it() {
    // Click's InfiniteSource sleeps on the downstream full signal of Queue: nothing is
    // dropped even though the source runs far more often than RatedUnqueue. (A burst larger than the room
    // left still overflows, as in Click: the signal is checked once per burst.)
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", "LIMIT 500, BURST 1"),
            ("q", "Queue", "4"),
            ("u", "RatedUnqueue", "RATE 5000, BURST_SIZE 1"),
        ],
        &[("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "out", 0)],
        &["out"],
    );
    run(&mut r);
    assert_eq!(out[0].lock().unwrap().len(), 500);
    assert_eq!(r.read_handler("q.drops").unwrap(), "0");
    assert_eq!(r.read_handler("q.highwater_length").unwrap(), "4");
}

#[test]
fn simple_queue_has_no_full_signal_and_drops_into_output_1() {
    // SimpleQueue gives no full signal, so the source overflows it; the overflow leaves on
    // output 1 when it is connected.
    let (mut r, out) = router(
        &[("src", "InfiniteSource", "LIMIT 100, BURST 10"), ("q", "SimpleQueue", "4"), ("u", "Unqueue", "BURST 1")],
        &[("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "out", 0), ("q", 1, "dropped", 0)],
        &["out", "dropped"],
    );
    run(&mut r);
    let (kept, dropped) = (out[0].lock().unwrap().len(), out[1].lock().unwrap().len());
    assert_eq!(kept + dropped, 100);
    assert!(dropped > 0);
    assert_eq!(r.read_handler("q.drops").unwrap(), dropped.to_string());
}

#[test]
fn a_path_to_a_sink_beside_the_queue_keeps_the_source_busy() {
    // Tee to a Queue and to a Discard: some path never fills, so the source never sleeps
    // (Click's busy signal) and the queue overflows.
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", "LIMIT 50, BURST 10"),
            ("t", "Tee", "2"),
            ("q", "Queue", "4"),
            ("d", "Discard", ""),
            ("u", "Unqueue", "BURST 1"),
        ],
        &[("src", 0, "t", 0), ("t", 0, "q", 0), ("t", 1, "d", 0), ("q", 0, "u", 0), ("u", 0, "out", 0)],
        &["out"],
    );
    run(&mut r);
    let kept = out[0].lock().unwrap().len();
    assert!(kept < 50);
    assert_eq!(r.read_handler("q.drops").unwrap(), (50 - kept).to_string());
}

#[test]
fn a_finished_pull_source_lets_its_puller_sleep() {
    // Unqueue pulling from InfiniteSource directly: once LIMIT is reached the source reports
    // itself empty, Unqueue sleeps, and the router, idle, ends by itself.
    let (mut r, out) = router(
        &[("src", "InfiniteSource", "LIMIT 7"), ("u", "Unqueue", "BURST 2")],
        &[("src", 0, "u", 0), ("u", 0, "out", 0)],
        &["out"],
    );
    run(&mut r);
    assert_eq!(out[0].lock().unwrap().len(), 7);
}

/// A Counter pulled through (Queue -> Counter -> pulling Discard) counts every packet and
/// byte when its puller takes many at once; with a COUNT_CALL it is still pulled one packet
/// at a time, so the call (here emptying the queue) happens right after its packet, as in
/// Click: exactly 100 counted, not the rest of the puller's burst.
#[test]
fn a_pulled_counter_counts_batches_and_calls_at_its_packet() {
    // 1,000 packets queued at once, pulled through c :: Counter(`counter`) 16 at a time.
    let pulled = |counter: &str| {
        let (mut r, _) = router(
            &[
                ("src", "InfiniteSource", "LENGTH 60, LIMIT 1000, BURST 1000"),
                ("q", "Queue", "1000"),
                ("c", "Counter", counter),
                ("d", "Discard", "BURST 16"),
            ],
            &[("src", 0, "q", 0), ("q", 0, "c", 0), ("c", 0, "d", 0)],
            &[],
        );
        run(&mut r);
        ["c.count", "c.byte_count", "d.count"].map(|h| r.read_handler(h).unwrap())
    };
    assert_eq!(pulled(""), ["1000", "60000", "1000"]);
    assert_eq!(pulled("COUNT_CALL 100 q.reset"), ["100", "6000", "100"]);
}
