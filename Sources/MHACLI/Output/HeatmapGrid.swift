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
    /// `--full`: every token, two characters per cell, whatever the width.
    var full = false
    /// `--heatmap-scale absolute`: shades and colours span 0…1 for every head (else 0…the
    /// head's largest shown weight).
    var absolute = false

    /// Columns besides the cells: indent, a short row label, the borders.
    static let overhead = 9

    /// Characters per cell and cells per axis at most: two characters per cell when every
    /// token fits in `width` that way, else one, else one per cell and sampled to what fits.
    var layout: (cellWidth: Int, limit: Int) {
        let n = max(matrix.rows, matrix.columns)
        if full || 2 * n + Self.overhead <= width { return (2, max(n, 1)) }
        return (1, max(1, min(n, width - Self.overhead)))
    }

    /// The grid's lines.
    func lines() -> [String] {
        let (cellWidth, limit) = layout
        let rows = HeatmapAxis(count: matrix.rows, limit: limit)
        let columns = HeatmapAxis(count: matrix.columns, limit: limit)
        let rowPositions = rows.shown.map { $0 < queryPositions.count ? queryPositions[$0] : $0 }
        let maximum =
            rows.shown.flatMap { r in columns.shown.map { c in matrix[r, c] } }
            .filter(\.isFinite).max() ?? 0
        let shading = HeatmapShading(maximum: absolute ? 1 : max(0, maximum), color: color, cellWidth: cellWidth)
        let header = columnHeader(columns.shown, cellWidth: cellWidth)
        let labelWidth = rowLabelWidth(rowPositions, cells: columns.shown.count * cellWidth, headerLines: header.count)
        let title =
            "head \(head + 1) of \(headCount) (rows: queries, columns: keys; max weight "
            + HeatmapShading.number(maximum) + (absolute ? "; shades span 0…1" : "") + ")"
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

    /// Column labels, staggered over as many lines as they need (at most 3 with two-character
    /// cells, 4 with one-character cells) so that each label starts above its own cell and
    /// no two touch. Names that would need cutting are replaced by indices (the row labels
    /// then carry both).
    func columnHeader(_ shown: [Int], cellWidth: Int = 2) -> [String] {
        let labels = shown.map { namesFitColumns ? TokenLabels.label($0, tokens: tokens) : String($0) }
        let longest = labels.map(\.terminalWidth).max() ?? 1
        let lineCount = min(cellWidth == 1 ? 4 : 3, max(1, (longest + cellWidth) / cellWidth))
        let room = cellWidth * lineCount - 1
        var lines = [String](repeating: "", count: lineCount)
        for (i, label) in labels.enumerated() {
            let line = i % lineCount
            let start = cellWidth * i
            lines[line] += String(repeating: " ", count: max(0, start - lines[line].terminalWidth))
            lines[line] += TokenLabels.truncated(label, to: room)
        }
        return lines
    }

    /// Longest column label that fits uncut: 5 characters on three staggered lines of
    /// two-character cells, 3 on four lines of one-character cells.
    var maximumColumnLabel: Int { layout.cellWidth == 1 ? 3 : 5 }

    /// Whether token names label the columns (else indices do, and rows show `index name`).
    var namesFitColumns: Bool {
        (tokens ?? []).prefix(matrix.columns).allSatisfy { $0.terminalWidth <= maximumColumnLabel }
    }

    /// A row's label: the token's name or index, or `index name` when columns show indices.
    func rowLabel(_ position: Int) -> String {
        let label = TokenLabels.label(position, tokens: tokens)
        return namesFitColumns || label == String(position) ? label : "\(position) \(label)"
    }

    /// Row label width: the longest label, within `maximumLabel` and what the width leaves.
    private func rowLabelWidth(_ positions: [Int], cells: Int, headerLines: Int) -> Int {
        let longest = positions.map { rowLabel($0).terminalWidth }.max() ?? 1
        let available = width - cells - max(5, 2 * headerLines + 1)
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
