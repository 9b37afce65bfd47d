/// Q, K, V of one forward pass and the per-head computation on them.
struct HeadOperands<Scalar: AttentionScalar> {
    var queries: Matrix<Scalar>
    var keys: Matrix<Scalar>
    var values: Matrix<Scalar>
    var shapes: AttentionShapes
    var mask: [Bool]?
    var causal: Bool
    var keep: Intermediates

    /// One head's result: its output and, when kept, its scores and weights.
    struct Head {
        var output: Matrix<Scalar>
        var scores: Matrix<Scalar>?
        var weights: Matrix<Scalar>?
        var fullyMaskedTokens: [Int]
    }

    /// Sequence position of query row 0 (the token in single-token mode).
    var firstQuery: Int { shapes.token ?? 0 }

    /// head_j, through the plain path when scores or weights are kept, else streamed.
    func head(_ j: Int) throws(AttentionError) -> Head {
        let head = keep.contains(.scores) || keep.contains(.weights) ? plainHead(j) : streamedHead(j)
        guard head.output.firstNonFinite == nil else {
            throw .overflow(stage: "attention of head \(j + 1)", precision: Scalar.precisionName)
        }
        return head
    }

    /// Column ranges of head j in Q and of its K/V head in K and V.
    private func columns(_ j: Int) -> (query: Range<Int>, keyValue: Range<Int>) {
        let d = shapes.headDim
        let g = shapes.kvHead(for: j)
        return (j * d ..< (j + 1) * d, g * d ..< (g + 1) * d)
    }

    /// Materialises scores and weights: S = Q_j·K_jᵀ·scale, mask, softmax, ·V_j.
    private func plainHead(_ j: Int) -> Head {
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
        return Head(output: output, scores: scores, weights: weights, fullyMaskedTokens: masked)
    }

    /// Streams the head in tiles without forming the rows × n scores.
    private func streamedHead(_ j: Int) -> Head {
        let (qc, kvc) = columns(j)
        let d = shapes.headDim
        var output = Matrix<Scalar>(rows: queries.rows, columns: d)
        let rows = queries.rows
        let masked = queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { o in
                        mask.withUnsafeBitsPointer { m -> [Int] in
                            guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress,
                                  let o = o.baseAddress else { return [] }  // empty: validated away
                            return Kernels.streamingAttention(
                                queries: q + qc.lowerBound, queryStride: queries.columns,
                                queryCount: rows, firstQuery: firstQuery,
                                keys: k + kvc.lowerBound, keyStride: keys.columns,
                                values: v + kvc.lowerBound, valueStride: values.columns,
                                keyCount: shapes.tokens, headDim: d, scale: Scalar(shapes.scale),
                                causal: causal, mask: m, maskStride: shapes.tokens,
                                output: o, outputStride: d)
                        }
                    }
                }
            }
        }
        return Head(output: output, scores: nil, weights: nil, fullyMaskedTokens: masked)
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
