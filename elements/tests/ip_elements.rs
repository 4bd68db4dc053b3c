//! Encapsulation, checksums and address elements, chained the way configurations use them.

mod support;

use elements::wire::ipv4::Ipv4Packet;
use elements::wire::udp::UdpPacket;
use support::{router, run};

#[test]
fn udp_encap_then_checks_pass() {
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", "DATA \\<0102030405>, LIMIT 2"),
            ("enc", "UDPIPEncap", "10.0.0.1, 1234, 10.0.0.2, 5678"),
            ("chk", "CheckIPHeader", ""),
            ("udp", "CheckUDPHeader", ""),
            ("bad", "Discard", ""),
        ],
        &[("src", 0, "enc", 0), ("enc", 0, "chk", 0), ("chk", 0, "udp", 0), ("udp", 0, "out", 0), ("udp", 1, "bad", 0)],
        &["out"],
    );
    run(&mut r);
    let got = out[0].lock().unwrap();
    assert_eq!(got.len(), 2);
    let ip = Ipv4Packet::new_checked(got[0].data()).unwrap();
    assert_eq!((ip.ttl(), ip.protocol(), usize::from(ip.total_len())), (250, 17, 33));
    let u = UdpPacket::new_checked(ip.payload()).unwrap();
    assert_eq!((u.src_port(), u.dst_port(), u.len()), (1234, 5678, 13));
    assert_ne!(Ipv4Packet::new_checked(got[1].data()).unwrap().ident(), ip.ident(), "fresh identification");
    assert_eq!(r.read_handler("bad.count").unwrap(), "0");
}

#[test]
fn corrupt_udp_takes_the_error_output_and_set_checksum_repairs_it() {
    // Build a valid UDP packet, then flip a payload byte in the data handed to the source.
    let mut b = vec![0u8; 33];
    elements::wire::ipv4::Ipv4Repr {
        src: [10, 0, 0, 1].into(),
        dst: [10, 0, 0, 2].into(),
        protocol: 17,
        payload_len: 13,
        ttl: 64,
        tos: 0,
        ident: 1,
        flags_offset: 0,
    }
    .emit(&mut b);
    {
        let mut u = UdpPacket::new_checked(&mut b[20..]).unwrap();
        u.set_ports(1, 2);
        u.set_len(13);
        u.fill_checksum([10, 0, 0, 1], [10, 0, 0, 2]);
    }
    b[30] ^= 0xff;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", &format!("DATA \\<{hex}>, LIMIT 1")),
            ("chk", "CheckIPHeader", ""),
            ("udp", "CheckUDPHeader", ""),
            ("fix", "SetUDPChecksum", ""),
            ("again", "CheckUDPHeader", ""),
            ("d", "Discard", ""),
        ],
        &[
            ("src", 0, "chk", 0),
            ("chk", 0, "udp", 0),
            ("udp", 0, "d", 0),
            ("udp", 1, "fix", 0),
            ("fix", 0, "again", 0),
            ("again", 0, "out", 0),
        ],
        &["out"],
    );
    run(&mut r);
    assert_eq!(r.read_handler("udp.drops").unwrap(), "1");
    assert_eq!(out[0].lock().unwrap().len(), 1, "repaired and accepted");
}

#[test]
fn ip_encap_store_and_mark() {
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", "DATA \\<00000000>, LIMIT 1"),
            ("enc", "IPEncap", "tcp, 1.1.1.1, 2.2.2.2, TTL 9, DSCP 46, DF true"),
            ("store", "StoreIPAddress", "3.3.3.3, dst"),
            ("seta", "SetIPAddress", "4.4.4.4"),
            ("mark", "MarkIPHeader", ""),
        ],
        &[
            ("src", 0, "enc", 0),
            ("enc", 0, "store", 0),
            ("store", 0, "seta", 0),
            ("seta", 0, "mark", 0),
            ("mark", 0, "out", 0),
        ],
        &["out"],
    );
    run(&mut r);
    let got = out[0].lock().unwrap();
    let ip = Ipv4Packet::new_checked(got[0].data()).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!((ip.ttl(), ip.tos(), ip.protocol(), ip.dont_frag()), (9, 46 << 2, 6, true));
    assert_eq!(ip.dst().octets(), [3, 3, 3, 3]);
    assert_eq!(got[0].dst_ip_anno().octets(), [4, 4, 4, 4]);
    assert_eq!(got[0].network_header_length(), Some(20));
}

#[test]
fn ping_responder_answers_what_icmp_error_does_not() {
    // An echo request made by hand: the responder answers it; a UDP packet goes to output 1.
    let mut b = vec![0u8; 28];
    elements::wire::ipv4::Ipv4Repr {
        src: [10, 0, 0, 1].into(),
        dst: [10, 0, 0, 2].into(),
        protocol: 1,
        payload_len: 8,
        ttl: 64,
        tos: 0,
        ident: 1,
        flags_offset: 0,
    }
    .emit(&mut b);
    b[20] = 8;
    elements::wire::icmp::IcmpPacket::new_checked(&mut b[20..]).unwrap().fill_checksum();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let (mut r, out) = router(
        &[
            ("echo", "InfiniteSource", &format!("DATA \\<{hex}>, LIMIT 1")),
            ("udp", "InfiniteSource", "DATA \\<00>, LIMIT 1"),
            ("enc", "UDPIPEncap", "10.0.0.1, 1, 10.0.0.2, 2"),
            ("chk1", "CheckIPHeader", ""),
            ("chk2", "CheckIPHeader", ""),
            ("ping", "ICMPPingResponder", ""),
        ],
        &[
            ("echo", 0, "chk1", 0),
            ("chk1", 0, "ping", 0),
            ("udp", 0, "enc", 0),
            ("enc", 0, "chk2", 0),
            ("chk2", 0, "ping", 0),
            ("ping", 0, "replies", 0),
            ("ping", 1, "other", 0),
        ],
        &["replies", "other"],
    );
    run(&mut r);
    assert_eq!(out[0].lock().unwrap().len(), 1);
    assert_eq!(out[1].lock().unwrap().len(), 1);
}

#[test]
fn fragmenter_then_reassembler_restores_the_packet() {
    // A 1000-byte UDP payload fragmented at 300 bytes, shuffled by a round-robin switch into
    // two queues drained in priority order (so fragments arrive out of order), reassembled.
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", "LENGTH 1000, LIMIT 3, BURST 3"),
            ("enc", "UDPIPEncap", "10.0.0.1, 1, 10.0.0.2, 2"),
            ("frag", "IPFragmenter", "300"),
            ("rr", "RoundRobinSwitch", ""),
            ("q0", "Queue", ""),
            ("q1", "Queue", ""),
            ("prio", "PrioSched", ""),
            ("u", "Unqueue", "BURST 100"),
            ("reas", "IPReassembler", ""),
            ("udp", "CheckUDPHeader", ""),
            ("bad", "Discard", ""),
        ],
        &[
            ("src", 0, "enc", 0),
            ("enc", 0, "frag", 0),
            ("frag", 0, "rr", 0),
            ("rr", 0, "q0", 0),
            ("rr", 1, "q1", 0),
            ("q0", 0, "prio", 1),
            ("q1", 0, "prio", 0),
            ("prio", 0, "u", 0),
            ("u", 0, "reas", 0),
            ("reas", 0, "udp", 0),
            ("udp", 0, "out", 0),
            ("udp", 1, "bad", 0),
        ],
        &["out"],
    );
    run(&mut r);
    assert_eq!(r.read_handler("frag.fragments").unwrap(), "12");
    let dump = r.read_handler("reas.dump").unwrap();
    assert!(dump.starts_with("frags seen total:    12\ngood reassemblies:   3\n"), "{dump}");
    assert_eq!(r.read_handler("bad.count").unwrap(), "0", "UDP checksums verify after reassembly");
    let got = out[0].lock().unwrap();
    assert_eq!(got.len(), 3);
    let ip = Ipv4Packet::new_checked(got[0].data()).unwrap();
    assert_eq!(usize::from(ip.total_len()), 20 + 8 + 1000);
    assert!(!ip.is_fragment());
    assert!(ip.verify_checksum());
}
