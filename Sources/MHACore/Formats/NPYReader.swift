/// Reads a matrix from a `.npy` file: versions 1.0–3.0, dtypes f8, f4, i4, i8 in either
/// byte order, C or Fortran order, 1-D (read as one row) or 2-D.
///
/// The data size is checked against the header before anything is allocated; integers are
/// converted exactly (|i| ≤ 2⁵³, otherwise a data error); NaN and ±∞ are refused.
struct NPYReader {
    /// The whole file.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String

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
        return try Self.matrix(elements, header: header, layout: layout, name: name)
    }

    /// The matrix from decoded elements in the file's order: Fortran order transposed into
    /// row-major, NaN and ±∞ refused.
    static func matrix(_ decoded: [Double], header: NPYHeader, layout: NPYLayout,
                       name: String) throws(FormatError) -> Matrix<Double> {
        var elements = decoded
        if header.fortranOrder && header.shape.count == 2 {
            elements = transposed(elements, rows: layout.rows, columns: layout.columns)
        }
        if !allFinite(elements), let bad = elements.firstIndex(where: { !$0.isFinite }) {
            throw failure(name, "non-finite value \(elements[bad]) at [\(bad / layout.columns), \(bad % layout.columns)]")
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
        let type = header.dataType
        let nativeBigEndian = UInt16(1).bigEndian == 1
        switch (type.kind, type.size) {
        case ("f", 8) where type.bigEndian == nativeBigEndian:
            return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[..<(count * 8)]))
                initialized = count
            }
        case ("f", 8):
            return Self.map(raw, count: count) { (bits: UInt64) -> Double in
                Double(bitPattern: type.bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
            }
        case ("f", 4):
            return Self.map(raw, count: count) { (bits: UInt32) -> Double in
                Double(Float(bitPattern: type.bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
            }
        case ("i", 4):
            return Self.map(raw, count: count) { (bits: UInt32) -> Double in
                Double(Int32(bitPattern: type.bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
            }
        default:
            let values = Self.map(raw, count: count) { (bits: UInt64) -> Int64 in
                Int64(bitPattern: type.bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
            }
            let limit: Int64 = 1 << 53
            if let bad = values.firstIndex(where: { $0 > limit || $0 < -limit }) {
                throw failure("integer \(values[bad]) at element \(bad) is not exactly representable as float64 (|i| ≤ 2^53 is)")
            }
            return values.map { Double($0) }
        }
    }

    /// Loads `count` unaligned values of type `Raw` and converts each.
    @inline(__always)
    private static func map<Raw: FixedWidthInteger, Value>(
        _ raw: UnsafeRawBufferPointer, count: Int, _ convert: (Raw) -> Value
    ) -> [Value] {
        [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
            let stride = MemoryLayout<Raw>.size
            for index in 0..<count {
                buffer[index] = convert(raw.loadUnaligned(fromByteOffset: index * stride, as: Raw.self))
            }
            initialized = count
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
