import MHACore

/// A forward pass as Markdown for write-ups (`--format markdown`): a line saying what was
/// computed, then each shown matrix under a heading, as a table with token labels, numbers at
/// `--precision` decimals right-aligned, large matrices elided (`…`, `⋮`) unless `--full`.
///
///     ### head 1 of 2 · 3 × 2
///
///     |   | 0 | 1 |
///     |---|---:|---:|
///     | The | 0.1234 | -0.5000 |
enum MarkdownReport {
    /// The document.
    static func document(_ matrices: [ReportMatrix], summary: String, precision: Int, full: Bool) -> String {
        var lines = [escaped(summary)]
        for m in matrices { lines += [""] + table(m, precision: precision, full: full) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One matrix: heading and table.
    static func table(_ m: ReportMatrix, precision: Int, full: Bool) -> [String] {
        let limit: MatrixText.Limit? = full ? nil : .terminal
        let rows = MatrixText.shown(m.matrix.rows, limit?.rows)
        let columns = MatrixText.shown(m.matrix.columns, limit?.columns)
        let scientific = MatrixText.needsScientific(m.matrix, precision: precision)
        let header =
            "|   | " + columns.map { c in c.map { escaped(m.columnLabels[$0]) } ?? "…" }.joined(separator: " | ") + " |"
        let rule = "|---|" + columns.map { _ in "---:|" }.joined()
        let body = rows.map { r -> String in
            let label = r.map { escaped(m.rowLabels[$0]) } ?? "⋮"
            let cells = columns.map { c -> String in
                guard let r else { return "⋮" }
                guard let c else { return "…" }
                return MatrixText.format(m.matrix[r, c], precision, scientific: scientific)
            }
            return "| **\(label)** | " + cells.joined(separator: " | ") + " |"
        }
        return ["### " + escaped(m.title), "", header, rule] + body
    }

    /// `text` with Markdown's special characters escaped, so token names print as written.
    static func escaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            // `&` starts an entity reference (`&amp;` would render as `&`), `~` GFM's
            // strikethrough, `$` GitHub's math (`$x$`).
            if "\\`*_{}[]<>()#+!|&~$".contains(ch) { out += "\\" }
            out.append(ch)
        }
        return out
    }
}
