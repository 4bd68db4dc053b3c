//! Helpers shared by the integration tests: a collecting sink and router shortcuts.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use click_core::spec::ports;
use click_core::{Batch, Context, Element, Packet, Router, RouterBuilder, RunOptions};

/// Packets a [`Collect`] element saw, in order.
pub type Collected = Arc<Mutex<Vec<Packet>>>;

/// A sink that keeps every packet it receives.
pub struct Collect(pub Collected);

impl Element for Collect {
    fn class_name(&self) -> &'static str {
        "Collect"
    }

    fn port_count(&self) -> &'static str {
        ports::P1_0
    }

    fn push(&mut self, _cx: &mut Context<'_>, _port: usize, batch: &mut Batch) {
        self.0.lock().unwrap().extend(batch.drain());
    }
}

/// Path of a file in the shared corpus.
pub fn shared(path: &str) -> String {
    format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Builds a router from `(name, class, config)` elements and `(from, port, to, port)`
/// connections, plus `Collect` sinks named in `sinks`.
pub fn router(
    elements: &[(&str, &str, &str)],
    connections: &[(&str, usize, &str, usize)],
    sinks: &[&str],
) -> (Router, Vec<Collected>) {
    let registry = elements::standard_registry();
    let mut b = RouterBuilder::new(&registry);
    for (n, c, cfg) in elements {
        b.element(n, c, cfg);
    }
    let mut collected = Vec::new();
    for s in sinks {
        let c: Collected = Default::default();
        b.add(s, Collect(c.clone()));
        collected.push(c);
    }
    for (f, fp, t, tp) in connections {
        b.connect(f, *fp, t, *tp);
    }
    (b.build().unwrap_or_else(|e| panic!("{e}")), collected)
}

/// Runs until idle.
pub fn run(r: &mut Router) {
    r.run_with(RunOptions { stop_when_idle: true });
}

/// Writes a pcap file (microsecond timestamps, Ethernet) of `frames`, the i-th stamped i
/// seconds.
pub fn write_pcap<F: AsRef<[u8]>>(path: &std::path::Path, frames: impl IntoIterator<Item = F>) {
    use pcap_file::pcap::{PcapPacket, PcapWriter};
    let mut w = PcapWriter::new(std::io::BufWriter::new(std::fs::File::create(path).unwrap())).unwrap();
    for (i, f) in frames.into_iter().enumerate() {
        let data = f.as_ref();
        w.write_packet(&PcapPacket::new(std::time::Duration::from_secs(i as u64), data.len() as u32, data)).unwrap();
    }
}
