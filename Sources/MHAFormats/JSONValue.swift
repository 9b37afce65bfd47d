import MHACore

/// An ordered JSON value the front end builds its output objects from; keys keep the order
/// they were given in.
///
///     JSONValue.object([("heads", .int(2)), ("output", .matrix(m))]).serialized()
///     // {"heads":2,"output":[[1.0,2.0],[3.0,4.0]]}
public indirect enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer, printed without a decimal point.
    case int(Int)
    /// A Double, printed in its shortest round-trip form (`0.1`, `-0.0`, `5e-324`); a
    /// non-finite value prints as `null` (JSON has no NaN or infinity).
    case number(Double)
    /// A string, escaped per RFC 8259.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object whose members keep their order.
    case object([(String, JSONValue)])
    /// A Double matrix, as an array of rows.
    case matrix(Matrix<Double>)
    /// A Float matrix, as an array of rows, each number in Float's shortest form.
    case floatMatrix(Matrix<Float>)

    /// The JSON text: compact by default; `pretty` puts members and matrix rows on their own
    /// lines, indented by two spaces.
    public func serialized(pretty: Bool = false) -> String {
        var output = ""
        write(to: &output, pretty: pretty, indent: 0)
        return output
    }

    /// Appends this value's text at nesting level `indent`.
    private func write(to output: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: output += "null"
        case let .bool(value): output += value ? "true" : "false"
        case let .int(value): output += String(value)
        case let .number(value): JSONWriter.appendNumber(value, to: &output)
        case let .string(value): JSONWriter.appendString(value, to: &output)
        case let .matrix(matrix): JSONWriter.appendMatrix(matrix, to: &output, pretty: pretty, indent: indent)
        case let .floatMatrix(matrix): JSONWriter.appendMatrix(matrix, to: &output, pretty: pretty, indent: indent)
        case let .array(items):
            let nested = items.contains { $0.isContainer }
            writeContainer(
                items.map { (nil, $0) }, open: "[", close: "]", to: &output,
                pretty: pretty && nested, indent: indent, prettyChildren: pretty)
        case let .object(members):
            writeContainer(
                members.map { ($0.0, $0.1) }, open: "{", close: "}", to: &output,
                pretty: pretty, indent: indent, prettyChildren: pretty)
        }
    }

    /// Whether the value prints with brackets or braces around other values.
    private var isContainer: Bool {
        switch self {
        case .array, .object, .matrix, .floatMatrix: return true
        default: return false
        }
    }

    /// Writes an array (keys nil) or object, one member per line when `pretty`.
    private func writeContainer(
        _ members: [(String?, JSONValue)], open: String, close: String,
        to output: inout String, pretty: Bool, indent: Int, prettyChildren: Bool
    ) {
        output += open
        guard !members.isEmpty else { return output += close }
        let inner = String(repeating: "  ", count: indent + 1)
        for (position, (key, value)) in members.enumerated() {
            if position > 0 { output += "," }
            if pretty { output += "\n" + inner }
            if let key {
                JSONWriter.appendString(key, to: &output)
                output += pretty ? ": " : ":"
            }
            value.write(to: &output, pretty: prettyChildren, indent: indent + 1)
        }
        if pretty { output += "\n" + String(repeating: "  ", count: indent) }
        output += close
    }
}
