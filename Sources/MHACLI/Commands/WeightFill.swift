import MHACore
import MHAFormats

/// `--weights identity|random[:SEED]`: the weights not given, filled the same way in `run`
/// and `decode` (same shapes, order and seed), so both see the same layer.
extension RunOptions.WeightFill {
    /// The weights among `missing` (keys `wq`, `wk`, `wv`, `wo`, in that order) for H of
    /// width `d` and keys and values read from a source of width `sourceDim` (the memory in
    /// cross-attention, else H): W^q d × τ·d_k, W^k and W^v sourceDim × g·d_k, W^o τ·d_k × d,
    /// in `layout`. Random values are uniform in [-1, 1) times 1/√d, drawn row by row.
    /// - Throws: `AttentionError` when the configuration's τ, g and d_k give no shapes (τ not
    ///   dividing d without a head width, g not dividing τ), `MemoryBudget` when they do not fit.
    func weights(
        _ missing: [String], modelDim d: Int, sourceDim: Int, configuration c: AttentionConfiguration,
        layout: WeightLayout
    ) throws -> [String: Matrix<Double>] {
        let (heads, kvHeads) = (c.heads, c.kvHeads ?? c.heads)
        if heads <= 0 { throw AttentionError.nonPositive(name: "heads", value: heads) }
        if kvHeads <= 0 { throw AttentionError.nonPositive(name: "kv_heads", value: kvHeads) }
        if c.headDim == nil, d % heads != 0 { throw AttentionError.headsDoNotDivideModel(modelDim: d, heads: heads) }
        if heads % kvHeads != 0 { throw AttentionError.kvHeadsDoNotDivideHeads(heads: heads, kvHeads: kvHeads) }
        let headDim = c.headDim ?? d / heads
        guard headDim > 0 else { return [:] }  // the engine explains
        guard let queryDim = CheckedArithmetic.product(heads, headDim),
            let kvDim = CheckedArithmetic.product(kvHeads, headDim)
        else {
            // τ·d_k overflows: no machine holds the weights.
            throw MemoryBudget(what: "filling the weights", needed: Int.max, available: AvailableMemory.bytes() ?? 0)
        }
        let shapes = ["wq": (d, queryDim), "wk": (sourceDim, kvDim), "wv": (sourceDim, kvDim), "wo": (queryDim, d)]
        try MemoryBudget.check(
            values: CheckedArithmetic.elementCount(missing.compactMap { shapes[$0] }), bytesPerValue: 8,
            what: "filling the weights")
        var generator = SplitMix64(seed: { if case let .random(seed) = self { return seed } else { return 0 } }())
        var filled: [String: Matrix<Double>] = [:]
        for key in ["wq", "wk", "wv", "wo"] where missing.contains(key) {
            guard let (rows, columns) = shapes[key] else { continue }
            let w = matrix(rows, columns, scale: 1 / Double(d).squareRoot(), &generator)
            filled[key] = layout == .xw ? w : w.transposed
        }
        return filled
    }

    /// An identity (ones on the diagonal of a possibly rectangular matrix), or uniform [-1, 1)
    /// values times `scale` drawn row by row from `generator`.
    private func matrix(_ rows: Int, _ columns: Int, scale: Double, _ generator: inout SplitMix64) -> Matrix<Double> {
        switch self {
        case .identity:
            return Matrix(rows: rows, columns: columns) { i, j in i == j ? 1 : 0 }
        case .random:
            return Matrix(rows: rows, columns: columns) { _, _ in generator.nextSigned() * scale }
        }
    }
}
