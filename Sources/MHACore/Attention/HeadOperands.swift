/// Q, K, V of one forward pass and the per-head computation on them.
struct HeadOperands<Scalar: AttentionScalar> {
    var queries: Matrix<Scalar>
    var keys: Matrix<Scalar>
    var values: Matrix<Scalar>
    var shapes: AttentionShapes
    var mask: [Bool]?
    var causal: Bool
    var keep: Intermediates

    /// What one head leaves besides its output (which goes into the concat): its scores and
    /// weights when kept, and the tokens that had nothing to attend to.
    struct Head {
        var scores: Matrix<Scalar>?
        var weights: Matrix<Scalar>?
        var fullyMaskedTokens: [Int] = []
    }

    /// Sequence position of query row 0 (the token in single-token mode).
    var firstQuery: Int { shapes.token ?? 0 }

    /// Computes head_j (rows × d_k) into `output` (row stride `stride`), through the plain
    /// path when scores or weights are kept, else streamed.
    func head(_ j: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        keep.contains(.scores) || keep.contains(.weights)
            ? plainHead(j, into: output, stride: stride) : streamedHead(j, into: output, stride: stride)
    }

    /// Column ranges of head j in Q and of its K/V head in K and V.
    private func columns(_ j: Int) -> (query: Range<Int>, keyValue: Range<Int>) {
        let d = shapes.headDim
        let g = shapes.kvHead(for: j)
        return (j * d ..< (j + 1) * d, g * d ..< (g + 1) * d)
    }

    /// Materialises scores and weights: S = Q_j·K_jᵀ·scale, mask, softmax, ·V_j.
    private func plainHead(_ j: Int, into target: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        let (qc, kvc) = columns(j)
        var scores = Kernels.productTransposed(queries.columnBlock(qc), keys.columnBlock(kvc))
        let scale = Scalar(shapes.scale)
        var weights = scores
        let n = shapes.tokens
        for r in 0..<scores.rows {
            let position = firstQuery + r
            for t in 0..<n {
                scores[r, t] *= scale
                weights[r, t] = isVisible(position: position, key: t) ? scores[r, t] : -Scalar.infinity
            }
        }
        let masked = Kernels.softmaxRows(&weights).map { firstQuery + $0 }
        let output = Kernels.product(weights, values.columnBlock(kvc))
        for r in 0..<output.rows {
            // A row with an overflowed score is NaN, as in the streamed path, for the forward
            // pass to report (softmax would have read −∞ as a masked key).
            let overflowed = (0..<n).contains { !scores[r, $0].isFinite }
            for c in 0..<output.columns { target[r * stride + c] = overflowed ? .nan : output[r, c] }
        }
        return Head(scores: scores, weights: weights, fullyMaskedTokens: masked)
    }

    /// Streams the head in tiles without forming the rows × n scores.
    private func streamedHead(_ j: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        let (qc, kvc) = columns(j)
        let d = shapes.headDim
        let rows = queries.rows
        let masked = queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    mask.withUnsafeBitsPointer { m -> [Int] in
                        guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress
                        else { return [] }  // empty: validated away
                        return Kernels.streamingAttention(
                            queries: q + qc.lowerBound, queryStride: queries.columns,
                            queryCount: rows, firstQuery: firstQuery,
                            keys: k + kvc.lowerBound, keyStride: keys.columns,
                            values: v + kvc.lowerBound, valueStride: values.columns,
                            keyCount: shapes.tokens, headDim: d, scale: Scalar(shapes.scale),
                            causal: causal, mask: m, maskStride: shapes.tokens,
                            output: output, outputStride: stride)
                    }
                }
            }
        }
        return Head(fullyMaskedTokens: masked)
    }

    /// The first key whose score Q_j[row]·K_jᵀ·scale is not finite, recomputed plainly; for
    /// naming the stage of an overflow after the fact (the error path only).
    func firstOverflowingScore(head j: Int, row: Int) -> Int? {
        let (qc, kvc) = columns(j)
        let scale = Scalar(shapes.scale)
        for t in 0..<shapes.tokens {
            var dot = Scalar.zero
            for (p, c) in zip(qc, kvc) { dot += queries[row, p] * keys[t, c] }
            if !(dot * scale).isFinite { return t }
        }
        return nil
    }

    /// Whether the query at `position` may attend to `key` (causal mask and user mask).
    private func isVisible(position: Int, key: Int) -> Bool {
        if causal && key > position { return false }
        return mask?[position * shapes.tokens + key] ?? true
    }
}

extension Optional where Wrapped == [Bool] {
    /// The mask's storage as a pointer, or nil without a mask.
    func withUnsafeBitsPointer<R>(_ body: (UnsafePointer<Bool>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case let .some(bits): return bits.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}
