/// The multi-head attention forward pass (docs/contract.md §1, docs/attention-options.md).
///
///     Q = H·W^q + b^q,  K = S·W^k + b^k,  V = S·W^v + b^v    (S = H, or the memory M)
///     Q, K ← x / √(mean(x²) + ε) ⊙ γ                          (with a QK-norm)
///     Q_j, K_j ← RoPE(Q_j, K_j)                                (with a rotary embedding)
///     s_j = (Q_j·K_jᵀ)·scale → C·tanh(s/C) → − m_j·(p − t) → masks (−∞ = blocked)
///     head_j = softmax(s_j)·V_j                                (rows × d_v)
///     output = [head_1 | … | head_τ]·W^o + b^o                 (rows × d_out)
///
/// Query head j (counted from 0) reads columns j·d_k ..< (j+1)·d_k of Q and K/V head ⌊j·g/τ⌋ of K and V.
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
    ///   or weights are requested, which keep τ matrices of rows × n_k (per score stage): at
    ///   the peak K, V and the concat, with Q computed in row chunks (`QueryChunks`) unless
    ///   `.qkv` keeps it; `MemoryEstimate` counts it.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public static func forward<Scalar: AttentionScalar>(
        input: Matrix<Scalar>, memory: Matrix<Scalar>? = nil, parameters: AttentionParameters<Scalar>,
        mask: AttentionMask<Scalar>? = nil, configuration: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let resolved = try ResolvedAttention(
            input: input, memory: memory, parameters: parameters, mask: mask,
            configuration: configuration)
        var result = try projectedAttention(input: input, memory: memory, resolved, configuration: configuration)
        result.output = try affine(
            result.concat, rows: 0..<result.concat.rows, resolved.wo, resolved.bo,
            stage: "output = concat·W^o + b^o")
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
        try AttentionRules.validate(
            configuration, headDim: s.headDim, queryCount: s.tokens, keyCount: s.keyCount, precision: Scalar.self)
        let needed = MemoryEstimate.bytes(
            .init(s, configuration: configuration, masked: mask != nil), keep: configuration.intermediates,
            layout: .xw, scalarBytes: MemoryLayout<Scalar>.stride)
        try configuration.requireMemory(needed)
        for (name, m) in [("q", queries), ("k", keys), ("v", values)] {
            try ResolvedAttention<Scalar>.requireFinite(name, m)
        }
        let resolvedMask = try mask.map { m throws(AttentionError) in
            try ResolvedMask(m, queries: s.tokens, keys: s.keyCount)
        }
        let q = s.token.map { queries.rowBlock($0..<($0 + 1)) } ?? queries
        return try attendChunks(
            [s.computedRows], firstQueries: q, laterQueries: { _ in q }, keys: keys, values: values,
            shapes: s, mask: resolvedMask, configuration: configuration)
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
                try inSequence(i, of: b) { () throws(AttentionError) in
                    try forward(
                        input: inputs[i], memory: pick(memories, i), parameters: parameters,
                        mask: pick(masks, i), configuration: configuration)
                })
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
                try inSequence(i, of: batch.count) { () throws(AttentionError) in
                    try attend(
                        queries: item.queries, keys: item.keys, values: item.values,
                        mask: pick(masks, i), configuration: configuration)
                })
        }
        return results
    }

    /// Sequence `i`'s pass; an overflow, which depends on that sequence's values, names it
    /// (`… of batch index i`, counted from 0 as the array's index) when there are several.
    private static func inSequence<R>(
        _ i: Int, of count: Int, _ body: () throws(AttentionError) -> R
    ) throws(AttentionError) -> R {
        do {
            return try body()
        } catch .overflow(let stage, let precision) where count > 1 {
            throw .overflow(stage: "\(stage) of batch index \(i)", precision: precision)
        }
    }

    private static func requireBatch(_ name: String, _ count: Int, _ batch: Int) throws(AttentionError) {
        guard count <= 1 || count == batch else { throw .batchCountMismatch(name: name, count: count, batch: batch) }
    }

    private static func pick<T>(_ list: [T], _ i: Int) -> T? {
        list.isEmpty ? nil : list.count == 1 ? list[0] : list[i]
    }

    /// Q, K and V from the validated operands, then every head into the concat: Q in row
    /// chunks when it is large and not kept (`QueryChunks`), each chunk's attention done
    /// before the next chunk is computed. Q, K and V are gone when this returns, before the
    /// output projection (unless `.qkv` keeps them).
    ///
    /// Errors come in the order of the unchunked pass, which computes all of Q first: an
    /// overflow in K, V or a chunk's attention is reported only after the rest of Q is found
    /// finite (computed again on that error path only).
    private static func projectedAttention<Scalar: AttentionScalar>(
        input: Matrix<Scalar>, memory: Matrix<Scalar>?, _ r: ResolvedAttention<Scalar>,
        configuration c: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let s = r.shapes
        let rows = s.computedRows
        let height =
            QueryChunks.allowed(keep: c.intermediates)
            ? QueryChunks.height(rows: rows.count, width: s.queryDim) : rows.count
        let chunks = QueryChunks.ranges(rows, height: height)
        let queries = { (chunk: Range<Int>) throws(AttentionError) -> Matrix<Scalar> in
            try affine(input, rows: chunk, r.wq, r.bq, stage: "Q = H·W^q + b^q")
        }
        let firstQueries = try queries(chunks[0])
        let source = memory ?? input
        let keyStage = memory == nil ? "K = H·W^k + b^k" : "K = M·W^k + b^k"
        let k: Matrix<Scalar>
        let v: Matrix<Scalar>
        do throws(AttentionError) {
            k = try affine(source, rows: 0..<source.rows, r.wk, r.bk, stage: keyStage)
            v = try affine(source, rows: 0..<source.rows, r.wv, r.bv, stage: keyStage.replacingK(with: "V"))
        } catch {
            for later in chunks.dropFirst() { _ = try queries(later) }
            throw error
        }
        return try attendChunks(
            chunks, firstQueries: consume firstQueries, laterQueries: queries, keys: consume k, values: v,
            shapes: s, mask: r.mask, configuration: c)
    }

    /// RoPE on K once and on each chunk's Q, then every head of every chunk into its rows
    /// and column block of the concat. The result's output is the concat (the projected
    /// pass replaces it).
    /// - Parameters:
    ///   - chunks: consecutive row ranges covering the computed query rows.
    ///   - firstQueries: Q's rows of the first chunk, owned: released after that chunk.
    ///   - laterQueries: Q's rows of any later chunk (not called with one chunk).
    ///   - keys: K, owned: with RoPE and without `.qkv` only its rotated copy stays.
    private static func attendChunks<Scalar: AttentionScalar>(
        _ chunks: [Range<Int>], firstQueries: consuming Matrix<Scalar>,
        laterQueries: (Range<Int>) throws(AttentionError) -> Matrix<Scalar>,
        keys: consuming Matrix<Scalar>, values: Matrix<Scalar>, shapes s: AttentionShapes,
        mask: ResolvedMask<Scalar>?, configuration c: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let keep = c.intermediates
        let qkv = keep.contains(.qkv)
        let rows = (chunks.first?.lowerBound ?? 0)..<(chunks.last?.upperBound ?? 0)
        let slopes = c.alibi ? ALiBi.slopes(validHeads: s.heads) : nil
        var result = AttentionResult<Scalar>(
            shapes: s, concat: Matrix(rows: rows.count, columns: s.concatDim), output: Matrix(rows: 0, columns: 0),
            values: qkv ? values : nil, alibiSlopes: slopes, warnings: mask?.warnings ?? [])
        if qkv { result.keys = keys }
        if let rope = c.rope {
            let last = s.keyPosition(key: s.keyCount - 1)
            let (angle, error) = rope.angleError(lastPosition: last, headDim: s.headDim)
            if error > RotaryEmbedding.reportedAngleError {
                result.warnings.append(.imprecisePositions(position: last, angle: angle, error: error))
            }
        }
        if let norm = c.qkNorm {
            keys = try norm.normalised(
                keys, heads: s.kvHeads, headDim: s.headDim, gain: norm.keyGain, name: "K", firstToken: 0)
            if qkv { result.normalisedKeys = keys }
        }
        if let rope = c.rope {
            keys = rope.rotated(keys, heads: s.kvHeads, headDim: s.headDim, firstPosition: s.keyPosition(key: 0))
            if qkv { result.rotatedKeys = keys }
        }
        let attendedKeys = consume keys
        var maskedTokens: [Int] = []
        var pending: Matrix<Scalar>? = consume firstQueries
        for (index, chunk) in chunks.enumerated() {
            var q: Matrix<Scalar>
            if let first = pending.take() { q = first } else { q = try laterQueries(chunk) }
            if qkv { result.queries = q }
            if let norm = c.qkNorm {
                q = try norm.normalised(
                    q, heads: s.heads, headDim: s.headDim, gain: norm.queryGain, name: "Q",
                    firstToken: chunk.lowerBound)
                if qkv { result.normalisedQueries = q }
            }
            if let rope = c.rope {
                q = rope.rotated(
                    q, heads: s.heads, headDim: s.headDim, firstPosition: s.queryPosition(row: chunk.lowerBound))
                if qkv { result.rotatedQueries = q }
            }
            let operands = HeadOperands(
                queries: q, keys: attendedKeys, values: values, shapes: s, firstRow: chunk.lowerBound,
                causal: c.causal, window: c.window, softcap: c.softcap, slopes: slopes,
                mask: mask, keep: keep)
            let heads: [HeadOperands<Scalar>.Head]
            do throws(AttentionError) {
                heads = try runHeads(operands, into: &result.concat, firstRow: chunk.lowerBound - rows.lowerBound)
            } catch {
                for later in chunks[(index + 1)...] { _ = try laterQueries(later) }
                throw error
            }
            maskedTokens += heads.flatMap(\.fullyMaskedTokens)
            if !result.warnings.contains(where: \.isSwampedMask),
                let (token, head) = heads.enumerated().compactMap({ j, h in h.swampedRow.map { ($0, j) } })
                    .min(by: { $0 < $1 })
            {
                result.warnings.append(.swampedMask(token: token, head: head + 1))
            }
            // Scores and weights are kept only from a single chunk (`QueryChunks.allowed`).
            if keep.contains(.scores) { result.stages = heads.compactMap(\.stages) }
            if keep.contains(.weights) { result.weights = heads.compactMap(\.weights) }
        }
        result.scores = result.stages?.map(\.scaled)
        result.output = result.concat
        result.warnings += Set(maskedTokens).sorted().map { .fullyMaskedRow(token: $0) }
        return result
    }

    /// Every head of one chunk into its column block of the concat's rows from `firstRow`;
    /// an overflow is diagnosed while the chunk's Q is at hand.
    private static func runHeads<Scalar: AttentionScalar>(
        _ operands: HeadOperands<Scalar>, into concat: inout Matrix<Scalar>, firstRow: Int
    ) throws(AttentionError) -> [HeadOperands<Scalar>.Head] {
        let s = operands.shapes
        let rows = operands.queries.rows
        // Heads are independent: one per core at a time, each writing its own column block of
        // the concat and its own slot, unless all heads together are too little work to be
        // worth waking a second core.
        var heads = [HeadOperands<Scalar>.Head](repeating: .init(), count: s.heads)
        let attentionWork = rows.multipliedReportingOverflow(by: s.keyCount * (s.queryDim + s.concatDim))
        let parallel = attentionWork.overflow || attentionWork.partialValue >= 1 << 21
        concat.withUnsafeMutableBufferPointer { block in
            heads.withUnsafeMutableBufferPointer { slots in
                guard let base = block.baseAddress else { return }
                let first = base + firstRow * s.concatDim
                let computeHead = { (j: Int) in
                    slots[j] = operands.head(j, into: first + j * s.valueDim, stride: s.concatDim)
                }
                if parallel {
                    Kernels.parallelFor(s.heads, computeHead)
                } else {
                    (0..<s.heads).forEach(computeHead)
                }
            }
        }
        try ValueRescue.repair(
            &concat, rows: firstRow..<(firstRow + rows), headWidth: s.valueDim, firstToken: operands.firstRow,
            scoresOverflow: operands.scoresOverflow(head:row:),
            rescue: { j, concat in rescue(head: j, operands, into: &concat, firstRow: firstRow) })
        return heads
    }

    /// Head j again on V·2^−e, its overflowed elements replaced (`ValueRescue`).
    private static func rescue<Scalar: AttentionScalar>(
        head j: Int, _ operands: HeadOperands<Scalar>, into concat: inout Matrix<Scalar>, firstRow: Int
    ) {
        let s = operands.shapes
        let (rows, dv) = (operands.queries.rows, s.valueDim)
        let e = ValueRescue.exponent(keyCount: s.keyCount)
        var scaled = operands
        scaled.values = ValueRescue.scaledDown(operands.values, exponent: e)
        var head = [Scalar](repeating: 0, count: rows * dv)
        head.withUnsafeMutableBufferPointer { h in
            concat.withUnsafeMutableBufferPointer { block in
                guard let h = h.baseAddress, let base = block.baseAddress else { return }
                _ = scaled.head(j, into: h, stride: dv)
                ValueRescue.merge(
                    h, exponent: e, into: base + firstRow * s.concatDim + j * dv, rows: rows, width: dv,
                    stride: s.concatDim)
            }
        }
    }

    /// x·W + b (b added to every row), refusing an overflowed result.
    static func affine<Scalar: AttentionScalar>(
        _ x: Matrix<Scalar>, _ w: Matrix<Scalar>, _ b: [Scalar]?, stage: String
    ) throws(AttentionError) -> Matrix<Scalar> {
        try affine(x, rows: 0..<x.rows, w, b, stage: stage)
    }

    /// x[rows]·W + b for a range of x's rows, read in place, refusing an overflowed result.
    static func affine<Scalar: AttentionScalar>(
        _ x: Matrix<Scalar>, rows: Range<Int>, _ w: Matrix<Scalar>, _ b: [Scalar]?, stage: String
    ) throws(AttentionError) -> Matrix<Scalar> {
        let (y, finite) = Kernels.affine(x, rows: rows, w, bias: b)
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
