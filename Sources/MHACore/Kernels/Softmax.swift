extension Kernels {
    /// Replaces each row x of `m` by softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
    ///
    /// Subtracting the row maximum keeps every exponent ≤ 0, so scores of any finite
    /// magnitude give finite weights. Entries equal to −∞ (masked) get weight 0. A row whose
    /// entries are all −∞ (nothing left to attend to) becomes a zero row, never NaN.
    /// - Returns: the indices of the rows that were fully masked.
    @discardableResult
    public static func softmaxRows<S: AttentionScalar>(_ m: inout Matrix<S>) -> [Int] {
        var fullyMasked: [Int] = []
        let (rows, columns) = (m.rows, m.columns)
        m.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<rows where !softmaxRow(buffer, start: i * columns, count: columns) {
                fullyMasked.append(i)
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
