//! Packets per second through the framework's basic paths (compare with the original Click's
//! figures in ../shared/bench/README.md: a_null 29.1 Mpps, a2_null_burst 104 Mpps,
//! b_counter 11.6 Mpps, d_queue 10.96 Mpps on this machine kind).
//!
//! Each iteration runs the router for `PACKETS` packets; criterion reports elements/s.

use click_core::{Router, RouterBuilder, RunOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use elements::standard_registry;

const PACKETS: u64 = 100_000;

/// An element of a benchmark chain: name, class, configuration.
type Stage<'a> = (&'a str, &'a str, String);

fn router(chain: &[(&str, &str, &str)]) -> Router {
    let registry = standard_registry();
    let mut b = RouterBuilder::new(&registry);
    for (name, class, config) in chain {
        b.element(name, class, config);
    }
    let names: Vec<&str> = chain.iter().map(|e| e.0).collect();
    b.chain(&names);
    b.build().expect("benchmark router builds")
}

fn run_once(r: &mut Router) {
    r.write_handler("src.reset", "").expect("reset");
    r.run_with(RunOptions { stop_when_idle: true });
}

fn bench(c: &mut Criterion) {
    let limit = format!("LENGTH 64, LIMIT {PACKETS}, TIMESTAMP false");
    let cases: Vec<(&str, Vec<Stage<'_>>)> = vec![
        ("null_burst1", vec![("src", "InfiniteSource", limit.clone()), ("d", "Discard", String::new())]),
        (
            "null_burst32",
            vec![("src", "InfiniteSource", format!("{limit}, BURST 32")), ("d", "Discard", String::new())],
        ),
        (
            "counter_burst32",
            vec![
                ("src", "InfiniteSource", format!("{limit}, BURST 32")),
                ("c", "Counter", String::new()),
                ("d", "Discard", String::new()),
            ],
        ),
        (
            "queue_handoff_burst32",
            vec![
                ("src", "InfiniteSource", format!("{limit}, BURST 32")),
                ("q", "Queue", "1000".into()),
                ("u", "Unqueue", "BURST 32".into()),
                ("d", "Discard", String::new()),
            ],
        ),
    ];
    let mut group = c.benchmark_group("core_paths");
    group.throughput(Throughput::Elements(PACKETS));
    group.sample_size(20);
    for (name, chain) in cases {
        let chain: Vec<(&str, &str, &str)> = chain.iter().map(|(a, b, c)| (*a, *b, c.as_str())).collect();
        let mut r = router(&chain);
        group.bench_function(name, |b| b.iter(|| run_once(&mut r)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
