extension Kernels {
    /// Whether every score of a row, times `scale`, is finite: x·scale·0 is 0 for a finite
    /// product and NaN for ±∞ or NaN, so one vector sum of those tells. A score that
    /// overflowed must not reach the softmax, where −∞ would read as a masked key and +∞
    /// as NaN weights. Two multiplies and an add per score, eight lanes at a time, beside
    /// the exponential they guard.
    @inline(__always)
    static func scoresAreFinite<S: PackedScalar>(row: UnsafePointer<S>, width: Int, scale: S) -> Bool {
        let raw = UnsafeRawPointer(row)
        let factor = SIMD8<S>(repeating: scale)
        var probe = SIMD8<S>()
        var t = 0
        while t + 8 <= width {
            probe += raw.loadUnaligned(fromByteOffset: t * MemoryLayout<S>.stride, as: SIMD8<S>.self) * factor * 0
            t += 8
        }
        var total = probe.sum()
        while t < width {
            total += row[t] * scale * 0
            t += 1
        }
        return total == 0
    }
}
