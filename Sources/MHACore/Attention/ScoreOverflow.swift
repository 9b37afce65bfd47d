/// Naming an overflow after the fact, on the error path only: the forward pass and the
/// decode step both found a head's output not finite and ask whether its scores overflowed.
enum ScoreOverflow {
    /// Whether some raw score Q[row, qc]·K[t, kc]ᵀ·scale with t in `keys` is not finite,
    /// recomputed plainly.
    static func occurs<Scalar: AttentionScalar>(
        queries q: Matrix<Scalar>, row: Int, columns qc: Range<Int>,
        keys k: Matrix<Scalar>, columns kc: Range<Int>, among keys: Range<Int>, scale: Double
    ) -> Bool {
        let scale = Scalar(scale)
        return keys.contains { t in
            var dot = Scalar.zero
            for (p, c) in zip(qc, kc) { dot += q[row, p] * k[t, c] }
            return !(dot * scale).isFinite
        }
    }
}

extension AttentionError {
    /// Head `j`'s output at query token `token` overflowed: in its scores (Q_j·K_jᵀ·scale)
    /// when `inScores`, else in its attention.
    static func headOverflow(head j: Int, token: Int, inScores: Bool, precision: String) -> AttentionError {
        .overflow(
            stage: inScores
                ? "scores of head \(j + 1) (Q_\(j + 1)·K_\(j + 1)ᵀ·scale, query token \(token))"
                : "attention of head \(j + 1)",
            precision: precision)
    }
}
