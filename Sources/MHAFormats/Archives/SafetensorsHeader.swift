import MHACore

/// The JSON header of a `.safetensors` file, checked against the file before any tensor is
/// read: every entry's dtype known, shape × element size equal to its byte range, the ranges
/// in order, neither overlapping nor leaving gaps, and ending exactly at the end of the file
/// (the rules of the reference implementation).
///
/// Layout: 8 bytes little-endian N, N bytes of JSON (`{"name": {"dtype": "F32", "shape":
/// [2, 3], "data_offsets": [0, 24]}, …, "__metadata__": {…}}`), then the data; offsets count
/// from the data's first byte.
struct SafetensorsHeader {
    /// A header longer than this is refused before it is read.
    static let maximumLength = 100_000_000

    /// One tensor's entry.
    struct Entry {
        /// Name, dtype, shape and size.
        let info: ArrayInfo
        /// The encoding, or nil for a dtype safetensors defines but this reader cannot widen.
        let type: ElementType?
        /// Byte range in the file (absolute).
        let range: Range<Int>
    }

    /// The tensors in the order of their data.
    let entries: [Entry]

    /// The dtypes safetensors defines that are listed but not read (no exact widening here).
    static let listedOnly: [String: Int] = ["F8_E4M3": 1, "F8_E5M2": 1, "C64": 8]

    /// Parses and checks the header of `file`.
    /// - Throws: a data error naming the file (and the entry's JSON path) for every violation.
    init(_ file: MappedFile) throws(FormatError) {
        let name = file.name
        func failure(_ path: String?, _ message: String) -> FormatError {
            FormatError(kind: .data, file: name, path: path, message: message)
        }
        guard file.bytes.count >= 8 else {
            throw failure(
                nil, "not a safetensors file: \(file.bytes.count) bytes, shorter than the 8-byte header length")
        }
        let length = file.little(0, 8)
        guard length <= Self.maximumLength else {
            // The true value, not `little`'s clamp to Int.max (2^63 would print as 2^63 − 1).
            let declared = (0..<8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(file.bytes[$1]) }
            throw failure(nil, "the header length \(declared) is over the 100 MB limit for safetensors headers")
        }
        guard length <= file.bytes.count - 8 else {
            throw failure(
                nil,
                "the header length \(length) runs past the end of the file (\(file.bytes.count - 8) bytes after it)")
        }
        let dataStart = 8 + length
        let document: JSONDocument
        var text = [UInt8](file.slice(8..<dataStart))
        text.append(0)
        do {
            document = try MatrixReader.withContent(of: text) { (content) throws(FormatError) in
                try JSONParser(text: content, name: name).parse()
            }
        } catch {
            throw failure(
                nil,
                "malformed JSON header: \(error.message)"
                    + (error.line.map { " (header line \($0), column \(error.column ?? 0))" } ?? ""))
        }
        guard document.nodes[0].kind == .object else {
            throw failure(nil, "the JSON header is \(JSONDocument.describe(document.nodes[0].kind)), not an object")
        }
        if let escape = Self.loneSurrogate(in: text) {
            throw failure(nil, "malformed JSON header: a lone UTF-16 surrogate escape (\(escape)) is not a character")
        }
        var entries: [Entry] = []
        var seen: Set<ExactKey> = []  // names by code point, as the safetensors package
        for member in document.members(of: 0) {
            let path = "$[\(MessageText.quoted(member.key))]"
            guard seen.insert(ExactKey(member.key)).inserted else { throw failure(path, "duplicate tensor name") }
            if member.key == "__metadata__" {
                try Self.checkMetadata(document, member.value, failure: { failure(path, $0) })
                continue
            }
            let entry = try EntryFields(document: document, text: text, index: member.value, path: path, name: name)
                .entry(member.key, dataStart: dataStart)
            entries.append(entry)
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var expected = dataStart
        for entry in entries {
            let path = "$[\(MessageText.quoted(entry.info.name))].data_offsets"
            let offsets = "[\(entry.range.lowerBound - dataStart), \(entry.range.upperBound - dataStart)]"
            if entry.range.lowerBound < expected {
                throw failure(
                    path,
                    "data_offsets \(offsets) overlap the previous tensor's data (which ends at \(expected - dataStart))"
                )
            }
            if entry.range.lowerBound > expected {
                throw failure(
                    path,
                    "data_offsets \(offsets) leave a gap after the previous tensor's data (which ends at \(expected - dataStart))"
                )
            }
            if entry.range.upperBound > file.bytes.count {
                throw failure(
                    path,
                    "data_offsets \(offsets) run past the end of the file (\(file.bytes.count - dataStart) data bytes)")
            }
            expected = entry.range.upperBound
        }
        if expected != file.bytes.count {
            throw failure(
                nil,
                "\(file.bytes.count - expected) bytes after the last tensor's data (a truncated header or a corrupt file)"
            )
        }
        self.entries = entries
    }

    /// Refuses a `__metadata__` that is not an object of strings (or null), as the reference
    /// implementation's string-to-string map does.
    private static func checkMetadata(
        _ document: JSONDocument, _ index: Int, failure: (String) -> FormatError
    ) throws(FormatError) {
        let kind = document.nodes[index].kind
        if kind == .null { return }
        guard kind == .object else {
            throw failure("expected an object of strings, found \(JSONDocument.describe(kind))")
        }
        for member in document.members(of: index) where document.nodes[member.value].kind != .string {
            throw failure(
                "the value of \(MessageText.quoted(member.key)) is \(JSONDocument.describe(document.nodes[member.value].kind)), not a string"
            )
        }
    }

    /// The first `\uD800`–`\uDFFF` escape in `text` (JSON) that is not half of a surrogate
    /// pair, as written; nil when there is none. The reference implementation refuses one,
    /// where a lenient parser would put U+FFFD in a name.
    static func loneSurrogate(in text: [UInt8]) -> String? {
        func unit(at offset: Int) -> Int? {
            guard offset + 6 <= text.count, text[offset] == UInt8(ascii: "\\"), text[offset + 1] == UInt8(ascii: "u")
            else { return nil }
            return Int(String(decoding: text[(offset + 2)..<(offset + 6)], as: UTF8.self), radix: 16)
        }
        var offset = 0
        while offset < text.count {
            guard text[offset] == UInt8(ascii: "\\") else {
                offset += 1
                continue
            }
            guard let value = unit(at: offset) else {
                offset += 2
                continue
            }
            let written = String(decoding: text[offset..<(offset + 6)], as: UTF8.self)
            if (0xDC00...0xDFFF).contains(value) { return written }
            if (0xD800...0xDBFF).contains(value) {
                guard let low = unit(at: offset + 6), (0xDC00...0xDFFF).contains(low) else { return written }
                offset += 12
                continue
            }
            offset += 6
        }
        return nil
    }
}

/// The fields of one header entry, read with type checks.
private struct EntryFields {
    /// The parsed header.
    let document: JSONDocument
    /// The header's text (numbers are checked as written).
    let text: [UInt8]
    /// The entry's node.
    let index: Int
    /// Its JSON path, `$["wq"]`.
    let path: String
    /// The file name.
    let name: String

    /// A data error at this entry (or one of its fields).
    func failure(_ field: String?, _ message: String) -> FormatError {
        FormatError(kind: .data, file: name, path: path + (field.map { "." + $0 } ?? ""), message: message)
    }

    /// The checked entry named `key` whose data starts `dataStart` bytes into the file.
    func entry(_ key: String, dataStart: Int) throws(FormatError) -> SafetensorsHeader.Entry {
        guard document.nodes[index].kind == .object else {
            throw failure(
                nil,
                "expected an object with dtype, shape and data_offsets, found \(JSONDocument.describe(document.nodes[index].kind))"
            )
        }
        var fields: [String: Int] = [:]
        for member in document.members(of: index) { fields[member.key] = member.value }
        guard let dtypeNode = fields["dtype"], document.nodes[dtypeNode].kind == .string else {
            throw failure("dtype", "missing or not a string")
        }
        let dtype = document.string(dtypeNode)
        let type = ElementType(safetensorsName: dtype)
        guard let size = type?.size ?? SafetensorsHeader.listedOnly[dtype] else {
            throw failure(
                "dtype",
                "unknown dtype \(MessageText.quoted(dtype)) (F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL are read)"
            )
        }
        let shape = try integers("shape", fields["shape"], count: nil)
        let offsets = try integers("data_offsets", fields["data_offsets"], count: 2)
        var bytes = size
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= 1 << 53 else {
                throw failure("shape", "shape \(shape) is too large to address")
            }
            bytes = product
        }
        guard offsets[0] <= offsets[1] else {
            throw failure("data_offsets", "data_offsets [\(offsets[0]), \(offsets[1])] end before they begin")
        }
        guard offsets[1] - offsets[0] == bytes else {
            throw failure(
                "data_offsets",
                "data_offsets [\(offsets[0]), \(offsets[1])] hold \(offsets[1] - offsets[0]) bytes; shape \(shape) of \(dtype) needs \(bytes)"
            )
        }
        return .init(
            info: ArrayInfo(name: key, dtype: dtype, shape: shape, byteCount: bytes), type: type,
            range: (dataStart + offsets[0])..<(dataStart + offsets[1]))
    }

    /// Whether the number at `offset` of the text is written with digits only.
    private func isIntegerSpelling(at offset: Int) -> Bool {
        var end = offset
        while end < text.count, (text[end] &- 48) < 10 { end += 1 }
        guard end > offset else { return false }
        guard end < text.count else { return true }
        let next = text[end]
        return next != UInt8(ascii: ".") && next | 0x20 != UInt8(ascii: "e")
    }

    /// The array of non-negative integers (below 2⁵³) in `field`, of `count` elements if given.
    private func integers(_ field: String, _ node: Int?, count: Int?) throws(FormatError) -> [Int] {
        let expected = count.map { "an array of \($0) non-negative integers" } ?? "an array of non-negative integers"
        guard let node, document.nodes[node].kind == .array else { throw failure(field, "missing or not \(expected)") }
        var values: [Int] = []
        for element in document.elements(of: node) {
            // As the reference implementation's usize: digits only (`96.0`, `4e0` are floats).
            guard document.nodes[element].kind == .number, isIntegerSpelling(at: document.nodes[element].offset) else {
                throw failure(field, "expected \(expected)")
            }
            let value = document.number(element)
            guard value < 0x1p53 else {
                throw failure(field, "\(field) holds an integer too large to address (at least 2^53)")
            }
            values.append(Int(value))
        }
        if let count, values.count != count { throw failure(field, "expected \(expected), found \(values.count)") }
        return values
    }
}
