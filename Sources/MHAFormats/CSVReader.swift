import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a matrix from CSV or TSV text.
///
/// - One matrix row per record; fields separated by `,` (CSV) or a tab (TSV).
/// - RFC 4180 quoting: a field in double quotes may hold separators, line breaks and `""`
///   for a quote; a quoted number (`"1.5"`) is a number.
/// - LF, CRLF or lone CR (classic Mac OS) line ends, with or without a final one; blank
///   lines and lines whose first non-blank character is `#` are ignored; a UTF-8 BOM at
///   the start is skipped.
/// - The first record (the first line that is not blank or a comment) is a header, and
///   skipped, only if every one of its fields is a label: not a number, starting with a
///   letter, and not a spelling of a non-finite, missing or boolean value (`nan`, `inf`,
///   `infinity`, `na`, `n/a`, `null`, `none`, `true`, `false`, any case, optional sign). So
///   `1 2 3 4`, `1;2;3`, `1,0,1,0` in a .tsv, `nan,nan`, `false,true` and numbers spelt as
///   other languages write them (`0x1p3`, `1.0D+00`, `1.5f`) are data, and fail at line 1 with a located
///   "expected a number" (with a hint about separators or decimal commas where it applies)
///   or "non-finite value" error, instead of silently losing a row.
/// - Spaces (and, in CSV, tabs) around fields are trimmed.
/// - Numbers: an optional `+` or `-`, digits with an optional decimal point (`1.` and `.5`
///   are accepted), an optional exponent (`1e-3`); parsed correctly rounded. A decimal comma
///   is not a number. A nonzero number below float64's least subnormal (`1e-400`) is read as
///   0 with one warning per file (`UnderflowTally`, `InputWarnings`).
/// - Rejected with `file:line:column`: ragged rows, a field that is not a number, `nan` and
///   `inf`, values that round to infinity (`1e400`), empty fields, an unterminated quote
///   (located where it opened), bytes that are not UTF-8, a NUL byte, a header whose
///   number of labels differs from the rows' number of values, a file without rows (one of
///   only comments says so, at its first comment).
struct CSVReader {
    /// The text, followed in memory by a readable NUL byte (not counted).
    let text: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String
    /// `,` or a tab.
    let separator: UInt8
    /// Which non-finite values are read (none, unless the matrix is an additive mask).
    var nonFinite = NonFiniteRule.refused
    /// Whether the first record may be a header (false: every record is data).
    var allowsHeader = true

    /// Parses the whole text into a matrix; a nonzero number read as 0 is recorded as a
    /// warning (`InputWarnings`), the first values float32 cannot hold as they are by where
    /// they are written (`Float32Spellings`).
    func read() throws(FormatError) -> Matrix<Double> {
        var underflow = UnderflowTally()
        var float32 = Float32Tally()
        let matrix = try read(noting: &underflow, float32: &float32)
        underflow.report(file: name, text: text)
        float32.record(file: name, text: text)
        return matrix
    }

    /// Parses the whole text into a matrix, noting the nonzero numbers read as 0 in
    /// `underflow` and the first values float32 cannot hold in `float32`.
    func read(noting underflow: inout UnderflowTally, float32: inout Float32Tally) throws(FormatError)
        -> Matrix<Double>
    {
        guard let base = text.baseAddress, !text.isEmpty else {
            throw FormatError(
                kind: .data, file: name, line: 1, column: 1,
                message: "empty file: expected rows of numbers")
        }
        if let bad = UTF8Validation.firstInvalidOffset(in: text) {
            throw error(at: bad, .syntax, UTF8Validation.message(for: base[bad]))
        }
        if let nul = memchr(base, 0, text.count) {
            // The scanners stop at a NUL (the sentinel after the text): one inside would cut a row short.
            throw error(
                at: UnsafeRawPointer(nul) - UnsafeRawPointer(base), .syntax,
                "a NUL byte (0x00): this is binary data, not \(separator == 0x09 ? "TSV" : "CSV") text")
        }
        var builder = Builder()
        var fields: [FieldSpan] = []
        var index = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var firstRecord = allowsHeader
        while index < text.count {
            let contentStart = skipWhitespace(base, from: index)
            if contentStart >= text.count { break }
            if isLineBreak(base[contentStart]) {
                index = breakEnd(base, at: contentStart) + 1
                continue
            }
            if base[contentStart] == UInt8(ascii: "#") {
                if builder.commentOffset == nil { builder.commentOffset = contentStart }
                index = lineEnd(base, from: contentStart) + 1
                continue
            }
            if let recordEnd = appendPlainRecord(base, from: index, to: &builder) {
                firstRecord = false
                index = recordEnd + 1
                continue
            }
            let recordEnd = try scanRecord(base, from: index, into: &fields)
            if firstRecord {
                firstRecord = false
                if isHeader(base, fields) {
                    builder.headerOffset = fields.first?.start ?? index
                    builder.headerWidth = fields.count
                    index = recordEnd + 1
                    continue
                }
                try rejectNonLabels(base, fields, record: record(base, fields, recordEnd: recordEnd))
            }
            try append(base, fields, recordEnd: recordEnd, to: &builder)
            index = recordEnd + 1
        }
        let matrix = try builder.matrix(reader: self)
        underflow = builder.underflow
        float32 = builder.float32
        return matrix
    }

    /// The growing matrix.
    struct Builder {
        var elements: [Double] = []
        var columns = -1
        var rows = 0
        /// Where the skipped header starts, if there was one.
        var headerOffset: Int?
        /// How many labels the header has.
        var headerWidth = 0
        /// Where the first `#` comment starts, if there is one.
        var commentOffset: Int?
        /// The nonzero numbers read as 0.
        var underflow = UnderflowTally()
        /// The first values float32 cannot hold as they are.
        var float32 = Float32Tally()

        /// The finished matrix, or an error for a text without data rows.
        func matrix(reader: CSVReader) throws(FormatError) -> Matrix<Double> {
            guard rows > 0 else {
                if let headerOffset {
                    throw reader.error(at: headerOffset, .data, "no rows of numbers after the header")
                }
                if let commentOffset {
                    throw reader.error(at: commentOffset, .data, "no rows of numbers (only comments)")
                }
                throw reader.error(at: reader.text.count, .data, "empty file: expected rows of numbers")
            }
            if let headerOffset, headerWidth != columns {
                throw reader.error(
                    at: headerOffset, .data,
                    "the header has \(headerWidth) \(headerWidth == 1 ? "label" : "labels") but the rows have \(columns) \(columns == 1 ? "value" : "values")"
                )
            }
            do {
                return try Matrix(rows: rows, columns: columns, elements: elements)
            } catch {
                throw reader.error(at: reader.text.count, .data, error.description)
            }
        }
    }

    /// Converts one record's fields and appends them as a row, checking the row length.
    private func append(
        _ base: UnsafePointer<UInt8>, _ fields: [FieldSpan], recordEnd: Int,
        to builder: inout Builder
    ) throws(FormatError) {
        if builder.columns < 0 {
            builder.columns = fields.count
            let estimatedRows = text.count / max(recordEnd + 1, 1) + 1
            builder.elements.reserveCapacity(estimatedRows * fields.count)
        } else if fields.count != builder.columns {
            // A line that is not numbers at all (decimal commas, a control character such as a
            // final Ctrl-Z) is named as such, not counted as a short row.
            let line = record(base, fields, recordEnd: recordEnd)
            let text = String(decoding: UnsafeBufferPointer(rebasing: self.text[line]), as: UTF8.self)
            if NumberDiagnosis.controlCharacterHint(text) != nil
                || NumberDiagnosis.decimalCommaHint(text, separator: separator) != nil
            {
                for field in fields { _ = try number(base, field, record: line) }
            }
            let offset = fields.count > builder.columns ? fields[builder.columns].start : recordEnd
            throw error(
                at: offset, .data,
                "row \(builder.rows) (counting from 0) has \(fields.count) \(fields.count == 1 ? "value" : "values"); the rows above have \(builder.columns)"
            )
        }
        let line = record(base, fields, recordEnd: recordEnd)
        for field in fields {
            let value = try number(base, field, record: line, noting: &builder.underflow)
            builder.float32.note(
                value, element: builder.elements.count, field.contentStart..<field.contentEnd, at: field.start)
            builder.elements.append(value)
        }
        builder.rows += 1
    }

    /// The fast path for the common record: unquoted, finite numbers only, as many as the
    /// rows above (any number for the first data record). Parses straight from the text
    /// into the matrix and returns the offset of the line break ending the record (its last
    /// byte); returns nil, having appended nothing, for anything else, which the general
    /// path then reads (and reports precisely).
    @inline(__always)
    private func appendPlainRecord(
        _ base: UnsafePointer<UInt8>, from start: Int,
        to builder: inout Builder
    ) -> Int? {
        let count = text.count
        let before = builder.elements.count
        let (underflowBefore, float32Before) = (builder.underflow, builder.float32)
        var index = start
        while true {
            index = skipBlanks(base, from: index)
            guard let scanned = NumberParsing.scan(base, from: index, limit: count, grammar: .csv),
                scanned.value.isFinite
            else { break }
            let after = skipBlanks(base, from: scanned.end)
            let next = base[after]
            guard after == count || next == separator || isLineBreak(next) else { break }
            builder.elements.append(scanned.value)
            if scanned.flushedToZero { builder.underflow.note(index..<scanned.end) }
            builder.float32.note(scanned.value, element: builder.elements.count - 1, index..<scanned.end)
            if next == separator && after < count {
                index = after + 1
                continue
            }
            // The first data record sets the width (a record of numbers is never a header),
            // so even a single 100 MB line needs no per-field bookkeeping.
            if builder.columns < 0 { builder.columns = builder.elements.count - before }
            if builder.elements.count - before == builder.columns {
                builder.rows += 1
                return breakEnd(base, at: after)
            }
            break
        }
        builder.elements.removeSubrange(before...)
        (builder.underflow, builder.float32) = (underflowBefore, float32Before)
        return nil
    }

    /// The bytes of the record made of `fields`, ending before its line break at `recordEnd`.
    private func record(_ base: UnsafePointer<UInt8>, _ fields: [FieldSpan], recordEnd: Int) -> Range<Int> {
        let start = fields.first?.start ?? recordEnd
        return start..<max(start, min(recordEnd, text.count))
    }

    /// The field's value, or a located error saying why it is not a finite number; `record`
    /// (the bytes of its line, nil when unknown) lets the message recognise a line written
    /// with decimal commas.
    private func number(_ base: UnsafePointer<UInt8>, _ field: FieldSpan, record: Range<Int>? = nil)
        throws(FormatError) -> Double
    {
        var ignored = UnderflowTally()
        return try number(base, field, record: record, noting: &ignored)
    }

    /// The field's value as `number(_:_:record:)` reads it, a nonzero number read as 0 noted
    /// in `tally`.
    @inline(__always)
    private func number(
        _ base: UnsafePointer<UInt8>, _ field: FieldSpan, record: Range<Int>?, noting tally: inout UnderflowTally
    ) throws(FormatError) -> Double {
        if !field.hasEscapedQuote,
            let scanned = NumberParsing.scan(
                base, from: field.contentStart, limit: field.contentEnd,
                grammar: .csv),
            scanned.end == field.contentEnd
        {
            if scanned.flushedToZero { tally.note(field.contentStart..<field.contentEnd, field: field.start) }
            if scanned.value.isFinite { return scanned.value }
            let text = MessageText.escaped(content(base, field), limit: MessageText.quotedLimit)
            throw error(at: field.start, .data, "\(text) is out of range for float64")
        }
        if field.contentStart == field.contentEnd {
            throw error(at: field.start, .data, "empty field: expected a number")
        }
        if nonFinite.acceptsNegativeInfinity(spelled: content(base, field)) { return -.infinity }
        throw error(
            at: field.start, .data,
            NumberDiagnosis.notANumber(
                content(base, field), separator: separator,
                record: record.map { String(decoding: UnsafeBufferPointer(rebasing: text[$0]), as: UTF8.self) }))
    }

    /// A record is a header when every field is a label (see the type's comment).
    private func isHeader(_ base: UnsafePointer<UInt8>, _ fields: [FieldSpan]) -> Bool {
        fields.allSatisfy { isLabel(base, $0) }
    }

    /// For a first record that is not a header: reports the first field that kept it from
    /// being one without being a number (`nan`, `NA`, `_`), which is the field to fix, rather
    /// than a label before it.
    private func rejectNonLabels(_ base: UnsafePointer<UInt8>, _ fields: [FieldSpan], record: Range<Int>)
        throws(FormatError)
    {
        for field in fields where !isLabel(base, field) {
            _ = try number(base, field, record: record)
        }
    }

    /// Whether a field can only be a column label: not a number, starting with a letter (so
    /// nothing spelt like a number another language writes, `0x1p3`, `1.0D+00`, `1.5f`, `-x`),
    /// and not a spelling of a non-finite, missing or boolean value.
    private func isLabel(_ base: UnsafePointer<UInt8>, _ field: FieldSpan) -> Bool {
        if !field.hasEscapedQuote,
            let scanned = NumberParsing.scan(base, from: field.contentStart, limit: field.contentEnd, grammar: .csv),
            scanned.end == field.contentEnd
        {
            return false
        }
        let text = content(base, field)
        return text.first?.isLetter == true && !NumberDiagnosis.isNonNumericValue(text)
    }

    /// The field's content as a string for messages.
    private func content(_ base: UnsafePointer<UInt8>, _ field: FieldSpan) -> String {
        String(
            decoding: UnsafeBufferPointer(
                start: base + field.contentStart,
                count: field.contentEnd - field.contentStart),
            as: UTF8.self)
    }

    /// A located error of this file.
    func error(at offset: Int, _ kind: FormatError.Kind, _ message: String) -> FormatError {
        FormatError(kind: kind, file: name, bytes: text, offset: offset, message: message)
    }
}
