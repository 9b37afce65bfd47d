import MHACore

/// A forward pass as a LaTeX document for write-ups (`--format latex`): each shown matrix
/// as a captioned `bmatrix` (amsmath) in a `table`, numbers at `--precision` decimals, large
/// matrices elided with `\cdots`, `\vdots`, `\ddots` unless `--full`. pdflatex compiles it as
/// it is; each `table` can be pasted into another document that loads amsmath.
///
///     \begin{table}[!htbp]
///     \centering
///     \caption{head 1 of 2, $3 \times 2$: $\mathrm{head}_{1} = \mathrm{weights}_{1} V_{1}$}
///     \[ \mathrm{head}_{1} = \begin{bmatrix}
///     0.1234 & -0.5000 \\ …
///     \end{bmatrix} \]
///     \end{table}
enum LaTeXReport {
    /// The document.
    /// - Parameters:
    ///   - summary: one line saying what was computed, written as a comment and a paragraph.
    ///   - full: every row and column (`--full`).
    static func document(_ matrices: [ReportMatrix], summary: String, precision: Int, full: Bool) -> String {
        let widest =
            matrices.map { MatrixText.shown($0.matrix.columns, full ? nil : MatrixText.Limit.terminal.columns).count }
            .max() ?? 1
        var lines = [
            "% Written by mha-cli: \(summary)",
            "\\documentclass{article}",
            "\\usepackage{amsmath}",
            "\\usepackage{graphicx}",
            "\\setcounter{MaxMatrixCols}{\(max(10, widest))}",
            "\\begin{document}",
            "\\noindent " + text(summary),
        ]
        for m in matrices { lines += table(m, precision: precision, full: full) }
        lines.append("\\end{document}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One captioned matrix.
    static func table(_ m: ReportMatrix, precision: Int, full: Bool) -> [String] {
        let limit: MatrixText.Limit? = full ? nil : .terminal
        let rows = MatrixText.shown(m.matrix.rows, limit?.rows)
        let columns = MatrixText.shown(m.matrix.columns, limit?.columns)
        let scientific = MatrixText.needsScientific(m.matrix, precision: precision)
        let body = rows.map { r in
            columns.map { c -> String in
                switch (r, c) {
                case let (r?, c?): return number(m.matrix[r, c], precision, scientific: scientific)
                case (nil, nil): return "\\ddots"
                case (nil, _): return "\\vdots"
                case (_, nil): return "\\cdots"
                }
            }.joined(separator: " & ")
        }
        let title = m.title.split(separator: "·").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? m.title
        let shortTitle = text(
            title.split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? title)
        let matrix = ["\\begin{bmatrix}"] + body.map { $0 + " \\\\" } + ["\\end{bmatrix}"]
        let wide = columns.count > 8
        return [
            "\\begin{table}[!htbp]",
            "\\centering",
            "\\caption{\(shortTitle), $\(m.matrix.rows) \\times \(m.matrix.columns)$: $\(m.latexSymbol) = \(m.latexFormula)$}",
        ] + (wide ? ["\\resizebox{\\linewidth}{!}{$\(m.latexSymbol) = "] : ["\\[ \(m.latexSymbol) = "])
            + matrix + (wide ? ["$}"] : ["\\]"]) + ["\\end{table}"]
    }

    /// A number in LaTeX math: `-0.5000`, `1.2500 \times 10^{6}`.
    static func number(_ value: Double, _ precision: Int, scientific: Bool) -> String {
        let text = MatrixText.format(value, precision, scientific: scientific)
        guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]) else { return text }
        return "\(text[..<e]) \\times 10^{\(exponent)}"
    }

    /// Text safe in a LaTeX paragraph: special characters escaped, the Greek and math
    /// symbols of the summaries written as LaTeX.
    static func text(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "τ": out += "$\\tau$"
            case "√": out += "$\\surd$"
            case "·": out += "$\\cdot$"
            case "×": out += "$\\times$"
            case "…": out += "\\dots{}"
            case "≈": out += "$\\approx$"
            case "−": out += "-"
            case "→": out += "$\\to$"
            case "θ": out += "$\\theta$"
            case "ᵀ": out += "$^{\\top}$"
            case "≠": out += "$\\neq$"
            case "≤": out += "$\\leq$"
            case "⌈": out += "$\\lceil$"
            case "⌉": out += "$\\rceil$"
            default: out += ch.isASCII ? String(ch) : "?"
            }
        }
        return out
    }
}
