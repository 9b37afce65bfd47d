import MHACore
import MHAFormats

/// Everything `--steps` prints from, with the helpers the steps share (labels, titles,
/// shapes, matrices).
struct StepsDocument<S: AttentionScalar> {
    /// H, n × d_model.
    var input: Matrix<S>
    /// The weights and biases.
    var parameters: AttentionParameters<S>
    /// The user mask, if any.
    var mask: Matrix<S>?
    /// How the pass was run.
    var configuration: AttentionConfiguration
    /// What it computed.
    var result: AttentionResult<S>
    /// How to print.
    var style: TextStyle

    /// The dimensions.
    var shapes: AttentionShapes { result.shapes }

    /// The opening lines: the dimensions and, in single-token mode, which row is computed.
    func overview() -> [String] {
        let s = shapes
        var lines = [title("Multi-head attention, step by step (\(S.precisionName))"),
                     "  n = \(s.tokens) tokens, d_model = \(s.modelDim), τ = \(s.heads) heads"
                         + (s.kvHeads == s.heads ? "" : ", g = \(s.kvHeads) K/V head" + (s.kvHeads == 1 ? "" : "s"))
                         + ", d_k = \(s.headDim)"]
        if let token = s.token {
            lines.append("  single-token mode, token \(token)" + (style.tokens == nil ? "" : " (\(quoted(token)))")
                             + ": Q and every per-head matrix have its one row;")
            lines.append("  K and V keep all \(s.tokens) rows")
        }
        lines.append("  rows and columns count from 0; heads are numbered 1…τ")
        return lines
    }

    /// `text` in bold when colour is allowed.
    func title(_ text: String) -> String {
        style.color ? "\u{1B}[1m" + text + "\u{1B}[0m" : text
    }

    /// Labels of all n tokens.
    var tokenLabels: [String] { (0..<shapes.tokens).map(style.tokenLabel) }

    /// Labels of the query rows: all tokens, or the one token in single-token mode.
    var queryLabels: [String] { queryPositions.map(style.tokenLabel) }

    /// Token positions of the query rows.
    var queryPositions: [Int] { shapes.token.map { [$0] } ?? Array(0..<shapes.tokens) }

    /// Token `index` as the user knows it: `"cat"` with names, `token 1` without.
    func quoted(_ index: Int) -> String {
        style.tokens.map { _ in "\"\(style.tokenLabel(index))\"" } ?? "token \(index)"
    }

    /// A matrix's values, indented, elided unless `--full`; "not kept" when absent.
    func values(_ m: Matrix<S>?, rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                indent: Int = 6) -> [String] {
        guard let m else {
            return [String(repeating: " ", count: indent)
                        + "(not kept: compute with intermediates [.qkv, .scores, .weights])"]
        }
        let rows = rowLabels.flatMap { $0.count == m.rows ? $0 : nil }
        let columns = columnLabels.flatMap { $0.count == m.columns ? $0 : nil }
        return MatrixText.lines(m, precision: style.precision, rowLabels: rows, columnLabels: columns,
                                limit: style.full ? nil : .terminal, indent: indent)
    }

    /// `3×4`.
    static func shape(_ rows: Int, _ columns: Int) -> String { "\(rows)×\(columns)" }

    /// Columns `range` as `0–1` (inclusive, from 0), or `3` for one column.
    static func columns(_ range: Range<Int>) -> String {
        range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound - 1)"
    }

    /// A number for prose, with at least four decimals.
    func number(_ value: Double) -> String {
        MatrixText.format(value, max(4, style.precision))
    }
}
