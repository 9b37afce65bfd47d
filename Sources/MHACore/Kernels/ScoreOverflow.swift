extension Kernels {
    /// Whether every score of a row, times `scale`, is finite: x·scale·0 is 0 for a finite
    /// product and NaN for ±∞ or NaN, so one vector sum of those tells. A score that
    /// overflowed must not reach the softmax, where −∞ would read as a masked key and +∞
    /// as NaN weights. One multiply-add per lane, beside the exponentials it guards.
    @inline(__always)
    static func scoresAreFinite<T: AttentionTile>(
        _ tile: T.Type, row: UnsafePointer<T.Scalar>, width: Int, scale: T.Scalar
    ) -> Bool {
        let lanes = T.Row.scalarCount
        let whole = width / lanes * lanes
        let raw = UnsafeRawPointer(row)
        let factor = T.Row(repeating: scale)
        var probe = T.Row()
        for offset in Swift.stride(from: 0, to: whole * MemoryLayout<T.Scalar>.stride,
                                   by: MemoryLayout<T.Row>.stride) {
            probe += raw.loadUnaligned(fromByteOffset: offset, as: T.Row.self) * factor * 0
        }
        var tail = probe.sum()
        for t in whole..<width { tail += row[t] * scale * 0 }
        return tail == 0
    }
}
