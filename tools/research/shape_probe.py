#!/usr/bin/python3
"""Can an encoder of a given stem learn shape on the synthetic world? A PyTorch probe.

Trains a small conv encoder (the `conv` plugin's pre-activation residual design: per-position
LayerNorm, GELU) with a classification head on one-object scenes and prints held-out shape
accuracy, split by object size. Used to find why the quickstart VLM answered shape questions at
chance (docs/training.md, "Shape").

  bazel-bin/platform/cli/vlmlab data synth --out /tmp/one --split train --num_images 20000 \
      --tasks caption --max_objects 1
  /usr/bin/python3 tools/research/shape_probe.py --data /tmp/one --stem patchify --head attention

Needs python3-torch and python3-pil (Debian); not part of the test suite.
"""
import argparse, glob, io, json, tarfile, time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

SHAPES = ["circle", "square", "triangle", "diamond", "star", "hexagon"]


def load(directory, size):
    images, shapes, large = [], [], []
    for path in sorted(glob.glob(directory + "/*.tar")):
        files = {}
        with tarfile.open(path) as tar:
            for member in tar.getmembers():
                key, ext = member.name.rsplit(".", 1)
                files.setdefault(key, {})[ext] = tar.extractfile(member).read()
        for sample in files.values():
            world = json.loads(json.loads(sample["json"])["meta"]["world"])[0]
            if world["kind"] != "scene" or len(world["objects"]) != 1:
                continue
            img = Image.open(io.BytesIO(sample["png"])).convert("RGB").resize((size, size), Image.BOX)
            images.append(np.asarray(img, dtype=np.float32) / 127.5 - 1)  # [-1, 1] as the plugin
            shapes.append(SHAPES.index(world["objects"][0]["shape"]))
            large.append(world["objects"][0]["size"] == "large")
    return (torch.tensor(np.stack(images).transpose(0, 3, 1, 2)), torch.tensor(shapes),
            torch.tensor(large))


class ChannelNorm(nn.Module):  # LayerNorm over each position's channels, on NCHW
    def __init__(self, c):
        super().__init__()
        self.ln = nn.LayerNorm(c, eps=1e-6)

    def forward(self, x):
        return self.ln(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Block(nn.Module):  # x + conv2(act(norm2(conv1(act(norm1(x))))))
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(ChannelNorm(c), nn.GELU(), nn.Conv2d(c, c, 3, 1, 1),
                                  ChannelNorm(c), nn.GELU(), nn.Conv2d(c, c, 3, 1, 1))

    def forward(self, x):
        return x + self.body(x)


def encoder(stem, width, stride):
    if stem == "patchify":
        layers = [nn.Conv2d(3, width, stride, stride)]
    else:  # conv3_stack: log2(stride) 3x3 stride-2 convs, norm and act between
        layers, cin = [], 3
        while stride > 1:
            layers += [nn.Conv2d(cin, width, 3, 2, 1)]
            stride //= 2
            cin = width
            if stride > 1:
                layers += [ChannelNorm(width), nn.GELU()]
    return nn.Sequential(*layers, Block(width), ChannelNorm(width))


class Head(nn.Module):
    """attention: one learned query over the tokens (how a VLM's LLM must read them);
    mean / max: pooled tokens through a per-token MLP."""

    def __init__(self, kind, c):
        super().__init__()
        self.kind = kind
        if kind == "attention":
            self.query = nn.Parameter(torch.randn(1, 1, c) * 0.02)
            self.attn = nn.MultiheadAttention(c, 4, batch_first=True)
            self.out = nn.Linear(c, len(SHAPES))
        else:
            self.mlp = nn.Sequential(nn.Linear(c, 64), nn.ReLU())
            self.out = nn.Linear(64, len(SHAPES))

    def forward(self, x):  # x [N, C, h, w]
        tokens = x.flatten(2).transpose(1, 2)  # [N, h*w, C]
        if self.kind == "attention":
            pooled, _ = self.attn(self.query.expand(len(tokens), -1, -1), tokens, tokens)
            return self.out(pooled[:, 0])
        h = self.mlp(tokens)
        return self.out(h.mean(1) if self.kind == "mean" else h.amax(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--size", type=int, default=48)
    p.add_argument("--stem", choices=["patchify", "conv3_stack"], default="patchify")
    p.add_argument("--stride", type=int, default=8)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--head", choices=["attention", "mean", "max"], default="attention")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    x, y, large = load(a.data, a.size)
    n = len(x) - 2000  # the last 2000 one-object scenes are held out
    model = nn.Sequential(encoder(a.stem, a.width, a.stride), Head(a.head, a.width))
    opt = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=0.01)
    start = time.time()
    for step in range(a.steps + 1):
        i = torch.randint(0, n, (32,))
        loss = nn.functional.cross_entropy(model(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 500 == 0:
            with torch.no_grad():
                right = (model(x[n:]).argmax(1) == y[n:]).float()
            print(f"{a.stem} {a.head} step {step} loss {loss.item():.3f} shape acc "
                  f"{right.mean():.3f} large {right[large[n:]].mean():.3f} small "
                  f"{right[~large[n:]].mean():.3f} ({time.time() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
