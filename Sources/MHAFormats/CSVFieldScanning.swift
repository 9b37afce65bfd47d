import MHACore

/// Splitting CSV/TSV text into records and fields (RFC 4180 quoting, trimming), the
/// general path of `CSVReader` that handles quotes, headers and every error.
extension CSVReader {
    /// One field of a record: its content's byte range and whether it was quoted.
    struct FieldSpan {
        /// Offset where the field starts (its quote, if quoted), for messages.
        var start: Int
        /// Content range (inside the quotes, trimmed).
        var contentStart: Int
        /// One past the content.
        var contentEnd: Int
        /// The field held `""`, so its content is not the raw bytes (never a number).
        var hasEscapedQuote: Bool
    }

    /// Splits the record starting at `start` into `fields`; returns the offset of the last
    /// byte of the line break that ends it (the LF of a CRLF, a lone LF or CR), or the
    /// text's end.
    func scanRecord(
        _ base: UnsafePointer<UInt8>, from start: Int,
        into fields: inout [FieldSpan]
    ) throws(FormatError) -> Int {
        fields.removeAll(keepingCapacity: true)
        let count = text.count
        var index = start
        while true {
            index = skipBlanks(base, from: index)
            let field: FieldSpan
            if base[index] == UInt8(ascii: "\"") {
                (field, index) = try scanQuoted(base, from: index)
            } else {
                let fieldStart = index
                while index < count, base[index] != separator, !isLineBreak(base[index]) {
                    index += 1
                }
                var end = index
                while end > fieldStart, isBlank(base[end - 1]) { end -= 1 }
                field = FieldSpan(
                    start: fieldStart, contentStart: fieldStart, contentEnd: end,
                    hasEscapedQuote: false)
            }
            fields.append(field)
            if index < count, base[index] == separator {
                index += 1
                continue
            }
            return breakEnd(base, at: index)
        }
    }

    /// Scans the quoted field whose opening quote is at `start`; returns it and the offset
    /// of the separator, line break or end that follows it.
    func scanQuoted(_ base: UnsafePointer<UInt8>, from start: Int) throws(FormatError)
        -> (FieldSpan, Int)
    {
        let count = text.count
        var index = start + 1
        var hasEscapedQuote = false
        while true {
            guard index < count else {
                throw error(at: start, .syntax, "unterminated quoted field: no closing '\"'")
            }
            if base[index] == UInt8(ascii: "\"") {
                if base[index + 1] == UInt8(ascii: "\"") {
                    hasEscapedQuote = true
                    index += 2
                    continue
                }
                break
            }
            index += 1
        }
        var contentStart = start + 1
        var contentEnd = index
        while contentStart < contentEnd, isBlank(base[contentStart]) { contentStart += 1 }
        while contentEnd > contentStart, isBlank(base[contentEnd - 1]) { contentEnd -= 1 }
        index = skipBlanks(base, from: index + 1)
        if index < count, base[index] != separator, !isLineBreak(base[index]) {
            throw error(at: index, .syntax, "unexpected text after a closing quote")
        }
        let field = FieldSpan(
            start: start, contentStart: contentStart, contentEnd: contentEnd,
            hasEscapedQuote: hasEscapedQuote)
        return (field, index)
    }

    /// Whether `byte` is trimmed around fields: a space, or a tab unless tabs separate.
    @inline(__always)
    func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte == 0x09 && separator != 0x09)
    }

    /// Whether `byte` ends a line: LF, or CR (alone, as on classic Mac OS, or before an LF).
    @inline(__always)
    func isLineBreak(_ byte: UInt8) -> Bool {
        byte == 0x0A || byte == 0x0D
    }

    /// The offset of the last byte of the line break at `offset`: the LF of a CRLF, else
    /// `offset` itself (also at the text's end, where the NUL sentinel is read).
    @inline(__always)
    func breakEnd(_ base: UnsafePointer<UInt8>, at offset: Int) -> Int {
        base[offset] == 0x0D && base[offset + 1] == 0x0A ? offset + 1 : offset
    }

    /// The first offset at or after `start` that is not blank (the NUL sentinel stops it).
    @inline(__always)
    func skipBlanks(_ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        var index = start
        while isBlank(base[index]) { index += 1 }
        return index
    }

    /// The first offset at or after `start` that is not a space or tab, to find blank and
    /// comment lines (the NUL sentinel stops it).
    @inline(__always)
    func skipWhitespace(_ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        var index = start
        while base[index] == 0x20 || base[index] == 0x09 { index += 1 }
        return index
    }

    /// The offset of the last byte of the line break ending the line that contains
    /// `start`, or the text's end.
    func lineEnd(_ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < text.count, !isLineBreak(base[index]) { index += 1 }
        return breakEnd(base, at: index)
    }
}
