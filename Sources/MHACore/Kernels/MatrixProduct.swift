extension Kernels {
    /// A·B: `(m × k)·(k × n) → m × n`.
    /// - Precondition: `a.columns == b.rows`.
    /// - Complexity: O(m·n·k).
    public static func product<S: AttentionScalar>(_ a: Matrix<S>, _ b: Matrix<S>) -> Matrix<S> {
        precondition(a.columns == b.rows, "product of \(a.shape) and \(b.shape)")
        return multiply(a, b, transposeB: false, rows: 0..<a.rows, columns: b.columns)
    }

    /// A·Bᵀ: `(m × k)·(n × k)ᵀ → m × n` (the scores Q·Kᵀ) without forming Bᵀ.
    /// - Precondition: `a.columns == b.columns`.
    /// - Complexity: O(m·n·k).
    public static func productTransposed<S: AttentionScalar>(_ a: Matrix<S>, _ b: Matrix<S>) -> Matrix<S> {
        precondition(a.columns == b.columns, "product of \(a.shape) and transposed \(b.shape)")
        return multiply(a, b, transposeB: true, rows: 0..<a.rows, columns: b.rows)
    }

    /// x[rows]·W + b (b added to every row; all of x's rows by default, any range read in
    /// place), the bias added and the result checked for NaN and ±∞ block by block as the
    /// product finishes each one, while it is in cache.
    /// - Precondition: `x.columns == w.rows`, `rows` within x, `bias` nil or of `w.columns`
    ///   values.
    /// - Returns: the result and whether every element of it is finite.
    static func affine<S: AttentionScalar>(
        _ x: Matrix<S>, rows: Range<Int>? = nil, _ w: Matrix<S>, bias: [S]?
    ) -> (Matrix<S>, finite: Bool) {
        let rows = rows ?? 0..<x.rows
        precondition(x.columns == w.rows, "product of \(x.shape) and \(w.shape)")
        precondition(rows.clamped(to: 0..<x.rows) == rows, "rows \(rows) of \(x.shape)")
        precondition(bias.map { $0.count == w.columns } ?? true, "bias for \(w.columns) columns")
        var flags = [Bool](repeating: false, count: Swift.max(1, KernelContext.current.threads))
        let y = flags.withUnsafeMutableBufferPointer { slots in
            (bias ?? []).withUnsafeBufferPointer { b in
                multiply(
                    x, w, transposeB: false, rows: rows, columns: w.columns,
                    epilogue: slots.baseAddress.map {
                        BlockEpilogue(bias: bias == nil ? nil : b.baseAddress, nonFinite: $0)
                    })
            }
        }
        return (y, !flags.contains(true))
    }

    /// A[:, aColumns]·op(B[:, bColumns]) with both column blocks read in place (a head's Q_j,
    /// K_j or V_j, no copies): `transposeB` makes it A_j·B_jᵀ (the scores), else A_j·B_j.
    /// - Precondition: the ranges within the matrices; the inner dimensions agree.
    static func product<S: AttentionScalar>(
        _ a: Matrix<S>, columns aColumns: Range<Int>, _ b: Matrix<S>, columns bColumns: Range<Int>,
        transposeB: Bool
    ) -> Matrix<S> {
        precondition(aColumns.clamped(to: 0..<a.columns) == aColumns && bColumns.clamped(to: 0..<b.columns) == bColumns)
        precondition(transposeB ? aColumns.count == bColumns.count : aColumns.count == b.rows)
        return multiply(
            a, b, transposeB: transposeB, rows: 0..<a.rows, columns: transposeB ? b.rows : bColumns.count,
            aColumns: aColumns, bColumns: bColumns)
    }

    /// A[rows, aColumns]·op(B[:, bColumns]) (all columns by default), both read in place;
    /// `columns` is op(B)'s width.
    private static func multiply<S: AttentionScalar>(
        _ a: Matrix<S>, _ b: Matrix<S>, transposeB: Bool, rows: Range<Int>, columns: Int,
        aColumns: Range<Int>? = nil, bColumns: Range<Int>? = nil, epilogue: BlockEpilogue<S>? = nil
    ) -> Matrix<S> {
        let (aColumns, bColumns) = (aColumns ?? 0..<a.columns, bColumns ?? 0..<b.columns)
        // gemm writes every element of C (zeros when k = 0), so C starts uninitialised: no
        // single-threaded zero fill before the cores share the work and the first touch.
        let count = rows.count * columns
        let elements = [S](unsafeUninitializedCapacity: count) { cp, initialized in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    guard let aBase = ap.baseAddress, let bBase = bp.baseAddress,
                        let cBase = cp.baseAddress
                    else { return }
                    gemm(
                        m: rows.count, n: columns, k: aColumns.count,
                        a: aBase + rows.lowerBound * a.columns + aColumns.lowerBound, lda: a.columns,
                        b: bBase + bColumns.lowerBound, ldb: b.columns, transposeB: transposeB,
                        c: cBase, ldc: columns, epilogue: epilogue)
                }
            }
            // An empty operand leaves C empty or (k = 0) zeroed by gemm; if A or B had no
            // storage at all while C has elements, C is the zero product.
            if count > 0, a.elements.isEmpty || b.elements.isEmpty, let cBase = cp.baseAddress {
                cBase.initialize(repeating: 0, count: count)
                epilogue?.apply(cBase, ldc: columns, rows: rows.count, columns: columns, firstColumn: 0, band: 0)
            }
            initialized = count
        }
        return Matrix(uncheckedRows: rows.count, columns: columns, elements: elements)
    }

    /// C = A·op(B) on raw row-major storage with row strides (`lda`, `ldb`, `ldc`), where
    /// op(B) is B (`k × n`) or Bᵀ (B stored `n × k`). C is overwritten.
    ///
    /// Double and Float go to the packed, cache-blocked SIMD product (`blockedGEMM`) at
    /// `context`'s instruction-set level unless the product is tiny (fewer than
    /// `packingThreshold` multiply-adds), where packing costs more than it saves; any other
    /// scalar type uses the plain loop. The `epilogue` runs once on every element of C.
    static func gemm<S: AttentionScalar>(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<S>, lda: Int,
        b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<S>, ldc: Int, context: KernelContext = .current,
        epilogue: BlockEpilogue<S>? = nil
    ) {
        guard m > 0, n > 0 else { return }
        let work = m.multipliedReportingOverflow(by: n).partialValue
            .multipliedReportingOverflow(by: k).partialValue
        if k > 0, work >= packingThreshold {
            if S.self == Double.self {
                blockedGEMM(
                    GEMMPlan(Double.self, level: context.level), threads: context.threads,
                    m: m, n: n, k: k, a: a.rebound(to: Double.self), lda: lda,
                    b: b.rebound(to: Double.self), ldb: ldb, transposeB: transposeB,
                    c: c.rebound(to: Double.self), ldc: ldc, epilogue: epilogue?.rebound(to: Double.self))
                return
            }
            if S.self == Float.self {
                blockedGEMM(
                    GEMMPlan(Float.self, level: context.level), threads: context.threads,
                    m: m, n: n, k: k, a: a.rebound(to: Float.self), lda: lda,
                    b: b.rebound(to: Float.self), ldb: ldb, transposeB: transposeB,
                    c: c.rebound(to: Float.self), ldc: ldc, epilogue: epilogue?.rebound(to: Float.self))
                return
            }
        }
        plainGEMM(
            m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, transposeB: transposeB,
            c: c, ldc: ldc)
        epilogue?.apply(c, ldc: ldc, rows: m, columns: n, firstColumn: 0, band: 0)
    }

    /// Products with fewer multiply-adds than this skip packing.
    static let packingThreshold = 4096

    /// The straightforward i-p-j (or dot-product, for Bᵀ) loop: the reference for tiny sizes.
    static func plainGEMM<S: AttentionScalar>(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<S>, lda: Int,
        b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        for i in 0..<m {
            let cRow = c + i * ldc
            for j in 0..<n { cRow[j] = 0 }
            let aRow = a + i * lda
            if transposeB {
                for j in 0..<n {
                    let bRow = b + j * ldb
                    var sum = S.zero
                    for p in 0..<k { sum += aRow[p] * bRow[p] }
                    cRow[j] = sum
                }
            } else {
                for p in 0..<k {
                    let aip = aRow[p]
                    let bRow = b + p * ldb
                    for j in 0..<n { cRow[j] += aip * bRow[j] }
                }
            }
        }
    }
}

extension UnsafePointer {
    /// The same address viewed as `T`; only for a `T` that is `Pointee` (checked by the caller).
    @inline(__always)
    func rebound<T>(to type: T.Type) -> UnsafePointer<T> {
        UnsafeRawPointer(self).assumingMemoryBound(to: T.self)
    }
}

extension UnsafeMutablePointer {
    /// The same address viewed as `T`; only for a `T` that is `Pointee` (checked by the caller).
    @inline(__always)
    func rebound<T>(to type: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(self).assumingMemoryBound(to: T.self)
    }
}
