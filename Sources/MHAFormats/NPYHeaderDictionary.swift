import MHACore

/// The Python dictionary literal in an NPY header, such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
///
/// A small recursive-descent parser for the literals numpy writes (strings, True/False/None,
/// integers, tuples, lists, dictionaries), with a depth limit and overflow checks so that a
/// hostile header gives an error, never a trap.
struct NPYHeaderDictionary {
    /// A Python literal value.
    indirect enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case none
        case integer(Int)
        case sequence([Value])
        case dictionary([String: Value])
    }

    /// The entries by key.
    let entries: [String: Value]

    /// Parses `text` (the header after the preamble).
    init(parsing text: UnsafeBufferPointer<UInt8>) throws(NPYFailure) {
        var parser = Parser(bytes: Array(text))
        guard case let .dictionary(entries) = try parser.value(depth: 0) else {
            throw NPYFailure("malformed header: expected a dictionary")
        }
        parser.skipSpaces()
        guard parser.index == parser.bytes.count else {
            throw NPYFailure("malformed header: unexpected text after the dictionary")
        }
        self.entries = entries
    }

    /// The `descr` entry as a supported element type.
    func dataType() throws(NPYFailure) -> NPYDataType {
        switch entries["descr"] {
        case let .string(descr)?: return try NPYDataType(descr: descr)
        case nil: throw NPYFailure("malformed header: no 'descr' key")
        default: throw NPYFailure("unsupported dtype: structured arrays are not matrices")
        }
    }

    /// The `fortran_order` entry.
    func fortranOrder() throws(NPYFailure) -> Bool {
        guard let value = entries["fortran_order"] else {
            throw NPYFailure("malformed header: no 'fortran_order' key")
        }
        guard case let .bool(order) = value else {
            throw NPYFailure("malformed header: 'fortran_order' is not True or False")
        }
        return order
    }

    /// The `shape` entry: one or two non-negative dimensions (any number up to 32 when
    /// `anyRank`, as an archive listing needs).
    func shape(anyRank: Bool = false) throws(NPYFailure) -> [Int] {
        guard let value = entries["shape"] else { throw NPYFailure("malformed header: no 'shape' key") }
        guard case let .sequence(items) = value else {
            throw NPYFailure("malformed header: 'shape' is not a tuple")
        }
        var dimensions: [Int] = []
        for item in items {
            guard case let .integer(dimension) = item, dimension >= 0 else {
                throw NPYFailure("malformed header: 'shape' must hold non-negative integers")
            }
            dimensions.append(dimension)
        }
        if anyRank, dimensions.count <= 32 { return dimensions }
        guard dimensions.count == 1 || dimensions.count == 2 else {
            throw NPYFailure(
                "a \(dimensions.count)-D array is not a matrix (1-D and 2-D arrays are; a 3-D batch is read only as H, a memory or a mask, from a file whose name ends in .npy)"
            )
        }
        return dimensions
    }

    /// The recursive-descent parser over the header bytes.
    private struct Parser {
        /// The header text.
        let bytes: [UInt8]
        /// The next byte to read.
        var index = 0
        /// Deeper nesting is refused (numpy writes depth 2 at most).
        static let maximumDepth = 16

        /// Skips spaces, tabs and line breaks.
        mutating func skipSpaces() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A
                    || bytes[index] == 0x09 || bytes[index] == 0x0D
            { index += 1 }
        }

        /// A `malformed header at byte N: …` failure.
        func failure(_ what: String) -> NPYFailure {
            NPYFailure("malformed header at byte \(index): \(what)")
        }

        /// Any literal, at nesting `depth`.
        mutating func value(depth: Int) throws(NPYFailure) -> Value {
            guard depth < Parser.maximumDepth else { throw failure("nested too deeply") }
            skipSpaces()
            guard index < bytes.count else { throw failure("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .sequence(try sequence(closing: ")", depth: depth))
            case UInt8(ascii: "["): return .sequence(try sequence(closing: "]", depth: depth))
            case UInt8(ascii: "{"): return .dictionary(try dictionary(depth: depth))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
            default: return try word()
            }
        }

        /// A quoted string without escapes.
        mutating func string() throws(NPYFailure) -> String {
            let quote = bytes[index]
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != quote {
                if bytes[index] == UInt8(ascii: "\\") { throw failure("escapes in strings are not supported") }
                index += 1
            }
            guard index < bytes.count else { throw failure("unterminated string") }
            defer { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// A decimal integer (Python 2's `L` suffix allowed), overflow-checked.
        mutating func integer() throws(NPYFailure) -> Int {
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var result = 0
            let start = index
            while index < bytes.count, case let digit = bytes[index] &- 48, digit < 10 {
                let (times, o1) = result.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(digit))
                guard !o1, !o2 else { throw failure("integer too large") }
                result = sum
                index += 1
            }
            guard index > start else { throw failure("expected digits") }
            if index < bytes.count, bytes[index] == UInt8(ascii: "L") { index += 1 }
            return negative ? -result : result
        }

        /// `True`, `False` or `None`.
        mutating func word() throws(NPYFailure) -> Value {
            for (spelling, value) in [("True", Value.bool(true)), ("False", .bool(false)), ("None", .none)]
            where bytes[index...].starts(with: spelling.utf8) {
                index += spelling.utf8.count
                return value
            }
            throw failure("unexpected character")
        }

        /// A tuple or list; a trailing comma is allowed, as in Python.
        mutating func sequence(closing: Unicode.Scalar, depth: Int) throws(NPYFailure) -> [Value] {
            index += 1
            var items: [Value] = []
            while true {
                skipSpaces()
                if index < bytes.count, bytes[index] == UInt8(ascii: closing) {
                    index += 1
                    return items
                }
                items.append(try value(depth: depth + 1))
                skipSpaces()
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if !(index < bytes.count && bytes[index] == UInt8(ascii: closing)) {
                    throw failure("expected ',' or '\(closing)'")
                }
            }
        }

        /// A dictionary with string keys.
        mutating func dictionary(depth: Int) throws(NPYFailure) -> [String: Value] {
            index += 1
            var entries: [String: Value] = [:]
            while true {
                skipSpaces()
                guard index < bytes.count else { throw failure("unterminated dictionary") }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return entries
                }
                guard bytes[index] == UInt8(ascii: "'") || bytes[index] == UInt8(ascii: "\"") else {
                    throw failure("expected a string key")
                }
                let key = try string()
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                entries[key] = try value(depth: depth + 1)
                skipSpaces()
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if !(index < bytes.count && bytes[index] == UInt8(ascii: "}")) {
                    throw failure("expected ',' or '}'")
                }
            }
        }
    }
}
