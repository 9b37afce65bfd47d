# Regenerates q.csv, k.csv, v.csv (run from this folder; numpy and safetensors, e.g.
#     /work/venv/bin/python make_qkv.py):
# the projections Q = x·W^qᵀ, K = x·W^kᵀ, V = x·W^vᵀ (before RoPE, as q_proj, k_proj and
# v_proj give them) of layer 0 of the tiny float16 Llama in model.safetensors (the
# Tests/MHAFormatsTests/Fixtures/checkpoints/llama-f16 model), widened to float64, for the
# hidden states that layer receives (its reference.npz layer0_x).
import numpy as np
from safetensors.numpy import load_file

weights = load_file("model.safetensors")
x = np.load("../../Tests/MHAFormatsTests/Fixtures/checkpoints/llama-f16/reference.npz")["layer0_x"]
for name in "qkv":
    w = weights[f"model.layers.0.self_attn.{name}_proj.weight"].astype(np.float64)
    np.savetxt(f"{name}.csv", x @ w.T, delimiter=",", fmt="%.17g")
