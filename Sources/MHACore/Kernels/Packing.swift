extension Kernels {
    /// Copies rows `rows` × depth `depth` of A (row-major, stride `lda`) into MR-row panels:
    /// panel q holds, for each p in 0..<depth, the MR values A[q·MR + r, p] contiguously.
    /// Rows past the end are zero, so the micro-kernel always computes full tiles. The copy
    /// is C's (`mha_f64_pack_a`), which prefetches the rows of the panels ahead.
    @inline(__always)
    static func packA<S: PackedScalar>(
        _ a: UnsafePointer<S>, lda: Int, rows: Int, depth: Int, mr: Int,
        into packed: UnsafeMutablePointer<S>
    ) {
        S.packRows(a, lda: lda, rows: rows, depth: depth, mr: mr, into: packed)
    }

    /// Copies op(B)[0..<depth, 0..<columns] into NR-column panels: panel q holds, for each p,
    /// the NR values op(B)[p, q·NR + j] contiguously. op(B) is B (`depth × columns`, stride
    /// `ldb`) or, with `transposed`, Bᵀ where B is stored `columns × depth`, whose panels are
    /// A's panels of its rows. Columns past the end are zero.
    @inline(__always)
    static func packB<S: PackedScalar>(
        _ b: UnsafePointer<S>, ldb: Int, transposed: Bool, depth: Int, columns: Int, nr: Int,
        into packed: UnsafeMutablePointer<S>
    ) {
        if transposed {
            S.packRows(b, lda: ldb, rows: columns, depth: depth, mr: nr, into: packed)
        } else {
            S.packColumns(b, ldb: ldb, depth: depth, columns: columns, nr: nr, into: packed)
        }
    }
}
