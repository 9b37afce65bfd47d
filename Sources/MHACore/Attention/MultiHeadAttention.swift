/// The multi-head attention forward pass (docs/contract.md §1).
///
///     Q = H·W^q + b^q,  K = H·W^k + b^k,  V = H·W^v + b^v
///     head_j = softmax(Q_j·K_jᵀ·scale + mask)·V_j        (rows × d_k)
///     output = [head_1 | … | head_τ]·W^o + b^o            (rows × d_out)
///
/// Query head j reads columns j·d_k ..< (j+1)·d_k of Q and K/V head ⌊j·g/τ⌋ of K and V.
public enum MultiHeadAttention {
    /// Runs the forward pass after validating every shape and value.
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
    /// - Parameters:
    ///   - input: H, n × d_model.
    ///   - parameters: the weights and biases, in either layout.
    ///   - mask: optional n × n matrix of 1 (may attend) and 0 (blocked), applied to every head.
    ///   - configuration: heads, kv_heads, causal, scale, token and the intermediates to keep.
    /// - Returns: heads, concat and output, plus the requested intermediates and any warnings.
    /// - Throws: `AttentionError`, before any arithmetic for invalid shapes or values; or
    ///   `.overflow` if an intermediate exceeds the precision.
    /// - Complexity: O(n·d_model² + n²·d_model) time. Memory O(n·d_model) unless scores or
    ///   weights are requested, which keep τ matrices of rows × n.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public static func forward<Scalar: AttentionScalar>(
        input: Matrix<Scalar>, parameters: AttentionParameters<Scalar>,
        mask: Matrix<Scalar>? = nil, configuration: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let resolved = try ResolvedAttention(input: input, parameters: parameters, mask: mask,
                                             configuration: configuration)
        let keep = configuration.intermediates
        let attended = try attend(input, resolved, configuration)
        let output = try affine(attended.concat, resolved.wo, resolved.bo, stage: "output = concat·W^o + b^o")
        let maskedTokens = Set(attended.heads.flatMap(\.fullyMaskedTokens)).sorted()
        return AttentionResult(
            shapes: resolved.shapes, concat: attended.concat, output: output,
            queries: attended.qkv?.q, keys: attended.qkv?.k, values: attended.qkv?.v,
            scores: keep.contains(.scores) ? attended.heads.compactMap(\.scores) : nil,
            weights: keep.contains(.weights) ? attended.heads.compactMap(\.weights) : nil,
            warnings: maskedTokens.map { .fullyMaskedRow(token: $0) })
    }

    /// Projects Q, K, V and runs every head into its column block of the concat. Q, K and V
    /// are returned only when kept, so that they are freed before the output projection.
    private static func attend<Scalar: AttentionScalar>(
        _ input: Matrix<Scalar>, _ resolved: ResolvedAttention<Scalar>, _ configuration: AttentionConfiguration
    ) throws(AttentionError) -> (concat: Matrix<Scalar>, heads: [HeadOperands<Scalar>.Head],
                                 qkv: (q: Matrix<Scalar>, k: Matrix<Scalar>, v: Matrix<Scalar>)?) {
        let s = resolved.shapes
        let queryInput = s.token.map { input.rowBlock($0..<($0 + 1)) } ?? input
        let q = try affine(queryInput, resolved.wq, resolved.bq, stage: "Q = H·W^q + b^q")
        let k = try affine(input, resolved.wk, resolved.bk, stage: "K = H·W^k + b^k")
        let v = try affine(input, resolved.wv, resolved.bv, stage: "V = H·W^v + b^v")
        let operands = HeadOperands(queries: q, keys: k, values: v, shapes: s, mask: resolved.mask,
                                    causal: configuration.causal, keep: configuration.intermediates)
        var concat = Matrix<Scalar>(rows: q.rows, columns: s.concatDim)
        // Heads are independent: one per core at a time, each writing its own column block of
        // the concat and its own slot, unless all heads together are too little work to be
        // worth waking a second core.
        var heads = [HeadOperands<Scalar>.Head](repeating: .init(), count: s.heads)
        let attentionWork = q.rows.multipliedReportingOverflow(by: s.tokens * s.modelDim)
        let parallel = attentionWork.overflow || attentionWork.partialValue >= 1 << 20
        concat.withUnsafeMutableBufferPointer { block in
            heads.withUnsafeMutableBufferPointer { slots in
                guard let base = block.baseAddress else { return }
                let computeHead = { (j: Int) in
                    slots[j] = operands.head(j, into: base + j * s.headDim, stride: s.concatDim)
                }
                if parallel {
                    Kernels.parallelFor(s.heads, computeHead)
                } else {
                    (0..<s.heads).forEach(computeHead)
                }
            }
        }
        if let bad = concat.firstNonFinite {
            let j = bad.column / s.headDim
            let stage = operands.firstOverflowingScore(head: j, row: bad.row) != nil
                ? "scores of head \(j + 1) (Q_\(j + 1)·K_\(j + 1)ᵀ·scale, query token \((s.token ?? 0) + bad.row))"
                : "attention of head \(j + 1)"
            throw .overflow(stage: stage, precision: Scalar.precisionName)
        }
        return (concat, heads, configuration.intermediates.contains(.qkv) ? (q, k, v) : nil)
    }

    /// x·W + b (b added to every row), refusing an overflowed result.
    static func affine<Scalar: AttentionScalar>(
        _ x: Matrix<Scalar>, _ w: Matrix<Scalar>, _ b: [Scalar]?, stage: String
    ) throws(AttentionError) -> Matrix<Scalar> {
        var y = Kernels.product(x, w)
        if let b {
            let columns = y.columns
            y.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices { buffer[index] += b[index % columns] }
            }
        }
        guard y.firstNonFinite == nil else { throw .overflow(stage: stage, precision: Scalar.precisionName) }
        return y
    }
}
