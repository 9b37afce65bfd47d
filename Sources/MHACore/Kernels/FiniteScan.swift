import CMHAKernels

extension Kernels {
    /// Elements per core below which a finite scan stays on one thread.
    static let parallelScanThreshold = 1 << 16

    /// The index of the first NaN or ±∞ in `values`, nil when all are finite.
    ///
    /// Double and Float scan their bits in the C kernel (vectorised, in blocks with an early
    /// exit); a large buffer is cut into one band per core and the first band with a
    /// non-finite value gives the index, so the answer does not depend on the split.
    static func firstNonFinite<S: AttentionScalar>(
        _ values: UnsafeBufferPointer<S>, threads: Int = KernelContext.current.threads
    ) -> Int? {
        guard let base = values.baseAddress, !values.isEmpty else { return nil }
        let cores = Swift.max(1, Swift.min(threads, values.count / parallelScanThreshold))
        if cores == 1 { return firstNonFinite(base, count: values.count) }
        let band = (values.count + cores - 1) / cores
        var found = [Int?](repeating: nil, count: cores)
        found.withUnsafeMutableBufferPointer { slots in
            parallelFor(cores, threads: cores) { index in
                let start = index * band
                let count = Swift.min(band, values.count - start)
                slots[index] = count > 0 ? firstNonFinite(base + start, count: count).map { start + $0 } : nil
            }
        }
        return found.lazy.compactMap { $0 }.first
    }

    /// One band's scan: the C kernel for Double and Float, `isFinite` for other scalars.
    static func firstNonFinite<S: AttentionScalar>(_ base: UnsafePointer<S>, count: Int) -> Int? {
        let index: Int
        if S.self == Double.self {
            index = mha_f64_first_nonfinite(base.rebound(to: Double.self), count)
        } else if S.self == Float.self {
            index = mha_f32_first_nonfinite(base.rebound(to: Float.self), count)
        } else {
            return UnsafeBufferPointer(start: base, count: count).firstIndex { !$0.isFinite }
        }
        return index < 0 ? nil : index
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
}
