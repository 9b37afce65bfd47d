import MHACore
import MHAFormats

/// One head's heatmap: title, sampling note, column labels, rows of cells, legend.
struct HeatmapGrid {
    /// The head's weights, rows = queries, columns = keys.
    var matrix: Matrix<Double>
    /// 0-based head index (printed 1-based).
    var head: Int
    /// τ, the number of heads.
    var headCount: Int
    /// Token position of each row.
    var queryPositions: [Int]
    /// Token names, or nil for indices.
    var tokens: [String]?
    /// Whether to use 24-bit colour.
    var color: Bool
    /// Width to stay within.
    var width: Int

    /// Cells per axis at most: 32, or fewer when `width` is narrow.
    private var maximumCells: Int { max(1, min(HeatmapRenderer.maximumCells, (width - 9) / 2)) }

    /// The grid's lines.
    func lines() -> [String] {
        let rows = HeatmapAxis(count: matrix.rows, limit: maximumCells)
        let columns = HeatmapAxis(count: matrix.columns, limit: maximumCells)
        let rowPositions = rows.shown.map { $0 < queryPositions.count ? queryPositions[$0] : $0 }
        let maximum = rows.shown.flatMap { r in columns.shown.map { c in matrix[r, c] } }
            .filter(\.isFinite).max() ?? 0
        let shading = HeatmapShading(maximum: max(0, maximum), color: color)
        let header = columnHeader(columns.shown)
        let labelWidth = rowLabelWidth(rowPositions, cells: columns.shown.count, headerLines: header.count)
        let title = "head \(head + 1) of \(headCount) (rows: queries, columns: keys; max weight "
            + HeatmapShading.number(maximum) + ")"
        var out = Self.wrapped(title, width: width, indent: "")
        out += samplingNote(rows: rows, columns: columns).flatMap { Self.wrapped($0, width: width, indent: "  ") }
        let pad = String(repeating: " ", count: 2 + labelWidth + 2)
        out += header.map { pad + $0 }
        out += zip(rows.shown, rowPositions).map { r, position in
            gridRow(r, position: position, columns: columns.shown, labelWidth: labelWidth, shading: shading)
        }
        out += shading.legend(width: width)
        return out
    }

    /// One row of cells with its label: names left-aligned, indices right-aligned.
    private func gridRow(_ r: Int, position: Int, columns: [Int], labelWidth: Int, shading: HeatmapShading) -> String {
        let label = TokenLabels.truncated(rowLabel(position), to: labelWidth)
        let padding = String(repeating: " ", count: max(0, labelWidth - label.terminalWidth))
        let aligned = tokens == nil ? padding + label : label + padding
        let cells = columns.map { shading.cell(matrix[r, $0]) }.joined()
        return "  " + aligned + " │" + cells + shading.lineEnd + "│"
    }

    /// Column labels, staggered over as many lines as they need (at most 3) so that each
    /// label starts above its own cell and no two touch.
    /// Names that would need cutting are replaced by indices (the row labels then carry both).
    func columnHeader(_ shown: [Int]) -> [String] {
        let labels = shown.map { namesFitColumns ? TokenLabels.label($0, tokens: tokens) : String($0) }
        let longest = labels.map(\.terminalWidth).max() ?? 1
        let lineCount = min(3, max(1, (longest + 2) / 2))
        let room = 2 * lineCount - 1
        var lines = [String](repeating: "", count: lineCount)
        for (i, label) in labels.enumerated() {
            let line = i % lineCount
            let start = 2 * i
            lines[line] += String(repeating: " ", count: max(0, start - lines[line].terminalWidth))
            lines[line] += TokenLabels.truncated(label, to: room)
        }
        return lines
    }

    /// Longest column label that fits uncut: 5 characters, on three staggered lines.
    static let maximumColumnLabel = 5

    /// Whether token names label the columns (else indices do, and rows show `index name`).
    var namesFitColumns: Bool {
        (tokens ?? []).prefix(matrix.columns).allSatisfy { $0.terminalWidth <= Self.maximumColumnLabel }
    }

    /// A row's label: the token's name or index, or `index name` when columns show indices.
    func rowLabel(_ position: Int) -> String {
        let label = TokenLabels.label(position, tokens: tokens)
        return namesFitColumns || label == String(position) ? label : "\(position) \(label)"
    }

    /// Row label width: the longest label, within `maximumLabel` and what the width leaves.
    private func rowLabelWidth(_ positions: [Int], cells: Int, headerLines: Int) -> Int {
        let longest = positions.map { rowLabel($0).terminalWidth }.max() ?? 1
        let available = width - 2 * cells - max(5, 2 * headerLines + 1)
        return max(1, min(longest, HeatmapRenderer.maximumLabel, available))
    }

    /// Lines saying which tokens are shown when an axis is sampled.
    private func samplingNote(rows: HeatmapAxis, columns: HeatmapAxis) -> [String] {
        var lines: [String] = []
        if rows.isSampled, columns.isSampled, rows == columns {
            lines.append("sampled: queries and keys \(columns.summary)")
        } else {
            if rows.isSampled { lines.append("sampled: queries \(rows.summary)") }
            if columns.isSampled { lines.append("sampled: keys \(columns.summary)") }
        }
        if !lines.isEmpty { lines.append("each cell is one weight; the tokens in between are not shown") }
        return lines
    }

    /// `text` broken at spaces into lines of at most `width` characters, each after `indent`.
    static func wrapped(_ text: String, width: Int, indent: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, indent.count + line.count + 1 + word.count > width {
                lines.append(indent + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return lines + [indent + line]
    }
}
