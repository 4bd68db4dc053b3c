//! ARP resolution end to end, VLAN tags, host filtering and bridging.

mod support;

use elements::wire::arp::ArpRepr;
use elements::wire::ipv4::Ipv4Repr;
use support::{router, run};

fn ip_packet_hex(dst: [u8; 4]) -> String {
    let mut b = vec![0u8; 28];
    Ipv4Repr {
        src: [10, 0, 0, 1].into(),
        dst: dst.into(),
        protocol: 17,
        payload_len: 8,
        ttl: 64,
        tos: 0,
        ident: 1,
        flags_offset: 0,
    }
    .emit(&mut b);
    format!("\\<{}>", b.iter().map(|x| format!("{x:02x}")).collect::<String>())
}

#[test]
fn arp_querier_resolves_through_a_responder() {
    // The querier's queries go to a responder whose replies come back on input 1.
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", &format!("DATA {}, LIMIT 3, BURST 3", ip_packet_hex([10, 0, 0, 2]))),
            ("chk", "CheckIPHeader", ""),
            ("aq", "ARPQuerier", "10.0.0.1/24, 00:00:00:00:00:01"),
            ("resp", "ARPResponder", "10.0.0.2 00:00:00:00:00:02"),
            ("t", "Tee", "2"),
        ],
        &[
            ("src", 0, "chk", 0),
            ("chk", 0, "aq", 0),
            ("aq", 1, "t", 0),
            ("t", 0, "queries", 0),
            ("t", 1, "resp", 0),
            ("resp", 0, "aq", 1),
            ("aq", 0, "frames", 0),
        ],
        &["frames", "queries"],
    );
    run(&mut r);
    let queries = out[1].lock().unwrap();
    assert_eq!(queries.len(), 1, "one query for three packets (rate limited)");
    let q = queries[0].data();
    assert_eq!(&q[..14], &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 0x08, 0x06]);
    let arp = ArpRepr::parse(&q[14..]).unwrap();
    assert_eq!((arp.op, arp.spa.octets(), arp.tpa.octets()), (1, [10, 0, 0, 1], [10, 0, 0, 2]));

    let frames = out[0].lock().unwrap();
    assert_eq!(frames.len(), 3, "the held packets went out after the reply");
    for f in frames.iter() {
        assert_eq!(&f.data()[..14], &[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]);
    }
    assert_eq!(r.read_handler("aq.queries").unwrap(), "1");
    assert_eq!(r.read_handler("aq.responses").unwrap(), "1");
    assert_eq!(r.read_handler("aq.length").unwrap(), "0");
    let table = r.read_handler("aq.table").unwrap();
    // Click's form: dashed Ethernet address.
    assert!(table.starts_with("10.0.0.2 1 00-00-00-00-00-02 "), "{table}");

    // Broadcast and multicast need no ARP.
    r.write_handler("aq.clear", "").unwrap();
    assert_eq!(r.read_handler("aq.count").unwrap(), "0");
}

#[test]
fn broadcast_multicast_and_zero_destinations() {
    for (dst, want) in [
        ([10, 0, 0, 255], Some([0xffu8; 6])),
        ([255, 255, 255, 255], Some([0xff; 6])),
        ([224, 129, 2, 3], Some([0x01, 0x00, 0x5e, 0x01, 0x02, 0x03])),
        ([0, 0, 0, 0], None),
    ] {
        let (mut r, out) = router(
            &[
                ("src", "InfiniteSource", &format!("DATA {}, LIMIT 1", ip_packet_hex(dst))),
                ("chk", "CheckIPHeader", "CHECKSUM false"),
                ("aq", "ARPQuerier", "10.0.0.1/24, 00:00:00:00:00:01"),
                ("i", "Idle", ""),
            ],
            &[("src", 0, "chk", 0), ("chk", 0, "aq", 0), ("i", 0, "aq", 1), ("aq", 0, "frames", 0)],
            &["frames"],
        );
        run(&mut r);
        let frames = out[0].lock().unwrap();
        match want {
            Some(eth) => assert_eq!(&frames[0].data()[..6], &eth, "{dst:?}"),
            None => {
                assert!(frames.is_empty());
                assert_eq!(r.read_handler("aq.drops").unwrap(), "1");
            }
        }
    }
}

#[test]
fn vlan_tags_round_trip() {
    let frame = "\\<000000000002 000000000001 0800 45000014>";
    let (mut r, out) = router(
        &[
            ("src", "InfiniteSource", &format!("DATA {frame}, LIMIT 1")),
            ("enc", "VLANEncap", "VLAN_ID 10, VLAN_PCP 5"),
            ("t", "Tee", "2"),
            ("dec", "VLANDecap", ""),
        ],
        &[
            ("src", 0, "enc", 0),
            ("enc", 0, "t", 0),
            ("t", 0, "tagged", 0),
            ("t", 1, "dec", 0),
            ("dec", 0, "untagged", 0),
        ],
        &["tagged", "untagged"],
    );
    run(&mut r);
    let tagged = out[0].lock().unwrap();
    assert_eq!(&tagged[0].data()[12..18], &[0x81, 0x00, 0xa0, 0x0a, 0x08, 0x00]);
    let untagged = out[1].lock().unwrap();
    assert_eq!(untagged[0].data(), &[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 8, 0, 0x45, 0, 0, 0x14]);
    assert_eq!(untagged[0].anno().vlan_tci(), 0xa00a);
}

#[test]
fn host_ether_filter_sorts_frames() {
    let mk = |dst: &str| format!("\\<{dst} 000000000009 0800>");
    for (dst, passes) in
        [("000000000002", true), ("ffffffffffff", true), ("010000000001", true), ("000000000003", false)]
    {
        let (mut r, out) = router(
            &[
                ("src", "InfiniteSource", &format!("DATA {}, LIMIT 1", mk(dst))),
                ("f", "HostEtherFilter", "00:00:00:00:00:02"),
            ],
            &[("src", 0, "f", 0), ("f", 0, "mine", 0), ("f", 1, "other", 0)],
            &["mine", "other"],
        );
        run(&mut r);
        assert_eq!(out[0].lock().unwrap().len(), usize::from(passes), "{dst}");
        assert_eq!(out[1].lock().unwrap().len(), usize::from(!passes), "{dst}");
    }
}

#[test]
fn ether_switch_learns() {
    // Port 0 sends from ...:0a to ...:0b (unknown: flooded to 1 and 2); port 1 then answers
    // from ...:0b to ...:0a (known: only port 0).
    let (mut r, out) = router(
        &[
            ("a", "InfiniteSource", "DATA \\<00000000000b 00000000000a 0800>, LIMIT 1"),
            ("b", "TimedSource", "INTERVAL 10ms, DATA \\<00000000000a 00000000000b 0800>, LIMIT 1"),
            ("i", "Idle", ""),
            ("s", "EtherSwitch", ""),
        ],
        &[
            ("a", 0, "s", 0),
            ("b", 0, "s", 1),
            ("i", 0, "s", 2),
            ("s", 0, "p0", 0),
            ("s", 1, "p1", 0),
            ("s", 2, "p2", 0),
        ],
        &["p0", "p1", "p2"],
    );
    run(&mut r);
    let n: Vec<usize> = out.iter().map(|o| o.lock().unwrap().len()).collect();
    assert_eq!(n, vec![1, 1, 1]);
    assert_eq!(r.read_handler("s.table").unwrap(), "00-00-00-00-00-0A 0\n00-00-00-00-00-0B 1\n");
}
