import MHACore
import MHAFormats

/// Everything `--steps` prints from, with the helpers the steps share (labels, titles,
/// shapes, matrices).
struct StepsDocument<S: AttentionScalar> {
    /// H, n × d_model; nil for `attend` (Q, K, V given).
    var input: Matrix<S>?
    /// The memory M of cross-attention, if any.
    var memory: Matrix<S>? = nil
    /// The weights and biases; nil for `attend`.
    var parameters: AttentionParameters<S>?
    /// The user mask as given, if any.
    var mask: Matrix<S>?
    /// How the mask reads.
    var maskKind: AttentionMask<S>.Kind
    /// How the pass was run.
    var configuration: AttentionConfiguration
    /// What it computed.
    var result: AttentionResult<S>
    /// How to print.
    var style: TextStyle

    /// The dimensions.
    var shapes: AttentionShapes { result.shapes }

    /// Whether keys and values come from a memory (cross-attention).
    var crossAttention: Bool { shapes.memoryDim != nil }

    /// The labels of both axes.
    var axes: TokenAxes { TokenAxes(shapes, names: style.tokens, crossAttention: crossAttention) }

    /// The opening lines: the dimensions and, in single-token mode, which row is computed.
    func overview() -> [String] {
        let s = shapes
        let kv = s.kvHeads == s.heads ? "" : ", g = \(s.kvHeads) K/V head" + (s.kvHeads == 1 ? "" : "s")
        let values = s.valueDim == s.headDim ? "" : ", d_v = \(s.valueDim)"
        var lines = [
            title(
                "\(s.projected ? "Multi-head attention" : "Attention on given Q, K, V"), step by step (\(S.precisionName))"
            )
        ]
        if s.tokens == s.keyCount, s.memoryDim == nil {
            lines.append(
                "  n = \(counted(s.tokens, "token")), " + (s.projected ? "d_model = \(s.modelDim), " : "")
                    + "τ = \(counted(s.heads, "head"))\(kv), d_k = \(s.headDim)\(values)")
        } else {
            let memory = s.memoryDim.map { " (from the memory M, \(Self.shape(s.keyCount, $0)))" } ?? ""
            lines.append(
                "  n_q = \(s.tokens) queries, n_k = \(s.keyCount) keys\(memory), "
                    + (s.projected ? "d_model = \(s.modelDim), " : "")
                    + "τ = \(s.heads) heads\(kv), d_k = \(s.headDim)\(values)")
        }
        if let token = s.token {
            lines.append(
                "  single-token mode, token \(token)" + (style.tokens == nil ? "" : " (\(quotedQuery(token)))")
                    + ": Q and every per-head matrix have its one row;")
            // The steps multiply by every key row, so they print them; the other reports show
            // K and V as the token's own row in self-attention (TrimmedKeysNote).
            lines.append(
                "  K and V keep all \(s.keyCount) rows"
                    + (s.keysTrimmedToToken
                        ? ", which the scores and heads use (--show qkv prints only row \(token), its own key and value)"
                        : ""))
        }
        lines.append("  rows and columns count from 0; heads are numbered 1…τ")
        return lines
    }

    /// `text` in bold when colour is allowed.
    func title(_ text: String) -> String {
        style.color ? "\u{1B}[1m" + text + "\u{1B}[0m" : text
    }

    /// Labels of the n_k keys (indices without names, and in cross-attention).
    var keyLabels: [String] { axes.keyLabels ?? (0..<shapes.keyCount).map(String.init) }

    /// Labels of the rows of H (the query sequence).
    var inputLabels: [String] {
        guard !crossAttention else { return (0..<shapes.tokens).map { style.tokenLabel($0) } }
        return (0..<shapes.tokens).map { style.tokenLabel(shapes.keyCount - shapes.tokens + $0) }
    }

    /// Labels of the computed query rows: all of them, or the one token in single-token mode.
    var queryLabels: [String] {
        axes.queryLabels ?? queryRows.map(String.init)
    }

    /// Indices of the computed query rows.
    var queryRows: [Int] { shapes.token.map { [$0] } ?? Array(0..<shapes.tokens) }

    /// Query row `row` as the user knows it: `"cat"` with names, `token 1` without (`query row
    /// 1` in `attend`, as its warnings say).
    func quotedQuery(_ row: Int) -> String {
        guard style.tokens != nil else { return shapes.projected ? "token \(row)" : "query row \(row)" }
        return "\"\(crossAttention ? style.tokenLabel(row) : style.tokenLabel(shapes.keyCount - shapes.tokens + row))\""
    }

    /// A matrix's values, indented, elided unless `--full`; "not kept" when absent.
    func values(
        _ m: Matrix<S>?, rowLabels: [String]? = nil, columnLabels: [String]? = nil,
        indent: Int = 6
    ) -> [String] {
        guard let m else {
            return [
                String(repeating: " ", count: indent)
                    + "(not kept: compute with intermediates [.qkv, .scores, .weights])"
            ]
        }
        let rows = rowLabels.flatMap { $0.count == m.rows ? $0 : nil }
        let columns = columnLabels.flatMap { $0.count == m.columns ? $0 : nil }
        return MatrixText.lines(
            m, precision: style.precision, rowLabels: rows, columnLabels: columns,
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
