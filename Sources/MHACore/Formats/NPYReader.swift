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
            throw failure(error.message, .syntax)
        }
        let rows = header.shape.count == 2 ? header.shape[0] : 1
        let columns = header.shape.count == 2 ? header.shape[1] : header.shape[0]
        let described = "shape \(header.shapeDescription) of \(header.dataType.descr)"
        guard let count = header.elementCount,
              case let (byteCount, overflow) = count.multipliedReportingOverflow(by: header.dataType.size),
              !overflow else {
            throw failure("the header's \(described) is too large to address")
        }
        let available = bytes.count - header.dataOffset
        if available != byteCount {
            let what = available < byteCount ? "truncated data" : "the data is longer than the header says"
            throw failure("\(what): \(described) needs \(byteCount) bytes, the file has \(available)")
        }
        guard count > 0 else { throw failure("empty array (\(described)) is not a matrix") }
        var elements = try decode(header, count: count)
        if header.fortranOrder && header.shape.count == 2 {
            elements = Self.transposed(elements, rows: rows, columns: columns)
        }
        if !Self.allFinite(elements), let bad = elements.firstIndex(where: { !$0.isFinite }) {
            throw failure("non-finite value \(elements[bad]) at [\(bad / columns), \(bad % columns)]")
        }
        do {
            return try Matrix(rows: rows, columns: columns, elements: elements)
        } catch {
            throw failure(error.description)
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
    private static func allFinite(_ elements: [Double]) -> Bool {
        let exponentMask: UInt64 = 0x7FF0_0000_0000_0000
        var nonFinite: UInt64 = 0
        elements.withUnsafeBufferPointer { buffer in
            for value in buffer { nonFinite |= (value.bitPattern & exponentMask) == exponentMask ? 1 : 0 }
        }
        return nonFinite == 0
    }

    /// Column-major `elements` of a rows × columns array, rearranged row-major.
    private static func transposed(_ elements: [Double], rows: Int, columns: Int) -> [Double] {
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
        FormatError(kind: kind, file: name, message: message)
    }
}
