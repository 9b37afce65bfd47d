/// Q, K, V of one forward pass (Q and K already turned by RoPE) and the per-head
/// computation on them, for one chunk of consecutive query rows (`QueryChunks`).
struct HeadOperands<Scalar: AttentionScalar> {
    /// The chunk's query rows (all n_q, the token's, or rows `firstRow` ..< `firstRow` +
    /// `queries.rows`), τ·d_k wide.
    var queries: Matrix<Scalar>
    /// n_k × g·d_k.
    var keys: Matrix<Scalar>
    /// n_k × g·d_v.
    var values: Matrix<Scalar>
    var shapes: AttentionShapes
    /// Index (among all n_q rows) of the chunk's first query row.
    var firstRow: Int
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
        /// The first query row (among all n_q) whose scores the additive mask swamped.
        var swampedRow: Int?
    }

    /// The first row's position in key coordinates: row + n_k − n_q.
    var firstPosition: Int { firstRow + shapes.keyCount - shapes.tokens }

    /// Computes head_j (rows × d_v) into `output` (row stride `stride`), through the plain
    /// path when scores or weights are kept, else streamed.
    func head(_ j: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        var head =
            keep.contains(.scores) || keep.contains(.weights)
            ? plainHead(j, into: output, stride: stride) : streamedHead(j, into: output, stride: stride)
        head.swampedRow = firstSwampedRow(j).map { firstRow + $0 }
        return head
    }

    /// The first row of the chunk (from 0) whose weights in head j an additive mask alone
    /// decides: among the keys the row may see with a finite mask value, those that keep a
    /// nonzero weight (at least two) all have score + mask rounded to the mask value, and
    /// their scores differ by more than the precision's rounding (−1e300 on every key of a
    /// row with scores 10, 0, 0 gives 1/3 each, not softmax(10, 0, 0)). Only rows whose
    /// largest such mask value is at least 1 in magnitude can be swamped that much; their
    /// scores are recomputed plainly, so masks without large finite values cost nothing.
    func firstSwampedRow(_ j: Int) -> Int? {
        guard let mask, mask.hasLargeBiases else { return nil }
        let (qc, kc, _) = columns(j)
        let rule = rule(j, bias: nil)
        for r in 0..<queries.rows {
            let row = firstRow + r
            let position = firstPosition + r
            let keys = rule.visibleKeys(position: position, keyCount: self.keys.rows).filter {
                mask.value(row: row, key: $0).isFinite
            }
            guard keys.count >= 2, let top = keys.map({ mask.value(row: row, key: $0) }).max(), Swift.abs(top) >= 1
            else { continue }
            let scores = keys.map { t in
                var dot = Scalar.zero
                for (p, c) in zip(qc, kc) { dot += queries[r, p] * self.keys[t, c] }
                return rule.logit(dot, key: t, position: position, row: r)
            }
            let logits = zip(scores, keys).map { ScoreRule.biased($0, mask.value(row: row, key: $1)) }
            guard logits.allSatisfy({ !$0.isNaN }), let peak = logits.max(), peak.isFinite else { continue }
            let weighted = logits.indices.filter { Scalar.exponential(logits[$0] - peak) > 0 }
            guard weighted.count >= 2,
                weighted.allSatisfy({ logits[$0] == mask.value(row: row, key: keys[$0]) }),
                let low = weighted.map({ scores[$0] }).min(), let high = weighted.map({ scores[$0] }).max(),
                high - low > Scalar.ulpOfOne
            else { continue }
            return r
        }
        return nil
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
        let kept = KeptScores(
            products: Kernels.product(queries, columns: qc, keys, columns: kc, transposeB: true),
            rule: rule(j, bias: nil), mask: mask, firstRow: firstRow, firstPosition: firstPosition,
            keepStages: keep.contains(.scores), alibiSlope: slopes?[j])
        let (weights, overflowedRows) = (kept.weights, kept.overflowedRows)
        let output = Kernels.product(weights, columns: 0..<weights.columns, values, columns: vc, transposeB: false)
        output.withUnsafeBufferPointer { o in
            for r in 0..<output.rows {
                // A row with an overflowed score is NaN, as in the streamed path, for the
                // forward pass to report (softmax would have read −∞ as a masked key).
                for c in 0..<output.columns {
                    target[r * stride + c] = overflowedRows[r] ? .nan : o[r * output.columns + c]
                }
            }
        }
        return Head(
            stages: kept.stages, weights: keep.contains(.weights) ? weights : nil,
            fullyMaskedTokens: kept.fullyMaskedRows.map { firstRow + $0 })
    }

    /// Streams head j through `Kernels.streamingAttention`: no n_q × n_k matrix. Only the keys
    /// some row of the chunk may see (`visibleKeys`) are passed, so only they are packed.
    private func streamedHead(_ j: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) -> Head {
        let (qc, kc, vc) = columns(j)
        let rows = queries.rows
        let masked = queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    mask.withAdditivePointer { m -> [Int] in
                        guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress
                        else { return [] }  // empty: validated away
                        let seen = visibleKeys(rule(j, bias: m))
                        // Key `seen.lowerBound` is key 0 of the call: positions, the ALiBi
                        // distance p − t and the mask's columns all shift with it.
                        return Kernels.streamingAttention(
                            queries: q + qc.lowerBound, queryStride: queries.columns,
                            queryCount: rows, firstPosition: firstPosition - seen.lowerBound,
                            keys: k + seen.lowerBound * keys.columns + kc.lowerBound, keyStride: keys.columns,
                            values: v + seen.lowerBound * values.columns + vc.lowerBound,
                            valueStride: values.columns, keyCount: seen.count, headDim: shapes.headDim,
                            valueDim: shapes.valueDim, rule: rule(j, bias: m.map { $0 + seen.lowerBound }),
                            output: output, outputStride: stride)
                    }
                }
            }
        }
        return Head(fullyMaskedTokens: masked.map { firstRow + $0 })
    }

    /// The keys that some row of the chunk may see under `rule`'s causal/window range (the
    /// union of the rows' ranges, from the first row's lower end to the last row's upper end),
    /// widened to whole key tiles of `Kernels.tiledAttention` so that its tiles, and with
    /// them every rounding, are those of a call with all keys; all keys when none is seen.
    func visibleKeys(_ rule: ScoreRule<Scalar>) -> Range<Int> {
        let (n, tile) = (shapes.keyCount, Kernels.keyTileSize)
        let first = rule.visibleKeys(position: firstPosition, keyCount: n)
        let last = rule.visibleKeys(position: firstPosition + queries.rows - 1, keyCount: n)
        let lower = first.lowerBound / tile * tile
        let upper = Swift.min(n, (last.upperBound + tile - 1) / tile * tile)
        return lower < upper ? lower..<upper : 0..<n
    }

    /// How a score Q_j[row]·K_jᵀ·scale at a key the row may see (the causal/window range)
    /// is not finite, if one is (the error path only).
    func scoresOverflow(head j: Int, row: Int) -> ScoreOverflow? {
        let (qc, kc, _) = columns(j)
        let visible = rule(j, bias: nil).visibleKeys(position: firstPosition + row, keyCount: keys.rows)
        return ScoreOverflow.find(
            queries: queries, row: row, columns: qc, keys: keys, columns: kc, among: visible, scale: shapes.scale)
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
