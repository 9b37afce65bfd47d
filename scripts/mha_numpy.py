"""A plain numpy float64 multi-head attention, written from the textbook formulas for checking
mha-cli's examples (examples/verify_with_numpy.py); independent of the Swift engine.

    Q = H·W^q + b^q, K = H·W^k + b^k, V = H·W^v + b^v
    head_j = softmax(Q_j·K_jᵀ/√d_k [+ causal mask]) · V_j      (query head j uses K/V head ⌊j·g/τ⌋)
    output = [head_1 | … | head_τ]·W^o + b^o
"""
import numpy as np


def _row(b, width):
    return np.zeros(width) if b is None else np.asarray(b, dtype=np.float64).reshape(-1)


def mha(x, wq, wk, wv, wo, heads, kv_heads=None, causal=False, bq=None, bk=None, bv=None, bo=None, scale=None):
    """Returns {"heads": [n × d_k per head], "weights": [n × n per head], "concat", "output"}."""
    x, wq, wk, wv, wo = (np.asarray(m, dtype=np.float64) for m in (x, wq, wk, wv, wo))
    g = kv_heads or heads
    d_k = wq.shape[1] // heads
    q = x @ wq + _row(bq, wq.shape[1])
    k = x @ wk + _row(bk, wk.shape[1])
    v = x @ wv + _row(bv, wv.shape[1])
    n = x.shape[0]
    factor = 1 / np.sqrt(d_k) if scale is None else scale
    outputs, weights = [], []
    for j in range(heads):
        kv = j * g // heads
        qj = q[:, j * d_k:(j + 1) * d_k]
        kj, vj = k[:, kv * d_k:(kv + 1) * d_k], v[:, kv * d_k:(kv + 1) * d_k]
        s = qj @ kj.T * factor
        if causal:
            s = np.where(np.tril(np.ones((n, n), dtype=bool)), s, -np.inf)
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        weights.append(p)
        outputs.append(p @ vj)
    concat = np.concatenate(outputs, axis=1)
    return {"heads": outputs, "weights": weights, "concat": concat, "output": concat @ wo + _row(bo, wo.shape[1])}
