import MHACore
import MHAFormats

/// Renders a matrix as aligned text for people: fixed decimals (scientific notation when the
/// largest magnitude would print as 1e6 or more or every nonzero value is below 10^-precision), right-aligned columns,
/// optional row and column labels, and large matrices elided to their first and last rows
/// and columns (`…` across, `⋮` down).
///
///     MatrixText.lines(m, precision: 2)
///     //  0.50  -1.25
///     // 12.00   0.00
enum MatrixText {
    /// How much of a large matrix to show.
    struct Limit: Equatable {
        /// Rows shown at most; beyond, the first and last `rows / 2` are shown.
        var rows: Int
        /// Columns shown at most; beyond, the first and last `columns / 2` are shown.
        var columns: Int

        /// A size that stays readable in an 80-column terminal at 4 decimals.
        static let terminal = Limit(rows: 12, columns: 8)
    }

    /// The matrix as lines of text (no trailing newline).
    /// - Parameters:
    ///   - precision: decimals after the point (0…17).
    ///   - rowLabels: one label per row, printed left of the row (e.g. token names).
    ///   - columnLabels: one label per column, printed above.
    ///   - limit: elide beyond this size; `nil` prints everything (`--full`).
    ///   - indent: spaces before every line.
    static func lines<S: AttentionScalar>(
        _ m: Matrix<S>, precision: Int, rowLabels: [String]? = nil,
        columnLabels: [String]? = nil, limit: Limit? = .terminal, indent: Int = 2
    ) -> [String] {
        let rows = shown(m.rows, limit?.rows)
        let columns = shown(m.columns, limit?.columns)
        let scientific = needsScientific(m, precision: precision)
        let cells = rows.map { r in
            columns.map { c in c.map { format(Double(m[r ?? 0, $0]), precision, scientific: scientific) } ?? "…" }
        }
        var width = cells.joined().map(\.count).max() ?? 1
        if let columnLabels {
            width = max(width, columns.compactMap { $0.map { columnLabels[$0].terminalWidth } }.max() ?? 0)
        }
        let labelWidth =
            rowLabels.map { labels in rows.compactMap { $0.map { labels[$0].terminalWidth } }.max() ?? 0 } ?? 0
        let pad = String(repeating: " ", count: indent)
        var out: [String] = []
        if let columnLabels {
            let header = columns.map { c in leftPad(c.map { columnLabels[$0] } ?? "…", width) }
            out.append(pad + leftPad("", labelWidth) + (labelWidth > 0 ? "  " : "") + header.joined(separator: "  "))
        }
        for (r, row) in zip(rows, cells) {
            let label = rowLabels.map { labels in leftPad(r.map { labels[$0] } ?? "⋮", labelWidth) + "  " } ?? ""
            if r == nil {
                out.append(pad + label + columns.map { _ in leftPad("⋮", width) }.joined(separator: "  "))
            } else {
                out.append(pad + label + row.map { leftPad($0, width) }.joined(separator: "  "))
            }
        }
        return out
    }

    /// Indices to show along one axis; `nil` marks the elision.
    static func shown(_ count: Int, _ limit: Int?) -> [Int?] {
        guard let limit, count > limit, limit >= 2 else { return Array(0..<count) }
        let head = limit / 2
        return Array(0..<head) + [nil] + Array((count - head)..<count)
    }

    /// `value` with `precision` decimals (`%.Nf`, or `%.Ne` when `scientific`); a value that
    /// prints as zero prints without a sign.
    static func format(_ value: Double, _ precision: Int, scientific: Bool = false) -> String {
        let text = FixedDecimal.format(value, decimals: precision, scientific: scientific)
        let mantissa = text.dropFirst().prefix { $0 != "e" }
        if text.hasPrefix("-"), mantissa.allSatisfy({ $0 == "0" || $0 == "." }) {
            return String(text.dropFirst())
        }
        return text
    }

    /// One number in a short form: fixed decimals when they show it, else `%g` with at least
    /// 4 significant digits (`1e-300`, `2.5e+150`, `0.7071` at precision 0), for a header.
    static func short(_ value: Double, _ precision: Int) -> String {
        isFixedReadable(value.magnitude, precision)
            ? format(value, precision)
            : PrintfFormat.string("%.\(max(precision, 4))g", value)
    }

    /// Whether fixed decimals would hide `m`: its largest magnitude prints as 1e6 or more at
    /// `precision` decimals (too many digits), or every nonzero value is below 10^-precision
    /// (all zeros).
    static func needsScientific<S: AttentionScalar>(_ m: Matrix<S>, precision: Int) -> Bool {
        var largest = 0.0
        m.withUnsafeBufferPointer { elements in
            for element in elements where Double(element).isFinite { largest = max(largest, Double(element).magnitude) }
        }
        return !isFixedReadable(largest, precision)
    }

    /// Fixed decimals are readable when the largest magnitude, rounded to `precision`
    /// decimals as it prints, is below 1e6 (999999.99999 prints as 1000000.0000 at 4) and it
    /// is either zero or at least 10^-precision.
    private static func isFixedReadable(_ largest: Double, _ precision: Int) -> Bool {
        largest < 1e6 - 0.5 * tenToThe(-precision) && (largest == 0 || largest >= tenToThe(-precision))
    }

    /// 10^exponent for small integer exponents.
    private static func tenToThe(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<abs(exponent) { value *= 10 }
        return exponent < 0 ? 1 / value : value
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.terminalWidth >= width ? text : String(repeating: " ", count: width - text.terminalWidth) + text
    }
}
