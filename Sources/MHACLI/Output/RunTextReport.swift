import MHACore
import MHAFormats

/// The text form of a forward pass for people: a header with the input shape, τ, d_k and the
/// scale, then each shown part with its name and shape (`head 2 of 4 · 3 × 16`) above its
/// aligned values.
struct RunTextReport<Scalar: AttentionScalar> {
    /// What the engine computed.
    let result: AttentionResult<Scalar>
    /// The parts to print, in order.
    let parts: [Part]
    /// Decimals.
    let precision: Int
    /// Labels of the query rows and key columns.
    let axes: TokenAxes
    /// Whether `--scale` was given (else the header shows 1/√d_k).
    let scaleGiven: Bool
    /// `--full`: no elision.
    let full: Bool
    /// The biases the projections add (`bq`, `bk`, `bv`, `bo`; a packed bias gives the first
    /// three), so titles show only those.
    let biases: Set<String>
    /// What was computed (causal, mask), for the header; nil leaves them out.
    var summary: ComputationSummary? = nil
    /// The score rules in force, for the header (nil: none to mention).
    var rules: ScoreRulesSummary? = nil

    /// The whole report, one string per line.
    var lines: [String] {
        var lines = header
        for part in parts { lines += [""] + section(part) }
        return lines
    }

    /// `input H · 3 × 8   τ = 2 heads   d_k = 4   scale = 1/√4 = 0.5000` (and the memory),
    /// then `not causal   no mask` (and `computed in float32` with `--float`), the score rules
    /// and the token; `attend` names Q, K and V
    /// instead of H.
    var header: [String] {
        let s = result.shapes
        let scale =
            scaleGiven
            ? MatrixText.short(s.scale, precision)
            : "1/√\(s.headDim) = \(MatrixText.short(s.scale, precision))"
        let kv =
            s.kvHeads == s.heads
            ? "" : "   kv_heads = \(s.kvHeads) (query head j = 1…τ uses K/V head ⌈j·\(s.kvHeads)/\(s.heads)⌉)"
        let heads = "τ = \(s.heads) \(s.heads == 1 ? "head" : "heads")"
        var lines: [String]
        if s.projected {
            let width =
                s.queryDim == s.modelDim && rules?.configuration.headDim == nil
                ? "d_k = \(s.modelDim) / \(s.heads) = \(s.headDim)"
                : "d_k = \(s.headDim) (τ·d_k = \(s.queryDim), d_model = \(s.modelDim))"
            let memory = s.memoryDim.map { "   memory M · \(s.keyCount) × \($0) (cross-attention: K, V from M)" } ?? ""
            lines = ["input H · \(s.tokens) × \(s.modelDim)\(memory)   \(heads)   \(width)   scale = \(scale)\(kv)"]
        } else {
            let values = s.valueDim == s.headDim ? "" : "   d_v = \(s.valueDim)"
            lines = [
                "Q · \(s.tokens) × \(s.queryDim)   K · \(s.keyCount) × \(s.kvDim)   V · \(s.keyCount) × \(s.valueColumns)   \(heads)   d_k = \(s.headDim)\(values)   scale = \(scale)\(kv)"
            ]
        }
        let computedIn = Scalar.precisionName == "float64" ? nil : "computed in \(Scalar.precisionName)"
        if let summary {
            lines.append("\(summary.causalText)   \(summary.maskText)" + (computedIn.map { "   " + $0 } ?? ""))
        } else if let computedIn {
            lines.append(computedIn)
        }
        if let rules { lines += rules.lines(s) }
        if let token = s.token {
            lines.append(
                "single token \(token)\(axes.queryLabels.map { " (\($0[0]))" } ?? ""): every per-query matrix has its one row"
            )
        }
        return lines
    }

    /// The lines of one part.
    func section(_ part: Part) -> [String] {
        let s = result.shapes
        switch part {
        case .qkv:
            let source = s.memoryDim == nil ? "H" : "M"
            let keyRows = result.keysTrimmedToToken ? queryLabels : axes.keyLabels
            // K and V trimmed to the token's row say so, and which rows the scores use.
            let keySuffix = result.keysTrimmedToToken ? tokenSuffix : ""
            let note = keysNote
            func title(_ name: String, _ from: String) -> String {
                s.projected ? "\(name) = \(from)·W^\(name.lowercased())" + bias(name.lowercased()) : "\(name) (given)"
            }
            let blocks: [[String]?] = [
                result.queries.map { block(title("Q", "H") + tokenSuffix, $0, rows: queryLabels) },
                result.printedKeys.map {
                    block(title("K", source) + keySuffix, $0, rows: keyRows, note: note?.key(row: false))
                },
                result.printedValues.map {
                    block(title("V", source) + keySuffix, $0, rows: keyRows, note: note?.value(row: false))
                },
                result.normalisedQueries.map { block("Q after the QK-norm" + tokenSuffix, $0, rows: queryLabels) },
                result.printedNormalisedKeys.map {
                    block(
                        "K after the QK-norm" + keySuffix, $0, rows: keyRows,
                        note: note?.key("K after the QK-norm", row: false))
                },
                result.rotatedQueries.map {
                    block(
                        "Q after RoPE (each head's rows turned for their positions)" + tokenSuffix, $0,
                        rows: queryLabels)
                },
                result.printedRotatedKeys.map {
                    block(
                        "K after RoPE" + keySuffix, $0, rows: keyRows, note: note?.key("K after RoPE", row: false))
                },
            ]
            return blocks.compactMap { $0 }.joined(separator: [""]).map { $0 }
        case .scores:
            return perHead("scores", result.scores ?? [], columns: axes.keyLabels, note: keysNote?.scores)
        case .weights:
            return perHead("weights", result.weights ?? [], columns: axes.keyLabels)
        case .heads:
            return perHead("head", result.heads, columns: nil, note: keysNote?.head)
        case .concat:
            return block(
                "concat = " + HeadList.text(s.heads), result.concat,
                rows: queryLabels)
        case .output:
            return block("output = concat · W^o" + bias("o"), result.output, rows: queryLabels)
        }
    }

    /// What K, V, the scores and heads say about the key rows when K and V are printed as
    /// the token's row (`--show qkv` with `--token i` in self-attention), else nil.
    private var keysNote: TrimmedKeysNote? { parts.contains(.qkv) ? TrimmedKeysNote(result.shapes) : nil }

    /// `, row i` in single-token mode, where Q, K and V are printed as token i's row only.
    private var tokenSuffix: String {
        result.shapes.token.map { ", row \($0)" } ?? ""
    }

    /// ` + b^x` when the bias of projection `x` (q, k, v or o) was given, else nothing.
    private func bias(_ x: String) -> String {
        biases.contains("b" + x) ? " + b^\(x)" : ""
    }

    /// `name j of τ · r × c` and values, for every head.
    /// One block per head; `note` (`TrimmedKeysNote`) ends each title.
    private func perHead(
        _ name: String, _ matrices: [Matrix<Scalar>], columns: [String]?, note: ((Int) -> String)? = nil
    ) -> [String] {
        let count = matrices.count
        return matrices.enumerated().map { j, m in
            block("\(name) \(j + 1) of \(count)", m, rows: queryLabels, columns: columns, note: note?(j + 1))
        }.joined(separator: [""]).map { $0 }
    }

    /// A title with the shape, then the values.
    private func block(
        _ title: String, _ m: Matrix<Scalar>, rows: [String]?, columns: [String]? = nil, note: String? = nil
    ) -> [String] {
        ["\(title) · \(m.rows) × \(m.columns)" + (note.map { " · " + $0 } ?? "")]
            + MatrixText.lines(
                m, precision: precision, rowLabels: rows, columnLabels: columns,
                limit: full ? nil : .terminal)
    }

    /// Labels of the query rows: every token, or the one token in single-token mode.
    private var queryLabels: [String]? { axes.queryLabels }
}
