import MHACore

/// τ, g, d_k and d_model from the shapes a checkpoint's header lists and config.json, checked
/// before any tensor is read: `run --checkpoint` and `inspect` make the same checks, so that
/// inspect's `readable` is run's answer and its refusal run's message.
extension CheckpointLayer {
    /// The head layout of one layer.
    struct HeadShapes: Equatable {
        var heads: Int
        var kvHeads: Int
        var headDim: Int
        /// The width of the hidden states the layer reads.
        var modelDim: Int
    }

    /// The layer's head layout from its tensors' shapes and config.json (`head_dim`,
    /// `num_key_value_heads`, the class's default head width), with τ given.
    /// - Throws: a data error for a missing tensor (naming it), a tensor of another shape than
    ///   its family's, head counts or a head width that do not make the projections' widths, or
    ///   a config.json `hidden_size` other than the tensors' (transformers refuses to load them).
    static func headShapes(_ reader: TensorReader, config: ModelConfig?, heads: Int) throws(FormatError) -> HeadShapes {
        let (queryWidth, keyWidth, modelDim) = try projectionWidths(reader, config: config, heads: heads)
        let configName = config?.name ?? reader.archive.name
        if let config { try checkHiddenSize(config, modelDim: modelDim, reader: reader) }
        let (configured, derivation) = try configuredHeadDim(config, heads: heads, modelDim: modelDim)
        let width = configured ?? queryWidth / heads
        guard width > 0, heads * width == queryWidth else {
            throw FormatError(
                kind: .data, file: configName, path: derivation == nil ? nil : "$.head_dim",
                message:
                    "\(heads) heads of \(width) do not make the query projection's \(queryWidth) outputs"
                    + (derivation.map { " (config.json has no head_dim: \($0); transformers refuses these weights)" }
                        ?? ""))
        }
        let headDim = width
        let kvHeads = try config?.positiveInteger("num_key_value_heads") ?? keyWidth / headDim
        guard kvHeads * headDim == keyWidth, heads % kvHeads == 0 else {
            throw FormatError(
                kind: .data, file: configName,
                message:
                    "\(kvHeads) key/value heads of \(headDim) do not make the key projection's \(keyWidth) outputs (or do not divide \(heads) heads)"
            )
        }
        if reader.family == .llama, normSpan(config) != nil {
            let stem = reader.prefix + reader.family.block(layer: reader.layer)
            for part in ["q_norm", "k_norm"] {
                let name = stem + part + ".weight"
                guard let info = reader.archive.arrays.first(where: { $0.name == name }) else {
                    throw missingNorm(name, reader: reader, config: config)
                }
                guard info.shape.count == 1 || (info.shape.count == 2 && info.shape.contains(1)) else {
                    throw FormatError(
                        kind: .data, file: reader.archive.name + ":" + name,
                        message: "shape \(ArrayInfo.describe(info.shape)), expected a vector")
                }
            }
            _ = try config?.nonNegativeNumber("rms_norm_eps")
        }
        return HeadShapes(heads: heads, kvHeads: kvHeads, headDim: headDim, modelDim: modelDim)
    }

    /// d_k as transformers' class for config.json's `model_type` takes it: `head_dim`, else the
    /// class's default — 256 for Gemma's, Gemma 2's and Gemma 3's configs, 128 for Qwen3's,
    /// `hidden_size` / `num_attention_heads` (floored) for the others — with, for a default,
    /// how it was derived (for messages). Nil without a config.json: the tensors decide. One
    /// rule for every family; `modelDim` stands for `hidden_size` (checked equal beforehand).
    static func configuredHeadDim(_ config: ModelConfig?, heads: Int, modelDim: Int) throws(FormatError) -> (
        value: Int?, derivation: String?
    ) {
        guard let config else { return (nil, nil) }
        if let given = try config.positiveInteger("head_dim") { return (given, nil) }
        switch config.modelType {
        case "gemma", "gemma2", "gemma3_text": return (256, "\(config.modelType ?? "")'s default 256")
        case "qwen3": return (128, "Qwen3Config's default 128")
        default:
            let value = modelDim / Swift.max(1, heads)
            return (value, "hidden_size / num_attention_heads = \(modelDim) / \(heads) = \(value)")
        }
    }

    /// The output widths of the query and key projections and d_model, from the header.
    private static func projectionWidths(_ reader: TensorReader, config: ModelConfig?, heads: Int)
        throws(FormatError) -> (query: Int, key: Int, model: Int)
    {
        let query = try reader.info(.query, "weight").shape
        let output = try reader.info(.output, "weight").shape
        func expect(_ shape: [Int], _ part: CheckpointArchitecture.Part, _ wanted: [Int], _ what: String)
            throws(FormatError)
        {
            guard shape != wanted else { return }
            throw reader.shapeError(
                part, "weight", "\(ArrayInfo.describe(shape)), expected \(what) = \(ArrayInfo.describe(wanted))")
        }
        switch reader.family {
        case .gpt2:
            // validate checked the packed d × 3d.
            let d = query[0]
            try expect(output, .output, [d, d], "d × d")
            return (d, d, d)
        case .gptNeox, .bloom:
            guard query.count == 2, query[0] == 3 * query[1], query[1] % heads == 0 else {
                throw reader.shapeError(
                    .query, "weight",
                    "\(ArrayInfo.describe(query)), expected 3d × d with d divided by τ = \(heads) (packed per head)")
            }
            let d = query[1]
            try expect(output, .output, [d, d], "d × d")
            return (d, d, d)
        case .phi3:
            guard query.count == 2 else {
                throw reader.shapeError(.query, "weight", "\(ArrayInfo.describe(query)), expected 2-D")
            }
            let d = query[1]
            let headDim = try configuredHeadDim(config, heads: heads, modelDim: d).value ?? d / Swift.max(1, heads)
            let kvHeads = try config?.positiveInteger("num_key_value_heads") ?? heads
            let (q, kv) = (heads * headDim, kvHeads * headDim)
            guard headDim > 0, query[0] == q + 2 * kv else {
                throw reader.shapeError(
                    .query, "weight",
                    "\(ArrayInfo.describe(query)), expected (τ + 2g)·d_k = (\(heads) + 2·\(kvHeads))·\(headDim) = \(q + 2 * kv) rows of d = \(d) (packed [W^q; W^k; W^v])"
                )
            }
            try expect(output, .output, [d, q], "d_model × τ·d_k")
            return (q, kv, d)
        default:
            let key = try reader.info(.key, "weight").shape
            let value = try reader.info(.value, "weight").shape
            guard query.count == 2 else {
                throw reader.shapeError(
                    .query, "weight", "\(ArrayInfo.describe(query)), expected 2-D (outputs × d_model)")
            }
            let d = query[1]
            guard key.count == 2, key[1] == d else {
                throw reader.shapeError(
                    .key, "weight", "\(ArrayInfo.describe(key)), expected g·d_k × d_model with d_model = \(d)")
            }
            try expect(value, .value, key, "the key projection's shape")
            try expect(output, .output, [d, query[0]], "d_model × τ·d_k")
            return (query[0], key[0], d)
        }
    }

    /// config.json's model width (`hidden_size`; GPT-2's `n_embd`, BLOOM's `n_embed`,
    /// DistilBERT's `dim`), which must be the tensors' d_model: transformers builds the layer
    /// from it and refuses weights of another width.
    private static func checkHiddenSize(_ config: ModelConfig, modelDim: Int, reader: TensorReader)
        throws(FormatError)
    {
        let keys: [String]
        switch reader.family {
        case .gpt2: keys = ["n_embd", "hidden_size"]
        case .bloom: keys = ["n_embed", "hidden_size"]
        case .distilbert: keys = ["dim", "hidden_size"]
        default: keys = ["hidden_size"]
        }
        for key in keys {
            guard let width = try config.positiveInteger(key) else { continue }
            guard width == modelDim else {
                throw FormatError(
                    kind: .data, file: config.name, path: "$." + key,
                    message:
                        "\(key) is \(width) but layer \(reader.layer)'s attention reads \(modelDim)-wide hidden states (\(reader.fullName(.query, "weight"))); transformers refuses to load these weights under this config"
                )
            }
            return
        }
    }

    /// The keys a family's config class reads its number of layers from, first the one it
    /// stores (GPT-2's and BLOOM's `n_layer`, DistilBERT's `n_layers`, which `num_hidden_layers`
    /// maps to).
    static func layerCountKeys(_ family: CheckpointArchitecture) -> [String] {
        switch family {
        case .gpt2, .bloom: return ["n_layer", "num_hidden_layers"]
        case .distilbert: return ["n_layers", "num_hidden_layers"]
        default: return ["num_hidden_layers"]
        }
    }

    /// config.json's number of layers and the key it was read from, nil when it does not say.
    /// - Throws: a data error when the key holds anything but a positive integer written as one
    ///   (transformers' classes refuse `2.5`, `"2"` and `true`, and build no layer from 0 or -1).
    static func layerCount(_ config: ModelConfig, family: CheckpointArchitecture) throws(FormatError)
        -> (key: String, count: Int)?
    {
        for key in layerCountKeys(family) {
            if let count = try config.positiveInteger(key) { return (key, count) }
        }
        return nil
    }

    /// Refuses layer `layer` when config.json says the model has no such layer: transformers
    /// builds `num_hidden_layers` layers and ignores the tensors of any other.
    static func checkLayerCount(_ config: ModelConfig, layer: Int, family: CheckpointArchitecture)
        throws(FormatError)
    {
        guard let found = try layerCount(config, family: family), layer >= found.count else { return }
        let (key, count) = found
        let layers = count == 1 ? "1 layer (layer 0)" : "\(count) layers (0…\(count - 1))"
        throw FormatError(
            kind: .data, file: config.name, path: "$." + key,
            message:
                "the model has \(layers), so no layer \(layer): transformers builds only those and ignores the file's tensors of any other layer"
        )
    }

    /// `layer_types`, which transformers 5 requires to name one type per layer: as many as
    /// `num_hidden_layers` (GPT-2's and BLOOM's `n_layer`, DistilBERT's `n_layers`), and at
    /// least through the layer read when the config does not say how many there are.
    static func checkLayerTypes(_ config: ModelConfig, layer: Int, family: CheckpointArchitecture)
        throws(FormatError)
    {
        guard let types = try config.layerTypes() else { return }
        let count = try layerCount(config, family: family)?.count
        if let count, count != types.count {
            throw FormatError(
                kind: .data, file: config.name, path: "$.layer_types",
                message:
                    "\(types.count) layer types for num_hidden_layers = \(count) layers; transformers refuses the config (one type per layer)"
            )
        }
        guard layer < types.count else {
            throw FormatError(
                kind: .data, file: config.name, path: "$.layer_types",
                message:
                    "\(types.count) layer types, none for layer \(layer); transformers refuses the config (one type per layer)"
            )
        }
    }
}
