#!/usr/bin/env python3
"""Generates the float64 reference fixtures for the attention engine's tests.

Regenerate (from the repository root, with ../shared beside it):
    python3 Tests/MHACoreTests/Fixtures/make_attention_fixtures.py

Inputs are not stored: they come from a SplitMix64 generator that the Swift tests
implement identically (Tests/MHACoreTests/Support/SplitMix64.swift), drawn in the order
x, wq, wk, wv, wo, then bq, bk, bv, bo when the case has biases. Each value is
u = (next() >> 11) * 2**-53 mapped to 2u - 1; weights are multiplied by 1/sqrt(d_model)
and biases by 0.1. The expected heads, concat, output and weights come from
../shared/reference/mha_ref.py (numpy, float64); the cases it does not cover (a user mask,
a custom scale) use the small numpy function `masked_mha` below, written independently
of the Swift engine.
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "shared", "reference"))
from mha_ref import mha, softmax_rows  # noqa: E402

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        return 2.0 * ((self.next() >> 11) * 2.0 ** -53) - 1.0

    def matrix(self, rows, cols, scale=1.0):
        return np.array([[self.uniform() * scale for _ in range(cols)] for _ in range(rows)])


def inputs(case):
    g = SplitMix64(case["seed"])
    n, d = case["n"], case["d_model"]
    kv = case.get("kv_heads") or case["heads"]
    dk = d // case["heads"]
    w = 1.0 / math.sqrt(d)
    out = {"x": g.matrix(n, d), "wq": g.matrix(d, d, w), "wk": g.matrix(d, kv * dk, w),
           "wv": g.matrix(d, kv * dk, w), "wo": g.matrix(d, d, w)}
    if case.get("biases"):
        out.update(bq=g.matrix(1, d, 0.1), bk=g.matrix(1, kv * dk, 0.1),
                   bv=g.matrix(1, kv * dk, 0.1), bo=g.matrix(1, d, 0.1))
    return out


def masked_mha(p, heads, mask, scale, causal):
    """Independent numpy forward with a user mask (1 = attend) and an explicit scale."""
    q, k, v = p["x"] @ p["wq"], p["x"] @ p["wk"], p["x"] @ p["wv"]
    n, d = p["x"].shape
    dk = d // heads
    allowed = np.array(mask, dtype=bool)
    if causal:
        allowed &= np.tril(np.ones((n, n), dtype=bool))
    outs, weights = [], []
    for j in range(heads):
        s = q[:, j * dk:(j + 1) * dk] @ k[:, j * dk:(j + 1) * dk].T * scale
        s = np.where(allowed, s, -np.inf)
        a = np.zeros_like(s)
        live = allowed.any(axis=1)
        a[live] = softmax_rows(s[live])
        weights.append(a)
        outs.append(a @ v[:, j * dk:(j + 1) * dk])
    concat = np.concatenate(outs, axis=1)
    return {"heads": outs, "concat": concat, "output": concat @ p["wo"], "weights": weights}


CASES = [
    dict(name="single_head", seed=1, n=3, d_model=4, heads=1),
    dict(name="two_heads", seed=2, n=3, d_model=4, heads=2),
    dict(name="four_heads_causal", seed=3, n=5, d_model=8, heads=4, causal=True),
    dict(name="eight_heads_biases", seed=4, n=4, d_model=16, heads=8, biases=True),
    dict(name="one_token", seed=5, n=1, d_model=6, heads=2, biases=True),
    dict(name="n_not_d_model_causal", seed=6, n=7, d_model=4, heads=2, causal=True, biases=True),
    dict(name="grouped_query", seed=7, n=5, d_model=8, heads=4, kv_heads=2, causal=True),
    dict(name="multi_query", seed=8, n=4, d_model=8, heads=4, kv_heads=1, biases=True),
    dict(name="torch_layout", seed=9, n=3, d_model=6, heads=3, biases=True, layout="torch"),
    dict(name="packed_in_proj", seed=10, n=4, d_model=8, heads=2, causal=True, layout="in_proj"),
    dict(name="d768_h12", seed=11, n=3, d_model=768, heads=12, causal=True, biases=True),
    dict(name="user_mask_scale", seed=12, n=4, d_model=4, heads=2,
         mask=[[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 1]], scale=0.75),
    dict(name="user_mask_causal", seed=13, n=4, d_model=8, heads=4, causal=True,
         mask=[[1, 1, 1, 1], [0, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 1]]),
]


def expected(case):
    p = inputs(case)
    if "mask" in case:
        dk = case["d_model"] // case["heads"]
        r = masked_mha(p, case["heads"], case["mask"], case.get("scale", 1 / math.sqrt(dk)),
                       case.get("causal", False))
    else:
        r = mha(p["x"], p["wq"], p["wk"], p["wv"], p["wo"], case["heads"],
                causal=case.get("causal", False), bq=p.get("bq"), bk=p.get("bk"),
                bv=p.get("bv"), bo=p.get("bo"), kv_heads=case.get("kv_heads"))
    return {"heads": [h.tolist() for h in r["heads"]], "concat": r["concat"].tolist(),
            "output": r["output"].tolist(), "weights": [w.tolist() for w in r["weights"]]}


def main():
    out_dir = os.path.join(HERE, "attention")
    os.makedirs(out_dir, exist_ok=True)
    for case in CASES:
        doc = dict(case, expected=expected(case))
        with open(os.path.join(out_dir, case["name"] + ".json"), "w") as f:
            json.dump(doc, f)
            f.write("\n")
    print(f"wrote {len(CASES)} fixtures to {out_dir}")


if __name__ == "__main__":
    main()
