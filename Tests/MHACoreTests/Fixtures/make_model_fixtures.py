#!/usr/bin/env python3
"""Float64 reference fixtures for attention as real models use it (issue 12, docs/attention-options.md).

Regenerate (from the repository root; torch and transformers are never a build or test
dependency, only this script's):
    /work/venv/bin/python Tests/MHACoreTests/Fixtures/make_model_fixtures.py

Writes Tests/MHACoreTests/Fixtures/models/<name>.json, one case each:
    {"name", "source", "kind": "forward" | "attend",
     "config": {heads, kv_heads, head_dim, causal, scale, position_offset, rope: {convention,
                base, dims} | null, alibi, window, softcap, mask_kind, layout},
     "inputs": {name: array}, "expected": {name: array}}
Each array is {"shape": [...], "f64": base64 of little-endian float64, row-major}. Inputs
use the engine's names (x, memory, wq, wk, wv, wo, bq, bk, bv, bo, qkv, qkv_bias, in_proj,
q, k, v, mask); a 3-D shape is a batch.

Every expected value is computed by an independent float64 implementation:
- PyTorch's F.scaled_dot_product_attention (attend, GQA, bool/additive/key-padding masks,
  torch.nn.attention.bias.causal_lower_right for causal with n_q != n_k) and
  F.multi_head_attention_forward with separate kdim/vdim (cross-attention);
- Hugging Face transformers layers built from small random-init configs, every parameter
  redrawn from a normal distribution, run in float64; each attention module's input hidden
  states and output are captured with forward hooks.
Where transformers itself computes in float32 even in a float64 model, the script makes
that step float64 and says so:
- the softmax upcast `softmax(..., dtype=torch.float32)` (eager paths of Gemma 2 and BLOOM;
  Gemma 2 has no sdpa path because sdpa cannot soft-cap): `float64_softmax` drops the dtype
  for float64 inputs;
- RoPE tables: Llama/Mistral/Gemma 2's rotary modules compute inv_freq and the angles with
  dtype=torch.float; `float64_rope` recomputes the same formula (inv_freq = 1/base^(2i/R),
  angles = position * inv_freq, cos/sin of [freqs, freqs]) in float64. GPT-J's sin/cos table
  is rebuilt by transformers' own create_sinusoidal_positions under a float64 default dtype.
The rotation itself (rotate_half, rotate_every_two, partial rotary), the masks, GQA,
scaling, soft-capping and ALiBi are transformers' code.
"""
import base64
import contextlib
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.attention.bias import causal_lower_right

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")


def encode(a):
    a = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
    return {"shape": list(a.shape), "f64": base64.b64encode(a.tobytes()).decode("ascii")}


def t2n(t):
    return t.detach().to(torch.float64).cpu().numpy()


def write(name, source, kind, config, inputs, expected):
    base = dict(heads=None, kv_heads=None, head_dim=None, causal=False, scale=None, position_offset=0,
                rope=None, alibi=False, window=None, softcap=None, mask_kind="keep", layout="xw")
    base.update(config)
    doc = {"name": name, "source": source, "kind": kind, "config": base,
           "inputs": {k: encode(v) for k, v in inputs.items()},
           "expected": {k: encode(v) for k, v in expected.items()}}
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{name}: {os.path.getsize(path)} bytes")


def redraw(model, std, seed):
    """Every parameter tensor redrawn from N(0, std²) (norm weights around 1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))


@contextlib.contextmanager
def float64_softmax():
    """transformers' eager paths call softmax(..., dtype=torch.float32) even for float64."""
    original = torch.nn.functional.softmax

    def softmax(x, dim=None, _stacklevel=3, dtype=None):
        if x.dtype == torch.float64:
            dtype = None
        return original(x, dim=dim, dtype=dtype)

    torch.nn.functional.softmax = softmax
    try:
        yield
    finally:
        torch.nn.functional.softmax = original


def float64_rope(rotary, base, dim):
    """The rotary module's formula in float64 (transformers computes it in float32)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))

    def forward(x, position_ids):
        freqs = position_ids[..., None].to(torch.float64) * inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)

    rotary.forward = forward


def capture(module):
    """Forward hooks recording the module's hidden_states input and first output."""
    seen = []

    def pre(mod, args, kwargs):
        hidden = kwargs.get("hidden_states", args[0] if args else None)
        seen.append({"hidden": hidden.detach().clone(),
                     "key_value_states": kwargs.get("key_value_states")})

    def post(mod, args, kwargs, output):
        seen[-1]["output"] = (output[0] if isinstance(output, tuple) else output).detach().clone()

    module.register_forward_pre_hook(pre, with_kwargs=True)
    module.register_forward_hook(post, with_kwargs=True)
    return seen


def linear_xw(layer):
    """nn.Linear's out × in weight as the engine's xw (in × out)."""
    return t2n(layer.weight).T


def bias(layer):
    return t2n(layer.bias)[None, :]


# ---------------------------------------------------------------- PyTorch SDPA (attend)

def heads_to_columns(t):
    """(B, h, n, d) → B × n × h·d (head j in columns j·d ..< (j+1)·d)."""
    b, h, n, d = t.shape
    return t2n(t.permute(0, 2, 1, 3).reshape(b, n, h * d))


def sdpa_cases():
    g = torch.Generator().manual_seed(12)
    rand = lambda *s: torch.randn(*s, generator=g)

    def attend(name, tau, kv, nq, nk, dk, dv, mask=None, mask_kind="keep", stored_mask=None, batch=1,
               scale=None, causal=False, note=""):
        q, k, v = rand(batch, tau, nq, dk), rand(batch, kv, nk, dk), rand(batch, kv, nk, dv)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale, enable_gqa=kv != tau)
        inputs = {"q": heads_to_columns(q), "k": heads_to_columns(k), "v": heads_to_columns(v)}
        if batch == 1:
            inputs = {key: value[0] for key, value in inputs.items()}
        if stored_mask is not None:
            inputs["mask"] = stored_mask
        concat = heads_to_columns(out)
        write(name, "torch.nn.functional.scaled_dot_product_attention" + note, "attend",
              dict(heads=tau, kv_heads=kv, scale=scale, mask_kind=mask_kind, causal=causal),
              inputs, {"concat": concat if batch > 1 else concat[0]})

    # GQA, d_v ≠ d_k, n_q ≠ n_k, no mask.
    attend("sdpa_gqa", 4, 2, 5, 9, 6, 3)
    # Boolean attn_mask (True = take part), every row keeping at least one key.
    allowed = torch.rand(6, 10, generator=g) > 0.4
    allowed[:, 0] = True
    attend("sdpa_bool_mask", 2, 2, 6, 10, 4, 4, mask=allowed, stored_mask=t2n(allowed.to(torch.float64)))
    # Additive float mask: finite biases and some -inf.
    additive = rand(5, 7)
    additive[additive > 1.2] = -math.inf
    additive[:, 2] = 0.5
    attend("sdpa_additive_mask", 3, 1, 5, 7, 4, 5, mask=additive, mask_kind="additive",
           stored_mask=t2n(additive), scale=0.3)
    # Key padding in PyTorch's convention (True = padding, blocked), broadcast to every query.
    padding = torch.tensor([False] * 6 + [True] * 3)
    attend("sdpa_key_padding_block", 2, 2, 4, 9, 8, 8, mask=~padding[None, None, None, :], mask_kind="block",
           stored_mask=t2n(padding.to(torch.float64))[None, :])
    # Causal aligned at the end (n_q < n_k): PyTorch's causal_lower_right bias.
    attend("sdpa_causal_lower_right", 2, 1, 4, 11, 5, 6, mask=causal_lower_right(4, 11), causal=True,
           note=" with torch.nn.attention.bias.causal_lower_right")
    # A batch of 3 with per-batch boolean masks.
    per_batch = torch.rand(3, 1, 5, 8, generator=g) > 0.5
    per_batch[..., 1] = True
    attend("sdpa_batch_masks", 2, 2, 5, 8, 4, 3, mask=per_batch, batch=3,
           stored_mask=t2n(per_batch[:, 0].to(torch.float64)))


# --------------------------------------------- F.multi_head_attention_forward (kdim, vdim)

def mha_cross():
    g = torch.Generator().manual_seed(34)
    rand = lambda *s: torch.randn(*s, generator=g)
    e, heads, d_mem, nq, nk = 12, 3, 7, 5, 8
    x, memory = rand(nq, 1, e), rand(nk, 1, d_mem)
    wq, wk, wv = rand(e, e) / 3, rand(e, d_mem) / 3, rand(e, d_mem) / 3
    in_bias, wo, bo = rand(3 * e) / 5, rand(e, e) / 3, rand(e) / 5
    padding = torch.tensor([[False] * 6 + [True] * 2])
    out, _ = F.multi_head_attention_forward(
        x, memory, memory, e, heads, in_proj_weight=None, in_proj_bias=in_bias, bias_k=None, bias_v=None,
        add_zero_attn=False, dropout_p=0.0, out_proj_weight=wo, out_proj_bias=bo, training=False,
        key_padding_mask=padding, need_weights=False, use_separate_proj_weight=True,
        q_proj_weight=wq, k_proj_weight=wk, v_proj_weight=wv)
    write("mha_cross_kdim", "torch.nn.functional.multi_head_attention_forward (kdim = vdim = 7, "
          "key_padding_mask)", "forward", dict(heads=heads, layout="torch", mask_kind="block"),
          {"x": t2n(x[:, 0]), "memory": t2n(memory[:, 0]), "wq": t2n(wq), "wk": t2n(wk), "wv": t2n(wv),
           "wo": t2n(wo), "qkv_bias": t2n(in_bias)[None, :], "bo": t2n(bo)[None, :],
           "mask": t2n(padding.to(torch.float64))},
          {"output": t2n(out[:, 0])})


# ------------------------------------------------------------ Hugging Face transformers

def hf_model(config_class, model_class, seed, std=0.3, implementation="sdpa", **config):
    cfg = config_class(**config)
    cfg._attn_implementation = implementation
    model = model_class(cfg).to(torch.float64).eval()
    redraw(model, std, seed)
    return model


def projection_inputs(attn, q="q_proj", k="k_proj", v="v_proj", o="o_proj", biases=False):
    layers = [getattr(attn, name) for name in (q, k, v, o)]
    inputs = dict(zip(["wq", "wk", "wv", "wo"], [linear_xw(layer) for layer in layers]))
    if biases:
        inputs.update(zip(["bq", "bk", "bv", "bo"], [bias(layer) for layer in layers]))
    return inputs


def llama_cases():
    from transformers import LlamaConfig, LlamaForCausalLM
    common = dict(vocab_size=40, hidden_size=32, intermediate_size=16, num_hidden_layers=1,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=128,
                  rope_parameters={"rope_type": "default", "rope_theta": 500000.0})
    model = hf_model(LlamaConfig, LlamaForCausalLM, 56, **common)
    float64_rope(model.model.rotary_emb, 500000.0, 8)
    attn = model.model.layers[0].self_attn
    seen = capture(attn)
    g = torch.Generator().manual_seed(57)
    embeds = torch.randn(1, 11, 32, generator=g)
    config = dict(heads=4, kv_heads=2, causal=True, rope={"convention": "half", "base": 500000.0, "dims": None})
    with torch.no_grad():
        model(inputs_embeds=embeds)
        write("hf_llama_rope_gqa", "transformers LlamaAttention (sdpa), rope_theta 500000, GQA 4/2", "forward",
              config, {"x": t2n(seen[-1]["hidden"][0]), **projection_inputs(attn)},
              {"output": t2n(seen[-1]["output"][0])})
        # Positions continued from 5: position_ids 5…15 (RoPE), causal over the 11 tokens.
        model(inputs_embeds=embeds, position_ids=torch.arange(5, 16)[None, :])
        write("hf_llama_position_offset", "transformers LlamaAttention (sdpa), position_ids 5…15", "forward",
              {**config, "position_offset": 5}, {"x": t2n(seen[-1]["hidden"][0]), **projection_inputs(attn)},
              {"output": t2n(seen[-1]["output"][0])})
        # A KV cache: 7 tokens, then 4 more attending to all 11 (causal aligned at the end).
        from transformers import DynamicCache
        cache = DynamicCache(config=model.config)
        model(inputs_embeds=embeds[:, :7], cache=cache, use_cache=True)
        prefix = seen[-1]["hidden"][0]
        model(inputs_embeds=embeds[:, 7:], cache=cache, use_cache=True)
        new = seen[-1]["hidden"][0]
        write("hf_llama_kv_cache", "transformers LlamaAttention (sdpa) with a DynamicCache: 4 new tokens after 7",
              "forward", config,
              {"x": t2n(new), "memory": t2n(torch.cat([prefix, new])), **projection_inputs(attn)},
              {"output": t2n(seen[-1]["output"][0])})


def gptj_case():
    from transformers import GPTJConfig, GPTJForCausalLM
    from transformers.models.gptj.modeling_gptj import create_sinusoidal_positions
    model = hf_model(GPTJConfig, GPTJForCausalLM, 78, vocab_size=40, n_positions=64, n_embd=32, n_layer=1,
                     n_head=4, rotary_dim=4, n_inner=16, bos_token_id=0, eos_token_id=0)
    rotary = model.transformer.rotary_emb if hasattr(model.transformer, "rotary_emb") else None
    if rotary is None:
        raise SystemExit("GPT-J's rotary module moved; update the script")
    rotary.embed_positions = create_sinusoidal_positions(rotary.max_positions, rotary.pos_embd_dim)
    attn = model.transformer.h[0].attn
    seen = capture(attn)
    g = torch.Generator().manual_seed(79)
    with torch.no_grad():
        model(inputs_embeds=torch.randn(1, 10, 32, generator=g))
    write("hf_gptj_partial_interleaved", "transformers GPTJAttention (sdpa), rotary_dim 4 of 8, interleaved",
          "forward", dict(heads=4, causal=True, rope={"convention": "interleaved", "base": 10000.0, "dims": 4}),
          {"x": t2n(seen[-1]["hidden"][0]), **projection_inputs(attn, o="out_proj")},
          {"output": t2n(seen[-1]["output"][0])})


def mistral_cases():
    from transformers import MistralConfig, MistralForCausalLM
    for name, n, hidden, heads, kv, window, seed in [("hf_mistral_window", 13, 32, 4, 2, 4, 90),
                                                      ("hf_mistral_window_tiles", 300, 16, 2, 1, 150, 91)]:
        model = hf_model(MistralConfig, MistralForCausalLM, seed, std=0.4, vocab_size=40, hidden_size=hidden,
                         intermediate_size=16, num_hidden_layers=1, num_attention_heads=heads,
                         num_key_value_heads=kv, head_dim=hidden // heads, max_position_embeddings=512,
                         sliding_window=window, rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
        float64_rope(model.model.rotary_emb, 10000.0, hidden // heads)
        attn = model.model.layers[0].self_attn
        seen = capture(attn)
        g = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            model(inputs_embeds=torch.randn(1, n, hidden, generator=g))
        write(name, f"transformers MistralAttention (sdpa), sliding_window {window}, n {n}", "forward",
              dict(heads=heads, kv_heads=kv, causal=True, window=window,
                   rope={"convention": "half", "base": 10000.0, "dims": None}),
              {"x": t2n(seen[-1]["hidden"][0]), **projection_inputs(attn)}, {"output": t2n(seen[-1]["output"][0])})


def gemma2_case():
    from transformers import Gemma2Config, Gemma2ForCausalLM
    model = hf_model(Gemma2Config, Gemma2ForCausalLM, 101, implementation="eager", vocab_size=40, hidden_size=32,
                     intermediate_size=16, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
                     head_dim=16, query_pre_attn_scalar=24, attn_logit_softcapping=2.0,
                     final_logit_softcapping=None, layer_types=["full_attention"], sliding_window=64,
                     max_position_embeddings=128, rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    float64_rope(model.model.rotary_emb, 10000.0, 16)
    attn = model.model.layers[0].self_attn
    seen = capture(attn)
    g = torch.Generator().manual_seed(102)
    with torch.no_grad(), float64_softmax():
        model(inputs_embeds=torch.randn(1, 9, 32, generator=g))
    write("hf_gemma2_softcap", "transformers Gemma2Attention (eager, softmax in float64), head_dim 16 "
          "(τ·K = 64 ≠ 32), query_pre_attn_scalar 24, attn_logit_softcapping 2", "forward",
          dict(heads=4, kv_heads=2, head_dim=16, causal=True, scale=24 ** -0.5, softcap=2.0,
               rope={"convention": "half", "base": 10000.0, "dims": None}),
          {"x": t2n(seen[-1]["hidden"][0]), **projection_inputs(attn)}, {"output": t2n(seen[-1]["output"][0])})


def bloom_cases():
    from transformers import BloomConfig, BloomForCausalLM
    from transformers.models.bloom.modeling_bloom import _get_alibi_slopes
    for name, n, hidden, heads, seed in [("hf_bloom_alibi6", 9, 36, 6, 120), ("hf_bloom_alibi_tiles", 260, 12, 6, 121)]:
        model = hf_model(BloomConfig, BloomForCausalLM, seed, std=0.4, implementation="eager", vocab_size=40,
                         hidden_size=hidden, n_layer=1, n_head=heads)
        attn = model.transformer.h[0].self_attention

        def zero_residual(mod, args, kwargs):
            # The module adds its residual input to its output; zero it to capture attention alone.
            if "residual" in kwargs:
                kwargs["residual"] = torch.zeros_like(kwargs["residual"])
            else:
                args = (args[0], torch.zeros_like(args[1])) + tuple(args[2:])
            return args, kwargs

        attn.register_forward_pre_hook(zero_residual, with_kwargs=True)
        seen = capture(attn)
        g = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad(), float64_softmax():
            model(inputs_embeds=torch.randn(1, n, hidden, generator=g))
        # BLOOM's fused query_key_value: output features are (head, [q|k|v], head_dim).
        d = hidden // heads
        w = t2n(attn.query_key_value.weight).reshape(heads, 3, d, hidden)
        b = t2n(attn.query_key_value.bias).reshape(heads, 3, d)
        part = lambda i: (w[:, i].reshape(hidden, hidden).T, b[:, i].reshape(1, hidden))
        (wq, bq), (wk, bk), (wv, bv) = part(0), part(1), part(2)
        write(name, f"transformers BloomAttention (eager, softmax in float64), {heads} heads (ALiBi), n {n}",
              "forward", dict(heads=heads, causal=True, alibi=True),
              {"x": t2n(seen[-1]["hidden"][0]), "wq": wq, "wk": wk, "wv": wv, "bq": bq, "bk": bk, "bv": bv,
               "wo": linear_xw(attn.dense), "bo": bias(attn.dense)},
              {"output": t2n(seen[-1]["output"][0])})
    # Slopes for 12 heads (not a power of two): BLOOM's own (float32) and the formula in float64.
    hf12 = _get_alibi_slopes(12, torch.device("cpu")).to(torch.float64)
    p = 8
    exact = [2 ** (-8 * j / p) for j in range(1, p + 1)] + [2 ** (-4 * (2 * k + 1) / p) for k in range(12 - p)]
    write("alibi_slopes_12", "transformers.models.bloom _get_alibi_slopes(12) (float32) and the float64 formula",
          "slopes", dict(heads=12, alibi=True), {}, {"bloom_float32": t2n(hf12)[None, :],
                                                     "formula_float64": np.array(exact)[None, :]})


def bart_case():
    from transformers import BartConfig, BartModel
    model = hf_model(BartConfig, BartModel, 140, vocab_size=40, d_model=32, encoder_layers=1, decoder_layers=1,
                     encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=16, decoder_ffn_dim=16,
                     max_position_embeddings=64)
    attn = model.decoder.layers[0].encoder_attn
    seen = capture(attn)
    g = torch.Generator().manual_seed(141)
    encoder_mask = torch.tensor([[1] * 7 + [0] * 2])
    with torch.no_grad():
        model(inputs_embeds=torch.randn(1, 9, 32, generator=g), attention_mask=encoder_mask,
              decoder_inputs_embeds=torch.randn(1, 6, 32, generator=g))
    write("hf_bart_cross", "transformers BartAttention (sdpa), decoder cross-attention over 9 encoder states, "
          "2 padded", "forward", dict(heads=4),
          {"x": t2n(seen[-1]["hidden"][0]), "memory": t2n(seen[-1]["key_value_states"][0]),
           **projection_inputs(attn, o="out_proj", biases=True), "mask": t2n(encoder_mask.to(torch.float64))},
          {"output": t2n(seen[-1]["output"][0])})


def gpt2_case():
    from transformers import GPT2Config, GPT2LMHeadModel
    model = hf_model(GPT2Config, GPT2LMHeadModel, 160, vocab_size=40, n_positions=64, n_embd=32, n_layer=1, n_head=4,
                     bos_token_id=0, eos_token_id=0)
    attn = model.transformer.h[0].attn
    seen = capture(attn)
    g = torch.Generator().manual_seed(161)
    with torch.no_grad():
        model(inputs_embeds=torch.randn(1, 8, 32, generator=g))
    write("hf_gpt2_c_attn", "transformers GPT2Attention (sdpa): packed c_attn (Conv1D, xw) and bias", "forward",
          dict(heads=4, causal=True),
          {"x": t2n(seen[-1]["hidden"][0]), "qkv": t2n(attn.c_attn.weight), "qkv_bias": t2n(attn.c_attn.bias)[None, :],
           "wo": t2n(attn.c_proj.weight), "bo": t2n(attn.c_proj.bias)[None, :]},
          {"output": t2n(seen[-1]["output"][0])})


if __name__ == "__main__":
    sdpa_cases()
    mha_cross()
    llama_cases()
    gptj_case()
    mistral_cases()
    gemma2_case()
    bloom_cases()
    bart_case()
    gpt2_case()
