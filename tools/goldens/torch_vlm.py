"""vlmlab's models in plain PyTorch, under vlmlab's parameter names: the oracle of the golden
fixtures (tools/goldens/make_goldens.py) and the PyTorch peer of the benchmarks
(benchmarks/torch_peer.py). Functional style: parameters are a dict name -> tensor, so the
names are exactly those of VlmModel::NamedParameters().

    c = CONFIGS["small"]
    params = init_params("small")                       # hashed values, as the C++ tests make
    logits = forward("small", c, params, images, ids)   # ids: -1 marks an image placeholder
    loss = loss_of(logits, labels)                      # labels: -1 = no target

Needs Debian's PyTorch (apt-get install python3-torch; run with /usr/bin/python3).
"""
import functools
import math

import numpy as np
import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def splitmix64(x):  # x: np.uint64 array
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        z = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hash_uniform(name, n):
    """n float32 values in [-1, 1), exact in 24 bits: the C++ test's HashUniform."""
    with np.errstate(over="ignore"):
        h = splitmix64(np.uint64(fnv1a64(name)) + np.arange(n, dtype=np.uint64))
    k = (h >> np.uint64(40)).astype(np.int64) - (1 << 23)
    return (k.astype(np.float32) / np.float32(1 << 23)).astype(np.float32)


def hash_tensor(name, shape, offset, scale):
    u = hash_uniform(name, int(np.prod(shape)))
    v = np.float32(offset) + np.float32(scale) * u  # float32 arithmetic, as in C++
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def init_rule(name, shape):
    """(offset, scale) of parameter `name`: stored in the fixture, so C++ needs no rules."""
    leaf = name.rsplit(".", 1)[-1]
    is_norm = len(shape) == 1 and "norm" in name and leaf == "weight"
    if is_norm:
        return 1.0, 0.1
    if leaf == "bias" or len(shape) == 1:
        return 0.0, 0.1
    if "embed" in name and len(shape) == 2 and "patch" not in name:
        return 0.0, 0.17 if "pos" not in name else 0.1
    fan_in = int(np.prod(shape[1:]))
    return 0.0, math.sqrt(3.0 / fan_in)


def stats(x):
    """[sum, sum |x|, L2, projection on a hashed +-1 vector] in float64, and the first values."""
    v = x.detach().double().reshape(-1).numpy()
    signs = np.where(hash_uniform("projection", v.size) >= 0, 1.0, -1.0)
    s = np.array([v.sum(), np.abs(v).sum(), math.sqrt((v * v).sum()), (signs * v).sum()])
    return s.astype(np.float32), v[:16].astype(np.float32)


# ---- model pieces, in vlmlab's semantics (see the plugin headers named on each) ----

def layer_norm(x, p, name, eps):
    return F.layer_norm(x, x.shape[-1:], p[name + ".weight"], p[name + ".bias"], eps)


def rms_norm(x, w, eps):  # platform/nn/norm_layers.h
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def linear(x, p, name, bias=True):
    return F.linear(x, p[name + ".weight"], p.get(name + ".bias") if bias else None)


@functools.lru_cache(maxsize=None)
def rope_tables(t, d, theta):
    inv = theta ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(t, dtype=torch.float64)[:, None] * inv[None]
    return ang.cos().float(), ang.sin().float()


def rope(x, theta):  # platform/ops/rope_ops.h: interleaved pairs (x[2i], x[2i+1])
    cos, sin = rope_tables(x.shape[-2], x.shape[-1], theta)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), -1).flatten(-2)


def attention(q, k, v, causal):
    d = q.shape[-1]
    s = q @ k.transpose(-1, -2) / math.sqrt(d)
    if causal:
        t = s.shape[-1]
        s = s + torch.full((t, t), float("-inf")).triu(1)
    return torch.softmax(s, -1) @ v


def llama(h, p, c):  # plugins/llms/llama_llm.h
    b, t, d = h.shape
    nh, hd = c["heads"], d // c["heads"]
    for i in range(c["layers"]):
        n = f"llm.blocks.{i}."
        y = rms_norm(h, p[n + "norm1.weight"], c["rms_eps"])
        q = linear(y, p, n + "attn.q", False).view(b, t, nh, hd).transpose(1, 2)
        k = linear(y, p, n + "attn.k", False).view(b, t, nh, hd).transpose(1, 2)
        v = linear(y, p, n + "attn.v", False).view(b, t, nh, hd).transpose(1, 2)
        a = attention(rope(q, 10000.0), rope(k, 10000.0), v, causal=True)
        h = h + linear(a.transpose(1, 2).reshape(b, t, d), p, n + "attn.o", False)
        y = rms_norm(h, p[n + "norm2.weight"], c["rms_eps"])
        g = F.silu(linear(y, p, n + "fc1", False)) * linear(y, p, n + "fc3", False)
        h = h + linear(g, p, n + "fc2", False)
    h = rms_norm(h, p["llm.norm.weight"], c["rms_eps"])
    head = p["llm.head.weight"] if "llm.head.weight" in p else p["llm.embed.weight"]
    return h @ head.t()


def conv_encoder(img, p):  # plugins/encoders/conv_encoder.cc, one stage, CONV3_STACK stem
    def ln_c(x, name):  # LayerNorm over the channels of each position
        return layer_norm(x.permute(0, 2, 3, 1), p, name, 1e-6).permute(0, 3, 1, 2)

    def gelu(x):
        return F.gelu(x, approximate="tanh")

    x = img
    for i in range(3):  # stem_stride 8: three 3x3 stride-2 convs with act(norm(.)) between
        x = F.conv2d(x, p[f"encoder.stem.convs.{i}.weight"], p[f"encoder.stem.convs.{i}.bias"],
                     stride=2, padding=1)
        if i < 2:
            x = gelu(ln_c(x, f"encoder.stem.norms.{i}"))
    n = "encoder.stages.0.blocks.0."
    y = gelu(ln_c(x, n + "norm1"))
    y = F.conv2d(y, p[n + "conv1.weight"], p[n + "conv1.bias"], padding=1)
    y = gelu(ln_c(y, n + "norm2"))
    x = x + F.conv2d(y, p[n + "conv2.weight"], p[n + "conv2.bias"], padding=1)
    x = layer_norm(x.permute(0, 2, 3, 1), p, "encoder.norm", 1e-6)  # [N, h, w, C]
    return x.reshape(x.shape[0], -1, x.shape[-1])


def vit_encoder(img, p, c):  # plugins/encoders/vit_encoder.cc: no CLS, learned positions
    x = F.conv2d(img, p["encoder.patch_embed.weight"], p["encoder.patch_embed.bias"],
                 stride=c["patch"])
    x = x.flatten(2).transpose(1, 2) + p["encoder.pos_embed"]
    b, t, d = x.shape
    nh, hd = c["v_heads"], d // c["v_heads"]
    for i in range(c["v_layers"]):
        n = f"encoder.blocks.{i}."
        y = layer_norm(x, p, n + "norm1", 1e-5)
        q, k, v = (linear(y, p, n + "attn." + w).view(b, t, nh, hd).transpose(1, 2)
                   for w in "qkv")
        a = attention(q, k, v, causal=False)
        x = x + linear(a.transpose(1, 2).reshape(b, t, d), p, n + "attn.o")
        y = F.gelu(linear(layer_norm(x, p, n + "norm2", 1e-5), p, n + "fc1"))
        x = x + linear(y, p, n + "fc2")
    return layer_norm(x, p, "encoder.post_norm", 1e-5)


def mlp_projector(v, p):  # plugins/projectors/mlp_projector.cc: exact GELU between layers
    h = F.gelu(linear(v, p, "projector.mlp.layers.0"))
    return linear(h, p, "projector.mlp.layers.1")


def fuse(ids, visual, p):  # plugins/fusion/self_attention_fusion.cc: -1 marks a placeholder
    emb = p["llm.embed.weight"][ids.clamp(min=0).long()]
    slots = (ids < 0).reshape(-1).nonzero().squeeze(1)
    flat = emb.reshape(-1, emb.shape[-1]).index_copy(0, slots, visual.reshape(-1, visual.shape[-1]))
    return flat.view_as(emb)


# ---- configurations ----

def quickstart_shapes():
    d, f, v, w = 96, 256, 407, 48  # w: experiments/quickstart.textproto's conv.width
    s = {}
    for i in range(3):
        s[f"encoder.stem.convs.{i}.weight"] = (w, 3 if i == 0 else w, 3, 3)
        s[f"encoder.stem.convs.{i}.bias"] = (w,)
    for i in range(2):
        s[f"encoder.stem.norms.{i}.weight"] = s[f"encoder.stem.norms.{i}.bias"] = (w,)
    for part, shape in (("norm1", None), ("conv1", (w, w, 3, 3)), ("norm2", None),
                        ("conv2", (w, w, 3, 3))):
        n = "encoder.stages.0.blocks.0." + part
        s[n + ".weight"] = shape or (w,)
        s[n + ".bias"] = (w,)
    s.update({"encoder.norm.weight": (w,), "encoder.norm.bias": (w,),
              "projector.mlp.layers.0.weight": (d, w), "projector.mlp.layers.0.bias": (d,),
              "projector.mlp.layers.1.weight": (d, d), "projector.mlp.layers.1.bias": (d,),
              "llm.embed.weight": (v, d), "llm.norm.weight": (d,)})
    s.update(llama_block_shapes(2, d, f))
    return s


def llama_block_shapes(layers, d, f):
    s = {}
    for i in range(layers):
        n = f"llm.blocks.{i}."
        s.update({n + "norm1.weight": (d,), n + "norm2.weight": (d,),
                  n + "attn.q.weight": (d, d), n + "attn.k.weight": (d, d),
                  n + "attn.v.weight": (d, d), n + "attn.o.weight": (d, d),
                  n + "fc1.weight": (f, d), n + "fc3.weight": (f, d), n + "fc2.weight": (d, f)})
    return s


def small_shapes(c):
    d, vd, m = c["l_dim"], c["v_dim"], c["v_dim"] * 4
    g = (c["image"] // c["patch"]) ** 2
    s = {"encoder.patch_embed.weight": (vd, 3, c["patch"], c["patch"]),
         "encoder.patch_embed.bias": (vd,), "encoder.pos_embed": (g, vd),
         "encoder.post_norm.weight": (vd,), "encoder.post_norm.bias": (vd,)}
    for i in range(c["v_layers"]):
        n = f"encoder.blocks.{i}."
        for w in ("norm1", "norm2"):
            s[n + w + ".weight"], s[n + w + ".bias"] = (vd,), (vd,)
        for w in "qkvo":
            s[n + "attn." + w + ".weight"], s[n + "attn." + w + ".bias"] = (vd, vd), (vd,)
        s[n + "fc1.weight"], s[n + "fc1.bias"] = (m, vd), (m,)
        s[n + "fc2.weight"], s[n + "fc2.bias"] = (vd, m), (vd,)
    s.update({"projector.mlp.layers.0.weight": (d, vd), "projector.mlp.layers.0.bias": (d,),
              "projector.mlp.layers.1.weight": (d, d), "projector.mlp.layers.1.bias": (d,),
              "llm.embed.weight": (c["vocab"], d), "llm.head.weight": (c["vocab"], d),
              "llm.norm.weight": (d,)})
    s.update(llama_block_shapes(c["layers"], d, c["ffn"]))
    return s


CONFIGS = {
    # experiments/quickstart.textproto; optimizer of its first stage.
    "quickstart": dict(batch=2, image=48, visual=36, text=60, vocab=407, heads=4, layers=2,
                       rms_eps=1e-5, lr=1e-3, wd=0.01, clip=1.0,
                       lr_mult={"encoder.": 0.3, "projector.": 0.3}, text_ids=(8, 407)),
    # experiments/bench/small.textproto (the `small` benchmark configuration).
    "small": dict(batch=2, image=64, patch=8, visual=64, text=64, vocab=264, v_dim=192,
                  v_layers=4, v_heads=3, l_dim=256, heads=4, layers=4, ffn=688, rms_eps=1e-6,
                  lr=1e-3, wd=0.01, clip=1.0, lr_mult={}, text_ids=(8, 256)),
    # experiments/bench/medium.textproto (the `medium` benchmark configuration).
    "medium": dict(batch=8, image=128, patch=16, visual=64, text=128, vocab=264, v_dim=384,
                   v_layers=6, v_heads=6, l_dim=512, heads=8, layers=8, ffn=1376, rms_eps=1e-6,
                   lr=1e-3, wd=0.01, clip=1.0, lr_mult={}, text_ids=(8, 256)),
}


def forward(name, c, p, images, ids):
    if name == "quickstart":
        visual = mlp_projector(conv_encoder(images, p), p)
    else:
        visual = mlp_projector(vit_encoder(images, p, c), p)
    return llama(fuse(ids, visual, p), p, c)


def loss_of(logits, labels):
    v = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, v), labels.reshape(-1).long(), ignore_index=-1)


def make_inputs(c):
    b, t = c["batch"], c["visual"] + c["text"]
    images = hash_tensor("input.images", (b, 3, c["image"], c["image"]), 0.0, 1.0)
    lo, hi = c["text_ids"]  # clear of the tokenizer's special tokens (the image token above all)
    text = lo + (np.abs(hash_uniform("input.ids", b * c["text"])) * (hi - lo)).astype(np.int32)
    text = text.reshape(b, c["text"])
    ids = np.full((b, t), -1, dtype=np.int32)  # -1: an image placeholder
    labels = np.full((b, t), -1, dtype=np.int32)
    # Sample 0: the image first; sample 1: two text tokens, then the image.
    ids[0, c["visual"]:] = text[0]
    labels[0, c["visual"]:-1] = text[0, 1:]
    ids[1, :2] = text[1, :2]
    ids[1, 2 + c["visual"]:] = text[1, 2:]
    labels[1, 2 + c["visual"]:-1] = text[1, 3:]
    return images, torch.from_numpy(ids), torch.from_numpy(labels)




def shapes_of(name):
    return quickstart_shapes() if name == "quickstart" else small_shapes(CONFIGS[name])


def init_params(name):
    """Every parameter from the counter-based hash, with its (offset, scale) rule."""
    params, rules = {}, {}
    for pname, shape in sorted(shapes_of(name).items()):
        offset, scale = init_rule(pname, shape)
        rules[pname] = (offset, scale)
        params[pname] = hash_tensor(pname, shape, offset, scale).requires_grad_()
    return params, rules


def adamw_for(c, params):
    """The stage's AdamW: lr multipliers by name prefix, weight decay for rank >= 2 only."""
    groups = {}
    for pname, t in params.items():
        mult = next((m for pre, m in c["lr_mult"].items() if pname.startswith(pre)), 1.0)
        wd = c["wd"] if t.dim() >= 2 else 0.0
        groups.setdefault((mult, wd), []).append(t)
    return torch.optim.AdamW([dict(params=ps, lr=c["lr"] * m, weight_decay=wd)
                              for (m, wd), ps in groups.items()], lr=c["lr"], eps=1e-8)
