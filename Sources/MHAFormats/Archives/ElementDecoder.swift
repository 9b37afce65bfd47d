import MHACore

/// Widening stored elements to float64, exactly: floats of every width and bfloat16 keep
/// their value bit for bit; an integer that float64 cannot hold exactly (2⁵³ + 1, 2⁶³ − 1)
/// is refused by value, never rounded silently.
enum ElementDecoder {
    /// The first `count` elements of `raw`, encoded as `type`, as Doubles in storage order.
    /// - Parameter position: the position of element `index` as messages show it (`[1, 2]`).
    /// - Throws: a message (without the file name) naming the first inexact integer.
    static func decode(
        _ raw: UnsafeRawBufferPointer, count: Int, as type: ElementType,
        position: (Int) -> String
    ) throws(NPYFailure) -> [Double] {
        let big = type.bigEndian
        switch (type.kind, type.size) {
        case (.float, 8) where big == nativeBigEndian:
            return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[..<(count * 8)]))
                initialized = count
            }
        case (.float, 8):
            return map(raw, count: count) { (bits: UInt64) in
                Double(bitPattern: big ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
            }
        case (.float, 4):
            return map(raw, count: count) { (bits: UInt32) in
                Double(Float(bitPattern: big ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
            }
        case (.float, _):
            return map(raw, count: count) { (bits: UInt16) in
                halfToDouble(big ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits))
            }
        case (.bfloat, _):
            return map(raw, count: count) { (bits: UInt16) in
                Double(Float(bitPattern: UInt32(big ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits)) << 16))
            }
        case (.bool, _):
            return map(raw, count: count) { (byte: UInt8) in byte == 0 ? 0 : 1 }
        case (.signed, 1): return try integers(raw, count: count, big, Int8.self, position)
        case (.signed, 2): return try integers(raw, count: count, big, Int16.self, position)
        case (.signed, 4): return try integers(raw, count: count, big, Int32.self, position)
        case (.signed, _): return try integers(raw, count: count, big, Int64.self, position)
        case (.unsigned, 1): return try integers(raw, count: count, big, UInt8.self, position)
        case (.unsigned, 2): return try integers(raw, count: count, big, UInt16.self, position)
        case (.unsigned, 4): return try integers(raw, count: count, big, UInt32.self, position)
        case (.unsigned, _): return try integers(raw, count: count, big, UInt64.self, position)
        }
    }

    /// Whether this machine stores the most significant byte first.
    static let nativeBigEndian = UInt16(1).bigEndian == 1

    /// An IEEE binary16 value, exactly: subnormals are m·2⁻²⁴, normals (1024 + m)·2^(e−25),
    /// exponent 31 is ±∞ or NaN.
    static func halfToDouble(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1024 + mantissa) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
        }
    }

    /// Integers of type `Integer` as Doubles; an error names the first value that does not
    /// survive the round trip through Double.
    private static func integers<Integer: FixedWidthInteger>(
        _ raw: UnsafeRawBufferPointer, count: Int, _ bigEndian: Bool, _: Integer.Type, _ position: (Int) -> String
    ) throws(NPYFailure) -> [Double] {
        var firstInexact: (index: Int, value: Integer)?
        var index = -1
        let values = map(raw, count: count) { (bits: Integer) -> Double in
            let value = bigEndian ? Integer(bigEndian: bits) : Integer(littleEndian: bits)
            let converted = Double(value)
            index += 1
            if Integer.bitWidth > 53, firstInexact == nil, Integer(exactly: converted) != value {
                firstInexact = (index, value)
            }
            return converted
        }
        if let (bad, value) = firstInexact {
            throw NPYFailure(
                "integer \(value) at \(position(bad)) is not exactly representable as float64 "
                    + "(the nearest float64 is \(Double(value)))")
        }
        return values
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
}
