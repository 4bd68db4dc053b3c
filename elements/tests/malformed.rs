//! Malformed packets never crash an element, and every packet is accounted for: each one
//! leaves on some output or shows up in the element's drop counter.
//!
//! A test source feeds random byte strings (empty to 120 bytes, some shaped like Ethernet/IPv4
//! frames with broken fields) to each packet-processing element, with and without a network
//! header annotation.

mod support;

use click_core::spec::ports;
use click_core::{Batch, Context, Element, InitContext, Packet, RouterBuilder, RunOptions};
use proptest::prelude::*;
use support::{Collect, Collected};

/// A source emitting a fixed list of packets, then stopping.
struct Feed(Vec<Packet>);

impl Element for Feed {
    fn class_name(&self) -> &'static str {
        "Feed"
    }
    fn port_count(&self) -> &'static str {
        ports::P0_1
    }
    fn processing(&self) -> &'static str {
        click_core::spec::processing::PUSH
    }
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        cx.add_task(1024);
        Ok(())
    }
    fn run_task(&mut self, cx: &mut Context<'_>) -> bool {
        let mut b: Batch = self.0.drain(..).collect();
        let n = b.len();
        cx.output_batch(0, &mut b);
        cx.unschedule();
        n > 0
    }
}

/// (class, configuration, outputs to connect, drop-counter handler if the element has one).
/// Elements with an optional error output get only output 0, so that what they reject is
/// dropped and counted rather than sent on.
const ELEMENTS: &[(&str, &str, usize, Option<&str>)] = &[
    ("CheckIPHeader", "", 1, Some("drops")),
    ("CheckIPHeader", "14", 1, Some("drops")),
    ("MarkIPHeader", "14", 1, None),
    ("GetIPAddress", "16", 1, UNCOUNTED),
    ("DecIPTTL", "", 1, Some("drops")),
    ("DropBroadcasts", "", 1, Some("drops")),
    ("FixIPSrc", "1.2.3.4", 1, None),
    ("IPGWOptions", "1.2.3.4", 1, Some("drops")),
    ("IPFragmenter", "68", 2, Some("drops")),
    ("IPReassembler", "", 2, None),
    ("ICMPError", "1.2.3.4, unreachable, needfrag", 1, UNCOUNTED),
    ("ICMPPingResponder", "", 1, UNCOUNTED),
    ("SetIPChecksum", "", 1, Some("drops")),
    ("CheckUDPHeader", "", 1, Some("drops")),
    ("CheckTCPHeader", "", 1, Some("drops")),
    ("SetUDPChecksum", "", 1, UNCOUNTED),
    ("SetTCPChecksum", "", 1, UNCOUNTED),
    ("StoreIPAddress", "9.9.9.9, dst", 1, UNCOUNTED),
    ("StoreIPAddress", "9.9.9.9, 30", 1, UNCOUNTED),
    ("IPPrint", "x, CONTENTS HEX", 1, None),
    ("Print", "x, MAXLENGTH -1", 1, None),
    ("IPClassifier", "tcp syn, udp port 53, icmp type echo, ip[9] 17, transp[13] & 2 != 0, -", 6, ROUTER_DROPS),
    ("IPFilter", "allow src net 10.0.0.0/8, 1 dst port > 1000, drop all", 2, ROUTER_DROPS),
    ("Classifier", "12/0800 23/11, 12/0806 20/0001, !12/0800, -", 4, ROUTER_DROPS),
    ("RadixIPLookup", "10.0.0.0/8 0, 0.0.0.0/0 1.1.1.1 1", 2, UNCOUNTED),
    ("DirectIPLookup", "10.0.0.0/8 0, 0.0.0.0/0 1.1.1.1 1", 2, UNCOUNTED),
    ("ARPResponder", "10.0.0.1 00:01:02:03:04:05", 2, UNCOUNTED),
    ("HostEtherFilter", "00:01:02:03:04:05", 1, UNCOUNTED),
    ("EtherRewrite", "00:01:02:03:04:05, 00:01:02:03:04:06", 1, UNCOUNTED),
    ("EtherEncap", "0x0800, 00:01:02:03:04:05, 00:01:02:03:04:06", 1, None),
    ("VLANEncap", "VLAN_ID 7", 1, UNCOUNTED),
    ("VLANDecap", "", 1, None),
    ("EtherSwitch", "", 1, Some("drops")),
    ("Strip", "14", 1, None),
    ("Unstrip", "14", 1, None),
    ("StripToNetworkHeader", "", 1, None),
    ("Truncate", "30", 1, None),
    ("Pad", "", 1, None),
    ("HashSwitch", "12, 4", 3, UNCOUNTED),
    ("PaintSwitch", "", 2, UNCOUNTED),
];

fn packet(bytes: &[u8], net_offset: Option<u8>) -> Packet {
    let mut p = Packet::from_slice(bytes);
    if let Some(o) = net_offset {
        let o = usize::from(o).min(bytes.len()) as isize;
        p.set_mac_header(0, o as usize);
        p.set_network_header(o, 20);
    }
    p
}

/// For elements that drop packets without counting them (as Click's do).
const UNCOUNTED: Option<&str> = Some("");
/// For classifiers: Click's keep no count of unmatched packets; the router's `drops`
/// handler counts them.
const ROUTER_DROPS: Option<&str> = Some("/drops");

fn run_element(class: &str, config: &str, outputs: usize, drops: Option<&str>, packets: Vec<Packet>) {
    let n = packets.len() as u64;
    let registry = elements::standard_registry();
    let mut b = RouterBuilder::new(&registry);
    b.add("feed", Feed(packets)).element("e", class, config).connect("feed", 0, "e", 0);
    let mut sinks: Vec<Collected> = Vec::new();
    for o in 0..outputs {
        let c: Collected = Default::default();
        b.add(&format!("out{o}"), Collect(c.clone())).connect("e", o, &format!("out{o}"), 0);
        sinks.push(c);
    }
    let mut r = b.build().unwrap_or_else(|e| panic!("{class}({config}): {e}"));
    r.run_with(RunOptions { stop_when_idle: true });
    let out: u64 = sinks.iter().map(|s| s.lock().unwrap().len() as u64).sum();
    let dropped = match drops {
        // No drop counter (Click's element has none): packets may only disappear.
        Some("") => {
            assert!(out <= n || class == "ICMPError", "{class}({config}): {n} in, {out} out");
            return;
        }
        Some(h) => match h.strip_prefix('/') {
            Some(global) => r.read_handler(global).unwrap().parse().unwrap(),
            None => r.read_handler(&format!("e.{h}")).unwrap().parse().unwrap(),
        },
        None => 0,
    };
    // Elements that make packets (ICMP errors, fragments, ARP replies) may emit more or fewer
    // than they get; every other element accounts for each packet exactly.
    let makers = ["ICMPError", "IPFragmenter", "IPReassembler", "ARPResponder", "EtherSwitch"];
    if !makers.contains(&class) {
        assert_eq!(out + dropped, n, "{class}({config}): {n} in, {out} out, {dropped} dropped");
    }
}

fn frame_strategy() -> impl Strategy<Value = (Vec<u8>, Option<u8>)> {
    let raw = proptest::collection::vec(any::<u8>(), 0..120);
    // Ethernet + IPv4 shaped, with random header fields and a random length.
    let shaped = (proptest::collection::vec(any::<u8>(), 20..100), any::<u8>(), any::<u8>(), any::<u16>(), any::<u8>())
        .prop_map(|(mut b, vhl, proto, len, cut)| {
            let mut f = vec![0u8, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00];
            b[0] = 0x40 | (vhl & 0x0f);
            b[9] = [1, 6, 17, proto][usize::from(proto % 4)];
            b[2..4].copy_from_slice(&len.to_be_bytes());
            f.extend_from_slice(&b);
            f.truncate(14 + usize::from(cut) % (f.len() - 13));
            f
        });
    (prop_oneof![raw, shaped], prop_oneof![Just(None), Just(Some(14)), Just(Some(0)), any::<u8>().prop_map(Some)])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn malformed_packets_are_dropped_or_passed_and_counted(frames in proptest::collection::vec(frame_strategy(), 1..24)) {
        for &(class, config, outputs, drops) in ELEMENTS {
            let packets: Vec<Packet> = frames.iter().map(|(b, o)| packet(b, *o)).collect();
            run_element(class, config, outputs, drops, packets);
        }
    }
}

proptest! {
    /// A classified batch keeps each output's packets in arrival order, whether the batch
    /// moves on whole (every packet to one output) or is split, and counts what no pattern
    /// takes.
    #[test]
    fn classified_batches_keep_order_per_output(kinds in proptest::collection::vec(0u8..4, 0..20)) {
        let registry = elements::standard_registry();
        let mut b = RouterBuilder::new(&registry);
        let packets = kinds.iter().enumerate().map(|(i, &k)| Packet::from_slice(&[k, i as u8])).collect();
        b.add("feed", Feed(packets)).element("e", "Classifier", "0/00, 0/01, 0/02").connect("feed", 0, "e", 0);
        let mut sinks: Vec<Collected> = Vec::new();
        for o in 0..3 {
            let c: Collected = Default::default();
            b.add(&format!("out{o}"), Collect(c.clone())).connect("e", o, &format!("out{o}"), 0);
            sinks.push(c);
        }
        let mut r = b.build().unwrap();
        r.run_with(RunOptions { stop_when_idle: true });
        for (o, sink) in sinks.iter().enumerate() {
            let got: Vec<Vec<u8>> = sink.lock().unwrap().iter().map(|p| p.data().to_vec()).collect();
            let want: Vec<Vec<u8>> = kinds
                .iter()
                .enumerate()
                .filter(|&(_, &k)| usize::from(k) == o)
                .map(|(i, &k)| vec![k, i as u8])
                .collect();
            prop_assert_eq!(got, want, "output {}", o);
        }
        let drops: usize = r.read_handler("drops").unwrap().parse().unwrap();
        prop_assert_eq!(drops, kinds.iter().filter(|&&k| k == 3).count());
    }
}
