/// The memory a forward pass will allocate, computed with overflow checks before any
/// arithmetic so that a problem too large for the machine is refused, not killed. The engine
/// checks it itself; a front end can add what it needs on top (the text of its output).
public enum MemoryEstimate {
    /// The dimensions that decide a forward pass's allocations.
    public struct Dimensions: Sendable, Equatable {
        /// n, the keys (rows of H).
        public var tokens: Int
        /// Rows of every per-query matrix: 1 in single-token mode, else n.
        public var queryRows: Int
        /// d_model.
        public var modelDim: Int
        /// g·d_k, the width of K and V.
        public var kvDim: Int
        /// τ·d_k, the width of the concat.
        public var concatDim: Int
        /// d_out, the width of the output.
        public var outputDim: Int
        /// τ.
        public var heads: Int

        /// Dimensions as given; nothing is validated here.
        public init(tokens: Int, queryRows: Int, modelDim: Int, kvDim: Int, concatDim: Int,
                    outputDim: Int, heads: Int) {
            (self.tokens, self.queryRows, self.modelDim) = (tokens, queryRows, modelDim)
            (self.kvDim, self.concatDim, self.outputDim, self.heads) = (kvDim, concatDim, outputDim, heads)
        }
    }

    /// Bytes for Q, K, V, the head outputs, concat, output, the xw copies of transposed
    /// weights, and, when scores or weights are kept, each kept kind as one rows × n matrix
    /// per head (plus one transient). `Int.max` when the count overflows.
    /// - Parameter scalarBytes: 8 for Double, 4 for Float.
    public static func bytes(_ d: Dimensions, keep: Intermediates, layout: WeightLayout, scalarBytes: Int) -> Int {
        let rows = d.queryRows
        var elements: [(Int, Int)] = [
            (rows, d.modelDim),            // Q
            (d.tokens, d.kvDim), (d.tokens, d.kvDim),  // K, V
            (rows, d.concatDim), (rows, d.concatDim),  // heads, concat
            (rows, d.outputDim),            // output
        ]
        if layout == .torch { elements += [(d.modelDim, d.modelDim), (d.modelDim, d.kvDim), (d.modelDim, d.kvDim),
                                           (d.concatDim, d.outputDim)] }
        let kept = (keep.contains(.scores) ? 1 : 0) + (keep.contains(.weights) ? 1 : 0)
        if kept > 0 {
            guard let columns = CheckedArithmetic.product([d.tokens, d.heads, kept]) else { return Int.max }
            elements.append((rows, d.tokens))  // transient scores of one head
            elements.append((rows, columns))   // kept per head
        }
        guard let count = CheckedArithmetic.elementCount(elements),
              let bytes = CheckedArithmetic.product(count, scalarBytes) else { return Int.max }
        return bytes
    }
}

extension MemoryEstimate.Dimensions {
    /// The dimensions of a validated forward pass.
    init(_ s: AttentionShapes) {
        self.init(tokens: s.tokens, queryRows: s.queryRows, modelDim: s.modelDim, kvDim: s.kvDim,
                  concatDim: s.concatDim, outputDim: s.outputDim, heads: s.heads)
    }
}
