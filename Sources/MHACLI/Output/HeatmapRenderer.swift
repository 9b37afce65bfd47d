import MHACore
import MHAFormats

/// Attention weights as a terminal heatmap: one grid per head, rows = queries, columns = keys.
///
/// A cell is two characters wide when every token fits in the width that way (n = 35 in 80
/// columns, 95 in 200), else one character (n = 71 in 80 columns, 191 in 200).
/// Without colour a cell is a Unicode shade of its weight relative to the head's largest
/// shown weight, in five steps `"  "`, `░░`, `▒▒`, `▓▓`, `██` (below 20 %, 20–40 %, … of the
/// maximum), and `··` marks a weight of exactly 0 (a masked key). With colour each cell is a
/// 24-bit ANSI background from a perceptual (viridis) ramp, reset at the end of every line.
///
/// Beyond what `width` allows at one character per cell the grid is **sampled**, not tiled:
/// every k-th query and key is shown (k = ⌈n / cells⌉, tokens 0, k, 2k, …), each cell still one
/// weight, and a line under the title says so; `--full` shows every token instead.
///
///     head 1 of 1 (rows: queries, columns: keys; max weight 1)
///           0 1 2
///         0 │██····│
///         1 │▓▓▒▒··│
///         2 │▒▒░░▒▒│
///       legend: [··] 0  [  ] >0  [░░] ≥0.2  [▒▒] ≥0.4  [▓▓] ≥0.6  [██] ≥0.8
enum HeatmapRenderer {
    /// Longest row label before truncation with `…`.
    static let maximumLabel = 12

    /// The heatmaps of all heads, separated by blank lines (no trailing newline).
    /// - Parameters:
    ///   - weights: per head, the attention weights (rows × n; rows = queries).
    ///   - queryPositions: the token position of each weights row (`[i]` with `--token i`,
    ///     else 0..<n); a missing position falls back to the row index.
    ///   - tokens: token names for the labels, or nil for 0-based indices.
    ///   - color: 24-bit ANSI background colour instead of shades.
    ///   - width: the terminal width to stay within (without counting ANSI codes).
    /// - Returns: the text, lines joined by `\n`.
    ///   - full: every token, two characters per cell, whatever the width (`--full`).
    ///   - absolute: shades span 0…1 for every head instead of 0…the head's maximum.
    static func render<S: AttentionScalar>(
        weights: [Matrix<S>], queryPositions: [Int], tokens: [String]?,
        color: Bool, width: Int = 80, full: Bool = false,
        absolute: Bool = false
    ) -> String {
        weights.enumerated().map { head, matrix in
            HeatmapGrid(
                matrix: matrix.converted(to: Double.self), head: head, headCount: weights.count,
                queryPositions: queryPositions, tokens: tokens, color: color, width: width,
                full: full, absolute: absolute
            )
            .lines().joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
