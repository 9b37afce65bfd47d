# Regenerate with:  /work/venv/bin/python Tests/MHACoreTests/Fixtures/mistakes/make_mistake_fixtures.py
# (from the package root). Writes mistakes.json: small attention problems (inputs included)
# and, for each catalogued mistake of DESIGN §6 that applies, the scores, weights, concat and
# output of the mistaken computation, computed independently in float64 with numpy (no mha-cli code is used).
import json
import pathlib

import numpy as np


def softmax_rows(s):
    out = np.zeros_like(s)
    for i, row in enumerate(s):
        if np.all(np.isneginf(row)):
            continue
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


def compute(p, *, scale=None, causal=None, heads=None, kv_heads=None, biases=True, transpose_w=False,
            softmax_cols=False, transposed_scores=False, excl_self=False, interleaved=False,
            reversed_concat=False, project=True, mask=None):
    x = np.array(p["x"])
    tau = heads or p["heads"]
    g = kv_heads or (p.get("kv_heads") or p["heads"]) if heads is None else (kv_heads or tau)
    w = {k: np.array(p[k]) for k in ("wq", "wk", "wv", "wo")}
    if transpose_w:
        w = {k: v.T for k, v in w.items()}
    b = {k: (np.array(p[k]) if biases and k in p else 0.0) for k in ("bq", "bk", "bv", "bo")}
    n, d = x.shape
    dk = d // tau
    sc = scale if scale is not None else (p["scale"] if p.get("scale") is not None else 1 / np.sqrt(dk))
    causal = p["causal"] if causal is None else causal
    m = np.array(p["mask"]) if p.get("mask") is not None else None
    if mask is not None:
        m = mask
    q = x @ w["wq"] + b["bq"]
    k = x @ w["wk"] + b["bk"]
    v = x @ w["wv"] + b["bv"]

    def cols(a, h, count):
        if interleaved:
            return a[:, [h + c * count for c in range(dk)]]
        return a[:, h * dk:(h + 1) * dk]

    scores, weights, head_list = [], [], []
    for j in range(tau):
        kv = j * g // tau
        qj, kj, vj = cols(q, j, tau), cols(k, kv, g), cols(v, kv, g)
        s = (kj @ qj.T if transposed_scores else qj @ kj.T) * sc
        masked = s.copy()
        for r in range(n):
            for t in range(n):
                blocked = causal and (t >= r if excl_self else t > r)
                if m is not None and m[r, t] == 0:
                    blocked = True
                if blocked:
                    masked[r, t] = -np.inf
        wgt = softmax_rows(masked.T).T if softmax_cols else softmax_rows(masked)
        scores.append(s)
        weights.append(wgt)
        head_list.append(wgt @ vj)
    ordered = head_list[::-1] if reversed_concat else head_list
    concat = np.concatenate(ordered, axis=1)
    out = concat @ w["wo"] + b["bo"] if project else concat
    return {"q": q, "k": k, "v": v, "scores": scores, "weights": weights, "heads": head_list,
            "concat": concat, "output": out}


def variants(p):
    tau = p["heads"]
    n, d = np.array(p["x"]).shape
    dk = d // tau
    has_bias = any(k in p for k in ("bq", "bk", "bv", "bo"))
    square = (p.get("kv_heads") or tau) == tau
    out = {"no-scale": dict(scale=1.0),
           "scale-d_model": dict(scale=1 / np.sqrt(d)),
           "scale-d_k": dict(scale=1 / dk),
           "softmax-columns": dict(softmax_cols=True),
           "transposed-scores": dict(transposed_scores=True),
           "no-output-projection": dict(project=False),
           "interleaved-heads": dict(interleaved=True),
           "single-head": dict(heads=1, kv_heads=1),
           "heads-reversed": dict(reversed_concat=True)}
    if p["causal"]:
        out["no-causal-mask"] = dict(causal=False)
        out["causal-excludes-self"] = dict(excl_self=True)
    else:
        out["unwanted-causal-mask"] = dict(causal=True)
    if square:
        out["transposed-weights"] = dict(transpose_w=True)
    if has_bias:
        out["missing-biases"] = dict(biases=False)
    if p.get("mask") is not None:
        out["mask-inverted"] = dict(mask=1 - np.array(p["mask"]))
    if not square:
        del out["single-head"]  # W^k is d_model × g·d_k: one head over d_model cannot use it
    return out


def problem(name, seed, n, d, heads, causal, kv_heads=None, mask=False):
    rng = np.random.default_rng(seed)
    g = kv_heads or heads
    kvd = g * (d // heads)
    p = {"name": name, "heads": heads, "causal": causal,
         "x": rng.uniform(-2, 2, (n, d)), "wq": rng.uniform(-1, 1, (d, d)), "wk": rng.uniform(-1, 1, (d, kvd)),
         "wv": rng.uniform(-1, 1, (d, kvd)), "wo": rng.uniform(-1, 1, (d, d)),
         "bq": rng.uniform(-0.5, 0.5, (1, d)), "bk": rng.uniform(-0.5, 0.5, (1, kvd)),
         "bv": rng.uniform(-0.5, 0.5, (1, kvd)), "bo": rng.uniform(-0.5, 0.5, (1, d))}
    if kv_heads:
        p["kv_heads"] = kv_heads
    if mask:
        m = (rng.uniform(0, 1, (n, n)) > 0.4).astype(float)
        np.fill_diagonal(m, 1.0)
        p["mask"] = m
    return p


def listed(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, list):
        return [listed(a) for a in v]
    if isinstance(v, dict):
        return {k: listed(a) for k, a in v.items()}
    return v


def kept(steps):
    """What the fixture keeps of a mistaken computation (the file stays small): the scores
    and weights of every head, the concat (which holds the heads) and the output."""
    return {k: steps[k] for k in ("scores", "weights", "concat", "output")}


problems = [problem("plain", 1, 4, 8, 4, False), problem("causal", 2, 4, 8, 4, True),
            problem("masked", 3, 4, 4, 2, False, mask=True), problem("grouped", 4, 4, 8, 4, True, kv_heads=2)]
cases = []
for p in problems:
    cases.append({"problem": listed(p), "right": listed(compute(p)),
                  "mistakes": {mid: listed(kept(compute(p, **kw))) for mid, kw in variants(p).items()}})
path = pathlib.Path(__file__).with_name("mistakes.json")
path.write_text(json.dumps(cases, separators=(",", ":")) + "\n")
print(path, path.stat().st_size, "bytes")
