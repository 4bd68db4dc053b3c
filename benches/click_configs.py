#!/usr/bin/env python3
"""Runs ../shared/bench's Click configurations under `vrouter run` and prints, for each, the
packets per second (median of several whole-process runs) and instructions per packet from
callgrind ((Ir at a large N - Ir at a small N) / difference), next to the original Click's
figures measured on this machine kind (../shared/bench/README.md).

    python3 benches/click_configs.py [--runs 5] [--no-callgrind] [CONFIG...]

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

# name: (packets for timing, Click's Mpps, Click's instructions/packet)
CONFIGS = {
    "a_null": (20_000_000, 29.1, 190),
    "a3_null_nots": (20_000_000, 64.9, 169),
    "a2_null_burst": (50_000_000, 104, 95),
    "b_counter": (20_000_000, 11.6, 328),
    "c_iprouter": (10_000_000, 6.21, 1460),
    "d_queue": (20_000_000, 10.96, 543),
    "f_fakeiprouter": (10_000_000, 6.22, 1546),
}


def run(config, n):
    """One whole-process run (as Click's figures were measured), in seconds."""
    start = time.perf_counter()
    subprocess.run([VROUTER, "run", os.path.join(BENCH, config + ".click"), f"N={n}"],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def instructions(config, n):
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as f:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={f.name}",
             VROUTER, "run", os.path.join(BENCH, config + ".click"), f"N={n}"],
            capture_output=True, text=True, check=True,
        )
    m = re.search(r"Collected : (\d+)", out.stderr)
    if not m:
        sys.exit(f"{config}: no callgrind total:\n{out.stderr[-2000:]}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("configs", nargs="*")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--bin", "vrouter"], cwd=ROOT, check=True)
    names = args.configs or list(CONFIGS)
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


if __name__ == "__main__":
    main()
