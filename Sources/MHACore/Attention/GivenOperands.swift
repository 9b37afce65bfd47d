/// The shapes of `attend`'s given Q, K and V, checked against each other and the head counts.
enum GivenOperands {
    /// n_q, n_k, τ, g, d_k and d_v from Q (n_q × τ·d_k), K (n_k × g·d_k), V (n_k × g·d_v).
    /// - Throws: `AttentionError` naming both shapes of any disagreement.
    static func shapes<S: AttentionScalar>(
        queries q: Matrix<S>, keys k: Matrix<S>, values v: Matrix<S>,
        configuration c: AttentionConfiguration
    ) throws(AttentionError) -> AttentionShapes {
        guard q.rows > 0, q.columns > 0 else {
            throw .shapeMismatch(
                name: "q", actual: q.shape, reason: "attention needs queries", expected: "at least 1×1")
        }
        guard k.rows > 0 else {
            throw .shapeMismatch(name: "k", actual: k.shape, reason: "attention needs keys", expected: "at least 1 row")
        }
        let (heads, kvHeads) = try AttentionRules.headCounts(c)
        let headDim: Int
        if let given = c.headDim {
            guard given > 0 else { throw .nonPositive(name: "head_dim", value: given) }
            try AttentionRules.checkWidths(heads: heads, kvHeads: kvHeads, headDim: given, valueDim: 1)
            guard q.columns == heads * given else {
                throw .shapeMismatch(
                    name: "q", actual: q.shape, reason: "there are \(heads) heads of width \(given)",
                    expected: "\(q.rows)×\(heads * given)")
            }
            headDim = given
        } else {
            guard q.columns % heads == 0 else { throw .headsDoNotDivideQueries(width: q.columns, heads: heads) }
            headDim = q.columns / heads
        }
        guard k.columns == kvHeads * headDim else {
            throw .shapesDisagree(
                name: "k", actual: k.shape, other: "q", otherShape: q.shape,
                expected: "\(k.rows)×\(kvHeads * headDim) (\(kvHeads) kv_heads of width d_k = \(headDim))")
        }
        guard v.rows == k.rows else {
            throw .shapesDisagree(
                name: "v", actual: v.shape, other: "k", otherShape: k.shape,
                expected: "\(k.rows)×\(v.columns) (one value row per key)")
        }
        guard v.columns > 0, v.columns % kvHeads == 0 else {
            throw .shapeMismatch(
                name: "v", actual: v.shape, reason: "there are \(kvHeads) kv_heads",
                expected: "\(v.rows)×(a positive multiple of \(kvHeads))")
        }
        if let token = c.token, !(0..<q.rows).contains(token) {
            throw .tokenOutOfRange(token: token, tokens: q.rows)
        }
        let scale = c.scale ?? 1 / Double(headDim).squareRoot()
        guard scale.isFinite else { throw .invalidScale(scale) }
        let valueDim = v.columns / kvHeads
        try AttentionRules.checkWidths(heads: heads, kvHeads: kvHeads, headDim: headDim, valueDim: valueDim)
        return AttentionShapes(
            tokens: q.rows, modelDim: q.columns, heads: heads, kvHeads: kvHeads, headDim: headDim,
            outputDim: heads * valueDim, token: c.token, scale: scale, keyCount: k.rows,
            valueDim: valueDim, positionOffset: c.positionOffset, projected: false)
    }
}
