import Dispatch

/// The multi-head attention forward pass (DESIGN §1).
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
    public static func forward<Scalar: AttentionScalar>(
        input: Matrix<Scalar>, parameters: AttentionParameters<Scalar>,
        mask: Matrix<Scalar>? = nil, configuration: AttentionConfiguration
    ) throws(AttentionError) -> AttentionResult<Scalar> {
        let resolved = try ResolvedAttention(input: input, parameters: parameters, mask: mask,
                                             configuration: configuration)
        let s = resolved.shapes
        let queryInput = s.token.map { input.rowBlock($0..<($0 + 1)) } ?? input
        let q = try affine(queryInput, resolved.wq, resolved.bq, stage: "Q = H·W^q + b^q")
        let k = try affine(input, resolved.wk, resolved.bk, stage: "K = H·W^k + b^k")
        let v = try affine(input, resolved.wv, resolved.bv, stage: "V = H·W^v + b^v")
        let operands = HeadOperands(queries: q, keys: k, values: v, shapes: s, mask: resolved.mask,
                                    causal: configuration.causal,
                                    keep: configuration.intermediates)
        // Heads are independent: one per core at a time (each result in its own slot).
        var outcomes = [Result<HeadOperands<Scalar>.Head, AttentionError>?](repeating: nil, count: s.heads)
        outcomes.withUnsafeMutableBufferPointer { slots in
            DispatchQueue.concurrentPerform(iterations: s.heads) { j in
                slots[j] = Result { () throws(AttentionError) in try operands.head(j) }
            }
        }
        var heads: [HeadOperands<Scalar>.Head] = []
        for case let outcome? in outcomes { heads.append(try outcome.get()) }
        let concat = Matrix.concatenatingColumns(heads.map(\.output))
        let output = try affine(concat, resolved.wo, resolved.bo, stage: "output = concat·W^o + b^o")
        let keep = configuration.intermediates
        let maskedTokens = Set(heads.flatMap(\.fullyMaskedTokens)).sorted()
        return AttentionResult(
            shapes: s, heads: heads.map(\.output), concat: concat, output: output,
            queries: keep.contains(.qkv) ? q : nil,
            keys: keep.contains(.qkv) ? k : nil,
            values: keep.contains(.qkv) ? v : nil,
            scores: keep.contains(.scores) ? heads.compactMap(\.scores) : nil,
            weights: keep.contains(.weights) ? heads.compactMap(\.weights) : nil,
            warnings: maskedTokens.map { .fullyMaskedRow(token: $0) })
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
