import MHACore

/// What transformers' attention class for a `model_type` has, beyond what the tensors say:
/// which projections carry a bias, and which config.json keys the Llama reader knows.
extension CheckpointLayer {
    /// The projections whose bias transformers' class for config.json's `model_type` has, or
    /// nil when every bias present is read (a Llama-family layer without config.json, a type
    /// read with `--arch` whose class is not known here). GPT2Attention's (Conv1D),
    /// BERT's, DistilBERT's, Phi's and BLOOM's: all four, always; OPT's: all four unless
    /// `enable_bias` is false; GPT-NeoX's: all four unless `attention_bias` is false (these
    /// with or without a config.json: the class's defaults). LlamaAttention, Gemma's, Gemma
    /// 2's, Gemma 3's, Qwen3's, Qwen3-MoE's, OLMo 2's, Granite's and SmolLM3's: all four iff
    /// `attention_bias` (default false); StarCoder2's: all four unless `use_bias` is false;
    /// Mistral, Mixtral: none; Qwen2: q, k, v; Qwen2-MoE: q, k, v iff `qkv_bias` (default true).
    static func classBiases(_ family: CheckpointArchitecture, config: ModelConfig?) throws(FormatError)
        -> Set<CheckpointArchitecture.Part>?
    {
        let all = Set(CheckpointArchitecture.Part.allCases)
        if family != .llama {
            // A model type of another family read with --arch: its class is not known here.
            if let type = config?.modelType, CheckpointArchitecture.modelTypes[family]?.contains(type) == false {
                return nil
            }
            switch family {
            case .opt: return try config?.boolean("enable_bias") == false ? [] : all
            case .gptNeox: return try config?.boolean("attention_bias") == false ? [] : all
            case .phi3: return []
            default: return all
            }
        }
        guard let config else { return nil }
        switch config.modelType {
        case "llama", "gemma", "gemma2", "gemma3_text", "qwen3", "qwen3_moe", "olmo2", "granite", "granitemoe",
            "granitemoeshared", "smollm3":
            return try config.boolean("attention_bias") == true ? Set(CheckpointArchitecture.Part.allCases) : []
        case "starcoder2":
            return try config.boolean("use_bias") == false ? [] : Set(CheckpointArchitecture.Part.allCases)
        case "mistral", "mixtral": return []
        case "qwen2": return [.query, .key, .value]
        case "qwen2_moe": return try config.boolean("qkv_bias") == false ? [] : [.query, .key, .value]
        default: return nil
        }
    }

    /// Why biases were ignored, for the warning: which class has no place for them.
    static func biasRule(_ config: ModelConfig?) -> String {
        let rule: String
        switch config?.modelType {
        case "llama": rule = "LlamaAttention has no biases when attention_bias is false"
        case "starcoder2": rule = "starcoder2's attention has no biases when use_bias is false"
        case "gemma", "gemma2", "gemma3_text", "qwen3", "qwen3_moe", "olmo2", "granite", "granitemoe",
            "granitemoeshared",
            "smollm3":
            rule = "\(config?.modelType ?? "")'s attention has no biases when attention_bias is false"
        case "mistral", "mixtral": rule = "\(config?.modelType ?? "")'s attention has no biases"
        case "opt": rule = "OPTAttention has no biases when enable_bias is false"
        case "gpt_neox": rule = "GPTNeoXAttention has no biases when attention_bias is false"
        case "qwen2_moe" where (try? config?.boolean("qkv_bias")) == false:
            rule = "qwen2_moe has no q/k/v bias when qkv_bias is false"
        default: rule = "\(config?.modelType ?? "this model")'s attention has no output-projection bias"
        }
        return
            "\(rule) (config.json's model_type); transformers ignores such tensors when loading, and so does this reader"
    }

    /// config.json keys the Llama reader reads, or knows do not change a Llama attention
    /// layer's result (sizes of other parts, token ids, training and saving settings).
    static let llamaKeys: Set<String> = [
        "_name_or_path", "architectures", "attention_bias", "attention_dropout", "bos_token_id",
        "chunk_size_feed_forward", "dtype", "torch_dtype", "eos_token_id", "head_dim", "hidden_act", "hidden_size",
        "id2label", "label2id", "initializer_range", "intermediate_size", "is_encoder_decoder",
        "max_position_embeddings", "mlp_bias", "model_type", "num_attention_heads", "num_hidden_layers",
        "num_key_value_heads", "output_attentions", "output_hidden_states", "pad_token_id", "pretraining_tp",
        "problem_type", "return_dict", "rms_norm_eps", "rope_parameters", "rope_scaling", "rope_theta",
        "partial_rotary_factor", "original_max_position_embeddings", "tie_word_embeddings",
        "transformers_version", "use_cache", "vocab_size", "tokenizer_class", "auto_map",
    ]

    /// The warning for `--arch` given over config.json's `model_type` of another family: its
    /// attention is read as the family's, and (for `llama`) the keys present that the Llama
    /// reader does not know, which may change attention there, are named.
    static func forcedArchitectureWarning(_ architecture: CheckpointArchitecture, config: ModelConfig?) -> String? {
        guard let config, let type = config.modelType,
            CheckpointArchitecture.modelTypes[architecture]?.contains(type) == false
        else { return nil }
        var text =
            "\(config.name)'s model_type \(MessageText.quoted(type)) is read as \(architecture.rawValue) (--arch): what makes \(MessageText.escaped(type, limit: 40)) differ from \(architecture.rawValue) is not read"
        if architecture == .llama {
            let unknown = config.keys.filter { !llamaKeys.contains($0) }
            text +=
                unknown.isEmpty
                ? " (no key beyond Llama's names it)"
                : "; keys the llama reader does not know: "
                    + unknown.prefix(12).map { MessageText.escaped($0, limit: 40) }.joined(separator: ", ")
                    + (unknown.count > 12 ? ", … (\(unknown.count))" : "")
        }
        return text
    }

    /// Granite's score scale `attention_multiplier` (GraniteConfig's default 1.0) in place of
    /// 1/√d_k (Granite, GraniteMoE, GraniteMoE-Shared); nil for other types.
    static func graniteScale(_ config: ModelConfig) throws(FormatError) -> Double? {
        guard ["granite", "granitemoe", "granitemoeshared"].contains(config.modelType ?? "") else { return nil }
        return try config.positiveNumber("attention_multiplier") ?? 1
    }

    /// Whether `layer` turns Q and K by RoPE: SmolLM3's `no_rope_layers` (1: RoPE, 0: none;
    /// without it, every `no_rope_layer_interval`-th layer, default 4, counted from 1, has
    /// none); every layer of the other types.
    static func rotatesLayer(_ config: ModelConfig, layer: Int) throws(FormatError) -> Bool {
        guard config.modelType == "smollm3" else { return true }
        if let flags = try config.integerList("no_rope_layers"), layer < flags.count { return flags[layer] != 0 }
        let interval = try config.positiveInteger("no_rope_layer_interval") ?? 4
        return (layer + 1) % interval != 0
    }
}
