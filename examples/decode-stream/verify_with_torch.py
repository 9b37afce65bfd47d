# Checks examples/decode-stream/expected against an independent float64 computation:
#   /work/venv/bin/python examples/decode-stream/verify_with_torch.py
# The weights are --weights random:5 (SplitMix64, drawn row by row: W^q, W^k, W^v, W^o, each
# uniform in [-1, 1) / sqrt(d_model)); RoPE is Hugging Face's rotate_half; causal softmax.
import json, os, torch

MASK64 = (1 << 64) - 1
class SplitMix64:
    def __init__(self, seed): self.state = seed & MASK64
    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)
    def signed(self): return (self.next() >> 11) * 2.0 ** -52 - 1
    def matrix(self, r, c, s): return torch.tensor([[self.signed() * s for _ in range(c)] for _ in range(r)], dtype=torch.float64)

here = os.path.dirname(os.path.abspath(__file__))
x = torch.tensor([[float(v) for v in l.split(",")] for l in open(os.path.join(here, "h.csv"))], dtype=torch.float64)
n, d, heads, kv_heads = x.shape[0], x.shape[1], 2, 1
dk = d // heads
g = SplitMix64(5)
s = d ** -0.5
wq, wk, wv, wo = g.matrix(d, d, s), g.matrix(d, kv_heads * dk, s), g.matrix(d, kv_heads * dk, s), g.matrix(d, d, s)
q, k, v = x @ wq, x @ wk, x @ wv
inv = 10000.0 ** (-torch.arange(0, dk, 2, dtype=torch.float64) / dk)
angles = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
cos, sin = torch.cat([angles.cos()] * 2, 1), torch.cat([angles.sin()] * 2, 1)
def rope(t):
    half = t.shape[-1] // 2
    return t * cos + torch.cat([-t[..., half:], t[..., :half]], -1) * sin
outs = []
for j in range(heads):
    qj, kj, vj = rope(q[:, j*dk:(j+1)*dk]), rope(k[:, :dk]), v[:, :dk]
    scores = qj @ kj.T / dk ** 0.5
    scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    outs.append(torch.softmax(scores, -1) @ vj)
reference = torch.cat(outs, 1) @ wo
expected = torch.tensor([json.loads(l)["output"] for l in open(os.path.join(here, "expected"))], dtype=torch.float64)
error = ((expected - reference).abs().max() / reference.abs().max()).item()
print(f"max normwise relative error {error:.2e}")
assert error < 1e-12
