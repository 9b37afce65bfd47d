#!/usr/bin/env python3
"""Checks mha-cli against PyTorch in float64 (an independent oracle), on random problems.

Optional: needs `pip install torch`; never used by the build or `swift test`.
    swift build -c release && python3 scripts/torch_oracle.py .build/release/mha-cli [CASES]

Each case draws n, d_model, heads (d_k up to 64, n up to 257), causal, biases, kv_heads and a
weight layout (xw, torch, packed in_proj), builds torch.nn.MultiheadAttention with random
weights (or F.scaled_dot_product_attention with enable_gqa for grouped-query cases), runs
mha-cli on the same bundle through stdin, and compares: the output of the plain path (weights
kept) and of the streamed path, the attention weights, one --token row, all in float64
(normwise relative error, fails above 1e-12), and --float (reported; torch's own float32
error on the same case is printed beside it when it exceeds 1e-5).
"""
import json, subprocess, sys, os, math, random
import numpy as np
import torch
torch.set_default_dtype(torch.float64)
if len(sys.argv) < 2:
    sys.exit("usage: python3 scripts/torch_oracle.py PATH/TO/mha-cli [CASES]")
B = sys.argv[1]
rng = np.random.default_rng(0)
random.seed(0)
torch.manual_seed(0)
CASES = int(sys.argv[2]) if len(sys.argv) > 2 else 60
worst = 0.0
fworst = 0.0
cases = 0
def run(args, stdin=None):
    p = subprocess.run([B] + args, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL {args}: {p.stderr}")
    return json.loads(p.stdout)
for trial in range(CASES):
    heads = random.choice([1, 2, 3, 4, 8])
    dk = random.choice([1, 2, 5, 8, 17, 64])
    d = heads * dk
    n = random.choice([1, 2, 3, 7, 16, 65, 257])
    causal = random.random() < 0.5
    bias = random.random() < 0.5
    kv = random.choice([h for h in range(1, heads + 1) if heads % h == 0])
    layout = random.choice(["torch", "in_proj", "xw"]) if kv == heads else "xw"
    x = rng.standard_normal((n, d))
    mha = torch.nn.MultiheadAttention(d, heads, bias=bias, batch_first=True)
    with torch.no_grad():
        for p in mha.parameters(): p.copy_(torch.randn_like(p))
    W = mha.in_proj_weight.detach().numpy()
    wq, wk, wv = W[:d], W[d:2*d], W[2*d:]
    if kv != heads:
        wk = rng.standard_normal((kv*dk, d)); wv = rng.standard_normal((kv*dk, d))
    wo = mha.out_proj.weight.detach().numpy()
    bundle = {"x": x.tolist(), "heads": heads, "causal": causal}
    if kv != heads: bundle["kv_heads"] = kv
    if layout == "in_proj":
        bundle["in_proj"] = W.tolist(); bundle["wo"] = wo.tolist(); bundle["layout"] = "torch"
    elif layout == "torch":
        bundle.update(wq=wq.tolist(), wk=wk.tolist(), wv=wv.tolist(), wo=wo.tolist(), layout="torch")
    else:
        bundle.update(wq=wq.T.tolist(), wk=wk.T.tolist(), wv=wv.T.tolist(), wo=wo.T.tolist())
    if bias:
        b = mha.in_proj_bias.detach().numpy()
        bundle.update(bq=b[:d].tolist(), bk=b[d:2*d][:kv*dk].tolist(), bv=b[2*d:][:kv*dk].tolist(), bo=mha.out_proj.bias.detach().numpy().tolist())
        bk_, bv_ = b[d:2*d][:kv*dk], b[2*d:][:kv*dk]
    out = run(["run", "--bundle", "-", "--format", "json", "--show", "output,weights"], json.dumps(bundle))
    token = random.randrange(n)
    one = run(["run", "--bundle", "-", "--format", "json", "--token", str(token)], json.dumps(bundle))
    flt = run(["run", "--bundle", "-", "--format", "json", "--float"], json.dumps(bundle))
    streamed = run(["run", "--bundle", "-", "--format", "json"], json.dumps(bundle))
    X = torch.tensor(x)[None]
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1) if causal else None
    if kv == heads:
        if layout != "in_proj" and kv == heads:
            pass
        ref, w = mha(X, X, X, attn_mask=mask, need_weights=True, average_attn_weights=False)
        ref = ref[0].detach().numpy(); w = w[0].detach().numpy()
    else:
        Q = X @ torch.tensor(wq).T + (torch.tensor(b[:d]) if bias else 0)
        K = X @ torch.tensor(wk).T + (torch.tensor(bk_) if bias else 0)
        V = X @ torch.tensor(wv).T + (torch.tensor(bv_) if bias else 0)
        q = Q.view(1, n, heads, dk).transpose(1, 2); k = K.view(1, n, kv, dk).transpose(1, 2); v = V.view(1, n, kv, dk).transpose(1, 2)
        o = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
        o = o.transpose(1, 2).reshape(1, n, d)
        ref = (o @ torch.tensor(wo).T + (mha.out_proj.bias if bias else 0))[0].detach().numpy(); w = None
    got = np.array(out["output"])
    scale = max(np.max(np.abs(ref)), 1e-300)
    err = np.max(np.abs(got - ref)) / scale
    err = max(err, np.max(np.abs(np.array(streamed["output"]) - ref)) / scale)
    err = max(err, np.max(np.abs(np.array(one["output"])[0] - ref[token])) / scale)
    ferr = np.max(np.abs(np.array(flt["output"]) - ref)) / scale

    fworst = max(fworst, ferr)
    if ferr > 1e-5:
        msg = ""
        if kv == heads:
            m32 = mha.float(); r32, _ = m32(X.float(), X.float(), X.float(), attn_mask=mask); m32.double()
            msg = f" torch float32 error {np.max(np.abs(r32[0].detach().numpy() - ref)) / scale:.3e}"
        print("float", trial, f"{ferr:.3e}", dict(n=n, d=d, heads=heads), msg)
    if w is not None:
        gw = np.array(out["weights"])
        err = max(err, np.max(np.abs(gw - w)))
    worst = max(worst, err); cases += 1
    if err > 1e-12: print("BAD", trial, dict(n=n, d=d, heads=heads, kv=kv, causal=causal, bias=bias, layout=layout), err)
bad = worst > 1e-12
print(f"{cases} cases, worst normwise relative error {worst:.3e} (double: plain, streamed, token), {fworst:.3e} (--float)")
sys.exit(1 if bad else 0)
