import MHACore

/// A matrix too large for one page of `--format latex --full`, written as consecutive blocks
/// that each fit a page: at most `rows` × `columns` entries, row blocks outer, column blocks
/// inner, each headed by the rows and columns it holds (counting from 0) and scaled down to
/// the line width when its numbers are wider (`\mhafit`, defined in the preamble).
///
///     \subsection*{weights 1 of 2, $100 \times 100$: $\mathrm{weights}_{1} = …$}
///     \noindent $\mathrm{weights}_{1}$ in 52 blocks of at most 32 rows $\times$ 8 columns …
///     \par\noindent rows 0--31, columns 0--7:
///     \begin{center}\mhafit{$\displaystyle\begin{bmatrix}
///     0.0123 & … \\
///     \end{bmatrix}$}\end{center}
///
/// No block is a float: TeX breaks pages between blocks and ships each page out, so a
/// 512 × 512 matrix per head compiles (about a thousand pages) instead of exhausting TeX's
/// memory, and nothing is dropped off a page.
enum LaTeXBlocks {
    /// Rows of a block: 32 rows of a `bmatrix` at 10 pt, with the heading, fit the text
    /// height of an article page (letter or A4).
    static let rows = 32
    /// Columns of a block: 8 numbers at 4 decimals, about the line width (390 pt for signed ones,
    /// which `\mhafit` scales to the 345 pt line).
    static let columns = 8

    /// Whether `m` is written in blocks: more than `rows` rows or `columns` columns.
    static func splits(_ m: Matrix<Double>) -> Bool {
        m.rows > rows || m.columns > columns
    }

    /// Defines `\mhafit{…}`: its argument as it is, or scaled to the line width when wider.
    static let preamble = [
        "\\newsavebox{\\mhablock}",
        "\\newcommand{\\mhafit}[1]{\\sbox{\\mhablock}{#1}\\ifdim\\wd\\mhablock>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox{\\mhablock}}\\else\\usebox{\\mhablock}\\fi}",
    ]

    /// The blocks of `m` under `heading` (the caption a single table would have).
    static func blocks(_ m: ReportMatrix, heading: String, precision: Int) -> [String] {
        let matrix = m.matrix
        let scientific = MatrixText.needsScientific(matrix, precision: precision)
        let rowStarts = Array(stride(from: 0, to: matrix.rows, by: rows))
        let columnStarts = Array(stride(from: 0, to: matrix.columns, by: columns))
        let count = rowStarts.count * columnStarts.count
        var lines = [
            "\\subsection*{\(heading)}",
            "\\noindent $\(m.latexSymbol)$ in \(count) blocks of at most \(rows) rows $\\times$ \(columns) columns, "
                + "row blocks first (rows and columns count from 0).",
        ]
        for top in rowStarts {
            let bottom = min(top + rows, matrix.rows)
            for left in columnStarts {
                let right = min(left + columns, matrix.columns)
                lines.append("\\par\\noindent rows \(range(top, bottom)), columns \(range(left, right)):")
                lines.append("\\begin{center}\\mhafit{$\\displaystyle\\begin{bmatrix}")
                for r in top..<bottom {
                    let entries = (left..<right).map { c in
                        LaTeXReport.number(matrix[r, c], precision, scientific: scientific)
                    }
                    lines.append(entries.joined(separator: " & ") + " \\\\")
                }
                lines.append("\\end{bmatrix}$}\\end{center}")
            }
        }
        return lines
    }

    /// `0--31` (inclusive, as the reader counts), or `32` for one.
    private static func range(_ start: Int, _ end: Int) -> String {
        end - start == 1 ? "\(start)" : "\(start)--\(end - 1)"
    }
}
