//! Route-table lookups per second with BGP-like tables (and, in `route_configure`, the time
//! to configure the elements with 100,000 routes): 1,000,000 prefixes for the radix
//! tree and DIR-24-8, 10,000 for the linear list (a linear scan of a million routes per
//! packet is not a configuration anyone should run). Memory per table is printed once.
//!
//! Prefix lengths follow the rough shape of a full BGP table (about 60% /24, most of the
//! rest /16-/23, a few shorter and longer); 90% of looked-up addresses fall inside some
//! table prefix.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use elements::ip::lookup::{DirectTable, LinearTable, LookupTable, RadixTable, Route};

/// A small deterministic generator (xorshift), so every run uses the same table.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn bgp_like(n: usize, seed: u64) -> Vec<Route> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::new();
    while out.len() < n {
        let r = rng.next();
        let len = match r % 100 {
            0..=59 => 24,
            60..=69 => 23,
            70..=77 => 22,
            78..=83 => 21,
            84..=88 => 20,
            89..=93 => 16 + (r >> 8) as u8 % 4,
            94..=96 => 8 + (r >> 8) as u8 % 8,
            _ => 25 + (r >> 8) as u8 % 8,
        };
        // Public-looking space: skip 0/8, 10/8, 127/8 and 224/3.
        let addr = ((r >> 16) as u32 % (223 << 24)).max(1 << 24);
        let route = Route::new(Ipv4Addr::from(addr), len, Ipv4Addr::new(10, 0, 0, 1 + (r % 200) as u8), (r % 8) as u16);
        if seen.insert((route.addr, route.len)) {
            out.push(route);
        }
    }
    out
}

fn probes(routes: &[Route], n: usize) -> Vec<Ipv4Addr> {
    let mut rng = Rng(99);
    (0..n)
        .map(|_| {
            let r = rng.next();
            if r.is_multiple_of(10) {
                Ipv4Addr::from((r >> 8) as u32)
            } else {
                let route = &routes[(r >> 8) as usize % routes.len()];
                let host = if route.len >= 32 { 0 } else { ((r >> 40) as u32) & (u32::MAX >> route.len) };
                Ipv4Addr::from(u32::from(route.addr) | host)
            }
        })
        .collect()
}

fn bench_table<T: LookupTable>(c: &mut Criterion, name: &str, routes: &[Route]) {
    let mut table = T::default();
    for r in routes {
        let _ = table.add(*r, true);
    }
    let addrs = probes(routes, 1 << 16);
    println!("{name}: {} routes, {:.1} MB", routes.len(), table.memory() as f64 / 1e6);
    let mut g = c.benchmark_group("route_lookup");
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.sample_size(10);
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut hits = 0u32;
            for &a in &addrs {
                hits += u32::from(table.lookup(black_box(a)).is_some());
            }
            hits
        })
    });
    g.finish();
}

/// Configuring the route-table elements themselves (argument parsing, the table, the
/// `table` handler's order): the time to load a 100,000-route configuration.
fn bench_configure(c: &mut Criterion, class: &str, routes: &[Route]) {
    // Ports 0 to 7, each to its own Discard.
    let text: String = routes.iter().map(|r| format!("{}/{} {}, ", r.addr, r.len, r.port)).collect();
    let outs: String = (0..8).map(|i| format!("rt[{i}] -> Discard; ")).collect();
    let config = format!("Idle -> rt :: {class}({text}); {outs}");
    let registry = elements::standard_registry();
    let graph = click_core::config_lang::compile(&config, "routes.click", &[]).expect("compiles");
    let mut g = c.benchmark_group("route_configure");
    g.throughput(Throughput::Elements(routes.len() as u64));
    g.sample_size(10);
    g.bench_function(format!("{class}_100k"), |b| {
        b.iter(|| click_core::RouterBuilder::from_flat(&graph.graph, &registry).build().map(drop).expect("builds"))
    });
    g.finish();
}

fn route_tables(c: &mut Criterion) {
    let hundred_k = bgp_like(100_000, 11);
    for class in ["RadixIPLookup", "DirectIPLookup"] {
        bench_configure(c, class, &hundred_k);
    }
    let big = bgp_like(1_000_000, 7);
    bench_table::<DirectTable>(c, "DirectIPLookup_1M", &big);
    bench_table::<RadixTable>(c, "RadixIPLookup_1M", &big);
    let small = bgp_like(10_000, 7);
    bench_table::<LinearTable>(c, "LinearIPLookup_10k", &small);
    bench_table::<RadixTable>(c, "RadixIPLookup_10k", &small);
}

criterion_group!(benches, route_tables);
criterion_main!(benches);
