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
            let values = try MatrixReader.read(path: path)
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
        let values = try MatrixReader.readTerminated(bytes, name: name, format: format)
        let texts: [Substring]
        switch format {
        case .npy:
            let dtype = bytes.withUnsafeBufferPointer { buffer in
                try? NPYHeader(parsing: buffer, anyRank: true).dataType.elementType.safetensorsName
            }
            return WrittenMatrix(values: values, precision: storedPrecision(dtype: dtype))
        case .json: texts = jsonNumbers(String(decoding: bytes.dropLast(), as: UTF8.self))
        case .csv: texts = delimitedNumbers(String(decoding: bytes.dropLast(), as: UTF8.self), separator: ",")
        case .tsv: texts = delimitedNumbers(String(decoding: bytes.dropLast(), as: UTF8.self), separator: "\t")
        }
        let precisions = texts.compactMap(precision)
        guard precisions.count == texts.count,
            let answer = try? WrittenMatrix(values: values, precisions: precisions)
        else {
            throw FormatError(
                kind: .data, file: name,
                message:
                    "cannot tell how many decimals each of the \(values.elements.count) entries has (found \(texts.count) numbers); write one plain number per field"
            )
        }
        return answer
    }

    /// How precisely the array `arrayName` (or the only one) of `archive` holds its numbers:
    /// full precision, unless its type is float32, float16 or bfloat16.
    static func storedPrecision(_ archive: any ArrayArchive, _ arrayName: String?) -> WrittenPrecision {
        let info = arrayName.map { name in archive.arrays.first { $0.name == name } } ?? archive.arrays.first
        return storedPrecision(dtype: info?.dtype)
    }

    /// The precision of numbers stored as `dtype` (safetensors' names: `F32`, `F64`, …).
    static func storedPrecision(dtype: String?) -> WrittenPrecision {
        let narrow: [String: NarrowFloat] = ["F32": .float32, "F16": .float16, "BF16": .bfloat16]
        return dtype.flatMap { narrow[$0] }.map(WrittenPrecision.stored) ?? .binary
    }

    /// The precision of a number as written: `-0.6698` → 4 decimals, 4 significant digits;
    /// `1.5e-3` → 4 decimals; `12` → 0 decimals, integral. Nil if `text` is not a number.
    public static func precision(_ text: Substring) -> WrittenPrecision? {
        var body = text
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        let parts = body.split(
            maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0 == "e" || $0 == "E" })
        guard let mantissa = parts.first, !mantissa.isEmpty else { return nil }
        var exponent = 0
        if parts.count == 2 {
            guard let e = Int(parts[1]) else { return nil }
            exponent = e
        }
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = pieces[0], fraction = pieces.count == 2 ? pieces[1] : ""
        let digits = integer + fraction
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let significant = digits.drop(while: { $0 == "0" }).count
        return WrittenPrecision(
            decimals: fraction.count - exponent, significantDigits: max(significant, 1),
            isIntegral: pieces.count == 1 && parts.count == 1)
    }

    /// The fields of every data record of CSV or TSV text, in order: blank lines and `#`
    /// comments skipped, a first record with a field that is not a number skipped as a
    /// header, each field trimmed and unquoted.
    static func delimitedNumbers(_ text: String, separator: Character) -> [Substring] {
        var fields: [Substring] = []
        var first = true
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let content = line.drop(while: { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" })
            if content.isEmpty || content.first == "#" { continue }
            let record = line.split(separator: separator, omittingEmptySubsequences: false).map(unquoted)
            defer { first = false }
            if first, record.contains(where: { precision($0) == nil }) { continue }
            fields += record
        }
        return fields
    }

    /// A field without surrounding blanks, a BOM, or double quotes.
    private static func unquoted(_ field: Substring) -> Substring {
        var f = field.drop(while: { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" })
        while let last = f.last, last == " " || last == "\t" { f = f.dropLast() }
        if f.count >= 2, f.first == "\"", f.last == "\"" { f = f.dropFirst().dropLast() }
        return f.drop(while: { $0 == " " })
    }

    /// The number tokens of JSON text in order, strings skipped.
    static func jsonNumbers(_ text: String) -> [Substring] {
        var numbers: [Substring] = []
        var index = text.startIndex
        var inString = false, escaped = false
        while index < text.endIndex {
            let c = text[index]
            if inString {
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inString = false
                }
                index = text.index(after: index)
            } else if c == "\"" {
                inString = true
                index = text.index(after: index)
            } else if c == "-" || c.isASCII && c.isNumber {
                let end = text[index...].firstIndex(where: { !("0123456789+-.eE".contains($0)) }) ?? text.endIndex
                numbers.append(text[index..<end])
                index = end
            } else {
                index = text.index(after: index)
            }
        }
        return numbers
    }
}
