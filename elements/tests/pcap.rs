//! FromDump and ToDump on the real captures in ../shared/corpus/pcap.

mod support;

use support::{router, run, shared};

#[test]
fn reads_a_pcap_and_writes_it_back_identically() {
    let out = std::env::temp_dir().join(format!("vrouter-todump-{}.pcap", std::process::id()));
    let out_s = out.to_str().unwrap();
    let ntp = shared("corpus/pcap/ntp.pcap");
    let (mut r, got) = router(
        &[("src", "FromDump", &format!("{ntp}, STOP true")), ("t", "Tee", ""), ("dump", "ToDump", out_s)],
        &[("src", 0, "t", 0), ("t", 0, "dump", 0), ("t", 1, "sink", 0)],
        &["sink"],
    );
    r.run();
    assert_eq!(r.read_handler("src.count").unwrap(), "12");
    assert_eq!(r.read_handler("dump.count").unwrap(), "12");
    let first: Vec<(Vec<u8>, i64)> =
        got[0].lock().unwrap().iter().map(|p| (p.data().to_vec(), p.timestamp().nanos())).collect();
    assert_eq!(first.len(), 12);
    assert!(first.iter().all(|(d, _)| d.len() >= 14 && d[12..14] == [0x08, 0x00]), "NTP over IPv4 over Ethernet");
    drop(r);

    let (mut r2, again) =
        router(&[("src", "FromDump", &format!("{out_s}, STOP true"))], &[("src", 0, "sink", 0)], &["sink"]);
    r2.run();
    let second: Vec<(Vec<u8>, i64)> =
        again[0].lock().unwrap().iter().map(|p| (p.data().to_vec(), p.timestamp().nanos())).collect();
    assert_eq!(first, second, "bytes and (microsecond) timestamps survive the round trip");
    let _ = std::fs::remove_file(out);
}

#[test]
fn reads_pcapng() {
    let file = shared("corpus/pcap/wireshark_samples-test.pcapng");
    let (mut r, got) =
        router(&[("src", "FromDump", &format!("{file}, STOP true, BURST 32"))], &[("src", 0, "sink", 0)], &["sink"]);
    r.run();
    let n: usize = r.read_handler("src.count").unwrap().parse().unwrap();
    assert!(n > 100, "{n} packets");
    assert_eq!(got[0].lock().unwrap().len(), n);
}

#[test]
fn missing_file_is_a_clear_error() {
    let registry = elements::standard_registry();
    let mut b = click_core::RouterBuilder::new(&registry);
    b.element("src", "FromDump", "/nonexistent/x.pcap").element("d", "Discard", "").chain(&["src", "d"]);
    let e = b.build().err().unwrap().to_string();
    assert!(e.contains("while initializing 'src :: FromDump': /nonexistent/x.pcap: No such file"), "{e}");
}

#[test]
fn corrupt_file_ends_early() {
    let path = std::env::temp_dir().join(format!("vrouter-corrupt-{}.pcap", std::process::id()));
    let mut bytes = std::fs::read(shared("corpus/pcap/ntp.pcap")).unwrap();
    // Claim a huge length for the third record.
    let mut off = 24;
    for _ in 0..2 {
        let cl = u32::from_le_bytes(bytes[off + 8..off + 12].try_into().unwrap()) as usize;
        off += 16 + cl;
    }
    bytes[off + 8..off + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let (mut r, _) =
        router(&[("src", "FromDump", &format!("{}, STOP true", path.display()))], &[("src", 0, "sink", 0)], &["sink"]);
    run(&mut r);
    assert_eq!(r.read_handler("src.count").unwrap(), "2");
    let _ = std::fs::remove_file(path);
}

/// Records read straight from the file's buffer and records that need the careful path
/// (the first, a capture length beyond the length as tcptrace writes) alternate correctly:
/// FromDump -> ToDump gives back every record's bytes and lengths, for BURST 1 and 8.
#[test]
fn buffered_and_careful_records_alternate() {
    let dir = std::env::temp_dir().join(format!("vrouter-records-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.pcap");
    // (captured bytes, length on the wire, bytes recorded): a truncated capture, a tcptrace
    // record one byte too long, the rest plain.
    let records: [(u32, u32, u32); 6] =
        [(60, 60, 60), (60, 60, 60), (40, 60, 40), (61, 60, 61), (60, 60, 60), (60, 60, 60)];
    let mut bytes = Vec::new();
    for w in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    for (i, &(caplen, len, recorded)) in records.iter().enumerate() {
        for w in [1_000 + i as u32, 0, caplen, len] {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        bytes.extend((0..recorded).map(|b| if b == 0 { i as u8 } else { 0xee }));
    }
    std::fs::write(&input, &bytes).unwrap();
    for burst in [1, 8] {
        let output = dir.join(format!("out{burst}.pcap"));
        let (mut r, _) = router(
            &[
                ("src", "FromDump", &format!("{}, STOP true, BURST {burst}", input.display())),
                ("dump", "ToDump", &output.display().to_string()),
            ],
            &[("src", 0, "dump", 0)],
            &[],
        );
        run(&mut r);
        drop(r);
        let out = std::fs::read(&output).unwrap();
        let mut at = 24;
        let mut got = Vec::new();
        while at + 16 <= out.len() {
            let w = |o: usize| u32::from_le_bytes(out[at + o..at + o + 4].try_into().unwrap());
            let (sec, caplen, len) = (w(0), w(8), w(12));
            got.push((sec, caplen, len, out[at + 16]));
            at += 16 + caplen as usize;
        }
        let want: Vec<_> = (0..6u32).map(|i| (1_000 + i, if i == 2 { 40 } else { 60 }, 60, i as u8)).collect();
        assert_eq!(got, want, "BURST {burst}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
