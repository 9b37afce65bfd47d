import Testing

@testable import MHACore

/// The decode step's own kernels at their edges: the few-rows product (row counts up to and
/// past `fewRowsLimit`, depths and widths that are not multiples of its unrolling or of a
/// vector, column bands across threads) and the row-by-row attention (blocks up to and past
/// `rowByRowLimit`, head widths that are not multiples of eight, groups of heads).
@Suite struct DecodeKernelTests {
    /// The plain i-p-j loop, summing p = 0, 1, … in order as `fewRowsProduct` promises.
    static func naive(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        Matrix(rows: a.rows, columns: b.columns) { i, j in
            var sum = 0.0
            for p in 0..<a.columns { sum += a[i, p] * b[p, j] }
            return sum
        }
    }

    @Test func fewRowsProductSumsInOrderAtEveryEdge() {
        var generator = SplitMix64(seed: 11)
        for (m, k, n) in [(1, 1, 1), (1, 3, 7), (2, 5, 9), (4, 13, 70), (8, 4, 8), (9, 6, 3), (3, 0, 5)] {
            let a = Matrix<Double>.random(rows: m, columns: k, scale: 1, using: &generator)
            let b = Matrix<Double>.random(rows: k, columns: n, scale: 1, using: &generator)
            let product = Kernels.fewRowsProduct(a, b)
            #expect(product == Self.naive(a, b), "\(m)×\(k) · \(k)×\(n)")
        }
    }

    @Test func fewRowsProductBandsDoNotChangeTheBits() throws {
        var generator = SplitMix64(seed: 12)
        // 522 · 522 ≥ fewRowsParallelThreshold: column bands of 264 and 258 on two threads.
        let a = Matrix<Double>.random(rows: 3, columns: 522, scale: 1, using: &generator)
        let b = Matrix<Double>.random(rows: 522, columns: 522, scale: 0.1, using: &generator)
        #expect(522 * 522 >= Kernels.fewRowsParallelThreshold)
        let products = [1, 2].map { threads in
            KernelContext.$override.withValue(KernelContext(level: .selected, threads: threads)) {
                Kernels.fewRowsProduct(a, b)
            }
        }
        #expect(products[0] == products[1])
        #expect(products[0] == Self.naive(a, b))
    }

    /// Blocks of 1, 2, 4, 5, 8 and 9 rows in turn, so the first blocks take the row-by-row
    /// attention and the few-rows product, later ones the tiled kernel and the GEMM.
    static let blocks = [1, 2, 4, 5, 8, 9, 1, 3]

    func decodeInMixedBlocks(
        _ layer: AttentionCacheTests.Layer, level: CPULevel, threads: Int
    ) throws -> Matrix<Double> {
        try KernelContext.$override.withValue(KernelContext(level: level, threads: threads)) {
            var decoder = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
            var rows: [Matrix<Double>] = []
            var start = 0
            for block in Self.blocks where start < layer.x.rows {
                let end = min(start + block, layer.x.rows)
                rows.append(try decoder.append(layer.x.rowBlock(start..<end)).output)
                start = end
            }
            return AttentionCacheTests.stacked(rows)
        }
    }

    @Test func mixedBlocksEqualTheForwardPassAtEveryLevel() throws {
        // d_k = 10 (not a multiple of eight), d_model 30 (not a multiple of four), GQA 3:1.
        let variants: [(String, (inout AttentionConfiguration) -> Void)] = [
            ("plain", { _ in }),
            (
                "rope + alibi",
                {
                    $0.rope = RotaryEmbedding(convention: .interleaved)
                    $0.alibi = true
                }
            ),
            (
                "softcap + window 6",
                {
                    $0.softcap = 0.9
                    $0.window = 6
                }
            ),
        ]
        for (name, change) in variants {
            var layer = AttentionCacheTests.Layer(tokens: 33, modelDim: 30, heads: 3, kvHeads: 1, biases: true)
            change(&layer.rules)
            let reference = try layer.reference()
            for level in CPULevel.runnable {
                for threads in [1, 2] {
                    let rows = try decodeInMixedBlocks(layer, level: level, threads: threads)
                    expectClose(rows, reference, relativeTolerance: 1e-12, "\(name), \(level), \(threads) threads")
                }
            }
        }
    }

    @Test func aWideLayerInMixedBlocksEqualsTheForwardPass() throws {
        // d_model 522 = 9 heads of 58: the few-rows product runs in two column bands.
        let layer = AttentionCacheTests.Layer(tokens: 20, modelDim: 522, heads: 9, kvHeads: 3, biases: true)
        let rows = try decodeInMixedBlocks(layer, level: .selected, threads: 2)
        expectClose(rows, try layer.reference(), relativeTolerance: 1e-12)
    }

    @Test func groupsOfHeadsGiveTheSameBitsAsAllHeadsTogether() throws {
        let layer = AttentionCacheTests.Layer(tokens: 12, modelDim: 40, heads: 4, kvHeads: 2, biases: true)
        var decoder = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
        _ = try decoder.append(layer.x.rowBlock(0..<10))
        let shapes = decoder.shapes
        var generator = SplitMix64(seed: 3)
        let queries = Matrix<Double>.random(rows: 2, columns: shapes.queryDim, scale: 1, using: &generator)
        /// The concat of the two query rows, computed by `attend` on the block.
        func concat(_ attend: (HeadBlock<Double>) -> Void) -> Matrix<Double> {
            var out = Matrix<Double>(rows: 2, columns: shapes.concatDim)
            queries.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    _ = decoder.cache.withLiveRows { keys, values in
                        guard let q = q.baseAddress, let o = o.baseAddress else { return }
                        attend(
                            HeadBlock(
                                queries: q, keys: keys, values: values, output: o, shapes: shapes, blockRows: 2,
                                cached: 10, window: nil, softcap: nil, slopes: nil))
                    }
                }
            }
            return out
        }
        let together = concat { $0.attend(heads: 0..<4) }
        #expect(concat { block in [0..<1, 1..<3, 3..<4].forEach { block.attend(heads: $0) } } == together)
        // The tiled kernel, head by head, agrees to rounding.
        let tiled = concat { block in (0..<4).forEach { block.attend(head: $0) } }
        expectClose(together, tiled, relativeTolerance: 1e-12)
    }
}
