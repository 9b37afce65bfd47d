import MHACore

/// Reads a matrix from a `.npy` file: versions 1.0–3.0, dtypes f8, f4, f2, i1, i2, i4, i8, u1,
/// u2, u4, u8 in either byte order and b1 (bool: 0 or 1), C or Fortran order, 1-D (read as
/// one row) or 2-D.
///
/// The data size is checked against the header before anything is allocated; integers are
/// converted exactly: a value that float64 cannot hold exactly (converted and converted
/// back, it differs, e.g. 2⁵³ + 1 or 2⁶³ − 1; 2⁶² is fine) is a data error naming it.
/// NaN and ±∞ are refused (−∞ is read under `NonFiniteRule.negativeInfinityAllowed`).
struct NPYReader {
    /// The whole file.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String
    /// Which non-finite values are read (none, unless the matrix is an additive mask).
    var nonFinite = NonFiniteRule.refused

    /// Parses the file into a row-major matrix.
    func read() throws(FormatError) -> Matrix<Double> {
        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: bytes)
        } catch {
            throw Self.failure(name, error.message, .syntax)
        }
        let layout = try NPYLayout(header, availableBytes: bytes.count - header.dataOffset, name: name)
        let elements = try decode(header, count: layout.count)
        return try Self.matrix(elements, header: header, layout: layout, name: name, nonFinite: nonFinite)
    }

    /// The matrix from decoded elements in the file's order: Fortran order transposed into
    /// row-major, NaN and ±∞ refused.
    static func matrix(
        _ decoded: [Double], header: NPYHeader, layout: NPYLayout,
        name: String, nonFinite: NonFiniteRule
    ) throws(FormatError) -> Matrix<Double> {
        var elements = decoded
        if header.fortranOrder && header.shape.count == 2 {
            elements = transposed(elements, rows: layout.rows, columns: layout.columns)
        }
        if let bad = nonFinite.firstRefused(elements) {
            throw failure(
                name, "non-finite value \(elements[bad]) at [\(bad / layout.columns), \(bad % layout.columns)]")
        }
        do {
            return try Matrix(rows: layout.rows, columns: layout.columns, elements: elements)
        } catch {
            throw failure(name, error.description)
        }
    }

    /// The elements as Doubles, in the file's order.
    private func decode(_ header: NPYHeader, count: Int) throws(FormatError) -> [Double] {
        let raw = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[header.dataOffset...]))
        let (rows, columns) = header.shape.count == 2 ? (header.shape[0], header.shape[1]) : (1, count)
        do {
            return try ElementDecoder.decode(raw, count: count, as: header.dataType.elementType) { index in
                let (row, column) =
                    header.fortranOrder ? (index % rows, index / rows) : (index / columns, index % columns)
                return "[\(row), \(column)]"
            }
        } catch {
            throw failure(error.message)
        }
    }

    /// Whether every element is finite: no exponent field of all ones (a branch-free
    /// integer pass the compiler can vectorise).
    static func allFinite(_ elements: [Double]) -> Bool {
        let exponentMask: UInt64 = 0x7FF0_0000_0000_0000
        var nonFinite: UInt64 = 0
        elements.withUnsafeBufferPointer { buffer in
            for value in buffer { nonFinite |= (value.bitPattern & exponentMask) == exponentMask ? 1 : 0 }
        }
        return nonFinite == 0
    }

    /// Column-major `elements` of a rows × columns array, rearranged row-major.
    static func transposed(_ elements: [Double], rows: Int, columns: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: elements.count) { buffer, initialized in
            for column in 0..<columns {
                for row in 0..<rows {
                    buffer[row * columns + column] = elements[column * rows + row]
                }
            }
            initialized = elements.count
        }
    }

    /// An error of this file (NPY has no lines, so no location).
    private func failure(_ message: String, _ kind: FormatError.Kind = .data) -> FormatError {
        Self.failure(name, message, kind)
    }

    /// An error of the file `name` (NPY has no lines, so no location).
    static func failure(_ name: String, _ message: String, _ kind: FormatError.Kind = .data) -> FormatError {
        FormatError(kind: kind, file: name, message: message)
    }
}
