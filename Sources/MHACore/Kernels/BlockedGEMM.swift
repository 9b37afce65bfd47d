import Foundation

extension Kernels {
    /// Products below this many multiply-adds run on one thread: waking a second core costs
    /// more than it saves.
    static let parallelThreshold = 1 << 21

    /// C = A·op(B) by the packed, cache-blocked scheme with tile shape `T`, on up to all
    /// active cores. Tall products share each packed B block: the cores pack it together,
    /// then each computes its own band of C's rows. Wide, short products (fewer rows than
    /// tiles per core) are cut into independent column bands instead.
    static func blockedGEMM<T: GEMMTile>(
        _ tile: T.Type, m: Int, n: Int, k: Int,
        a: UnsafePointer<T.Scalar>, lda: Int,
        b: UnsafePointer<T.Scalar>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<T.Scalar>, ldc: Int
    ) {
        let work = m.multipliedReportingOverflow(by: n).partialValue
            .multipliedReportingOverflow(by: k).partialValue
        let cores = work < parallelThreshold ? 1 : ProcessInfo.processInfo.activeProcessorCount
        let rowBands = Swift.max(1, Swift.min(cores, m / T.rowsPerTile))
        let columnBands = Swift.max(1, Swift.min(cores, n / T.columnsPerTile))
        if rowBands >= columnBands {
            sharedPanelGEMM(tile, bands: rowBands, m: m, n: n, k: k, a: a, lda: lda,
                            b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc)
            return
        }
        let bandSize = roundUp((n + columnBands - 1) / columnBands, to: T.columnsPerTile)
        parallelFor(columnBands) { index in
            let start = index * bandSize
            let size = Swift.min(bandSize, n - start)
            guard size > 0 else { return }
            let bBand = transposeB ? b + start * ldb : b + start
            sharedPanelGEMM(tile, bands: 1, m: m, n: size, k: k, a: a, lda: lda,
                            b: bBand, ldb: ldb, transposeB: transposeB,
                            c: c + start, ldc: ldc)
        }
    }

    /// The packed product on `bands` threads: loops n_c → k_c; per block, the threads pack
    /// the B block's NR panels together, then each packs and multiplies its own row band
    /// of A in m_c blocks. `bands == 1` runs on the calling thread without Dispatch.
    static func sharedPanelGEMM<T: GEMMTile>(
        _ tile: T.Type, bands: Int, m: Int, n: Int, k: Int,
        a: UnsafePointer<T.Scalar>, lda: Int,
        b: UnsafePointer<T.Scalar>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<T.Scalar>, ldc: Int
    ) {
        let (mr, nr) = (T.rowsPerTile, T.columnsPerTile)
        let mc = Swift.min(T.rowBlock, roundUp(m, to: mr))
        let nc = Swift.min(T.columnBlock, roundUp(n, to: nr))
        let kc = Swift.min(T.depthBlock, k)
        let bandRows = roundUp((m + bands - 1) / bands, to: mr)
        let packedB = PackingBuffer<T.Scalar>(count: kc * nc)
        let packedA = (0..<bands).map { _ in PackingBuffer<T.Scalar>(count: mc * kc) }
        defer { packedB.free(); packedA.forEach { $0.free() } }
        for jc in stride(from: 0, to: n, by: nc) {
            let width = Swift.min(nc, n - jc)
            let panelsPerBand = (width + nr - 1) / nr / bands + 1
            for pc in stride(from: 0, to: k, by: kc) {
                let depth = Swift.min(kc, k - pc)
                let bBlock = transposeB ? b + jc * ldb + pc : b + pc * ldb + jc
                parallelFor(bands) { band in
                    let first = band * panelsPerBand * nr
                    let columns = Swift.min(panelsPerBand * nr, width - first)
                    guard columns > 0 else { return }
                    packB(transposeB ? bBlock + first * ldb : bBlock + first, ldb: ldb,
                          transposed: transposeB, depth: depth, columns: columns, nr: nr,
                          into: packedB.base + first * depth)
                }
                parallelFor(bands) { band in
                    let bandEnd = Swift.min(m, (band + 1) * bandRows)
                    for ic in stride(from: band * bandRows, to: bandEnd, by: mc) {
                        let height = Swift.min(mc, bandEnd - ic)
                        packA(a + ic * lda + pc, lda: lda, rows: height, depth: depth, mr: mr,
                              into: packedA[band].base)
                        multiplyPackedBlock(tile, height: height, width: width, depth: depth,
                                            a: packedA[band].base, b: packedB.base,
                                            c: c + ic * ldc + jc, ldc: ldc, accumulate: pc > 0)
                    }
                }
            }
        }
    }

    /// The smallest multiple of `unit` that is ≥ `value`.
    @inline(__always)
    static func roundUp(_ value: Int, to unit: Int) -> Int { (value + unit - 1) / unit * unit }

    /// Runs the micro-kernel over every MR × NR tile of one packed block pair.
    @inline(__always)
    static func multiplyPackedBlock<T: GEMMTile>(
        _ tile: T.Type, height: Int, width: Int, depth: Int,
        a: UnsafePointer<T.Scalar>, b: UnsafePointer<T.Scalar>,
        c: UnsafeMutablePointer<T.Scalar>, ldc: Int, accumulate: Bool
    ) {
        let (mr, nr) = (T.rowsPerTile, T.columnsPerTile)
        for jr in stride(from: 0, to: width, by: nr) {
            let bPanel = b + jr * depth
            let columns = Swift.min(nr, width - jr)
            for ir in stride(from: 0, to: height, by: mr) {
                let aPanel = a + ir * depth
                let rows = Swift.min(mr, height - ir)
                let cTile = c + ir * ldc + jr
                if mr == 12 {
                    microKernel12(T.Row.self, depth: depth, a: aPanel, b: bPanel, c: cTile,
                                  ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
                } else if mr == 8 {
                    microKernel8(T.Row.self, depth: depth, a: aPanel, b: bPanel, c: cTile,
                                 ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
                } else {
                    microKernel4(T.Row.self, depth: depth, a: aPanel, b: bPanel, c: cTile,
                                 ldc: ldc, rows: rows, columns: columns, accumulate: accumulate)
                }
            }
        }
    }
}

