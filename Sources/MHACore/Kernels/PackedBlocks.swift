/// The cache blocks of one packed product C = A·op(B): n_c × k_c blocks of B, each with its
/// place in a buffer holding B packed whole, and the rows of each thread's band.
struct PackedBlocks {
    /// One k_c × n_c block of B: its first column and depth, its size, and where it starts
    /// in the whole packed B (k-block after k-block, each n columns rounded up to NR).
    struct Block {
        var column: Int
        var width: Int
        var depthStart: Int
        var depth: Int
        var offset: Int

        /// The same block placed at `offset` (0: a buffer holding just this block).
        func at(offset: Int) -> Block {
            var moved = self
            moved.offset = offset
            return moved
        }
    }

    /// m_c, n_c and k_c for this product (each at most the product's own size).
    let height: Int
    let width: Int
    let depth: Int
    /// MR, NR.
    let rowsPerTile: Int
    let columnsPerTile: Int
    /// m, n and k.
    let m: Int
    let n: Int
    let k: Int
    /// Rows per thread band (a multiple of MR).
    let bandRows: Int
    /// Every block, n_c-major then k_c, the order of the blocked loop.
    let all: [Block]

    /// The blocks of an m × n × k product under `plan`, its rows cut into `bands` bands.
    init(_ plan: GEMMPlan, m: Int, n: Int, k: Int, bands: Int) {
        let (mr, nr) = (plan.rowsPerTile, plan.columnsPerTile)
        height = Swift.min(plan.rowBlock, Kernels.roundUp(m, to: mr))
        width = Swift.min(plan.columnBlock, Kernels.roundUp(n, to: nr))
        depth = plan.depthBlock(depth: k)
        (rowsPerTile, columnsPerTile) = (mr, nr)
        (self.m, self.n, self.k) = (m, n, k)
        bandRows = Kernels.roundUp((m + bands - 1) / bands, to: mr)
        let paddedColumns = Kernels.roundUp(n, to: nr)
        var blocks: [Block] = []
        for column in stride(from: 0, to: n, by: width) {
            for depthStart in stride(from: 0, to: k, by: depth) {
                let blockDepth = Swift.min(depth, k - depthStart)
                blocks.append(
                    Block(
                        column: column, width: Swift.min(width, n - column), depthStart: depthStart,
                        depth: blockDepth, offset: depthStart * paddedColumns + column * blockDepth))
            }
        }
        all = blocks
    }

    /// Elements of B packed whole: k × n with n rounded up to NR.
    var wholeCount: Int { k * Kernels.roundUp(n, to: columnsPerTile) }
}

/// The raw operands of one packed product, and its two steps on one block for one band.
struct GEMMOperands<S: PackedScalar> {
    let a: UnsafePointer<S>
    let lda: Int
    let b: UnsafePointer<S>
    let ldb: Int
    let transposeB: Bool
    let c: UnsafeMutablePointer<S>
    let ldc: Int
    let epilogue: BlockEpilogue<S>?

    /// Packs band `band`'s share (of `bands`) of the block's NR panels into `packed` at the
    /// block's offset.
    func packB(
        _ blocks: PackedBlocks, _ block: PackedBlocks.Block, band: Int, bands: Int, into packed: UnsafeMutablePointer<S>
    ) {
        let nr = blocks.columnsPerTile
        let panelsPerBand = (block.width + nr - 1) / nr / bands + 1
        let first = band * panelsPerBand * nr
        let columns = Swift.min(panelsPerBand * nr, block.width - first)
        guard columns > 0 else { return }
        let (jc, pc) = (block.column + first, block.depthStart)
        Kernels.packB(
            transposeB ? b + jc * ldb + pc : b + pc * ldb + jc, ldb: ldb,
            transposed: transposeB, depth: block.depth, columns: columns, nr: nr,
            into: packed + block.offset + first * block.depth)
    }

    /// Band `band`'s rows of C (+)= A·B over the block, A packed m_c rows at a time into
    /// `packedA`; after the block's last depth step the epilogue runs on it.
    func multiply(
        _ plan: GEMMPlan, _ blocks: PackedBlocks, _ block: PackedBlocks.Block, band: Int,
        packedA: UnsafeMutablePointer<S>, packedB: UnsafeMutablePointer<S>
    ) {
        let (jc, pc) = (block.column, block.depthStart)
        let bandEnd = Swift.min(blocks.m, (band + 1) * blocks.bandRows)
        for ic in stride(from: band * blocks.bandRows, to: bandEnd, by: blocks.height) {
            let height = Swift.min(blocks.height, bandEnd - ic)
            Kernels.packA(
                a + ic * lda + pc, lda: lda, rows: height, depth: block.depth, mr: blocks.rowsPerTile, into: packedA)
            S.multiplyBlock(
                plan.level, height: height, width: block.width, depth: block.depth,
                a: packedA, b: packedB + block.offset, c: c + ic * ldc + jc, ldc: ldc, accumulate: pc > 0)
            if pc + block.depth == blocks.k {
                epilogue?.apply(
                    c + ic * ldc + jc, ldc: ldc, rows: height, columns: block.width, firstColumn: jc, band: band)
            }
        }
    }
}
