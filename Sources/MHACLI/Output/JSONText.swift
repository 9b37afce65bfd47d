import Foundation
import MHACore

/// A JSON value with ordered object keys, written compactly with shortest round-trip numbers
/// (Swift's `description` of the number, which JSON accepts: `0.1`, `1e-05`, `3.0`).
indirect enum JSONText: Equatable {
    case number(String)
    case integer(Int)
    case bool(Bool)
    case string(String)
    case array([JSONText])
    /// Keys in the order given.
    case object([(String, JSONText)])

    static func == (a: JSONText, b: JSONText) -> Bool { a.rendered == b.rendered }

    /// A matrix as an array of rows.
    static func matrix<S: AttentionScalar>(_ m: Matrix<S>) -> JSONText {
        .array((0..<m.rows).map { r in .array(m.row(r).map { .number(shortest($0)) }) })
    }

    /// A shape as `[rows, columns]`.
    static func shape(_ rows: Int, _ columns: Int) -> JSONText {
        .array([.integer(rows), .integer(columns)])
    }

    /// The shortest text that reads back as `value` (a negative zero prints as 0).
    static func shortest<S: AttentionScalar>(_ value: S) -> String {
        value == 0 ? "0" : value.description
    }

    /// The value as compact JSON text.
    var rendered: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// Appends the value's JSON text to `text`.
    func write(to text: inout String) {
        switch self {
        case let .number(value): text += value
        case let .integer(value): text += String(value)
        case let .bool(value): text += value ? "true" : "false"
        case let .string(value): text += Self.quoted(value)
        case let .array(items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case let .object(members):
            text += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { text += "," }
                text += Self.quoted(key) + ":"
                value.write(to: &text)
            }
            text += "}"
        }
    }

    /// A JSON string literal with the required escapes.
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
