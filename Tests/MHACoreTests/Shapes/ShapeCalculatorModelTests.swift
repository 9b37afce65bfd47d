import Testing
@testable import MHACore

/// Dimension questions about the layers real models use (DESIGN §4): heads that are not
/// d_model/τ wide, values of another width, cross-attention and the KV cache.
@Suite struct ShapeCalculatorModelTests {
    /// Gemma-7B: d_model 3072, 16 heads of 256 (τ·d_k = 4096 ≠ 3072).
    @Test func headDimWiderThanModelOverHeads() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 3072, heads: 16, headDim: 256))
        #expect(r.hasCustomHeadDim && r.concatDim == 4096)
        #expect(r.tensor("wq")?.columns == .size(4096) && r.tensor("wq")?.rows == .size(3072))
        #expect(r.tensor("wo")?.rows == .size(4096) && r.tensor("wo")?.columns == .size(3072))
        #expect(r.tensor("output")?.columns == .size(3072))
        #expect(r.parameterCount("weights") == 4 * 3072 * 4096)
        #expect(r.parameterCount("biases") == 3 * 4096 + 3072)
        // Q, K, V and output projections 4·2·3072·4096 per token; scores and weights·V 2·2·4096.
        #expect(r.flopsPerToken == 8 * 3072 * 4096 && r.flopsPerTokenSquared == 4 * 4096)
    }

    @Test func valueDimChangesValuesHeadsConcatAndOutputProjection() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 64, heads: 4, valueDim: 8, kvHeads: 2))
        #expect(r.headDim == 16 && r.valueDim == 8 && r.concatDim == 32)
        #expect(r.tensor("wv")?.columns == .size(16) && r.tensor("wk")?.columns == .size(32))
        #expect(r.tensor("v_j")?.columns == .size(8) && r.tensor("head_j")?.columns == .size(8))
        #expect(r.tensor("wo")?.rows == .size(32))
        #expect(r.parameterCount("wo") == 32 * 64 && r.parameterCount("wv") == 64 * 16)
        // Q 2·64·64, output 2·32·64, K 2·64·32, V 2·64·16 per token; pairs 2·(64 + 32).
        #expect(r.flopsPerToken == 2 * 64 * 64 + 2 * 32 * 64 + 2 * 64 * 32 + 2 * 64 * 16)
        #expect(r.flopsPerTokenSquared == 2 * (64 + 32))
    }

    @Test func crossAttentionTakesKeysAndValuesFromTheMemory() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, seqLen: 3, memoryLen: 5, memoryDim: 6))
        #expect(r.memory == ShapeReport.Memory(length: 5, width: 6))
        #expect(r.tensor("memory")?.rows == .size(5) && r.tensor("memory")?.columns == .size(6))
        #expect(r.tensor("wk")?.rows == .size(6) && r.tensor("wk")?.columns == .size(8))
        #expect(r.tensor("k_j")?.rows == .size(5) && r.tensor("scores_j")?.columns == .size(5))
        #expect(r.tensor("scores_j")?.rows == .size(3) && r.tensor("output")?.rows == .size(3))
        #expect(r.parameterCount("wk") == 48 && r.parameterCount("wq") == 64)
        // Q and output 2·8·8 each per query; K and V 2·6·8 each per memory row; 2·(8+8) per pair.
        #expect(r.flops == 3 * (128 + 128) + 5 * (96 + 96) + 3 * 5 * 32)
    }

    @Test func unknownMemoryLengthStaysASymbol() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, seqLen: 3, memoryDim: 6))
        #expect(r.tensor("scores_j")?.columns == .symbol("n_k"))
        #expect(r.flops == nil && r.flopsDescription == "256·n + 192·n_k + 32·n·n_k")
    }

    /// Llama-2-7B: 32 layers, 32 heads of 128, f16 → 512 KiB per token.
    @Test func llamaKVCacheIs512KiBPerToken() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 4096, heads: 32, seqLen: 4096, layers: 32, cacheElement: .f16))
        #expect(r.kvCache == KVCacheSize(layers: 32, element: .f16, bytesPerToken: 512 * 1024, bytes: 512 * 1024 * 4096))
    }

    @Test func cacheCountsKeyAndValueWidthsAndGroupedHeads() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 4096, heads: 32, valueDim: 64, kvHeads: 8, layers: 2,
                                                     cacheElement: .bf16))
        #expect(r.kvCache?.bytesPerToken == 2 * 8 * (128 + 64) * 2 && r.kvCache?.bytes == nil)
        let defaults = try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, layers: 3))
        #expect(defaults.kvCache?.element == .f64 && defaults.kvCache?.bytesPerToken == 3 * 16 * 8)
        #expect(try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2)).kvCache == nil)
        let cross = try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, seqLen: 100, memoryLen: 5, cacheElement: .f32))
        #expect(cross.kvCache?.bytes == 5 * 16 * 4)
    }

    @Test func newDimensionsMustBePositiveAndFit() {
        #expect(throws: ShapeError.nonPositive(name: "value_dim", value: 0)) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, valueDim: 0))
        }
        #expect(throws: ShapeError.nonPositive(name: "memory_len", value: -1)) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, memoryLen: -1))
        }
        #expect(throws: ShapeError.nonPositive(name: "layers", value: 0)) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, layers: 0))
        }
        #expect(throws: ShapeError.self) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, seqLen: 1 << 40, layers: 1 << 40))
        }
        #expect(throws: ShapeError.self) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 1 << 31, heads: 1 << 20, headDim: 1 << 20))
        }
    }
}
