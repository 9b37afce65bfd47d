extension Kernels {
    /// Keys per tile in `tiledAttention` (a multiple of every tile's NR and vector width).
    static let keyTileSize = 128

    /// Query row tiles of `tiledAttention`, in register tiles (MR rows each).
    static let queryTileHeight = 8

    /// `streamingAttention` for Double or Float, fused in tiles (the flash-attention scheme).
    ///
    /// K (transposed) and V are packed once into micro-kernel panels. Then for each tile of
    /// Br = 8·MR query rows: S = Q_tile·K_tileᵀ by the GEMM micro-kernel into a Br × 128
    /// buffer; the online softmax (`updateOnlineSoftmax`) turns S into unnormalised
    /// weights P = exp(S·scale − m) while keeping each row's running maximum m and sum ℓ and
    /// rescaling the output row when m grows; O += P·V_tile by the micro-kernel; finally
    /// O /= ℓ. With `causal`, key tiles entirely after the query tile's last position are
    /// never computed, so a causal pass does about half the work.
    /// - Complexity: O(queries · keys · d) time, O(keys · d + Br · 128) extra memory.
    static func tiledAttention<T: AttentionTile>(
        _ tile: T.Type,
        queries: UnsafePointer<T.Scalar>, queryStride: Int, queryCount: Int, firstQuery: Int,
        keys: UnsafePointer<T.Scalar>, keyStride: Int,
        values: UnsafePointer<T.Scalar>, valueStride: Int, keyCount: Int,
        headDim d: Int, scale: T.Scalar, causal: Bool,
        mask: UnsafePointer<Bool>?, maskStride: Int,
        output: UnsafeMutablePointer<T.Scalar>, outputStride: Int
    ) -> [Int] {
        let (mr, nr, bc) = (T.rowsPerTile, T.columnsPerTile, keyTileSize)
        let br = queryTileHeight * mr
        let keyTiles = (keyCount + bc - 1) / bc
        let valueTileSize = bc * roundUp(d, to: nr)
        let packedKeys = PackingBuffer<T.Scalar>(count: roundUp(keyCount, to: nr) * d)
        let packedValues = PackingBuffer<T.Scalar>(count: keyTiles * valueTileSize)
        let packedQueries = PackingBuffer<T.Scalar>(count: br * d)
        let packedWeights = PackingBuffer<T.Scalar>(count: br * bc)
        let scores = PackingBuffer<T.Scalar>(count: br * bc)
        let state = OnlineSoftmaxState<T.Scalar>(rows: br)
        defer {
            [packedKeys, packedValues, packedQueries, packedWeights, scores].forEach { $0.free() }
            state.free()
        }
        packB(keys, ldb: keyStride, transposed: true, depth: d, columns: keyCount, nr: nr,
              into: packedKeys.base)
        for index in 0..<keyTiles {
            let first = index * bc
            packB(values + first * valueStride, ldb: valueStride, transposed: false,
                  depth: Swift.min(bc, keyCount - first), columns: d, nr: nr,
                  into: packedValues.base + index * valueTileSize)
        }
        var fullyMasked: [Int] = []
        for q0 in stride(from: 0, to: queryCount, by: br) {
            let rows = Swift.min(br, queryCount - q0)
            let out = output + q0 * outputStride
            for r in 0..<rows { (out + r * outputStride).update(repeating: 0, count: d) }
            state.reset(rows: rows)
            packA(queries + q0 * queryStride, lda: queryStride, rows: rows, depth: d, mr: mr,
                  into: packedQueries.base)
            let lastPosition = firstQuery + q0 + rows - 1
            for index in 0..<keyTiles {
                let first = index * bc
                if causal && first > lastPosition { break }
                let width = Swift.min(bc, keyCount - first)
                multiplyPackedBlock(tile, height: rows, width: width, depth: d,
                                    a: packedQueries.base, b: packedKeys.base + first * d,
                                    c: scores.base, ldc: bc, accumulate: false)
                let block = ScoreBlock(scores: scores.base, stride: bc, rows: rows, width: width,
                                       firstKey: first, firstPosition: firstQuery + q0)
                updateOnlineSoftmax(tile, block, scale: scale, causal: causal, mask: mask,
                                    maskStride: maskStride, state: state,
                                    output: out, outputStride: outputStride, headDim: d)
                packA(scores.base, lda: bc, rows: rows, depth: width, mr: mr,
                      into: packedWeights.base)
                multiplyPackedBlock(tile, height: rows, width: d, depth: width,
                                    a: packedWeights.base,
                                    b: packedValues.base + index * valueTileSize,
                                    c: out, ldc: outputStride, accumulate: true)
            }
            fullyMasked += state.normalise(rows: rows, output: out, outputStride: outputStride,
                                           headDim: d).map { firstQuery + q0 + $0 }
        }
        return fullyMasked
    }
}
