#!/usr/bin/env python3
"""Checks every `expected` output of the run examples against a numpy float64 reference
(scripts/mha_numpy.py by default, or another module with the same `mha` function, e.g. the
course's mha_ref.py), independently of mha-cli's own arithmetic.

Usage: python3 examples/verify_with_numpy.py [path/to/reference.py]
Needs numpy, and the built mha-cli for the pipeline example (to produce its bundle): the
binary named by MHA_CLI, else `mha-cli` on PATH, else the package's .build/release/mha-cli or
.build/debug/mha-cli (`swift build -c release` makes the first); without one it stops with one
line saying how to point it at the binary:

    MHA_CLI=.build/release/mha-cli python3 examples/verify_with_numpy.py

Text and CSV outputs are compared at their printed precision (half a unit in the last
place); JSON outputs with a relative tolerance of 1e-12.
"""
import json, os, re, shutil, subprocess, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def find_mha_cli():
    """MHA_CLI, else mha-cli on PATH, else the package's own build; exits with one line if none."""
    named = os.environ.get("MHA_CLI")
    if named:
        if os.path.isfile(named) and os.access(named, os.X_OK):
            return named
        sys.exit(f"verify_with_numpy.py: error: MHA_CLI={named} is not an executable file")
    found = shutil.which("mha-cli")
    if found:
        return found
    for config in ("release", "debug"):
        built = os.path.join(HERE, "..", ".build", config, "mha-cli")
        if os.path.isfile(built) and os.access(built, os.X_OK):
            return os.path.normpath(built)
    sys.exit("verify_with_numpy.py: error: mha-cli not found (not on PATH, no .build/release/mha-cli): "
             "build it with `swift build -c release` or point MHA_CLI at the binary, "
             "e.g. MHA_CLI=.build/release/mha-cli python3 examples/verify_with_numpy.py")


MHA_CLI = find_mha_cli()
REF = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "scripts", "mha_numpy.py")
sys.path.insert(0, os.path.dirname(os.path.abspath(REF)))
mha = __import__(os.path.splitext(os.path.basename(REF))[0]).mha

def load_bundle(path):
    with open(path) as f:
        return json.load(f)

def numbers(text):
    """Every decimal number in the lines of text that hold values (not titles)."""
    out = []
    for line in text.splitlines():
        if "·" in line or "=" in line or not line.strip():
            continue
        out += [float(t) for t in re.findall(r"-?\d+\.\d+", line)]
    return np.array(out)

def close_printed(got, want, decimals, name):
    want = np.round(np.asarray(want, dtype=np.float64).ravel(), decimals)
    assert got.shape == want.shape, f"{name}: {got.shape} numbers, reference {want.shape}"
    err = np.max(np.abs(got - want))
    assert err <= 0.5 * 10.0 ** -decimals + 1e-12, f"{name}: differs by {err}"
    print(f"ok  {name}: {got.size} printed numbers match numpy to {decimals} decimals")

def close_json(got, want, name):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{name}: shape {got.shape}, reference {want.shape}"
    rel = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
    assert rel <= 1e-12 or np.max(np.abs(got - want)) <= 1e-15, f"{name}: relative error {rel}"
    print(f"ok  {name}: relative error {rel:.1e}")

def ref_from(bundle, **extra):
    keys = ("x", "wq", "wk", "wv", "wo", "bq", "bk", "bv", "bo")
    args = {k: bundle.get(k) for k in keys}
    return mha(args.pop("x"), args.pop("wq"), args.pop("wk"), args.pop("wv"), args.pop("wo"),
               bundle["heads"], kv_heads=bundle.get("kv_heads"), causal=bundle.get("causal", False),
               **args, **extra)

def read(folder, name="expected"):
    with open(os.path.join(HERE, folder, name)) as f:
        return f.read()

two = load_bundle(os.path.join(HERE, "two-heads", "bundle.json"))
r = ref_from(two)
close_printed(numbers(read("two-heads")), np.concatenate([*[h.ravel() for h in r["heads"]], r["concat"].ravel(), r["output"].ravel()]), 4, "two-heads (text)")
j = json.loads(read("two-heads-bundle"))
for key in ("concat", "output"):
    close_json(j[key], r[key], f"two-heads-bundle {key}")
close_json(j["heads"], np.array(r["heads"]), "two-heads-bundle heads")

c = ref_from(dict(two, causal=True))
row = 1
want = np.concatenate([*[w[row] for w in c["weights"]], *[h[row] for h in c["heads"]], c["output"][row]])
close_printed(numbers(read("causal-single-token")), want, 4, "causal-single-token (text, row 1 of the causal run)")

g = load_bundle(os.path.join(HERE, "grouped-query", "bundle.json"))
rg = ref_from(g)
jg = json.loads(read("grouped-query"))
close_json(jg["heads"], np.array(rg["heads"]), "grouped-query heads")
close_json(jg["output"], rg["output"], "grouped-query output")

x = np.load(os.path.join(HERE, "numpy-npy", "x.npy")).astype(np.float64)
wq = np.load(os.path.join(HERE, "numpy-npy", "wq.npy"))
eye = np.eye(4)
rn = mha(x, wq, eye, eye, eye, 2)
close_printed(np.array([float(t) for t in read("numpy-npy").replace("\n", ",").split(",") if t]), rn["output"], 6, "numpy-npy (csv)")

bundle = json.loads(subprocess.run([MHA_CLI, "init", "--d-model", "8", "--heads", "2", "--seq-len", "3", "--seed", "7"],
                                   check=True, capture_output=True, text=True).stdout)
rp = ref_from(bundle)
jp = json.loads(read("pipeline-jq"))
assert jp["shape"] == list(rp["output"].shape)
close_json(jp["first_row"], rp["output"][0], "pipeline-jq first output row")
# check-forgotten-scale: the answer is numpy's output with scale 1 at 2 decimals, the
# printed right value numpy's at 4 (the answer's decimals + 2).
ans = np.array([[float(t) for t in line.split(",")] for line in read("check-forgotten-scale", "answer.csv").splitlines()
                if line.strip() and not line.startswith("#")])
close_printed(ans.ravel(), ref_from(two, scale=1.0)["output"], 2, "check-forgotten-scale answer = output with scale 1")
m = re.search(r"right (-?\d+\.\d+)", read("check-forgotten-scale"))
close_printed(np.array([float(m.group(1))]), r["output"][0, 0], 4, "check-forgotten-scale right value")

# latex-write-up: every bmatrix entry (causal weights, heads, output) at 3 decimals.
tex = read("latex-write-up")
entries = [float(t) for t in re.findall(r"-?\d+\.\d+", "\n".join(l for l in tex.splitlines() if l.endswith("\\\\")))]
close_printed(np.array(entries), np.concatenate([*[w.ravel() for w in c["weights"]], *[h.ravel() for h in c["heads"]], c["output"].ravel()]),
              3, "latex-write-up (bmatrix entries)")

# svg-heatmap: every cell's tooltip value (causal weights) at 4 decimals.
tips = [float(t) for t in re.findall(r"<title>head \d+, query[^<]*: (-?\d+\.\d+)</title>", read("svg-heatmap"))]
close_printed(np.array(tips), np.concatenate([w.ravel() for w in c["weights"]]), 4, "svg-heatmap (tooltips)")
print("all run examples agree with numpy")
