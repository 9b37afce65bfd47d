/// A dense matrix with contiguous row-major storage.
///
/// Element (i, j) lives at `elements[i * columns + j]`. The element count always equals
/// `rows * columns`; the throwing initialiser checks it.
///
///     let m = try Matrix<Double>(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
///     m[1, 2]            // 6.0
///     m.shape            // Shape(rows: 2, columns: 3), printed "2 × 3"
public struct Matrix<Scalar: AttentionScalar>: Equatable, Sendable {
    /// Number of rows (for inputs: tokens).
    public let rows: Int
    /// Number of columns (for inputs: d_model).
    public let columns: Int
    /// Row-major elements, `rows * columns` of them.
    public internal(set) var elements: [Scalar]

    /// A matrix filled with one value.
    /// - Precondition: `rows >= 0`, `columns >= 0` and their product does not overflow.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(!overflow, "matrix \(rows) × \(columns) has too many elements")
        self.rows = rows
        self.columns = columns
        self.elements = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            // A fresh n × n matrix (a head's kept weights) otherwise costs a page fault per 4 KiB.
            let bytes = count &* MemoryLayout<Scalar>.stride
            if bytes >= 2 * HugePages.size { HugePages.advise(base, byteCount: bytes) }
            base.initialize(repeating: value, count: count)
            initialized = count
        }
    }

    /// A matrix over existing row-major elements.
    /// - Throws: `MatrixError.negativeDimensions` or `.tooManyElements` for dimensions no
    ///   matrix has, `.elementCount` when `elements.count != rows * columns`.
    public init(rows: Int, columns: Int, elements: [Scalar]) throws(MatrixError) {
        guard rows >= 0, columns >= 0 else { throw .negativeDimensions(rows: rows, columns: columns) }
        guard let count = CheckedArithmetic.product(rows, columns) else {
            throw .tooManyElements(rows: rows, columns: columns)
        }
        guard count == elements.count else {
            throw .elementCount(rows: rows, columns: columns, count: elements.count)
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose element (i, j) is `element(i, j)`.
    public init(rows: Int, columns: Int, _ element: (_ row: Int, _ column: Int) -> Scalar) {
        self.init(rows: rows, columns: columns)
        for i in 0..<rows {
            for j in 0..<columns { elements[i * columns + j] = element(i, j) }
        }
    }

    /// Builds a matrix from nested rows; all rows must have the same length. Meant for tests
    /// and literals, never for the engine.
    /// - Throws: `MatrixError.raggedRows` when rows differ in length.
    public init(_ nestedRows: [[Scalar]]) throws(MatrixError) {
        let width = nestedRows.first?.count ?? 0
        if let bad = nestedRows.firstIndex(where: { $0.count != width }) {
            throw .raggedRows(row: bad, count: nestedRows[bad].count, expected: width)
        }
        try self.init(rows: nestedRows.count, columns: width, elements: nestedRows.flatMap { $0 })
    }

    /// The matrix's shape.
    public var shape: Shape { Shape(rows: rows, columns: columns) }

    /// Element at row `row`, column `column` (both 0-based).
    public subscript(row: Int, column: Int) -> Scalar {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Gives the kernels direct access to the row-major storage.
    public func withUnsafeBufferPointer<R>(
        _ body: (UnsafeBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }

    /// Gives the kernels direct, mutable access to the row-major storage.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer(body)
    }
}

/// A matrix's shape, printed the way the textbook writes it: `3 × 16`.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public var rows: Int
    /// Number of columns.
    public var columns: Int

    /// A shape of `rows` × `columns`.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    public var description: String { "\(rows)×\(columns)" }
}

/// Errors in building a matrix from raw elements.
public enum MatrixError: MHAError, Equatable, Sendable {
    /// The element count does not match rows × columns.
    case elementCount(rows: Int, columns: Int, count: Int)
    /// Nested rows of different lengths.
    case raggedRows(row: Int, count: Int, expected: Int)
    /// A negative number of rows or columns.
    case negativeDimensions(rows: Int, columns: Int)
    /// rows × columns does not fit in `Int`.
    case tooManyElements(rows: Int, columns: Int)
    /// A `WrittenMatrix` given another number of precisions than the matrix has entries.
    case precisionCount(rows: Int, columns: Int, count: Int)

    /// `.usage` for negative dimensions (no such matrix can be asked for), `.data` otherwise.
    public var category: ErrorCategory {
        if case .negativeDimensions = self { return .usage }
        return .data
    }

    public var description: String {
        switch self {
        case let .elementCount(rows, columns, count):
            return "a \(rows)×\(columns) matrix needs \(Self.entries(rows, columns)) elements, got \(count)"
        case let .raggedRows(row, count, expected):
            return "row \(row) has \(count) values; the rows above have \(expected)"
        case let .negativeDimensions(rows, columns):
            return "a \(rows)×\(columns) matrix is impossible: the dimensions must be non-negative"
        case let .tooManyElements(rows, columns):
            return "a \(rows)×\(columns) matrix has too many elements (the count overflows a 64-bit integer)"
        case let .precisionCount(rows, columns, count):
            return
                "a \(rows)×\(columns) matrix needs \(Self.entries(rows, columns)) precisions (one per entry), got \(count)"
        }
    }

    /// rows·columns written out, or as the product when it does not fit in `Int`.
    private static func entries(_ rows: Int, _ columns: Int) -> String {
        CheckedArithmetic.product(rows, columns).map(String.init) ?? "\(rows)·\(columns)"
    }
}

extension Matrix {
    /// Calls `body` with the index and storage of each row of `rows` in turn, in order.
    /// - Precondition: `rows` within the matrix.
    mutating func updateRows(_ rows: Range<Int>, _ body: (Int, UnsafeMutableBufferPointer<Scalar>) -> Void) {
        precondition(rows.clamped(to: 0..<self.rows) == rows, "rows \(rows) of \(shape)")
        let columns = self.columns
        elements.withUnsafeMutableBufferPointer { storage in
            for r in rows { body(r, UnsafeMutableBufferPointer(rebasing: storage[r * columns..<(r + 1) * columns])) }
        }
    }

    /// Rows `rows` set to `other`'s.
    /// - Precondition: the same shape; `rows` within it.
    mutating func copyRows(_ rows: Range<Int>, from other: Matrix<Scalar>) {
        precondition(other.shape == shape && rows.clamped(to: 0..<self.rows) == rows)
        let span = rows.lowerBound * columns..<rows.upperBound * columns
        elements.replaceSubrange(span, with: other.elements[span])
    }
}
