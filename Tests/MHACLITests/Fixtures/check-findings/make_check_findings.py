# Independent numpy answers with catalogued mistakes under RoPE and for attend problems.
# Run from this folder: /work/venv/bin/python make_check_findings.py
# p8.json, gqa.json: `mha-cli init` bundles (d_model 8; 2 heads; 4 heads with kv_heads 2 and biases).
import json
import numpy as np

def rope(m, heads, d, positions):  # "half" convention, base 10000, per head of width d
    out = m.copy()
    half = d // 2
    inv = 10000.0 ** (-(2 * np.arange(half)) / d)
    ang = positions[:, None] * inv[None, :]
    c, s = np.cos(ang), np.sin(ang)
    for h in range(heads):
        x1, x2 = m[:, h*d:h*d+half], m[:, h*d+half:(h+1)*d]
        out[:, h*d:h*d+half] = x1 * c - x2 * s
        out[:, h*d+half:(h+1)*d] = x2 * c + x1 * s
    return out

def softmax(s, axis):
    s = s - np.max(np.where(np.isfinite(s), s, -np.inf), axis=axis, keepdims=True)
    e = np.where(np.isfinite(s), np.exp(s), 0.0)
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)

def attention(q, k, v, tau, g, causal, mistake=None, scale=None):
    nq, nk = q.shape[0], k.shape[0]
    d, dv = q.shape[1] // tau, v.shape[1] // g
    scale = 1 / np.sqrt(d) if scale is None else scale
    heads = []
    for j in range(tau):
        h = j * g // tau
        qj, kj, vj = q[:, j*d:(j+1)*d], k[:, h*d:(h+1)*d], v[:, h*dv:(h+1)*dv]
        s = (kj @ qj.T if mistake == "transposed-scores" else qj @ kj.T) * scale
        p = np.arange(nq)[:, None] + nk - nq
        t = np.arange(nk)[None, :]
        if causal:
            blocked = t >= p if mistake == "causal-excludes-self" else t > p
            s = np.where(blocked, -np.inf, s)
        w = softmax(s, 0 if mistake == "softmax-columns" else 1)
        heads.append(w @ vj)
    return np.concatenate(heads, axis=1)

def write(name, m):
    np.savetxt(name, m, fmt="%.4f", delimiter=",")

def bundle(name):
    b = json.load(open(name))
    x = np.array(b["x"])
    lin = lambda w, bias: x @ np.array(b[w]) + (np.array(b[bias]).reshape(-1) if bias in b else 0)
    return b, lin("wq", "bq"), lin("wk", "bk"), lin("wv", "bv")

# p8.json --rope half: Q rotated (F20) and two mistakes made with RoPE (F1).
b, q, k, v = bundle("p8.json")
pos = np.arange(q.shape[0], dtype=float)
qr, kr = rope(q, 2, 4, pos), rope(k, 2, 4, pos)
write("p8-rope-q-rotated.csv", qr)
for m in ["softmax-columns", "transposed-scores"]:
    write(f"p8-rope-{m}-output.csv", attention(qr, kr, v, 2, 2, False, m) @ np.array(b["wo"]))

# gqa.json --rope half --causal: the causal mask that hides the diagonal too (F1).
b, q, k, v = bundle("gqa.json")
pos = np.arange(q.shape[0], dtype=float)
qr, kr = rope(q, 4, 2, pos), rope(k, 2, 2, pos)
out = attention(qr, kr, v, 4, 2, True, "causal-excludes-self") @ np.array(b["wo"]) + np.array(b["bo"]).reshape(-1)
write("gqa-rope-causal-causal-excludes-self-output.csv", out)

# examples/attend-qkv (Q 2 × 4, K 3 × 2, V 3 × 3; --heads 2 --kv-heads 1 --causal), the concat (F19).
load = lambda n: np.loadtxt(f"../../../../examples/attend-qkv/{n}.csv", delimiter=",", ndmin=2)
q, k, v = load("q"), load("k"), load("v")
write("attend-right-concat.csv", attention(q, k, v, 2, 1, True))
for m in ["softmax-columns", "causal-excludes-self"]:
    write(f"attend-{m}-concat.csv", attention(q, k, v, 2, 1, True, m))
write("attend-no-scale-concat.csv", attention(q, k, v, 2, 1, True, scale=1.0))
