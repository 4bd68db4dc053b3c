//! Entry points for the fuzz targets in `fuzz/` and their corpus replay tests: each parses
//! arbitrary text and exercises what it built. None may panic.

use click_core::Packet;

/// A TCP/IPv4 packet to run compiled programs against.
fn sample_packet() -> Packet {
    let mut b = vec![0u8; 54];
    b[12..14].copy_from_slice(&[0x08, 0x00]);
    crate::wire::ipv4::Ipv4Repr {
        src: [10, 0, 0, 1].into(),
        dst: [10, 0, 0, 2].into(),
        protocol: 6,
        payload_len: 20,
        ttl: 64,
        tos: 0,
        ident: 1,
        flags_offset: 0,
    }
    .emit(&mut b[14..]);
    b[14 + 20..14 + 22].copy_from_slice(&80u16.to_be_bytes());
    b[14 + 32] = 0x50;
    b[14 + 33] = 0x12;
    let mut p = Packet::from_slice(&b);
    p.set_mac_header(0, 14);
    p.set_network_header(14, 20);
    p
}

/// Parses Classifier patterns (one per line) and matches them against a packet.
pub fn classifier_patterns(text: &str) {
    let args: Vec<String> = text.lines().map(str::to_string).collect();
    if let Ok(patterns) = crate::classifier::pattern::parse_all(&args) {
        let p = sample_packet();
        for pat in patterns {
            let _ = pat.matches(p.data());
            let _ = pat.matches(&p.data()[..3]);
        }
    }
}

/// Parses IPClassifier patterns (one per line), compiles them and runs the program.
pub fn ip_filter(text: &str) {
    use crate::classifier::ip_expr::{self, PacketFields, Program, Target};
    struct NoNames;
    impl ip_expr::NameResolver for NoNames {
        fn ip(&self, _: &str) -> Option<(std::net::Ipv4Addr, u8)> {
            None
        }
        fn ether(&self, _: &str) -> Option<click_core::EtherAddress> {
            None
        }
    }
    let mut rules = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Ok(e) = ip_expr::parse(line, &NoNames) {
            rules.push((e, Target::Output(i as u32)));
        }
    }
    let program = Program::compile(&rules);
    let p = sample_packet();
    let fields = p.network_header().and_then(|ip| PacketFields::new(ip, p.mac_header()));
    let _ = program.run(fields.as_ref());
    let _ = program.run(None);
    let _ = program.to_string();
}

/// Splits a configuration string into arguments and reads them with every typed reader.
pub fn element_arguments(text: &str) {
    use click_core::args::{ArgContext, Bandwidth, Data, FromArg, Seconds, split_args};
    let cx = ArgContext::default();
    for a in split_args(text) {
        let _ = u64::from_arg(&a, &cx);
        let _ = i32::from_arg(&a, &cx);
        let _ = bool::from_arg(&a, &cx);
        let _ = f64::from_arg(&a, &cx);
        let _ = Seconds::from_arg(&a, &cx);
        let _ = Bandwidth::from_arg(&a, &cx);
        let _ = std::net::Ipv4Addr::from_arg(&a, &cx);
        let _ = click_core::Ipv4Prefix::from_arg(&a, &cx);
        let _ = click_core::EtherAddress::from_arg(&a, &cx);
        let _ = Data::from_arg(&a, &cx);
        let _ = String::from_arg(&a, &cx);
        let _ = crate::ip::lookup::Route::parse(&a);
    }
}
