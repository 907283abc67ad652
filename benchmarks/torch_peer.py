#!/usr/bin/python3
"""The PyTorch eager peer of benchmarks/peer_benchmark.py: trains one benchmark configuration
(quickstart, small or medium; the same architecture, parameter names and counts as the
experiment files, from tools/goldens/torch_vlm.py) with AdamW and global-norm clipping on
random data, and prints one JSON line with the median step time.

    /usr/bin/python3 benchmarks/torch_peer.py --config small --batch 16 --text 64 --threads 1

Needs Debian's PyTorch (apt-get install python3-torch).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools",
                                "goldens"))
from torch_vlm import CONFIGS, adamw_for, forward, init_params, loss_of  # noqa: E402


def peak_rss_mib():
    """This process image's peak resident memory (VmHWM). Not ru_maxrss: a child inherits the
    peak of the process it was forked from (the benchmark driver, with torch imported)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, choices=sorted(CONFIGS))
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--text", type=int, required=True, help="text tokens after the image's")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = dict(CONFIGS[a.config])
    params, _ = init_params(a.config)
    opt = adamw_for(c, params)
    b, v = a.batch, c["visual"]
    images = torch.randn(b, 3, c["image"], c["image"])
    text = torch.randint(c["text_ids"][0], c["text_ids"][1], (b, a.text + 1), dtype=torch.int32)
    ids = torch.cat([torch.full((b, v), -1, dtype=torch.int32), text[:, :-1]], 1)
    labels = torch.cat([torch.full((b, v), -1, dtype=torch.int32), text[:, 1:]], 1)
    times = []
    loss = None
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_of(forward(a.config, c, params, images, ids), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), c["clip"])
        opt.step()
        if step >= a.warmup:
            times.append(1000 * (time.perf_counter() - t0))
    median = statistics.median(times)
    print(json.dumps(dict(peak_rss_mib=peak_rss_mib(), system="pytorch-eager", torch=torch.__version__, config=a.config,
                          threads=torch.get_num_threads(),
                          params=sum(p.numel() for p in params.values()), batch=b,
                          tokens=v + a.text, steps=a.steps, median_step_ms=round(median, 3),
                          samples_per_s=round(1000 * b / median, 3),
                          final_loss=round(float(loss), 5))))


if __name__ == "__main__":
    main()
