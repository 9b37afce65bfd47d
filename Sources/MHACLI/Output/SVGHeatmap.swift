import MHACore
import MHAFormats

/// Every head's attention weights as one SVG picture (`--heatmap FILE.svg`): a panel per head
/// (rows: queries, columns: keys) with token labels, a colour legend, and each cell's value
/// in a `<title>` tooltip. Every token is drawn (no sampling): cells shrink with n down to
/// 12 px, so n = 64 makes 768 px panels.
///
/// Colours follow the terminal heatmap's viridis ramp, relative to each head's largest weight
/// (`head` scale) or to 1 for every head (`absolute`); a weight of exactly 0 (a masked key)
/// is light grey.
struct SVGHeatmap {
    /// Per head, rows × n weights.
    var weights: [Matrix<Double>]
    /// The token position of each weights row.
    var queryPositions: [Int]
    /// Token names, or nil for 0-based indices.
    var tokens: [String]?
    /// Shades relative to 1 for every head instead of to each head's maximum.
    var absolute = false
    /// Decimals of the tooltip values.
    var precision = 4
    /// The working precision when it is not float64 (`float32`), named in the title.
    var computedIn: String? = nil

    /// Cell side in pixels: 36 for a handful of tokens, down to 12 from n = 64.
    var cell: Double {
        let n = Double(max(1, weights.first?.columns ?? 1))
        return max(12, min(36, (768 / n).rounded(.down)))
    }

    /// The sizes the layout and the estimate share.
    private struct Layout {
        var cell: Double, font: Double, labelWidth: Double, headerHeight: Double
        var panelWidth: Double, panelHeight: Double, perRow: Int, panelRows: Int
        var width: Double, height: Double
    }

    private var layout: Layout {
        let c = cell
        let font = min(13, max(9, c * 0.75))
        let keys = weights.first?.columns ?? 0
        let rows = weights.first?.rows ?? 0
        let labelWidth = (Double(maxLabelLength) * font * 0.62 + 8).rounded(.up)
        let headerHeight = (Double(maxLabelLength) * font * 0.62 * 0.8 + font * 2 + 16).rounded(.up)
        let titleWidth =
            Double("head \(weights.count) of \(weights.count) (max weight 0.0000)".count) * font * 0.62 + 16
        let panelWidth = max(labelWidth + Double(keys) * c + 24, titleWidth)
        let panelHeight = headerHeight + Double(rows) * c + 16
        let perRow = weights.count <= 2 ? max(1, weights.count) : Int(Double(weights.count).squareRoot().rounded(.up))
        let panelRows = (weights.count + perRow - 1) / max(perRow, 1)
        let legendHeight = 56.0
        return Layout(
            cell: c, font: font, labelWidth: labelWidth, headerHeight: headerHeight, panelWidth: panelWidth,
            panelHeight: panelHeight, perRow: perRow, panelRows: panelRows,
            width: max(Double(legendText.count) * font * 0.6 + 24, Double(perRow) * panelWidth + 16),
            height: Double(panelRows) * panelHeight + legendHeight + 16)
    }

    /// An upper bound on the bytes of the SVG of `heads` panels of `rows` × `keys` cells,
    /// whose longest token name is `longestName` bytes (0 without names), tooltips at
    /// `precision` decimals: each cell is a `<rect>` with its `<title>` (about 130 bytes at
    /// n = 1024 without names), plus the labels, titles and legend. Checked against the
    /// available memory before the picture is built (`MemoryBudget`), and reserved at once.
    static func estimatedBytes(heads: Int, rows: Int, keys: Int, longestName: Int, precision: Int) -> Double {
        let (heads, rows, keys) = (max(heads, 0), max(rows, 0), max(keys, 0))
        func digits(_ value: Int) -> Double { Double(String(max(value, 0)).count) }
        // Positions are below n_q + n_k; coordinates below 72 px per token plus the labels,
        // with two decimals; the cell side is at most "36"; a weight in [0, 1] prints as 1.0000.
        let coordinate = digits((rows + keys) * 72 + 100_000) + 3
        let perCell =
            Double(cellMarkup.utf8.count) + digits(heads) + 2 * digits(rows + keys) + 2 * coordinate + 2 * 5
            + Double("rgb(255,255,255)".utf8.count) + Double(precision + 3) + 2 * Double(longestName + 7)
        let perLabel = 160 + Double(longestName)
        let cells = Double(heads) * Double(rows) * Double(keys)
        return cells * perCell + Double(heads) * Double(rows + keys) * perLabel + 4096
    }

    /// A cell's markup with its numbers and text left out, for the estimate.
    private static let cellMarkup =
        #"<rect x="" y="" width="" height="" fill=""><title>head , query  →  key : </title></rect>"# + "\n"

    /// `2 heads × 1024 × 1024 cells`, for messages.
    static func cellsDescription(heads: Int, rows: Int, keys: Int) -> String {
        "\(heads) \(heads == 1 ? "head" : "heads") × \(rows) × \(keys) cells"
    }

    /// These weights' cells, for messages.
    var cellsDescription: String {
        Self.cellsDescription(heads: weights.count, rows: weights.first?.rows ?? 0, keys: weights.first?.columns ?? 0)
    }

    /// The bytes `render()` reserves: the estimate for these weights and names.
    var estimatedBytes: Double {
        let longest = (tokens ?? []).map { escaped($0).utf8.count }.max() ?? 0
        return Self.estimatedBytes(
            heads: weights.count, rows: weights.first?.rows ?? 0, keys: weights.first?.columns ?? 0,
            longestName: longest, precision: precision)
    }

    /// The SVG document, built in one buffer of `estimatedBytes` (in time and memory linear
    /// in the cells).
    func render() -> [UInt8] {
        let l = layout
        var out = SVGBytes(capacity: Int(min(estimatedBytes, 1e15)))
        for line in [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(n(l.width))" height="\#(n(l.height))" viewBox="0 0 \#(n(l.width)) \#(n(l.height))" font-family="Helvetica, Arial, sans-serif" font-size="\#(n(l.font))">"#,
            "<title>attention weights, \(weights.count) \(weights.count == 1 ? "head" : "heads") (rows: queries, columns: keys)\(computedIn.map { ", computed in " + $0 } ?? "")</title>",
            gradient(),
            #"<rect width="100%" height="100%" fill="white"/>"#,
        ] {
            out.append(line + "\n")
        }
        let keyTips = keyTooltips()
        for (j, matrix) in weights.enumerated() {
            let x = 8 + Double(j % l.perRow) * l.panelWidth
            let y = 8 + Double(j / l.perRow) * l.panelHeight
            panel(j, matrix, x: x, y: y, l, keyTips: keyTips, into: &out)
        }
        for line in legend(y: Double(l.panelRows) * l.panelHeight + 16, font: l.font) { out.append(line + "\n") }
        out.append("</svg>\n")
        return out.bytes
    }

    /// Each key's part of a tooltip, escaped once: ` → key 3 “cat”: `.
    private func keyTooltips() -> [[UInt8]] {
        (0..<(weights.first?.columns ?? 0)).map { key in Array(escaped(" → key \(key)\(quoted(key)): ").utf8) }
    }

    /// One head: title, column labels (rotated), row labels, cells.
    private func panel(
        _ j: Int, _ m: Matrix<Double>, x: Double, y: Double, _ l: Layout, keyTips: [[UInt8]],
        into out: inout SVGBytes
    ) {
        let (c, font) = (l.cell, l.font)
        let maximum = m.elements.lazy.filter(\.isFinite).max() ?? 0
        let top = absolute ? 1 : max(maximum, 0)
        let gridX = x + l.labelWidth, gridY = y + l.headerHeight
        out.append("<g>\n")
        out.append(
            #"<text x="\#(n(x))" y="\#(n(y + font))" font-weight="bold">head \#(j + 1) of \#(weights.count) (max weight \#(value(maximum)))</text>"#
                + "\n")
        for key in 0..<m.columns {
            let cx = gridX + (Double(key) + 0.5) * c
            out.append(
                #"<text x="\#(n(cx))" y="\#(n(gridY - 4))" transform="rotate(-55 \#(n(cx)) \#(n(gridY - 4)))">\#(escaped(label(key)))</text>"#
                    + "\n")
        }
        let cellX = (0..<m.columns).map { key in Array(#"<rect x=""#.utf8) + Array(n(gridX + Double(key) * c).utf8) }
        let size = Array(#"" width="\#(n(c))" height="\#(n(c))" fill=""#.utf8)
        let titleStart = Array(#""><title>"#.utf8), cellEnd = Array("</title></rect>\n".utf8)
        for r in 0..<m.rows {
            let position = r < queryPositions.count ? queryPositions[r] : r
            let cy = gridY + Double(r) * c
            out.append(
                #"<text x="\#(n(gridX - 4))" y="\#(n(cy + c / 2 + font * 0.35))" text-anchor="end">\#(escaped(label(position)))</text>"#
                    + "\n")
            let rowY = Array(#"" y=""#.utf8) + Array(n(cy).utf8) + size
            let queryTip = Array(escaped("head \(j + 1), query \(position)\(quoted(position))").utf8)
            for key in 0..<m.columns {
                let w = m[r, key]
                out.append(cellX[key])
                out.append(rowY)
                appendFill(w, top: top, into: &out)
                out.append(titleStart)
                out.append(queryTip)
                out.append(keyTips[key])
                out.append(fixed: w, decimals: precision)
                out.append(cellEnd)
            }
        }
        out.append(
            ##"<rect x="\##(n(gridX))" y="\##(n(gridY))" width="\##(n(Double(m.columns) * c))" height="\##(n(Double(m.rows) * c))" fill="none" stroke="#444" stroke-width="0.5"/>"##
                + "\n")
        out.append("</g>\n")
    }

    /// The colour bar with its end values and what the colours mean.
    private func legend(y: Double, font: Double) -> [String] {
        let right = absolute ? "1" : "max"
        return [
            #"<g><text x="8" y="\#(n(y + font))">\#(legendText)</text>"#,
            ##"<rect x="8" y="\##(n(y + font + 6))" width="240" height="14" fill="url(#ramp)" stroke="#444" stroke-width="0.5"/>"##,
            ##"<rect x="256" y="\##(n(y + font + 6))" width="14" height="14" fill="\##(Self.zeroFill)" stroke="#444" stroke-width="0.5"/>"##,
            #"<text x="8" y="\#(n(y + font * 2 + 22))">0</text>"#,
            #"<text x="248" y="\#(n(y + font * 2 + 22))" text-anchor="end">\#(right)</text>"#,
            #"<text x="263" y="\#(n(y + font * 2 + 22))" text-anchor="middle">0</text></g>"#,
        ]
    }

    /// What the colours mean.
    private var legendText: String {
        "colour: "
            + (absolute ? "weight, the same 0…1 scale for every head" : "weight relative to each head's largest weight")
            + "; grey: 0 (masked)" + (computedIn.map { "; computed in " + $0 } ?? "")
    }

    /// The viridis ramp as a gradient for the legend.
    private func gradient() -> String {
        let stops = (0...4).map { i -> String in
            let (r, g, b) = HeatmapShading.rampColor(Double(i) / 4)
            return #"<stop offset="\#(i * 25)%" stop-color="rgb(\#(r),\#(g),\#(b))"/>"#
        }
        return #"<defs><linearGradient id="ramp">"# + stops.joined() + "</linearGradient></defs>"
    }

    /// Light grey for a weight of exactly 0.
    static let zeroFill = "#e8e8e8"

    /// The cell colour of weight `w` on a scale 0…`top`: `rgb(r,g,b)`, or grey for 0.
    private func appendFill(_ w: Double, top: Double, into out: inout SVGBytes) {
        guard w > 0, top > 0, w.isFinite else { return out.append(Self.zeroFill) }
        let (r, g, b) = HeatmapShading.rampColor(min(1, w / top))
        out.append("rgb(")
        out.append(integer: r)
        out.append(",")
        out.append(integer: g)
        out.append(",")
        out.append(integer: b)
        out.append(")")
    }

    /// Longest label, in characters.
    private var maxLabelLength: Int {
        let n = weights.first?.columns ?? 0
        return max(2, (0..<n).map { label($0).count }.max() ?? 2)
    }

    /// A token's name (cut to 16 characters) or index.
    private func label(_ index: Int) -> String {
        TokenLabels.truncated(TokenLabels.label(index, tokens: tokens), to: 16)
    }

    /// ` “cat”` (a space, then the name in quotes) when the token has a name, else nothing.
    private func quoted(_ index: Int) -> String {
        guard let tokens, tokens.indices.contains(index) else { return "" }
        return " “\(tokens[index])”"
    }

    private func value(_ w: Double) -> String { MatrixText.format(w, precision) }

    /// A coordinate with at most two decimals.
    private func n(_ x: Double) -> String {
        let text = MatrixText.format(x, 2)
        return text.hasSuffix(".00") ? String(text.dropLast(3)) : text
    }

    /// `text` safe inside XML character data and attribute values: `& < > " '` as entities,
    /// tab, newline and carriage return as character references (an attribute would turn
    /// them into spaces), and the characters XML 1.0 forbids even as references (other C0
    /// controls, U+FFFE, U+FFFF) written visibly as `\u{FFFE}`; every other character as it is.
    func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += "&#\(scalar.value);"
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += MessageText.codePoint(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
