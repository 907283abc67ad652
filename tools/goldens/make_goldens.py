#!/usr/bin/python3
"""Writes the PyTorch golden fixtures of tests/goldens (llm.c style): an independent oracle for
whole models, beside the per-op reference kernels.

For each configuration (the quickstart model and the `small` benchmark model, both read by the
C++ test from experiment files in the repo) this script rebuilds the model in plain PyTorch
under vlmlab's parameter names (tools/goldens/torch_vlm.py), sets every parameter and input from a counter-based hash that
the C++ test recomputes bit for bit, and records:
  - the loss, and statistics of the logits (first values, sum, sum of |x|, L2, a +-1
    projection),
  - the same statistics of every parameter's gradient and the global gradient norm,
  - two AdamW steps with the stage's optimizer (lr multipliers, weight decay only for rank >= 2
    parameters, global-norm clipping): the loss and gradient norm of the second step and the
    statistics of each parameter's total change.
Statistics instead of whole tensors keep the fixtures small (a few hundred KB) while a random
projection still catches any wrong element.

Run with Debian's PyTorch (apt-get install python3-torch), not in CI:
    /usr/bin/python3 tools/goldens/make_goldens.py --out tests/goldens
"""
import argparse
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_vlm import (CONFIGS, adamw_for, forward, init_params, loss_of,  # noqa: E402
                       make_inputs, stats)

def make_fixture(name):
    c = CONFIGS[name]
    out = {}
    params, rules = init_params(name)
    for pname, (offset, scale) in rules.items():
        out["init." + pname] = torch.tensor([offset, scale], dtype=torch.float32)
    start = {k: v.detach().clone() for k, v in params.items()}
    images, ids, labels = make_inputs(c)
    out["input.ids"], out["input.labels"] = ids, labels

    opt = adamw_for(c, params)

    for step in range(2):
        opt.zero_grad(set_to_none=True)
        logits = forward(name, c, params, images, ids)
        loss = loss_of(logits, labels)
        loss.backward()
        if step == 0:  # gradients before clipping
            out["step0.logits.stats"], out["step0.logits.head"] = map(torch.from_numpy,
                                                                      stats(logits))
            for pname, t in params.items():
                s, h = stats(t.grad)
                out[f"grad.{pname}.stats"], out[f"grad.{pname}.head"] = (torch.from_numpy(s),
                                                                         torch.from_numpy(h))
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), c["clip"])
        out[f"step{step}.loss"] = loss.detach().reshape(1)
        out[f"step{step}.grad_norm"] = norm.detach().float().reshape(1)
        opt.step()
    for pname, t in params.items():
        s, h = stats(t.detach() - start[pname])
        out[f"delta.{pname}.stats"], out[f"delta.{pname}.head"] = (torch.from_numpy(s),
                                                                   torch.from_numpy(h))
    meta = {"config": name, "torch": torch.__version__, "generator": "tools/goldens/make_goldens.py"}
    return out, meta


def write_safetensors(path, tensors, meta):
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for key in sorted(tensors):
        t = tensors[key].contiguous()
        dtype = {torch.float32: "F32", torch.int32: "I32"}[t.dtype]
        data = t.numpy().tobytes()
        header[key] = {"dtype": dtype, "shape": list(t.shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/goldens")
    ap.add_argument("--configs", default="quickstart,small")
    a = ap.parse_args()
    torch.set_num_threads(1)
    for name in a.configs.split(","):
        tensors, meta = make_fixture(name)
        path = f"{a.out}/{name}_golden.safetensors"
        write_safetensors(path, tensors, meta)
        print(f"{path}: loss {float(tensors['step0.loss']):.6f} -> "
              f"{float(tensors['step1.loss']):.6f}, grad norm {float(tensors['step0.grad_norm']):.4f}")


if __name__ == "__main__":
    main()
