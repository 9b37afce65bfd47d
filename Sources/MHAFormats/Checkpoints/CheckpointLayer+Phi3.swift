import MHACore

/// Phi-3's packed projection: one `qkv_proj` of (τ + 2g)·d_k × d in PyTorch's layout whose
/// outputs transformers slices as [Q | K | V] (τ·d_k, g·d_k, g·d_k), so its rows are
/// [W^q; W^k; W^v] — PyTorch's in_proj layout with grouped-query widths.
extension CheckpointLayer {
    /// Reads W^q, W^k, W^v (PyTorch layout) from `qkv_proj` and `o_proj` as W^o. Phi3Attention
    /// has no biases: any present are ignored with a warning, as transformers ignores them.
    /// - Parameters:
    ///   - heads: τ (`--heads` or config.json).
    ///   - config: for g (`num_key_value_heads`, default τ) and d_k (`head_dim`, default d / τ).
    mutating func readPackedRows(_ reader: TensorReader, heads: Int, config: ModelConfig?) throws(FormatError) {
        let packed = try reader.required(.query, "weight")
        let d = packed.columns
        let headDim = try Self.configuredHeadDim(config, heads: heads, modelDim: d).value ?? d / Swift.max(1, heads)
        let kvHeads = try config?.positiveInteger("num_key_value_heads") ?? heads
        let (q, kv) = (heads * headDim, kvHeads * headDim)
        guard headDim > 0, packed.rows == q + 2 * kv else {
            throw reader.shapeError(
                .query, "weight",
                "\(packed.shape), expected (τ + 2g)·d_k = (\(heads) + 2·\(kvHeads))·\(headDim) = \(q + 2 * kv) rows of d = \(d) (packed [W^q; W^k; W^v])"
            )
        }
        let name = reader.fullName(.query, "weight")
        for (key, range) in [("wq", 0..<q), ("wk", q..<(q + kv)), ("wv", (q + kv)..<(q + 2 * kv))] {
            matrices[key] = packed.rowBlock(range)
            sources[key] = name + " rows \(range.lowerBound)..<\(range.upperBound)"
        }
        matrices["wo"] = try reader.required(.output, "weight")
        sources["wo"] = reader.fullName(.output, "weight")
        let ignored = [(CheckpointArchitecture.Part.query, "qkv_proj"), (.output, "o_proj")]
            .filter { reader.has($0.0, "bias") }.map { reader.fullName($0.0, "bias") }
        if !ignored.isEmpty {
            warnings.append(
                "ignored \(ignored.joined(separator: ", ")): Phi3Attention has no biases; transformers ignores such tensors when loading, and so does this reader"
            )
        }
    }
}
