#!/usr/bin/env python3
"""Tabulates a kernel_benchmarks JSON run: matmul GFLOP/s of the vlmlab path (ops) and raw
oneDNN (raw) timed separately and their ratio, the paired ratios (median per-pair ops/raw, and
best-call ratio), and onednn-vs-reference elementwise speedups.

Usage:
  bazel run -c opt //benchmarks:kernel_benchmarks -- \
      --benchmark_out=kb.json --benchmark_out_format=json
  python3 benchmarks/ratios.py kb.json
"""
import json, statistics, sys


def main(path):
    runs = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred"):
            runs[b["name"].split("/min_time")[0]] = b
    print(f"{'matmul':30s} {'ops GF/s':>9s} {'raw GF/s':>9s} {'ops/raw':>8s} "
          f"{'paired':>7s} {'best':>6s}")
    paired = []
    for name, ops in runs.items():
        if name.startswith("matmul/") and name.endswith("/ops"):
            stem = name[:-len("/ops")]
            raw, pair = runs.get(stem + "/raw"), runs.get(stem + "/paired")
            if raw and pair:
                o, r, p = ops["GFLOP/s"], raw["GFLOP/s"], pair["ops/raw"]
                best = pair["ops/raw_best"]
                paired.append(p)
                print(f"{stem[7:]:30s} {o:9.1f} {r:9.1f} {o / r:8.3f} {p:7.3f} {best:6.3f}")
    if paired:
        print(f"paired ops/raw: median {statistics.median(paired):.3f}, "
              f"min {min(paired):.3f}, max {max(paired):.3f} over {len(paired)} shapes")
    print(f"\n{'elementwise (Melem/s)':30s} {'onednn':>9s} {'ref':>9s} {'speedup':>8s}")
    for name, one in runs.items():
        if name.startswith("elementwise/") and name.endswith("/onednn"):
            ref = runs.get(name[:-len("/onednn")] + "/reference")
            if ref:
                a, b = one["Melem/s"], ref["Melem/s"]
                print(f"{name[12:-7]:30s} {a:9.1f} {b:9.1f} {a / b:8.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
