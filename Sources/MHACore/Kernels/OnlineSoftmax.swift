/// One query tile × key tile of scores in a row-major buffer, with where it sits in the
/// sequence.
struct ScoreBlock<S> {
    /// Row-major scores, `stride` apart; each row has room for `width` rounded up to a vector.
    var scores: UnsafeMutablePointer<S>
    /// Distance between rows.
    var stride: Int
    /// Query rows in the block.
    var rows: Int
    /// Keys in the block.
    var width: Int
    /// Index of the block's first key.
    var firstKey: Int
    /// Position (in key coordinates) of the block's first query row.
    var firstPosition: Int
    /// Index of the block's first query row among the kernel call's rows (for the mask).
    var firstRow: Int
}

/// The running row maximum m and row sum ℓ of the online softmax, for one query tile.
struct OnlineSoftmaxState<S: AttentionScalar> {
    /// m per row: the largest scaled, unmasked score seen so far (−∞ before any).
    let maximum: UnsafeMutablePointer<S>
    /// ℓ per row: Σ exp(score − m) over the keys seen so far.
    let sum: UnsafeMutablePointer<S>

    /// Room for `rows` rows.
    init(rows: Int) {
        maximum = .allocate(capacity: rows)
        sum = .allocate(capacity: rows)
    }

    /// Releases the memory.
    func free() {
        maximum.deallocate()
        sum.deallocate()
    }

    /// Starts a new query tile: m = −∞, ℓ = 0.
    func reset(rows: Int) {
        maximum.update(repeating: -S.infinity, count: rows)
        sum.update(repeating: 0, count: rows)
    }

    /// Divides each output row by its ℓ. Rows that saw no visible key (ℓ = 0) stay zero;
    /// rows poisoned by an overflowed score (ℓ = NaN) become NaN.
    /// - Returns: the indices of the rows that saw no visible key, within the tile.
    func normalise(
        rows: Int, output: UnsafeMutablePointer<S>, outputStride: Int, headDim: Int
    ) -> [Int] {
        var empty: [Int] = []
        for r in 0..<rows {
            if sum[r].isNaN {
                (output + r * outputStride).update(repeating: .nan, count: headDim)
                continue
            }
            guard sum[r] > 0 else {
                empty.append(r)
                continue
            }
            let inverse = 1 / sum[r]
            let row = output + r * outputStride
            for p in 0..<headDim { row[p] *= inverse }
        }
        return empty
    }
}

extension Kernels {
    /// One online-softmax step for a block of raw dot products: turns them into logits by
    /// `rule` (scale, soft-cap, ALiBi, visible range, user mask; blocked = −∞), then per row
    /// raises m to m′ = max(m, block maximum), replaces the logits by P = exp(logit − m′),
    /// sets ℓ = ℓ·exp(m − m′) + ΣP and rescales the row's output accumulator by
    /// exp(m − m′). Rows with nothing visible yet get P = 0.
    static func updateOnlineSoftmax<S: PackedScalar>(
        _ level: CPULevel, _ block: ScoreBlock<S>, rule: ScoreRule<S>, keyCount: Int,
        state: OnlineSoftmaxState<S>, output: UnsafeMutablePointer<S>, outputStride: Int, headDim: Int
    ) {
        // With a positive scale and nothing else reshaping the scores, max(x·scale) =
        // scale·max(x), so the scaling is folded into the exponentiation.
        let folded = rule.scale > 0 && !rule.reshapes
        for r in 0..<block.rows {
            let row = block.scores + r * block.stride
            let position = block.firstPosition + r
            // An overflowed score poisons its row (ℓ = NaN, kept through every later block):
            // `normalise` fills it with NaN for the forward pass to report, never as masked.
            if !scoresAreFinite(row: row, width: block.width, scale: rule.scale) { state.sum[r] = .nan }
            let visible = rule.visibleKeys(position: position, keyCount: keyCount)
            let lower = Swift.min(block.width, Swift.max(0, visible.lowerBound - block.firstKey))
            let upper = Swift.max(lower, Swift.min(block.width, visible.upperBound - block.firstKey))
            for t in 0..<lower { row[t] = -S.infinity }
            for t in upper..<block.width { row[t] = -S.infinity }
            if !folded {
                applyRule(
                    level, rule, row: row, lower: lower, upper: upper, firstKey: block.firstKey,
                    position: position, kernelRow: block.firstRow + r)
            }
            let blockMaximum = S.maximum(level, row: row + lower, count: upper - lower) * (folded ? rule.scale : 1)
            let previous = state.maximum[r]
            let maximum = Swift.max(previous, blockMaximum)
            guard maximum > -S.infinity else {
                row.update(repeating: 0, count: block.width)
                continue
            }
            let correction = previous == -S.infinity ? 0 : S.exponential(previous - maximum)
            // Not fused: x·scale is rounded exactly as the row maximum's m = max·scale was, so
            // the largest score gives exp(0) = 1 however large the scores (an FMA would leave
            // the product's rounding error, up to ulp(m)/2 — 1e183 for scores near 1e200 — as
            // the exponent).
            let total = S.exponentiate(
                level, row: row, count: block.width,
                scale: folded ? rule.scale : 1, shift: -maximum)
            state.sum[r] = state.sum[r] * correction + total
            state.maximum[r] = maximum
            if correction != 1 {
                let accumulator = output + r * outputStride
                for p in 0..<headDim { accumulator[p] *= correction }
            }
        }
    }

    /// Replaces the raw products inside `lower ..< upper` by their logits under `rule`. Each
    /// stage is one loop over the row, in `ScoreRule.logit`'s order; the scale and soft-cap
    /// are one vector pass (`softcap`: the C kernels' tanh, where `logit` calls the
    /// platform's, and c·tanh(s·(1/c)) for c·tanh(s/c) — each within a few ulp of it).
    @inline(__always)
    static func applyRule<S: PackedScalar>(
        _ level: CPULevel, _ rule: ScoreRule<S>, row: UnsafeMutablePointer<S>, lower: Int, upper: Int,
        firstKey: Int, position: Int, kernelRow: Int
    ) {
        let scale = rule.scale
        if let c = rule.softcap {
            S.softcap(level, row: row + lower, count: upper - lower, scale: scale, cap: c)
        } else {
            for t in lower..<upper { row[t] *= scale }
        }
        if let m = rule.slope { subtractSlope(m, row: row, lower: lower, upper: upper, distance: position - firstKey) }
        if let bias = rule.bias {
            let biasRow = bias + kernelRow * rule.biasStride + firstKey
            for t in lower..<upper { row[t] += biasRow[t] }
        }
    }

    /// row[t] −= m·(distance − t) for t in lower ..< upper: ALiBi's −m·(p − key), in vectors of
    /// four whose distances are exact integers counted down (no integer conversion per key),
    /// so every value equals `ScoreRule.logit`'s.
    @inline(__always)
    static func subtractSlope<S: AttentionScalar>(
        _ m: S, row: UnsafeMutablePointer<S>, lower: Int, upper: Int, distance: Int
    ) {
        typealias V = SIMD4<S>
        let slope = V(repeating: m)
        let step = V(repeating: 4)
        var distances = V(repeating: S(distance - lower)) - V(0, 1, 2, 3)
        var t = lower
        while t + 4 <= upper {
            let lanes = UnsafeMutableRawPointer(row + t)
            lanes.storeBytes(of: lanes.loadUnaligned(as: V.self) - slope * distances, as: V.self)
            distances -= step
            t += 4
        }
        while t < upper {
            row[t] -= m * S(distance - t)
            t += 1
        }
    }
}
