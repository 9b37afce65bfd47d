import MHACore

/// Writing JSON: matrices as arrays of rows with shortest round-trip numbers, and the
/// pieces `JSONValue` uses (numbers, escaped strings).
public enum JSONWriter {
    /// The matrix as compact JSON rows: `[[1.0,2.0],[3.0,4.0]]`. Each number is the shortest
    /// text that reads back to the same value in `S` (Double's or Float's `description`),
    /// so reading it back as Double gives the identical bits for a Double matrix.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public static func matrix<S: AttentionScalar>(_ m: Matrix<S>) -> String {
        var output = ""
        output.reserveCapacity(m.rows * m.columns * 20 + 2 * m.rows + 2)
        appendMatrix(m, to: &output, pretty: false, indent: 0)
        return output
    }

    /// Appends the matrix; when `pretty`, each row goes on its own line at `indent + 1`.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    static func appendMatrix<S: AttentionScalar>(
        _ m: Matrix<S>, to output: inout String,
        pretty: Bool, indent: Int
    ) {
        let inner = "\n" + String(repeating: "  ", count: indent + 1)
        output += "["
        m.withUnsafeBufferPointer { elements in
            for row in 0..<m.rows {
                if row > 0 { output += "," }
                if pretty { output += inner }
                output += "["
                for column in 0..<m.columns {
                    if column > 0 { output += "," }
                    appendNumber(elements[row * m.columns + column], to: &output)
                }
                output += "]"
            }
        }
        if pretty && m.rows > 0 { output += "\n" + String(repeating: "  ", count: indent) }
        output += "]"
    }

    /// Appends a number in its shortest round-trip form (`null` if not finite).
    @inline(__always)
    static func appendNumber<S: AttentionScalar>(_ value: S, to output: inout String) {
        output += value.isFinite ? value.description : "null"
    }

    /// Appends `value` as a JSON string literal, escaping `"`, `\` and control characters.
    static func appendString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
