import MHACore

/// A strict RFC 8259 parser producing a `JSONDocument`, with located syntax errors.
///
/// Why not Foundation's `JSONSerialization`? Measured on this machine, in one run
/// (benchmarks/formats/bench.py, 2048 × 1024 doubles, 43 MB, release build):
/// - speed: `JSONSerialization.jsonObject` then `as? [[Double]]` took 2.7–5.6 s
///   (8–16 MB/s) across runs on the loaded machine; this parser with `JSONMatrixReader`
///   0.16–0.24 s (175–275 MB/s), Python's `json.load` 0.5–0.9 s, in the same runs;
/// - strictness: it accepted `[[1, 2], [3, 4,]]` (a trailing comma RFC 8259 forbids);
/// - location: its errors carry no line and column, and a value's position in the text is
///   lost, so `$.wq[2][1]` could not be located for data errors;
/// - numbers: -0.0 and 5e-324 do survive its NSNumber conversion (bits 0x8000000000000000
///   and 0x1), so exactness was not the reason.
/// This parser is iterative (an explicit stack, so deep nesting cannot overflow the call
/// stack), refuses nesting deeper than `maximumDepth`, parses numbers exactly with
/// `NumberParsing`, and rejects trailing commas, comments, NaN/Infinity, single quotes,
/// leading zeros, unescaped control characters and bytes that are not UTF-8.
struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 512

    /// The text, followed in memory by a readable NUL byte (not counted).
    let text: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String
    /// Whether Python's `NaN`, `Infinity` and `-Infinity` (which `json.dump` writes) are read
    /// as numbers; off, they are syntax errors, as RFC 8259 says. Only config.json turns it on.
    var acceptsPythonNonFinite = false

    /// A parser of `text` (followed in memory by a NUL), `name` for messages.
    init(text: UnsafeBufferPointer<UInt8>, name: String, acceptsPythonNonFinite: Bool = false) {
        self.text = text
        self.name = name
        self.acceptsPythonNonFinite = acceptsPythonNonFinite
    }

    /// Parses the whole text.
    func parse() throws(FormatError) -> JSONDocument {
        guard let base = text.baseAddress else { throw syntax(at: 0, "empty file: expected a JSON value") }
        if let bad = UTF8Validation.firstInvalidOffset(in: text) {
            throw FormatError(
                kind: .syntax, file: name, bytes: text, offset: bad,
                message: UTF8Validation.message(for: base[bad]))
        }
        var document = JSONDocument()
        document.nodes.reserveCapacity(text.count / 8 + 1)  // a number and its comma take ≥ 2 bytes, most ≥ 8
        var open: [Int] = []  // indices of the open containers' start nodes
        var index = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        index = skipWhitespace(base, index)
        parsing: while true {
            // A value starts at `index` (whitespace skipped).
            index = try value(base, at: index, into: &document, open: &open)
            // After a value: close containers, or continue with the next element.
            while true {
                index = skipWhitespace(base, index)
                guard let container = open.last else { break parsing }
                let isObject = document.nodes[container].kind == .object
                let byte = index < text.count ? base[index] : 0
                if byte == UInt8(ascii: ",") {
                    index = skipWhitespace(base, index + 1)
                    if isObject { index = try key(base, at: index, into: &document) }
                    continue parsing
                }
                guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw syntax(
                        at: index,
                        "expected ',' or '\(isObject ? "}" : "]")', found \(found(base, index))\(lookalike(base, index))"
                    )
                }
                document.nodes[container].payload = UInt64(document.nodes.count)
                open.removeLast()
                index += 1
            }
        }
        guard index == text.count else {
            throw syntax(at: index, "unexpected \(found(base, index)) after the JSON value")
        }
        return document
    }

    /// Parses the value at `index`; opening a non-empty container leaves it on `open` with
    /// `index` at its first element. Returns the offset after what was consumed.
    private func value(
        _ base: UnsafePointer<UInt8>, at start: Int, into document: inout JSONDocument,
        open: inout [Int]
    ) throws(FormatError) -> Int {
        var index = start
        while true {
            let byte = index < text.count ? base[index] : 0
            if acceptsPythonNonFinite, let end = pythonNonFinite(base, at: index, into: &document) { return end }
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard open.count < JSONParser.maximumDepth else {
                    throw syntax(at: index, "nesting deeper than \(JSONParser.maximumDepth)")
                }
                let isObject = byte == UInt8(ascii: "{")
                document.nodes.append(.init(kind: isObject ? .object : .array, offset: index, payload: 0))
                let container = document.nodes.count - 1
                index = skipWhitespace(base, index + 1)
                if index < text.count, base[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    document.nodes[container].payload = UInt64(document.nodes.count)
                    return index + 1
                }
                open.append(container)
                if isObject {
                    index = try key(base, at: index, into: &document)
                }
                continue  // the first element
            case UInt8(ascii: "\""):
                let (string, end) = try JSONStringScanner(text: text, name: name).scan(base, from: index)
                document.nodes.append(.init(kind: .string, offset: index, payload: UInt64(document.strings.count)))
                document.strings.append(string)
                return end
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let scanned = NumberParsing.scan(base, from: index, limit: text.count, grammar: .json) else {
                    throw syntax(
                        at: index,
                        nonFiniteMessage(base, index + 1) ?? "invalid number \(MessageText.quoted(token(base, index)))")
                }
                document.nodes.append(.init(kind: .number, offset: index, payload: scanned.value.bitPattern))
                if scanned.flushedToZero { document.underflow.note(index..<scanned.end) }
                return scanned.end
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                return try literal(base, at: index, into: &document)
            case UInt8(ascii: "N"), UInt8(ascii: "I"):
                throw syntax(
                    at: index, nonFiniteMessage(base, index) ?? "expected a value, found \(found(base, index))")
            default:
                throw syntax(at: index, "expected a value, found \(found(base, index))\(lookalike(base, index))")
            }
        }
    }

    /// Parses `"key" :` at `index` (an object member's key); returns the offset of its value.
    private func key(
        _ base: UnsafePointer<UInt8>, at index: Int,
        into document: inout JSONDocument
    ) throws(FormatError) -> Int {
        guard index < text.count, base[index] == UInt8(ascii: "\"") else {
            throw syntax(at: index, "expected a string key, found \(found(base, index))")
        }
        let (string, end) = try JSONStringScanner(text: text, name: name).scan(base, from: index)
        document.nodes.append(.init(kind: .string, offset: index, payload: UInt64(document.strings.count)))
        document.strings.append(string)
        let colon = skipWhitespace(base, end)
        guard colon < text.count, base[colon] == UInt8(ascii: ":") else {
            throw syntax(at: colon, "expected ':' after a key, found \(found(base, colon))")
        }
        return skipWhitespace(base, colon + 1)
    }

    /// Parses Python's `NaN`, `Infinity` or `-Infinity` at `index` as a number node; nil when
    /// none is there.
    private func pythonNonFinite(
        _ base: UnsafePointer<UInt8>, at index: Int, into document: inout JSONDocument
    ) -> Int? {
        let rest = UnsafeBufferPointer(rebasing: text[index...])
        for (spelling, value) in [("NaN", Double.nan), ("Infinity", .infinity), ("-Infinity", -.infinity)]
        where rest.starts(with: spelling.utf8) {
            document.nodes.append(.init(kind: .number, offset: index, payload: value.bitPattern))
            return index + spelling.utf8.count
        }
        return nil
    }

    /// Parses `true`, `false` or `null` at `index`.
    private func literal(
        _ base: UnsafePointer<UInt8>, at index: Int,
        into document: inout JSONDocument
    ) throws(FormatError) -> Int {
        let rest = UnsafeBufferPointer(rebasing: text[index...])
        for (spelling, kind, payload) in [
            ("true", JSONDocument.Kind.boolean, UInt64(1)),
            ("false", .boolean, 0), ("null", .null, 0),
        ]
        where rest.starts(with: spelling.utf8) {
            document.nodes.append(.init(kind: kind, offset: index, payload: payload))
            return index + spelling.utf8.count
        }
        throw syntax(at: index, "expected a value, found \(MessageText.quoted(token(base, index)))")
    }

    /// The offset of the first non-whitespace byte at or after `index`.
    @inline(__always)
    private func skipWhitespace(_ base: UnsafePointer<UInt8>, _ index: Int) -> Int {
        var index = index
        while MatrixFormat.isJSONWhitespace(base[index]) { index += 1 }  // the NUL stops it
        return index
    }

    /// What is at `index`, for messages: `"x"`, `a control character (0x0A)` or
    /// `the end of the file`.
    private func found(_ base: UnsafePointer<UInt8>, _ index: Int) -> String {
        guard index < text.count else { return "the end of the file" }
        let byte = base[index]
        if byte < 0x20 {
            return "a control character (0x\(String(byte, radix: 16, uppercase: true)))"
        }
        var end = index + 1
        while end < text.count, base[end] & 0xC0 == 0x80 { end += 1 }
        return MessageText.quoted(
            String(
                decoding: UnsafeBufferPointer(start: base + index, count: end - index),
                as: UTF8.self))
    }

    /// ` (U+2212 MINUS SIGN is not "-"; …)` when the character at `index` is a typographic
    /// look-alike of part of a number; empty otherwise.
    private func lookalike(_ base: UnsafePointer<UInt8>, _ index: Int) -> String {
        guard index < text.count, base[index] >= 0x80 else { return "" }
        var end = index + 1
        while end < text.count, base[end] & 0xC0 == 0x80 { end += 1 }
        let character = String(decoding: UnsafeBufferPointer(start: base + index, count: end - index), as: UTF8.self)
        return LookalikeCharacter.hint(in: character).map { " (\($0))" } ?? ""
    }

    /// For Python's `NaN` or `Infinity` at `index` (which `json.dump` writes by default): a
    /// message saying JSON has no such number; nil for anything else.
    private func nonFiniteMessage(_ base: UnsafePointer<UInt8>, _ index: Int) -> String? {
        guard index < text.count else { return nil }
        let rest = UnsafeBufferPointer(rebasing: text[index...])
        guard let spelling = ["NaN", "Infinity"].first(where: { rest.starts(with: $0.utf8) }) else { return nil }
        return
            "\(spelling) is not a JSON number (JSON has no NaN or Infinity, though Python's json.dump writes them); non-finite values are not allowed"
    }

    /// The run of letters, digits and number punctuation at `index`, for messages.
    private func token(_ base: UnsafePointer<UInt8>, _ index: Int) -> String {
        var end = index
        while end < text.count, end - index < MessageText.quotedLimit,
            case let byte = base[end], byte > 0x20, !",]}:\"".utf8.contains(byte)
        { end += 1 }
        return String(decoding: UnsafeBufferPointer(start: base + index, count: max(end - index, 1)), as: UTF8.self)
    }

    /// A located syntax error.
    private func syntax(at offset: Int, _ message: String) -> FormatError {
        FormatError(kind: .syntax, file: name, bytes: text, offset: offset, message: message)
    }
}
