import Testing

@testable import MHACore

/// The forward pass's peak matrices as `MemoryEstimate` counts them, worked out by hand for
/// the sizes of docs/performance.md's peak-memory measurements.
@Suite struct MemoryEstimateTests {
    /// n tokens of d_model 1024, 16 heads of 64, on two threads.
    static func dimensions(tokens n: Int, projected: Bool = true) -> MemoryEstimate.Dimensions {
        MemoryEstimate.Dimensions(
            tokens: n, queryRows: n, modelDim: 1024, kvDim: 1024, concatDim: 1024, outputDim: 1024,
            heads: 16, projected: projected, threads: 2)
    }

    @Test("n = 65536: one 8192-row chunk of Q, K, V, the concat and two heads' packed K/V")
    func chunkedPeak() {
        let (n, d) = (65536, 1024)
        // Attention phase: Q chunk + K + V + concat + 2 threads × n_k × (64 + 64).
        let attention = 8192 * d + 3 * n * d + 2 * n * 128
        #expect(
            MemoryEstimate.bytes(Self.dimensions(tokens: n), keep: [], layout: .xw, scalarBytes: 8) == attention * 8)
        #expect(attention * 8 == 1_811_939_328)
        // Float halves every matrix; the chunk is counted in elements, so it is the same height.
        #expect(
            MemoryEstimate.bytes(Self.dimensions(tokens: n), keep: [], layout: .xw, scalarBytes: 4) == attention * 4)
    }

    @Test("kept Q (.qkv) and given Q (attend) are whole: no chunk")
    func wholeQueries() {
        let (n, d) = (65536, 1024)
        let whole = 4 * n * d + 2 * n * 128
        // With .qkv the output phase holds the concat, output, heads and the kept Q, K, V.
        #expect(
            MemoryEstimate.bytes(Self.dimensions(tokens: n), keep: [.qkv], layout: .xw, scalarBytes: 8) == 6 * n * d * 8
        )
        #expect(
            MemoryEstimate.bytes(Self.dimensions(tokens: n, projected: false), keep: [], layout: .xw, scalarBytes: 8)
                == whole * 8)
    }

    @Test("n = 2048: Q is one chunk; the attention phase is the larger")
    func smallPass() {
        let (n, d) = (2048, 1024)
        #expect(
            MemoryEstimate.bytes(Self.dimensions(tokens: n), keep: [], layout: .xw, scalarBytes: 8)
                == (4 * n * d + 2 * n * 128) * 8)
    }

    @Test("the engine gates a chunked pass by this estimate: refused just below it, run at it")
    func gate() throws {
        // n = 1000, d_model 64, 4 heads of 16, chunks of 100 rows, two threads: Q chunk,
        // K, V, concat, and per thread 1024 keys × (64 + 64) of packed K/V.
        let needed = (100 * 64 + 3 * 1000 * 64 + 2 * 1024 * 128) * 8
        #expect(needed == 3_684_352)
        var generator = SplitMix64(seed: 1)
        let x = Matrix<Double>.random(rows: 1000, columns: 64, scale: 1, using: &generator)
        let w = Matrix<Double>.random(rows: 64, columns: 64, scale: 0.1, using: &generator)
        let run = { (limit: Int) throws -> AttentionResult<Double> in
            try KernelContext.$override.withValue(KernelContext(level: .selected, threads: 2)) {
                try QueryChunks.$heightOverride.withValue(100) {
                    try MultiHeadAttention.forward(
                        input: x, parameters: .init(wq: w, wk: w, wv: w, wo: w),
                        configuration: .init(heads: 4, causal: true, memoryLimit: limit))
                }
            }
        }
        #expect(throws: AttentionError.insufficientMemory(needed: needed, available: needed - 1)) {
            try run(needed - 1)
        }
        #expect(try run(needed).output.rows == 1000)
    }
}
