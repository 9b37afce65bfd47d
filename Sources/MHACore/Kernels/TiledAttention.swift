extension Kernels {
    /// Keys per tile in `tiledAttention` (a multiple of every tile's NR and vector width).
    static let keyTileSize = 128

    /// Query row tiles of `tiledAttention`, in register tiles (MR rows each).
    static let queryTileHeight = 8

    /// Below this many query·key·d multiply-adds a head's query tiles run on one thread.
    static let parallelAttentionThreshold = 1 << 22

    /// `streamingAttention` for Double or Float, fused in tiles (the flash-attention scheme).
    ///
    /// K (transposed) and V are packed once into micro-kernel panels. Then for each tile of
    /// Br = 8·MR query rows (`attendQueryTile`): S = Q_tile·K_tileᵀ by the GEMM micro-kernel
    /// into a Br × 128 buffer; the online softmax (`updateOnlineSoftmax`) turns S into
    /// logits by the head's `ScoreRule` and then into unnormalised weights P = exp(logit − m)
    /// while keeping each row's running maximum m and sum ℓ and rescaling the output row when
    /// m grows; O += P·V_tile by the micro-kernel; finally O /= ℓ. Key tiles entirely outside
    /// the tile's visible range (after the last position with `causal`, before the first
    /// row's window) are never computed: a causal pass does about half the work, a window of
    /// W about n·W of the n² products. Query
    /// tiles are independent: a large head spreads them over the cores (when the caller
    /// already runs heads in parallel, Dispatch keeps the nested loop on the current thread).
    /// - Complexity: O(queries · keys · d) time, O(keys · d + Br · 128) extra memory per
    ///   thread.
    static func tiledAttention<S: PackedScalar>(
        _ context: KernelContext,
        queries: UnsafePointer<S>, queryStride: Int, queryCount: Int, firstPosition: Int,
        keys: UnsafePointer<S>, keyStride: Int,
        values: UnsafePointer<S>, valueStride: Int, keyCount: Int,
        headDim d: Int, valueDim dv: Int, rule: ScoreRule<S>,
        output: UnsafeMutablePointer<S>, outputStride: Int
    ) -> [Int] {
        let plan = GEMMPlan(S.self, level: context.level)
        let (nr, bc) = (plan.columnsPerTile, keyTileSize)
        let keyTiles = (keyCount + bc - 1) / bc
        let valueTileSize = bc * roundUp(dv, to: nr)
        let packedKeys = PackingBuffer<S>(count: roundUp(keyCount, to: nr) * d)
        let packedValues = PackingBuffer<S>(count: keyTiles * valueTileSize)
        defer {
            packedKeys.free()
            packedValues.free()
        }
        packB(
            keys, ldb: keyStride, transposed: true, depth: d, columns: keyCount, nr: nr,
            into: packedKeys.base)
        for index in 0..<keyTiles {
            let first = index * bc
            packB(
                values + first * valueStride, ldb: valueStride, transposed: false,
                depth: Swift.min(bc, keyCount - first), columns: dv, nr: nr,
                into: packedValues.base + index * valueTileSize)
        }
        let head = PackedHead(
            queries: queries, queryStride: queryStride, queryCount: queryCount,
            firstPosition: firstPosition, keys: packedKeys.base,
            values: packedValues.base, valueTileSize: valueTileSize,
            keyCount: keyCount, headDim: d, valueDim: dv, rule: rule,
            output: output, outputStride: outputStride)
        let br = queryTileHeight * plan.rowsPerTile
        let queryTiles = (queryCount + br - 1) / br
        let work = queryCount.multipliedReportingOverflow(by: keyCount * d)
        guard queryTiles > 1, context.threads > 1,
            work.overflow || work.partialValue >= parallelAttentionThreshold
        else {
            let scratch = QueryTileScratch<S>(rows: br, depth: d, keys: bc, valueDim: dv)
            defer { scratch.free() }
            return (0..<queryTiles).flatMap { attendQueryTile(plan, head, index: $0, scratch: scratch) }
        }
        // With a causal mask the last query tiles see the most keys: handing them out first
        // leaves the cheap ones to fill in at the end, so no core waits on one long tile.
        var fullyMasked = [[Int]](repeating: [], count: queryTiles)
        fullyMasked.withUnsafeMutableBufferPointer { slots in
            parallelFor(queryTiles, threads: context.threads) { turn in
                let index = rule.causal ? queryTiles - 1 - turn : turn
                let scratch = QueryTileScratch<S>(rows: br, depth: d, keys: bc, valueDim: dv)
                defer { scratch.free() }
                slots[index] = attendQueryTile(plan, head, index: index, scratch: scratch)
            }
        }
        return fullyMasked.flatMap { $0 }
    }

    /// One query tile (rows index·Br ..< (index+1)·Br) against every visible key tile.
    /// - Returns: the rows (of the whole call) in the tile that had nothing to attend to.
    static func attendQueryTile<S: PackedScalar>(
        _ plan: GEMMPlan, _ head: PackedHead<S>, index: Int, scratch: QueryTileScratch<S>
    ) -> [Int] {
        let (mr, bc, d, dv) = (plan.rowsPerTile, keyTileSize, head.headDim, head.valueDim)
        let br = queryTileHeight * mr
        let q0 = index * br
        let rows = Swift.min(br, head.queryCount - q0)
        // O accumulates in the scratch's contiguous rows (the concat's rows are kilobytes
        // apart: every one of them in the same few L1 sets) and reaches the output once,
        // normalised, after the last key tile, so the queries are read before it is written.
        let accumulator = scratch.accumulator.base
        accumulator.update(repeating: 0, count: rows * dv)
        scratch.state.reset(rows: rows)
        packA(
            head.queries + q0 * head.queryStride, lda: head.queryStride, rows: rows, depth: d,
            mr: mr, into: scratch.packedQueries.base)
        let firstRange = head.rule.visibleKeys(position: head.firstPosition + q0, keyCount: head.keyCount)
        let lastRange = head.rule.visibleKeys(position: head.firstPosition + q0 + rows - 1, keyCount: head.keyCount)
        for first in stride(from: firstRange.lowerBound / bc * bc, to: lastRange.upperBound, by: bc) {
            let width = Swift.min(bc, head.keyCount - first)
            S.multiplyBlock(
                plan.level, height: rows, width: width, depth: d,
                a: scratch.packedQueries.base, b: head.keys + first * d,
                c: scratch.scores.base, ldc: bc, accumulate: false)
            let block = ScoreBlock(
                scores: scratch.scores.base, stride: bc, rows: rows,
                width: width, firstKey: first,
                firstPosition: head.firstPosition + q0, firstRow: q0)
            updateOnlineSoftmax(
                plan.level, block, rule: head.rule, keyCount: head.keyCount,
                state: scratch.state, output: accumulator,
                outputStride: dv, headDim: dv)
            // P is in L1 already: the micro-kernel reads its rows in place (no packing).
            S.multiplyRows(
                plan.level, height: rows, width: dv, depth: width,
                a: scratch.scores.base, lda: bc,
                b: head.values + first / bc * head.valueTileSize,
                c: accumulator, ldc: dv, accumulate: true)
        }
        return scratch.state.normalise(
            rows: rows, accumulator: accumulator, accumulatorStride: dv,
            output: head.output + q0 * head.outputStride, outputStride: head.outputStride, headDim: dv
        ).map { q0 + $0 }
    }
}

/// One head's operands for `attendQueryTile`: the query rows, K and V already packed.
struct PackedHead<S: AttentionScalar> {
    /// Query row 0 of the head (row-major, `queryStride` apart), `queryCount` rows.
    var queries: UnsafePointer<S>
    var queryStride: Int
    var queryCount: Int
    /// Position (key coordinates) of query row 0.
    var firstPosition: Int
    /// Kᵀ in NR-key panels of depth d.
    var keys: UnsafeMutablePointer<S>
    /// V in 128-key tiles, each `valueTileSize` long, in NR-column panels.
    var values: UnsafeMutablePointer<S>
    var valueTileSize: Int
    /// n_k (keys), d_k and d_v.
    var keyCount: Int
    var headDim: Int
    var valueDim: Int
    /// How raw products become logits, as in `streamingAttention`.
    var rule: ScoreRule<S>
    /// Output row 0 (rows `outputStride` apart).
    var output: UnsafeMutablePointer<S>
    var outputStride: Int
}

/// The per-thread buffers of one query tile: packed queries, scores / weights, the output
/// accumulator and the online-softmax state.
struct QueryTileScratch<S: AttentionScalar> {
    /// Q_tile in MR-row panels.
    let packedQueries: PackingBuffer<S>
    /// Br × 128 scores, then weights, row-major; zero at first, so that the rows past a
    /// short tile, which the P·V micro-kernel reads and discards, hold numbers.
    let scores: PackingBuffer<S>
    /// O before normalisation, `rows` × d_v, contiguous.
    let accumulator: PackingBuffer<S>
    /// Running maximum and sum per row.
    let state: OnlineSoftmaxState<S>

    /// Buffers for tiles of `rows` queries, `depth` = d, `keys` keys and `valueDim` = d_v.
    init(rows: Int, depth: Int, keys: Int, valueDim: Int) {
        packedQueries = PackingBuffer(count: rows * depth)
        scores = PackingBuffer(count: rows * keys)
        scores.base.initialize(repeating: 0, count: rows * keys)
        accumulator = PackingBuffer(count: rows * valueDim)
        state = OnlineSoftmaxState(rows: rows)
    }

    /// Releases every buffer.
    func free() {
        [packedQueries, scores, accumulator].forEach { $0.free() }
        state.free()
    }
}
