import MHACore

/// Finding the first byte that breaks UTF-8, fast on ASCII (eight bytes at a time).
enum UTF8Validation {
    /// The offset of the first byte of `bytes` that is not part of a well-formed UTF-8
    /// sequence (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            guard let length = sequenceLength(base, at: index, count: count) else { return index }
            index += length
        }
        return nil
    }

    /// The length of `bytes` without a multi-byte sequence cut off by its end (at most 3
    /// bytes: a lead byte whose continuation bytes have not arrived yet), so a stream can be
    /// validated chunk by chunk.
    static func completePrefixLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let count = bytes.count
        var index = count
        while index > 0 && count - index < 3 && bytes[index - 1] & 0xC0 == 0x80 { index -= 1 }
        guard index > 0 else { return count }
        let lead = bytes[index - 1]
        let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return count - (index - 1) < needed ? index - 1 : count
    }

    /// The message for a byte that is not UTF-8: `bytes that are not UTF-8 (0xFF)`.
    static func message(for byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "bytes that are not UTF-8 (0x\(hex.count == 1 ? "0" + hex : hex))"
    }

    /// The length of the well-formed multi-byte sequence at `index`, or nil.
    private static func sequenceLength(
        _ base: UnsafePointer<UInt8>, at index: Int,
        count: Int
    ) -> Int? {
        let lead = base[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: return nil
        }
        guard index + length <= count, secondRange.contains(base[index + 1]) else { return nil }
        for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 { return nil }
        return length
    }
}
