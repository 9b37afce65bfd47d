import Testing

@testable import MHACore

/// The packed SIMD product (`Kernels.gemm`) against a compensated Double reference, at sizes
/// that are and are not multiples of the register and cache tiles, both op(B), both
/// precisions, at every instruction-set level this machine runs; and bit-identical results
/// across runs and thread counts.
@Suite struct MatrixProductTests {
    /// (m, n, k): edges 1, 7, 65, 257 (not tile multiples), k past one depth block (256),
    /// m past one row block, n past one column block (512) in a tall product, wide-and-short
    /// (column bands) and tall (row bands) products.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (7, 7, 7), (65, 65, 65), (257, 7, 65), (1, 257, 65), (257, 1, 7),
        (65, 7, 257), (7, 300, 130), (257, 33, 65), (130, 17, 1000), (2, 4100, 260), (130, 530, 70),
    ]

    @Test(arguments: shapes.indices)
    func doubleMatchesReference(index: Int) {
        let (m, n, k) = Self.shapes[index]
        check(Double.self, m: m, n: n, k: k, tolerance: 1e-14)
    }

    @Test(arguments: shapes.indices)
    func floatMatchesReference(index: Int) {
        let (m, n, k) = Self.shapes[index]
        check(Float.self, m: m, n: n, k: k, tolerance: 1e-5)
    }

    @Test(arguments: CPULevel.runnable)
    func stridedOperandsLeavePaddingAlone(level: CPULevel) {
        strided(Double.self, tolerance: 1e-14, level: level)
        strided(Float.self, tolerance: 1e-5, level: level)
    }

    /// Large enough to be split over threads (row bands, and column bands for the wide one):
    /// one thread, two threads and a second run give the same bits.
    @Test(arguments: CPULevel.runnable)
    func resultsDoNotDependOnThreadsOrRuns(level: CPULevel) {
        for (m, n, k) in [(130, 130, 130), (5, 2100, 200)] {
            #expect(m * n * k >= Kernels.parallelThreshold)
            identical(Double.self, m: m, n: n, k: k, level: level)
            identical(Float.self, m: m, n: n, k: k, level: level)
        }
    }

    /// Two row bands with B packed block by block and packed whole (several n_c and k_c
    /// blocks, edges that are not tile multiples): both match the reference, bit for bit
    /// alike.
    @Test(arguments: CPULevel.runnable)
    func bothSharedPanelSchedulesAgree(level: CPULevel) {
        for (m, n, k) in [(37, 2100, 600), (130, 530, 70)] {
            schedules(Double.self, m: m, n: n, k: k, level: level, tolerance: 1e-14)
            schedules(Float.self, m: m, n: n, k: k, level: level, tolerance: 1e-5)
        }
    }

    func schedules<S: PackedScalar>(_ type: S.Type, m: Int, n: Int, k: Int, level: CPULevel, tolerance: Double) {
        let plan = GEMMPlan(S.self, level: level)
        if m == 37 { #expect(n > plan.columnBlock && k > plan.depthBlock, "several blocks each way") }
        let a = randomValues(S.self, count: m * k, seed: 21)
        let b = randomValues(S.self, count: k * n, seed: 22)
        let reference = referenceProduct(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, transposeB: false)
        let results = [false, true].map { whole in
            var c = [S](repeating: -42, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        guard let aBase = ap.baseAddress, let bBase = bp.baseAddress, let cBase = cp.baseAddress
                        else { return }
                        KernelContext.$override.withValue(KernelContext(level: level, threads: 2)) {
                            Kernels.sharedPanelGEMM(
                                plan, bands: 2, packingWholeB: whole, m: m, n: n, k: k, a: aBase, lda: k,
                                b: bBase, ldb: n, transposeB: false, c: cBase, ldc: n)
                        }
                    }
                }
            }
            #expect(worstError(c, ldc: n, m: m, n: n, reference) <= tolerance, "\(S.self) \(level) whole B \(whole)")
            return c.map { Double($0).bitPattern }
        }
        #expect(results[0] == results[1], "\(S.self) \(level) \(m)×\(k)·\(k)×\(n)")
    }

    func identical<S: AttentionScalar>(_ type: S.Type, m: Int, n: Int, k: Int, level: CPULevel) {
        let a = randomValues(S.self, count: m * k, seed: 3)
        for transposeB in [false, true] {
            let b = randomValues(S.self, count: k * n, seed: 4)
            let ldb = transposeB ? k : n
            let runs = [1, 2, 2].map { threads in
                run(
                    S.self, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: ldb, transposeB: transposeB,
                    ldc: n, context: KernelContext(level: level, threads: threads))
            }
            let bits = runs.map { $0.map { Double($0).bitPattern } }
            #expect(
                bits[0] == bits[1] && bits[1] == bits[2],
                "\(S.self) \(level) \(m)×\(k)·\(k)×\(n) transposeB=\(transposeB)")
        }
    }

    @Test func emptyDepthGivesZero() {
        var c = [Double](repeating: 7, count: 6)
        let a = [Double](repeating: 1, count: 1), b = a
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    Kernels.gemm(
                        m: 2, n: 3, k: 0, a: ap.baseAddress!, lda: 0,
                        b: bp.baseAddress!, ldb: 3, transposeB: false,
                        c: cp.baseAddress!, ldc: 3)
                }
            }
        }
        #expect(c == [0, 0, 0, 0, 0, 0])
    }

    /// Both op(B) for one shape at every level: C's error relative to Σ|a||b| must stay
    /// under `tolerance`.
    func check<S: AttentionScalar>(_ type: S.Type, m: Int, n: Int, k: Int, tolerance: Double) {
        let a = randomValues(S.self, count: m * k, seed: UInt64(m * 31 + k))
        for transposeB in [false, true] {
            let b = randomValues(S.self, count: k * n, seed: UInt64(n * 17 + k))
            let ldb = transposeB ? k : n
            let reference = referenceProduct(
                m: m, n: n, k: k, a: a, lda: k, b: b, ldb: ldb,
                transposeB: transposeB)
            for level in CPULevel.runnable {
                let c = run(
                    S.self, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: ldb,
                    transposeB: transposeB, ldc: n,
                    context: KernelContext(level: level, threads: 2))
                let error = worstError(c, ldc: n, m: m, n: n, reference)
                #expect(error <= tolerance, "\(S.self) \(level) \(m)×\(k)·\(k)×\(n) transposeB=\(transposeB)")
            }
        }
    }

    /// Operands inside wider rows (lda > k, ldb > n or k, ldc > n): only C's m × n window
    /// may change, and it must be right.
    func strided<S: AttentionScalar>(_ type: S.Type, tolerance: Double, level: CPULevel) {
        let (m, n, k) = (67, 45, 300)
        let (lda, ldc) = (k + 5, n + 3)
        let a = randomValues(S.self, count: m * lda, seed: 11)
        for transposeB in [false, true] {
            let ldb = transposeB ? k + 9 : n + 9
            let b = randomValues(S.self, count: (transposeB ? n : k) * ldb, seed: 12)
            let c = run(
                S.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                transposeB: transposeB, ldc: ldc,
                context: KernelContext(level: level, threads: 2))
            let reference = referenceProduct(
                m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                transposeB: transposeB)
            #expect(worstError(c, ldc: ldc, m: m, n: n, reference) <= tolerance)
            let padding = (0..<m).flatMap { i in (n..<ldc).map { c[i * ldc + $0] } }
            #expect(padding.allSatisfy { $0 == -42 })
        }
    }

    /// Runs `Kernels.gemm` into a C prefilled with -42 (so stale values would show).
    func run<S: AttentionScalar>(
        _ type: S.Type, m: Int, n: Int, k: Int, a: [S], lda: Int, b: [S], ldb: Int,
        transposeB: Bool, ldc: Int, context: KernelContext
    ) -> [S] {
        var c = [S](repeating: -42, count: m * ldc)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let aBase = ap.baseAddress, let bBase = bp.baseAddress,
                        let cBase = cp.baseAddress
                    else { return }
                    Kernels.gemm(
                        m: m, n: n, k: k, a: aBase, lda: lda, b: bBase, ldb: ldb,
                        transposeB: transposeB, c: cBase, ldc: ldc, context: context)
                }
            }
        }
        return c
    }

    /// max over entries of |c − reference| / Σ|a||b| (0 where the scale is 0 and c is exact).
    func worstError<S: AttentionScalar>(
        _ c: [S], ldc: Int, m: Int, n: Int, _ reference: (value: [Double], scale: [Double])
    ) -> Double {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                let difference = abs(Double(c[i * ldc + j]) - reference.value[i * n + j])
                let scale = reference.scale[i * n + j]
                worst = Swift.max(worst, scale > 0 ? difference / scale : difference)
            }
        }
        return worst
    }
}
