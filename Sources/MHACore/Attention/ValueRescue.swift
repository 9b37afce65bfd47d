/// A head's output can overflow while every score is finite: O = Σ_t p_t·v_t is summed
/// before the division by ℓ = Σ_t p_t, so values above (largest finite)/n_k can overflow
/// although the result, a weighted mean of them, cannot. Such a head is computed again on
/// V·2^−e, with n_k·2^−e < 1/2 so that no partial sum can overflow, and each overflowed
/// element of its output is replaced by that result ·2^e. Scaling by a power of two is exact
/// (above the subnormal range), so every rounding is the one an unbounded exponent would give.
enum ValueRescue {
    /// e for `keyCount` keys: the least e with keyCount < 2^(e−1).
    static func exponent(keyCount: Int) -> Int { Int.bitWidth - Swift.max(1, keyCount).leadingZeroBitCount + 1 }

    /// 2^power as `S`.
    static func power<S: AttentionScalar>(_ power: Int, as type: S.Type = S.self) -> S {
        S(sign: .plus, exponent: S.Exponent(power), significand: 1)
    }

    /// `values` with every element multiplied by 2^−e.
    static func scaledDown<S: AttentionScalar>(_ values: Matrix<S>, exponent e: Int) -> Matrix<S> {
        let factor: S = power(-e)
        return Matrix(
            uncheckedRows: values.rows, columns: values.columns, elements: values.elements.map { $0 * factor })
    }

    /// Repairs rows `rows` of `concat` (head j in columns j·headWidth ..< (j+1)·headWidth):
    /// while one of its elements is not finite, the overflow is named when its raw scores
    /// overflowed (`scoresOverflow(j, row)`, row counted from `rows`'s start, token
    /// `firstToken + row`) or head j was rescued already; otherwise `rescue(j, &concat)`
    /// computes head j again on V·2^−e and merges it. The forward pass and decode share it.
    /// - Throws: `.overflow` naming the stage, as `AttentionError.headOverflow` does.
    static func repair<S: AttentionScalar>(
        _ concat: inout Matrix<S>, rows: Range<Int>, headWidth: Int, firstToken: Int,
        scoresOverflow: (_ head: Int, _ row: Int) -> ScoreOverflow?, rescue: (_ head: Int, inout Matrix<S>) -> Void
    ) throws(AttentionError) {
        var rescued = Set<Int>()
        while let bad = concat.firstNonFinite(rows: rows) {
            let (j, row) = (bad.column / headWidth, bad.row - rows.lowerBound)
            let inScores = scoresOverflow(j, row)
            guard inScores == nil, !rescued.contains(j) else {
                throw .headOverflow(head: j, token: firstToken + row, scores: inScores, precision: S.precisionName)
            }
            rescued.insert(j)
            rescue(j, &concat)
        }
    }

    /// Replaces each non-finite element of the `rows` × `width` block at `target` (row stride
    /// `stride`) by the same element of `rescued` (row stride `rescuedStride`, `width` unless
    /// given) ·2^e. A weighted mean of finite values is finite, so a product that still rounds
    /// past the largest finite number (V at that number everywhere, where Σp/ℓ rounds to
    /// 1 + 1 ulp) is that number, with its sign.
    static func merge<S: AttentionScalar>(
        _ rescued: UnsafePointer<S>, exponent e: Int, into target: UnsafeMutablePointer<S>, rows: Int, width: Int,
        stride: Int, rescuedStride: Int? = nil
    ) {
        let factor: S = power(e)
        let from = rescuedStride ?? width
        for r in 0..<rows {
            for c in 0..<width where !target[r * stride + c].isFinite {
                let value = rescued[r * from + c] * factor
                target[r * stride + c] =
                    value.isInfinite ? (value < 0 ? -S.greatestFiniteMagnitude : S.greatestFiniteMagnitude) : value
            }
        }
    }
}
