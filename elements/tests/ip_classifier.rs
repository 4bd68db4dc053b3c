//! IPClassifier and IPFilter in routers, with AddressInfo names.

mod support;

use elements::wire::ipv4::Ipv4Repr;
use support::{router, run};

fn tcp_hex(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, flags: u8) -> String {
    let mut b = vec![0u8; 40];
    Ipv4Repr {
        src: src.into(),
        dst: dst.into(),
        protocol: 6,
        payload_len: 20,
        ttl: 64,
        tos: 0,
        ident: 1,
        flags_offset: 0,
    }
    .emit(&mut b);
    b[20..22].copy_from_slice(&sport.to_be_bytes());
    b[22..24].copy_from_slice(&dport.to_be_bytes());
    b[32] = 0x50;
    b[33] = flags;
    format!("\\<{}>", b.iter().map(|x| format!("{x:02x}")).collect::<String>())
}

fn classify(elem: (&str, &str), data: &str, outputs: usize) -> Vec<usize> {
    let source = format!("DATA {data}, LIMIT 1");
    let mut elements = vec![
        ("info", "AddressInfo", "INTERNALNET 10.0.0.0/8, BASTION 192.0.2.1"),
        ("src", "InfiniteSource", source.as_str()),
        ("chk", "CheckIPHeader", ""),
    ];
    elements.push(("c", elem.0, elem.1));
    let names: Vec<String> = (0..outputs).map(|i| format!("o{i}")).collect();
    let mut conns = vec![("src", 0, "chk", 0), ("chk", 0, "c", 0)];
    for (i, n) in names.iter().enumerate() {
        conns.push(("c", i, n.as_str(), 0));
    }
    let sinks: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut r, out) = router(&elements, &conns, &sinks);
    run(&mut r);
    out.iter().map(|o| o.lock().unwrap().len()).collect()
}

#[test]
fn ip_classifier_example_from_the_documentation() {
    let c = ("IPClassifier", "10.0.0.0/24 and syn, 10.0.0.0/24 and fin ack, 10.0.0.0/24 and tcp, -");
    assert_eq!(classify(c, &tcp_hex([10, 0, 0, 1], [1, 1, 1, 1], 1, 2, 0x02), 4), [1, 0, 0, 0]);
    assert_eq!(classify(c, &tcp_hex([10, 0, 0, 1], [1, 1, 1, 1], 1, 2, 0x11), 4), [0, 1, 0, 0]);
    assert_eq!(classify(c, &tcp_hex([1, 1, 1, 1], [10, 0, 0, 1], 1, 2, 0x10), 4), [0, 0, 1, 0]);
    assert_eq!(classify(c, &tcp_hex([1, 1, 1, 1], [2, 2, 2, 2], 1, 2, 0x10), 4), [0, 0, 0, 1]);
}

#[test]
fn ip_filter_rules_with_address_names() {
    let f = (
        "IPFilter",
        "deny src INTERNALNET, \
         allow src BASTION && dst INTERNALNET && tcp && src port www && dst port > 1023 && ack, \
         1 dst INTERNALNET && tcp && dst port 22, \
         deny all",
    );
    // Spoofed: from inside.
    assert_eq!(classify(f, &tcp_hex([10, 1, 1, 1], [10, 2, 2, 2], 80, 2000, 0x10), 2), [0, 0]);
    // HTTP reply from the bastion.
    assert_eq!(classify(f, &tcp_hex([192, 0, 2, 1], [10, 2, 2, 2], 80, 2000, 0x10), 2), [1, 0]);
    // Same without ACK: denied by the last rule.
    assert_eq!(classify(f, &tcp_hex([192, 0, 2, 1], [10, 2, 2, 2], 80, 2000, 0x02), 2), [0, 0]);
    // SSH in: output 1.
    assert_eq!(classify(f, &tcp_hex([192, 0, 2, 9], [10, 2, 2, 2], 5000, 22, 0x02), 2), [0, 1]);
}

#[test]
fn bad_patterns_are_configuration_errors() {
    let registry = elements::standard_registry();
    let mut b = click_core::RouterBuilder::new(&registry);
    b.element("c", "IPClassifier", "tcp, dst port nosuchport").element("i", "Idle", "");
    b.connect("i", 0, "c", 0).element("d0", "Discard", "").element("d1", "Discard", "");
    b.connect("c", 0, "d0", 0).connect("c", 1, "d1", 0);
    let e = b.build().err().unwrap().to_string();
    assert!(
        e.contains("while configuring 'c :: IPClassifier': pattern 1 'dst port nosuchport': expected a port"),
        "{e}"
    );
}
