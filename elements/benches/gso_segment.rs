//! Software segmentation of one 64 KB TCP aggregate (what FromDevice does with each
//! segmentation-offload frame it reads without GSO true): 45 segments of 1448 bytes.
//!
//! `cargo bench -p vrouter-elements --bench gso_segment` times it with criterion. For an
//! exact instruction count, run the bench binary under callgrind with `GSO_SEGMENT_ITERS=N`
//! (it then segments N aggregates and exits, no criterion): the difference between two
//! values of N, divided by their difference, is the instructions per aggregate.

use click_core::{Batch, Packet};
use criterion::{Criterion, Throughput, criterion_group};
use elements::io::offload::{self, VnetHdr};
use elements::wire::checksum;

const MSS: usize = 1448;
const SEGMENTS: usize = 45;

/// Ethernet, IPv4 and TCP with timestamps (32 bytes), then 45 * 1448 bytes of payload, the
/// transport checksum holding the pseudo-header sum as the kernel leaves it.
fn aggregate() -> (VnetHdr, Vec<u8>) {
    let payload = MSS * SEGMENTS;
    let mut f = vec![0u8; 14 + 20 + 32 + payload];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let tot = 20 + 32 + payload;
    {
        let ip = &mut f[14..34];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&(tot as u16).to_be_bytes());
        ip[4..6].copy_from_slice(&0x1234u16.to_be_bytes());
        ip[6] = 0x40;
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&[10, 10, 1, 2]);
        ip[16..20].copy_from_slice(&[10, 10, 2, 2]);
    }
    {
        let tcp = &mut f[34..66];
        tcp[0..2].copy_from_slice(&40000u16.to_be_bytes());
        tcp[2..4].copy_from_slice(&5201u16.to_be_bytes());
        tcp[4..8].copy_from_slice(&0xdead_beefu32.to_be_bytes());
        tcp[12] = 8 << 4;
        tcp[13] = 0x18;
        tcp[14..16].copy_from_slice(&512u16.to_be_bytes());
        tcp[20..22].copy_from_slice(&[1, 1]);
        tcp[22] = 8;
        tcp[23] = 10;
    }
    for (i, b) in f[66..].iter_mut().enumerate() {
        *b = (i * 7 + 3) as u8;
    }
    let ps = checksum::pseudo_header_v4([10, 10, 1, 2], [10, 10, 2, 2], 6, (32 + payload) as u16);
    f[34 + 16..34 + 18].copy_from_slice(&ps.to_be_bytes());
    let hdr = VnetHdr {
        flags: offload::F_NEEDS_CSUM,
        gso_type: offload::GSO_TCPV4,
        hdr_len: 66,
        gso_size: MSS as u16,
        csum_start: 34,
        csum_offset: 16,
    };
    (hdr, f)
}

/// Segments the aggregate into `out` (then emptied, so the packets go back to the pool).
fn segment_once(hdr: &VnetHdr, frame: &[u8], out: &mut Batch) {
    let n = offload::finish(hdr, frame, out, &mut |len| Packet::make_unzeroed(128, len, 0)).expect("segments");
    assert_eq!(n, SEGMENTS);
    out.clear();
}

fn bench(c: &mut Criterion) {
    let (hdr, frame) = aggregate();
    let mut out = Batch::with_capacity(64);
    let mut g = c.benchmark_group("gso_segment");
    g.throughput(Throughput::Bytes(frame.len() as u64));
    g.bench_function("tcp4_64k_mss1448", |b| b.iter(|| segment_once(&hdr, std::hint::black_box(&frame), &mut out)));
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Some(n) = std::env::var("GSO_SEGMENT_ITERS").ok().and_then(|v| v.parse::<usize>().ok()) {
        let (hdr, frame) = aggregate();
        let mut out = Batch::with_capacity(64);
        for _ in 0..n {
            segment_once(&hdr, std::hint::black_box(&frame), &mut out);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
