//! A router built in Rust with no configuration file: a source, a counter, a queue, an
//! unqueue task and a sink, the push-to-pull handoff at the heart of Click. Prints the rate
//! and the handler values at the end.
//!
//! ```text
//! cargo run --release --example programmatic_router [PACKETS]
//! ```

use click_core::RouterBuilder;
use elements::standard::{Counter, Discard, InfiniteSource};
use elements::standard_registry;

fn main() {
    let packets: i64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let registry = standard_registry();
    let mut builder = RouterBuilder::new(&registry);
    builder
        // Elements can be made in Rust...
        .add("source", InfiniteSource::new(64, packets, 32, true))
        .add("counter", Counter::default())
        // ...or from a class name and a Click configuration string.
        .element("queue", "Queue", "CAPACITY 1024")
        .element("unqueue", "Unqueue", "BURST 32")
        .add("sink", Discard::default())
        .chain(&["source", "counter", "queue", "unqueue", "sink"]);
    let mut router = match builder.build() {
        Ok(r) => r,
        Err(errors) => {
            eprintln!("{errors}");
            std::process::exit(1);
        }
    };
    let report = router.run();
    let delivered: u64 = router.read_handler("sink.count").unwrap_or_default().parse().unwrap_or(0);
    let secs = report.elapsed.as_secs_f64();
    println!("source -> counter -> queue -> unqueue -> sink");
    for h in ["source.count", "counter.count", "counter.byte_count", "queue.length", "queue.drops", "sink.count"] {
        println!("{h}: {}", router.read_handler(h).unwrap_or_else(|e| e.to_string()));
    }
    println!("{delivered} packets in {secs:.3} s: {:.2} Mpps", delivered as f64 / secs / 1e6);
}
