extension Kernels {
    /// Replaces each row x of `m` by softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
    ///
    /// Subtracting the row maximum keeps every exponent ≤ 0, so scores of any finite
    /// magnitude give finite weights. Entries equal to −∞ (masked) get weight 0. A row whose
    /// entries are all −∞ (nothing left to attend to) becomes a zero row, never NaN.
    /// Double and Float rows go through the vector kernel (`mha_f64_softmax_row`: the
    /// streamed pass's exponential, or the C library's `exp` for a row whose weights reach
    /// the subnormals), other scalars through `softmaxRow`.
    /// - Returns: the indices of the rows that were fully masked.
    @discardableResult
    public static func softmaxRows<S: AttentionScalar>(_ m: inout Matrix<S>) -> [Int] {
        softmaxRows(&m, rows: 0..<m.rows)
    }

    /// Whether every `row[t]·scale` is finite (the product rounded): the vector kernel
    /// (`mha_f64_scaled_finite`) for Double and Float, a loop for other scalars.
    static func scaledFinite<S: AttentionScalar>(_ row: UnsafeMutableBufferPointer<S>, scale: S) -> Bool {
        let level = KernelContext.current.level
        guard let base = row.baseAddress else { return true }
        if S.self == Double.self, let scale = scale as? Double {
            return Double.scaledFinite(
                level, row: UnsafePointer(base.rebound(to: Double.self)), count: row.count, scale: scale)
        }
        if S.self == Float.self, let scale = scale as? Float {
            return Float.scaledFinite(
                level, row: UnsafePointer(base.rebound(to: Float.self)), count: row.count, scale: scale)
        }
        return row.allSatisfy { ($0 * scale).isFinite }
    }

    /// `softmaxRows` of rows `rows` alone (indices of the fully masked ones from 0, as there).
    static func softmaxRows<S: AttentionScalar>(_ m: inout Matrix<S>, rows: Range<Int>) -> [Int] {
        precondition(rows.clamped(to: 0..<m.rows) == rows, "rows \(rows) of \(m.shape)")
        var fullyMasked: [Int] = []
        let columns = m.columns
        let level = KernelContext.current.level
        m.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for i in rows {
                let kept: Bool
                if S.self == Double.self {
                    kept = Double.softmaxRow(level, row: base.rebound(to: Double.self) + i * columns, count: columns)
                } else if S.self == Float.self {
                    kept = Float.softmaxRow(level, row: base.rebound(to: Float.self) + i * columns, count: columns)
                } else {
                    kept = softmaxRow(buffer, start: i * columns, count: columns)
                }
                if !kept { fullyMasked.append(i) }
            }
        }
        return fullyMasked
    }

    /// Softmax of one contiguous row in place; false when the row was fully masked.
    @inline(__always)
    static func softmaxRow<S: AttentionScalar>(
        _ buffer: UnsafeMutableBufferPointer<S>, start: Int, count: Int
    ) -> Bool {
        var rowMax = -S.infinity
        for j in start..<(start + count) { rowMax = Swift.max(rowMax, buffer[j]) }
        guard rowMax > -S.infinity else {
            for j in start..<(start + count) { buffer[j] = 0 }
            return false
        }
        var sum = S.zero
        for j in start..<(start + count) {
            let e = S.exponential(buffer[j] - rowMax)
            buffer[j] = e
            sum += e
        }
        let inverse = 1 / sum
        for j in start..<(start + count) { buffer[j] *= inverse }
        return true
    }
}
