/// The memory a forward pass will allocate, computed with overflow checks before any
/// arithmetic so that a problem too large for the machine is refused, not killed. The engine
/// checks it itself; a front end can add what it needs on top (the text of its output).
public enum MemoryEstimate {
    /// The dimensions that decide a forward pass's allocations.
    public struct Dimensions: Sendable, Equatable {
        /// n_q, the rows of H (in self-attention also the keys).
        public var tokens: Int
        /// Rows of every per-query matrix: 1 in single-token mode, else n_q.
        public var queryRows: Int
        /// d_model.
        public var modelDim: Int
        /// g·d_k, the width of K.
        public var kvDim: Int
        /// τ·d_v, the width of the concat.
        public var concatDim: Int
        /// d_out, the width of the output.
        public var outputDim: Int
        /// τ.
        public var heads: Int
        /// n_k, the keys (rows of the memory in cross-attention).
        public var keyCount: Int
        /// τ·d_k, the width of Q.
        public var queryDim: Int
        /// g·d_v, the width of V.
        public var valueColumns: Int
        /// Score matrices kept per head with `.scores` (1 + one per soft-cap, ALiBi, mask stage).
        public var scoreStages: Int
        /// Whether RoPE keeps rotated copies of Q and K.
        public var rotates: Bool
        /// Whether a user mask is converted to its additive form (n_q × n_k).
        public var masked: Bool

        /// Dimensions as given; nothing is validated here. Omitted widths default to the
        /// self-attention ones (n_k = n, τ·d_k = d_model, g·d_v = g·d_k, one score stage).
        public init(
            tokens: Int, queryRows: Int, modelDim: Int, kvDim: Int, concatDim: Int,
            outputDim: Int, heads: Int, keyCount: Int? = nil, queryDim: Int? = nil,
            valueColumns: Int? = nil, scoreStages: Int = 1, rotates: Bool = false,
            masked: Bool = false
        ) {
            (self.tokens, self.queryRows, self.modelDim) = (tokens, queryRows, modelDim)
            (self.kvDim, self.concatDim, self.outputDim, self.heads) = (kvDim, concatDim, outputDim, heads)
            self.keyCount = keyCount ?? tokens
            self.queryDim = queryDim ?? modelDim
            self.valueColumns = valueColumns ?? kvDim
            self.scoreStages = scoreStages
            self.rotates = rotates
            self.masked = masked
        }
    }

    /// Bytes for Q, K, V (and their rotated copies), the head outputs, concat, output, the
    /// xw copies of transposed weights, and, when scores or weights are kept, each kept
    /// matrix as one rows × n_k matrix per head (plus one transient). `Int.max` when the
    /// count overflows.
    /// - Parameter scalarBytes: 8 for Double, 4 for Float.
    public static func bytes(_ d: Dimensions, keep: Intermediates, layout: WeightLayout, scalarBytes: Int) -> Int {
        let rows = d.queryRows
        var elements: [(Int, Int)] = [
            (rows, d.queryDim),  // Q
            (d.keyCount, d.kvDim), (d.keyCount, d.valueColumns),  // K, V
            (rows, d.concatDim), (rows, d.concatDim),  // heads, concat
            (rows, d.outputDim),  // output
        ]
        if d.masked { elements.append((d.tokens, d.keyCount)) }  // a user mask's additive form
        if d.rotates { elements += [(rows, d.queryDim), (d.keyCount, d.kvDim)] }
        if layout == .torch {
            elements += [
                (d.modelDim, d.queryDim), (d.modelDim, d.kvDim), (d.modelDim, d.valueColumns),
                (d.concatDim, d.outputDim),
            ]
        }
        let kept = (keep.contains(.scores) ? Swift.max(1, d.scoreStages) : 0) + (keep.contains(.weights) ? 1 : 0)
        if kept > 0 {
            guard let columns = CheckedArithmetic.product([d.keyCount, d.heads, kept]) else { return Int.max }
            elements.append((rows, d.keyCount))  // transient scores of one head
            elements.append((rows, columns))  // kept per head
        }
        guard let count = CheckedArithmetic.elementCount(elements),
            let bytes = CheckedArithmetic.product(count, scalarBytes)
        else { return Int.max }
        return bytes
    }
}

extension MemoryEstimate.Dimensions {
    /// The dimensions of a validated forward pass.
    init(_ s: AttentionShapes, configuration c: AttentionConfiguration, masked: Bool) {
        let stages = 2 + (c.softcap == nil ? 0 : 1) + (c.alibi ? 1 : 0)
        self.init(
            tokens: s.tokens, queryRows: s.queryRows, modelDim: s.modelDim, kvDim: s.kvDim,
            concatDim: s.concatDim, outputDim: s.outputDim, heads: s.heads, keyCount: s.keyCount,
            queryDim: s.queryDim, valueColumns: s.valueColumns, scoreStages: stages,
            rotates: c.rope != nil, masked: masked)
    }
}
