import MHACore

/// A forward pass as a LaTeX document for write-ups (`--format latex`): each shown matrix
/// as a captioned `bmatrix` (amsmath) in a `table`, numbers at `--precision` decimals, large
/// matrices elided with `\cdots`, `\vdots`, `\ddots` unless `--full`. pdflatex compiles it as
/// it is; each `table` can be pasted into another document that loads amsmath (and graphicx,
/// for a table fitted to the line).
///
/// A matrix that may be wider than the line is set in a box that TeX measures and scales
/// down to the line width when it is wider (graphicx's `\resizebox`), so no table runs into
/// the margin.
///
/// With `--full`, a matrix larger than a page holds (`LaTeXBlocks`: more than 32 rows or 8
/// columns) is written as consecutive blocks of at most 32 × 8 entries under one heading,
/// each block scaled down to the line width when wider, so that every entry is typeset
/// and TeX ships each page out before the next (a single 512 × 512 `bmatrix` exhausts its
/// memory; a 100-row one runs off the page, which pdflatex reports only as a warning).
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
        // amsmath builds a column template of MaxMatrixCols for every matrix: blocks are at most
        // LaTeXBlocks.columns wide, so a split matrix does not raise it (a 512-column one would
        // make every block cost 512 columns, and the document quadratic to compile).
        let widest =
            matrices.filter { !(full && LaTeXBlocks.splits($0.matrix)) }
            .map { MatrixText.shown($0.matrix.columns, full ? nil : MatrixText.Limit.terminal.columns).count }
            .max() ?? 1
        var body = ["\\noindent " + text(summary)]
        for m in matrices {
            body +=
                full && LaTeXBlocks.splits(m.matrix)
                ? LaTeXBlocks.blocks(m, heading: caption(m), precision: precision)
                : table(m, precision: precision, full: full)
        }
        let split = full && matrices.contains { LaTeXBlocks.splits($0.matrix) }
        let lines =
            [
                "% Written by mha-cli: \(summary)",
                "\\documentclass{article}",
                "\\usepackage{amsmath}",
                "\\usepackage{graphicx}",
                "\\setcounter{MaxMatrixCols}{\(max(10, widest))}",
            ] + (split ? LaTeXBlocks.preamble : []) + unicodeDeclarations(body) + ["\\begin{document}"] + body
            + ["\\end{document}"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The text stays UTF-8 (pdflatex reads it by default, and typesets accented Latin letters
    /// as they are). For each other non-ASCII character, which pdflatex's default fonts lack
    /// (CJK, emoji), a declaration that lets pdflatex print its code point, `<U+732B>`,
    /// instead of stopping; XeLaTeX and LuaLaTeX (which define `\Umathcode`) skip it and show
    /// the character itself.
    static func unicodeDeclarations(_ lines: [String]) -> [String] {
        var seen = Set<UInt32>()
        var codes: [UInt32] = []
        for scalar in lines.joined().unicodeScalars where !scalar.isASCII && !(0xC0...0x17F).contains(scalar.value) {
            if seen.insert(scalar.value).inserted { codes.append(scalar.value) }
        }
        guard !codes.isEmpty else { return [] }
        let declarations = codes.map { code -> String in
            let hex = String(code, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return "\\DeclareUnicodeCharacter{\(padded)}{\\textless U+\(padded)\\textgreater}"
        }
        return ["\\ifdefined\\Umathcode\\else"] + declarations + ["\\fi"]
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
        let matrix = ["\\begin{bmatrix}"] + body.map { $0 + " \\\\" } + ["\\end{bmatrix}"]
        let fit = mayOverflow(body, symbol: m.latexSymbol)
        return [
            "\\begin{table}[!htbp]",
            "\\centering",
            "\\caption{\(caption(m))}",
        ] + (fit ? ["\\sbox0{$\\displaystyle \(m.latexSymbol) = "] : ["\\[ \(m.latexSymbol) = "]) + matrix
            + (fit ? ["$}\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox0}\\else\\usebox0\\fi"] : ["\\]"])
            + ["\\end{table}"]
    }

    /// Whether a `bmatrix` of these rows (entries joined by ` & `) after `symbol =` may be
    /// wider than an article's line (345 pt): estimated at 5 pt a character (a digit of the
    /// 10 pt font), 10 pt between columns and 30 pt of brackets, with a margin. Such a
    /// matrix is measured by TeX and scaled down to the line width when it is wider (an
    /// 8-column matrix of signed numbers at 4 decimals is about 390 pt).
    static func mayOverflow(_ rows: [String], symbol: String) -> Bool {
        let cells = rows.map { $0.split(separator: " & ", omittingEmptySubsequences: false) }
        let columns = cells.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in
            cells.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0
        }
        let symbolWidth = visibleCharacters(symbol)
        let estimate = Double(widths.reduce(0, +) + symbolWidth) * 5 + Double(max(0, columns - 1)) * 10 + 30
        return estimate > 0.8 * 345
    }

    /// The characters of math source that print (`\\mathrm{head}_{1}` → 5): commands and
    /// braces do not.
    private static func visibleCharacters(_ source: String) -> Int {
        var count = 0
        var inCommand = false
        for ch in source {
            if ch == "\\" {
                inCommand = true
            } else if inCommand, ch.isLetter {
                continue
            } else {
                inCommand = false
                if !"{}_^".contains(ch) { count += 1 }
            }
        }
        return count
    }

    /// A matrix's caption: `weights 1 of 2, $3 \times 3$: $\mathrm{weights}_{1} = …$`.
    static func caption(_ m: ReportMatrix) -> String {
        let title = m.title.split(separator: "·").first.map { $0.trimmingSpacesAndTabs() } ?? m.title
        let shortTitle = text(
            title.split(separator: "=").first.map { $0.trimmingSpacesAndTabs() } ?? title)
        return "\(shortTitle), $\(m.matrix.rows) \\times \(m.matrix.columns)$: $\(m.latexSymbol) = \(m.latexFormula)$"
            + (m.note.map { "; " + text($0) } ?? "")
    }

    /// A number in LaTeX math: `-0.5000`, `1.2500 \times 10^{6}`.
    static func number(_ value: Double, _ precision: Int, scientific: Bool) -> String {
        let text = MatrixText.format(value, precision, scientific: scientific)
        guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]) else { return text }
        return "\(text[..<e]) \\times 10^{\(exponent)}"
    }

    /// Greek letters that LaTeX writes as math commands (the others look like Latin ones).
    static let greek: [Character: String] = {
        let lower =
            "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho varsigma sigma tau upsilon phi chi psi omega"
        var table: [Character: String] = [:]
        for (offset, name) in lower.split(separator: " ").enumerated() where name != "o" {
            if let scalar = Unicode.Scalar(0x3B1 + offset) { table[Character(scalar)] = String(name) }
        }
        for (letter, name) in zip(
            "ΓΔΘΛΞΠΣΥΦΨΩ", ["Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"])
        {
            table[letter] = name
        }
        return table
    }()

    /// Text safe in a LaTeX paragraph: LaTeX's special characters escaped, the characters the
    /// default OT1 font encoding prints as others (`<` `>` `|` as ¡ ¿ —, `"` `'` `` ` `` as
    /// curly quotes, `--` as a dash) written so that they print as given, the Greek letters
    /// and math symbols written as LaTeX, a no-break space as `~` and a soft hyphen as `\-`,
    /// every other character kept as UTF-8 (a zero-width joiner inside an emoji stays).
    static func text(_ s: String) -> String {
        var out = ""
        var previous: Character?
        for ch in s {
            defer { previous = ch }
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "<": out += "\\textless{}"
            case ">": out += "\\textgreater{}"
            case "|": out += "\\textbar{}"
            case "\"": out += "{\\ttfamily\\char34}"
            case "'": out += "\\textquotesingle{}"
            case "`": out += "\\textasciigrave{}"
            case "-": out += previous == "-" || previous == "−" ? "{}-" : "-"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
            case "~": out += "\\textasciitilde{}"
            case "\u{A0}": out += "~"  // a no-break space, as LaTeX writes it
            case "\u{AD}": out += "\\-"  // a soft hyphen: a discretionary hyphen
            case "^": out += "\\textasciicircum{}"
            case "τ": out += "$\\tau$"
            case "√": out += "$\\surd$"
            case "·": out += "$\\cdot$"
            case "×": out += "$\\times$"
            case "…": out += "\\dots{}"
            case "≈": out += "$\\approx$"
            case "−": out += previous == "-" || previous == "−" ? "{}-" : "-"
            case "→": out += "$\\to$"
            case "θ": out += "$\\theta$"
            case "ᵀ": out += "$^{\\top}$"
            case "≠": out += "$\\neq$"
            case "≤": out += "$\\leq$"
            case "⌈": out += "$\\lceil$"
            case "⌉": out += "$\\rceil$"
            default: out += greek[ch].map { "$\\\($0)$" } ?? String(ch)
            }
        }
        return out
    }
}
