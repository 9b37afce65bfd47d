import MHACore

/// The header of a `.npy` file (NumPy format versions 1.0, 2.0 and 3.0), parsed defensively:
/// a hostile header (a huge, negative or overflowing shape, missing keys, a structured
/// dtype, a length beyond the file) gives an error, never a trap.
struct NPYHeader: Equatable, Sendable {
    /// `\x93NUMPY`, the first six bytes of every `.npy` file.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The element type.
    var dataType: NPYDataType
    /// Column-major (Fortran) element order.
    var fortranOrder: Bool
    /// The array's shape: one or two non-negative dimensions.
    var shape: [Int]
    /// Offset of the first data byte.
    var dataOffset: Int

    /// The number of elements, or nil if the product overflows.
    var elementCount: Int? {
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// The shape as Python prints it: `(2, 3)`, `(5,)`.
    var shapeDescription: String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Parses the preamble and header dictionary of `bytes`; `anyRank` accepts any number
    /// of dimensions up to 32 (else one or two).
    /// - Throws: a message (without the file name) when the header is not a supported one.
    init(parsing bytes: UnsafeBufferPointer<UInt8>, anyRank: Bool = false) throws(NPYFailure) {
        guard bytes.count >= 10, bytes.starts(with: NPYHeader.magic) else {
            if bytes.count < 10, bytes.starts(with: NPYHeader.magic.prefix(min(bytes.count, 6))), !bytes.isEmpty {
                throw NPYFailure(
                    "truncated: the file ends after \(bytes.count) bytes, inside the NPY preamble (10 bytes)")
            }
            throw NPYFailure("not an NPY file: missing the \\x93NUMPY magic string")
        }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default: throw NPYFailure("unsupported NPY format version \(major).\(minor) (1.0, 2.0 and 3.0 are)")
        }
        guard bytes.count >= 8 + lengthSize else { throw NPYFailure("truncated header") }
        var headerLength = 0
        for index in (0..<lengthSize).reversed() {
            headerLength = headerLength << 8 | Int(bytes[8 + index])
        }
        let headerStart = 8 + lengthSize
        guard headerLength <= bytes.count - headerStart else {
            throw NPYFailure(
                "truncated header: it declares \(headerLength) bytes, the file has \(bytes.count - headerStart) after the preamble"
            )
        }
        let text = UnsafeBufferPointer(rebasing: bytes[headerStart..<(headerStart + headerLength)])
        let dictionary = try NPYHeaderDictionary(parsing: text)
        self.dataType = try dictionary.dataType()
        self.fortranOrder = try dictionary.fortranOrder()
        self.shape = try dictionary.shape(anyRank: anyRank)
        self.dataOffset = headerStart + headerLength
    }

    /// The header bytes numpy would write for a C-order array of `shape` and `descr`
    /// (version 1.0, padded with spaces to a multiple of 64 bytes, ending in LF).
    static func encoded(descr: String, rows: Int, columns: Int) -> [UInt8] {
        encoded(descr: descr, shape: [rows, columns])
    }

    /// The header of a C-order array of any rank ≥ 1 (`(B, rows, columns)` for a batch).
    static func encoded(descr: String, shape: [Int]) -> [UInt8] {
        let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dimensions)), }"
        let unpadded = magic.count + 4 + dictionary.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        dictionary += String(repeating: " ", count: padding) + "\n"
        let length = dictionary.utf8.count
        var bytes = magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(dictionary.utf8)
        return bytes
    }
}

/// Why an NPY file was refused; the reader adds the file name.
struct NPYFailure: Error, Equatable {
    /// The message proper.
    let message: String
    /// A failure with this message.
    init(_ message: String) { self.message = message }
}

/// The element types the reader accepts: f8, f4, f2 (either byte order), the integers i1, i2,
/// i4, i8, u1, u2, u4, u8 (either byte order where it matters) and b1 (bool).
struct NPYDataType: Equatable, Sendable {
    /// The kind: `f` (IEEE float), `i` (two's-complement integer), `u` (unsigned integer)
    /// or `b` (bool, one byte).
    var kind: Character
    /// Bytes per element: 1, 2, 4 or 8.
    var size: Int
    /// Big-endian (`>`) rather than little-endian (`<`); false for one-byte types.
    var bigEndian: Bool

    /// The sizes accepted for each kind.
    static let sizes: [Character: [Int]] = ["f": [2, 4, 8], "i": [1, 2, 4, 8], "u": [1, 2, 4, 8], "b": [1]]

    /// Parses a `descr` string such as `<f8`, `>f4`, `=i8`, `|u1`, `|b1`.
    init(descr: String) throws(NPYFailure) {
        let supported = "supported: f8, f4, f2, i1, i2, i4, i8, u1, u2, u4, u8, b1"
        let quoted = MessageText.escaped(descr, limit: MessageText.quotedLimit)
        let characters = Array(descr)
        guard characters.count == 3, "<>=|".contains(characters[0]),
            let size = Int(String(characters[2])),
            let sizes = Self.sizes[characters[1]], sizes.contains(size)
        else { throw NPYFailure("unsupported dtype '\(quoted)'; \(supported)") }
        self.kind = characters[1]
        self.size = size
        switch characters[0] {
        case _ where size == 1: self.bigEndian = false
        case ">": self.bigEndian = true
        case "<": self.bigEndian = false
        case "=": self.bigEndian = UInt16(1).bigEndian == 1
        default: throw NPYFailure("dtype '\(quoted)' has no byte order; \(supported)")
        }
    }

    /// The encoding, for `ElementDecoder`.
    var elementType: ElementType {
        let kinds: [Character: ElementType.Kind] = ["f": .float, "i": .signed, "u": .unsigned]
        return ElementType(kind: kinds[kind] ?? .bool, size: size, bigEndian: bigEndian)
    }

    /// `<f8` style (`|u1` for one-byte types).
    var descr: String { (size == 1 ? "|" : bigEndian ? ">" : "<") + String(kind) + String(size) }
}
