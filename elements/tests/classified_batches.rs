//! Batches whose packets a classifier spreads over many outputs: every packet reaches the
//! output its pattern names, in arrival order, and unmatched packets are dropped. Outputs
//! past the eighth take the runtime's general path, the first eight its per-batch one.

mod support;

use support::{router, run};

#[test]
fn a_batch_spread_over_eleven_outputs_keeps_each_outputs_order() {
    // Frames whose first byte picks the output (11 outputs; 11 and above match nothing) and
    // whose next two bytes number them.
    let mut seed = 99u32;
    let frames: Vec<Vec<u8>> = (0..2000u16)
        .map(|i| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let mut f = vec![0u8; 60];
            f[0] = (seed >> 16) as u8 % 13;
            f[1..3].copy_from_slice(&i.to_be_bytes());
            f
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("vrouter-classified-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("spread.pcap");
    support::write_pcap(&pcap, &frames);
    let patterns: Vec<String> = (0..11).map(|o| format!("0/{o:02x}")).collect();
    let sinks: Vec<String> = (0..11).map(|o| format!("o{o}")).collect();
    let sink_names: Vec<&str> = sinks.iter().map(String::as_str).collect();
    let mut connections = vec![("src", 0, "cl", 0)];
    connections.extend(sink_names.iter().enumerate().map(|(o, s)| ("cl", o, *s, 0)));
    let (mut r, collected) = router(
        &[
            ("src", "FromDump", &format!("{}, STOP true, TIMING false, BURST 32", pcap.display())),
            ("cl", "Classifier", &patterns.join(", ")),
        ],
        &connections,
        &sink_names,
    );
    run(&mut r);
    let mut total = 0;
    for (o, sink) in collected.iter().enumerate() {
        let got: Vec<Vec<u8>> = sink.lock().unwrap().iter().map(|p| p.data().to_vec()).collect();
        let want: Vec<Vec<u8>> = frames.iter().filter(|f| usize::from(f[0]) == o).cloned().collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "output {o}");
        total += got.len();
    }
    let unmatched = frames.iter().filter(|f| f[0] >= 11).count();
    assert!(unmatched > 0);
    assert_eq!(total + unmatched, frames.len());
    std::fs::remove_dir_all(&dir).ok();
}
