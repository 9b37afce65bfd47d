import Foundation
import Testing

@testable import MHACore

/// Cases small enough to check with pencil and paper.
@Suite struct HandCheckedTests {
    /// Two tokens, d_model = 2, two heads (d_k = 1, scale 1/√1 = 1), W^q = W^k = W^v = I,
    /// W^o = [[1, 1], [0, 1]], H = [[1, 0], [0, 2]].
    ///
    ///     Q = K = V = H
    ///     head 1 (column 0): q = k = v = [1, 0]ᵀ
    ///       scores = q·kᵀ = [[1, 0], [0, 0]]
    ///       row 0: softmax(1, 0) = (e/(e+1), 1/(e+1)) = (0.7310585786, 0.2689414214)
    ///       row 1: softmax(0, 0) = (0.5, 0.5)
    ///       head_1 = weights·v = [[0.7310585786], [0.5]]
    ///     head 2 (column 1): q = k = v = [0, 2]ᵀ
    ///       scores = [[0, 0], [0, 4]]
    ///       row 0: (0.5, 0.5) → 0.5·0 + 0.5·2 = 1
    ///       row 1: softmax(0, 4) = (1/(1+e⁴), e⁴/(1+e⁴)) = (0.0179862100, 0.9820137900)
    ///              → 2·0.9820137900 = 1.9640275801
    ///     concat = [[0.7310585786, 1], [0.5, 1.9640275801]]
    ///     output = concat·W^o = [[0.7310585786, 0.7310585786 + 1], [0.5, 0.5 + 1.9640275801]]
    @Test func twoTokensTwoHeads() throws {
        let h = try Matrix<Double>([[1, 0], [0, 2]])
        let identity = try Matrix<Double>([[1, 0], [0, 1]])
        let wo = try Matrix<Double>([[1, 1], [0, 1]])
        let r = try MultiHeadAttention.forward(
            input: h, parameters: AttentionParameters(wq: identity, wk: identity, wv: identity, wo: wo),
            configuration: AttentionConfiguration(heads: 2, intermediates: [.weights]))
        let a = exp(1.0) / (exp(1.0) + 1)
        let b = 2 * exp(4.0) / (1 + exp(4.0))
        expectClose(r.heads[0], try Matrix([[a], [0.5]]), relativeTolerance: 1e-15)
        expectClose(r.heads[1], try Matrix([[1], [b]]), relativeTolerance: 1e-15)
        expectClose(r.concat, try Matrix([[a, 1], [0.5, b]]), relativeTolerance: 1e-15)
        expectClose(r.output, try Matrix([[a, a + 1], [0.5, 0.5 + b]]), relativeTolerance: 1e-15)
        expectClose(
            r.weights![1], try Matrix([[0.5, 0.5], [1 / (1 + exp(4.0)), exp(4.0) / (1 + exp(4.0))]]),
            relativeTolerance: 1e-15)
        #expect(abs(r.output[0, 1] - 1.7310585786) < 1e-10)
        #expect(r.shapes.headDim == 1 && r.shapes.scale == 1)
    }

    /// Scores of magnitude 1e3 and far beyond: the row max is subtracted, so weights are
    /// finite and exact. softmax(s + 1, s) = (σ(1), 1 − σ(1)) for every s.
    @Test(arguments: [1e3, 1e6, 1e12, 1e300])
    func hugeScoresGiveFiniteWeights(_ s: Double) throws {
        var scores = try Matrix<Double>([[s + 1 == s ? s : s + 1, s]])
        Kernels.softmaxRows(&scores)
        let shift = (s + 1) - s  // 1 when representable, else 0
        let expected = 1 / (1 + exp(-shift))
        expectClose(scores, try Matrix([[expected, 1 - expected]]), relativeTolerance: 1e-15)
    }

    /// Through the engine: H = [[1000], [999]], W = [[1]], scale 1: scores ≈ 1e6, and the
    /// differences of 1000 and 999 make every row one-hot on the first key.
    @Test func engineWithScoresNearAMillion() throws {
        let h = try Matrix<Double>([[1000], [999]])
        let one = try Matrix<Double>([[1]])
        let r = try MultiHeadAttention.forward(
            input: h, parameters: AttentionParameters(wq: one, wk: one, wv: one, wo: one),
            configuration: AttentionConfiguration(heads: 1, scale: 1, intermediates: [.weights]))
        #expect(r.weights![0].elements.allSatisfy { $0.isFinite })
        expectClose(r.weights![0], try Matrix([[1, 0], [1, 0]]), relativeTolerance: 1e-15)
        expectClose(r.output, try Matrix([[1000], [1000]]), relativeTolerance: 1e-15)
    }

    /// Scores near 1e299 with the default scale 1/√2, on both paths: the largest score of a
    /// row must give exp(0) = 1 exactly (a fused x·scale − m once left the product's rounding
    /// error, about 1e283, as the exponent: zeros and a false "fully masked" warning).
    @Test(arguments: [Intermediates.weights, []])
    func hugeScoresOnBothPaths(_ keep: Intermediates) throws {
        let h = try Matrix<Double>([[1e150, 1], [1e149, 2]])
        let identity = try Matrix<Double>([[1, 0], [0, 1]])
        let r = try MultiHeadAttention.forward(
            input: h, parameters: AttentionParameters(wq: identity, wk: identity, wv: identity, wo: identity),
            configuration: AttentionConfiguration(heads: 1, intermediates: keep))
        #expect(r.warnings.isEmpty)
        expectClose(r.output, try Matrix([[1e150, 1], [1e150, 1]]), relativeTolerance: 1e-15)
    }

    /// A mask row of zeros leaves token 1 nothing to attend to: zero head rows, output = b^o,
    /// and a warning, on both engine paths.
    @Test(arguments: [Intermediates.weights, []])
    func fullyMaskedRowIsZeroWithWarning(_ keep: Intermediates) throws {
        let h = try Matrix<Double>([[1, 2], [3, 4], [5, 6]])
        let identity = try Matrix<Double>([[1, 0], [0, 1]])
        let mask = try Matrix<Double>([[1, 1, 0], [0, 0, 0], [1, 1, 1]])
        let bo = try Matrix<Double>([[0.5, -0.5]])
        let r = try MultiHeadAttention.forward(
            input: h, parameters: AttentionParameters(wq: identity, wk: identity, wv: identity, wo: identity, bo: bo),
            mask: mask, configuration: AttentionConfiguration(heads: 2, causal: true, intermediates: keep))
        #expect(r.warnings == [.fullyMaskedRow(token: 1)])
        #expect(r.heads.allSatisfy { $0.row(1).allSatisfy { $0 == 0 } })
        #expect(Array(r.output.row(1)) == [0.5, -0.5])
        #expect(r.output.elements.allSatisfy { $0.isFinite })
        if let weights = r.weights { #expect(weights.allSatisfy { $0.row(1).allSatisfy { $0 == 0 } }) }
        #expect(r.warnings[0].description.contains("token 1"))
    }

    /// Inputs so large that Q·Kᵀ overflows are a data error, never NaN in the output.
    @Test(arguments: [Intermediates.weights, []])
    func overflowingScoresAreAnError(_ keep: Intermediates) throws {
        let h = try Matrix<Double>([[1e200, 1e200]])
        let identity = try Matrix<Double>([[1, 0], [0, 1]])
        #expect(throws: AttentionError.self) {
            try MultiHeadAttention.forward(
                input: h, parameters: AttentionParameters(wq: identity, wk: identity, wv: identity, wo: identity),
                configuration: AttentionConfiguration(heads: 1, intermediates: keep))
        }
    }
}
