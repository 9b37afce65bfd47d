import MHACore

/// Decodes one JSON string literal (RFC 8259 §7): escapes `\" \\ \/ \b \f \n \r \t \uXXXX`
/// (surrogate pairs joined; a lone surrogate becomes U+FFFD); unescaped control characters
/// and unknown escapes are syntax errors. The text is already known to be valid UTF-8.
struct JSONStringScanner {
    /// The whole text, followed in memory by a readable NUL byte.
    let text: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String

    /// Decodes the string whose opening quote is at `start`; returns it and the offset after
    /// its closing quote.
    func scan(_ base: UnsafePointer<UInt8>, from start: Int) throws(FormatError) -> (String, Int) {
        var index = start + 1
        // Fast path: no escapes.
        while index < text.count, base[index] != UInt8(ascii: "\""), base[index] != UInt8(ascii: "\\") {
            guard base[index] >= 0x20 else { throw unescapedControl(at: index) }
            index += 1
        }
        guard index < text.count else { throw unterminated(start) }
        if base[index] == UInt8(ascii: "\"") {
            return (
                String(
                    decoding: UnsafeBufferPointer(start: base + start + 1, count: index - start - 1),
                    as: UTF8.self), index + 1
            )
        }
        var bytes = Array(UnsafeBufferPointer(start: base + start + 1, count: index - start - 1))
        while true {
            guard index < text.count else { throw unterminated(start) }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 else { throw unescapedControl(at: index) }
            if byte != UInt8(ascii: "\\") {
                bytes.append(byte)
                index += 1
                continue
            }
            index = try escape(base, at: index, into: &bytes)
        }
        return (String(decoding: bytes, as: UTF8.self), index + 1)
    }

    /// Decodes the escape starting with the backslash at `index`; returns the offset after it.
    private func escape(
        _ base: UnsafePointer<UInt8>, at index: Int,
        into bytes: inout [UInt8]
    ) throws(FormatError) -> Int {
        let simple: [UInt8: UInt8] = [
            0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08,
            0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09,
        ]
        let letter = index + 1 < text.count ? base[index + 1] : 0
        if let replacement = simple[letter] {
            bytes.append(replacement)
            return index + 2
        }
        guard letter == UInt8(ascii: "u"), let high = hex4(base, at: index + 2) else {
            throw syntax(at: index, "invalid escape in a string")
        }
        var scalar = UnicodeScalar(high)
        var end = index + 6
        if (0xD800...0xDBFF).contains(high), base[end] == UInt8(ascii: "\\"),
            end + 1 < text.count, base[end + 1] == UInt8(ascii: "u"),
            let low = hex4(base, at: end + 2), (0xDC00...0xDFFF).contains(low)
        {
            scalar = UnicodeScalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            end += 6
        }
        bytes.append(contentsOf: String(Character(scalar ?? "\u{FFFD}")).utf8)
        return end
    }

    /// The value of four hex digits at `index`, or nil.
    private func hex4(_ base: UnsafePointer<UInt8>, at index: Int) -> UInt32? {
        guard index + 4 <= text.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = Int(String(UnicodeScalar(base[index + offset])), radix: 16) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// A string with no closing quote, located at its opening one.
    private func unterminated(_ start: Int) -> FormatError {
        syntax(at: start, "unterminated string")
    }

    /// A raw control character (U+0000…U+001F) inside a string.
    private func unescapedControl(at index: Int) -> FormatError {
        syntax(at: index, "unescaped control character in a string")
    }

    /// A located syntax error.
    private func syntax(at offset: Int, _ message: String) -> FormatError {
        FormatError(kind: .syntax, file: name, bytes: text, offset: offset, message: message)
    }
}
