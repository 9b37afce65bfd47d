extension Kernels {
    /// Products below this many multiply-adds run on one thread: waking a second core costs
    /// more than it saves.
    static let parallelThreshold = 1 << 21

    /// C = A·op(B) by the packed, cache-blocked scheme of `plan`, on up to `threads` cores.
    /// Tall products share each packed B block: the cores pack it together, then each
    /// computes its own band of C's rows. Wide, short products (fewer rows than tiles per
    /// core) are cut into independent column bands instead. Every element of C is computed
    /// by the same operations whatever the split, so the result does not depend on `threads`.
    static func blockedGEMM<S: PackedScalar>(
        _ plan: GEMMPlan, threads: Int, m: Int, n: Int, k: Int,
        a: UnsafePointer<S>, lda: Int,
        b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<S>, ldc: Int, epilogue: BlockEpilogue<S>? = nil
    ) {
        let work = m.multipliedReportingOverflow(by: n).partialValue
            .multipliedReportingOverflow(by: k).partialValue
        let cores = work < parallelThreshold ? 1 : threads
        let rowBands = Swift.max(1, Swift.min(cores, m / plan.rowsPerTile))
        let columnBands = Swift.max(1, Swift.min(cores, n / plan.columnsPerTile))
        if rowBands >= columnBands {
            sharedPanelGEMM(
                plan, bands: rowBands, m: m, n: n, k: k, a: a, lda: lda,
                b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc, epilogue: epilogue)
            return
        }
        let bandSize = roundUp((n + columnBands - 1) / columnBands, to: plan.columnsPerTile)
        parallelFor(columnBands) { index in
            let start = index * bandSize
            let size = Swift.min(bandSize, n - start)
            guard size > 0 else { return }
            let bBand = transposeB ? b + start * ldb : b + start
            sharedPanelGEMM(
                plan, bands: 1, m: m, n: size, k: k, a: a, lda: lda,
                b: bBand, ldb: ldb, transposeB: transposeB,
                c: c + start, ldc: ldc, epilogue: epilogue?.columns(from: start, band: index))
        }
    }

    /// The packed product on `bands` threads: loops n_c → k_c; per block, the threads pack
    /// the B block's NR panels together, then each packs and multiplies its own row band
    /// of A in m_c blocks. `bands == 1` runs on the calling thread. After a block's last
    /// depth step the `epilogue` runs on it while it is in cache.
    static func sharedPanelGEMM<S: PackedScalar>(
        _ plan: GEMMPlan, bands: Int, m: Int, n: Int, k: Int,
        a: UnsafePointer<S>, lda: Int,
        b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<S>, ldc: Int, epilogue: BlockEpilogue<S>? = nil
    ) {
        let (mr, nr) = (plan.rowsPerTile, plan.columnsPerTile)
        let mc = Swift.min(plan.rowBlock, roundUp(m, to: mr))
        let nc = Swift.min(plan.columnBlock, roundUp(n, to: nr))
        let kc = plan.depthBlock(depth: k)
        let bandRows = roundUp((m + bands - 1) / bands, to: mr)
        let packedB = PackingBuffer<S>(count: kc * nc)
        let packedA = (0..<bands).map { _ in PackingBuffer<S>(count: mc * kc) }
        defer {
            packedB.free()
            packedA.forEach { $0.free() }
        }
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
                    packB(
                        transposeB ? bBlock + first * ldb : bBlock + first, ldb: ldb,
                        transposed: transposeB, depth: depth, columns: columns, nr: nr,
                        into: packedB.base + first * depth)
                }
                parallelFor(bands) { band in
                    let bandEnd = Swift.min(m, (band + 1) * bandRows)
                    for ic in stride(from: band * bandRows, to: bandEnd, by: mc) {
                        let height = Swift.min(mc, bandEnd - ic)
                        packA(
                            a + ic * lda + pc, lda: lda, rows: height, depth: depth, mr: mr,
                            into: packedA[band].base)
                        S.multiplyBlock(
                            plan.level, height: height, width: width, depth: depth,
                            a: packedA[band].base, b: packedB.base,
                            c: c + ic * ldc + jc, ldc: ldc, accumulate: pc > 0)
                        if pc + depth == k {
                            epilogue?.apply(
                                c + ic * ldc + jc, ldc: ldc, rows: height, columns: width, firstColumn: jc,
                                band: band)
                        }
                    }
                }
            }
        }
    }

    /// The smallest multiple of `unit` that is ≥ `value`.
    @inline(__always)
    static func roundUp(_ value: Int, to unit: Int) -> Int { (value + unit - 1) / unit * unit }
}
