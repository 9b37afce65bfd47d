import MHACore

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

    /// Cell side in pixels: 36 for a handful of tokens, down to 12 from n = 64.
    var cell: Double {
        let n = Double(max(1, weights.first?.columns ?? 1))
        return max(12, min(36, (768 / n).rounded(.down)))
    }

    /// The SVG document.
    func render() -> String {
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
        let width = max(Double(legendText.count) * font * 0.6 + 24, Double(perRow) * panelWidth + 16)
        let height = Double(panelRows) * panelHeight + legendHeight + 16
        var out = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(n(width))" height="\#(n(height))" viewBox="0 0 \#(n(width)) \#(n(height))" font-family="Helvetica, Arial, sans-serif" font-size="\#(n(font))">"#,
            "<title>attention weights, \(weights.count) \(weights.count == 1 ? "head" : "heads") (rows: queries, columns: keys)</title>",
            gradient(),
            #"<rect width="100%" height="100%" fill="white"/>"#,
        ]
        for (j, matrix) in weights.enumerated() {
            let x = 8 + Double(j % perRow) * panelWidth
            let y = 8 + Double(j / perRow) * panelHeight
            out += panel(j, matrix, x: x, y: y, labelWidth: labelWidth, headerHeight: headerHeight, font: font)
        }
        out += legend(y: Double(panelRows) * panelHeight + 16, font: font)
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// One head: title, column labels (rotated), row labels, cells.
    private func panel(
        _ j: Int, _ m: Matrix<Double>, x: Double, y: Double, labelWidth: Double,
        headerHeight: Double, font: Double
    ) -> [String] {
        let c = cell
        let maximum = m.elements.filter(\.isFinite).max() ?? 0
        let top = absolute ? 1 : max(maximum, 0)
        let gridX = x + labelWidth, gridY = y + headerHeight
        var out = [
            "<g>",
            #"<text x="\#(n(x))" y="\#(n(y + font))" font-weight="bold">head \#(j + 1) of \#(weights.count) (max weight \#(value(maximum)))</text>"#,
        ]
        for key in 0..<m.columns {
            let cx = gridX + (Double(key) + 0.5) * c
            out.append(
                #"<text x="\#(n(cx))" y="\#(n(gridY - 4))" transform="rotate(-55 \#(n(cx)) \#(n(gridY - 4)))">\#(escaped(label(key)))</text>"#
            )
        }
        for r in 0..<m.rows {
            let position = r < queryPositions.count ? queryPositions[r] : r
            let cy = gridY + Double(r) * c
            out.append(
                #"<text x="\#(n(gridX - 4))" y="\#(n(cy + c / 2 + font * 0.35))" text-anchor="end">\#(escaped(label(position)))</text>"#
            )
            for key in 0..<m.columns {
                let w = m[r, key]
                let tip =
                    "head \(j + 1), query \(position) \(quoted(position)) → key \(key) \(quoted(key)): \(value(w))"
                out.append(
                    #"<rect x="\#(n(gridX + Double(key) * c))" y="\#(n(cy))" width="\#(n(c))" height="\#(n(c))" fill="\#(fill(w, top: top))"><title>\#(escaped(tip))</title></rect>"#
                )
            }
        }
        out.append(
            ##"<rect x="\##(n(gridX))" y="\##(n(gridY))" width="\##(n(Double(m.columns) * c))" height="\##(n(Double(m.rows) * c))" fill="none" stroke="#444" stroke-width="0.5"/>"##
        )
        out.append("</g>")
        return out
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
            + "; grey: 0 (masked)"
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

    /// The cell colour of weight `w` on a scale 0…`top`.
    private func fill(_ w: Double, top: Double) -> String {
        guard w > 0, top > 0, w.isFinite else { return Self.zeroFill }
        let (r, g, b) = HeatmapShading.rampColor(min(1, w / top))
        return "rgb(\(r),\(g),\(b))"
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

    /// `"cat"` when the token has a name, else nothing.
    private func quoted(_ index: Int) -> String {
        guard let tokens, tokens.indices.contains(index) else { return "" }
        return "“\(tokens[index])”"
    }

    private func value(_ w: Double) -> String { MatrixText.format(w, precision) }

    /// A coordinate with at most two decimals.
    private func n(_ x: Double) -> String {
        let text = MatrixText.format(x, 2)
        return text.hasSuffix(".00") ? String(text.dropLast(3)) : text
    }

    /// `text` safe inside XML character data and attribute values.
    func escaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }
}
