import MHACore

/// How one stored array element is encoded: IEEE floats of 2, 4 or 8 bytes, bfloat16,
/// two's-complement and unsigned integers of 1 to 8 bytes, or a one-byte bool.
///
/// Every supported type widens to float64 exactly except integers beyond 2⁵³, which the
/// decoder refuses by value.
struct ElementType: Hashable, Sendable {
    /// The family of encodings.
    enum Kind: Hashable, Sendable {
        /// IEEE 754 binary16, binary32 or binary64.
        case float
        /// bfloat16: the top half of a binary32.
        case bfloat
        /// Two's-complement integer.
        case signed
        /// Unsigned integer.
        case unsigned
        /// One byte, 0 = false, anything else true (read as 0 or 1).
        case bool
    }

    /// The family.
    let kind: Kind
    /// Bytes per element.
    let size: Int
    /// Most significant byte first (false for one-byte types).
    let bigEndian: Bool

    /// The type as safetensors spells it: `F64`, `F32`, `F16`, `BF16`, `I8`…`I64`,
    /// `U8`…`U64`, `BOOL`.
    var safetensorsName: String {
        switch kind {
        case .float: return "F\(size * 8)"
        case .bfloat: return "BF16"
        case .signed: return "I\(size * 8)"
        case .unsigned: return "U\(size * 8)"
        case .bool: return "BOOL"
        }
    }

    /// The little-endian type safetensors calls `name`, or nil for a name it does not define
    /// or this reader cannot widen (the 8-bit floats, complex types).
    init?(safetensorsName name: String) {
        let table: [String: (Kind, Int)] = [
            "F64": (.float, 8), "F32": (.float, 4), "F16": (.float, 2), "BF16": (.bfloat, 2),
            "I64": (.signed, 8), "I32": (.signed, 4), "I16": (.signed, 2), "I8": (.signed, 1),
            "U64": (.unsigned, 8), "U32": (.unsigned, 4), "U16": (.unsigned, 2), "U8": (.unsigned, 1),
            "BOOL": (.bool, 1),
        ]
        guard let (kind, size) = table[name] else { return nil }
        self.init(kind: kind, size: size, bigEndian: false)
    }

    /// A type from its parts.
    init(kind: Kind, size: Int, bigEndian: Bool) {
        self.kind = kind
        self.size = size
        self.bigEndian = size > 1 && bigEndian
    }
}
