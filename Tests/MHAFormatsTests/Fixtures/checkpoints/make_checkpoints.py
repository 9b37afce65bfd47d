# Regenerates the tiny checkpoint fixtures (run from anywhere; needs torch, transformers 5,
# safetensors and numpy, e.g. the team's venv):
#     /work/venv/bin/python Tests/MHAFormatsTests/Fixtures/checkpoints/make_checkpoints.py [NAME ...]
# (with names, only those folders are rebuilt).
# Each folder holds a random-init Hugging Face model (every parameter redrawn; hidden size 32,
# 2 layers) saved with save_pretrained (model.safetensors + config.json) in its stored
# precision, and reference.npz: for each layer L, layerL_x (what the attention block
# receives) and layerL_output (the attention block's output: after W^o, before dropout,
# residual and layer norm), captured by hooks while the saved weights, reloaded and widened
# to float64, run in float64 with attn_implementation="sdpa" (RoPE's cos/sin recomputed in
# float64: transformers makes them in float32). listing.json is what the
# safetensors package reports (name, dtype, shape), for `inspect`.
import json, math, os, shutil, sys
import numpy as np
import torch
import transformers as tf
from safetensors import safe_open

here = os.path.dirname(os.path.abspath(__file__))
SEQ = 6

def redraw(model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64).to(parameter.dtype) * 0.4)

def hooks(model, kind):
    """(attention module, output module, input kwarg name) per layer."""
    base = model.base_model
    if kind == "gpt2":
        return [(block.attn, block.attn) for block in base.h]
    if kind == "bert":
        return [(layer.attention.self, layer.attention.output.dense) for layer in base.encoder.layer]
    if kind == "neox":
        return [(layer.attention, layer.attention) for layer in base.layers]
    if kind == "opt":
        return [(layer.self_attn, layer.self_attn) for layer in base.decoder.layers]
    if kind == "bloom":  # BloomAttention adds the residual itself: its dense is the output
        return [(block.self_attention, block.self_attention.dense) for block in base.h]
    if kind == "distilbert":
        return [(layer.attention, layer.attention) for layer in base.transformer.layer]
    return [(layer.self_attn, layer.self_attn) for layer in base.layers]

def scaled_frequencies(parameters, plain, dim, top_original=None, max_positions=None):
    """The RoPE scaling rules in float64, written from their papers' definitions (Llama 3.1's
    wavelength bands, YaRN's ramp and attention factor, linear interpolation), for the
    reference only. Returns (inv_freq, attention factor)."""
    kind = parameters.get("rope_type", parameters.get("type", "default"))
    if kind == "default":
        return plain, 1.0
    factor = parameters["factor"]
    if kind == "linear":
        return plain / factor, 1.0
    original = top_original or parameters.get("original_max_position_embeddings") or max_positions
    if kind == "llama3":
        low, high = parameters["low_freq_factor"], parameters["high_freq_factor"]
        out = []
        for f in plain.tolist():
            wavelength = 2 * math.pi / f
            if wavelength < original / high: out.append(f)
            elif wavelength > original / low: out.append(f / factor)
            else:
                s = (original / wavelength - low) / (high - low)
                out.append((1 - s) * f / factor + s * f)
        return torch.tensor(out, dtype=torch.float64), 1.0
    assert kind == "yarn", kind
    beta_fast, beta_slow = parameters.get("beta_fast") or 32, parameters.get("beta_slow") or 1
    base = parameters["rope_theta"]
    def dimension(rotations):  # the pair index whose wavelength turns `rotations` times in `original`
        return dim * math.log(original / (rotations * 2 * math.pi)) / (2 * math.log(base))
    lo, hi = math.floor(dimension(beta_fast)), math.ceil(dimension(beta_slow))
    lo, hi = max(lo, 0), min(hi, dim - 1)
    if lo == hi: hi += 0.001
    ramp = [min(max((i - lo) / (hi - lo), 0.0), 1.0) for i in range(dim // 2)]
    out = [f / factor * r + f * (1 - r) for f, r in zip(plain.tolist(), ramp)]
    attention = parameters.get("attention_factor") or (0.1 * math.log(factor) + 1 if factor > 1 else 1.0)
    return torch.tensor(out, dtype=torch.float64), attention

def float64_rope(model):
    """transformers computes RoPE's cos/sin in float32 even in a float64 model (autocast off,
    inv_freq.float()); for a float64 reference they are recomputed here in float64 from the
    same config (scaled by scaled_frequencies, which must agree with transformers' float32
    inv_freq and attention_scaling to float32 accuracy)."""
    rotary = model.base_model.rotary_emb
    config = model.config
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    base = config.rope_parameters["rope_theta"]
    dim = int(head_dim * config.rope_parameters.get("partial_rotary_factor", 1.0))  # partial rotary
    plain = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    inv_freq, attention = scaled_frequencies(config.rope_parameters, plain, dim,
                                             getattr(config, "original_max_position_embeddings", None),
                                             config.max_position_embeddings)
    assert torch.allclose(inv_freq, rotary.inv_freq.to(torch.float64), rtol=1e-5, atol=0), (inv_freq, rotary.inv_freq)
    assert abs(attention - rotary.attention_scaling) < 1e-6 * attention, (attention, rotary.attention_scaling)
    def forward(x, position_ids, *args, **kwargs):
        freqs = position_ids[:, :, None].to(torch.float64) * inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return (emb.cos() * attention).to(x.dtype), (emb.sin() * attention).to(x.dtype)
    rotary.forward = forward

def float64_rope_by_layer_type(model):
    """float64_rope for Gemma 3, whose rotary embedding has frequencies per layer type."""
    rotary = model.base_model.rotary_emb
    config = model.config
    tables = {}
    for layer_type, parameters in config.rope_parameters.items():
        base = parameters["rope_theta"]
        plain = 1.0 / (base ** (torch.arange(0, config.head_dim, 2, dtype=torch.float64) / config.head_dim))
        inv_freq, attention = scaled_frequencies(parameters, plain, config.head_dim, None, config.max_position_embeddings)
        stored = getattr(rotary, f"{layer_type}_inv_freq").to(torch.float64)
        assert torch.allclose(inv_freq, stored, rtol=1e-5, atol=0), (layer_type, inv_freq, stored)
        tables[layer_type] = (inv_freq, attention)
    def forward(x, position_ids, layer_type):
        inv_freq, attention = tables[layer_type]
        freqs = position_ids[:, :, None].to(torch.float64) * inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return (emb.cos() * attention).to(x.dtype), (emb.sin() * attention).to(x.dtype)
    rotary.forward = forward

def capture(model, kind, ids):
    records = {}
    handles = []
    for index, (attention, output) in enumerate(hooks(model, kind)):
        def pre(module, args, kwargs, index=index):
            records[f"layer{index}_x"] = (args[0] if args else kwargs["hidden_states"]).detach().clone()
        def post(module, args, result, index=index):
            value = result[0] if isinstance(result, tuple) else result
            records[f"layer{index}_output"] = value.detach().clone()
        handles.append(attention.register_forward_pre_hook(pre, with_kwargs=True))
        handles.append(output.register_forward_hook(post))
    with torch.no_grad():
        model(input_ids=ids)
    for handle in handles: handle.remove()
    return {key: value[0].numpy() for key, value in records.items()}  # batch of one

class float64_softmax:
    """transformers' eager attention calls softmax(..., dtype=torch.float32) even in a float64
    model (Gemma 2 has only the eager path: sdpa cannot soft-cap); inside this, softmax keeps
    its input's dtype."""
    def __enter__(self):
        self.original = torch.nn.functional.softmax
        original = self.original
        def softmax(x, dim=None, _stacklevel=3, dtype=None):
            return original(x, dim=dim)
        torch.nn.functional.softmax = softmax
    def __exit__(self, *exc):
        torch.nn.functional.softmax = self.original

class float64_norms:
    """transformers' RMS norms compute in float32 even in a float64 model (Qwen3's, OLMo 2's
    QK-norm); inside this, they keep their input's dtype."""
    def __enter__(self):
        from transformers.models.qwen3 import modeling_qwen3
        from transformers.models.qwen3_moe import modeling_qwen3_moe
        from transformers.models.olmo2 import modeling_olmo2
        from transformers.models.gemma3 import modeling_gemma3
        self.saved = []
        for cls in (modeling_qwen3.Qwen3RMSNorm, modeling_qwen3_moe.Qwen3MoeRMSNorm, modeling_olmo2.Olmo2RMSNorm):
            self.saved.append((cls, cls.forward))
            def forward(module, x):
                return module.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + module.variance_epsilon))
            cls.forward = forward
        cls = modeling_gemma3.Gemma3RMSNorm  # x / rms · (1 + w)
        self.saved.append((cls, cls.forward))
        cls.forward = lambda module, x: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + module.eps) * (1.0 + module.weight)
    def __exit__(self, *exc):
        for cls, forward in self.saved: cls.forward = forward

def build(name, kind, config, model_class, dtype, seed, top_level_rope=False, drop_rope_theta=False, shard=None,
          after_save=None, implementation="sdpa"):
    if len(sys.argv) > 1 and name not in sys.argv[1:]: return
    folder = os.path.join(here, name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    model = model_class(config).to(dtype).eval()
    redraw(model, seed)
    model.save_pretrained(folder, **({"max_shard_size": shard} if shard else {}))  # safetensors + config.json
    if after_save: after_save(folder)  # tensors or keys added before the reference reloads the folder
    if drop_rope_theta:  # before the reference reloads it, so that transformers' default applies
        path = os.path.join(folder, "config.json")
        data = json.load(open(path))
        data.pop("rope_theta", None)
        data.get("rope_parameters", {}).pop("rope_theta", None)
        json.dump(data, open(path, "w"), indent=2)
    # The reference: the stored weights, widened to float64, run in float64.
    extra = {"experts_implementation": "eager"} if "moe" in name or "mixtral" in name else {}  # no float64 grouped_mm
    reloaded = model_class.from_pretrained(folder, dtype=torch.float64, attn_implementation=implementation,
                                           **extra).eval()
    for stored, widened in zip(model.state_dict().values(), reloaded.state_dict().values()):
        assert torch.equal(stored.to(torch.float64), widened), "reloading changed a weight"
    if after_save:  # what after_save added must not have reached the model: transformers ignores it
        assert list(model.state_dict()) == list(reloaded.state_dict())
    if kind in ("llama", "neox", "phi", "phi3"): float64_rope(reloaded)
    if kind == "gemma3": float64_rope_by_layer_type(reloaded)
    ids = torch.tensor([[(7 * i + seed) % config.vocab_size for i in range(SEQ)]])
    with float64_softmax(), float64_norms():
        np.savez(os.path.join(folder, "reference.npz"), **capture(reloaded, kind, ids))
    if top_level_rope:  # the transformers 4 spelling: rope_theta at the top level, a scaling in rope_scaling
        path = os.path.join(folder, "config.json")
        data = json.load(open(path))
        parameters = data.pop("rope_parameters")
        data["rope_theta"] = parameters.pop("rope_theta")
        if parameters.get("rope_type", "default") != "default":
            parameters["type"] = parameters.pop("rope_type")
            data["rope_scaling"] = parameters
        json.dump(data, open(path, "w"), indent=2)
    files = sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
    rows = []
    for file in files:
        with safe_open(os.path.join(folder, file), framework="pt") as f:
            rows += [{"name": key, "dtype": f.get_slice(key).get_dtype(), "shape": list(f.get_slice(key).get_shape())}
                     for key in f.keys()]
    json.dump(sorted(rows, key=lambda r: r["name"]), open(os.path.join(folder, "listing.json"), "w"), indent=1)
    print(name, sum(os.path.getsize(os.path.join(folder, f)) for f in files), "bytes in", len(files), "file(s)")

small = dict(vocab_size=48)
gpt2 = lambda: tf.GPT2Config(n_embd=32, n_layer=2, n_head=4, n_inner=48, n_positions=16, **small)
bert = tf.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                     max_position_embeddings=16, type_vocab_size=1, **small)
llama = lambda: tf.LlamaConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                               head_dim=8, intermediate_size=48, max_position_embeddings=16,
                               rope_parameters={"rope_type": "default", "rope_theta": 1000.0},
                               tie_word_embeddings=True, **small)
qwen2 = tf.Qwen2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       intermediate_size=48, max_position_embeddings=16,
                       rope_parameters={"rope_type": "default", "rope_theta": 50000.0},
                       tie_word_embeddings=True, **small)
mistral = tf.MistralConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
                           intermediate_size=48, max_position_embeddings=16, sliding_window=None,
                           rope_parameters={"rope_type": "default", "rope_theta": 20000.0},
                           tie_word_embeddings=True, **small)

build("gpt2", "gpt2", gpt2(), tf.GPT2LMHeadModel, torch.float32, 1)          # names under transformer.
build("bert", "bert", bert, tf.BertModel, torch.float32, 2)                 # no prefix
build("llama", "llama", llama(), tf.LlamaModel, torch.float32, 3)           # no prefix
build("qwen2", "llama", qwen2, tf.Qwen2ForCausalLM, torch.float32, 4, top_level_rope=True)  # model.
build("mistral", "llama", mistral, tf.MistralForCausalLM, torch.float32, 5)
build("llama-f16", "llama", llama(), tf.LlamaForCausalLM, torch.float16, 6)
build("gpt2-bf16", "gpt2", gpt2(), tf.GPT2Model, torch.bfloat16, 7)

# Configurations whose attention differs by layer or by model default (issue 16's QA pass):
# GPT-2 scaled by 1/(layer + 1) only, no 1/√d_k; Qwen2 with a window from layer 1 on
# (max_window_layers 1: layer_types full, sliding); Mixtral whose config.json names no RoPE
# base (transformers' Mixtral default is 1e6, not 10000).
gpt2_unscaled = tf.GPT2Config(n_embd=32, n_layer=2, n_head=4, n_inner=48, n_positions=16,
                              scale_attn_weights=False, scale_attn_by_inverse_layer_idx=True, **small)
qwen2_window = tf.Qwen2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                              intermediate_size=48, max_position_embeddings=16, use_sliding_window=True,
                              sliding_window=2, max_window_layers=1,
                              rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **small)
mixtral = tf.MixtralConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           intermediate_size=48, max_position_embeddings=16, num_local_experts=2,
                           num_experts_per_tok=1, **small)
build("gpt2-unscaled", "gpt2", gpt2_unscaled, tf.GPT2Model, torch.float32, 8)
build("qwen2-window", "llama", qwen2_window, tf.Qwen2Model, torch.float32, 9)
build("mixtral", "llama", mixtral, tf.MixtralModel, torch.float32, 10, drop_rope_theta=True)
# Saved in shards of at most 20 kB (model.safetensors.index.json + model-0000k-of-0000n.safetensors).
build("llama-sharded", "llama", llama(), tf.LlamaModel, torch.float32, 11, shard="20KB")

# Scaled RoPE (Llama 3.1's bands, linear interpolation, YaRN), with a short original context
# so that the six positions already reach the changed frequencies. YaRN in the transformers 4
# spelling (rope_scaling with "type", rope_theta at the top level), as Qwen2.5's configs say it.
llama3 = tf.LlamaConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                        head_dim=16, intermediate_size=48, max_position_embeddings=64,
                        rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0,
                                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                         "original_max_position_embeddings": 16}, **small)
linear = tf.LlamaConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                        head_dim=8, intermediate_size=48, max_position_embeddings=64,
                        rope_parameters={"rope_type": "linear", "rope_theta": 100.0, "factor": 4.0}, **small)
yarn = tf.Qwen2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                      intermediate_size=48, max_position_embeddings=64,
                      rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                                       "original_max_position_embeddings": 16}, **small)
build("llama3-rope", "llama", llama3, tf.LlamaModel, torch.float32, 12)
build("llama-linear-rope", "llama", linear, tf.LlamaModel, torch.float32, 13)
build("qwen2-yarn", "llama", yarn, tf.Qwen2Model, torch.float32, 14, top_level_rope=True)

# Configurations transformers reads differently from what their keys suggest (the QA pass
# against transformers 5):
# - bert-decoder: BertLMHeadModel with is_decoder true, whose self-attention is causal.
# - qwen2-moe: Qwen2-MoE as transformers 5 saves it without use_sliding_window
#   ("sliding_window": 0 and layer_types all full_attention): no window.
# - llama-ignored: a Llama whose safetensors also holds what transformers ignores when
#   loading (each layer's self_attn.rotary_emb.inv_freq buffer, as older Llama-2 saves and
#   TinyLlama carry; q/k/v biases while attention_bias is false) and whose config.json has
#   sliding_window and layer_types, which LlamaModel ignores.
def llama_extras(folder):
    from safetensors.torch import load_file, save_file
    path = os.path.join(folder, "model.safetensors")
    tensors = load_file(path)
    generator = torch.Generator().manual_seed(99)
    for layer in range(2):
        stem = f"layers.{layer}.self_attn."
        tensors[stem + "rotary_emb.inv_freq"] = 1.0 / (1000.0 ** (torch.arange(0, 8, 2).float() / 8))
        for part in ("q_proj", "k_proj", "v_proj"):
            rows = tensors[stem + part + ".weight"].shape[0]
            tensors[stem + part + ".bias"] = torch.randn(rows, generator=generator)
    save_file(tensors, path, metadata={"format": "pt"})
    config_path = os.path.join(folder, "config.json")
    data = json.load(open(config_path))
    data.update(sliding_window=2, layer_types=["sliding_attention", "full_attention"])
    json.dump(data, open(config_path, "w"), indent=2)

bert_decoder = tf.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                             max_position_embeddings=16, type_vocab_size=1, is_decoder=True, **small)
qwen2_moe = tf.Qwen2MoeConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                              intermediate_size=48, moe_intermediate_size=16, shared_expert_intermediate_size=16,
                              num_experts=2, num_experts_per_tok=1, max_position_embeddings=16,
                              rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **small)
build("bert-decoder", "bert", bert_decoder, tf.BertLMHeadModel, torch.float32, 15)
build("qwen2-moe", "llama", qwen2_moe, tf.Qwen2MoeModel, torch.float32, 16)
build("llama-ignored", "llama", llama(), tf.LlamaModel, torch.float32, 17, after_save=llama_extras)

# Gemma (multi-query, head_dim given) and Gemma 2: its score scale query_pre_attn_scalar^-1/2
# (24, not head_dim 16), soft-cap 2 (small enough to bend these scores) and a window of 3 on
# its even layers (Gemma2Config's layer_types: sliding, full). Gemma 2 runs eager (sdpa cannot
# soft-cap) with the softmax kept in float64.
gemma = tf.GemmaConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
                       head_dim=8, intermediate_size=48, max_position_embeddings=16,
                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **small)
gemma2 = tf.Gemma2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                         head_dim=16, intermediate_size=48, max_position_embeddings=16, query_pre_attn_scalar=24,
                         attn_logit_softcapping=2.0, sliding_window=3,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **small)
build("gemma", "llama", gemma, tf.GemmaModel, torch.float32, 18)
build("gemma2", "llama", gemma2, tf.Gemma2Model, torch.float32, 19, implementation="eager")

# GPT-NeoX (Pythia): the per-head packed query_key_value, partial RoPE (rotary_pct 0.5 of d_k 8)
# with base 5000, and config.json rewritten in Pythia's own spelling (rotary_pct,
# rotary_emb_base, no rope_parameters) before the reference reloads it.
def pythia_spelling(folder):
    path = os.path.join(folder, "config.json")
    data = json.load(open(path))
    parameters = data.pop("rope_parameters")
    data.update(rotary_pct=parameters["partial_rotary_factor"], rotary_emb_base=parameters["rope_theta"])
    json.dump(data, open(path, "w"), indent=2)

neox = tf.GPTNeoXConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                        max_position_embeddings=16, rotary_pct=0.5, rotary_emb_base=5000, **small)
build("gpt-neox", "neox", neox, tf.GPTNeoXModel, torch.float32, 20, after_save=pythia_spelling)

# OPT (q/k/v/out_proj with biases under model.decoder., no RoPE) and Phi (q/k/v_proj and dense
# with biases, partial RoPE on half of each head by PhiConfig's default, base 2000).
opt = tf.OPTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, ffn_dim=48,
                   max_position_embeddings=16, word_embed_proj_dim=32, **small)
phi = tf.PhiConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                   intermediate_size=48, max_position_embeddings=16,
                   rope_parameters={"rope_type": "default", "rope_theta": 2000.0}, **small)
build("opt", "opt", opt, tf.OPTModel, torch.float32, 21)
build("phi", "phi", phi, tf.PhiModel, torch.float32, 22)

# BLOOM (ALiBi, query_key_value packed per head, eager softmax kept in float64; 6 heads, not a
# power of two, for the interleaved slopes) and DistilBERT (q/k/v/out_lin, bidirectional).
bloom = tf.BloomConfig(hidden_size=36, n_layer=2, n_head=6, **small)
distilbert = tf.DistilBertConfig(dim=32, n_layers=2, n_heads=4, hidden_dim=48, max_position_embeddings=16, **small)
build("bloom", "bloom", bloom, tf.BloomModel, torch.float32, 23, implementation="eager")
build("distilbert", "distilbert", distilbert, tf.DistilBertModel, torch.float32, 24)

# QK-norm: Qwen3 (per head, a window of 3 from layer 1 on: max_window_layers 1), Qwen3-MoE
# (every layer windowed with use_sliding_window) and OLMo 2 (over the whole projection, with
# grouped-query heads, so that γ^k has g·d_k values; ε 1e-3 so that it shows).
qwen3 = tf.Qwen3Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       head_dim=8, intermediate_size=48, max_position_embeddings=16, use_sliding_window=True,
                       sliding_window=3, max_window_layers=1,
                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **small)
qwen3_moe = tf.Qwen3MoeConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                              head_dim=8, intermediate_size=48, moe_intermediate_size=16, num_experts=2,
                              num_experts_per_tok=1, max_position_embeddings=16, use_sliding_window=True,
                              sliding_window=3, rope_parameters={"rope_type": "default", "rope_theta": 5000.0},
                              **small)
olmo2 = tf.Olmo2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       intermediate_size=48, max_position_embeddings=16, rms_norm_eps=1e-3,
                       rope_parameters={"rope_type": "default", "rope_theta": 500000.0}, **small)
build("qwen3", "llama", qwen3, tf.Qwen3Model, torch.float32, 25)
build("qwen3-moe", "llama", qwen3_moe, tf.Qwen3MoeModel, torch.float32, 26)
build("olmo2", "llama", olmo2, tf.Olmo2Model, torch.float32, 27)

# Gemma 3 (gemma3_text): QK-norm with 1 + γ, scale query_pre_attn_scalar^-1/2 (24), a window of
# 3 on its sliding layer, and RoPE per layer type: base 10000 on the sliding layer, 1e6 with
# linear scaling 2 on the full one. gemma3 says it as transformers 5 does (layer_types, nested
# rope_parameters); gemma3-v4 as the Hub's Gemma 3 configs do (rope_theta,
# rope_local_base_freq and rope_scaling at the top level, sliding_window_pattern 2, no
# layer_types), rewritten before the reference reloads it.
def gemma3_v4_spelling(folder):
    path = os.path.join(folder, "config.json")
    data = json.load(open(path))
    parameters = data.pop("rope_parameters")
    data.pop("layer_types")
    full = parameters["full_attention"]
    data.update(rope_theta=full.pop("rope_theta"), rope_local_base_freq=parameters["sliding_attention"]["rope_theta"],
                rope_scaling=full, sliding_window_pattern=2)
    json.dump(data, open(path, "w"), indent=2)

gemma3 = lambda: tf.Gemma3TextConfig(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
    intermediate_size=48, max_position_embeddings=16, query_pre_attn_scalar=24, sliding_window=3,
    layer_types=["sliding_attention", "full_attention"],
    rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                     "full_attention": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0}}, **small)
build("gemma3", "gemma3", gemma3(), tf.Gemma3TextModel, torch.float32, 28)
build("gemma3-v4", "gemma3", gemma3(), tf.Gemma3TextModel, torch.float32, 29, after_save=gemma3_v4_spelling)
# gemma3-softcap: the same with attn_logit_softcapping 2.5, which Gemma3Attention stores but never
# passes to its attention function: transformers' output is the uncapped one.
gemma3_softcap = gemma3()
gemma3_softcap.attn_logit_softcapping = 2.5
build("gemma3-softcap", "gemma3", gemma3_softcap, tf.Gemma3TextModel, torch.float32, 34)

# Llama-named types whose attention differs: Granite's scale attention_multiplier (0.3, not
# 1/√d_k), StarCoder2's biases (use_bias) and window on every layer, SmolLM3's layers without
# RoPE (no_rope_layer_interval 2: layer 1) which are its sliding layers (use_sliding_window).
granite = tf.GraniteConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           intermediate_size=48, max_position_embeddings=16, attention_multiplier=0.3,
                           rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **small)
starcoder2 = tf.Starcoder2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                 intermediate_size=48, max_position_embeddings=16, sliding_window=3,
                                 rope_parameters={"rope_type": "default", "rope_theta": 100000.0}, **small)
smollm3 = tf.SmolLM3Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           intermediate_size=48, max_position_embeddings=16, no_rope_layer_interval=2,
                           use_sliding_window=True, sliding_window=3, pad_token_id=0,
                           rope_parameters={"rope_type": "default", "rope_theta": 2000.0}, **small)
build("granite", "llama", granite, tf.GraniteModel, torch.float32, 30)
build("starcoder2", "llama", starcoder2, tf.Starcoder2Model, torch.float32, 31)
build("smollm3", "llama", smollm3, tf.SmolLM3Model, torch.float32, 32)

# Phi-3: the packed qkv_proj rows [W^q; W^k; W^v] with grouped-query widths (4 query heads,
# 2 K/V heads), partial RoPE on half of each head, and a window of 3 on every layer.
phi3 = tf.Phi3Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     intermediate_size=48, max_position_embeddings=16, sliding_window=3, pad_token_id=0,
                     rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5},
                     **small)
build("phi3", "phi3", phi3, tf.Phi3Model, torch.float32, 33)

# pickle/pytorch_model.bin: a PyTorch pickle (torch.save's zip with data.pkl), which is refused.
if len(sys.argv) == 1 or "pickle" in sys.argv[1:]:
    os.makedirs(os.path.join(here, "pickle"), exist_ok=True)
    torch.save({"layers.0.self_attn.q_proj.weight": torch.zeros(2, 2)}, os.path.join(here, "pickle", "pytorch_model.bin"))
