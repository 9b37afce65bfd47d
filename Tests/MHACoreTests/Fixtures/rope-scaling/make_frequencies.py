# transformers' RoPE frequencies for published configs' scalings (float32, as transformers
# computes them), so that RotaryScalingTests checks RotaryScaling against an independent
# implementation at real sizes. Regenerate with:
#     /work/venv/bin/python Tests/MHACoreTests/Fixtures/rope-scaling/make_frequencies.py
import json, os
import transformers as tf
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

cases = {
    # Llama 3.1 8B and Llama 3.2 1B (head_dim 128 and 64)
    "llama-3.1-8b": dict(hidden_size=4096, num_attention_heads=32, max_position_embeddings=131072,
                         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                         rope_theta=500000.0),
    "llama-3.2-1b": dict(hidden_size=2048, num_attention_heads=32, max_position_embeddings=131072,
                         rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                         rope_theta=500000.0),
    # Qwen2.5 with its model card's YaRN (factor 4 over 32768 positions)
    "qwen2.5-yarn": dict(hidden_size=5120, num_attention_heads=40, max_position_embeddings=131072,
                         rope_scaling={"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768},
                         rope_theta=1000000.0),
    # DeepSeek-style YaRN with mscale / mscale_all_dim, no truncation
    "yarn-mscale": dict(hidden_size=1024, num_attention_heads=16, max_position_embeddings=163840,
                        rope_scaling={"rope_type": "yarn", "factor": 40.0, "original_max_position_embeddings": 4096,
                                      "mscale": 1.0, "mscale_all_dim": 0.707, "beta_fast": 32, "beta_slow": 1,
                                      "truncate": False},
                        rope_theta=10000.0),
    # Linear position interpolation (LongChat-style, factor 8)
    "linear-8": dict(hidden_size=4096, num_attention_heads=32, max_position_embeddings=16384,
                     rope_scaling={"rope_type": "linear", "factor": 8.0}, rope_theta=10000.0),
}
out = {}
for name, kwargs in cases.items():
    config = tf.LlamaConfig(**{k: (dict(v) if isinstance(v, dict) else v) for k, v in kwargs.items()})
    parameters = config.rope_parameters
    kind = parameters["rope_type"]
    inv_freq, attention = ROPE_INIT_FUNCTIONS[kind](config)
    head_dim = kwargs["hidden_size"] // kwargs["num_attention_heads"]
    out[name] = {"head_dim": head_dim, "base": kwargs["rope_theta"], "scaling": kwargs["rope_scaling"],
                 "inv_freq": [float(f) for f in inv_freq], "attention_factor": float(attention)}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "frequencies.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
