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

    /// Writes each accumulator row divided by its ℓ to the output. Rows that saw no visible
    /// key (ℓ = 0) are written as zeros; rows poisoned by an overflowed score (ℓ = NaN) as
    /// NaN.
    /// - Returns: the indices of the rows that saw no visible key, within the tile.
    func normalise(
        rows: Int, accumulator: UnsafePointer<S>, accumulatorStride: Int,
        output: UnsafeMutablePointer<S>, outputStride: Int, headDim: Int
    ) -> [Int] {
        var empty: [Int] = []
        for r in 0..<rows {
            let row = output + r * outputStride
            if sum[r].isNaN {
                row.update(repeating: .nan, count: headDim)
                continue
            }
            guard sum[r] > 0 else {
                empty.append(r)
                row.update(repeating: 0, count: headDim)
                continue
            }
            let inverse = 1 / sum[r]
            let source = accumulator + r * accumulatorStride
            for p in 0..<headDim { row[p] = source[p] * inverse }
        }
        return empty
    }
}

extension Kernels {
    /// One online-softmax step for a block of raw dot products: turns the visible ones into
    /// logits by `rule` (scale, soft-cap, ALiBi, user mask; blocked = −∞), then per row
    /// raises m to m′ = max(m, block maximum), replaces the logits by P = exp(logit − m′),
    /// sets ℓ = ℓ·exp(m − m′) + ΣP and rescales the row's output accumulator by
    /// exp(m − m′). Keys outside the row's visible range (the causal/window bound) are never
    /// transformed nor exponentiated: their P is 0. Rows with nothing visible yet get P = 0.
    static func updateOnlineSoftmax<S: PackedScalar>(
        _ level: CPULevel, _ block: ScoreBlock<S>, rule: ScoreRule<S>, keyCount: Int,
        state: OnlineSoftmaxState<S>, output: UnsafeMutablePointer<S>, outputStride: Int, headDim: Int
    ) {
        for r in 0..<block.rows {
            let row = block.scores + r * block.stride
            let position = block.firstPosition + r
            let visible = rule.visibleKeys(position: position, keyCount: keyCount)
            let lower = Swift.min(block.width, Swift.max(0, visible.lowerBound - block.firstKey))
            let upper = Swift.max(lower, Swift.min(block.width, visible.upperBound - block.firstKey))
            // An overflowed score poisons its row (ℓ = NaN, kept through every later block):
            // `normalise` fills it with NaN for the forward pass to report, never as masked.
            // Only visible keys count: a score the causal/window range blocks is never used.
            if !S.scaledFinite(level, row: row + lower, count: upper - lower, scale: rule.scale) { state.sum[r] = .nan }
            let blockMaximum = logitMaximum(
                level, rule, row: row + lower, count: upper - lower, key: block.firstKey + lower,
                position: position, kernelRow: block.firstRow + r)
            // A finite bias that overflowed a logit to −∞ (`logits` returns NaN): poisoned too.
            if blockMaximum.isNaN { state.sum[r] = .nan }
            // exp(x·scale − m′): not fused, so x·scale is rounded exactly as the row maximum's
            // m = max·scale was, and the largest score gives exp(0) = 1 however large the
            // scores (an FMA would leave the product's rounding error, up to ulp(m)/2 — 1e183
            // for scores near 1e200 — as the exponent). Only the visible keys are
            // exponentiated; the others' weights are 0.
            S.softmaxStep(
                level, row: row, width: block.width, visible: lower..<upper, scale: rule.foldsScale ? rule.scale : 1,
                blockMaximum: blockMaximum, maximum: state.maximum + r, sum: state.sum + r,
                accumulator: output + r * outputStride, valueDim: headDim)
        }
    }

    /// The largest logit of the raw products `row[0..<count]` (keys `key ..< key + count`, all
    /// visible) under `rule`: scale·max(x) with the row left raw when the rule folds its
    /// scale (`ScoreRule.foldsScale`), else the row replaced by its logits (`logits`).
    @inline(__always)
    static func logitMaximum<S: PackedScalar>(
        _ level: CPULevel, _ rule: ScoreRule<S>, row: UnsafeMutablePointer<S>, count: Int, key: Int,
        position: Int, kernelRow: Int
    ) -> S {
        rule.foldsScale
            ? S.maximum(level, row: row, count: count) * rule.scale
            : logits(level, rule, row: row, count: count, key: key, position: position, kernelRow: kernelRow)
    }

    /// Replaces the raw products `row[0..<count]` (keys `key ..< key + count`, all visible) by
    /// their logits under `rule`, in `ScoreRule.logit`'s order, in one vector pass
    /// (`PackedScalar.logits`; the soft-cap uses the C kernels' tanh where `logit` calls the
    /// platform's, and c·tanh(s·(1/c)) for c·tanh(s/c): each within a few ulp of it).
    /// - Returns: the largest logit, −∞ for none, NaN when a bias overflowed one.
    @inline(__always)
    static func logits<S: PackedScalar>(
        _ level: CPULevel, _ rule: ScoreRule<S>, row: UnsafeMutablePointer<S>, count: Int, key: Int,
        position: Int, kernelRow: Int
    ) -> S {
        S.logits(
            level, row: row, count: count, scale: rule.scale, cap: rule.softcap ?? 0,
            slope: rule.slope ?? 0, distance: S(position - key),
            bias: rule.bias.map { UnsafePointer($0 + kernelRow * rule.biasStride + key) })
    }
}
