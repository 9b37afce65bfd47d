/// The multi-head attention forward pass (docs/contract.md §1, docs/attention-options.md).
///
///     Q = H·W^q + b^q,  K = S·W^k + b^k,  V = S·W^v + b^v    (S = H, or the memory M)
///     Q_j, K_j ← RoPE(Q_j, K_j)                                (with a rotary embedding)
///     s_j = (Q_j·K_jᵀ)·scale → C·tanh(s/C) → − m_j·(p − t) → masks (−∞ = blocked)
///     head_j = softmax(s_j)·V_j                                (rows × d_v)
///     output = [head_1 | … | head_τ]·W^o + b^o                 (rows × d_out)
///
/// Query head j reads columns j·d_k ..< (j+1)·d_k of Q and K/V head ⌊j·g/τ⌋ of K and V.
/// Key t is at position offset + t, query row i at offset + n_k − n_q + i.
public enum MultiHeadAttention {
    /// Runs the projected forward pass after validating every shape and value.
    ///
    /// Example: two tokens, one head, identity weights:
    ///
    ///     let x = try Matrix<Double>([[1, 0], [0, 1]])
    ///     let i = try Matrix<Double>([[1, 0], [0, 1]])
    ///     let r = try MultiHeadAttention.forward(
    ///         input: x, parameters: .init(wq: i, wk: i, wv: i, wo: i),
    ///         configuration: .init(heads: 1))
    ///     r.output[0, 0]   // e^(1/√2) / (e^(1/√2) + 1) ≈ 0.6698
    ///
    /// A Llama-style layer (RoPE, grouped-query heads, causal) and a cross-attention:
    ///
    ///     let llama = AttentionConfiguration(heads: 8, kvHeads: 2, causal: true,
    ///                                        rope: RotaryEmbedding(convention: .half, base: 500000))
    ///     let cross = try MultiHeadAttention.forward(input: decoderStates, memory: encoderStates,
    ///                                                parameters: p, configuration: .init(heads: 4))
    ///
    /// - Parameters:
    ///   - input: H, n_q × d_model.
    ///   - memory: M, n_k × d_mem, for cross-attention (K and V from M); nil: self-attention.
    ///   - parameters: the weights and biases, separate or packed, in either layout.
    ///   - mask: optional user mask (n_q × n_k or a 1 × n_k key-padding row; keep, block or
    ///     additive), applied to every head.
    ///   - configuration: heads, head width, positions, score rules and the intermediates to keep.
    /// - Returns: heads, concat and output, plus the requested intermediates and any warnings.
    /// - Throws: `AttentionError`, before any arithmetic for invalid shapes, values or
    ///   options; or `.overflow` if an intermediate exceeds the precision.
    /// - Complexity: O(n_q·d_model·τ·d_k + n_k·d_mem·g·d_k + n_q·n_k·τ·d_k) time (a window W
    ///   makes the last term about n_q·W·τ·d_k). Memory O((n_q + n_k)·d_model) unless scores
    ///   or weights are requested, which keep τ matrices of rows × n_k (per score stage).
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public static func forward<Scalar: AttentionScalar>(
        input: Matrix<Scalar>, memory: Matrix<Scalar>? = nil, parameters: AttentionParameters<Scalar>,
        mask: AttentionMask<Scalar>? = nil, configuration: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let resolved = try ResolvedAttention(
            input: input, memory: memory, parameters: parameters, mask: mask,
            configuration: configuration)
        let s = resolved.shapes
        let queryInput = s.token.map { input.rowBlock($0..<($0 + 1)) } ?? input
        let source = memory ?? input
        let q = try affine(queryInput, resolved.wq, resolved.bq, stage: "Q = H·W^q + b^q")
        let keyStage = memory == nil ? "K = H·W^k + b^k" : "K = M·W^k + b^k"
        let k = try affine(source, resolved.wk, resolved.bk, stage: keyStage)
        let v = try affine(source, resolved.wv, resolved.bv, stage: keyStage.replacingK(with: "V"))
        var result = try attendHeads(q, k, v, shapes: s, mask: resolved.mask, configuration: configuration)
        result.output = try affine(result.concat, resolved.wo, resolved.bo, stage: "output = concat·W^o + b^o")
        return result
    }

    /// The first version's call: a 0/1 mask matrix (1 = may attend), self-attention.
    @_disfavoredOverload
    public static func forward<Scalar: AttentionScalar>(
        input: Matrix<Scalar>, parameters: AttentionParameters<Scalar>,
        mask: Matrix<Scalar>?, configuration: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        try forward(
            input: input, memory: nil, parameters: parameters, mask: mask.map { AttentionMask($0) },
            configuration: configuration)
    }

    /// Att_qkv on given matrices, no projections (the textbook's Att_qkv(Q, K, V) with τ = 1).
    ///
    ///     let r = try MultiHeadAttention.attend(queries: q, keys: k, values: v,
    ///                                           configuration: .init(heads: 4, kvHeads: 2, causal: true))
    ///     r.heads    // τ matrices n_q × d_v;  r.concat (= r.output) n_q × τ·d_v
    ///
    /// - Parameters:
    ///   - queries: Q, n_q × τ·d_k (d_k = columns / τ unless `configuration.headDim` says).
    ///   - keys: K, n_k × g·d_k.
    ///   - values: V, n_k × g·d_v (d_v may differ from d_k).
    ///   - mask, configuration: as in `forward`; RoPE, ALiBi, window, soft-cap, positions and
    ///     single-token mode all apply.
    /// - Returns: heads and concat (`output` is the concat: there is no W^o); with `.qkv`,
    ///   the given Q, K, V and their rotated forms.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public static func attend<Scalar: AttentionScalar>(
        queries: Matrix<Scalar>, keys: Matrix<Scalar>, values: Matrix<Scalar>,
        mask: AttentionMask<Scalar>? = nil, configuration: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let s = try GivenOperands.shapes(queries: queries, keys: keys, values: values, configuration: configuration)
        try AttentionRules.validate(configuration, headDim: s.headDim, keyCount: s.keyCount)
        let needed = MemoryEstimate.bytes(
            .init(s, configuration: configuration, masked: mask != nil), keep: configuration.intermediates,
            layout: .xw, scalarBytes: MemoryLayout<Scalar>.stride)
        if let available = configuration.memoryLimit, needed > available {
            throw .insufficientMemory(needed: needed, available: available)
        }
        for (name, m) in [("q", queries), ("k", keys), ("v", values)] {
            try ResolvedAttention<Scalar>.requireFinite(name, m)
        }
        let resolvedMask = try mask.map { m throws(AttentionError) in
            try ResolvedMask(m, queries: s.tokens, keys: s.keyCount)
        }
        let q = s.token.map { queries.rowBlock($0..<($0 + 1)) } ?? queries
        return try attendHeads(q, keys, values, shapes: s, mask: resolvedMask, configuration: configuration)
    }

    /// `forward` for each sequence of a batch with the same parameters: `memories` and `masks`
    /// hold one entry shared by every sequence, one per sequence, or none.
    /// - Throws: `.batchCountMismatch` for lists of another length; else as `forward`.
    public static func forward<Scalar: AttentionScalar>(
        batch inputs: [Matrix<Scalar>], memories: [Matrix<Scalar>] = [], parameters: AttentionParameters<Scalar>,
        masks: [AttentionMask<Scalar>] = [], configuration: AttentionConfiguration
    ) throws(AttentionError) -> [AttentionResult<Scalar>] {
        let b = inputs.count
        try requireBatch("memories", memories.count, b)
        try requireBatch("masks", masks.count, b)
        var results: [AttentionResult<Scalar>] = []
        for i in 0..<b {
            results.append(
                try forward(
                    input: inputs[i], memory: pick(memories, i), parameters: parameters,
                    mask: pick(masks, i), configuration: configuration))
        }
        return results
    }

    /// `attend` for each (Q, K, V) of a batch; `masks` as in `forward(batch:)`.
    public static func attend<Scalar: AttentionScalar>(
        batch: [(queries: Matrix<Scalar>, keys: Matrix<Scalar>, values: Matrix<Scalar>)],
        masks: [AttentionMask<Scalar>] = [], configuration: AttentionConfiguration
    ) throws(AttentionError) -> [AttentionResult<Scalar>] {
        try requireBatch("masks", masks.count, batch.count)
        var results: [AttentionResult<Scalar>] = []
        for (i, item) in batch.enumerated() {
            results.append(
                try attend(
                    queries: item.queries, keys: item.keys, values: item.values,
                    mask: pick(masks, i), configuration: configuration))
        }
        return results
    }

    private static func requireBatch(_ name: String, _ count: Int, _ batch: Int) throws(AttentionError) {
        guard count <= 1 || count == batch else { throw .batchCountMismatch(name: name, count: count, batch: batch) }
    }

    private static func pick<T>(_ list: [T], _ i: Int) -> T? {
        list.isEmpty ? nil : list.count == 1 ? list[0] : list[i]
    }

    /// RoPE on Q and K, then every head into its column block of the concat. The result's
    /// output is the concat (the projected pass replaces it).
    private static func attendHeads<Scalar: AttentionScalar>(
        _ q: Matrix<Scalar>, _ k: Matrix<Scalar>, _ v: Matrix<Scalar>, shapes s: AttentionShapes,
        mask: ResolvedMask<Scalar>?, configuration c: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let firstRow = s.token ?? 0
        let rotatedQ = c.rope?.rotated(
            q, heads: s.heads, headDim: s.headDim,
            firstPosition: s.queryPosition(row: firstRow))
        let rotatedK = c.rope?.rotated(k, heads: s.kvHeads, headDim: s.headDim, firstPosition: s.keyPosition(key: 0))
        let slopes = c.alibi ? ALiBi.slopes(heads: s.heads) : nil
        let operands = HeadOperands(
            queries: rotatedQ ?? q, keys: rotatedK ?? k, values: v, shapes: s,
            causal: c.causal, window: c.window, softcap: c.softcap, slopes: slopes,
            mask: mask, keep: c.intermediates)
        let (concat, heads) = try runHeads(operands)
        let keep = c.intermediates
        let stages = keep.contains(.scores) ? heads.compactMap(\.stages) : nil
        let maskedTokens = Set(heads.flatMap(\.fullyMaskedTokens)).sorted()
        let qkv = keep.contains(.qkv)
        return AttentionResult(
            shapes: s, concat: concat, output: concat,
            queries: qkv ? q : nil, keys: qkv ? k : nil, values: qkv ? v : nil,
            rotatedQueries: qkv ? rotatedQ : nil, rotatedKeys: qkv ? rotatedK : nil,
            scores: stages?.map(\.scaled), stages: stages,
            weights: keep.contains(.weights) ? heads.compactMap(\.weights) : nil,
            alibiSlopes: slopes,
            warnings: (mask?.warnings ?? []) + maskedTokens.map { .fullyMaskedRow(token: $0) })
    }

    /// Every head into its column block of the concat.
    private static func runHeads<Scalar: AttentionScalar>(
        _ operands: HeadOperands<Scalar>
    ) throws(AttentionError) -> (Matrix<Scalar>, [HeadOperands<Scalar>.Head]) {
        let s = operands.shapes
        var concat = Matrix<Scalar>(rows: operands.queries.rows, columns: s.concatDim)
        // Heads are independent: one per core at a time, each writing its own column block of
        // the concat and its own slot, unless all heads together are too little work to be
        // worth waking a second core.
        var heads = [HeadOperands<Scalar>.Head](repeating: .init(), count: s.heads)
        let attentionWork = operands.queries.rows.multipliedReportingOverflow(
            by: s.keyCount * (s.queryDim + s.concatDim))
        let parallel = attentionWork.overflow || attentionWork.partialValue >= 1 << 21
        concat.withUnsafeMutableBufferPointer { block in
            heads.withUnsafeMutableBufferPointer { slots in
                guard let base = block.baseAddress else { return }
                let computeHead = { (j: Int) in
                    slots[j] = operands.head(j, into: base + j * s.valueDim, stride: s.concatDim)
                }
                if parallel {
                    Kernels.parallelFor(s.heads, computeHead)
                } else {
                    (0..<s.heads).forEach(computeHead)
                }
            }
        }
        if let bad = concat.firstNonFinite {
            let j = bad.column / s.valueDim
            let stage =
                operands.firstOverflowingScore(head: j, row: bad.row) != nil
                ? "scores of head \(j + 1) (Q_\(j + 1)·K_\(j + 1)ᵀ·scale, query token \(operands.firstRow + bad.row))"
                : "attention of head \(j + 1)"
            throw .overflow(stage: stage, precision: Scalar.precisionName)
        }
        return (concat, heads)
    }

    /// x·W + b (b added to every row), refusing an overflowed result.
    static func affine<Scalar: AttentionScalar>(
        _ x: Matrix<Scalar>, _ w: Matrix<Scalar>, _ b: [Scalar]?, stage: String
    ) throws(AttentionError) -> Matrix<Scalar> {
        let (y, finite) = Kernels.affine(x, w, bias: b)
        guard finite else { throw .overflow(stage: stage, precision: Scalar.precisionName) }
        return y
    }
}

private extension String {
    /// "K = H·W^k + b^k" → "V = H·W^v + b^v".
    func replacingK(with letter: String) -> String {
        let lower = letter.lowercased()
        return String(map { $0 == "K" ? Character(letter) : $0 == "k" ? Character(lower) : $0 })
    }
}
