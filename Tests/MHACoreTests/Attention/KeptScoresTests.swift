import Foundation
import Testing

@testable import MHACore

/// The kept path (`KeptScores`: band by band of rows) at sizes of several bands, every rule on:
/// each stage against its definition computed here from the previous one, the weights against
/// softmax of the masked logits, and the output against the streamed pass.
@Suite struct KeptScoresTests {
    @Test func everyStageOfSeveralBandsIsItsDefinition() throws {
        // 300 keys: bands of 109 rows (`KeptScores.bandElements` / 300), the last one short.
        let (n, d) = (300, 8)
        #expect(KeptScores<Double>.bandElements / n < n)
        var g = SplitMix64(seed: 3)
        let x = Matrix<Double>.random(rows: n, columns: d, scale: 1, using: &g)
        let w = (0..<4).map { _ in Matrix<Double>.random(rows: d, columns: d, scale: 0.5, using: &g) }
        let bias = Matrix<Double>(rows: n, columns: n) { i, j in (i + j) % 11 == 0 ? -1.5 : 0.25 }
        let parameters = AttentionParameters(wq: w[0], wk: w[1], wv: w[2], wo: w[3])
        var c = AttentionConfiguration(
            heads: 2, causal: true, intermediates: [.scores, .weights, .qkv], alibi: true, window: 200, softcap: 3)
        let kept = try MultiHeadAttention.forward(
            input: x, parameters: parameters, mask: AttentionMask(bias, kind: .additive), configuration: c)
        c.intermediates = []
        let streamed = try MultiHeadAttention.forward(
            input: x, parameters: parameters, mask: AttentionMask(bias, kind: .additive), configuration: c)
        expectClose(kept.output, streamed.output, relativeTolerance: 1e-12, "kept against streamed")
        let (q, k) = (try #require(kept.queries), try #require(kept.keys))
        let stages = try #require(kept.stages)
        let weights = try #require(kept.weights)
        let slopes = try #require(kept.alibiSlopes)
        for j in 0..<2 {
            let s = stages[j]
            let (capped, biased) = (try #require(s.capped), try #require(s.biased))
            for r in 0..<n {
                var row: [Double] = []
                for t in 0..<n {
                    let dot = (0..<4).reduce(0.0) { $0 + q[r, j * 4 + $1] * k[t, j * 4 + $1] }
                    let scaled = dot * 0.5  // 1/√d_k, d_k = 4
                    #expect(abs(s.scaled[r, t] - scaled) <= 1e-14 * Swift.max(1, abs(scaled)))
                    #expect(abs(capped[r, t] - 3 * tanh(s.scaled[r, t] / 3)) <= 1e-15 * 3)
                    #expect(biased[r, t] == capped[r, t] - slopes[j] * Double(r - t))
                    let visible = t <= r && t > r - 200
                    let logit = visible ? biased[r, t] + bias[r, t] : -.infinity
                    #expect(s.masked[r, t] == logit, "head \(j), row \(r), key \(t)")
                    row.append(logit)
                }
                let m = row.max() ?? 0
                let e = row.map { Foundation.exp($0 - m) }
                let sum = e.reduce(0, +)
                for t in 0..<n where abs(weights[j][r, t] - e[t] / sum) > 1e-14 {
                    Issue.record("weights of head \(j), row \(r), key \(t): \(weights[j][r, t]) against \(e[t] / sum)")
                }
            }
        }
        do {
            // The same problem in float32: kept and streamed agree to float32's precision.
            var cf = c
            cf.intermediates = [.weights]
            let single = try MultiHeadAttention.forward(
                input: x.converted(to: Float.self),
                parameters: AttentionParameters(
                    wq: w[0].converted(to: Float.self), wk: w[1].converted(to: Float.self),
                    wv: w[2].converted(to: Float.self), wo: w[3].converted(to: Float.self)),
                mask: AttentionMask(bias.converted(to: Float.self), kind: .additive), configuration: cf)
            expectClose(
                single.output.converted(to: Double.self), streamed.output, relativeTolerance: 1e-4, "float32")
        }
    }
}
