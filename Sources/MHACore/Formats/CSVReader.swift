/// Reads a matrix from CSV or TSV text.
///
/// - One matrix row per record; fields separated by `,` (CSV) or a tab (TSV).
/// - RFC 4180 quoting: a field in double quotes may hold separators, line breaks and `""`
///   for a quote; a quoted number (`"1.5"`) is a number.
/// - LF or CRLF line ends, with or without a final one; blank lines and lines whose first
///   non-blank character is `#` are ignored; a UTF-8 BOM at the start is skipped.
/// - The first record is a header, and skipped, if none of its fields is a number.
/// - Spaces (and, in CSV, tabs) around fields are trimmed.
/// - Numbers: an optional `+` or `-`, digits with an optional decimal point (`1.` and `.5`
///   are accepted), an optional exponent (`1e-3`); parsed correctly rounded. A decimal comma
///   is not a number.
/// - Rejected with `file:line:column`: ragged rows, a field that is not a number, `nan` and
///   `inf`, values that round to infinity (`1e400`), empty fields, an unterminated quote
///   (located where it opened), bytes that are not UTF-8, a file without rows.
struct CSVReader {
    /// The text, followed in memory by a readable NUL byte (not counted).
    let text: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String
    /// `,` or a tab.
    let separator: UInt8

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

    /// Parses the whole text into a matrix.
    func read() throws(FormatError) -> Matrix<Double> {
        guard let base = text.baseAddress, !text.isEmpty else {
            throw FormatError(kind: .data, file: name, line: 1, column: 1,
                              message: "empty file: expected rows of numbers")
        }
        if let bad = UTF8Validation.firstInvalidOffset(in: text) {
            throw error(at: bad, .syntax, String(format8: base[bad]))
        }
        var builder = Builder()
        var fields: [FieldSpan] = []
        var index = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var firstRecord = true
        while index < text.count {
            let contentStart = skipWhitespace(base, from: index)
            if contentStart >= text.count { break }
            if base[contentStart] == UInt8(ascii: "\n") {
                index = contentStart + 1
                continue
            }
            if base[contentStart] == UInt8(ascii: "#") {
                index = lineEnd(base, from: contentStart) + 1
                continue
            }
            let recordEnd = try scanRecord(base, from: index, into: &fields)
            if firstRecord {
                firstRecord = false
                if isHeader(base, fields) {
                    builder.skippedHeader = true
                    index = recordEnd + 1
                    continue
                }
            }
            try append(base, fields, recordEnd: recordEnd, to: &builder)
            index = recordEnd + 1
        }
        return try builder.matrix(reader: self)
    }

    /// The growing matrix.
    struct Builder {
        var elements: [Double] = []
        var columns = -1
        var rows = 0
        var skippedHeader = false

        /// The finished matrix, or an error for a text without data rows.
        func matrix(reader: CSVReader) throws(FormatError) -> Matrix<Double> {
            guard rows > 0 else {
                let what = skippedHeader
                    ? "no rows of numbers after the header"
                    : "empty file: expected rows of numbers"
                throw reader.error(at: reader.text.count, .data, what)
            }
            do {
                return try Matrix(rows: rows, columns: columns, elements: elements)
            } catch {
                throw reader.error(at: reader.text.count, .data, error.description)
            }
        }
    }

    /// Converts one record's fields and appends them as a row, checking the row length.
    private func append(_ base: UnsafePointer<UInt8>, _ fields: [FieldSpan], recordEnd: Int,
                        to builder: inout Builder) throws(FormatError) {
        if builder.columns < 0 {
            builder.columns = fields.count
            let estimatedRows = text.count / max(recordEnd + 1, 1) + 1
            builder.elements.reserveCapacity(estimatedRows * fields.count)
        } else if fields.count != builder.columns {
            let offset = fields.count > builder.columns ? fields[builder.columns].start : recordEnd
            throw error(at: offset, .data,
                        "row \(builder.rows + 1) has \(fields.count) values; the rows above have \(builder.columns)")
        }
        for field in fields {
            builder.elements.append(try number(base, field))
        }
        builder.rows += 1
    }

    /// The field's value, or a located error saying why it is not a finite number.
    @inline(__always)
    private func number(_ base: UnsafePointer<UInt8>, _ field: FieldSpan) throws(FormatError) -> Double {
        if !field.hasEscapedQuote,
           let scanned = NumberParsing.scan(base, from: field.contentStart, limit: field.contentEnd,
                                            grammar: .csv),
           scanned.end == field.contentEnd {
            if scanned.value.isFinite { return scanned.value }
            throw error(at: field.start, .data,
                        "\(NumberDiagnosis.shortened(content(base, field))) is out of range for float64")
        }
        if field.contentStart == field.contentEnd {
            throw error(at: field.start, .data, "empty field: expected a number")
        }
        throw error(at: field.start, .data, NumberDiagnosis.notANumber(content(base, field)))
    }

    /// A record is a header when none of its fields is a number.
    private func isHeader(_ base: UnsafePointer<UInt8>, _ fields: [FieldSpan]) -> Bool {
        !fields.contains { field in
            guard !field.hasEscapedQuote,
                  let scanned = NumberParsing.scan(base, from: field.contentStart,
                                                   limit: field.contentEnd, grammar: .csv)
            else { return false }
            return scanned.end == field.contentEnd
        }
    }

    /// Splits the record starting at `start` into `fields`; returns the offset of the LF
    /// that ends it (or the text's end).
    private func scanRecord(_ base: UnsafePointer<UInt8>, from start: Int,
                            into fields: inout [FieldSpan]) throws(FormatError) -> Int {
        fields.removeAll(keepingCapacity: true)
        let count = text.count
        var index = start
        while true {
            index = skipBlanks(base, from: index, includingCR: false)
            let field: FieldSpan
            if base[index] == UInt8(ascii: "\"") {
                (field, index) = try scanQuoted(base, from: index)
            } else {
                let fieldStart = index
                while index < count, base[index] != separator, base[index] != UInt8(ascii: "\n") {
                    index += 1
                }
                var end = index
                while end > fieldStart, isBlank(base[end - 1], includingCR: true) { end -= 1 }
                field = FieldSpan(start: fieldStart, contentStart: fieldStart, contentEnd: end,
                                  hasEscapedQuote: false)
            }
            fields.append(field)
            if index < count, base[index] == separator {
                index += 1
                continue
            }
            return index
        }
    }

    /// Scans the quoted field whose opening quote is at `start`; returns it and the offset
    /// of the separator, LF or end that follows it.
    private func scanQuoted(_ base: UnsafePointer<UInt8>, from start: Int) throws(FormatError)
        -> (FieldSpan, Int) {
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
        while contentStart < contentEnd, isBlank(base[contentStart], includingCR: false) { contentStart += 1 }
        while contentEnd > contentStart, isBlank(base[contentEnd - 1], includingCR: false) { contentEnd -= 1 }
        index = skipBlanks(base, from: index + 1, includingCR: true)
        if index < count, base[index] != separator, base[index] != UInt8(ascii: "\n") {
            throw error(at: index, .syntax, "unexpected text after a closing quote")
        }
        let field = FieldSpan(start: start, contentStart: contentStart, contentEnd: contentEnd,
                              hasEscapedQuote: hasEscapedQuote)
        return (field, index)
    }

    /// Whether `byte` is trimmed around fields: a space, a tab unless tabs separate, and CR
    /// where asked (at a line's end).
    @inline(__always)
    private func isBlank(_ byte: UInt8, includingCR: Bool) -> Bool {
        byte == 0x20 || (byte == 0x09 && separator != 0x09) || (includingCR && byte == 0x0D)
    }

    /// The first offset at or after `start` that is not blank (the NUL sentinel stops it).
    @inline(__always)
    private func skipBlanks(_ base: UnsafePointer<UInt8>, from start: Int, includingCR: Bool) -> Int {
        var index = start
        while isBlank(base[index], includingCR: includingCR) { index += 1 }
        return index
    }

    /// The first offset at or after `start` that is not a space, tab or CR, to find blank
    /// and comment lines (the NUL sentinel stops it).
    @inline(__always)
    private func skipWhitespace(_ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        var index = start
        while base[index] == 0x20 || base[index] == 0x09 || base[index] == 0x0D { index += 1 }
        return index
    }

    /// The offset of the LF ending the line that contains `start`, or the text's end.
    private func lineEnd(_ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < text.count, base[index] != UInt8(ascii: "\n") { index += 1 }
        return index
    }

    /// The field's content as a string for messages.
    private func content(_ base: UnsafePointer<UInt8>, _ field: FieldSpan) -> String {
        String(decoding: UnsafeBufferPointer(start: base + field.contentStart,
                                             count: field.contentEnd - field.contentStart),
               as: UTF8.self)
    }

    /// A located error of this file.
    func error(at offset: Int, _ kind: FormatError.Kind, _ message: String) -> FormatError {
        FormatError(kind: kind, file: name, bytes: text, offset: offset, message: message)
    }
}

extension String {
    /// The message for a byte that is not UTF-8: `bytes that are not UTF-8 (0xFF)`.
    init(format8 byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        self = "bytes that are not UTF-8 (0x\(hex.count == 1 ? "0" + hex : hex))"
    }
}
