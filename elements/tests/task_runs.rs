//! A run of a thread's only task may stand for several (`Context::task_burst`) where nothing
//! downstream can tell the difference: a BURST 1 source then moves batches. These tests check
//! when the runtime allows it, and that what the router does stays what it does one run at a
//! time: the same packets, in the same order, at every element, and the same counts.

mod support;

use std::sync::{Arc, Mutex};

use click_core::runtime::DEFAULT_TASK_RUNS;
use click_core::spec::ports;
use click_core::{Batch, Context, Element, Router, RouterBuilder, RunOptions};

/// What a [`Probe`] saw: the largest batch, and the first data byte of every packet, in order.
#[derive(Clone, Debug, Default, PartialEq)]
struct Seen {
    largest_batch: usize,
    packets: Vec<u8>,
}

/// Passes packets on, recording what it saw; `invariant` is its answer to `batch_invariant`.
struct Probe {
    invariant: bool,
    seen: Arc<Mutex<Seen>>,
}

impl Element for Probe {
    fn class_name(&self) -> &'static str {
        "Probe"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_1
    }

    fn batch_invariant(&self) -> bool {
        self.invariant
    }

    fn push(&mut self, cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        let mut seen = self.seen.lock().unwrap();
        seen.largest_batch = seen.largest_batch.max(batch.len());
        seen.packets.extend(batch.iter().map(|p| p.data()[0]));
        drop(seen);
        cx.output_batch(0, batch);
    }
}

/// A router of standard elements plus probes (`(name, invariant)`), connected as given, with
/// each task run standing for at most `task_runs`; returns it and the probes' records.
fn build(
    elements: &[(&str, &str, &str)],
    probes: &[(&str, bool)],
    connections: &[(&str, usize, &str, usize)],
    task_runs: u32,
) -> (Router, Vec<Arc<Mutex<Seen>>>) {
    let registry = elements::standard_registry();
    let mut b = RouterBuilder::new(&registry);
    for (name, class, config) in elements {
        b.element(name, class, config);
    }
    let mut records = Vec::new();
    for &(name, invariant) in probes {
        let seen = Arc::new(Mutex::new(Seen::default()));
        b.add(name, Probe { invariant, seen: seen.clone() });
        records.push(seen);
    }
    for &(from, fp, to, tp) in connections {
        b.connect(from, fp, to, tp);
    }
    let mut r = b.build().unwrap_or_else(|e| panic!("{e}"));
    r.set_task_runs(task_runs);
    (r, records)
}

/// Runs until idle; returns each probe's record.
fn run(mut r: Router, records: Vec<Arc<Mutex<Seen>>>) -> (Router, Vec<Seen>) {
    r.run_with(RunOptions { stop_when_idle: true });
    let seen = records.iter().map(|s| s.lock().unwrap().clone()).collect();
    (r, seen)
}

/// 1,000 Ethernet frames numbered by their first byte (0-255, repeating); every third one
/// is not IPv4 (type 0x0806).
fn numbered_capture() -> String {
    let dir = std::env::temp_dir().join(format!("vrouter-task-runs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("numbered.pcap");
    let frames = (0..1000u32).map(|i| {
        let mut f = vec![0u8; 60];
        f[0] = i as u8;
        f[12..14].copy_from_slice(if i % 3 == 0 { &[0x08, 0x06] } else { &[0x08, 0x00] });
        f
    });
    support::write_pcap(&path, frames);
    path.to_str().unwrap().to_string()
}

/// FromDump (BURST 1) -> p0 -> Classifier splitting IPv4 from the rest -> a Counter and a
/// probe on each branch: batches of many packets, and the same packets in the same order at
/// every probe, and the same counts, as one run at a time.
#[test]
fn a_tree_of_invariant_elements_gets_batches_with_the_same_outcome() {
    let file = numbered_capture();
    let dump = format!("{file}, STOP true");
    let outcome = |task_runs: u32| {
        let (r, records) = build(
            &[
                ("src", "FromDump", &dump),
                ("cl", "Classifier", "12/0800, -"),
                ("ip", "Counter", ""),
                ("other", "Counter", ""),
                ("d1", "Discard", ""),
                ("d2", "Discard", ""),
            ],
            &[("p0", true), ("p1", true), ("p2", true)],
            &[
                ("src", 0, "p0", 0),
                ("p0", 0, "cl", 0),
                ("cl", 0, "ip", 0),
                ("ip", 0, "p1", 0),
                ("p1", 0, "d1", 0),
                ("cl", 1, "other", 0),
                ("other", 0, "p2", 0),
                ("p2", 0, "d2", 0),
            ],
            task_runs,
        );
        let (r, seen) = run(r, records);
        let counts =
            ["ip.count", "other.count", "d1.count", "d2.count", "src.count"].map(|h| r.read_handler(h).unwrap());
        (seen, counts)
    };
    let (one_by_one, counts_one) = outcome(1);
    let (batched, counts_batched) = outcome(DEFAULT_TASK_RUNS);
    assert!(one_by_one.iter().all(|s| s.largest_batch == 1), "{one_by_one:?}");
    assert_eq!(batched[0].largest_batch, DEFAULT_TASK_RUNS as usize, "the source's runs stand for several");
    assert_eq!(counts_one, ["666", "334", "666", "334", "1000"].map(String::from));
    assert_eq!(counts_batched, counts_one);
    for (a, b) in one_by_one.iter().zip(&batched) {
        assert_eq!(a.packets, b.packets, "the same packets in the same order");
    }
}

/// The largest batch the probe `p` saw behind `InfiniteSource(LIMIT 500) -> extra -> p`, in a
/// router with the given other elements, probes and connections.
fn largest_batch(
    elements: &[(&str, &str, &str)],
    probes: &[(&str, bool)],
    connections: &[(&str, usize, &str, usize)],
) -> usize {
    let mut all = vec![("src", "InfiniteSource", "LIMIT 500")];
    all.extend_from_slice(elements);
    let mut all_probes = vec![("p", true)];
    all_probes.extend_from_slice(probes);
    let (r, records) = build(&all, &all_probes, connections, DEFAULT_TASK_RUNS);
    run(r, records).1[0].largest_batch
}

/// A run stands for as many runs as make up to DEFAULT_TASK_RUNS (128) packets: BURST 5
/// sources emit 125 at once, BURST 32 four runs' worth, BURST 200 their BURST.
#[test]
fn runs_add_up_to_about_a_round_of_packets() {
    let most = DEFAULT_TASK_RUNS as usize;
    for burst in [1, 5, 32, 100, 200] {
        let batch = (most / burst * burst).max(burst);
        let (r, records) = build(
            &[("src", "InfiniteSource", &format!("LIMIT 1000, BURST {burst}")), ("d", "Discard", "")],
            &[("p", true)],
            &[("src", 0, "p", 0), ("p", 0, "d", 0)],
            DEFAULT_TASK_RUNS,
        );
        let (r, seen) = run(r, records);
        assert_eq!(seen[0].largest_batch, batch, "BURST {burst}");
        assert_eq!(r.read_handler("d.count").unwrap(), "1000");
    }
}

#[test]
fn runs_stay_one_at_a_time_where_batches_would_show() {
    // The control: source -> p -> Discard gets batches.
    let plain = [("d", "Discard", "")];
    assert_eq!(largest_batch(&plain, &[], &[("src", 0, "p", 0), ("p", 0, "d", 0)]), DEFAULT_TASK_RUNS as usize);

    // An element that does not say it is batch-invariant, after the probe.
    assert_eq!(
        largest_batch(&plain, &[("shy", false)], &[("src", 0, "p", 0), ("p", 0, "shy", 0), ("shy", 0, "d", 0)]),
        1
    );

    // Two paths meet: with batches, one branch's packets would all arrive before the other's.
    let merge = [("t", "Tee", "2"), ("d", "Discard", "")];
    assert_eq!(
        largest_batch(
            &merge,
            &[("q", true)],
            &[("src", 0, "p", 0), ("p", 0, "t", 0), ("t", 0, "q", 0), ("t", 1, "q", 0), ("q", 0, "d", 0)]
        ),
        1
    );

    // Another task on the thread: its turns fall between the source's runs.
    let two_tasks = [("d", "Discard", ""), ("src2", "InfiniteSource", "LIMIT 500"), ("d2", "Discard", "")];
    assert_eq!(largest_batch(&two_tasks, &[], &[("src", 0, "p", 0), ("p", 0, "d", 0), ("src2", 0, "d2", 0)]), 1);

    // A Counter that writes a handler at a given count.
    let calling = [("c", "Counter", "COUNT_CALL 100 src.active false"), ("d", "Discard", "")];
    assert_eq!(largest_batch(&calling, &[], &[("src", 0, "p", 0), ("p", 0, "c", 0), ("c", 0, "d", 0)]), 1);
}

/// COUNT_CALL stops the source after exactly its count, as in Click, though the same path
/// without it would move batches of 32.
#[test]
fn count_call_stops_the_source_at_its_count() {
    let (r, records) = build(
        &[
            ("src", "InfiniteSource", "LIMIT -1"),
            ("c", "Counter", "COUNT_CALL 1000 src.active false"),
            ("d", "Discard", ""),
        ],
        &[],
        &[("src", 0, "c", 0), ("c", 0, "d", 0)],
        DEFAULT_TASK_RUNS,
    );
    let (r, _) = run(r, records);
    assert_eq!(r.read_handler("c.count").unwrap(), "1000");
    assert_eq!(r.read_handler("d.count").unwrap(), "1000");
}

/// A handler write that makes an element on the path no longer batch-invariant (a Counter
/// given a COUNT_CALL while the router runs) takes effect on the source's next run: the
/// source stops at exactly the count, not at the end of a batch.
#[test]
fn a_handler_write_ends_batching_on_the_next_run() {
    let (mut r, records) = build(
        &[("src", "InfiniteSource", "LIMIT -1"), ("c", "Counter", ""), ("d", "Discard", "")],
        &[("p", true)],
        &[("src", 0, "p", 0), ("p", 0, "c", 0), ("c", 0, "d", 0)],
        DEFAULT_TASK_RUNS,
    );
    let seen = records[0].clone();
    let handle = r.handle();
    let writer = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        // Wait until the source moves batches, then give the Counter a COUNT_CALL well ahead.
        wait_for_batches(&seen, deadline);
        let now: u64 = handle.read("c.count").unwrap().parse().unwrap();
        // Counts move in steps of 32 while batched: 5 more than a multiple would be passed
        // by 27 if batching went on.
        let at = now + 1_000_005;
        handle.write("c.count_call", &format!("{at} src.active false")).unwrap();
        while handle.read("src.active").unwrap() != "false" {
            assert!(std::time::Instant::now() < deadline, "the source did not stop");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        handle.stop();
        at
    });
    r.run();
    let at = writer.join().unwrap();
    assert_eq!(r.read_handler("c.count").unwrap(), at.to_string());
}

/// Waits (from another thread than the router's) until the probe has seen a batch of more
/// than one packet; fails at `deadline`.
fn wait_for_batches(seen: &Mutex<Seen>, deadline: std::time::Instant) {
    while seen.lock().unwrap().largest_batch < 2 {
        assert!(std::time::Instant::now() < deadline, "no batches");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// A tree of batch-invariant elements below the source: a probe at each leaf.
#[derive(Clone, Debug)]
enum Tree {
    Leaf,
    Node(&'static str, &'static str, Vec<Tree>),
}

fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
    use proptest::prelude::*;
    Just(Tree::Leaf).prop_recursive(3, 24, 2, |inner| {
        let one = |class: &'static str, config: &'static str| {
            inner.clone().prop_map(move |t| Tree::Node(class, config, vec![t]))
        };
        let two = |class: &'static str, config: &'static str| {
            (inner.clone(), inner.clone()).prop_map(move |(a, b)| Tree::Node(class, config, vec![a, b]))
        };
        prop_oneof![
            one("Counter", ""),
            one("Paint", "3"),
            one("Strip", "1"),
            two("Tee", "2"),
            two("RoundRobinSwitch", ""),
            two("Classifier", "0/01%01, -"),
            two("HashSwitch", "0, 1"),
        ]
    })
}

/// Adds `t` below element `from`'s output `port`: its elements, probes (named `p*`) at the
/// leaves, each followed by a Discard.
fn lay_out(
    t: &Tree,
    from: String,
    port: usize,
    elements: &mut Vec<(String, &'static str, String)>,
    probes: &mut Vec<String>,
    connections: &mut Vec<(String, usize, String, usize)>,
) {
    match t {
        Tree::Leaf => {
            let probe = format!("p{}", probes.len());
            let sink = format!("d{}", probes.len());
            probes.push(probe.clone());
            elements.push((sink.clone(), "Discard", String::new()));
            connections.push((from, port, probe.clone(), 0));
            connections.push((probe, 0, sink, 0));
        }
        Tree::Node(class, config, children) => {
            let name = format!("e{}", elements.len());
            elements.push((name.clone(), class, config.to_string()));
            connections.push((from, port, name.clone(), 0));
            for (i, child) in children.iter().enumerate() {
                lay_out(child, name.clone(), i, elements, probes, connections);
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// For any tree of batch-invariant elements under a BURST 1 FromDump, batches of runs
    /// give every probe the same packets in the same order, and every element the same
    /// counts, as one run at a time; the source's runs do stand for several.
    #[test]
    fn any_tree_sees_what_it_sees_one_run_at_a_time(t in tree()) {
        let file = numbered_capture();
        let dump = format!("{file}, STOP true");
        let (mut elements, mut probes, mut connections) = (Vec::new(), vec!["root".to_string()], Vec::new());
        elements.push(("src".to_string(), "FromDump", dump));
        connections.push(("src".to_string(), 0, "root".to_string(), 0));
        lay_out(&t, "root".into(), 0, &mut elements, &mut probes, &mut connections);
        let outcome = |task_runs: u32| {
            let e: Vec<(&str, &str, &str)> = elements.iter().map(|(n, c, f)| (n.as_str(), *c, f.as_str())).collect();
            let p: Vec<(&str, bool)> = probes.iter().map(|n| (n.as_str(), true)).collect();
            let c: Vec<(&str, usize, &str, usize)> =
                connections.iter().map(|(a, i, b, j)| (a.as_str(), *i, b.as_str(), *j)).collect();
            let (r, records) = build(&e, &p, &c, task_runs);
            let (r, seen) = run(r, records);
            let counts: Vec<String> = elements
                .iter()
                .filter(|(_, c, _)| *c == "Counter" || *c == "Discard")
                .map(|(n, _, _)| r.read_handler(&format!("{n}.count")).unwrap())
                .collect();
            (seen, counts)
        };
        let (one, counts_one) = outcome(1);
        let (many, counts_many) = outcome(DEFAULT_TASK_RUNS);
        proptest::prop_assert_eq!(many[0].largest_batch, DEFAULT_TASK_RUNS as usize);
        proptest::prop_assert_eq!(counts_one, counts_many);
        for (a, b) in one.iter().zip(&many) {
            proptest::prop_assert_eq!(&a.packets, &b.packets);
        }
    }
}

/// What a source -> Queue -> Unqueue -> probe -> Counter -> Discard router ends with: the
/// probe's record and the handlers whose values pairing the two tasks' runs could change.
/// `unqueue_first` declares the Unqueue before the source (its task comes first among
/// equal passes).
fn queue_handoff(
    source: (&str, &str),
    queue: &str,
    unqueue: &str,
    invariant_probe: bool,
    unqueue_first: bool,
    task_runs: u32,
) -> (Seen, Vec<String>) {
    let mut elements = vec![
        ("src", source.0, source.1),
        ("q", "Queue", queue),
        ("u", "Unqueue", unqueue),
        ("c", "Counter", ""),
        ("d", "Discard", ""),
    ];
    if unqueue_first {
        elements.swap(0, 2);
    }
    let (r, records) = build(
        &elements,
        &[("p", invariant_probe)],
        &[("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "p", 0), ("p", 0, "c", 0), ("c", 0, "d", 0)],
        task_runs,
    );
    let (r, mut seen) = run(r, records);
    let handlers = ["src.count", "q.length", "q.highwater_length", "q.drops", "u.count", "c.count", "u.scheduled"];
    (seen.remove(0), handlers.iter().map(|h| r.read_handler(h).unwrap()).collect())
}

/// d_queue's shape: a BURST 1 source pushing into a Queue that an Unqueue empties. Their
/// turns alternate, so a run of each may stand for several: the Unqueue then pushes
/// batches, and every packet, count, length and highwater is what runs one at a time give.
#[test]
fn a_source_and_the_task_emptying_its_queue_pair_their_runs() {
    let file = numbered_capture();
    let source = ("FromDump", format!("{file}, STOP true"));
    for unqueue_first in [false, true] {
        let outcome = |runs| queue_handoff((source.0, &source.1), "1000", "", true, unqueue_first, runs);
        let (one, handlers_one) = outcome(1);
        let (paired, handlers_paired) = outcome(DEFAULT_TASK_RUNS);
        assert_eq!(one.largest_batch, 1);
        assert_eq!(paired.largest_batch, DEFAULT_TASK_RUNS as usize, "declared first: {unqueue_first}");
        assert_eq!(one.packets, paired.packets);
        assert_eq!(handlers_one, ["1000", "0", "1", "0", "1000", "1000", "true"].map(String::from));
        assert_eq!(handlers_paired, handlers_one);
    }
}

/// While paired runs go on, a reader never sees the queue hold more than one packet, as
/// with runs one at a time: nothing looks between the source's run and the puller's.
#[test]
fn paired_runs_never_show_the_queue_holding_their_packets() {
    let (mut r, records) = build(
        &[("src", "InfiniteSource", "LIMIT -1"), ("q", "Queue", "1000"), ("u", "Unqueue", ""), ("d", "Discard", "")],
        &[("p", true)],
        &[("src", 0, "q", 0), ("q", 0, "u", 0), ("u", 0, "p", 0), ("p", 0, "d", 0)],
        DEFAULT_TASK_RUNS,
    );
    let seen = records[0].clone();
    let handle = r.handle();
    let reader = std::thread::spawn(move || {
        wait_for_batches(&seen, std::time::Instant::now() + std::time::Duration::from_secs(30));
        let mut lengths = Vec::new();
        for _ in 0..200 {
            lengths.push(handle.read("q.length").unwrap().parse::<usize>().unwrap());
        }
        let highwater: usize = handle.read("q.highwater_length").unwrap().parse().unwrap();
        handle.stop();
        (lengths, highwater)
    });
    r.run();
    let (lengths, highwater) = reader.join().unwrap();
    assert!(lengths.iter().all(|&n| n <= 1), "{lengths:?}");
    assert_eq!(highwater, 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Whatever the source's BURST, the queue's capacity, the Unqueue's BURST and LIMIT,
    /// which task comes first, and whether the Unqueue's packets reach only batch-invariant
    /// elements: the router ends with the same packets in the same order and the same
    /// counts, lengths and highwaters as with runs one at a time; and where the runs can pair
    /// (BURST 1, room in the queue, invariant, a LIMIT of two or more), the Unqueue does push batches.
    #[test]
    fn paired_runs_end_where_runs_one_at_a_time_do(
        source_burst in proptest::sample::select(vec![1usize, 2]),
        capacity in proptest::sample::select(vec![0usize, 1, 2, 5, 1000]),
        unqueue_burst in proptest::sample::select(vec![1usize, 3]),
        limit in proptest::sample::select(vec![-1i64, 0, 1, 2, 33, 500, 1000, 2000]),
        invariant_probe: bool,
        unqueue_first: bool,
    ) {
        let file = numbered_capture();
        let source = format!("{file}, STOP true, BURST {source_burst}");
        let unqueue = format!("BURST {unqueue_burst}, LIMIT {limit}");
        let outcome = |runs| {
            queue_handoff(("FromDump", &source), &capacity.to_string(), &unqueue, invariant_probe, unqueue_first, runs)
        };
        let (one, handlers_one) = outcome(1);
        let (paired, handlers_paired) = outcome(DEFAULT_TASK_RUNS);
        proptest::prop_assert_eq!(&one.packets, &paired.packets);
        proptest::prop_assert_eq!(&handlers_one, &handlers_paired);
        let can_pair = source_burst == 1 && invariant_probe && capacity > 0 && !(0..2).contains(&limit);
        // One at a time, the Unqueue never pushes more than the source pushed in a run.
        proptest::prop_assert_eq!(paired.largest_batch > source_burst.min(unqueue_burst), can_pair);
    }
}
