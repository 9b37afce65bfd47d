import MHACore

/// Reading a hand-computed answer: the matrix (through `MatrixReader`, with all its checks
/// and located errors) and, per entry, how precisely it is written (`WrittenPrecision`),
/// from the number's text: `0.67` has 2 decimals, `6.698e-01` 4, `1` none.
///
/// CSV and TSV are read line by line (blank lines, `#` comments and a header skipped, fields
/// trimmed, surrounding quotes removed); JSON numbers are taken in order outside strings;
/// an .npy file, an .npz or .safetensors array (`FILE:NAME`, or a one-array file) holds
/// binary numbers, compared at full precision, or at float32's (float16's, bfloat16's) when
/// that is the array's type.
public enum AnswerReader {
    /// Reads the answer at `path` ("-" = standard input).
    /// - Throws: `FormatError`: `.noInput` if it cannot be read, `.data` for its content.
    public static func read(path: String) throws(FormatError) -> WrittenMatrix {
        // Binary answers (.npy, an .npz or .safetensors array, FILE:NAME) are read by the same
        // path as every matrix option and compared at full precision.
        let source = path == "-" ? nil : MatrixSource(argument: path)
        if let source,
            source.arrayName != nil || ArchiveFormat(path: source.path) != nil
                || MatrixFormat(path: source.path) == .npy
        {
            let values = try MatrixReader.read(path: path, nonFinite: .negativeInfinityAllowed)
            let archive = try? ArrayArchives.open(path: source.path)
            return WrittenMatrix(
                values: values, precision: archive.map { storedPrecision($0, source.arrayName) } ?? .binary)
        }
        let named = source.flatMap { MatrixFormat(path: $0.path) }
        let name = path == "-" ? InputBytes.standardInputName : path
        let bytes = try InputBytes.read(path: path, content: named == nil ? .sniffed : .text)
        if named == nil, let archive = ArchiveFormat.sniff(bytes.dropLast()) {
            let file = MappedFile(bytes: Array(bytes.dropLast()), name: name)
            let opened = try ArrayArchives.open(file, format: archive)
            return WrittenMatrix(
                values: try ArrayArchives.matrix(opened, named: nil), precision: storedPrecision(opened, nil))
        }
        let format = named ?? MatrixFormat.sniff(bytes.dropLast())
        if format == .json, isRunReport(bytes) {
            throw FormatError(
                kind: .data, file: name,
                message:
                    "this is run's JSON report (it has \"shapes\"), not one matrix: give the matrix alone, e.g. run … --format csv --show output, or jq -c .output"
            )
        }
        let values = try MatrixReader.readTerminated(
            bytes, name: name, format: format, nonFinite: .negativeInfinityAllowed)
        let precisions: [WrittenPrecision]
        switch format {
        case .npy:
            let dtype = bytes.withUnsafeBufferPointer { buffer in
                try? NPYHeader(parsing: buffer, anyRank: true).dataType.elementType.safetensorsName
            }
            return WrittenMatrix(values: values, precision: storedPrecision(dtype: dtype))
        case .json: precisions = bytes.withUnsafeBufferPointer { jsonPrecisions($0.extracting(..<($0.count - 1))) }
        case .csv:
            precisions = bytes.withUnsafeBufferPointer {
                delimitedPrecisions($0.extracting(..<($0.count - 1)), separator: UInt8(ascii: ","))
            }
        case .tsv:
            precisions = bytes.withUnsafeBufferPointer {
                delimitedPrecisions($0.extracting(..<($0.count - 1)), separator: 0x09)
            }
        }
        guard let answer = try? WrittenMatrix(values: values, precisions: precisions) else {
            throw FormatError(
                kind: .data, file: name,
                message:
                    "cannot tell how many decimals each of the \(values.elements.count) entries has (found \(precisions.count) numbers); write one plain number per field"
            )
        }
        return answer
    }

    /// Whether JSON bytes are an object with a `"shapes"` key near its start: `run --format
    /// json`'s report (its first key), not a matrix.
    static func isRunReport(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }),
            bytes[first] == UInt8(ascii: "{")
        else { return false }
        let key = Array("\"shapes\"".utf8)
        let window = bytes[first..<min(bytes.count, first + 64)]
        return window.indices.contains { i in window[i...].starts(with: key) }
    }

    /// How precisely the array `arrayName` (or the only one) of `archive` holds its numbers:
    /// full precision, unless its type is float32, float16 or bfloat16.
    static func storedPrecision(_ archive: any ArrayArchive, _ arrayName: String?) -> WrittenPrecision {
        let info = arrayName.map(archive.array(named:)) ?? archive.arrays.first
        return storedPrecision(dtype: info?.dtype)
    }

    /// The precision of numbers stored as `dtype` (safetensors' names: `F32`, `F64`, …).
    static func storedPrecision(dtype: String?) -> WrittenPrecision {
        let narrow: [String: NarrowFloat] = ["F32": .float32, "F16": .float16, "BF16": .bfloat16]
        return dtype.flatMap { narrow[$0] }.map(WrittenPrecision.stored) ?? .binary
    }

    /// The precision of a number as written: `-0.6698` → 4 decimals, 4 significant digits;
    /// `1.5e-3` → 4 decimals; `12` → 0 decimals, integral; `-inf` (a blocked score) counts as
    /// an integer. Nil if `text` is not a number.
    public static func precision(_ text: Substring) -> WrittenPrecision? {
        let utf8 = Array(text.utf8)
        return utf8.withUnsafeBufferPointer { precision($0) }
    }

    /// `precision` of the bytes of one field.
    static func precision(_ field: UnsafeBufferPointer<UInt8>) -> WrittenPrecision? {
        var i = 0
        let n = field.count
        if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") { i += 1 }
        if i > 0, field[0] == UInt8(ascii: "-"), isNegativeInfinity(field, from: i) {
            return WrittenPrecision(decimals: 0, significantDigits: 1, isIntegral: true)
        }
        var digits = 0, fraction = 0, significant = 0, leadingZeros = true, point = false
        while i < n {
            let c = field[i]
            if c >= 0x30 && c <= 0x39 {
                digits += 1
                if point { fraction += 1 }
                if c != 0x30 { leadingZeros = false }
                if !leadingZeros { significant += 1 }
            } else if c == UInt8(ascii: "."), !point {
                point = true
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        var hasExponent = false
        if i < n {
            guard field[i] == UInt8(ascii: "e") || field[i] == UInt8(ascii: "E") else { return nil }
            hasExponent = true
            i += 1
            var negative = false
            if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") {
                negative = field[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n else { return nil }
            while i < n {
                let c = field[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                // Beyond any double's exponent the count no longer matters; keep it bounded.
                if exponent < 100_000 { exponent = exponent * 10 + Int(c - 0x30) }
                i += 1
            }
            if negative { exponent = -exponent }
        }
        return WrittenPrecision(
            decimals: fraction - exponent, significantDigits: max(significant, 1), isIntegral: !point && !hasExponent)
    }

    /// Whether `field` from `start` spells `inf` or `infinity` (any case).
    private static func isNegativeInfinity(_ field: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let rest = field.count - start
        guard rest == 3 || rest == 8 else { return false }
        let word = Array("infinity".utf8)
        for k in 0..<rest where field[start + k] | 0x20 != word[k] { return false }
        return true
    }

    /// The precision of every field of every data record of CSV or TSV bytes, in order: blank
    /// lines and `#` comments skipped, a first record with a field that is not a number
    /// skipped as a header, each field trimmed and unquoted (as the matrix reader reads them).
    static func delimitedPrecisions(_ text: UnsafeBufferPointer<UInt8>, separator: UInt8) -> [WrittenPrecision] {
        var precisions: [WrittenPrecision] = []
        precisions.reserveCapacity(text.count / 4)
        var first = true
        var lineStart = 0
        let n = text.count
        while lineStart < n {
            var lineEnd = lineStart
            while lineEnd < n, text[lineEnd] != 0x0A, text[lineEnd] != 0x0D { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            let content = afterBlanks(text, lineStart, lineEnd)
            if content == lineEnd || text[content] == UInt8(ascii: "#") { continue }
            let mark = precisions.count
            var header = false
            var fieldStart = lineStart
            while fieldStart <= lineEnd {
                var fieldEnd = fieldStart
                while fieldEnd < lineEnd, text[fieldEnd] != separator { fieldEnd += 1 }
                let field = unquoted(text, fieldStart, fieldEnd)
                if let p = precision(UnsafeBufferPointer(rebasing: text[field])) {
                    precisions.append(p)
                } else if first {
                    header = true
                }
                fieldStart = fieldEnd + 1
            }
            if header { precisions.removeSubrange(mark...) }
            first = false
        }
        return precisions
    }

    /// Whether a UTF-8 byte order mark starts at `i`.
    private static func isBOM(_ text: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Bool {
        i + 2 < end && text[i] == 0xEF && text[i + 1] == 0xBB && text[i + 2] == 0xBF
    }

    /// The first index of `start ..< end` past spaces, tabs and byte order marks (`end` if none).
    private static func afterBlanks(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end {
            if text[i] == 0x20 || text[i] == 0x09 {
                i += 1
            } else if isBOM(text, at: i, end: end) {
                i += 3
            } else {
                break
            }
        }
        return i
    }

    /// A field's range without surrounding blanks, a BOM, or double quotes.
    private static func unquoted(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int> {
        var (a, b) = (afterBlanks(text, start, end), end)
        while b > a, text[b - 1] == 0x20 || text[b - 1] == 0x09 { b -= 1 }
        if b - a >= 2, text[a] == UInt8(ascii: "\""), text[b - 1] == UInt8(ascii: "\"") { (a, b) = (a + 1, b - 1) }
        while a < b, text[a] == 0x20 { a += 1 }
        return a..<b
    }

    /// The precision of every number token of JSON bytes in order, strings skipped.
    static func jsonPrecisions(_ text: UnsafeBufferPointer<UInt8>) -> [WrittenPrecision] {
        var precisions: [WrittenPrecision] = []
        var i = 0
        let n = text.count
        var inString = false, escaped = false
        while i < n {
            let c = text[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                }
                i += 1
            } else if c == UInt8(ascii: "\"") {
                inString = true
                i += 1
            } else if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
                var end = i + 1
                while end < n, isNumberByte(text[end]) { end += 1 }
                precision(UnsafeBufferPointer(rebasing: text[i..<end])).map { precisions.append($0) }
                i = end
            } else {
                i += 1
            }
        }
        return precisions
    }

    /// A byte of a JSON number: a digit, `+`, `-`, `.`, `e` or `E`.
    private static func isNumberByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
    }
}
