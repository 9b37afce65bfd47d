/// What the packed product does to each finished block of C while the block is still in
/// cache: add a bias row (the projections' + b) and note any NaN or ±∞, so that neither
/// needs another pass over a matrix that no longer fits in cache.
struct BlockEpilogue<S: AttentionScalar> {
    /// b[j] is added to column j of every row of C; nil adds nothing.
    var bias: UnsafePointer<S>?
    /// One flag per band of the product, set when the band's blocks hold a non-finite value.
    var nonFinite: UnsafeMutablePointer<Bool>
    /// The flag slot of band 0 (column bands each get their own).
    var firstSlot = 0

    /// The same epilogue for `T`, which is `S` (checked by the caller).
    func rebound<T: AttentionScalar>(to type: T.Type) -> BlockEpilogue<T> {
        BlockEpilogue<T>(bias: bias?.rebound(to: T.self), nonFinite: nonFinite, firstSlot: firstSlot)
    }

    /// The epilogue of the column band that starts at C's column `start`.
    func columns(from start: Int, band: Int) -> BlockEpilogue {
        BlockEpilogue(bias: bias.map { $0 + start }, nonFinite: nonFinite, firstSlot: firstSlot + band)
    }

    /// Runs on C's block of `rows` × `columns` at `block` (row stride `ldc`), which starts at
    /// the call's column `firstColumn`, computed by `band`.
    func apply(
        _ block: UnsafeMutablePointer<S>, ldc: Int, rows: Int, columns: Int, firstColumn: Int, band: Int
    ) {
        var finite = true
        for r in 0..<rows {
            let row = block + r * ldc
            if let bias {
                let b = bias + firstColumn
                for j in 0..<columns { row[j] += b[j] }
            }
            finite = finite && Kernels.firstNonFinite(UnsafePointer(row), count: columns) == nil
        }
        if !finite { nonFinite[firstSlot + band] = true }
    }
}

extension Kernels {
    /// The epilogue over all of `y` at once, for a product that is not blocked
    /// (`fewRowsProduct`'s): b added to every row; returns whether every element is finite.
    /// - Precondition: `bias` nil or of `y.columns` values.
    static func finishAffine<S: AttentionScalar>(_ y: inout Matrix<S>, bias: [S]?) -> Bool {
        precondition(bias.map { $0.count == y.columns } ?? true, "bias for \(y.columns) columns")
        var nonFinite = false
        let (rows, columns) = (y.rows, y.columns)
        (bias ?? []).withUnsafeBufferPointer { b in
            y.withUnsafeMutableBufferPointer { c in
                guard let base = c.baseAddress else { return }
                withUnsafeMutablePointer(to: &nonFinite) { flag in
                    BlockEpilogue(bias: bias == nil ? nil : b.baseAddress, nonFinite: flag).apply(
                        base, ldc: columns, rows: rows, columns: columns, firstColumn: 0, band: 0)
                }
            }
        }
        return !nonFinite
    }
}
