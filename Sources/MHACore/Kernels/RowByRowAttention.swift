extension Kernels {
    /// The one-query-row-at-a-time form of `streamingAttention` (same contract): every score
    /// row is formed in full (O(n) extra memory), softmaxed with `softmaxRow`, then applied
    /// to V. Used for scalar types without a register tile and for degenerate shapes.
    static func rowByRowAttention<S: AttentionScalar>(
        queries: UnsafePointer<S>, queryStride: Int, queryCount: Int, firstQuery: Int,
        keys: UnsafePointer<S>, keyStride: Int,
        values: UnsafePointer<S>, valueStride: Int, keyCount: Int,
        headDim: Int, scale: S, causal: Bool,
        mask: UnsafePointer<Bool>?, maskStride: Int,
        output: UnsafeMutablePointer<S>, outputStride: Int
    ) -> [Int] {
        var fullyMasked: [Int] = []
        let scores = UnsafeMutableBufferPointer<S>.allocate(capacity: Swift.max(keyCount, 1))
        defer { scores.deallocate() }
        for r in 0..<queryCount {
            let position = firstQuery + r
            let visible = causal ? Swift.min(position + 1, keyCount) : keyCount
            let q = queries + r * queryStride
            var overflowed = false
            for t in 0..<keyCount {
                let allowed = t < visible && (mask.map { $0[position * maskStride + t] } ?? true)
                guard allowed else { scores[t] = -S.infinity; continue }
                let key = keys + t * keyStride
                var dot = S.zero
                for p in 0..<headDim { dot += q[p] * key[p] }
                scores[t] = dot * scale
                if !scores[t].isFinite { overflowed = true }
            }
            let out = output + r * outputStride
            for p in 0..<headDim { out[p] = 0 }
            // An overflowed score (±∞ among the keys) poisons the row with NaN, for the
            // forward pass to report; it is never read as a masked key.
            if overflowed {
                for p in 0..<headDim { out[p] = .nan }
                continue
            }
            guard softmaxRow(scores, start: 0, count: keyCount) else {
                fullyMasked.append(position)
                continue
            }
            for t in 0..<keyCount where scores[t] != 0 {
                let weight = scores[t]
                let value = values + t * valueStride
                for p in 0..<headDim { out[p] += weight * value[p] }
            }
        }
        return fullyMasked
    }
}
