//! Parses and elaborates a generated configuration of 10,000 elements and 20,000 connections.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

/// 10,000 elements (half declared, half anonymous in chains, some inside a compound class)
/// and 20,000 connections.
fn configuration() -> String {
    const ELEMENTS: usize = 10_000;
    let mut text =
        String::from("define($BURST 32);\nelementclass Stage { $n | input -> Counter -> Queue($n) -> output }\n");
    // 2,000 declared elements.
    for i in 0..2_000 {
        text.push_str(&format!("e{i} :: Classifier(12/0800, 12/0806, -);\n"));
    }
    // 2,000 chains of 2 anonymous elements and a compound of 2 make the other 8,000.
    let mut elements = 2_000;
    let mut connections = 0;
    let mut i = 0;
    while elements < ELEMENTS {
        let from = i % 2_000;
        let to = (i * 7 + 1) % 2_000;
        text.push_str(&format!(
            "e{from} [{}] -> Strip(14) -> CheckIPHeader(VERBOSE true) -> Stage($BURST) -> e{to};\n",
            i % 3
        ));
        elements += 4;
        connections += 5; // through the compound: e -> Strip -> Check -> Counter -> Queue -> e
        i += 1;
    }
    // Fill up to 20,000 connections between declared elements, all distinct.
    let mut seen = std::collections::HashSet::new();
    let mut j: usize = 0;
    while connections < 20_000 {
        let (from, port, to) = (j % 2_000, (j / 2_000) % 3, (j * 13 + 5 + j / 2_000) % 2_000);
        if seen.insert((from, port, to)) {
            text.push_str(&format!("e{from} [{port}] -> [1] e{to};\n"));
            connections += 1;
        }
        j += 1;
    }
    text
}

fn parse_10k(c: &mut Criterion) {
    let text = configuration();
    let compiled = config_lang::compile(&text, "bench.click", &[]).expect("benchmark configuration compiles");
    assert_eq!(compiled.graph.element_count(), 10_000);
    assert_eq!(compiled.graph.connection_count(), 20_000);
    let mut group = c.benchmark_group("config-lang");
    group.sample_size(10);
    group.bench_function("parse_10k", |b| {
        b.iter(|| config_lang::compile(black_box(&text), "bench.click", &[]).expect("compiles"))
    });
    group.bench_function("parse_only_10k", |b| {
        b.iter(|| config_lang::parse(black_box(&text), "bench.click").expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, parse_10k);
criterion_main!(benches);
