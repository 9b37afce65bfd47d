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
                compare(Double.self, n: n, d: d, causal: causal, masked: masked, tolerance: 1e-13,
                        level: level)
            }
        }
    }

    @Test(arguments: CPULevel.runnable, shapes.indices)
    func floatMatchesPlainPath(level: CPULevel, index: Int) {
        let (n, d) = Self.shapes[index]
        for causal in [false, true] {
            for masked in [false, true] {
                compare(Float.self, n: n, d: d, causal: causal, masked: masked, tolerance: 2e-6,
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
        let (q, k, v) = (randomValues(Double.self, count: n * width, seed: 1),
                         randomValues(Double.self, count: n * width, seed: 2),
                         randomValues(Double.self, count: n * width, seed: 3))
        for causal in [false, true] {
            let runs = [1, 2, 2].map { threads in
                streamed(q: q, k: k, v: v, width: width, n: n, d: d, rows: 0..<n, scale: 0.2,
                         causal: causal, mask: randomMask(n: n),
                         context: KernelContext(level: level, threads: threads)).0.map(\.bitPattern)
            }
            #expect(runs[0] == runs[1] && runs[1] == runs[2], "\(level) causal=\(causal)")
        }
    }

    @Test func laterQueryRowsAndNegativeScale() {
        // Query rows 150..<250 of 257 positions (first query ≠ 0), causal, with a mask; and
        // a negative scale, which reverses which score is largest.
        compare(Double.self, n: 257, d: 9, causal: true, masked: true, tolerance: 1e-13,
                queryRows: 150..<250)
        compare(Float.self, n: 130, d: 20, causal: false, masked: false, tolerance: 2e-6,
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

    /// Runs both paths on one head whose Q, K, V are column blocks of wider matrices (as the
    /// engine passes them) and checks outputs and the reported fully masked positions.
    func compare<S: AttentionScalar>(
        _ type: S.Type, n: Int, d: Int, causal: Bool, masked: Bool, tolerance: Double,
        queryRows: Range<Int>? = nil, scale: Double? = nil, level: CPULevel = .selected
    ) {
        let rows = queryRows ?? 0..<n
        let width = d + 3  // Q, K, V live in columns 2..<2+d of n × (d+3) matrices
        let q = randomValues(S.self, count: n * width, seed: UInt64(n * 7 + d))
        let k = randomValues(S.self, count: n * width, seed: UInt64(n * 11 + d))
        let v = randomValues(S.self, count: n * width, seed: UInt64(n * 13 + d))
        let mask = masked ? randomMask(n: n) : nil
        let s = S(scale ?? 1 / Double(d).squareRoot())
        let context = "\(S.self) \(level) n=\(n) d=\(d) causal=\(causal) masked=\(masked) rows=\(rows)"

        let (streamed, streamedEmpty) = streamed(q: q, k: k, v: v, width: width, n: n, d: d,
                                                 rows: rows, scale: s, causal: causal, mask: mask,
                                                 context: KernelContext(level: level, threads: 2))
        let (plain, plainEmpty) = plainHead(q: q, k: k, v: v, width: width, n: n, d: d,
                                            rows: rows, scale: s, causal: causal, mask: mask)
        #expect(streamedEmpty == plainEmpty, "\(context)")
        let largest = plain.map { abs(Double($0)) }.max() ?? 0
        let error = zip(streamed, plain).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(error <= tolerance * Swift.max(largest, 1), "\(context): error \(error)")
    }

    /// About one key in three blocked, and position 3 (when present) blocked entirely.
    func randomMask(n: Int) -> [Bool] {
        var generator = SplitMix64(seed: UInt64(n))
        var mask = (0..<(n * n)).map { _ in Int.random(in: 0..<3, using: &generator) != 0 }
        if n > 3 { for t in 0..<n { mask[3 * n + t] = false } }
        return mask
    }

    func streamed<S: AttentionScalar>(
        q: [S], k: [S], v: [S], width: Int, n: Int, d: Int, rows: Range<Int>, scale: S,
        causal: Bool, mask: [Bool]?, context: KernelContext
    ) -> ([S], [Int]) {
        let outputStride = d + 2
        var output = [S](repeating: -42, count: rows.count * outputStride)
        let empty = q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    output.withUnsafeMutableBufferPointer { op in
                        (mask ?? []).withUnsafeBufferPointer { mp in
                            Kernels.streamingAttention(
                                queries: qp.baseAddress! + rows.lowerBound * width + 2,
                                queryStride: width, queryCount: rows.count,
                                firstQuery: rows.lowerBound,
                                keys: kp.baseAddress! + 2, keyStride: width,
                                values: vp.baseAddress! + 2, valueStride: width, keyCount: n,
                                headDim: d, scale: scale, causal: causal,
                                mask: mask == nil ? nil : mp.baseAddress, maskStride: n,
                                output: op.baseAddress!, outputStride: outputStride,
                                context: context)
                        }
                    }
                }
            }
        }
        let padding = (0..<rows.count).flatMap { r in (d..<outputStride).map { output[r * outputStride + $0] } }
        #expect(padding.allSatisfy { $0 == -42 }, "output padding was written")
        let packed = (0..<rows.count).flatMap { r in (0..<d).map { output[r * outputStride + $0] } }
        return (packed, empty)
    }

    func plainHead<S: AttentionScalar>(
        q: [S], k: [S], v: [S], width: Int, n: Int, d: Int, rows: Range<Int>, scale: S,
        causal: Bool, mask: [Bool]?
    ) -> ([S], [Int]) {
        func block(_ values: [S], _ range: Range<Int>) -> Matrix<S> {
            Matrix(rows: range.count, columns: d) { i, j in values[(range.lowerBound + i) * width + 2 + j] }
        }
        var weights = Kernels.productTransposed(block(q, rows), block(k, 0..<n))
        for r in 0..<rows.count {
            let position = rows.lowerBound + r
            for t in 0..<n {
                let visible = !(causal && t > position) && (mask?[position * n + t] ?? true)
                weights[r, t] = visible ? weights[r, t] * scale : -S.infinity
            }
        }
        let empty = Kernels.softmaxRows(&weights).map { rows.lowerBound + $0 }
        return (Kernels.product(weights, block(v, 0..<n)).elements, empty)
    }
}
