/// The memory a forward pass will allocate, computed with overflow checks before any
/// arithmetic so that a problem too large for the machine is refused, not killed. The engine
/// checks it itself; a front end can add what it needs on top (the text of its output).
public enum MemoryEstimate {
    /// Requests below this many bytes need not be compared with a budget: the slack of any
    /// usable process covers them (`AttentionConfiguration.uncheckedMemory`).
    public static let uncheckedBytes = 16 * 1024 * 1024

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
        /// Whether the pass projects Q from H (`forward`, which may compute Q in row chunks);
        /// false for `attend`, whose Q is given.
        public var projected: Bool
        /// Threads that may each hold one head's packed K and V at once (default: the
        /// kernels' thread count).
        public var threads: Int
        /// Keys the tiled kernel packs per head (default n_k): a decode block packs the whole
        /// live cache although its own K and V have only its rows; 0 when no head is packed.
        public var packedKeys: Int?

        /// Dimensions as given; nothing is validated here. Omitted widths default to the
        /// self-attention ones (n_k = n, τ·d_k = d_model, g·d_v = g·d_k, one score stage).
        public init(
            tokens: Int, queryRows: Int, modelDim: Int, kvDim: Int, concatDim: Int,
            outputDim: Int, heads: Int, keyCount: Int? = nil, queryDim: Int? = nil,
            valueColumns: Int? = nil, scoreStages: Int = 1, rotates: Bool = false,
            masked: Bool = false, projected: Bool = true, threads: Int? = nil, packedKeys: Int? = nil
        ) {
            (self.tokens, self.queryRows, self.modelDim) = (tokens, queryRows, modelDim)
            (self.kvDim, self.concatDim, self.outputDim, self.heads) = (kvDim, concatDim, outputDim, heads)
            self.keyCount = keyCount ?? tokens
            self.queryDim = queryDim ?? modelDim
            self.valueColumns = valueColumns ?? kvDim
            self.scoreStages = scoreStages
            self.rotates = rotates
            self.masked = masked
            self.projected = projected
            self.threads = threads ?? KernelContext.current.threads
            self.packedKeys = packedKeys
        }
    }

    /// Bytes of the matrices a forward pass holds at its peak: the larger of its two phases
    /// (`Int.max` when a count overflows).
    ///
    /// - Attention: Q, or one row chunk of it (`QueryChunks`), and its rotated copy; K (and
    ///   its rotated copy), V; the concat; the packed K and V of one head per thread (streamed
    ///   heads); a user mask's additive form; and, when scores or weights are kept, each kept
    ///   matrix as one rows × n_k matrix per head plus one transient.
    /// - Output projection: the concat, the output, the heads as separate matrices (what a
    ///   caller reading `AttentionResult.heads` adds), the mask, the kept scores and weights,
    ///   and with `.qkv` the kept Q, K, V and rotated copies.
    ///
    /// With the torch layout the transposed weights count in both. The caller's own H, M and
    /// weights are not counted.
    /// - Parameter scalarBytes: 8 for Double, 4 for Float.
    public static func bytes(_ d: Dimensions, keep: Intermediates, layout: WeightLayout, scalarBytes: Int) -> Int {
        let rows = d.queryRows
        let chunkRows =
            d.projected && QueryChunks.allowed(keep: keep) ? QueryChunks.height(rows: rows, width: d.queryDim) : rows
        var shared: [(Int, Int)] = []
        if d.masked { shared.append((d.tokens, d.keyCount)) }  // a user mask's additive form
        if layout == .torch {
            shared += [
                (d.modelDim, d.queryDim), (d.modelDim, d.kvDim), (d.modelDim, d.valueColumns),
                (d.concatDim, d.outputDim),
            ]
        }
        let kept = (keep.contains(.scores) ? Swift.max(1, d.scoreStages) : 0) + (keep.contains(.weights) ? 1 : 0)
        if kept > 0 {
            guard let columns = CheckedArithmetic.product([d.keyCount, d.heads, kept]) else { return Int.max }
            shared.append((rows, columns))  // kept per head
        }
        let copies = d.rotates ? 2 : 1
        var attention: [(Int, Int)] = [
            (chunkRows, d.queryDim), (d.keyCount, d.kvDim), (d.keyCount, d.valueColumns),  // Q, K, V
            (rows, d.concatDim),  // concat
        ]
        if d.rotates { attention += [(chunkRows, d.queryDim), (d.keyCount, d.kvDim)] }
        if kept > 0 {
            attention.append((rows, d.keyCount))  // transient scores of one head
        } else if let packed = packedHeadElements(d) {
            attention.append((Swift.max(1, d.threads), packed))
        } else {
            return Int.max
        }
        var output: [(Int, Int)] = [(rows, d.concatDim), (rows, d.outputDim), (rows, d.concatDim)]
        if keep.contains(.qkv) {
            output += [(copies * rows, d.queryDim), (copies * d.keyCount, d.kvDim), (d.keyCount, d.valueColumns)]
        }
        guard let sharedCount = CheckedArithmetic.elementCount(shared),
            let attentionCount = CheckedArithmetic.elementCount(attention),
            let outputCount = CheckedArithmetic.elementCount(output),
            let count = CheckedArithmetic.sum([sharedCount, Swift.max(attentionCount, outputCount)]),
            let bytes = CheckedArithmetic.product(count, scalarBytes)
        else { return Int.max }
        return bytes
    }

    /// Elements of one head's packed K and V in the tiled kernel: n_k rounded up to a key
    /// tile, times d_k and d_v each rounded up to 64 (a bound on every micro-kernel's NR).
    static func packedHeadElements(_ d: Dimensions) -> Int? {
        let headDim = d.heads > 0 ? d.queryDim / d.heads : 0
        let valueDim = d.heads > 0 ? d.concatDim / d.heads : 0
        let round = { (x: Int, m: Int) -> Int? in CheckedArithmetic.sum([x, m - 1]).map { $0 / m * m } }
        guard let keys = round(d.packedKeys ?? d.keyCount, Kernels.keyTileSize), let dk = round(headDim, 64),
            let dv = round(valueDim, 64), let width = CheckedArithmetic.sum([dk, dv])
        else { return nil }
        return CheckedArithmetic.product(keys, width)
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
            rotates: c.rope != nil || c.qkNorm != nil, masked: masked, projected: s.projected)
    }
}
