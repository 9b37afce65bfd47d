import Foundation
import Testing

@testable import MHACore

/// The tiled kernel against the row-by-row path (`rowByRowAttention`, the platform's tanh,
/// every logit formed in full) where tiles end: sequence lengths and head widths that are not
/// multiples of the 128-key tile, the query tile (8·MR rows) or the register tile; windows of
/// 1, tile − 1, tile, tile + 1 keys and wider than the sequence; causal and not; more keys
/// than queries; every score rule at once; each instruction-set level, on two threads.
@Suite struct TileEdgeTests {
    static let tile = Kernels.keyTileSize
    static let windows = [1, tile - 1, tile, tile + 1, 1000]

    @Test(arguments: CPULevel.runnable, [false, true])
    func windowsAtTileEdgesMatchRowByRow(level: CPULevel, causal: Bool) {
        for window in Self.windows {
            for (queries, keys, d) in [(200, 200, 9), (70, 197, 33)] {
                for rule: ScoreRule<Double> in Self.rules(window: window, causal: causal, d: d) {
                    check(Double.self, level: level, queries: queries, keys: keys, d: d, rule: rule, tolerance: 1e-13)
                }
            }
        }
    }

    @Test(arguments: CPULevel.runnable)
    func floatWindowsAtTileEdgesMatchRowByRow(level: CPULevel) {
        for window in Self.windows {
            for rule: ScoreRule<Float> in Self.rules(window: window, causal: true, d: 17) {
                check(Float.self, level: level, queries: 150, keys: 150, d: 17, rule: rule, tolerance: 2e-6)
            }
        }
    }

    /// The window alone, and with a soft-cap and ALiBi (the fused logits pass).
    static func rules<S: AttentionScalar>(window: Int, causal: Bool, d: Int) -> [ScoreRule<S>] {
        let scale = S(1 / Double(d).squareRoot())
        return [
            ScoreRule(scale: scale, causal: causal, window: window),
            ScoreRule(scale: scale, softcap: S(0.9), slope: S(0.0625), causal: causal, window: window),
        ]
    }

    func check<S: AttentionScalar>(
        _ type: S.Type, level: CPULevel, queries: Int, keys: Int, d: Int, rule: ScoreRule<S>, tolerance: Double
    ) {
        let width = d + 1  // rows wider than the head, as column blocks of the projections are
        let q = randomValues(S.self, count: queries * width, seed: UInt64(queries + d))
        let k = randomValues(S.self, count: keys * width, seed: UInt64(keys * 3 + d))
        let v = randomValues(S.self, count: keys * width, seed: UInt64(keys * 5 + d))
        var tiled = [S](repeating: 0, count: queries * d)
        var reference = tiled
        var empty: ([Int], [Int]) = ([], [])
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    let (qb, kb, vb) = (qp.baseAddress! + 1, kp.baseAddress! + 1, vp.baseAddress! + 1)
                    tiled.withUnsafeMutableBufferPointer { out in
                        empty.0 = Kernels.streamingAttention(
                            queries: qb, queryStride: width, queryCount: queries, firstPosition: keys - queries,
                            keys: kb, keyStride: width, values: vb, valueStride: width, keyCount: keys,
                            headDim: d, valueDim: d, rule: rule, output: out.baseAddress!, outputStride: d,
                            context: KernelContext(level: level, threads: 2))
                    }
                    reference.withUnsafeMutableBufferPointer { out in
                        empty.1 = Kernels.rowByRowAttention(
                            queries: qb, queryStride: width, queryCount: queries, firstPosition: keys - queries,
                            keys: kb, keyStride: width, values: vb, valueStride: width, keyCount: keys,
                            headDim: d, valueDim: d, rule: rule, output: out.baseAddress!, outputStride: d)
                    }
                }
            }
        }
        let context = "\(S.self) \(level) n_q=\(queries) n_k=\(keys) d=\(d) \(rule)"
        #expect(empty.0 == empty.1, "\(context)")
        let largest = reference.map { abs(Double($0)) }.max() ?? 0
        let error = zip(tiled, reference).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(error <= tolerance * Swift.max(largest, 1), "\(context): error \(error)")
    }
}
