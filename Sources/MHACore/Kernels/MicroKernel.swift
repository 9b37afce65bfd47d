extension Kernels {
    /// c + a·b, fused (one rounding) in builds that have FMA, separate otherwise: a portable
    /// build must not turn the fused form into a library call per lane.
    @inline(__always)
    static func multiplyAdd<R: SIMD>(_ c: R, _ a: R.Scalar, _ b: R) -> R
    where R.Scalar: AttentionScalar {
        #if MHA_FMA
        return c.addingProduct(a, b)
        #else
        return c + a * b
        #endif
    }

    /// C[0..<rows, 0..<columns] (+)= Ã·B̃ for one 8 × NR register tile, NR = 2·`R.scalarCount`
    /// (each tile row is two vectors `R`, so 16 accumulators stay in registers).
    ///
    /// `a` is a packed A panel (8 values per depth step), `b` a packed B panel (NR values per
    /// depth step). With `accumulate` the tile is added to C, otherwise it replaces it.
    /// - Complexity: 2·8·NR·depth flops.
    @inline(__always)
    static func microKernel8<R: SIMD>(
        _ half: R.Type, depth: Int, a: UnsafePointer<R.Scalar>, b: UnsafePointer<R.Scalar>,
        c: UnsafeMutablePointer<R.Scalar>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
    ) where R.Scalar: AttentionScalar {
        var (c0a, c0b) = (R(), R())
        var (c1a, c1b) = (R(), R())
        var (c2a, c2b) = (R(), R())
        var (c3a, c3b) = (R(), R())
        var (c4a, c4b) = (R(), R())
        var (c5a, c5b) = (R(), R())
        var (c6a, c6b) = (R(), R())
        var (c7a, c7b) = (R(), R())
        var ap = a
        var bp = UnsafeRawPointer(b)
        let halfBytes = MemoryLayout<R>.stride
        for _ in 0..<depth {
            let b0 = bp.loadUnaligned(as: R.self)
            let b1 = bp.loadUnaligned(fromByteOffset: halfBytes, as: R.self)
            c0a = multiplyAdd(c0a, ap[0], b0)
            c0b = multiplyAdd(c0b, ap[0], b1)
            c1a = multiplyAdd(c1a, ap[1], b0)
            c1b = multiplyAdd(c1b, ap[1], b1)
            c2a = multiplyAdd(c2a, ap[2], b0)
            c2b = multiplyAdd(c2b, ap[2], b1)
            c3a = multiplyAdd(c3a, ap[3], b0)
            c3b = multiplyAdd(c3b, ap[3], b1)
            c4a = multiplyAdd(c4a, ap[4], b0)
            c4b = multiplyAdd(c4b, ap[4], b1)
            c5a = multiplyAdd(c5a, ap[5], b0)
            c5b = multiplyAdd(c5b, ap[5], b1)
            c6a = multiplyAdd(c6a, ap[6], b0)
            c6b = multiplyAdd(c6b, ap[6], b1)
            c7a = multiplyAdd(c7a, ap[7], b0)
            c7b = multiplyAdd(c7b, ap[7], b1)
            ap += 8
            bp += 2 * halfBytes
        }
        storeRow(c0a, c0b, to: c, columns: columns, accumulate: accumulate)
        if rows > 1 { storeRow(c1a, c1b, to: c + ldc, columns: columns, accumulate: accumulate) }
        if rows > 2 { storeRow(c2a, c2b, to: c + 2 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 3 { storeRow(c3a, c3b, to: c + 3 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 4 { storeRow(c4a, c4b, to: c + 4 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 5 { storeRow(c5a, c5b, to: c + 5 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 6 { storeRow(c6a, c6b, to: c + 6 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 7 { storeRow(c7a, c7b, to: c + 7 * ldc, columns: columns, accumulate: accumulate) }
    }

    /// The 12 × NR variant of `microKernel8` (24 accumulators), for AVX-512's 32 registers.
    @inline(__always)
    static func microKernel12<R: SIMD>(
        _ half: R.Type, depth: Int, a: UnsafePointer<R.Scalar>, b: UnsafePointer<R.Scalar>,
        c: UnsafeMutablePointer<R.Scalar>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
    ) where R.Scalar: AttentionScalar {
        var (c0a, c0b) = (R(), R())
        var (c1a, c1b) = (R(), R())
        var (c2a, c2b) = (R(), R())
        var (c3a, c3b) = (R(), R())
        var (c4a, c4b) = (R(), R())
        var (c5a, c5b) = (R(), R())
        var (c6a, c6b) = (R(), R())
        var (c7a, c7b) = (R(), R())
        var (c8a, c8b) = (R(), R())
        var (c9a, c9b) = (R(), R())
        var (c10a, c10b) = (R(), R())
        var (c11a, c11b) = (R(), R())
        var ap = a
        var bp = UnsafeRawPointer(b)
        let halfBytes = MemoryLayout<R>.stride
        for _ in 0..<depth {
            let b0 = bp.loadUnaligned(as: R.self)
            let b1 = bp.loadUnaligned(fromByteOffset: halfBytes, as: R.self)
            c0a = multiplyAdd(c0a, ap[0], b0)
            c0b = multiplyAdd(c0b, ap[0], b1)
            c1a = multiplyAdd(c1a, ap[1], b0)
            c1b = multiplyAdd(c1b, ap[1], b1)
            c2a = multiplyAdd(c2a, ap[2], b0)
            c2b = multiplyAdd(c2b, ap[2], b1)
            c3a = multiplyAdd(c3a, ap[3], b0)
            c3b = multiplyAdd(c3b, ap[3], b1)
            c4a = multiplyAdd(c4a, ap[4], b0)
            c4b = multiplyAdd(c4b, ap[4], b1)
            c5a = multiplyAdd(c5a, ap[5], b0)
            c5b = multiplyAdd(c5b, ap[5], b1)
            c6a = multiplyAdd(c6a, ap[6], b0)
            c6b = multiplyAdd(c6b, ap[6], b1)
            c7a = multiplyAdd(c7a, ap[7], b0)
            c7b = multiplyAdd(c7b, ap[7], b1)
            c8a = multiplyAdd(c8a, ap[8], b0)
            c8b = multiplyAdd(c8b, ap[8], b1)
            c9a = multiplyAdd(c9a, ap[9], b0)
            c9b = multiplyAdd(c9b, ap[9], b1)
            c10a = multiplyAdd(c10a, ap[10], b0)
            c10b = multiplyAdd(c10b, ap[10], b1)
            c11a = multiplyAdd(c11a, ap[11], b0)
            c11b = multiplyAdd(c11b, ap[11], b1)
            ap += 12
            bp += 2 * halfBytes
        }
        storeRow(c0a, c0b, to: c, columns: columns, accumulate: accumulate)
        if rows > 1 { storeRow(c1a, c1b, to: c + ldc, columns: columns, accumulate: accumulate) }
        if rows > 2 { storeRow(c2a, c2b, to: c + 2 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 3 { storeRow(c3a, c3b, to: c + 3 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 4 { storeRow(c4a, c4b, to: c + 4 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 5 { storeRow(c5a, c5b, to: c + 5 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 6 { storeRow(c6a, c6b, to: c + 6 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 7 { storeRow(c7a, c7b, to: c + 7 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 8 { storeRow(c8a, c8b, to: c + 8 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 9 { storeRow(c9a, c9b, to: c + 9 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 10 { storeRow(c10a, c10b, to: c + 10 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 11 { storeRow(c11a, c11b, to: c + 11 * ldc, columns: columns, accumulate: accumulate) }
    }

    /// The 4 × NR variant of `microKernel8`, for targets with fewer vector registers.
    @inline(__always)
    static func microKernel4<R: SIMD>(
        _ half: R.Type, depth: Int, a: UnsafePointer<R.Scalar>, b: UnsafePointer<R.Scalar>,
        c: UnsafeMutablePointer<R.Scalar>, ldc: Int, rows: Int, columns: Int, accumulate: Bool
    ) where R.Scalar: AttentionScalar {
        var (c0a, c0b) = (R(), R())
        var (c1a, c1b) = (R(), R())
        var (c2a, c2b) = (R(), R())
        var (c3a, c3b) = (R(), R())
        var ap = a
        var bp = UnsafeRawPointer(b)
        let halfBytes = MemoryLayout<R>.stride
        for _ in 0..<depth {
            let b0 = bp.loadUnaligned(as: R.self)
            let b1 = bp.loadUnaligned(fromByteOffset: halfBytes, as: R.self)
            c0a = multiplyAdd(c0a, ap[0], b0)
            c0b = multiplyAdd(c0b, ap[0], b1)
            c1a = multiplyAdd(c1a, ap[1], b0)
            c1b = multiplyAdd(c1b, ap[1], b1)
            c2a = multiplyAdd(c2a, ap[2], b0)
            c2b = multiplyAdd(c2b, ap[2], b1)
            c3a = multiplyAdd(c3a, ap[3], b0)
            c3b = multiplyAdd(c3b, ap[3], b1)
            ap += 4
            bp += 2 * halfBytes
        }
        storeRow(c0a, c0b, to: c, columns: columns, accumulate: accumulate)
        if rows > 1 { storeRow(c1a, c1b, to: c + ldc, columns: columns, accumulate: accumulate) }
        if rows > 2 { storeRow(c2a, c2b, to: c + 2 * ldc, columns: columns, accumulate: accumulate) }
        if rows > 3 { storeRow(c3a, c3b, to: c + 3 * ldc, columns: columns, accumulate: accumulate) }
    }

    /// Writes (or adds) the first `columns` lanes of one tile row (`left` then `right`) to C.
    @inline(__always)
    static func storeRow<R: SIMD>(
        _ left: R, _ right: R, to c: UnsafeMutablePointer<R.Scalar>, columns: Int,
        accumulate: Bool
    ) where R.Scalar: AttentionScalar {
        let half = R.scalarCount
        if columns == 2 * half {
            let raw = UnsafeMutableRawPointer(c)
            let offset = MemoryLayout<R>.stride
            let sumLeft = accumulate ? raw.loadUnaligned(as: R.self) + left : left
            let sumRight = accumulate
                ? raw.loadUnaligned(fromByteOffset: offset, as: R.self) + right : right
            raw.storeBytes(of: sumLeft, as: R.self)
            raw.storeBytes(of: sumRight, toByteOffset: offset, as: R.self)
        } else {
            for j in 0..<Swift.min(columns, half) {
                c[j] = accumulate ? c[j] + left[j] : left[j]
            }
            for j in half..<Swift.max(half, columns) {
                c[j] = accumulate ? c[j] + right[j - half] : right[j - half]
            }
        }
    }
}
