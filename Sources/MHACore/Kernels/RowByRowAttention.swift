extension Kernels {
    /// The one-query-row-at-a-time form of `streamingAttention` (same contract): every logit
    /// row is formed in full (O(n_k) extra memory), softmaxed with `softmaxRow`, then applied
    /// to V. Used for scalar types without a register tile and for degenerate shapes.
    static func rowByRowAttention<S: AttentionScalar>(
        queries: UnsafePointer<S>, queryStride: Int, queryCount: Int, firstPosition: Int,
        keys: UnsafePointer<S>, keyStride: Int,
        values: UnsafePointer<S>, valueStride: Int, keyCount: Int,
        headDim: Int, valueDim: Int, rule: ScoreRule<S>,
        output: UnsafeMutablePointer<S>, outputStride: Int
    ) -> [Int] {
        var fullyMasked: [Int] = []
        let scores = UnsafeMutableBufferPointer<S>.allocate(capacity: Swift.max(keyCount, 1))
        defer { scores.deallocate() }
        for r in 0..<queryCount {
            let position = firstPosition + r
            let visible = rule.visibleKeys(position: position, keyCount: keyCount)
            let q = queries + r * queryStride
            var overflowed = false
            for t in 0..<keyCount {
                guard visible.contains(t) else {
                    scores[t] = -S.infinity
                    continue
                }
                let key = keys + t * keyStride
                var dot = S.zero
                for p in 0..<headDim { dot += q[p] * key[p] }
                scores[t] = rule.logit(dot, key: t, position: position, row: r)
                if !(dot * rule.scale).isFinite || scores[t].isNaN { overflowed = true }
            }
            let out = output + r * outputStride
            for p in 0..<valueDim { out[p] = 0 }
            // An overflowed score (±∞ among the keys) poisons the row with NaN, for the
            // forward pass to report; it is never read as a masked key.
            if overflowed {
                for p in 0..<valueDim { out[p] = .nan }
                continue
            }
            guard softmaxRow(scores, start: 0, count: keyCount) else {
                fullyMasked.append(r)
                continue
            }
            for t in 0..<keyCount where scores[t] != 0 {
                let weight = scores[t]
                let value = values + t * valueStride
                for p in 0..<valueDim { out[p] += weight * value[p] }
            }
        }
        return fullyMasked
    }
}
