extension Matrix {
    /// The columns `range` as a new `rows × range.count` matrix (a head's block of Q, K or V).
    /// - Precondition: `range` lies within `0..<columns`.
    public func columnBlock(_ range: Range<Int>) -> Matrix {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= columns,
            "column block \(range) outside 0..<\(columns)")
        var block = Matrix(rows: rows, columns: range.count)
        for i in 0..<rows {
            let source = i * columns + range.lowerBound
            for j in 0..<range.count { block.elements[i * range.count + j] = elements[source + j] }
        }
        return block
    }

    /// The rows `range` as a new `range.count × columns` matrix.
    /// - Precondition: `range` lies within `0..<rows`.
    public func rowBlock(_ range: Range<Int>) -> Matrix {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= rows,
            "row block \(range) outside 0..<\(rows)")
        let slice = elements[(range.lowerBound * columns)..<(range.upperBound * columns)]
        // Count matches by construction.
        return Matrix(uncheckedRows: range.count, columns: columns, elements: Array(slice))
    }

    /// The rows at `indices`, in that order (repeats allowed): a `indices.count × columns` matrix.
    /// - Precondition: every index lies within `0..<rows`.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var elements: [Scalar] = []
        elements.reserveCapacity(indices.count * columns)
        for i in indices {
            precondition(i >= 0 && i < rows, "row \(i) outside 0..<\(rows)")
            elements += row(i)
        }
        return Matrix(uncheckedRows: indices.count, columns: columns, elements: elements)
    }

    /// Row `row` as an array of `columns` values.
    public func row(_ row: Int) -> ArraySlice<Scalar> {
        elements[(row * columns)..<((row + 1) * columns)]
    }

    /// The transpose, `columns × rows`, copied in 32 × 32 blocks so that both the rows read
    /// and the rows written stay in cache (a checkpoint's torch-layout weights are
    /// transposed once per run).
    public var transposed: Matrix {
        let (rows, columns, block) = (self.rows, self.columns, 32)
        let transposed = [Scalar](unsafeUninitializedCapacity: elements.count) { target, initialized in
            elements.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                for i0 in stride(from: 0, to: rows, by: block) {
                    for j0 in stride(from: 0, to: columns, by: block) {
                        for i in i0..<Swift.min(i0 + block, rows) {
                            for j in j0..<Swift.min(j0 + block, columns) {
                                (to + j * rows + i).initialize(to: from[i * columns + j])
                            }
                        }
                    }
                }
            }
            initialized = elements.count
        }
        return Matrix(uncheckedRows: columns, columns: rows, elements: transposed)
    }

    /// The same values in another precision (rounded to nearest). Converting to the same
    /// precision shares the storage (copy on write) instead of copying it.
    @_specialize(where Scalar == Double, Other == Double)
    @_specialize(where Scalar == Double, Other == Float)
    public func converted<Other: AttentionScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        if let same = self as? Matrix<Other> { return same }
        return Matrix<Other>(uncheckedRows: rows, columns: columns, elements: elements.map { Other($0) })
    }

    /// The index and value of the first element that is NaN or infinite, if any.
    public var firstNonFinite: (row: Int, column: Int, value: Scalar)? { firstNonFinite(rows: 0..<rows) }

    /// The first element that is NaN or infinite among rows `rows` (row counted from the
    /// matrix's first).
    func firstNonFinite(rows: Range<Int>) -> (row: Int, column: Int, value: Scalar)? {
        let span = (rows.lowerBound * columns)..<(rows.upperBound * columns)
        guard let found = elements.withUnsafeBufferPointer({ Kernels.firstNonFinite(.init(rebasing: $0[span])) })
        else { return nil }
        let index = span.lowerBound + found
        return (index / Swift.max(columns, 1), index % Swift.max(columns, 1), elements[index])
    }

    /// Internal initialiser for call sites whose element count is right by construction.
    init(uncheckedRows rows: Int, columns: Int, elements: [Scalar]) {
        precondition(rows * columns == elements.count, "element count mismatch")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }
}
