#!/usr/bin/env python3
"""Inputs of the attend, cross-attention and Llama examples, and their independent check.

    /work/venv/bin/python examples/torch_examples.py generate   # rewrite the input files
    /work/venv/bin/python examples/torch_examples.py verify     # check each `expected`,
                                                                 # rewrite torch-reference.json

`generate` draws the inputs from a seeded torch generator (values rounded to two decimals
for the hand-sized CSV examples; the Llama layer's weights are a random-init Hugging Face
LlamaAttention, written at full float64 precision). `verify` recomputes every printed number
in float64 with PyTorch alone — SDPA for attend, F.multi_head_attention_forward with separate
kdim/vdim for cross-attention, transformers' LlamaAttention ("sdpa" path) for the Llama layer
— and compares with the numbers in `expected` at their printed precision (half a unit in the
last place). It also writes each folder's `torch-reference.json` (the same parts at full
float64 precision, keyed as mha-cli's JSON output), which Tests/MHACLITests compares with
`--format json` at relative error 1e-12. Needs torch and transformers (the venv); never
mha-cli itself.
"""
import json, os, re, sys
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float64)


def path(folder, name):
    return os.path.join(HERE, folder, name)


def write_csv(folder, name, m):
    with open(path(folder, name), "w") as f:
        for row in m.tolist():
            f.write(",".join(f"{v:.2f}" for v in row) + "\n")


def read_csv(folder, name):
    with open(path(folder, name)) as f:
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip() and not line.startswith("#")]
    return torch.tensor(rows)


def rounded(g, rows, cols):
    return torch.round((torch.rand(rows, cols, generator=g) * 2 - 1) * 100) / 100


def numbers(text):
    """The values of every matrix block: lines that hold no title ('·', '=') and no labels."""
    out = []
    for line in text.splitlines():
        if "·" in line or "=" in line or not line.strip():
            continue
        out += [float(t) for t in re.findall(r"-?\d+\.\d+", line)]
    return torch.tensor(out)


def write_bundle(folder, name, bundle):
    os.makedirs(path(folder, ""), exist_ok=True)
    with open(path(folder, name), "w") as f:
        json.dump(bundle, f)
        f.write("\n")


def write_reference(folder, parts):
    with open(path(folder, "torch-reference.json"), "w") as f:
        json.dump({k: v.tolist() for k, v in parts.items()}, f)
        f.write("\n")


def close_printed(folder, want, decimals=4):
    with open(path(folder, "expected")) as f:
        got = numbers(f.read())
    want = torch.round(want.reshape(-1) * 10**decimals) / 10**decimals
    assert got.shape == want.shape, f"{folder}: {got.numel()} printed numbers, reference {want.numel()}"
    err = (got - want).abs().max().item()
    assert err <= 0.5 * 10**-decimals + 1e-12, f"{folder}: differs by {err}"
    print(f"ok  {folder}: {got.numel()} printed numbers match PyTorch to {decimals} decimals")


# attend: Q (2 × 2·2), K (3 × 2), V (3 × 3): two query heads sharing one K/V head (g = 1),
# d_v = 3 ≠ d_k = 2, n_q = 2 < n_k = 3, causal aligned at the end.
def attend(mode):
    folder = "attend-qkv"
    if mode == "generate":
        g = torch.Generator().manual_seed(12)
        write_csv(folder, "q.csv", rounded(g, 2, 4))
        write_csv(folder, "k.csv", rounded(g, 3, 2))
        write_csv(folder, "v.csv", rounded(g, 3, 3))
        return
    q, k, v = (read_csv(folder, n) for n in ("q.csv", "k.csv", "v.csv"))
    # Aligned at the end: query row i sees keys 0 … i + n_k − n_q (PyTorch's is_causal
    # would align at the start, so the mask is given explicitly).
    keep = torch.ones(2, 3, dtype=torch.bool).tril(diagonal=1)
    qh = q.reshape(2, 2, 2).transpose(0, 1)                 # τ × n_q × d_k
    kh, vh = k.expand(2, 3, 2), v.expand(2, 3, 3)           # the one K/V head, shared
    weights = torch.softmax((qh @ kh.transpose(1, 2)) / 2**0.5 + torch.where(keep, 0.0, float("-inf")), -1)
    heads = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=keep)
    concat = heads.transpose(0, 1).reshape(2, 6)
    write_reference(folder, {"weights": weights, "heads": heads, "concat": concat})
    close_printed(folder, torch.cat([weights.reshape(-1), heads.reshape(-1), concat.reshape(-1)]))


# cross-attention: decoder states H (2 × 4) attend to an encoder memory M (3 × 6): W^k, W^v
# are 6 × 4 (PyTorch's kdim = vdim = 6), two heads.
def cross(mode):
    folder = "cross-attention"
    if mode == "generate":
        g = torch.Generator().manual_seed(21)
        for name, (r, c) in {"x.csv": (2, 4), "memory.csv": (3, 6), "wq.csv": (4, 4), "wk.csv": (6, 4),
                             "wv.csv": (6, 4), "wo.csv": (4, 4)}.items():
            write_csv(folder, name, rounded(g, r, c))
        return
    x, m, wq, wk, wv, wo = (read_csv(folder, n) for n in ("x.csv", "memory.csv", "wq.csv", "wk.csv", "wv.csv", "wo.csv"))
    # PyTorch keeps weights out × in (applied as x·Wᵀ); ours are in × out: pass the transposes.
    out, weights = F.multi_head_attention_forward(
        x.unsqueeze(1), m.unsqueeze(1), m.unsqueeze(1), embed_dim_to_check=4, num_heads=2,
        in_proj_weight=None, in_proj_bias=None, bias_k=None, bias_v=None, add_zero_attn=False,
        dropout_p=0.0, out_proj_weight=wo.T, out_proj_bias=None, training=False, need_weights=True,
        use_separate_proj_weight=True, q_proj_weight=wq.T, k_proj_weight=wk.T, v_proj_weight=wv.T,
        average_attn_weights=False)
    write_reference(folder, {"weights": weights[0], "output": out[:, 0]})
    close_printed(folder, torch.cat([weights[0].reshape(-1), out[:, 0].reshape(-1)]))


# A Llama-style layer: 4 query heads of width 4 sharing 2 K/V heads (GQA), rotary positions
# (rotate_half), causal; hidden size 8, so τ·d_k = 16 ≠ d_model (--head-dim 4).
def llama_layer():
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding
    config = LlamaConfig(hidden_size=8, num_attention_heads=4, num_key_value_heads=2, head_dim=4,
                         rope_theta=10000.0, attention_bias=False, max_position_embeddings=64)
    return config, random_llama_attention(config, seed=7), LlamaRotaryEmbedding(config)


def random_llama_attention(config, seed, attention=None):
    """A float64 attention layer (LlamaAttention unless `attention` names another class) on the
    sdpa path (eager upcasts the softmax to float32), every parameter redrawn from N(0, 0.5²)
    with `seed`."""
    if attention is None:
        from transformers.models.llama.modeling_llama import LlamaAttention as attention
    config._attn_implementation = "sdpa"
    torch.manual_seed(seed)
    layer = attention(config, layer_idx=0).double().eval()
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn(p.shape) * 0.5)
    return layer


def llama(mode):
    folder = "llama-rope-gqa"
    config, layer, rotary = llama_layer()
    if mode == "generate":
        torch.manual_seed(8)
        x = torch.randn(4, 8)
        bundle = {"x": x.tolist(), "layout": "torch",
                  "wq": layer.q_proj.weight.tolist(), "wk": layer.k_proj.weight.tolist(),
                  "wv": layer.v_proj.weight.tolist(), "wo": layer.o_proj.weight.tolist()}
        write_bundle(folder, "llama-layer.json", bundle)
        return
    with open(path(folder, "llama-layer.json")) as f:
        x = torch.tensor(json.load(f)["x"])
    # LlamaRotaryEmbedding builds its angles in float32 whatever the model's dtype; the same
    # formula in float64 (inv_freq = base^(−2i/d), cos/sin of [freqs, freqs]) keeps the check exact.
    inv_freq = 1.0 / (config.rope_parameters["rope_theta"] ** (torch.arange(0, 4, 2, dtype=torch.float64) / 4))
    freqs = torch.outer(torch.arange(4, dtype=torch.float64), inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(0)
    cos, sin = emb.cos(), emb.sin()
    hf_cos, _ = rotary(x.unsqueeze(0), torch.arange(4).unsqueeze(0))
    assert (hf_cos - cos).abs().max() < 1e-6, "the float64 angles differ from Hugging Face's"
    causal = torch.full((4, 4), float("-inf")).triu(1).view(1, 1, 4, 4)
    with torch.no_grad():
        out, _ = layer(x.unsqueeze(0), position_embeddings=(cos, sin), attention_mask=causal)
    # The heads: the same computation stopped before o_proj (the concat is o_proj's input).
    captured = {}
    hook = layer.o_proj.register_forward_hook(lambda mod, inp, _: captured.setdefault("concat", inp[0]))
    with torch.no_grad():
        layer(x.unsqueeze(0), position_embeddings=(cos, sin), attention_mask=causal)
    hook.remove()
    heads = captured["concat"][0].reshape(4, 4, 4).transpose(0, 1)   # τ × n × d_k
    write_reference(folder, {"heads": heads, "output": out[0]})
    close_printed(folder, torch.cat([heads.reshape(-1), out[0].reshape(-1)]))


# A batch: a 3-D .npy input (3 sequences × 4 tokens × d_model 6) with shared weights and a
# 3-D mask, one key-padding pattern per sequence (1 = may attend), against
# nn.MultiheadAttention(batch_first=True) with key_padding_mask.
def batch(mode):
    folder = "batch-npy"
    import numpy as np
    if mode == "generate":
        g = torch.Generator().manual_seed(33)
        np.save(path(folder, "x.npy"), rounded(g, 12, 6).reshape(3, 4, 6).numpy())
        for name in ("wq.csv", "wk.csv", "wv.csv", "wo.csv"):
            write_csv(folder, name, rounded(g, 6, 6))
        keep = np.ones((3, 4, 4))
        keep[0, :, 3] = 0          # sequence 1: its last token is padding
        keep[2, :, 0] = 0          # sequence 3: its first
        np.save(path(folder, "mask.npy"), keep)
        return
    x = torch.tensor(np.load(path(folder, "x.npy")))
    keep = torch.tensor(np.load(path(folder, "mask.npy")))
    wq, wk, wv, wo = (read_csv(folder, n) for n in ("wq.csv", "wk.csv", "wv.csv", "wo.csv"))
    layer = torch.nn.MultiheadAttention(6, 2, bias=False, batch_first=True).double()
    with torch.no_grad():
        layer.in_proj_weight.copy_(torch.cat([wq.T, wk.T, wv.T]))
        layer.out_proj.weight.copy_(wo.T)
        out, _ = layer(x, x, x, key_padding_mask=keep[:, 0, :] == 0, need_weights=False)
    write_reference(folder, {"output": out})
    with open(path(folder, "expected")) as f:
        ours = torch.tensor(json.load(f)["output"])
    err = ((ours - out).abs() / out.abs().clamp(min=1e-3)).max().item()
    assert ours.shape == out.shape and err <= 1e-12, f"{folder}: relative error {err}"
    print(f"ok  {folder}: {out.numel()} numbers (3 sequences) match PyTorch, relative error {err:.1e}")


# additive mask: PyTorch's float attn_mask, finite biases and -inf where a key is blocked,
# given as CSV with the word -inf; three query heads share one K/V head.
def additive(mode):
    folder = "additive-mask"
    if mode == "generate":
        g = torch.Generator().manual_seed(44)
        write_csv(folder, "q.csv", rounded(g, 3, 6))
        write_csv(folder, "k.csv", rounded(g, 4, 2))
        write_csv(folder, "v.csv", rounded(g, 4, 2))
        bias = rounded(g, 3, 4)
        with open(path(folder, "mask.csv"), "w") as f:
            for i, row in enumerate(bias.tolist()):
                f.write(",".join("-inf" if (i + j) % 3 == 2 else f"{v:.2f}" for j, v in enumerate(row)) + "\n")
        return
    q, k, v = (read_csv(folder, n) for n in ("q.csv", "k.csv", "v.csv"))
    mask = read_csv(folder, "mask.csv")
    qh = q.reshape(3, 3, 2).transpose(0, 1)
    kh, vh = k.expand(3, 4, 2), v.expand(3, 4, 2)
    heads = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask)
    weights = torch.softmax((qh @ kh.transpose(1, 2)) / 2**0.5 + mask, -1)
    concat = heads.transpose(0, 1).reshape(3, 6)
    write_reference(folder, {"weights": weights, "concat": concat})
    close_printed(folder, torch.cat([weights.reshape(-1), concat.reshape(-1)]))


# Llama 3.1's scaled RoPE: the llama-rope-gqa layout (2 query heads of width 8 sharing one K/V
# head), base 500000 and rope_type llama3 with a short original context (256) so that its
# pairs fall in all three bands (kept, smoothed, stretched) and the positions 100…103
# (position_offset 100) show the change. The
# float64 angles come from transformers' own llama3 frequencies recomputed in float64 here
# (the wavelength bands of Llama 3.1's rule) and must agree with its float32 ones.
def llama3(mode):
    import math
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding
    folder = "llama3-rope-scaling"
    scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 256}
    config = LlamaConfig(hidden_size=8, num_attention_heads=2, num_key_value_heads=1, head_dim=8,
                         attention_bias=False, max_position_embeddings=1024,
                         rope_parameters=dict(scaling, rope_theta=500000.0))
    layer = random_llama_attention(config, seed=11)
    if mode == "generate":
        torch.manual_seed(12)
        x = torch.randn(4, 8)
        bundle = {"x": x.tolist(), "layout": "torch", "heads": 2, "kv_heads": 1, "head_dim": 8,
                  "rope": "half", "rope_base": 500000, "position_offset": 100,
                  "rope_scaling": {k: v for k, v in scaling.items()},
                  "wq": layer.q_proj.weight.tolist(), "wk": layer.k_proj.weight.tolist(),
                  "wv": layer.v_proj.weight.tolist(), "wo": layer.o_proj.weight.tolist()}
        write_bundle(folder, "llama3-layer.json", bundle)
        return
    with open(path(folder, "llama3-layer.json")) as f:
        x = torch.tensor(json.load(f)["x"])
    plain = 1.0 / (500000.0 ** (torch.arange(0, 8, 2, dtype=torch.float64) / 8))
    inv_freq = []
    for f in plain.tolist():
        wavelength = 2 * math.pi / f
        if wavelength < 256 / 4: inv_freq.append(f)
        elif wavelength > 256 / 1: inv_freq.append(f / 8)
        else:
            smooth = (256 / wavelength - 1) / (4 - 1)
            inv_freq.append((1 - smooth) * f / 8 + smooth * f)
    inv_freq = torch.tensor(inv_freq)
    positions = torch.arange(100, 104, dtype=torch.float64)
    freqs = torch.outer(positions, inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(0)
    cos, sin = emb.cos(), emb.sin()
    rotary = LlamaRotaryEmbedding(config)
    assert torch.allclose(rotary.inv_freq.double(), inv_freq, rtol=1e-6), "llama3 frequencies differ from transformers'"
    hf_cos, _ = rotary(x.unsqueeze(0), torch.arange(100, 104).unsqueeze(0))
    assert (hf_cos - cos).abs().max() < 1e-4, "the float64 angles differ from Hugging Face's"
    causal = torch.full((4, 4), float("-inf")).triu(1).view(1, 1, 4, 4)
    with torch.no_grad():
        out, _ = layer(x.unsqueeze(0), position_embeddings=(cos, sin), attention_mask=causal)
    write_reference(folder, {"output": out[0]})
    close_printed(folder, out[0].reshape(-1))


# Packed weights with separate biases: GPT-2's c_attn weight given as --qkv (d_model × 3·d_model,
# [W^q | W^k | W^v]) with --bq, --bk, --bv (and --bo); the same layer as every other way of
# writing it (separate weights, --in-proj, a packed --qkv-bias), so the tests can run each
# combination against one reference: F.multi_head_attention_forward with in_proj_weight
# qkvᵀ and in_proj_bias [b^q | b^k | b^v]. `layer.json` is the bundle form (qkv, bq, bk, bv, bo).
def packed_biases(mode):
    folder = "packed-qkv-biases"
    if mode == "generate":
        g = torch.Generator().manual_seed(55)
        os.makedirs(path(folder, ""), exist_ok=True)
        x = rounded(g, 3, 4)
        wq, wk, wv, wo = (rounded(g, 4, 4) for _ in range(4))
        bq, bk, bv, bo = (rounded(g, 1, 4) for _ in range(4))
        files = {"x.csv": x, "wq.csv": wq, "wk.csv": wk, "wv.csv": wv, "wo.csv": wo,
                 "bq.csv": bq, "bk.csv": bk, "bv.csv": bv, "bo.csv": bo,
                 "qkv.csv": torch.cat([wq, wk, wv], 1), "in_proj.csv": torch.cat([wq.T, wk.T, wv.T]),
                 "qkv_bias.csv": torch.cat([bq, bk, bv], 1)}
        for name, m in files.items():
            write_csv(folder, name, m)
        bundle = {"x": x.tolist(), "qkv": files["qkv.csv"].tolist(), "wo": wo.tolist(),
                  "bq": bq[0].tolist(), "bk": bk[0].tolist(), "bv": bv[0].tolist(), "bo": bo[0].tolist(),
                  "heads": 2}
        write_bundle(folder, "layer.json", bundle)
        return
    x, qkv, wo = (read_csv(folder, n) for n in ("x.csv", "qkv.csv", "wo.csv"))
    bq, bk, bv, bo = (read_csv(folder, n)[0] for n in ("bq.csv", "bk.csv", "bv.csv", "bo.csv"))
    out, weights = F.multi_head_attention_forward(
        x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1), embed_dim_to_check=4, num_heads=2,
        in_proj_weight=qkv.T, in_proj_bias=torch.cat([bq, bk, bv]), bias_k=None, bias_v=None,
        add_zero_attn=False, dropout_p=0.0, out_proj_weight=wo.T, out_proj_bias=bo, training=False,
        need_weights=True, average_attn_weights=False)
    write_reference(folder, {"weights": weights[0], "output": out[:, 0]})
    close_printed(folder, torch.cat([weights[0].reshape(-1), out[:, 0].reshape(-1)]))


# Qwen3's QK-norm: a random-init Qwen3Attention (2 query heads of width 4 sharing one K/V head,
# every parameter redrawn, q_norm and k_norm gains included), its RMS norms kept in float64
# (transformers computes them in float32), RoPE base 1000000, causal. The bundle gives the
# gains as gq, gk with qk_norm "head" and qk_norm_eps 1e-6, as run --checkpoint reads a Qwen3.
def qwen3(mode):
    from transformers import Qwen3Config
    from transformers.models.qwen3.modeling_qwen3 import Qwen3Attention, Qwen3RotaryEmbedding
    folder = "qwen3-qk-norm"
    config = Qwen3Config(hidden_size=8, num_attention_heads=2, num_key_value_heads=1, head_dim=4,
                         rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})
    layer = random_llama_attention(config, seed=21, attention=Qwen3Attention)
    if mode == "generate":
        torch.manual_seed(22)
        x = torch.randn(4, 8)
        bundle = {"x": x.tolist(), "layout": "torch", "heads": 2, "kv_heads": 1, "head_dim": 4,
                  "rope": "half", "rope_base": 1000000, "qk_norm": "head", "qk_norm_eps": 1e-6,
                  "wq": layer.q_proj.weight.tolist(), "wk": layer.k_proj.weight.tolist(),
                  "wv": layer.v_proj.weight.tolist(), "wo": layer.o_proj.weight.tolist(),
                  "gq": layer.q_norm.weight.tolist(), "gk": layer.k_norm.weight.tolist()}
        write_bundle(folder, "qwen3-layer.json", bundle)
        return
    with open(path(folder, "qwen3-layer.json")) as f:
        x = torch.tensor(json.load(f)["x"])
    for norm in (layer.q_norm, layer.k_norm):  # float64 throughout, not transformers' float32
        norm.forward = lambda h, norm=norm: norm.weight * h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + norm.variance_epsilon)
    inv_freq = 1.0 / (1000000.0 ** (torch.arange(0, 4, 2, dtype=torch.float64) / 4))
    freqs = torch.outer(torch.arange(4, dtype=torch.float64), inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(0)
    cos, sin = emb.cos(), emb.sin()
    hf_cos, _ = Qwen3RotaryEmbedding(config)(x.unsqueeze(0), torch.arange(4).unsqueeze(0))
    assert (hf_cos - cos).abs().max() < 1e-6, "the float64 angles differ from Hugging Face's"
    causal = torch.full((4, 4), float("-inf")).triu(1).view(1, 1, 4, 4)
    with torch.no_grad():
        out, _ = layer(x.unsqueeze(0), position_embeddings=(cos, sin), attention_mask=causal)
    write_reference(folder, {"output": out[0]})
    close_printed(folder, out[0].reshape(-1))


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "verify"
    assert mode in ("generate", "verify"), "usage: torch_examples.py generate|verify"
    for example in (attend, cross, llama, batch, additive, llama3, packed_biases, qwen3):
        example(mode)
