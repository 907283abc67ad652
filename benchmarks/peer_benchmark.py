#!/usr/bin/python3
"""vlmlab against PyTorch eager, in one run on one machine: training steps of the quickstart
model and of the `small` and `medium` benchmark configurations, each built by vlmlab through
the registry from its experiment file (benchmarks/vlm_step_benchmark --json) and by PyTorch
from the same architecture (benchmarks/torch_peer.py), in interleaved rounds.

Prints per configuration the medians over rounds of samples/s of each system, their ratio,
model FLOPs utilisation against the f32 matmul ceiling measured in the same run (the fastest
raw oneDNN matmul of benchmarks/kernel_benchmarks at the medium shapes, with vlmlab's thread
count), and each system's peak resident memory (VmHWM, which each process reports itself).

    /usr/bin/python3 benchmarks/peer_benchmark.py                 # 3 rounds, every config
    /usr/bin/python3 benchmarks/peer_benchmark.py --rounds 5 --configs quickstart --json out.json

PyTorch runs at its fastest thread count, chosen per configuration by a calibration pass (1
or 2 intra-op threads); vlmlab at --vlmlab_threads (default 2, the experiments' runtime).
Needs Debian's python3-torch and, for a fair matmul baseline, libopenblas0-pthread (PyTorch's
BLAS is otherwise the slow generic one). Run it on an otherwise idle machine.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "bazel-bin", "benchmarks")

# name: (experiment, batch, visual tokens, text tokens); vlmlab's sequence is BOS + visual +
# text - 1, so both systems run the same sequence length.
CONFIGS = {
    "quickstart": ("experiments/quickstart.textproto", 16, 36, 60),
    "small": ("experiments/bench/small.textproto", 16, 64, 64),
    "medium": ("experiments/bench/medium.textproto", 8, 64, 128),
}


def run(cmd, env=None):
    """Runs `cmd`; returns (its last JSON line, its peak RSS in MiB, wall seconds). The peak is
    the one the program reports (its own VmHWM): ru_maxrss of a child also counts the memory
    of this driver it was forked from (over 200 MiB once torch is imported)."""
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env=env, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, _ = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"peer_benchmark: {' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        sys.exit(f"peer_benchmark: no JSON from {' '.join(cmd)}:\n{out[-2000:]}{err[-2000:]}")
    result = json.loads(lines[-1])
    if "peak_rss_mib" not in result:
        sys.exit(f"peer_benchmark: {' '.join(cmd)} reported no peak_rss_mib")
    return result, result["peak_rss_mib"], time.time() - t0


def vlmlab(name, threads, steps, dtype="f32"):
    exp, batch, visual, text = CONFIGS[name]
    return run([os.path.join(BIN, "vlm_step_benchmark"), f"--experiment={exp}",
                f"--batch={batch}", f"--tokens={visual + text}", f"--steps={steps}",
                f"--threads={threads}", f"--dtype={dtype}", "--json"])


def torch_peer(name, threads, steps):
    _, batch, _, text = CONFIGS[name]
    return run([sys.executable, os.path.join(ROOT, "benchmarks", "torch_peer.py"),
                f"--config={name}", f"--batch={batch}", f"--text={text}", f"--steps={steps}",
                f"--threads={threads}"])


def matmul_ceiling(threads):
    """GFLOP/s of the fastest raw oneDNN f32 matmul at the medium shapes."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([os.path.join(BIN, "kernel_benchmarks"),
                          "--benchmark_filter=matmul/medium/.*/f32/raw",
                          "--benchmark_format=json"], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return max(b["GFLOP/s"] for b in json.loads(out)["benchmarks"] if "GFLOP/s" in b)


def cpuinfo_field(key):
    """The value of the first `key` line of /proc/cpuinfo ("" if absent or unreadable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_flags():
    return set(cpuinfo_field("flags").split())


def cpu_description():
    name = cpuinfo_field("model name") or platform.processor()
    flags = cpu_flags()
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{name} ({os.cpu_count()} cores; {', '.join(isa) or 'no AVX2'})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10, help="timed steps per process")
    ap.add_argument("--configs", default="quickstart,small,medium")
    ap.add_argument("--vlmlab_threads", type=int, default=2)
    ap.add_argument("--bf16_configs", default="medium",
                    help="configs also run by vlmlab with --dtype=bf16 (runtime.dtype: BF16), "
                         "compared with its f32 run; skipped on CPUs without avx512_bf16 or "
                         "AMX, where oneDNN would only emulate bf16")
    ap.add_argument("--no_build", action="store_true", help="use the binaries already built")
    ap.add_argument("--json", help="also write the raw measurements here")
    a = ap.parse_args()
    names = a.configs.split(",")
    bf16_names = [n for n in a.bf16_configs.split(",") if n]
    for n in names + bf16_names:
        if n not in CONFIGS:
            sys.exit(f"peer_benchmark: unknown config {n}; known: {', '.join(CONFIGS)}")
    bf16_names = [n for n in bf16_names if n in names]
    native_bf16 = bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})
    if bf16_names and not native_bf16:
        print("no avx512_bf16 or AMX: oneDNN would emulate bf16, so the bf16 runs are skipped "
              "(f32 stays the default)")
        bf16_names = []
    if not a.no_build:
        subprocess.run(["bazel", "build", "-c", "opt", "//benchmarks:vlm_step_benchmark",
                        "//benchmarks:kernel_benchmarks"], cwd=ROOT, check=True)
    import torch  # noqa: F401  (fail early without python3-torch)

    print(f"machine: {cpu_description()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; torch {torch.__version__}"
          f"; vlmlab threads {a.vlmlab_threads}; {a.rounds} rounds of {a.steps} steps")

    torch_threads = {}
    for n in names:  # calibration: PyTorch's fastest intra-op thread count
        best = min((torch_peer(n, t, 3)[0]["median_step_ms"], t) for t in (1, 2))
        torch_threads[n] = best[1]
    print("PyTorch threads (fastest): " + ", ".join(f"{n} {t}" for n, t in torch_threads.items()))

    results = {n: {"vlmlab": [], "torch": [], "vlmlab_bf16": []} for n in names}
    ceilings = []
    for r in range(a.rounds):
        ceilings.append(matmul_ceiling(a.vlmlab_threads))
        for n in names:
            order = ["vlmlab", "torch"] if r % 2 == 0 else ["torch", "vlmlab"]
            if n in bf16_names:
                order.append("vlmlab_bf16")
            for system in order:
                if system == "vlmlab_bf16":
                    m, rss, _ = vlmlab(n, a.vlmlab_threads, a.steps, "bf16")
                elif system == "vlmlab":
                    m, rss, _ = vlmlab(n, a.vlmlab_threads, a.steps)
                else:
                    m, rss, _ = torch_peer(n, torch_threads[n], a.steps)
                m["peak_rss_mib"] = rss
                results[n][system].append(m)
        print(f"round {r + 1}/{a.rounds} done (ceiling {ceilings[-1]:.0f} GFLOP/s)", flush=True)

    ceiling = statistics.median(ceilings)
    print(f"\nf32 matmul ceiling: {ceiling:.0f} GFLOP/s (median of {len(ceilings)}; "
          f"{a.vlmlab_threads} threads)\n")
    head = (f"{'config':<11} {'params v/t':>19} {'vlmlab/s':>9} {'torch/s':>8} {'ratio':>6} "
            f"{'MFU v':>6} {'MFU t':>6} {'RSS v MiB':>9} {'RSS t MiB':>9} {'RSS v/t':>7}")
    print(head)
    summary = {}
    for n in names:
        v, t = results[n]["vlmlab"], results[n]["torch"]
        vs = statistics.median(m["samples_per_s"] for m in v)
        ts = statistics.median(m["samples_per_s"] for m in t)
        flops = v[0]["train_flops_per_step"]
        batch = v[0]["batch"]
        mfu_v = flops * vs / batch / (ceiling * 1e9)
        mfu_t = flops * ts / batch / (ceiling * 1e9)
        rv = statistics.median(m["peak_rss_mib"] for m in v)
        rt = statistics.median(m["peak_rss_mib"] for m in t)
        print(f"{n:<11} {v[0]['params']:>9}/{t[0]['params']:<9} {vs:>9.1f} {ts:>8.1f} "
              f"{vs / ts:>5.2f}x {100 * mfu_v:>5.1f}% {100 * mfu_t:>5.1f}% {rv:>9.0f} {rt:>9.0f} "
              f"{rv / rt:>6.2f}x")
        summary[n] = dict(vlmlab_samples_per_s=vs, torch_samples_per_s=ts, ratio=vs / ts,
                          mfu_vlmlab=mfu_v, mfu_torch=mfu_t, rss_vlmlab_mib=rv, rss_torch_mib=rt,
                          torch_threads=torch_threads[n], train_flops_per_step=flops)
    for n in bf16_names:
        v, b, t = results[n]["vlmlab"], results[n]["vlmlab_bf16"], results[n]["torch"]
        vs = statistics.median(m["samples_per_s"] for m in v)
        bs = statistics.median(m["samples_per_s"] for m in b)
        ts = statistics.median(m["samples_per_s"] for m in t)
        rb = statistics.median(m["peak_rss_mib"] for m in b)
        print(f"{n} bf16: {bs:.1f} samples/s, {bs / vs:.2f}x vlmlab f32, {bs / ts:.2f}x PyTorch "
              f"f32; peak RSS {rb:.0f} MiB; final loss {b[-1]['final_loss']:.4f} "
              f"(f32 {v[-1]['final_loss']:.4f})")
        summary[n].update(bf16_samples_per_s=bs, bf16_vs_f32=bs / vs, rss_bf16_mib=rb)
    print("\nMFU: the model's analytic training FLOPs (3 x forward, platform/model/costs.h) per "
          "second over the ceiling; the same FLOPs are credited to PyTorch.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(machine=cpu_description(), ceiling_gflops=ceiling, summary=summary,
                           raw=results, ceilings=ceilings), f, indent=1)


if __name__ == "__main__":
    main()
