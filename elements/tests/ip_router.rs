//! The IPv4 fast path of ../shared/bench/c_iprouter.click, built with the Rust API: bytes out
//! are checked exactly, and each route's branch is counted.

mod support;

use elements::wire::ipv4::Ipv4Packet;
use support::{router, run};

/// c_iprouter.click's frame: Ethernet, IPv4 192.168.1.1 -> 10.0.1.5 TTL 64, UDP.
const FRAME: &str = "00 00 00 00 00 02 00 00 00 00 00 01 08 00 45 00 00 32 00 00 00 00 40 11 ae 0d c0 a8 01 01 \
                     0a 00 01 05 04 d2 16 2e 00 1e 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";

const ROUTES: &str = "10.0.1.0/24 0, 10.0.2.0/24 1, 10.0.0.0/16 10.0.0.254 1, 10.0.0.0/8 10.255.255.254 2, \
                      172.16.0.0/12 1, 192.168.0.0/16 2, 18.26.4.0/24 1, 18.26.7.0/24 2, 1.2.3.4/32 2, 0.0.0.0/0 18.26.4.1 1";

/// FRAME to `dst` with `ttl`, its IP checksum recomputed.
fn frame_bytes(dst: [u8; 4], ttl: u8) -> Vec<u8> {
    let mut b: Vec<u8> = FRAME.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect();
    b[30..34].copy_from_slice(&dst);
    b[22] = ttl;
    let mut ip = Ipv4Packet::new_checked(&mut b[14..34]).unwrap();
    ip.fill_checksum();
    b
}

/// `frame_bytes` as a DATA argument.
fn frame_to(dst: [u8; 4], ttl: u8) -> String {
    format!("\\<{}>", frame_bytes(dst, ttl).iter().map(|x| format!("{x:02x}")).collect::<String>())
}

fn iprouter(table: &str, data: &str, limit: u32) -> (click_core::Router, Vec<support::Collected>) {
    router(
        &[
            ("src", "InfiniteSource", &format!("DATA {data}, LIMIT {limit}, BURST 8")),
            ("cl", "Classifier", "12/0800, -"),
            ("strip", "Strip", "14"),
            ("chk", "CheckIPHeader", ""),
            ("rt", table, ROUTES),
            ("dec", "DecIPTTL", ""),
            ("encap", "EtherEncap", "0x0800, 00:00:00:00:00:01, 00:00:00:00:00:02"),
            ("cnt", "Counter", ""),
            ("d1", "Discard", ""),
            ("d2", "Discard", ""),
            ("d3", "Discard", ""),
            ("d4", "Discard", ""),
            ("d5", "Discard", ""),
        ],
        &[
            ("src", 0, "cl", 0),
            ("cl", 0, "strip", 0),
            ("strip", 0, "chk", 0),
            ("chk", 0, "rt", 0),
            ("cl", 1, "d1", 0),
            ("chk", 1, "d2", 0),
            ("rt", 0, "dec", 0),
            ("dec", 0, "encap", 0),
            ("encap", 0, "cnt", 0),
            ("cnt", 0, "out", 0),
            ("dec", 1, "d3", 0),
            ("rt", 1, "d4", 0),
            ("rt", 2, "d5", 0),
        ],
        &["out"],
    )
}

#[test]
fn forwards_with_ttl_decremented_and_new_ethernet_header() {
    for table in ["LinearIPLookup", "StaticIPLookup", "RadixIPLookup", "DirectIPLookup"] {
        let (mut r, out) = iprouter(table, &frame_to([10, 0, 1, 5], 64), 100);
        run(&mut r);
        assert_eq!(r.read_handler("cnt.count").unwrap(), "100", "{table}");
        let packets = out[0].lock().unwrap();
        let p = &packets[0];
        assert_eq!(&p.data()[..14], &[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 8, 0], "{table}");
        let ip = Ipv4Packet::new_checked(&p.data()[14..]).unwrap();
        assert_eq!(ip.ttl(), 63);
        assert!(ip.verify_checksum());
        assert_eq!(p.len(), 64, "the whole frame, 14 + 50");
        assert_eq!(p.dst_ip_anno().octets(), [10, 0, 1, 5], "no gateway on this route");
    }
}

#[test]
fn routes_choose_outputs_and_gateways() {
    for (dst, branch) in [([10, 0, 2, 9], "d4"), ([10, 9, 9, 9], "d5"), ([8, 8, 8, 8], "d4"), ([1, 2, 3, 4], "d5")] {
        for table in ["LinearIPLookup", "RadixIPLookup", "DirectIPLookup"] {
            let (mut r, _) = iprouter(table, &frame_to(dst, 64), 10);
            run(&mut r);
            assert_eq!(r.read_handler(&format!("{branch}.count")).unwrap(), "10", "{dst:?} via {table}");
        }
    }
}

#[test]
fn expired_and_malformed_packets_take_their_error_outputs() {
    let (mut r, _) = iprouter("RadixIPLookup", &frame_to([10, 0, 1, 5], 1), 5);
    run(&mut r);
    assert_eq!(r.read_handler("d3.count").unwrap(), "5");
    assert_eq!(r.read_handler("dec.drops").unwrap(), "5");

    let mut bad = frame_to([10, 0, 1, 5], 64);
    bad.replace_range(bad.len() - 3..bad.len() - 1, "ff"); // the last payload byte: the IP header stays valid
    let corrupt_header = frame_to([10, 0, 1, 5], 64).replacen("ae0d", "ae0e", 1);
    for (data, expect_bad) in [(bad, false), (corrupt_header, true)] {
        let (mut r, _) = iprouter("RadixIPLookup", &data, 3);
        run(&mut r);
        let n = if expect_bad { "3" } else { "0" };
        assert_eq!(r.read_handler("d2.count").unwrap(), n);
        assert_eq!(r.read_handler("chk.drops").unwrap(), n);
    }

    // A non-IP frame goes to the classifier's second output.
    let arp = frame_to([10, 0, 1, 5], 64).replacen("0800", "0806", 1);
    let (mut r, _) = iprouter("RadixIPLookup", &arp, 4);
    run(&mut r);
    assert_eq!(r.read_handler("d1.count").unwrap(), "4");
}

#[test]
fn route_table_handlers() {
    let (mut r, _) = iprouter("RadixIPLookup", &frame_to([10, 0, 1, 5], 64), 1);
    let table = r.read_handler("rt.table").unwrap();
    // Click's layout and order: routes as configured, a second tab after short columns.
    assert!(table.starts_with("10.0.1.0/24\t\t-\t\t0\n"), "{table}");
    assert!(table.ends_with("1.2.3.4/32\t\t-\t\t2\n0.0.0.0/0\t\t18.26.4.1\t1\n"), "{table}");
    assert_eq!(r.read_handler("rt.lookup 10.0.1.77").unwrap(), "0");
    r.write_handler("rt.add", "10.0.1.77/32 10.0.0.9 2").unwrap();
    assert_eq!(r.read_handler("rt.lookup 10.0.1.77").unwrap(), "2 10.0.0.9");
    let exists = r.write_handler("rt.add", "10.0.1.77/32 1").unwrap_err().to_string();
    assert!(exists.contains("a route for 10.0.1.77/32 exists"), "{exists}");
    r.write_handler("rt.set", "10.0.1.77/32 1").unwrap();
    assert_eq!(r.read_handler("rt.lookup 10.0.1.77").unwrap(), "1");
    // ctrl: all or nothing.
    assert!(r.write_handler("rt.ctrl", "add 44.0.9.0/24 0\nremove 10.0.1.77/32\nbogus").is_err());
    assert_eq!(r.read_handler("rt.lookup 44.0.9.1").unwrap(), "1 18.26.4.1");
    assert_eq!(r.read_handler("rt.lookup 10.0.1.77").unwrap(), "1");
    r.write_handler("rt.ctrl", "add 44.0.9.0/24 0\nset 10.0.1.77/32 2").unwrap();
    assert_eq!(r.read_handler("rt.lookup 44.0.9.1").unwrap(), "0");
    assert_eq!(r.read_handler("rt.lookup 10.0.1.77").unwrap(), "2");
    r.write_handler("rt.remove", "44.0.9.0/24").unwrap();
    r.write_handler("rt.set", "10.0.1.77/32 1").unwrap();
    let no_output = r.write_handler("rt.add", "10.0.3.0/24 7").unwrap_err().to_string();
    assert!(no_output.contains("output 7 out of range"), "{no_output}");
    r.write_handler("rt.remove", "10.0.1.77/32").unwrap();
    assert!(r.write_handler("rt.remove", "10.0.1.77/32").is_err());
    r.write_handler("rt.flush", "").unwrap();
    assert_eq!(r.read_handler("rt.table").unwrap(), "");
}

/// Whole batches to one destination without a route are dropped and counted as unmatched,
/// and the batches after them still take their routes.
#[test]
fn a_batch_to_one_unroutable_destination_is_dropped_and_counted() {
    let dir = std::env::temp_dir().join(format!("vrouter-unroutable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("unroutable.pcap");
    let frames = [[11, 0, 0, 1]; 64].into_iter().chain([[10, 0, 0, 1]; 64]).map(|d| frame_bytes(d, 64));
    support::write_pcap(&pcap, frames);
    for class in ["RadixIPLookup", "DirectIPLookup", "LinearIPLookup", "StaticIPLookup"] {
        let (mut r, sinks) = router(
            &[
                ("src", "FromDump", &format!("{}, STOP true, TIMING false, BURST 32", pcap.display())),
                ("strip", "Strip", "14"),
                ("chk", "CheckIPHeader", ""),
                ("rt", class, "10.0.0.0/8 10.0.0.254 0"),
            ],
            &[("src", 0, "strip", 0), ("strip", 0, "chk", 0), ("chk", 0, "rt", 0), ("rt", 0, "o0", 0)],
            &["o0"],
        );
        run(&mut r);
        let got = sinks[0].lock().unwrap();
        assert_eq!(got.len(), 64, "{class}");
        assert!(got.iter().all(|p| p.dst_ip_anno() == std::net::Ipv4Addr::new(10, 0, 0, 254)), "{class}");
        assert_eq!(r.read_handler("drops").unwrap(), "64", "{class}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Batches of varied destinations (FromDump with BURST 32), where the route tables prefetch
/// each batch's entries before looking them up, and look a run of packets to one destination
/// up once: every packet leaves on the output of its most specific route, with its gateway
/// annotation, in arrival order, for each table class.
#[test]
fn batches_of_varied_destinations_take_their_routes() {
    // (prefix, length, gateway or 0, port)
    let routes: Vec<(u32, u32, u32, usize)> = ROUTES
        .split(',')
        .map(|r| {
            let w: Vec<&str> = r.split_whitespace().collect();
            let (addr, len) = w[0].split_once('/').unwrap();
            let ip = |a: &str| u32::from(a.parse::<std::net::Ipv4Addr>().unwrap());
            let gw = if w.len() == 3 { ip(w[1]) } else { 0 };
            (ip(addr), len.parse().unwrap(), gw, w[w.len() - 1].parse().unwrap())
        })
        .collect();
    let best = |dst: u32| {
        let mask = |len: u32| if len == 0 { 0 } else { u32::MAX << (32 - len) };
        *routes.iter().filter(|(a, len, _, _)| dst & mask(*len) == *a).max_by_key(|(_, len, _, _)| *len).unwrap()
    };
    // Destinations in and around the table's prefixes, from a fixed pseudo-random sequence,
    // some repeated up to three times in a row (a flow's packets: looked up once per run).
    let mut seed = 12345u32;
    let mut dsts: Vec<[u8; 4]> = Vec::new();
    while dsts.len() < 3000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let r = seed.to_be_bytes();
        let d = match r[3] % 6 {
            0 => [10, 0, r[0] % 3, r[1]],
            1 => [10, r[0], r[1], r[2]],
            2 => [172, 16 + r[0] % 20, r[1], r[2]],
            3 => [18, 26, 3 + r[0] % 6, r[1]],
            4 => [1, 2, 3, 3 + r[0] % 3],
            _ => r,
        };
        // Now and then a run long enough to fill whole batches (one lookup for a batch).
        let repeat = match r[2] {
            0..=5 => 40 + usize::from(r[1] % 40),
            _ if r[2].is_multiple_of(3) => 1 + usize::from(r[1] % 3),
            _ => 1,
        };
        dsts.extend(std::iter::repeat_n(d, repeat));
    }
    let dir = std::env::temp_dir().join(format!("vrouter-varied-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("varied.pcap");
    support::write_pcap(&pcap, dsts.iter().map(|d| frame_bytes(*d, 64)));
    for class in ["RadixIPLookup", "DirectIPLookup", "LinearIPLookup", "StaticIPLookup"] {
        let (mut r, sinks) = router(
            &[
                ("src", "FromDump", &format!("{}, STOP true, TIMING false, BURST 32", pcap.display())),
                ("strip", "Strip", "14"),
                ("chk", "CheckIPHeader", ""),
                ("rt", class, ROUTES),
            ],
            &[
                ("src", 0, "strip", 0),
                ("strip", 0, "chk", 0),
                ("chk", 0, "rt", 0),
                ("rt", 0, "o0", 0),
                ("rt", 1, "o1", 0),
                ("rt", 2, "o2", 0),
            ],
            &["o0", "o1", "o2"],
        );
        run(&mut r);
        for (port, sink) in sinks.iter().enumerate() {
            // Each packet's destination and its annotation (the route's gateway, if any).
            let got: Vec<([u8; 4], [u8; 4])> = sink
                .lock()
                .unwrap()
                .iter()
                .map(|p| (p.network_header().unwrap()[16..20].try_into().unwrap(), p.dst_ip_anno().octets()))
                .collect();
            let want: Vec<([u8; 4], [u8; 4])> = dsts
                .iter()
                .map(|&d| (d, best(u32::from_be_bytes(d))))
                .filter(|(_, (_, _, _, p))| *p == port)
                .map(|(d, (_, _, gw, _))| (d, if gw == 0 { d } else { gw.to_be_bytes() }))
                .collect();
            assert!(!want.is_empty());
            assert_eq!(got, want, "{class} output {port}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A route to an output that is not connected is refused when the router is built, naming
/// the route, for every table class.
#[test]
fn a_route_to_a_missing_output_is_refused() {
    for class in ["LinearIPLookup", "StaticIPLookup", "RadixIPLookup", "DirectIPLookup"] {
        let registry = elements::standard_registry();
        let mut b = click_core::RouterBuilder::new(&registry);
        b.element("src", "InfiniteSource", "LIMIT 1, STOP true");
        b.element("rt", class, "10.0.0.0/8 0, 10.9.0.0/16 10.0.0.1 3, 0.0.0.0/0 1");
        b.element("d0", "Discard", "");
        b.element("d1", "Discard", "");
        b.connect("src", 0, "rt", 0);
        b.connect("rt", 0, "d0", 0);
        b.connect("rt", 1, "d1", 0);
        let err = b.build().err().unwrap_or_else(|| panic!("{class}: built")).to_string();
        assert!(err.contains("route 10.9.0.0/16") && err.contains("uses output 3, but only 2"), "{class}: {err}");
    }
}
