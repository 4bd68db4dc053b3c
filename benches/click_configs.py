#!/usr/bin/env python3
"""Runs ../shared/bench's Click configurations under `vrouter run` and prints, for each, the
packets per second (median of several whole-process runs) and instructions per packet from
callgrind ((Ir at a large N - Ir at a small N) / difference), next to the original Click's
figures measured on this machine kind (../shared/bench/README.md).

    python3 benches/click_configs.py [--runs 5] [--no-callgrind] [--e DIR] [--task-runs N] [CONFIG... | e]

With --e DIR it also runs the (e) configurations: ../shared/bench/gen_e.py's 100,001 prefixes
and 6M-packet capture (generated into DIR when missing, 480 MB), with RadixIPLookup (e, as
generated), DirectIPLookup instead, and the 10-route control e0_smalltable. Their rates are
given for the packets alone (a run on a 10,000-packet slice of the capture, which costs the
same set-up, is subtracted) and whole-process; instructions per packet come from 10,000- and
200,000-packet slices.

With --task-runs N every run gets `vrouter run --task-runs N` (1: each task run emits one
BURST, as written; by default a BURST 1 source whose packets nothing downstream could tell
apart moves batches).

Builds `vrouter` in release mode first. Instruction counts repeat exactly on a noisy machine;
wall-clock rates do not, so compare those as ratios within one run.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "..", "shared", "bench")
VROUTER = os.path.join(ROOT, "target", "release", "vrouter")

# name: (packets for timing (Click's counts), Click's Mpps, Click's instructions/packet)
CONFIGS = {
    "a_null": (100_000_000, 29.1, 190),
    "a3_null_nots": (100_000_000, 64.9, 169),
    "a2_null_burst": (200_000_000, 104, 95),
    "b_counter": (50_000_000, 11.6, 328),
    "c_iprouter": (30_000_000, 6.21, 1460),
    "d_queue": (50_000_000, 10.96, 543),
    "f_fakeiprouter": (30_000_000, 6.22, 1546),
}

# Extra `vrouter run` options (--task-runs).
RUN_OPTIONS = []


def run(config, n):
    """One whole-process run (as Click's figures were measured), in seconds."""
    start = time.perf_counter()
    subprocess.run([VROUTER, "run", *RUN_OPTIONS, os.path.join(BENCH, config + ".click"), f"N={n}"],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def instructions(config, n):
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as f:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={f.name}",
             VROUTER, "run", *RUN_OPTIONS, os.path.join(BENCH, config + ".click"), f"N={n}"],
            capture_output=True, text=True, check=True,
        )
    m = re.search(r"Collected : (\d+)", out.stderr)
    if not m:
        sys.exit(f"{config}: no callgrind total:\n{out.stderr[-2000:]}")
    return int(m.group(1))


def e_configs(d):
    """Makes (once) gen_e.py's files in `d`, the DirectIPLookup variant and capture slices."""
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "e_pkts.pcap")):
        subprocess.run([sys.executable, os.path.join(BENCH, "gen_e.py"), "100000", "1000000", "6"],
                       cwd=d, check=True)
    radix = os.path.join(d, "e_radix.click")
    direct = os.path.join(d, "e_direct.click")
    if not os.path.exists(direct):
        with open(radix) as f, open(direct, "w") as g:
            g.write(f.read().replace("RadixIPLookup(", "DirectIPLookup("))
    pcap = os.path.join(d, "e_pkts.pcap")
    for n in (10_000, 200_000):
        part = os.path.join(d, f"e_pkts_{n}.pcap")
        if not os.path.exists(part):
            with open(pcap, "rb") as f, open(part, "wb") as g:
                # 24-byte file header, then 80-byte records (16-byte header, 64-byte frame).
                g.write(f.read(24 + 80 * n))
    return [("e0_smalltable", os.path.join(BENCH, "e0_smalltable.click"), 7.49, 756),
            ("e (RadixIPLookup)", radix, 1.80, 782),
            ("e, DirectIPLookup", direct, None, None)]


def run_e(d, runs, callgrind):
    def timed(config, pcap):
        start = time.perf_counter()
        subprocess.run([VROUTER, "run", *RUN_OPTIONS, config, f"FILE={pcap}"], capture_output=True, text=True, check=True)
        return time.perf_counter() - start

    def ir(config, pcap):
        with tempfile.NamedTemporaryFile(suffix=".callgrind") as f:
            out = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={f.name}",
                                  VROUTER, "run", *RUN_OPTIONS, config, f"FILE={pcap}"],
                                 capture_output=True, text=True, check=True)
        return int(re.search(r"Collected : (\d+)", out.stderr).group(1))

    full, small = os.path.join(d, "e_pkts.pcap"), os.path.join(d, "e_pkts_10000.pcap")
    print(f"\n{'config (6M packets)':<20} {'Mpps':>7} {'packets-only Mpps':>18} {'Click Mpps':>10}"
          f" {'instr/pkt':>9} {'Click instr':>11}")
    for name, config, click_mpps, click_ipp in e_configs(d):
        whole = statistics.median(timed(config, full) for _ in range(runs))
        setup = statistics.median(timed(config, small) for _ in range(runs))
        ipp = "-"
        if callgrind:
            a, b = ir(config, small), ir(config, os.path.join(d, "e_pkts_200000.pcap"))
            ipp = f"{(b - a) / 190_000:.0f}"
        print(f"{name:<20} {6e6 / whole / 1e6:>7.2f} {6e6 / (whole - setup) / 1e6:>18.2f}"
              f" {click_mpps or '-':>10} {ipp:>9} {click_ipp or '-':>11}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--e", metavar="DIR", help="also run the (e) configurations, their files in DIR")
    ap.add_argument("--task-runs", type=int, metavar="N", help="pass --task-runs N to vrouter run")
    ap.add_argument("configs", nargs="*")
    args = ap.parse_args()
    if args.task_runs is not None:
        RUN_OPTIONS.extend(["--task-runs", str(args.task_runs)])
    subprocess.run(["cargo", "build", "--release", "--bin", "vrouter"], cwd=ROOT, check=True)
    # "e" among the names runs only the (e) configurations of --e (default /tmp/vrouter-e).
    names = [c for c in args.configs if c != "e"] if args.configs else list(CONFIGS)
    if "e" in args.configs and not args.e:
        args.e = "/tmp/vrouter-e"
    print(f"{'config':<16} {'packets':>11} {'median s':>9} {'Mpps':>8} {'Click Mpps':>10} {'ratio':>6}"
          f" {'instr/pkt':>9} {'Click instr':>11}")
    for name in names:
        n, click_mpps, click_ipp = CONFIGS[name]
        times = [run(name, n) for _ in range(args.runs)]
        med = statistics.median(times)
        mpps = n / med / 1e6
        ipp = "-"
        if not args.no_callgrind:
            small, large = 10_000, 1_000_000
            ipp = f"{(instructions(name, large) - instructions(name, small)) / (large - small):.0f}"
        print(f"{name:<16} {n:>11} {med:>9.3f} {mpps:>8.2f} {click_mpps:>10.2f} {mpps / click_mpps:>6.2f}"
              f" {ipp:>9} {click_ipp:>11}", flush=True)
    if args.e:
        run_e(args.e, args.runs, not args.no_callgrind)


if __name__ == "__main__":
    main()
