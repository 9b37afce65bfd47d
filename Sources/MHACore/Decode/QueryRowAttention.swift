extension HeadBlock {
    /// Blocks of at most this many rows attend one query row at a time, reading K and V in
    /// place in the cache: the tiled kernel would pack each head's whole cache (and compute
    /// full register tiles) for a handful of queries.
    static var rowByRowLimit: Int { 4 }

    /// Heads `heads` of every block row, one query row at a time, for Double and Float.
    /// Returns false (nothing computed) for other scalar types.
    func attendRowByRow(heads: Range<Int>, level: CPULevel) -> Bool {
        if let block = self as? HeadBlock<Double> {
            block.attendRows(heads: heads, level: level)
            return true
        }
        if let block = self as? HeadBlock<Float> {
            block.attendRows(heads: heads, level: level)
            return true
        }
        return false
    }
}

extension HeadBlock where Scalar: PackedScalar {
    /// For each block row r (at cache index n − b + r) and head j in `heads`: the raw
    /// products q_j·k_t with the visible keys t, their logits by the head's `ScoreRule` (as
    /// the tiled kernel forms them; an overflowed product makes the row NaN for the caller to
    /// report), the weights exp(logit − max) by the vector exponential, and
    /// Σ_t w_t·v_t / Σ_t w_t.
    ///
    /// The heads are taken together key by key: cache row t holds every head's key side by
    /// side, so one pass reads K and then V front to back in long contiguous runs (a head at
    /// a time would touch a few hundred bytes of each row, a page apart, which the hardware
    /// prefetcher does not follow). Memory traffic: one pass over the visible keys and values
    /// per query row.
    fileprivate func attendRows(heads: Range<Int>, level: CPULevel) {
        let s = shapes
        let (d, dv) = (s.headDim, s.valueDim)
        let rules = heads.map { scoreRule(head: $0) }
        let keyOffsets = heads.map { s.kvHead(for: $0) * d }
        let valueOffsets = heads.map { s.kvHead(for: $0) * dv }
        let scores = UnsafeMutablePointer<Scalar>.allocate(capacity: Swift.max(cached * heads.count, 1))
        defer { scores.deallocate() }
        // Causal with an optional window: every head sees the same keys.
        let range = ScoreRule<Scalar>(scale: 1, causal: true, window: window)
        for r in 0..<blockRows {
            let position = cached - blockRows + r
            let visible = range.visibleKeys(position: position, keyCount: cached)
            let count = visible.count
            let query = queries + r * s.queryDim
            let out = output + r * s.concatDim
            for j in heads { (out + j * dv).update(repeating: 0, count: dv) }
            guard count > 0 else { continue }
            for i in 0..<count {
                let keyRow = keys + (visible.lowerBound + i) * s.kvDim
                for (h, j) in heads.enumerated() {
                    scores[h * count + i] = Self.dot(query + j * d, keyRow + keyOffsets[h], count: d)
                }
            }
            var live: [Scalar] = []
            live.reserveCapacity(heads.count)
            for (h, j) in heads.enumerated() {
                let row = scores + h * count
                live.append(
                    Self.weights(
                        row, count: count, rule: rules[h], firstKey: visible.lowerBound, position: position,
                        kernelRow: r, level: level))
                if live[h].isNaN { (out + j * dv).update(repeating: .nan, count: dv) }
            }
            for i in 0..<count {
                let valueRow = values + (visible.lowerBound + i) * s.valueColumns
                for (h, j) in heads.enumerated() where !live[h].isNaN {
                    let weight = scores[h * count + i]
                    let (value, target) = (valueRow + valueOffsets[h], out + j * dv)
                    for p in 0..<dv { target[p] += weight * value[p] }
                }
            }
            for (h, j) in heads.enumerated() where !live[h].isNaN {
                let inverse = 1 / live[h]
                let target = out + j * dv
                for p in 0..<dv { target[p] *= inverse }
            }
        }
    }

    /// Turns one head's raw products `row[0..<count]` (keys firstKey…) into unnormalised
    /// softmax weights in place and returns their sum; NaN when a product overflowed.
    @inline(__always)
    private static func weights(
        _ row: UnsafeMutablePointer<Scalar>, count: Int, rule: ScoreRule<Scalar>, firstKey: Int, position: Int,
        kernelRow: Int, level: CPULevel
    ) -> Scalar {
        guard Scalar.scaledFinite(level, row: row, count: count, scale: rule.scale) else { return .nan }
        let maximum = Kernels.logitMaximum(
            level, rule, row: row, count: count, key: firstKey, position: position, kernelRow: kernelRow)
        return Scalar.exponentiate(
            level, row: row, count: count, scale: rule.foldsScale ? rule.scale : 1, shift: -maximum)
    }

    /// Σ_p a[p]·b[p], eight lanes at a time.
    @inline(__always)
    private static func dot(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, count: Int) -> Scalar {
        typealias V = SIMD8<Scalar>
        let (ra, rb) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
        let stride = MemoryLayout<Scalar>.stride
        var lanes = V()
        var p = 0
        while p + 8 <= count {
            lanes +=
                ra.loadUnaligned(fromByteOffset: p * stride, as: V.self)
                * rb.loadUnaligned(fromByteOffset: p * stride, as: V.self)
            p += 8
        }
        var sum = lanes.sum()
        while p < count {
            sum += a[p] * b[p]
            p += 1
        }
        return sum
    }
}
