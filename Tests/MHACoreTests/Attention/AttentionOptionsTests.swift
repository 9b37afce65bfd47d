import Foundation
import Testing

@testable import MHACore

/// The options of docs/attention-options.md by hand and by their errors: what a user sees when one is wrong, the
/// warning for an inverted mask, positions with n_q ≠ n_k, and the score stages kept.
@Suite struct AttentionOptionsTests {
    let x = Matrix<Double>(rows: 3, columns: 4) { i, j in Double(i * 4 + j) / 10 - 0.5 }
    let w = Matrix<Double>(rows: 4, columns: 4) { i, j in i == j ? 1 : 0.1 * Double(i - j) }

    func message(_ body: () throws(AttentionError) -> Void) -> (String, ErrorCategory)? {
        do {
            try body()
            return nil
        } catch {
            return (error.description, error.category)
        }
    }

    func run(
        _ c: AttentionConfiguration, mask: AttentionMask<Double>? = nil, memory: Matrix<Double>? = nil,
        wk: Matrix<Double>? = nil
    ) throws(AttentionError) -> AttentionResult<Double> {
        try MultiHeadAttention.forward(
            input: x, memory: memory,
            parameters: .init(wq: w, wk: wk ?? w, wv: wk ?? w, wo: w),
            mask: mask, configuration: c)
    }

    @Test func optionValuesAreUsageErrors() {
        let cases: [(AttentionConfiguration, String)] = [
            (
                .init(heads: 2, rope: RotaryEmbedding(dimensions: 1)),
                "rope dimensions 1 are invalid: they must be even, positive and at most d_k = 2"
            ),
            (
                .init(heads: 2, rope: RotaryEmbedding(dimensions: 4)),
                "rope dimensions 4 are invalid: they must be even, positive and at most d_k = 2"
            ),
            (
                .init(heads: 1, rope: RotaryEmbedding(base: 0)),
                "rope base 0.0 is invalid: it must be a positive finite number"
            ),
            (.init(heads: 1, window: 0), "window 0 is invalid: it must be a positive number of keys, at most 2^53"),
            (
                .init(heads: 1, window: .max),
                "window 9223372036854775807 is invalid: it must be a positive number of keys, at most 2^53"
            ),
            (
                .init(heads: 1, softcap: 0x1p-1030),
                "softcap \(0x1p-1030) is out of float64's range: C·tanh(s/C) needs C and 1/C to be finite, non-zero float64 numbers"
            ),
            (.init(heads: 1, softcap: 0), "softcap 0.0 is invalid: it must be a positive finite number"),
            (.init(heads: 1, softcap: -.infinity), "softcap -inf is invalid: it must be a positive finite number"),
            (.init(heads: 1, positionOffset: -1), "position offset -1 is invalid: it must be 0 or more"),
            (.init(heads: 1, headDim: 0), "head_dim must be a positive integer, got 0"),
        ]
        for (configuration, expected) in cases {
            let got = message { () throws(AttentionError) in _ = try run(configuration) }
            #expect(got?.0 == expected)
            #expect(got?.1 == .usage, "\(expected)")
        }
    }

    /// A soft-cap is checked in the working precision: 1e39 is +∞ and 1e-50 is 0 in float32
    /// (the cap was NaN, or silently dropped on one path), 1e-310's reciprocal is +∞ in float64.
    @Test func softcapsOutOfThePrecisionsRangeAreRefused() {
        let q = x.converted(to: Float.self)
        for cap in [1e39, 1e-50, 1e-40] {
            let got = message { () throws(AttentionError) in
                _ = try MultiHeadAttention.attend(
                    queries: q, keys: q, values: q, configuration: .init(heads: 1, softcap: cap))
            }
            #expect(got?.0.contains("is out of float32's range") == true, "\(cap): \(got?.0 ?? "accepted")")
            #expect(got?.1 == .usage)
        }
        // In range in float32, the cap acts as in float64.
        let single = try? MultiHeadAttention.attend(
            queries: q, keys: q, values: q, configuration: .init(heads: 1, softcap: 0.1))
        let double = try? MultiHeadAttention.attend(
            queries: x, keys: x, values: x, configuration: .init(heads: 1, softcap: 0.1))
        if let single, let double {
            #expect((single.concat.converted(to: Double.self).maxRelativeError(to: double.concat) ?? 1) < 1e-5)
        } else {
            Issue.record("a soft-cap of 0.1 was refused")
        }
    }

    /// Far from position 0 RoPE's angles carry absolute errors of about 2^-52 of themselves:
    /// said once the error passes 1e-9, never at the positions models use (128k tokens).
    @Test func distantPositionsWarnThatRoPELosesDigits() throws {
        let rope = RotaryEmbedding(convention: .half)
        func warnings(offset: Int) throws -> [AttentionWarning] {
            try MultiHeadAttention.attend(
                queries: x, keys: x, values: x, configuration: .init(heads: 1, positionOffset: offset, rope: rope)
            ).warnings
        }
        #expect(try warnings(offset: 131_072).isEmpty)
        let far = try warnings(offset: 1_000_000_000_000_000)
        guard case let .imprecisePositions(position, angle, error)? = far.first else {
            Issue.record("no warning at position 1e15: \(far)")
            return
        }
        #expect(position == 1_000_000_000_000_002 && angle == 1_000_000_000_000_002 && error > 0.1 && error < 0.3)
        #expect(far.first?.description.contains("lose digits") == true)
    }

    /// A finite additive bias that takes a finite score past float64's lowest is an overflow
    /// (65), on the streamed and the kept-weights paths alike; it used to read as a blocked key
    /// ("every key is masked", zero rows). Only −∞ blocks.
    @Test(arguments: [Intermediates(), .weights])
    func aBiasThatOverflowsTheScoreIsAnOverflowNotAMask(_ keep: Intermediates) throws {
        // One query row and forty, one key tile and several (the streamed path is tiled).
        for (rows, keys) in [(1, 2), (1, 300), (40, 300)] {
            let q = Matrix<Double>(rows: rows, columns: 2) { _, j in j == 0 ? 1e154 : 0 }
            let k = Matrix<Double>(rows: keys, columns: 2) { _, j in j == 0 ? -1e154 : 0 }
            let v = Matrix<Double>(rows: keys, columns: 2) { i, j in Double(i + j) }
            let bias = Matrix<Double>(rows: rows, columns: keys, repeating: -1.7e308)
            let got = message { () throws(AttentionError) in
                _ = try MultiHeadAttention.attend(
                    queries: q, keys: k, values: v, mask: AttentionMask(bias, kind: .additive),
                    configuration: .init(heads: 1, intermediates: keep))
            }
            #expect(got?.0.contains("overflowed float64") == true, "\(rows) × \(keys): \(got?.0 ?? "computed")")
            #expect(got?.1 == .data)
        }
    }

    @Test func crossAttentionShapeMismatchNamesBothShapes() {
        let memory = Matrix<Double>(rows: 5, columns: 6, repeating: 0.1)
        let got = message { () throws(AttentionError) in
            _ = try run(.init(heads: 1), memory: memory, wk: Matrix(rows: 8, columns: 8, repeating: 0))
        }
        #expect(got?.0 == "memory is 5×6 but wk is 8×8: wk must be 6×4")
        #expect(got?.1 == .data)
    }

    @Test func headDimChangesTheWeightShapes() throws {
        // τ·K = 2·3 = 6 ≠ d_model 4: W^q is 4×6, W^o 6×4.
        let wq = Matrix<Double>(rows: 4, columns: 6) { i, j in Double(i + j) / 10 }
        let wo = Matrix<Double>(rows: 6, columns: 4) { i, j in Double(i - j) / 10 }
        let p = AttentionParameters(wq: wq, wk: wq, wv: wq, wo: wo)
        let r = try MultiHeadAttention.forward(input: x, parameters: p, configuration: .init(heads: 2, headDim: 3))
        #expect(r.shapes.headDim == 3 && r.concat.shape == Shape(rows: 3, columns: 6) && r.output.columns == 4)
        let got = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.forward(
                input: x, parameters: .init(wq: w, wk: w, wv: w, wo: w),
                configuration: .init(heads: 2, headDim: 3))
        }
        #expect(got?.0 == "wq is 4×4 but the input has d_model 4 and 2 heads of width 3: wq must be 4×6")
    }

    @Test func maskOfTheWrongLengthAndEntries() {
        let short = AttentionMask(Matrix<Double>(rows: 1, columns: 2, repeating: 1))
        #expect(
            message { () throws(AttentionError) in _ = try run(.init(heads: 1), mask: short) }?.0
                == "mask is 1×2 but the input has 3 tokens: mask must be 3×3 (or 1×3, one value per key)")
        let memory = Matrix<Double>(rows: 5, columns: 4, repeating: 0.1)
        let wrong = AttentionMask(Matrix<Double>(rows: 3, columns: 3, repeating: 1))
        #expect(
            message { () throws(AttentionError) in _ = try run(.init(heads: 1), mask: wrong, memory: memory) }?.0
                == "mask is 3×3 but there are 3 query rows and 5 keys: mask must be 3×5 (or 1×5, one value per key)")
        let one = Matrix<Double>(rows: 1, columns: 2, repeating: 0.5), keys = Matrix<Double>(rows: 3, columns: 2)
        #expect(  // one query row: 1×n_k is the only shape
            message { () throws(AttentionError) in
                _ = try MultiHeadAttention.attend(
                    queries: one, keys: keys, values: keys, mask: short, configuration: .init(heads: 1))
            }?.0 == "mask is 1×2 but there is 1 query row and 3 keys: mask must be 1×3 (one value per key)")
        let half = AttentionMask(Matrix<Double>(rows: 1, columns: 3, repeating: 0.5), kind: .block)
        #expect(
            message { () throws(AttentionError) in _ = try run(.init(heads: 1), mask: half) }?.0
                == "mask[0, 0] is 0.5: mask entries must be 0 or 1 (1 = blocked, 0 = may attend)")
        let plusInfinity = AttentionMask(Matrix<Double>(rows: 1, columns: 3, repeating: .infinity), kind: .additive)
        let got = message { () throws(AttentionError) in _ = try run(.init(heads: 1), mask: plusInfinity) }
        #expect(got?.0 == "mask[0, 0] is inf: an additive mask's values must be finite or -inf (blocked)")
        #expect(got?.1 == .data)
    }

    @Test func maskKindsAgree() throws {
        // keep 1 = attend, block 1 = blocked, additive −inf = blocked: the same mask three ways.
        let keep = try Matrix<Double>([[1, 0, 1], [1, 1, 0], [0, 1, 1]])
        let block = Matrix<Double>(rows: 3, columns: 3) { i, j in 1 - keep[i, j] }
        let additive = Matrix<Double>(rows: 3, columns: 3) { i, j in keep[i, j] == 1 ? 0 : -.infinity }
        let a = try run(.init(heads: 2), mask: AttentionMask(keep))
        let b = try run(.init(heads: 2), mask: AttentionMask(block, kind: .block))
        let c = try run(.init(heads: 2), mask: AttentionMask(additive, kind: .additive))
        expectClose(b.output, a.output, relativeTolerance: 1e-15)
        expectClose(c.output, a.output, relativeTolerance: 1e-15)
        // A key-padding row broadcast to every query equals the full mask of identical rows.
        let row = try Matrix<Double>([[1, 1, 0]])
        let padded = try run(.init(heads: 2), mask: AttentionMask(row))
        let full = try run(.init(heads: 2), mask: AttentionMask(Matrix(rows: 3, columns: 3) { _, j in row[0, j] }))
        expectClose(padded.output, full.output, relativeTolerance: 1e-15)
    }

    @Test func invertedMasksWarnNamingTheBlockKind() throws {
        // PyTorch's causal mask (True = blocked above the diagonal) read as keep blocks the diagonal.
        let torchCausal = Matrix<Double>(rows: 3, columns: 3) { i, j in j > i ? 1 : 0 }
        let r = try run(.init(heads: 1), mask: AttentionMask(torchCausal))
        #expect(r.warnings.contains(.probablyInvertedMask(.diagonalBlocked)))
        #expect(r.warnings.first?.description.hasSuffix("if its 1s mean blocked, use the block kind") == true)
        // A padding vector written 1 = pad blocks most keys.
        let padding = try run(.init(heads: 1), mask: AttentionMask(try Matrix([[0, 0, 1]])))
        #expect(padding.warnings == [.probablyInvertedMask(.mostKeysBlocked)])
        // As meant: no warning, in the keep kind or the block kind.
        #expect(
            try run(.init(heads: 1), mask: AttentionMask(Matrix(rows: 3, columns: 3) { i, j in j <= i ? 1 : 0 }))
                .warnings.isEmpty)
        #expect(try run(.init(heads: 1), mask: AttentionMask(torchCausal, kind: .block)).warnings.isEmpty)
    }

    @Test func causalAlignsAtTheEndAndTokenModeAgrees() throws {
        // 3 queries, 5 memory keys: row i sees keys 0 … i + 2.
        let memory = Matrix<Double>(rows: 5, columns: 4) { i, j in sin(Double(i * 4 + j)) }
        let c = AttentionConfiguration(heads: 2, causal: true, intermediates: [.weights])
        let full = try run(c, memory: memory)
        for (i, weights) in [(0, full.weights![0]), (2, full.weights![1])] {
            for t in 0..<5 { #expect((weights[i, t] == 0) == (t > i + 2), "row \(i) key \(t)") }
        }
        for i in 0..<3 {
            for keep in [Intermediates.weights, []] {
                var one = c
                one.token = i
                one.intermediates = keep
                let r = try run(one, memory: memory)
                expectClose(
                    r.output, full.output.rowBlock(i..<(i + 1)), relativeTolerance: 1e-13, normwise: true,
                    "token \(i)")
            }
        }
        #expect(full.shapes.queryPosition(row: 0) == 2 && full.shapes.keyCount == 5 && full.shapes.memoryDim == 4)
    }

    @Test func scoreStagesFollowDesignOrder() throws {
        let c = AttentionConfiguration(
            heads: 1, causal: true, intermediates: [.scores, .weights], alibi: true,
            window: 2, softcap: 0.5)
        let r = try run(c)
        let stage = try #require(r.stages?.first)
        let (capped, biased) = (try #require(stage.capped), try #require(stage.biased))
        let m = try #require(stage.alibiSlope)
        #expect(m == 0.00390625)  // one head: 2^−8
        for i in 0..<3 {
            for t in 0..<3 {
                #expect(abs(capped[i, t] - 0.5 * tanh(stage.scaled[i, t] / 0.5)) <= 1e-16)
                #expect(abs(biased[i, t] - (capped[i, t] - m * Double(i - t))) <= 1e-16)
                let visible = t <= i && t > i - 2
                #expect(visible ? stage.masked[i, t] == biased[i, t] : stage.masked[i, t] == -.infinity)
            }
        }
        #expect(r.scores?.first == stage.scaled)
        // Without a soft-cap or ALiBi those stages are absent.
        let plain = try #require(try run(.init(heads: 1, intermediates: [.scores])).stages?.first)
        #expect(plain.capped == nil && plain.biased == nil && plain.masked == plain.scaled)
    }

    @Test func ropeRotatesOnceByAbsolutePosition() throws {
        // Rotated rows for positions 5…7 (offset 5) equal rows 5…7 of a longer rotated matrix.
        let rope = RotaryEmbedding(convention: .interleaved, base: 100, dimensions: 2)
        let long = Matrix<Double>(rows: 8, columns: 4) { i, j in i >= 5 ? x[i - 5, j] : 0 }
        let whole = rope.rotated(long, heads: 2, headDim: 2, firstPosition: 0)
        let r = try run(.init(heads: 2, intermediates: [.qkv], positionOffset: 5, rope: rope))
        let q = try #require(r.queries)
        let direct = rope.rotated(Kernels.product(long, w), heads: 2, headDim: 2, firstPosition: 0).rowBlock(5..<8)
        expectClose(try #require(r.rotatedQueries), direct, relativeTolerance: 1e-15)
        #expect(q == Kernels.product(x, w))  // kept Q is before the rotation
        #expect(whole.rowBlock(0..<5) == long.rowBlock(0..<5))  // position-0 rows of zeros stay zero
        // Partial rotary leaves the dimensions past R alone; half pairs i with i + R/2.
        let half = RotaryEmbedding(convention: .half, dimensions: 2)
        #expect(half.pair(0, headDim: 4) == (0, 1) && RotaryEmbedding().pair(1, headDim: 8) == (1, 5))
        let turned = half.rotated(x, heads: 1, headDim: 4, firstPosition: 3)
        #expect(turned.columnBlock(2..<4) == x.columnBlock(2..<4))
        #expect(abs(turned[0, 0] - (x[0, 0] * cos(3) - x[0, 1] * sin(3))) <= 1e-16)
    }

    @Test func attendChecksQKVAgainstEachOther() throws {
        let q = Matrix<Double>(rows: 2, columns: 4, repeating: 0.5)
        let k = Matrix<Double>(rows: 3, columns: 2, repeating: 0.25)
        let v = Matrix<Double>(rows: 3, columns: 6) { i, j in Double(i + j) }
        let r = try MultiHeadAttention.attend(
            queries: q, keys: k, values: v,
            configuration: .init(heads: 2, kvHeads: 1))
        #expect(r.shapes.valueDim == 6 && r.concat.shape == Shape(rows: 2, columns: 12) && r.output == r.concat)
        #expect(!r.shapes.projected)
        // Equal scores: each head is the mean of the value rows.
        #expect(r.heads[1][0, 0] == 1 && r.heads[0][1, 5] == 6)
        let badK = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.attend(
                queries: q, keys: Matrix(rows: 3, columns: 3, repeating: 0), values: v,
                configuration: .init(heads: 2, kvHeads: 1))
        }
        #expect(badK?.0 == "q is 2×4 but k is 3×3: k must be 3×2 (1 kv_heads of width d_k = 2)")
        let badV = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.attend(
                queries: q, keys: k, values: Matrix(rows: 4, columns: 6, repeating: 0),
                configuration: .init(heads: 2, kvHeads: 1))
        }
        #expect(badV?.0 == "k is 3×2 but v is 4×6: v must be 3×6 (one value row per key)")
        #expect(badV?.1 == .data)
    }

    @Test func batchesShareWeightsAndCheckTheirLists() throws {
        let second = Matrix<Double>(rows: 3, columns: 4) { i, j in cos(Double(i + j)) }
        let p = AttentionParameters(wq: w, wk: w, wv: w, wo: w)
        let c = AttentionConfiguration(heads: 2, causal: true)
        let both = try MultiHeadAttention.forward(batch: [x, second], parameters: p, configuration: c)
        #expect(both.count == 2)
        expectClose(
            both[1].output, try MultiHeadAttention.forward(input: second, parameters: p, configuration: c).output,
            relativeTolerance: 1e-15)
        let mask = AttentionMask(Matrix<Double>(rows: 3, columns: 3, repeating: 1))
        let got = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.forward(
                batch: [x, second, x], parameters: p, masks: [mask, mask],
                configuration: c)
        }
        #expect(got?.0 == "2 masks for a batch of 3 sequences: give one (shared) or 3")
        #expect(got?.1 == .data)
    }

    /// An overflow names the sequence (counted from 0) of a batch of several, not of one.
    @Test func batchOverflowNamesTheSequence() throws {
        var huge = x
        huge[1, 0] = 1e200
        let p = AttentionParameters(wq: w, wk: w, wv: w, wo: w)
        let c = AttentionConfiguration(heads: 2)
        let inBatch = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.forward(batch: [x, x, huge], parameters: p, configuration: c)
        }
        let alone = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.forward(batch: [huge], parameters: p, configuration: c)
        }
        let attended = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.attend(batch: [(x, x, x), (huge, huge, x)], configuration: c)
        }
        #expect(
            alone?.0.hasPrefix("scores of head 1 (Q_1·K_1ᵀ before the scale, query token 1) overflowed float64") == true
        )
        #expect(
            inBatch?.0.hasPrefix(
                "scores of head 1 (Q_1·K_1ᵀ before the scale, query token 1) of batch index 2 overflowed") == true
        )
        #expect(
            attended?.0.hasPrefix(
                "scores of head 1 (Q_1·K_1ᵀ before the scale, query token 1) of batch index 1 overflowed")
                == true)
        #expect(inBatch?.1 == .data)
    }

    @Test func packedBiasSplitsLikeItsWeights() throws {
        let qkv = Matrix<Double>(rows: 4, columns: 12) { i, j in w[i, j % 4] + Double(j / 4) / 10 }
        let bias = Matrix<Double>(rows: 1, columns: 12) { _, j in Double(j) / 20 }
        let packed = try MultiHeadAttention.forward(
            input: x, parameters: .init(packedQKV: qkv, wo: w, packedBias: bias), configuration: .init(heads: 2))
        let separate = try MultiHeadAttention.forward(
            input: x,
            parameters: .init(
                wq: qkv.columnBlock(0..<4), wk: qkv.columnBlock(4..<8), wv: qkv.columnBlock(8..<12),
                wo: w, bq: bias.columnBlock(0..<4), bk: bias.columnBlock(4..<8),
                bv: bias.columnBlock(8..<12)),
            configuration: .init(heads: 2))
        #expect(packed.output == separate.output)
        let wrong = message { () throws(AttentionError) in
            _ = try MultiHeadAttention.forward(
                input: x, parameters: .init(packedQKV: w, wo: w), configuration: .init(heads: 2))
        }
        #expect(
            wrong?.0 == "qkv is 4×4 but the input has d_model 4: qkv must be 4×12 ([W^q | W^k | W^v], each in × out)")
    }

    @Test func windowTilesAreSkippedYetExact() throws {
        // 300 tokens, window 100: the streamed path (whole key tiles skipped) equals the plain one.
        let n = 300
        let long = Matrix<Double>(rows: n, columns: 8) { i, j in sin(Double(i * 8 + j) * 0.37) }
        let w8 = Matrix<Double>(rows: 8, columns: 8) { i, j in cos(Double(i * 3 + j)) / 3 }
        let p = AttentionParameters(wq: w8, wk: w8, wv: w8, wo: w8)
        for causal in [true, false] {
            let c = AttentionConfiguration(heads: 2, causal: causal, window: 100)
            var kept = c
            kept.intermediates = [.weights]
            let plain = try MultiHeadAttention.forward(input: long, parameters: p, configuration: kept)
            let streamed = try MultiHeadAttention.forward(input: long, parameters: p, configuration: c)
            expectClose(streamed.output, plain.output, relativeTolerance: 1e-13, normwise: true, "causal \(causal)")
            let weights = try #require(plain.weights?.first)
            #expect(
                weights[250, 150] == 0 && weights[250, 151] > 0
                    && (causal ? weights[250, 251] == 0 : weights[250, 299] > 0))
        }
    }
}
