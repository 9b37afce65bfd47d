extension Kernels {
    /// Copies rows `rows` × depth `depth` of A (row-major, stride `lda`) into MR-row panels:
    /// panel q holds, for each p in 0..<depth, the MR values A[q·MR + r, p] contiguously.
    /// Rows past the end are zero, so the micro-kernel always computes full tiles.
    static func packA<S: AttentionScalar>(
        _ a: UnsafePointer<S>, lda: Int, rows: Int, depth: Int, mr: Int,
        into packed: UnsafeMutablePointer<S>
    ) {
        var panel = packed
        for i0 in stride(from: 0, to: rows, by: mr) {
            let height = Swift.min(mr, rows - i0)
            let source = a + i0 * lda
            if height == mr {
                for p in 0..<depth {
                    let target = panel + p * mr
                    for r in 0..<mr { target[r] = source[r * lda + p] }
                }
            } else {
                for r in 0..<height {
                    for p in 0..<depth { panel[p * mr + r] = source[r * lda + p] }
                }
            }
            if height < mr {
                for p in 0..<depth {
                    for r in height..<mr { panel[p * mr + r] = 0 }
                }
            }
            panel += mr * depth
        }
    }

    /// Copies op(B)[0..<depth, 0..<columns] into NR-column panels: panel q holds, for each p,
    /// the NR values op(B)[p, q·NR + j] contiguously. op(B) is B (`depth × columns`, stride
    /// `ldb`) or, with `transposed`, Bᵀ where B is stored `columns × depth`. Columns past
    /// the end are zero.
    static func packB<S: AttentionScalar>(
        _ b: UnsafePointer<S>, ldb: Int, transposed: Bool, depth: Int, columns: Int, nr: Int,
        into packed: UnsafeMutablePointer<S>
    ) {
        var panel = packed
        for j0 in stride(from: 0, to: columns, by: nr) {
            let width = Swift.min(nr, columns - j0)
            if transposed {
                for j in 0..<width {
                    let source = b + (j0 + j) * ldb
                    for p in 0..<depth { panel[p * nr + j] = source[p] }
                }
            } else {
                for p in 0..<depth {
                    let source = b + p * ldb + j0
                    let target = panel + p * nr
                    for j in 0..<width { target[j] = source[j] }
                }
            }
            if width < nr {
                for p in 0..<depth {
                    for j in width..<nr { panel[p * nr + j] = 0 }
                }
            }
            panel += nr * depth
        }
    }
}
