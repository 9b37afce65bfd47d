/// Where a head's raw scores overflowed, named after the fact on the error path only: the
/// forward pass and the decode step both found a head's output not finite and ask whether its
/// scores overflowed, and where.
enum ScoreOverflow: Sendable {
    /// Q_j·K_jᵀ itself is not finite, whatever the scale (a tiny `--scale` cannot bring back
    /// a product that overflowed before it was applied).
    case product
    /// Q_j·K_jᵀ is finite, Q_j·K_jᵀ·scale is not.
    case scaled

    /// How some raw score Q[row, qc]·K[t, kc]ᵀ·scale with t in `keys` is not finite,
    /// recomputed plainly; nil when every one is finite.
    static func find<Scalar: AttentionScalar>(
        queries q: Matrix<Scalar>, row: Int, columns qc: Range<Int>,
        keys k: Matrix<Scalar>, columns kc: Range<Int>, among keys: Range<Int>, scale: Double
    ) -> ScoreOverflow? {
        let scale = Scalar(scale)
        var found: ScoreOverflow?
        for t in keys {
            var dot = Scalar.zero
            for (p, c) in zip(qc, kc) { dot += q[row, p] * k[t, c] }
            if !dot.isFinite { return .product }
            if !(dot * scale).isFinite { found = .scaled }
        }
        return found
    }

    /// The stage an overflow of head `j` at query token `token` names.
    func stage(head j: Int, token: Int) -> String {
        let scores = "Q_\(j + 1)·K_\(j + 1)ᵀ"
        switch self {
        case .product: return "scores of head \(j + 1) (\(scores) before the scale, query token \(token))"
        case .scaled: return "scores of head \(j + 1) (\(scores)·scale, query token \(token))"
        }
    }
}

extension AttentionError {
    /// Head `j`'s output at query token `token` overflowed: in its scores where `scores` says
    /// how, else (nil) in its attention.
    static func headOverflow(head j: Int, token: Int, scores: ScoreOverflow?, precision: String) -> AttentionError {
        .overflow(stage: scores?.stage(head: j, token: token) ?? "attention of head \(j + 1)", precision: precision)
    }
}
