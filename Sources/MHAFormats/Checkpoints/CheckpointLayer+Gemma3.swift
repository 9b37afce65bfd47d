import MHACore

/// Gemma 3 (`gemma3_text`): Llama's names with a QK-norm whose gain is 1 + γ, the scale
/// `query_pre_attn_scalar`^−½, and two kinds of layer that differ in their window and in
/// their RoPE (transformers 5's Gemma3TextConfig and Gemma3Attention).
extension CheckpointLayer {
    /// Whether Gemma 3 windows `layer`: `layer_types` when config.json lists it, else every
    /// layer but each `sliding_window_pattern`-th (default 6), counted from 1.
    static func gemma3Sliding(_ config: ModelConfig, layer: Int) throws(FormatError) -> Bool {
        if let listed = try listedSliding(config, layer: layer) { return listed }
        let pattern = try config.positiveInteger("sliding_window_pattern") ?? 6
        return (layer + 1) % pattern != 0
    }

    /// The layer type's name in config.json.
    static func gemma3LayerType(sliding: Bool) -> String { sliding ? "sliding_attention" : "full_attention" }

    /// Gemma 3's RoPE base and scaling for a layer of that kind: its own `rope_parameters`
    /// object when config.json has one (transformers 5); otherwise (transformers 4's spelling)
    /// sliding layers turn by `rope_local_base_freq` (default 10000) without scaling, and full
    /// layers by `rope_theta` (default 1e6) with `rope_scaling` (a `rope_parameters` object
    /// that is not per layer type is ignored, as Gemma3TextConfig ignores it).
    static func gemma3Rotary(_ config: ModelConfig, sliding: Bool) throws(FormatError) -> (
        base: Double, scaling: RotaryScaling?
    ) {
        let type = gemma3LayerType(sliding: sliding)
        if config.hasRopeParameters(forLayerType: type) {
            // Gemma3TextConfig fills a sliding object's missing rope_theta from
            // rope_local_base_freq, a full one's from the top-level rope_theta.
            var base = try config.ropeBase(layerType: type, topLevel: !sliding)
            if base == nil, sliding { base = try config.positiveNumber("rope_local_base_freq") }
            return (base ?? (sliding ? 10000 : 1_000_000), try config.rotaryScaling(layerType: type))
        }
        if sliding { return (try config.positiveNumber("rope_local_base_freq") ?? 10000, nil) }
        return (try config.ropeBase() ?? 1_000_000, try config.rotaryScaling())
    }

    /// Gemma 3's score scale `query_pre_attn_scalar`^−½ (default 256). No soft-cap: transformers
    /// 5's Gemma3Attention stores `attn_logit_softcapping` but never passes it to its attention
    /// function, so the scores are not capped whatever config.json says (`gemma3SoftcapWarning`).
    static func gemma3Scale(_ config: ModelConfig) throws(FormatError) -> Double {
        1 / (try config.positiveNumber("query_pre_attn_scalar") ?? 256).squareRoot()
    }

    /// The warning for a Gemma 3 config.json whose `attn_logit_softcapping` is a number: it is
    /// not applied, as transformers does not apply it; nil when it is null or absent.
    static func gemma3SoftcapWarning(_ config: ModelConfig) throws(FormatError) -> String? {
        guard let cap = try config.positiveNumber("attn_logit_softcapping") else { return nil }
        return
            "\(config.name)'s attn_logit_softcapping \(ModelConfig.describe(cap)) is ignored: transformers' Gemma3Attention never passes it to its attention, so Gemma 3's scores are not soft-capped"
    }

    /// Refuses what this reader does not compute for Gemma 3: `use_bidirectional_attention`
    /// (transformers then halves the window for its flash-attention bounds and attends both
    /// ways).
    static func refuseGemma3Variants(_ config: ModelConfig) throws(FormatError) {
        guard try config.boolean("use_bidirectional_attention") == true else { return }
        throw FormatError(
            kind: .data, file: config.name, path: "$.use_bidirectional_attention",
            message:
                "Gemma 3 with use_bidirectional_attention (its window halved, no causal mask) is not read; only the causal model is"
        )
    }
}
