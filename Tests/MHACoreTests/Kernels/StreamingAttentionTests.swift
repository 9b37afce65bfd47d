import Foundation
import Testing

@testable import MHACore

/// The fused, tiled `Kernels.streamingAttention` against the plain path the engine uses when
/// weights are requested (scores by `productTransposed`, mask, `softmaxRows`, `product`).
@Suite struct StreamingAttentionTests {
    /// (keys n, head dimension d): sizes that are not multiples of the 128-key tile, the
    /// 64/96-row query tile or the 16/32-column register tile.
    static let shapes: [(n: Int, d: Int)] = [(1, 1), (7, 7), (65, 33), (257, 16), (130, 70)]

    @Test(arguments: CPULevel.runnable, shapes.indices)
    func doubleMatchesPlainPath(level: CPULevel, index: Int) {
        let (n, d) = Self.shapes[index]
        for causal in [false, true] {
            for masked in [false, true] {
                compare(
                    Double.self, n: n, d: d, causal: causal, masked: masked, tolerance: 1e-13,
                    level: level)
            }
        }
    }

    @Test(arguments: CPULevel.runnable, shapes.indices)
    func floatMatchesPlainPath(level: CPULevel, index: Int) {
        let (n, d) = Self.shapes[index]
        for causal in [false, true] {
            for masked in [false, true] {
                compare(
                    Float.self, n: n, d: d, causal: causal, masked: masked, tolerance: 2e-6,
                    level: level)
            }
        }
    }

    /// Query tiles spread over two threads, kept on one, and run again give the same bits.
    @Test(arguments: CPULevel.runnable)
    func resultsDoNotDependOnThreadsOrRuns(level: CPULevel) {
        let (n, d) = (300, 48)
        #expect(n * n * d >= Kernels.parallelAttentionThreshold)
        let width = d + 3
        let (q, k, v) = (
            randomValues(Double.self, count: n * width, seed: 1),
            randomValues(Double.self, count: n * width, seed: 2),
            randomValues(Double.self, count: n * width, seed: 3)
        )
        for causal in [false, true] {
            let runs = [1, 2, 2].map { threads in
                streamed(
                    q: q, k: k, v: v, width: width, keys: n, d: d, dv: d, rows: 0..<n,
                    rule: ScoreRule(scale: 0.2, causal: causal), shift: 0,
                    bias: randomMask(rows: n, keys: n).map { $0 ? 0 : -.infinity },
                    context: KernelContext(level: level, threads: threads)
                ).0.map(\.bitPattern)
            }
            #expect(runs[0] == runs[1] && runs[1] == runs[2], "\(level) causal=\(causal)")
        }
    }

    @Test func laterQueryRowsAndNegativeScale() {
        // Query rows 150..<250 of 257 positions (first query ≠ 0), causal, with a mask; and
        // a negative scale, which reverses which score is largest.
        compare(
            Double.self, n: 257, d: 9, causal: true, masked: true, tolerance: 1e-13,
            queryRows: 150..<250)
        compare(
            Float.self, n: 130, d: 20, causal: false, masked: false, tolerance: 2e-6,
            scale: -0.75)
    }

    @Test func queryTilesSpreadOverCoresMatchToo() {
        // 300·300·48 multiply-adds pass `parallelAttentionThreshold`: query tiles in parallel.
        #expect(300 * 300 * 48 >= Kernels.parallelAttentionThreshold)
        compare(Double.self, n: 300, d: 48, causal: true, masked: true, tolerance: 1e-13)
    }

    /// The C vector exponential at each level: within 4 ulp of the platform's over the
    /// softmax's range (4097 values: whole vectors and a tail), −∞ and values below the
    /// cutoff give 0, 0 gives 1, and the returned sum is the sum of the results.
    @Test(arguments: CPULevel.runnable)
    func exponentialIsAccurateAndUnderflowsToZero(level: CPULevel) {
        var generator = SplitMix64(seed: 5)
        let doubles = (0..<4097).map { _ in Double.random(in: -708...0, using: &generator) }
        #expect(worstRelativeError(level, doubles) <= 4 * Double.ulpOfOne)
        let floats = (0..<4097).map { _ in Float.random(in: -87...0, using: &generator) }
        #expect(worstRelativeError(level, floats) <= 4 * Double(Float.ulpOfOne))
        var special: [Double] = [-.infinity, -710, 0, -1e300, 0, -.infinity, -0.0]
        let sum = Double.exponentiate(level, row: &special, count: special.count, scale: 1, shift: 0)
        #expect(special == [0, 0, 1, 0, 1, 0, 1])
        #expect(sum == 3)
        var shifted: [Float] = [3, 2, -.infinity]
        _ = Float.exponentiate(level, row: &shifted, count: 3, scale: 2, shift: -6)
        #expect(shifted[0] == 1 && shifted[2] == 0 && abs(shifted[1] - expf(-2)) <= 2 * Float.ulpOfOne)
    }

    /// max relative error of the C exponential against the platform's, value by value.
    func worstRelativeError<S: PackedScalar>(_ level: CPULevel, _ xs: [S]) -> Double {
        var ys = xs
        let sum = S.exponentiate(level, row: &ys, count: ys.count, scale: 1, shift: 0)
        var worst = 0.0
        for (x, y) in zip(xs, ys) {
            let exact = exp(Double(x))
            worst = max(worst, abs(Double(y) - exact) / exact)
        }
        let total = ys.reduce(0.0) { $0 + Double($1) }
        #expect(abs(Double(sum) - total) <= 1e-5 * total)
        return worst
    }

    @Test(arguments: [false, true])
    func scoreRulesMatchPlainPath(causal: Bool) {
        let combined = Rules(softcap: 2, slope: 0.125, window: 129, additive: true, valueDim: 11, extraKeys: 3)
        let each = [
            Rules(softcap: 0.7), Rules(slope: 0.25), Rules(window: 1), Rules(window: 37), Rules(additive: true),
            Rules(valueDim: 3), Rules(window: 50, extraKeys: 45), combined,
        ]
        for rules in each {
            for (n, d) in [(7, 5), (130, 9)] {
                compare(Double.self, n: n, d: d, causal: causal, masked: true, tolerance: 1e-13, rules: rules)
            }
        }
        // Windows that start and end inside different 128-key tiles, and Float.
        for rules in [Rules(window: 200), combined] {
            compare(Double.self, n: 300, d: 9, causal: causal, masked: true, tolerance: 1e-13, rules: rules)
        }
        compare(Float.self, n: 130, d: 16, causal: causal, masked: false, tolerance: 2e-6, rules: combined)
    }

    /// The optional score rules of a comparison.
    struct Rules {
        var softcap: Double? = nil
        var slope: Double? = nil
        var window: Int? = nil
        var additive = false
        var valueDim: Int? = nil
        /// Keys beyond the query rows (n_k = n + extraKeys; query row r at r + extraKeys).
        var extraKeys = 0
    }

    /// Runs both paths on one head whose Q, K, V are column blocks of wider matrices (as the
    /// engine passes them) and checks outputs and the reported fully masked positions.
    func compare<S: AttentionScalar>(
        _ type: S.Type, n: Int, d: Int, causal: Bool, masked: Bool, tolerance: Double,
        queryRows: Range<Int>? = nil, scale: Double? = nil, rules: Rules = Rules(),
        level: CPULevel = .selected
    ) {
        let rows = queryRows ?? 0..<n
        let keys = n + rules.extraKeys
        let dv = rules.valueDim ?? d
        let width = Swift.max(d, dv) + 3  // Q, K, V live in columns 2..<2+d of n × (d+3) matrices
        let q = randomValues(S.self, count: n * width, seed: UInt64(n * 7 + d))
        let k = randomValues(S.self, count: keys * width, seed: UInt64(n * 11 + d))
        let v = randomValues(S.self, count: keys * width, seed: UInt64(n * 13 + d))
        var bias = masked ? randomMask(rows: n, keys: keys).map { $0 ? S(0) : -S.infinity } : nil
        if rules.additive {
            let extra = randomValues(S.self, count: n * keys, seed: 99)
            bias = (bias ?? [S](repeating: 0, count: n * keys)).enumerated().map { $1 + extra[$0] }
        }
        let s = S(scale ?? 1 / Double(d).squareRoot())
        let rule = ScoreRule<S>(
            scale: s, softcap: rules.softcap.map { S($0) }, slope: rules.slope.map { S($0) },
            causal: causal, window: rules.window)
        let context = "\(S.self) \(level) n=\(n) d=\(d) causal=\(causal) masked=\(masked) rows=\(rows) \(rules)"

        let (streamed, streamedEmpty) = streamed(
            q: q, k: k, v: v, width: width, keys: keys, d: d, dv: dv,
            rows: rows, rule: rule, shift: rules.extraKeys, bias: bias,
            context: KernelContext(level: level, threads: 2))
        let (plain, plainEmpty) = plainHead(
            q: q, k: k, v: v, width: width, keys: keys, d: d, dv: dv,
            rows: rows, rule: rule, shift: rules.extraKeys, bias: bias)
        #expect(streamedEmpty == plainEmpty, "\(context)")
        let largest = plain.map { abs(Double($0)) }.max() ?? 0
        let error = zip(streamed, plain).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(error <= tolerance * Swift.max(largest, 1), "\(context): error \(error)")
    }

    /// About one key in three blocked, and query row 3 (when present) blocked entirely.
    func randomMask(rows n: Int, keys: Int) -> [Bool] {
        var generator = SplitMix64(seed: UInt64(n))
        var mask = (0..<(n * keys)).map { _ in Int.random(in: 0..<3, using: &generator) != 0 }
        if n > 3 { for t in 0..<keys { mask[3 * keys + t] = false } }
        return mask
    }

    func streamed<S: AttentionScalar>(
        q: [S], k: [S], v: [S], width: Int, keys: Int, d: Int, dv: Int, rows: Range<Int>, rule: ScoreRule<S>,
        shift: Int, bias: [S]?, context: KernelContext
    ) -> ([S], [Int]) {
        let outputStride = dv + 2
        var output = [S](repeating: -42, count: rows.count * outputStride)
        let empty = q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    output.withUnsafeMutableBufferPointer { op in
                        (bias ?? []).withUnsafeBufferPointer { mp in
                            var rule = rule
                            rule.bias = bias == nil ? nil : mp.baseAddress! + rows.lowerBound * keys
                            rule.biasStride = keys
                            return Kernels.streamingAttention(
                                queries: qp.baseAddress! + rows.lowerBound * width + 2,
                                queryStride: width, queryCount: rows.count,
                                firstPosition: rows.lowerBound + shift,
                                keys: kp.baseAddress! + 2, keyStride: width,
                                values: vp.baseAddress! + 2, valueStride: width, keyCount: keys,
                                headDim: d, valueDim: dv, rule: rule,
                                output: op.baseAddress!, outputStride: outputStride, context: context)
                        }
                    }
                }
            }
        }
        let padding = (0..<rows.count).flatMap { r in (dv..<outputStride).map { output[r * outputStride + $0] } }
        #expect(padding.allSatisfy { $0 == -42 }, "output padding was written")
        let packed = (0..<rows.count).flatMap { r in (0..<dv).map { output[r * outputStride + $0] } }
        return (packed, empty.map { rows.lowerBound + $0 })
    }

    /// The reference: every logit written out from docs/attention-options.md's formulas (not `ScoreRule`).
    func plainHead<S: AttentionScalar>(
        q: [S], k: [S], v: [S], width: Int, keys: Int, d: Int, dv: Int, rows: Range<Int>, rule: ScoreRule<S>,
        shift: Int, bias: [S]?
    ) -> ([S], [Int]) {
        func block(_ values: [S], _ range: Range<Int>, _ columns: Int) -> Matrix<S> {
            Matrix(rows: range.count, columns: columns) { i, j in values[(range.lowerBound + i) * width + 2 + j] }
        }
        var weights = Kernels.productTransposed(block(q, rows, d), block(k, 0..<keys, d))
        for r in 0..<rows.count {
            let row = rows.lowerBound + r
            let position = row + shift
            for t in 0..<keys {
                var visible = !(rule.causal && t > position)
                if let w = rule.window { visible = visible && (rule.causal ? t > position - w : abs(position - t) < w) }
                var score = Double(weights[r, t]) * Double(rule.scale)
                if let c = rule.softcap { score = Double(c) * tanh(score / Double(c)) }
                if let m = rule.slope { score += -Double(m) * Double(position - t) }
                if let bias { score += Double(bias[row * keys + t]) }
                weights[r, t] = visible ? S(score) : -S.infinity
            }
        }
        let empty = Kernels.softmaxRows(&weights).map { rows.lowerBound + $0 }
        return (Kernels.product(weights, block(v, 0..<keys, dv)).elements, empty)
    }
}
