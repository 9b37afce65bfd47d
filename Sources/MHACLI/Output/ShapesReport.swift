import MHACore
import MHAFormats

/// The text and JSON forms of a `ShapeReport` (`mha-cli shapes`).
enum ShapesReport {
    /// JSON with the keys of docs/contract.md: d_model, heads, head_dim, kv_heads, concat_dim,
    /// seq_len, tensors{name: [rows, cols]}, parameters{…, total}, flops; an unknown n stays "n";
    /// with an `explanation`, also `explanation`, the arithmetic as an array of lines.
    static func json(_ r: ShapeReport, explanation: [String]? = nil) -> JSONValue {
        func dimension(_ d: Dimension) -> JSONValue {
            switch d {
            case let .size(value): return .int(value)
            case let .symbol(name): return .string(name)
            }
        }
        var members: [(String, JSONValue)] = [
            ("d_model", .int(r.modelDim)), ("heads", .int(r.heads)), ("head_dim", .int(r.headDim)),
            ("kv_heads", .int(r.kvHeads)), ("concat_dim", .int(r.concatDim)),
            ("seq_len", r.seqLen.map { .int($0) } ?? .string("n")),
            ("tensors", .object(r.tensors.map { ($0.name, .array([dimension($0.rows), dimension($0.columns)])) })),
            ("parameters", .object(r.parameters.map { ($0.name, .int($0.count)) })),
            ("flops", r.flops.map { .int($0) } ?? .string(r.flopsDescription)),
        ]
        if let explanation { members.append(("explanation", .array(explanation.map { .string($0) }))) }
        return .object(members)
    }

    /// Aligned lines: the widths, a table of tensors, parameter counts and FLOPs.
    static func text(_ r: ShapeReport) -> [String] {
        let n = r.seqLen.map(String.init) ?? "n"
        var lines = ["d_model = \(r.modelDim) · τ = \(r.heads) heads · d_k = \(r.headDim) · kv_heads = \(r.kvHeads) · concat = \(r.concatDim)" + (r.seqLen == nil ? "" : " · n = \(n)"), ""]
        let shapes = r.tensors.map { "\($0.rows) × \($0.columns)" }
        let nameWidth = max(6, r.tensors.map(\.symbol.count).max() ?? 0)
        let shapeWidth = max(5, shapes.map(\.count).max() ?? 0)
        lines.append(pad("tensor", nameWidth) + "  " + pad("shape", shapeWidth) + "  meaning")
        for (tensor, shape) in zip(r.tensors, shapes) {
            lines.append(pad(tensor.symbol, nameWidth) + "  " + pad(shape, shapeWidth) + "  " + tensor.meaning)
        }
        lines += ["", "parameters"]
        let counts = r.parameters.map { String($0.count) }
        let countWidth = counts.map(\.count).max() ?? 0
        for (parameter, count) in zip(r.parameters, counts) {
            lines.append("  " + pad(parameter.name, 8) + "  " + String(repeating: " ", count: countWidth - count.count) + count)
        }
        lines += ["", "FLOPs  " + r.flopsDescription + (r.flops == nil ? "" : " (n = \(n))")]
        return lines
    }

    /// `text` padded with spaces on the right to `width`.
    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
