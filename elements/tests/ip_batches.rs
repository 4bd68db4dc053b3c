//! CheckIPHeader and DecIPTTL walk a batch in one plain loop and switch to filtering at the
//! first packet they refuse. Whatever the mix and wherever the refused packets fall in a
//! batch, every packet must come out where a model says, in order, counted, as with
//! batches of one.

mod support;

use support::{router, run, write_pcap};

/// One test packet: what it is, and its number (the IP identification field).
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A valid header with this TTL.
    Good(u8),
    BadChecksum,
    Truncated,
}

fn frame(kind: Kind, id: u16) -> Vec<u8> {
    let mut f = vec![0u8; 14 + 28];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip = &mut f[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&28u16.to_be_bytes());
    ip[4..6].copy_from_slice(&id.to_be_bytes());
    ip[8] = match kind {
        Kind::Good(ttl) => ttl,
        _ => 64,
    };
    ip[9] = 17;
    ip[12..16].copy_from_slice(&[10, 0, 0, 1]);
    ip[16..20].copy_from_slice(&[10, 0, 0, 2]);
    let sum = checksum(ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    match kind {
        Kind::BadChecksum => ip[11] ^= 0x40,
        Kind::Truncated => f.truncate(14 + 12),
        Kind::Good(_) => {}
    }
    f
}

fn checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The numbers reaching each of `ok`, `bad` and `expired`, and the two drop counts.
fn outcome(kinds: &[Kind], burst: usize) -> ([Vec<u16>; 3], [String; 2]) {
    let dir = std::env::temp_dir().join(format!("vrouter-ip-batches-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("mix-{burst}-{}.pcap", kinds.len()));
    write_pcap(&path, kinds.iter().enumerate().map(|(i, &k)| frame(k, i as u16)));
    let dump = format!("{}, STOP true, BURST {burst}", path.display());
    let (mut r, sinks) = router(
        &[("src", "FromDump", &dump), ("strip", "Strip", "14"), ("chk", "CheckIPHeader", ""), ("dec", "DecIPTTL", "")],
        &[
            ("src", 0, "strip", 0),
            ("strip", 0, "chk", 0),
            ("chk", 0, "dec", 0),
            ("dec", 0, "ok", 0),
            ("chk", 1, "bad", 0),
            ("dec", 1, "expired", 0),
        ],
        &["ok", "bad", "expired"],
    );
    run(&mut r);
    let ids = |i: usize| -> Vec<u16> {
        sinks[i].lock().unwrap().iter().map(|p| u16::from_be_bytes([p.data()[4], p.data()[5]])).collect()
    };
    ([ids(0), ids(1), ids(2)], [r.read_handler("chk.drops").unwrap(), r.read_handler("dec.drops").unwrap()])
}

fn kind() -> impl proptest::strategy::Strategy<Value = Kind> {
    use proptest::prelude::*;
    prop_oneof![
        6 => (0u8..4).prop_map(|t| Kind::Good(if t == 3 { 64 } else { t })),
        1 => Just(Kind::BadChecksum),
        1 => Just(Kind::Truncated),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
    #[test]
    fn refused_packets_leave_a_batch_wherever_they_are(kinds in proptest::collection::vec(kind(), 1..70)) {
        let mut want: [Vec<u16>; 3] = Default::default();
        for (i, k) in kinds.iter().enumerate() {
            let to = match k {
                Kind::Good(ttl) if *ttl > 1 => 0,
                Kind::Good(_) => 2,
                _ => 1,
            };
            want[to].push(i as u16);
        }
        let drops = [want[1].len().to_string(), want[2].len().to_string()];
        for burst in [1, 7, 32] {
            let (got, got_drops) = outcome(&kinds, burst);
            proptest::prop_assert_eq!(&got, &want, "BURST {}", burst);
            proptest::prop_assert_eq!(&got_drops, &drops, "BURST {}", burst);
        }
    }
}
