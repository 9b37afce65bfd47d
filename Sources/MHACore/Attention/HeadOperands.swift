/// Q, K, V of one forward pass (Q and K already turned by RoPE) and the per-head
/// computation on them.
struct HeadOperands<Scalar: AttentionScalar> {
    /// The computed query rows (all n_q, or the token's), τ·d_k wide.
    var queries: Matrix<Scalar>
    /// n_k × g·d_k.
    var keys: Matrix<Scalar>
    /// n_k × g·d_v.
    var values: Matrix<Scalar>
    var shapes: AttentionShapes
    var causal: Bool
    var window: Int?
    var softcap: Double?
    /// m_j per head, with ALiBi.
    var slopes: [Double]?
    var mask: ResolvedMask<Scalar>?
    var keep: Intermediates

    /// What one head leaves besides its output (which goes into the concat): its scores and
    /// weights when kept, and the query rows that had nothing to attend to.
    struct Head {
        var stages: ScoreStages<Scalar>?
        var weights: Matrix<Scalar>?
        var fullyMaskedTokens: [Int] = []
    }

    /// Index (among all n_q rows) of the first computed query row.
    var firstRow: Int { shapes.token ?? 0 }
    /// Its position in key coordinates: row + n_k − n_q.
    var firstPosition: Int { firstRow + shapes.keyCount - shapes.tokens }

    /// Computes head_j (rows × d_v) into `output` (row stride `stride`), through the plain
    /// path when scores or weights are kept, else streamed.
    func head(_ j: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        keep.contains(.scores) || keep.contains(.weights)
            ? plainHead(j, into: output, stride: stride) : streamedHead(j, into: output, stride: stride)
    }

    /// Column ranges of head j in Q and of its K/V head in K and V.
    private func columns(_ j: Int) -> (query: Range<Int>, key: Range<Int>, value: Range<Int>) {
        let (d, dv) = (shapes.headDim, shapes.valueDim)
        let g = shapes.kvHead(for: j)
        return (j * d..<(j + 1) * d, g * d..<(g + 1) * d, g * dv..<(g + 1) * dv)
    }

    /// Head j's score rule, its user mask starting at the first computed row.
    private func rule(_ j: Int, bias: UnsafePointer<Scalar>?) -> ScoreRule<Scalar> {
        ScoreRule(
            scale: Scalar(shapes.scale), softcap: softcap.map { Scalar($0) },
            slope: slopes.map { Scalar($0[j]) }, causal: causal, window: window,
            bias: bias.map { $0 + firstRow * (mask?.rowStride ?? 0) }, biasStride: mask?.rowStride ?? 0)
    }

    /// Materialises every score stage and the weights: S = (Q_j·K_jᵀ)·scale, soft-cap,
    /// ALiBi, masks, softmax, ·V_j.
    private func plainHead(_ j: Int, into target: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        let (qc, kc, vc) = columns(j)
        var logits = Kernels.productTransposed(queries.columnBlock(qc), keys.columnBlock(kc))
        let (rows, n) = (logits.rows, logits.columns)
        let rule = self.rule(j, bias: nil)
        // Each stage's matrix is kept only when the scores are (else one matrix is reused).
        let keepStages = keep.contains(.scores)
        var scaled = keepStages ? logits : nil
        var capped = keepStages && softcap != nil ? logits : nil
        var biased = keepStages && slopes != nil ? logits : nil
        var overflowedRows = [Bool](repeating: false, count: rows)
        for r in 0..<rows {
            let position = firstPosition + r
            let visible = rule.visibleKeys(position: position, keyCount: n)
            for t in 0..<n {
                var s = logits[r, t] * rule.scale
                if !s.isFinite { overflowedRows[r] = true }
                scaled?[r, t] = s
                if let c = rule.softcap {
                    s = ScoreRule.cap(s, c)
                    capped?[r, t] = s
                }
                if let m = rule.slope {
                    s -= m * Scalar(position - t)
                    biased?[r, t] = s
                }
                if let mask { s += mask.value(row: firstRow + r, key: t) }
                logits[r, t] = visible.contains(t) ? s : -Scalar.infinity
            }
        }
        var weights = logits
        let fullyMasked = Kernels.softmaxRows(&weights).map { firstRow + $0 }
        let output = Kernels.product(weights, values.columnBlock(vc))
        for r in 0..<output.rows {
            // A row with an overflowed score is NaN, as in the streamed path, for the forward
            // pass to report (softmax would have read −∞ as a masked key).
            for c in 0..<output.columns { target[r * stride + c] = overflowedRows[r] ? .nan : output[r, c] }
        }
        let stages = scaled.map {
            ScoreStages(scaled: $0, capped: capped, biased: biased, masked: logits, alibiSlope: slopes?[j])
        }
        return Head(stages: stages, weights: keep.contains(.weights) ? weights : nil, fullyMaskedTokens: fullyMasked)
    }

    /// Streams head j through `Kernels.streamingAttention`: no n_q × n_k matrix.
    private func streamedHead(_ j: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        let (qc, kc, vc) = columns(j)
        let rows = queries.rows
        let masked = queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    mask.withAdditivePointer { m -> [Int] in
                        guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress
                        else { return [] }  // empty: validated away
                        return Kernels.streamingAttention(
                            queries: q + qc.lowerBound, queryStride: queries.columns,
                            queryCount: rows, firstPosition: firstPosition,
                            keys: k + kc.lowerBound, keyStride: keys.columns,
                            values: v + vc.lowerBound, valueStride: values.columns,
                            keyCount: shapes.keyCount, headDim: shapes.headDim, valueDim: shapes.valueDim,
                            rule: rule(j, bias: m), output: output, outputStride: stride)
                    }
                }
            }
        }
        return Head(fullyMaskedTokens: masked.map { firstRow + $0 })
    }

    /// The first key whose score Q_j[row]·K_jᵀ·scale is not finite, recomputed plainly; for
    /// naming the stage of an overflow after the fact (the error path only).
    func firstOverflowingScore(head j: Int, row: Int) -> Int? {
        let (qc, kc, _) = columns(j)
        let scale = Scalar(shapes.scale)
        for t in 0..<keys.rows {
            var dot = Scalar.zero
            for (p, c) in zip(qc, kc) { dot += queries[row, p] * keys[t, c] }
            if !(dot * scale).isFinite { return t }
        }
        return nil
    }
}

extension Optional {
    /// The additive mask's storage as a pointer, or nil without a mask.
    func withAdditivePointer<S: AttentionScalar, R>(_ body: (UnsafePointer<S>?) -> R) -> R
    where Wrapped == ResolvedMask<S> {
        switch self {
        case .none: return body(nil)
        case let .some(mask): return mask.additive.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}
