//! Packets per second through the hot elements of the IPv4 path, each measured in a router
//! InfiniteSource(BURST 32) -> ELEMENT(S) -> Discard, next to the bare source -> Discard path
//! from the same run (the difference is the elements' cost).

use click_core::{Router, RouterBuilder, RunOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PACKETS: u64 = 100_000;

/// c_iprouter.click's 64-byte frame to 10.0.1.5.
const FRAME: &str = "\\<000000000002000000000001080045000032000000004011ae0dc0a801010a00010504d2162e001e000000000000000000000000000000000000000000000000>";

fn router(middle: &[(&str, &str)]) -> Router {
    let registry = elements::standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.element(
        "src",
        "InfiniteSource",
        &format!("DATA {}, LIMIT {PACKETS}, BURST 32, TIMESTAMP false", FRAME.replace(' ', "")),
    );
    let mut names = vec!["src".to_string()];
    for (i, (class, config)) in middle.iter().enumerate() {
        let n = format!("e{i}");
        b.element(&n, class, config);
        names.push(n);
    }
    b.element("sink", "Discard", "");
    names.push("sink".into());
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    b.chain(&refs);
    // Error outputs of elements that have them go to their own sinks.
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let strip_check = [("Strip", "14"), ("CheckIPHeader", "")];
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("baseline_source_discard", vec![]),
        ("Classifier", vec![("Classifier", "12/0800")]),
        ("Strip_CheckIPHeader", strip_check.to_vec()),
        (
            "Strip_CheckIPHeader_RadixIPLookup",
            [&strip_check[..], &[("RadixIPLookup", "10.0.1.0/24 0, 0.0.0.0/0 18.26.4.1 0")]].concat(),
        ),
        (
            "Strip_CheckIPHeader_DirectIPLookup",
            [&strip_check[..], &[("DirectIPLookup", "10.0.1.0/24 0, 0.0.0.0/0 18.26.4.1 0")]].concat(),
        ),
        ("Strip_CheckIPHeader_DecIPTTL", [&strip_check[..], &[("DecIPTTL", "")]].concat()),
        ("EtherEncap", vec![("EtherEncap", "0x0800, 00:00:00:00:00:01, 00:00:00:00:00:02")]),
        ("Queue_Unqueue", vec![("Queue", "1000"), ("Unqueue", "BURST 32")]),
        ("IPClassifier", vec![("Strip", "14"), ("CheckIPHeader", ""), ("IPClassifier", "udp and dst port 5678")]),
    ];
    let mut g = c.benchmark_group("elements");
    g.throughput(Throughput::Elements(PACKETS));
    g.sample_size(20);
    for (name, middle) in cases {
        let mut r = router(&middle);
        g.bench_function(name, |b| {
            b.iter(|| {
                r.write_handler("src.reset", "").expect("reset");
                r.run_with(RunOptions { stop_when_idle: true });
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
