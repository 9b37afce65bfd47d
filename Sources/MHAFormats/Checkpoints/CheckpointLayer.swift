import MHACore

/// One attention layer read from a checkpoint: its weights and biases (by bundle key:
/// `wq`, `wk`, `wv`, `wo`, `bq`, …), their layout, τ, g, d_k, the causal mask, the score
/// scale and RoPE, from the tensors and config.json.
///
/// GPT-2's packed `c_attn` (d × 3d, xw) is split into W^q, W^k, W^v by columns and its bias
/// likewise; BERT's and Llama's `nn.Linear` weights stay in PyTorch's layout.
public struct CheckpointLayer: Sendable {
    /// The family read.
    public var architecture: CheckpointArchitecture
    /// The layer number.
    public var layer: Int
    /// Weights and biases by bundle key.
    public var matrices: [String: Matrix<Double>] = [:]
    /// The layout of the weights.
    public var layout: WeightLayout
    /// τ.
    public var heads: Int
    /// g.
    public var kvHeads: Int
    /// d_k.
    public var headDim: Int
    /// Whether the family's attention is causal (decoders).
    public var causal: Bool
    /// The score scale when it is not 1/√d_k (GPT-2's `scale_attn_by_inverse_layer_idx`).
    public var scale: Double?
    /// RoPE, for the Llama family.
    public var rope: RotaryEmbedding?
    /// Mistral's sliding window, when config.json sets one.
    public var window: Int?
    /// Gemma 2's soft-cap of the scores (`attn_logit_softcapping`).
    public var softcap: Double?
    /// Whether the family adds ALiBi's biases (BLOOM).
    public var alibi = false
    /// Qwen3's (per head) and OLMo 2's (whole projection) RMS norm of Q and K, with the
    /// gains `q_norm.weight` and `k_norm.weight` (also in `matrices` as `gq`, `gk`).
    public var qkNorm: QueryKeyNorm?
    /// The tensor each matrix came from (`wq` → `model.layers.0.self_attn.q_proj.weight`).
    public var sources: [String: String] = [:]
    /// What was read differently from what the files suggest, for stderr: a `--arch` given
    /// for another model type, bias tensors transformers' class has no place for (ignored),
    /// a quantization_config over unquantized weights.
    public var warnings: [String] = []

    /// d_model, the width of the hidden states the layer reads (W^q's input side).
    public var modelDim: Int {
        guard let wq = matrices["wq"] else { return 0 }
        return layout == .xw ? wq.rows : wq.columns
    }

    /// The engine configuration this layer runs with: τ, g, d_k, causal, the scale, RoPE,
    /// ALiBi, the window and the soft-cap. The one place a checkpoint layer becomes engine settings; front ends lay
    /// their explicit options over it.
    public var configuration: AttentionConfiguration {
        AttentionConfiguration(
            heads: heads, kvHeads: kvHeads, causal: causal, scale: scale, headDim: headDim, rope: rope,
            alibi: alibi, window: window, softcap: softcap, qkNorm: qkNorm)
    }

    /// A value config.json gives that the tensors cannot: without it (no config.json, or one
    /// that lacks the key) the caller must give it explicitly.
    public enum Setting: String, Sendable, CaseIterable {
        /// τ (`num_attention_heads`, GPT-2's `n_head`).
        case heads = "num_attention_heads"
        /// RoPE's base θ (`rope_theta`), for the Llama family.
        case ropeBase = "rope_theta"
    }

    /// The settings layer reading needs that neither `config` nor the caller gives: τ when
    /// config.json does not say it, RoPE's base for the Llama family without a config.json (a
    /// config.json without `rope_theta` means transformers' default, 10000). Decided before
    /// reading, so that a missing setting is the caller's usage error, never a guess.
    public static func missingSettings(
        archive: any ArrayArchive, architecture: CheckpointArchitecture?, config: ModelConfig?,
        given: Set<Setting>
    ) throws(FormatError) -> [Setting] {
        let family = try family(architecture, config: config, names: archive.arrays.map(\.name), archive: archive)
        var missing: [Setting] = []
        if try configuredHeads(config) == nil { missing.append(.heads) }
        if family.rotates, config == nil { missing.append(.ropeBase) }
        return missing.filter { !given.contains($0) }
    }

    /// Reads layer `layer` of `archive`, as `architecture` (default: config.json's
    /// `model_type`, else recognised from the names).
    /// - Parameters:
    ///   - config: the model's config.json, if found; τ comes from it unless `heads` is given.
    ///   - heads: τ given explicitly (it wins over config.json).
    ///   - ropeBase: RoPE's base given explicitly (it wins over config.json; without a
    ///     config.json a Llama-family layer needs it: see `missingSettings`).
    /// - Throws: `FormatError` (65) for missing tensors (listing the attention-like ones),
    ///   a layer that does not exist, shapes that disagree, quantized weights, or settings this
    ///   reader cannot honour. What is read differently from what the files suggest goes to
    ///   `warnings`.
    public init(
        archive: any ArrayArchive, layer: Int, architecture: CheckpointArchitecture? = nil,
        config: ModelConfig?, heads explicitHeads: Int? = nil, ropeBase explicitRopeBase: Double? = nil
    ) throws(FormatError) {
        let (family, recognised) = try Self.locate(archive, layer: layer, architecture: architecture, config: config)
        try Self.validate(archive, recognised, layer: layer, config: config)
        self.architecture = family
        self.layer = layer
        self.layout = family == .gpt2 ? .xw : .torch
        // transformers' BERT family is causal when the config says is_decoder
        // (BertAttention(is_causal=config.is_decoder): BertLMHeadModel, RobertaForCausalLM, …).
        switch family {
        case .bert: self.causal = try config?.boolean("is_decoder") == true
        case .distilbert: self.causal = false
        // Gemma 2's only attention path (eager) stays causal whatever use_bidirectional_attention says.
        case .llama where ["gemma2", "gemma3_text"].contains(config?.modelType ?? ""): self.causal = true
        default: self.causal = try config?.boolean("use_bidirectional_attention") != true
        }
        self.alibi = family == .bloom
        self.heads = 1
        self.kvHeads = 1
        self.headDim = 1
        if let architecture, let warning = Self.forcedArchitectureWarning(architecture, config: config) {
            warnings.append(warning)
        }
        if let method = config?.quantizationMethod {
            warnings.append(
                "\(config?.name ?? "config.json") has a quantization_config (\(method)) but layer \(layer)'s attention weights are stored unquantized; they are read as stored (transformers may quantize them when loading)"
            )
        }
        let reader = TensorReader(archive: archive, prefix: recognised.prefix, family: family, layer: layer)
        // Every check the header and config.json settle comes first, as inspect makes them.
        let heads = try Self.heads(explicitHeads, config: config, archive: archive)
        let shapes = try Self.headShapes(reader, config: config, heads: heads)
        (self.heads, self.kvHeads, self.headDim) = (shapes.heads, shapes.kvHeads, shapes.headDim)
        if family.rotates {
            let rotary = try Self.rotary(
                family, config: config, layer: layer, headDim: headDim, base: explicitRopeBase, archive: archive)
            rope = rotary.rope
            warnings += rotary.warnings
        }
        if family == .phi3 {
            try readPackedRows(reader, heads: heads, config: config)
        } else if family == .gptNeox || family == .bloom {
            try readPackedHeads(
                reader, heads: heads, biases: try Self.classBiases(family, config: config), config: config)
        } else {
            try readWeights(reader, biases: try Self.classBiases(family, config: config), config: config)
        }
        if family == .gpt2 {
            // transformers divides by √d_k unless scale_attn_weights is false, and then by
            // layer + 1 when scale_attn_by_inverse_layer_idx is true: either, both or neither.
            let root = try config?.boolean("scale_attn_weights") == false ? 1 : Double(headDim).squareRoot()
            let depth = try config?.boolean("scale_attn_by_inverse_layer_idx") == true ? Double(layer + 1) : 1
            if root != Double(headDim).squareRoot() || depth != 1 { scale = 1 / (root * depth) }
        }
        if family == .phi3, let config { window = try Self.slidingWindow(config, layer: layer) }
        if family == .llama, let config {
            window = try Self.slidingWindow(config, layer: layer)
            if config.modelType == "gemma2" { (scale, softcap) = try Self.gemma2Scores(config) }
            if config.modelType == "gemma3_text" {
                scale = try Self.gemma3Scale(config)
                if let warning = try Self.gemma3SoftcapWarning(config) { warnings.append(warning) }
            }
            if let multiplier = try Self.graniteScale(config) { scale = multiplier }
            if try !Self.rotatesLayer(config, layer: layer) { rope = nil }
        }
    }

    /// Gemma 2's score rules: scale query_pre_attn_scalar^(−½) (Gemma2Config's default 256),
    /// and the soft-cap `attn_logit_softcapping` (default 50; null for none).
    static func gemma2Scores(_ config: ModelConfig) throws(FormatError) -> (scale: Double, softcap: Double?) {
        let scalar = try config.positiveNumber("query_pre_attn_scalar") ?? 256
        let cap =
            config.isNull("attn_logit_softcapping") ? nil : try config.positiveNumber("attn_logit_softcapping") ?? 50
        return (1 / scalar.squareRoot(), cap)
    }

    /// Why reading `archive` as a checkpoint would be refused, found from its names, dtypes,
    /// shapes and config.json alone (no tensor is read): nil when every attention layer
    /// recognised passes the checks `init` makes before reading. `inspect` asks this rather
    /// than re-deriving what `run --checkpoint` accepts.
    /// - Parameter layer: only that layer's checks (nil: every layer's).
    public static func refusal(
        archive: any ArrayArchive, architecture: CheckpointArchitecture? = nil, config: ModelConfig?,
        layer only: Int? = nil
    ) -> FormatError? {
        do throws(FormatError) {
            let family = try family(architecture, config: config, names: archive.arrays.map(\.name), archive: archive)
            guard let recognised = RecognisedCheckpoint.recognise(archive.arrays.map(\.name), as: family) else {
                try QuantizedWeights.refuse(archive.arrays.map(\.name), in: archive, config: config)
                throw notFound(family, in: archive)
            }
            for layer in recognised.layers where only == nil || only == layer {
                try validate(archive, recognised, layer: layer, config: config)
                // The shapes' checks need τ, and RoPE's a base: without config.json's, run asks
                // for them (a usage error), and reads the layer once they are given.
                guard let heads = try configuredHeads(config) else { continue }
                let reader = TensorReader(archive: archive, prefix: recognised.prefix, family: family, layer: layer)
                let shapes = try headShapes(reader, config: config, heads: heads)
                if family.rotates, config != nil {
                    _ = try rotary(
                        family, config: config, layer: layer, headDim: shapes.headDim, base: nil, archive: archive)
                }
            }
            return nil
        } catch {
            return error
        }
    }

    /// The family to read and its names, checked to hold layer `layer`.
    private static func locate(
        _ archive: any ArrayArchive, layer: Int, architecture: CheckpointArchitecture?, config: ModelConfig?
    ) throws(FormatError) -> (CheckpointArchitecture, RecognisedCheckpoint) {
        let names = archive.arrays.map(\.name)
        let family = try family(architecture, config: config, names: names, archive: archive)
        guard let recognised = RecognisedCheckpoint.recognise(names, as: family) else {
            try QuantizedWeights.refuse(names, in: archive, config: config)
            throw notFound(family, in: archive)
        }
        guard recognised.layers.contains(layer) else {
            let range =
                recognised.layers.count == 1
                ? "\(recognised.layers[0])" : "\(recognised.layers.first ?? 0)…\(recognised.layers.last ?? 0)"
            throw FormatError(
                kind: .data, file: archive.name,
                message: "no attention layer \(layer): this \(family.rawValue) checkpoint has layers \(range)")
        }
        return (family, recognised)
    }

    /// The checks made before any tensor is read: quantized weights, tensors inside the
    /// attention block that are not read, and config.json settings not computed here.
    private static func validate(
        _ archive: any ArrayArchive, _ recognised: RecognisedCheckpoint, layer: Int, config: ModelConfig?
    ) throws(FormatError) {
        let family = recognised.architecture
        let reader = TensorReader(archive: archive, prefix: recognised.prefix, family: family, layer: layer)
        try QuantizedWeights.refuse(reader, config: config)
        try refuseUnknownParts(reader, names: archive.arrays.map(\.name), config: config)
        if family == .gpt2,
            let packed = archive.array(named: reader.fullName(.query, "weight"))
        {
            // GPT-2's packed d × 3d c_attn (GPTBigCode's multi-query d × (d + 2·d_k) is not it).
            guard packed.shape.count == 2, packed.shape[1] == 3 * packed.shape[0] else {
                throw reader.shapeError(
                    .query, "weight", "\(packed.shapeDescription), expected d × 3d (packed W^q | W^k | W^v)")
            }
        }
        if let config {
            try checkLayerCount(config, layer: layer, family: family)
            try checkLayerTypes(config, layer: layer, family: family)
        }
        if family == .phi, try config?.boolean("qk_layernorm") == true {
            throw FormatError(
                kind: .data, file: config?.name ?? archive.name, path: "$.qk_layernorm",
                message:
                    "qk_layernorm is true: Phi then normalises Q and K by LayerNorms (q_layernorm, k_layernorm; transformers initialises them afresh when the file lacks them), which this reader does not compute"
            )
        }
        // After rotaryScaling's refusal of the types not computed (longrope, dynamic, …).
        if family == .phi3, let config, try config.rotaryScaling() != nil {
            throw FormatError(
                kind: .data, file: config.name, path: "$." + (config.ropeKey() ?? "rope_scaling"),
                message:
                    "transformers' Phi-3 takes no RoPE scaling but longrope (its yarn is read as longrope), which this reader does not compute; it refuses linear and llama3"
            )
        }
        if family == .bert, let kind = try config?.string("position_embedding_type"), kind != "absolute" {
            throw FormatError(
                kind: .data, file: config?.name ?? archive.name,
                message:
                    "position_embedding_type \(MessageText.quoted(kind)) adds relative-position scores this reader does not compute; only \"absolute\" is read"
            )
        }
        if family.rotates, let config {
            _ = try config.rotaryScaling()
            _ = try config.ropeBase()
            _ = try config.rotaryFraction()
            _ = try slidingWindow(config, layer: layer)
            if config.modelType == "gemma2" { _ = try gemma2Scores(config) }
            if config.modelType == "gemma3_text" {
                try refuseGemma3Variants(config)
                _ = try gemma3Scale(config)
                _ = try gemma3SoftcapWarning(config)
                _ = try gemma3Rotary(config, sliding: try gemma3Sliding(config, layer: layer))
            }
            if family == .llama {
                _ = try graniteScale(config)
                _ = try rotatesLayer(config, layer: layer)
            }
        }
        // The flags init reads, so that a wrong-typed one is refused here too.
        let flags: [String]
        switch family {
        case .gpt2: flags = ["scale_attn_weights", "scale_attn_by_inverse_layer_idx"]
        case .bert: flags = ["is_decoder"]
        case .distilbert: flags = []
        default: flags = ["use_bidirectional_attention"]
        }
        for flag in flags { _ = try config?.boolean(flag) }
        _ = try classBiases(family, config: config)  // enable_bias, attention_bias, …
    }

    /// The layer's sliding window as transformers 5's class for config.json's `model_type`
    /// applies it, nil for full attention:
    /// - `mistral`, `mixtral`: every layer, `sliding_window` (null: none; absent: Mistral's
    ///   default 4096, Mixtral's none); `layer_types` is ignored, as those classes ignore it.
    /// - `qwen2`, `qwen2_moe`: the layers `layer_types` marks `sliding_attention` (without
    ///   it, Qwen2's from `max_window_layers` on, Qwen2-MoE's even layers below it, both only
    ///   with `use_sliding_window`), windowed by `sliding_window`, which is read only then.
    /// - `gemma2`: the layers `layer_types` marks `sliding_attention` (without it, the even
    ///   ones), `sliding_window` (absent: Gemma2Config's default 4096; null: refused).
    /// - `qwen3`: as `qwen2`; `qwen3_moe`: every layer, with `use_sliding_window` only.
    /// - `starcoder2`, `phi3`: every layer, `sliding_window` (null or absent: none).
    /// - `smollm3`: the layers `layer_types` marks `sliding_attention`, whatever
    ///   `use_sliding_window` says (without it, the layers without RoPE when
    ///   `use_sliding_window` is true and `sliding_window` is set); a sliding layer without
    ///   `sliding_window` is refused.
    /// - `gemma3_text`: the layers `layer_types` marks `sliding_attention` (without it, all but
    ///   each `sliding_window_pattern`-th), `sliding_window` (absent: 4096; null: refused).
    /// - `llama`, `gemma`, `olmo2` and any other type: none (LlamaAttention has no window).
    /// - Throws: a data error for a layer type not computed, or a windowed layer whose window
    ///   transformers cannot apply (0, or none: `use_sliding_window` false, `sliding_window`
    ///   null — `slidingLayerWindow`).
    static func slidingWindow(_ config: ModelConfig, layer: Int) throws(FormatError) -> Int? {
        switch config.modelType {
        case "mistral", "mixtral":
            if config.isNull("sliding_window") { return nil }
            guard try config.number("sliding_window") != nil else { return config.modelType == "mistral" ? 4096 : nil }
            return try windowWidth(config)
        case "gemma3_text":
            // Gemma3Attention: sliding_window on its sliding layers; absent, Gemma3TextConfig's 4096.
            guard try gemma3Sliding(config, layer: layer) else { return nil }
            return try slidingLayerWindow(config, layer: layer, classDefault: 4096)
        case "gemma2":
            // Gemma2Attention: sliding_window on the layers layer_types marks sliding_attention
            // (without it, the even ones); absent, Gemma2Config's 4096.
            guard try isSliding(config, layer: layer) else { return nil }
            return try slidingLayerWindow(config, layer: layer, classDefault: 4096)
        case "starcoder2", "phi3":
            // Starcoder2Attention, Phi3Attention: config.sliding_window on every layer (default none).
            guard try config.number("sliding_window") != nil else { return nil }
            return try windowWidth(config)
        case "smollm3":
            // SmolLM3Model masks the layers layer_types lists as sliding_attention by
            // sliding_window whatever use_sliding_window says (its mask, not SmolLM3Attention's
            // own sliding_window, decides in the eager and sdpa paths); without layer_types,
            // SmolLM3Config lists the layers without RoPE when use_sliding_window is true and
            // there is a window. A sliding layer without a window makes transformers raise.
            let listed = try listedSliding(config, layer: layer)
            let enabled = try config.boolean("use_sliding_window") == true
            let windowed = try config.number("sliding_window") != nil
            let unrotated = try !rotatesLayer(config, layer: layer)
            guard listed ?? (enabled && windowed && unrotated) else { return nil }
            return try slidingLayerWindow(config, layer: layer, classDefault: nil)
        case "qwen3_moe":
            // Qwen3MoeAttention: config.sliding_window on every layer, which Qwen3MoeConfig
            // keeps only with use_sliding_window (default 4096).
            guard try config.boolean("use_sliding_window") == true, !config.isNull("sliding_window") else { return nil }
            guard try config.number("sliding_window") != nil else { return 4096 }
            return try windowWidth(config)
        case "qwen2", "qwen2_moe", "qwen3":
            let listed = try config.layerTypes().map { layer < $0.count } ?? false
            // Qwen2Config and Qwen3Config make no sliding layer of their own when the window is null.
            if config.modelType != "qwen2_moe", !listed, config.isNull("sliding_window") { return nil }
            guard try isSliding(config, layer: layer) else { return nil }
            guard try config.boolean("use_sliding_window") == true, !config.isNull("sliding_window") else {
                throw windowless(
                    config, layer: layer, path: listed ? "$.layer_types[\(layer)]" : "$.use_sliding_window",
                    because: "use_sliding_window is not true or sliding_window is null: it raises, or masks every key")
            }
            return try slidingLayerWindow(config, layer: layer, classDefault: 4096)
        default:
            return nil
        }
    }

    /// Whether `layer_types` marks `layer` as `sliding_attention` (false for `full_attention`),
    /// nil when config.json does not list it.
    /// - Throws: a data error for any other layer type.
    static func listedSliding(_ config: ModelConfig, layer: Int) throws(FormatError) -> Bool? {
        guard let types = try config.layerTypes(), layer < types.count else { return nil }
        switch types[layer] {
        case "full_attention": return false
        case "sliding_attention": return true
        default:
            throw FormatError(
                kind: .data, file: config.name, path: "$.layer_types[\(layer)]",
                message:
                    "layer type \(MessageText.quoted(types[layer])) is not computed (only full_attention and sliding_attention are)"
            )
        }
    }

    /// Whether Qwen2 or Qwen2-MoE windows `layer`: `layer_types` when config.json lists it,
    /// else the model's own rule.
    private static func isSliding(_ config: ModelConfig, layer: Int) throws(FormatError) -> Bool {
        if let listed = try listedSliding(config, layer: layer) { return listed }
        if config.modelType == "gemma2" { return layer % 2 == 0 }
        let enabled = try config.boolean("use_sliding_window") == true
        let limit = try config.nonNegativeInteger("max_window_layers") ?? 28
        return config.modelType == "qwen2_moe" ? enabled && layer % 2 == 0 && layer < limit : enabled && layer >= limit
    }

    /// The window of a layer its model type makes `sliding_attention`: `sliding_window`, or
    /// `classDefault` when config.json lacks the key. One rule for every type with sliding
    /// layers.
    /// - Throws: a data error naming `$.sliding_window` when it is null, or absent without a
    ///   class default (transformers has no window for the layer and raises), or 0.
    static func slidingLayerWindow(_ config: ModelConfig, layer: Int, classDefault: Int?) throws(FormatError) -> Int {
        if let width = try windowWidth(config) { return width }
        if !config.isNull("sliding_window"), let classDefault { return classDefault }
        let what = config.isNull("sliding_window") ? "sliding_window is null" : "there is no sliding_window"
        throw windowless(config, layer: layer, path: "$.sliding_window", because: "\(what): it raises")
    }

    /// The refusal of layer `layer`, which its model type makes `sliding_attention`, when
    /// transformers has no window for it (`reason`), naming config.json's key at `path`.
    static func windowless(_ config: ModelConfig, layer: Int, path: String, because reason: String) -> FormatError {
        FormatError(
            kind: .data, file: config.name, path: path,
            message: "layer \(layer) is sliding_attention but transformers has no window for it (\(reason))")
    }

    /// `sliding_window` as a width ≥ 1 (0 would leave a query no key in transformers' mask).
    private static func windowWidth(_ config: ModelConfig) throws(FormatError) -> Int? {
        if try config.number("sliding_window") == 0 {
            throw FormatError(
                kind: .data, file: config.name, path: "$.sliding_window",
                message: "a sliding window of 0 leaves every query no key to attend to (transformers masks them all)")
        }
        return try config.positiveInteger("sliding_window")
    }

    /// The family to read: the one asked for, else config.json's, else the names'.
    private static func family(
        _ asked: CheckpointArchitecture?, config: ModelConfig?, names: [String],
        archive: any ArrayArchive
    ) throws(FormatError) -> CheckpointArchitecture {
        if let asked { return asked }
        if let type = config?.modelType {
            if let family = CheckpointArchitecture(modelType: type) { return family }
            let known = CheckpointArchitecture.modelTypes.values.flatMap { $0 }.sorted().joined(separator: ", ")
            throw FormatError(
                kind: .data, file: config?.name ?? archive.name,
                message:
                    "model_type \(MessageText.quoted(type)) is not one whose attention this reader knows (\(known)); --arch \(CheckpointArchitecture.allCases.map(\.rawValue).joined(separator: "|")) reads it as one of those if its attention is the same"
            )
        }
        guard let recognised = RecognisedCheckpoint.recognise(names) else { throw notFound(nil, in: archive) }
        return recognised.architecture
    }

    /// The error for a checkpoint without the family's names: it lists the attention-like ones.
    static func notFound(_ family: CheckpointArchitecture?, in archive: any ArrayArchive) -> FormatError {
        let words = ["attn", "attention", "q_proj", "query", "c_attn", "qkv", "wq", "k_proj", "o_proj"]
        let similar = archive.arrays.map(\.name).filter { name in
            words.contains { name.lowercased().contains($0) } && !name.lowercased().contains("norm")
        }
        let shown = similar.prefix(8).map { MessageText.escaped($0, limit: 80) }.joined(separator: ", ")
        let what =
            family.map { "no \($0.rawValue) attention tensors (like \($0.name(.query, layer: 0)))" }
            ?? "no attention tensors of a family read here (\(CheckpointArchitecture.allCases.map(\.rawValue).joined(separator: ", ")))"
        let found =
            similar.isEmpty
            ? "no attention-like tensors among its \(archive.arrays.count)"
            : "attention-like tensors: \(shown)" + (similar.count > 8 ? ", … (\(similar.count) in all)" : "")
        return FormatError(kind: .data, file: archive.name, message: "\(what); \(found)")
    }

    /// Refuses a layer with tensors that change its attention in ways not read here (q_norm and
    /// k_norm of a model type other than Qwen3's and OLMo 2's, such as Gemma 3's 1 + γ or
    /// Cohere's layer norm, or without a config.json to say which; a packed qkv_proj), rather
    /// than computing it wrong.
    private static func refuseUnknownParts(_ reader: TensorReader, names: [String], config: ModelConfig?)
        throws(FormatError)
    {
        guard [.llama, .opt, .phi, .phi3].contains(reader.family) else { return }
        let stem = reader.prefix + reader.family.block(layer: reader.layer)
        let parts = reader.family.projections
        let normed = reader.family == .llama && normSpan(config) != nil
        let known = ([parts.query, parts.key, parts.value, parts.output] + (normed ? ["q_norm", "k_norm"] : [])).map {
            $0 + "."
        }
        // RoPE's inverse frequencies (older Llama saves, TinyLlama): a buffer transformers
        // ignores when loading, recomputed from config.json.
        let ignored = ["rotary_emb.inv_freq"]
        if let other = names.first(where: { name in
            let tail = name.dropFirst(stem.count)
            return name.hasPrefix(stem) && !known.contains { tail.hasPrefix($0) } && !ignored.contains(String(tail))
        }) {
            throw FormatError(
                kind: .data, file: reader.archive.name,
                message:
                    "\"\(MessageText.escaped(other))\" is part of this attention layer but not of \(reader.family.rawValue) attention as read here (q/k/v/o projections and biases); it would change the result"
            )
        }
    }

    /// The weights and biases of the layer; `biases` are the parts whose bias transformers'
    /// class has (nil: every bias present is read), any other bias present is ignored with a
    /// warning, as transformers ignores it when loading.
    private mutating func readWeights(
        _ reader: TensorReader, biases: Set<CheckpointArchitecture.Part>?, config: ModelConfig?
    ) throws(FormatError) {
        if architecture == .gpt2 {
            try readConv1D(reader, biases: biases, config: config)
            return
        }
        if architecture == .llama, let span = Self.normSpan(config) { try readNorm(reader, span: span, config: config) }
        var ignored: [String] = [], absent: [String] = []
        for (part, key) in [(CheckpointArchitecture.Part.query, "q"), (.key, "k"), (.value, "v"), (.output, "o")] {
            matrices["w" + key] = try reader.required(part, "weight")
            sources["w" + key] = reader.fullName(part, "weight")
            if let biases, !biases.contains(part) {
                if reader.has(part, "bias") { ignored.append(reader.fullName(part, "bias")) }
                continue
            }
            if let bias = try reader.matrix(part, "bias") {
                matrices["b" + key] = bias
                sources["b" + key] = reader.fullName(part, "bias")
            } else if biases?.contains(part) == true {
                absent.append(reader.fullName(part, "bias"))
            }
        }
        noteBiases(ignored: ignored, absent: absent, config: config)
    }

    /// The warnings for biases present that the class has no place for (ignored) and biases
    /// it has that the file lacks (read as zero).
    mutating func noteBiases(ignored: [String], absent: [String], config: ModelConfig?) {
        if !ignored.isEmpty {
            warnings.append(
                "ignored \(ignored.joined(separator: ", ")): \(Self.biasRule(config))")
        }
        if !absent.isEmpty {
            // transformers would initialise these at random (and say so when loading).
            warnings.append(
                "\(absent.joined(separator: ", ")) not in the file although \(config?.modelType ?? architecture.rawValue)'s attention has them; read as zero"
            )
        }
    }

    /// GPT-2's packed `c_attn` (d × 3d, xw) split by columns into W^q, W^k, W^v, its bias
    /// likewise, and `c_proj`; `biases` as `readWeights` takes them (GPT-2's Conv1D always has
    /// both: one the file lacks is read as zero, with a warning).
    private mutating func readConv1D(
        _ reader: TensorReader, biases: Set<CheckpointArchitecture.Part>?, config: ModelConfig?
    ) throws(FormatError) {
        let packed = try reader.required(.query, "weight")
        let bias = try reader.matrix(.query, "bias")
        let output = try reader.required(.output, "weight")
        let width = packed.columns / 3
        guard packed.columns == 3 * width, packed.rows == width else {
            throw reader.shapeError(.query, "weight", "\(packed.shape), expected d × 3d (packed W^q | W^k | W^v)")
        }
        for (index, key) in ["q", "k", "v"].enumerated() {
            let columns = (index * width)..<((index + 1) * width)
            matrices["w" + key] = try Self.columns(columns, of: packed)
            sources["w" + key] =
                reader.fullName(.query, "weight") + " columns \(columns.lowerBound)..<\(columns.upperBound)"
            if let bias {
                guard bias.rows == 1, bias.columns == 3 * width else {
                    throw reader.shapeError(.query, "bias", "\(bias.shape), expected 3d = \(3 * width) values")
                }
                matrices["b" + key] = try Self.columns(columns, of: bias)
                sources["b" + key] =
                    reader.fullName(.query, "bias") + " values \(columns.lowerBound)..<\(columns.upperBound)"
            }
        }
        matrices["wo"] = output
        sources["wo"] = reader.fullName(.output, "weight")
        let outputBias = try reader.matrix(.output, "bias")
        if let outputBias {
            matrices["bo"] = outputBias
            sources["bo"] = reader.fullName(.output, "bias")
        }
        let absent = [(CheckpointArchitecture.Part.query, bias == nil), (.output, outputBias == nil)]
            .filter { $0.1 && biases?.contains($0.0) == true }.map { reader.fullName($0.0, "bias") }
        noteBiases(ignored: [], absent: absent, config: config)
    }

    /// The QK-norm span of config.json's `model_type`: Qwen3's per head, OLMo 2's over the
    /// whole projection; nil for the types without one.
    static func normSpan(_ config: ModelConfig?) -> QueryKeyNorm.Span? {
        switch config?.modelType {
        case "qwen3", "qwen3_moe", "gemma3_text": return .head
        case "olmo2": return .projection
        default: return nil
        }
    }

    /// `q_norm.weight` and `k_norm.weight` as γ^q and γ^k (Gemma 3's RMS norm multiplies by
    /// 1 + weight), ε from `rms_norm_eps` (the classes' defaults: Qwen3's and Gemma 3's 1e-6,
    /// OLMo 2's 1e-5).
    private mutating func readNorm(_ reader: TensorReader, span: QueryKeyNorm.Span, config: ModelConfig?)
        throws(FormatError)
    {
        let stem = reader.prefix + architecture.block(layer: reader.layer)
        var gains: [String: [Double]] = [:]
        for (key, part) in [("gq", "q_norm"), ("gk", "k_norm")] {
            let name = stem + part + ".weight"
            guard reader.archive.array(named: name) != nil else {
                throw Self.missingNorm(name, reader: reader, config: config)
            }
            let stored = try reader.archive.matrix(named: name)
            guard stored.rows == 1 || stored.columns == 1 else {
                throw FormatError(
                    kind: .data, file: reader.archive.name + ":" + name,
                    message: "shape \(stored.shape), expected a vector")
            }
            let offset = config?.modelType == "gemma3_text" ? 1.0 : 0.0
            let gain = Matrix(rows: 1, columns: stored.elements.count) { _, j in stored.elements[j] + offset }
            matrices[key] = gain
            sources[key] = offset == 0 ? name : "1 + " + name
            gains[key] = gain.elements
        }
        let epsilon = try config?.nonNegativeNumber("rms_norm_eps") ?? (span == .projection ? 1e-5 : 1e-6)
        qkNorm = QueryKeyNorm(span: span, epsilon: epsilon, queryGain: gains["gq"], keyGain: gains["gk"])
    }

    /// The error for a QK-norm gain the layer's model type needs and the archive lacks.
    static func missingNorm(_ name: String, reader: TensorReader, config: ModelConfig?) -> FormatError {
        FormatError(
            kind: .data, file: reader.archive.name,
            message:
                "no tensor \(MessageText.quoted(name)) for layer \(reader.layer): \(config?.modelType ?? "this model")'s attention normalises Q and K with it"
        )
    }

    /// Columns `range` of `matrix`, copied row by row (a specialised copy: MHACore's generic
    /// `columnBlock` runs unspecialised from here, 50 ms for GPT-2's c_attn).
    private static func columns(_ range: Range<Int>, of matrix: Matrix<Double>) throws(FormatError) -> Matrix<Double> {
        let width = range.count
        let elements = matrix.elements.withUnsafeBufferPointer { source in
            [Double](unsafeUninitializedCapacity: matrix.rows * width) { buffer, initialized in
                for row in 0..<matrix.rows {
                    let from = row * matrix.columns + range.lowerBound
                    for column in 0..<width { buffer[row * width + column] = source[from + column] }
                }
                initialized = matrix.rows * width
            }
        }
        do {
            return try Matrix(rows: matrix.rows, columns: width, elements: elements)
        } catch {
            throw FormatError(kind: .data, file: "checkpoint", message: error.description)
        }
    }

    /// τ, g and d_k from config.json (or `explicitHeads`), checked against the weights' shapes.
    /// τ from config.json: `num_attention_heads` (GPT-2's and BLOOM's `n_head`, DistilBERT's
    /// `n_heads`), if it says.
    static func configuredHeads(_ config: ModelConfig?) throws(FormatError) -> Int? {
        try config?.positiveInteger("num_attention_heads", "n_head", "n_heads")
    }

    /// τ given explicitly, else config.json's.
    /// - Throws: a data error when neither says it (the tensors cannot).
    static func heads(_ explicit: Int?, config: ModelConfig?, archive: any ArrayArchive) throws(FormatError)
        -> Int
    {
        var given = explicit
        if given == nil { given = try configuredHeads(config) }
        guard let heads = given else {
            throw FormatError(
                kind: .data, file: archive.name,
                message: "the number of heads (num_attention_heads) is not in the weights and no config.json says it")
        }
        return heads
    }
}

/// Reads one layer's tensors by part, with the model prefix, naming them in errors.
struct TensorReader {
    let archive: any ArrayArchive
    let prefix: String
    let family: CheckpointArchitecture
    let layer: Int

    /// The full tensor name of `part`'s `suffix` (`weight`, `bias`).
    func fullName(_ part: CheckpointArchitecture.Part, _ suffix: String) -> String {
        prefix + family.name(part, layer: layer) + "." + suffix
    }

    /// Whether the archive holds `part`'s `suffix`.
    func has(_ part: CheckpointArchitecture.Part, _ suffix: String) -> Bool {
        let name = fullName(part, suffix)
        return archive.array(named: name) != nil
    }

    /// The tensor, or nil when it is absent.
    func matrix(_ part: CheckpointArchitecture.Part, _ suffix: String) throws(FormatError) -> Matrix<Double>? {
        let name = fullName(part, suffix)
        guard archive.array(named: name) != nil else { return nil }
        return try archive.matrix(named: name)
    }

    /// The tensor, which must be present.
    func required(_ part: CheckpointArchitecture.Part, _ suffix: String) throws(FormatError) -> Matrix<Double> {
        guard let matrix = try matrix(part, suffix) else { throw missing(part, suffix) }
        return matrix
    }

    /// The header's entry of `part`'s `suffix`, which must be present.
    func info(_ part: CheckpointArchitecture.Part, _ suffix: String) throws(FormatError) -> ArrayInfo {
        let name = fullName(part, suffix)
        guard let info = archive.array(named: name) else {
            throw missing(part, suffix)
        }
        return info
    }

    /// The error for a tensor the layer needs and the archive lacks.
    func missing(_ part: CheckpointArchitecture.Part, _ suffix: String) -> FormatError {
        FormatError(
            kind: .data, file: archive.name,
            message:
                "no tensor \(MessageText.quoted(fullName(part, suffix))) for layer \(layer) (\(family.rawValue) names)")
    }

    /// A data error about the shape of `part`'s tensor.
    func shapeError(_ part: CheckpointArchitecture.Part, _ suffix: String, _ detail: String) -> FormatError {
        FormatError(kind: .data, file: archive.name + ":" + fullName(part, suffix), message: "shape \(detail)")
    }
}
