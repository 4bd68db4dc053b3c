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
