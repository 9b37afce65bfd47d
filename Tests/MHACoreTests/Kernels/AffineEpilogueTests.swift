import Testing

@testable import MHACore

/// `Kernels.affine`: x·W + b with the bias added and the finite check done on each finished
/// block of C (`BlockEpilogue`) — on every path of the product (the plain loop for tiny
/// sizes, row bands, column bands), at every level, on one and two threads.
@Suite struct AffineEpilogueTests {
    static let shapes = MatrixProductTests.shapes

    @Test(arguments: shapes.indices)
    func biasIsAddedToEveryRow(index: Int) {
        let (m, n, k) = Self.shapes[index]
        check(Double.self, m: m, n: n, k: k, tolerance: 1e-14)
        check(Float.self, m: m, n: n, k: k, tolerance: 1e-5)
    }

    /// A NaN, an infinity or an overflowing product in the last row only (the edge of the
    /// last block), or an infinite bias in the last column: the result is reported as not
    /// finite on every path; clean operands as finite.
    @Test(arguments: shapes.indices)
    func nonFiniteValuesAreFound(index: Int) {
        let (m, n, k) = Self.shapes[index]
        for level in CPULevel.runnable {
            for threads in [1, 2] {
                let context = KernelContext(level: level, threads: threads)
                let clean = operands(Double.self, m: m, n: n, k: k)
                #expect(affine(clean, context).finite, "\(m)×\(k)·\(k)×\(n) \(level) \(threads)")
                for poison in [Double.nan, .infinity, 1e300] {
                    var x = clean
                    x.x[(m - 1) * k + k / 2] = poison
                    if poison == 1e300 { x.w = x.w.map { $0 * 1e300 } }
                    #expect(!affine(x, context).finite, "x \(poison) \(m)×\(k)·\(k)×\(n) \(level) \(threads)")
                }
                var b = clean
                b.bias[n - 1] = -.infinity
                #expect(!affine(b, context).finite, "bias \(m)×\(k)·\(k)×\(n) \(level) \(threads)")
            }
        }
    }

    typealias Operands<S: AttentionScalar> = (x: [S], w: [S], bias: [S], m: Int, n: Int, k: Int)

    func operands<S: AttentionScalar>(_ type: S.Type, m: Int, n: Int, k: Int) -> Operands<S> {
        (
            randomValues(S.self, count: m * k, seed: UInt64(m + 7)),
            randomValues(S.self, count: k * n, seed: UInt64(n + 9)),
            randomValues(S.self, count: n, seed: UInt64(k + 11)), m, n, k
        )
    }

    func affine<S: AttentionScalar>(_ o: Operands<S>, _ context: KernelContext) -> (Matrix<S>, finite: Bool) {
        let x = Matrix(uncheckedRows: o.m, columns: o.k, elements: o.x)
        let w = Matrix(uncheckedRows: o.k, columns: o.n, elements: o.w)
        return KernelContext.$override.withValue(context) { Kernels.affine(x, w, bias: o.bias) }
    }

    /// Error relative to Σ|x||w| + |b| against the compensated reference plus the bias.
    func check<S: AttentionScalar>(_ type: S.Type, m: Int, n: Int, k: Int, tolerance: Double) {
        let o = operands(S.self, m: m, n: n, k: k)
        let reference = referenceProduct(m: m, n: n, k: k, a: o.x, lda: k, b: o.w, ldb: n, transposeB: false)
        for level in CPULevel.runnable {
            for threads in [1, 2] {
                let (y, finite) = affine(o, KernelContext(level: level, threads: threads))
                #expect(finite)
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        let expected = reference.value[i * n + j] + Double(o.bias[j])
                        let scale = reference.scale[i * n + j] + abs(Double(o.bias[j]))
                        worst = Swift.max(worst, abs(Double(y[i, j]) - expected) / scale)
                    }
                }
                #expect(worst <= tolerance, "\(S.self) \(level) \(threads) \(m)×\(k)·\(k)×\(n): \(worst)")
            }
        }
    }
}
