#!/usr/bin/env python3
"""Whole-process wall time of a one-off `mha-cli run` on the hand-sized example against
`python3 -c` doing the same with numpy, alternating, medians (issue 4). Run from the
repository root after `swift build -c release`:  python3 benchmarks/one_off.py [RUNS]"""
import subprocess, time, statistics, sys
mha = [".build/release/mha-cli", "run", "--bundle", "examples/two-heads/bundle.json"]
py = ["python3", "-c", """
import json, numpy as np
b = json.load(open('examples/two-heads/bundle.json'))
x, wq, wk, wv, wo = (np.array(b[k], dtype=float) for k in ('x','wq','wk','wv','wo'))
h = b['heads']; n, d = x.shape; dk = d // h
q, k, v = x @ wq, x @ wk, x @ wv
heads = []
for j in range(h):
    s = q[:, j*dk:(j+1)*dk] @ k[:, j*dk:(j+1)*dk].T / np.sqrt(dk)
    a = np.exp(s - s.max(axis=1, keepdims=True)); a /= a.sum(axis=1, keepdims=True)
    heads.append(a @ v[:, j*dk:(j+1)*dk])
c = np.concatenate(heads, axis=1)
print(c); print(c @ wo)
"""]
def t(cmd):
    s = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); return time.perf_counter() - s
a, b = [], []
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 15):
    a.append(t(mha)); b.append(t(py))
ma, mb = statistics.median(a), statistics.median(b)
print(f"mha-cli run: median {ma*1000:.1f} ms (min {min(a)*1000:.1f}); python3 -c numpy: median {mb*1000:.1f} ms (min {min(b)*1000:.1f}); ratio {mb/ma:.1f}x; n={len(a)}")
