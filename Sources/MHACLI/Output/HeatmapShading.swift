import MHACore

/// How a heatmap cell shows a weight: a shade (`··`, `  `, `░░`, `▒▒`, `▓▓`, `██`) or a 24-bit
/// ANSI background colour from a perceptual ramp, both relative to the head's maximum.
struct HeatmapShading {
    /// The largest weight shown; weights are drawn relative to it.
    var maximum: Double
    /// Whether to colour instead of shading.
    var color: Bool
    /// Characters per cell: 2, or 1 when the tokens only fit that way.
    var cellWidth = 2

    /// The five shades, lightest first; level i covers [i/5, (i+1)/5) of the maximum.
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]
    /// Drawn for a weight of exactly 0 (a masked key).
    static let zero = "··"
    /// Viridis at 0, ¼, ½, ¾ and 1: dark purple → blue → teal → green → yellow.
    static let ramp: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]
    /// Select graphic rendition: back to the terminal's defaults.
    static let reset = "\u{1B}[0m"

    /// The shade level 0…4 of `weight`, or nil for a weight of 0 (or below, or NaN).
    func level(_ weight: Double) -> Int? {
        guard weight > 0, maximum > 0 else { return nil }
        let fraction = min(1, weight / maximum)
        return min(4, Int(fraction * 5))
    }

    /// One cell, `cellWidth` characters wide (plus ANSI codes with colour).
    func cell(_ weight: Double) -> String {
        let zero = String(Self.zero.prefix(cellWidth))
        guard let level = level(weight) else { return color ? "\u{1B}[49m" + zero : zero }
        guard color else { return String(repeating: Self.shades[level], count: cellWidth) }
        return Self.background(fraction: min(1, weight / maximum)) + String(repeating: " ", count: cellWidth)
    }

    /// What ends a row of cells: a reset with colour, nothing without.
    var lineEnd: String { color ? Self.reset : "" }

    /// The ANSI 24-bit background sequence for `fraction` (0…1) along the ramp.
    static func background(fraction: Double) -> String {
        let (r, g, b) = rampColor(fraction)
        return "\u{1B}[48;2;\(r);\(g);\(b)m"
    }

    /// The ramp's colour at `fraction`, interpolated linearly between its anchors.
    static func rampColor(_ fraction: Double) -> (Int, Int, Int) {
        let t = max(0, min(1, fraction.isNaN ? 0 : fraction)) * Double(ramp.count - 1)
        let lower = min(ramp.count - 2, Int(t))
        let f = t - Double(lower)
        let (a, b) = (ramp[lower], ramp[lower + 1])
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// The legend, wrapped to `width`: what each shade or colour means in weights.
    func legend(width: Int) -> [String] {
        var items = ["[\(Self.zero)] 0"]
        if color {
            let bar = (0..<10).map { Self.background(fraction: (Double($0) + 0.5) / 10) + "  " }.joined()
            items.append("0 " + bar + Self.reset + " " + Self.number(maximum))
        } else if maximum > 0 {
            items.append("[  ] >0")
            items += (1..<5).map {
                "[\(String(repeating: Self.shades[$0], count: 2))] ≥" + Self.number(maximum * Double($0) / 5)
            }
        }
        return wrap(items, width: width)
    }

    /// `legend:` and the items, two spaces apart, in lines of at most `width` visible characters.
    private func wrap(_ items: [String], width: Int) -> [String] {
        let title = "  legend:"
        var lines: [String] = []
        var line = title
        var visible = title.count
        for item in items {
            let length = Self.visibleLength(item)
            if visible > title.count, visible + 2 + length > width {
                lines.append(line)
                line = String(repeating: " ", count: title.count)
                visible = title.count
            }
            line += "  " + item
            visible += 2 + length
        }
        lines.append(line)
        return lines
    }

    /// Characters a terminal shows for `text` (ANSI escape sequences take none).
    static func visibleLength(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                count += 1
            }
        }
        return count
    }

    /// A weight with two significant digits: `0.62`, `0.0012`, `1`.
    static func number(_ value: Double) -> String {
        PrintfFormat.string("%.2g", value)
    }
}
