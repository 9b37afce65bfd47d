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
                plan, bands: rowBands, packingWholeB: work <= wholePackingWork, m: m, n: n, k: k, a: a, lda: lda,
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
    /// depth step the `epilogue` runs on it while it is in cache. `packingWholeB`
    /// (a small product, `wholePackingWork`) packs all of B first and then each thread runs
    /// every block on its band: two rendezvous per product instead of two per block.
    static func sharedPanelGEMM<S: PackedScalar>(
        _ plan: GEMMPlan, bands: Int, packingWholeB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<S>, lda: Int,
        b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<S>, ldc: Int, epilogue: BlockEpilogue<S>? = nil
    ) {
        let blocks = PackedBlocks(plan, m: m, n: n, k: k, bands: bands)
        let wholeB = bands > 1 && packingWholeB
        let packedB = PackingBuffer<S>(count: wholeB ? blocks.wholeCount : blocks.depth * blocks.width)
        let packedA = (0..<bands).map { _ in PackingBuffer<S>(count: blocks.height * blocks.depth) }
        defer {
            packedB.free()
            packedA.forEach { $0.free() }
        }
        let operands = GEMMOperands(
            a: a, lda: lda, b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc, epilogue: epilogue)
        if wholeB {
            parallelFor(bands) { band in
                for block in blocks.all { operands.packB(blocks, block, band: band, bands: bands, into: packedB.base) }
            }
            parallelFor(bands) { band in
                for block in blocks.all {
                    operands.multiply(
                        plan, blocks, block, band: band, packedA: packedA[band].base, packedB: packedB.base)
                }
            }
            return
        }
        for block in blocks.all {
            let local = block.at(offset: 0)
            parallelFor(bands) { band in operands.packB(blocks, local, band: band, bands: bands, into: packedB.base) }
            parallelFor(bands) { band in
                operands.multiply(plan, blocks, local, band: band, packedA: packedA[band].base, packedB: packedB.base)
            }
        }
    }

    /// Most multiply-adds for which `sharedPanelGEMM` packs B whole (512³). There a block's
    /// share per core takes about half a millisecond, so two thread rendezvous per block
    /// cost several per cent: the Double and Float (512, 512, 8) forward ran 0.91 and 0.97
    /// of the time on Zen 4. At 2048 × 1024 × 1024 the per-block rendezvous cost less than
    /// packing each block just before it is used saves (whole: 1.03–1.11 of the time).
    static let wholePackingWork = 1 << 27

    /// The smallest multiple of `unit` that is ≥ `value`.
    @inline(__always)
    static func roundUp(_ value: Int, to unit: Int) -> Int { (value + unit - 1) / unit * unit }
}
