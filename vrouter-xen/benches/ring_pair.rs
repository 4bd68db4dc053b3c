//! Frames per second through one vif (a TX and an RX ring) between two processes: this
//! process is the hypervisor and back end, the `vrouter-xen-domain` binary the front end.
//! Each iteration moves a batch of 64 mixed-size frames (60..1514 bytes).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vrouter_xen::local::{LocalDomain, LocalHypervisor};
use vrouter_xen::netback::{NETBACK_BATCH, Netback};
use vrouter_xen::netfront::NETFRONT_FRAMES;
use vrouter_xen::remote::{DomainProcess, spawn_domain};
use vrouter_xen::testframes::{self, MAX_LEN};
use vrouter_xen::vif::{connect_backend, toolstack_create_vif};

const BATCH: u64 = 64;

fn start(mode: &str) -> (LocalHypervisor, Netback<LocalDomain>, DomainProcess) {
    let hv = LocalHypervisor::new();
    let mut d0 = hv.create_domain(NETBACK_BATCH, 1).expect("domain 0");
    toolstack_create_vif(&mut d0, 0, 1, 0).expect("toolstack");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vrouter-xen-domain"));
    cmd.env("VROUTER_XEN_MODE", mode).stdout(Stdio::null()).stderr(Stdio::null());
    let child = spawn_domain(&hv, NETFRONT_FRAMES, 2, cmd).expect("spawn");
    let nb = connect_backend(d0, child.domid, 0, 0, Duration::from_secs(30)).expect("handshake");
    (hv, nb, child)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_pair");
    g.throughput(Throughput::Elements(BATCH));
    g.measurement_time(Duration::from_secs(5));

    // Front end (other process) to back end (this process).
    let (_hv, mut nb, mut child) = start("source");
    g.bench_function("front_to_back_64", |b| {
        b.iter_custom(|iters| {
            let want = iters * BATCH;
            let mut got = 0u64;
            let t = Instant::now();
            while got < want {
                let n = nb.receive(&mut |f: &[u8]| {
                    std::hint::black_box(f);
                });
                got += n as u64;
                if n == 0 {
                    nb.wait(Some(Duration::from_secs(5))).expect("front end alive");
                }
            }
            t.elapsed()
        })
    });
    child.kill().expect("kill the domain");

    // Back end (this process) to front end (other process).
    let (_hv, mut nb, mut child) = start("sink");
    let mut bufs = vec![[0u8; MAX_LEN]; BATCH as usize];
    let lens: Vec<usize> = (0..BATCH as usize).map(|i| testframes::fill(i as u64, &mut bufs[i])).collect();
    g.bench_function("back_to_front_64", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let mut pos = 0;
                while pos < BATCH as usize {
                    let n = nb.send((pos..BATCH as usize).map(|i| &bufs[i][..lens[i]]));
                    pos += n;
                    if n == 0 {
                        nb.wait(Some(Duration::from_secs(5))).expect("front end alive");
                    }
                }
            }
            t.elapsed()
        })
    });
    child.kill().expect("kill the domain");
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
