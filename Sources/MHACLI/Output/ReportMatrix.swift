import MHACore

/// One matrix of a write-up (LaTeX, Markdown): its names in text and in LaTeX, the values,
/// and the labels of its rows and columns.
struct ReportMatrix {
    /// `head 1 of 2`, `output = concat · W^o + b^o`.
    var title: String
    /// The left-hand side in LaTeX math: `\mathrm{head}_{1}`.
    var latexSymbol: String
    /// The formula in LaTeX math: `\mathrm{weights}_{1} V_{1}`.
    var latexFormula: String
    /// The values (in double precision for printing).
    var matrix: Matrix<Double>
    /// Token names or indices of the rows (queries).
    var rowLabels: [String]
    /// Token names or indices of the columns for scores and weights (keys), else column indices.
    var columnLabels: [String]
    /// With `--token i` in self-attention, which rows of K and V this matrix shows or uses
    /// (`TrimmedKeysNote`); the title ends with it too.
    var note: String? = nil

    /// The matrices of `parts` in the order shown, with titles as the text report writes them;
    /// scores and weights also say which stages of the score rules (`configuration`'s soft-cap
    /// and ALiBi, and a mask when `masked`) come after the printed scores (`StageCaptions`).
    /// `axes` labels the query rows and key columns as the text report does.
    static func list<S: AttentionScalar>(
        _ result: AttentionResult<S>, parts: [Part], axes: TokenAxes,
        biases: Set<String>, scaleGiven: Bool, configuration: AttentionConfiguration, masked: Bool
    ) -> [ReportMatrix] {
        let s = result.shapes
        let queryRows = s.token.map { [$0] } ?? Array(0..<s.tokens)
        let rows = axes.queryLabels ?? queryRows.map(String.init)
        let keys = axes.keyLabels ?? (0..<s.keyCount).map(String.init)
        let keyRows = result.keysTrimmedToToken ? rows : keys
        func indices(_ m: Matrix<S>) -> [String] { (0..<m.columns).map(String.init) }
        func bias(_ x: String, latex: Bool) -> String {
            biases.contains("b" + x) ? (latex ? " + b^{\(x)}" : " + b^\(x)") : ""
        }
        let scale = scaleGiven ? MatrixText.short(s.scale, 4) : "1/\\sqrt{\(s.headDim)}"
        var list: [ReportMatrix] = []
        // With K and V printed as the token's row, they and the scores and heads say which rows.
        let trimmed = parts.contains(.qkv) ? TrimmedKeysNote(s) : nil
        func add(
            _ title: String, _ symbol: String, _ formula: String, _ m: Matrix<S>, columns: [String]? = nil,
            rowLabels: [String]? = nil, note: String? = nil
        ) {
            let matrix = m.converted(to: Double.self)
            list.append(
                ReportMatrix(
                    title: "\(title) · \(m.rows) × \(m.columns)" + (note.map { " · " + $0 } ?? ""), latexSymbol: symbol,
                    latexFormula: formula, matrix: matrix, rowLabels: rowLabels ?? rows,
                    columnLabels: columns ?? indices(m), note: note))
        }
        let source = s.memoryDim == nil ? "H" : "M"
        for part in parts {
            switch part {
            case .qkv:
                for (name, x, m) in [
                    ("Q", "q", result.queries), ("K", "k", result.printedKeys), ("V", "v", result.printedValues),
                ] {
                    guard let m else { continue }
                    let from = name == "Q" ? "H" : source
                    let labels = name == "Q" ? rows : keyRows
                    let note = name == "Q" ? nil : name == "K" ? trimmed?.key() : trimmed?.value()
                    if s.projected {
                        add(
                            "\(name) = \(from)·W^\(x)" + bias(x, latex: false), name,
                            "\(from) W^{\(x)}" + bias(x, latex: true), m,
                            rowLabels: labels, note: note)
                    } else {
                        add("\(name) (given)", name, "\\text{given}", m, rowLabels: labels, note: note)
                    }
                }
                if let m = result.normalisedQueries {
                    add("Q after the QK-norm", "\\hat{Q}", "\\mathrm{RMSNorm}(Q) \\odot \\gamma^{q}", m)
                }
                if let m = result.printedNormalisedKeys {
                    add(
                        "K after the QK-norm", "\\hat{K}", "\\mathrm{RMSNorm}(K) \\odot \\gamma^{k}", m,
                        rowLabels: keyRows, note: trimmed?.key("K after the QK-norm"))
                }
                if let m = result.rotatedQueries { add("Q after RoPE", "\\tilde{Q}", "\\mathrm{RoPE}(Q)", m) }
                if let m = result.printedRotatedKeys {
                    add(
                        "K after RoPE", "\\tilde{K}", "\\mathrm{RoPE}(K)", m, rowLabels: keyRows,
                        note: trimmed?.key("K after RoPE"))
                }
            case .scores:
                let stages = StageCaptions(configuration: configuration, masked: masked, scale: scale)
                for (j, m) in (result.scores ?? []).enumerated() {
                    add(
                        "scores \(j + 1) of \(s.heads)" + stages.scoresNote, "\\mathrm{scores}_{\(j + 1)}",
                        stages.scoresLatex(j + 1), m, columns: keys, note: trimmed?.scores(j + 1))
                }
            case .weights:
                let stages = StageCaptions(configuration: configuration, masked: masked, scale: scale)
                for (j, m) in (result.weights ?? []).enumerated() {
                    add(
                        "weights \(j + 1) of \(s.heads)" + stages.weightsNote(j + 1), "\\mathrm{weights}_{\(j + 1)}",
                        stages.weightsLatex(j + 1), m, columns: keys)
                }
            case .heads:
                for (j, m) in result.heads.enumerated() {
                    add(
                        "head \(j + 1) of \(s.heads)", "\\mathrm{head}_{\(j + 1)}",
                        "\\mathrm{weights}_{\(j + 1)} V_{\(j + 1)}", m, note: trimmed?.head(j + 1))
                }
            case .concat:
                add(
                    "concat = " + HeadList.text(s.heads), "\\mathrm{concat}", HeadList.latex(s.heads), result.concat)
            case .output:
                add(
                    "output = concat · W^o" + bias("o", latex: false), "\\mathrm{output}",
                    "\\mathrm{concat}\\, W^{o}" + bias("o", latex: true), result.output)
            }
        }
        return list
    }
}
