import Foundation
import Testing

@testable import MHACore

/// The QK-norm (Qwen3 per head, OLMo 2 over the projection) against a direct float64
/// transcription of x / √(mean(x²) + ε) ⊙ γ, its place before RoPE, its extremes and its errors.
/// transformers' own layers are compared in CheckpointLayerTests (qwen3, qwen3-moe, olmo2).
@Suite struct QueryKeyNormTests {
    /// Deterministic values in [-1, 1).
    static func values(_ rows: Int, _ columns: Int, seed: Int) -> Matrix<Double> {
        Matrix(rows: rows, columns: columns) { i, j in
            let t = Double((i * 131 + j * 71 + seed * 17) % 97) / 97
            return 2 * t - 1 + 0.01 * Double(seed)
        }
    }

    /// The norm written out: each `width`-wide span of each row, in float64.
    static func direct(_ m: Matrix<Double>, width: Int, epsilon: Double, gain: [Double]?) -> Matrix<Double> {
        Matrix(rows: m.rows, columns: m.columns) { i, j in
            let start = j / width * width
            let span = (start..<(start + width)).map { m[i, $0] }
            let mean = span.map { $0 * $0 }.reduce(0, +) / Double(width)
            return m[i, j] / (mean + epsilon).squareRoot() * (gain?[j - start] ?? 1)
        }
    }

    @Test(arguments: [QueryKeyNorm.Span.head, .projection])
    func attendNormalisesQAndKBeforeRoPE(_ span: QueryKeyNorm.Span) throws {
        let (heads, kvHeads, d) = (4, 2, 6)
        let q = Self.values(5, heads * d, seed: 1).scaled(by: 3)
        let k = Self.values(7, kvHeads * d, seed: 2)
        let v = Self.values(7, kvHeads * d, seed: 3)
        let (qw, kw) = span == .head ? (d, d) : (heads * d, kvHeads * d)
        let gq = (0..<qw).map { 0.5 + Double($0) / 10 }
        let gk = (0..<kw).map { 1.5 - Double($0) / 20 }
        let norm = QueryKeyNorm(span: span, epsilon: 0.01, queryGain: gq, keyGain: gk)
        let rope = RotaryEmbedding(convention: .half, base: 100)
        let c = AttentionConfiguration(heads: heads, kvHeads: kvHeads, causal: true, intermediates: .qkv, rope: rope)
        var normed = c
        normed.qkNorm = norm
        let actual = try MultiHeadAttention.attend(queries: q, keys: k, values: v, configuration: normed)
        let expected = try MultiHeadAttention.attend(
            queries: Self.direct(q, width: qw, epsilon: 0.01, gain: gq),
            keys: Self.direct(k, width: kw, epsilon: 0.01, gain: gk), values: v, configuration: c)
        let error = try #require(actual.concat.maxRelativeError(to: expected.concat))
        #expect(error <= 1e-13, "relative error \(error)")
        #expect(try #require(actual.normalisedQueries?.maxRelativeError(to: expected.queries ?? q)) <= 1e-15)
        #expect(try #require(actual.rotatedKeys?.maxRelativeError(to: expected.rotatedKeys ?? k)) <= 1e-15)
        // Not the plain pass: the norm changes the answer.
        let plain = try MultiHeadAttention.attend(queries: q, keys: k, values: v, configuration: c)
        #expect(try #require(actual.concat.maxRelativeError(to: plain.concat)) > 1e-3)
    }

    @Test func forwardFloatAndDecodeAgree() throws {
        let x = Self.values(6, 8, seed: 4)
        let w = (0..<4).map { Self.values(8, 8, seed: 10 + $0).scaled(by: 0.7) }
        let p = AttentionParameters(wq: w[0], wk: w[1], wv: w[2], wo: w[3])
        let norm = QueryKeyNorm(span: .head, epsilon: 1e-6, queryGain: [1, 2, 3, 4], keyGain: [0.5, 0.25, 2, 1])
        let c = AttentionConfiguration(heads: 2, causal: true, rope: RotaryEmbedding(), qkNorm: norm)
        let double = try MultiHeadAttention.forward(input: x, parameters: p, configuration: c)
        let float = try MultiHeadAttention.forward(
            input: x.converted(to: Float.self),
            parameters: AttentionParameters(
                wq: w[0].converted(to: Float.self), wk: w[1].converted(to: Float.self),
                wv: w[2].converted(to: Float.self), wo: w[3].converted(to: Float.self)),
            configuration: c)
        #expect(try #require(float.output.converted(to: Double.self).maxRelativeError(to: double.output)) <= 1e-5)
        var cache = try AttentionCache<Double>(parameters: p, configuration: c)
        let first = try cache.append(x.rowBlock(0..<2))
        let rest = try cache.append(x.rowBlock(2..<6))
        #expect(try #require(first.output.maxRelativeError(to: double.output.rowBlock(0..<2))) <= 1e-12)
        #expect(try #require(rest.output.maxRelativeError(to: double.output.rowBlock(2..<6))) <= 1e-12)
    }

    /// Values near float64's limits are normalised as their scaled copies are: no overflow of
    /// the squares, no underflow to a zero norm.
    @Test(arguments: [1e300, 1e-300, 0x1p-1060])
    func extremeMagnitudesNormaliseAsTheirScaledCopies(_ factor: Double) throws {
        let q = Self.values(3, 8, seed: 5)
        let norm = QueryKeyNorm(span: .head, epsilon: 0)
        let big = try norm.normalised(
            q.scaled(by: factor), heads: 2, headDim: 4, gain: nil, name: "Q", firstToken: 0)
        let plain = try norm.normalised(q, heads: 2, headDim: 4, gain: nil, name: "Q", firstToken: 0)
        // Subnormal inputs carry fewer digits: 4e-320 keeps about 3 of them.
        let tolerance = factor < Double.leastNormalMagnitude ? 1e-2 : 1e-15
        #expect(try #require(big.maxRelativeError(to: plain)) <= tolerance)
        // With ε > 0 a tiny vector is divided by about √ε, as the formula says.
        let tiny = try QueryKeyNorm(span: .head, epsilon: 1e-6).normalised(
            q.scaled(by: factor), heads: 2, headDim: 4, gain: nil, name: "Q", firstToken: 0)
        if factor < 1 {
            let expected = q.scaled(by: factor / 1e-3)
            #expect(try #require(tiny.maxRelativeError(to: expected)) <= tolerance)
        }
    }

    @Test func errorsNameTheProblem() throws {
        let q = Self.values(3, 8, seed: 6)
        var zero = q
        for j in 4..<8 { zero[1, j] = 0 }
        let c = AttentionConfiguration(heads: 2, qkNorm: QueryKeyNorm(epsilon: 0))
        #expect(throws: AttentionError.zeroNorm(name: "Q", token: 1)) {
            try MultiHeadAttention.attend(queries: zero, keys: q, values: q, configuration: c)
        }
        // With ε > 0 the zero span stays zero.
        var eased = c
        eased.qkNorm?.epsilon = 1e-6
        let r = try MultiHeadAttention.attend(queries: zero, keys: q, values: q, configuration: eased)
        #expect(r.concat.elements.allSatisfy { $0.isFinite })
        for bad in [-1.0, .nan, .infinity] {
            var wrong = c
            wrong.qkNorm?.epsilon = bad
            #expect(throws: AttentionError.self) {
                try MultiHeadAttention.attend(queries: q, keys: q, values: q, configuration: wrong)
            }
        }
        var short = c
        short.qkNorm?.queryGain = [1, 2, 3]
        do {
            _ = try MultiHeadAttention.attend(queries: q, keys: q, values: q, configuration: short)
            Issue.record("a gain of 3 values for d_k = 4 was accepted")
        } catch {
            #expect(error.description == "gq is 1×3 but the QK-norm spans each head (d_k = 4): gq must be 1×4")
            #expect(error.category == .data)
        }
        var projection = c
        projection.qkNorm = QueryKeyNorm(span: .projection, keyGain: [1, 2, 3, 4])
        #expect(throws: AttentionError.self) {
            try MultiHeadAttention.attend(queries: q, keys: q, values: q, configuration: projection)
        }
    }
}

extension Matrix where Scalar == Double {
    /// Every element times `factor`.
    fileprivate func scaled(by factor: Double) -> Matrix<Double> {
        Matrix(rows: rows, columns: columns) { i, j in self[i, j] * factor }
    }
}
