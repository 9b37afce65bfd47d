import MHACore
import MHAFormats

/// Attention weights as a terminal heatmap: one grid per head, rows = queries, columns = keys.
///
/// Every cell is two characters wide, so n = 32 tokens fit in 80 columns with their labels.
/// Without colour a cell is a Unicode shade of its weight relative to the head's largest
/// shown weight, in five steps `"  "`, `░░`, `▒▒`, `▓▓`, `██` (below 20 %, 20–40 %, … of the
/// maximum), and `··` marks a weight of exactly 0 (a masked key). With colour each cell is a
/// 24-bit ANSI background from a perceptual (viridis) ramp, reset at the end of every line.
///
/// Beyond 32 tokens (or what `width` allows) the grid is **sampled**, not tiled: every k-th
/// query and key is shown (k = ⌈n / 32⌉, tokens 0, k, 2k, …), each cell still one weight,
/// and a line under the title says so. Rows and columns are sampled independently.
///
///     head 1 of 1 (rows: queries, columns: keys; max weight 1)
///           0 1 2
///         0 │██····│
///         1 │▓▓▒▒··│
///         2 │▒▒░░▒▒│
///       legend: [··] 0  [  ] >0  [░░] ≥0.2  [▒▒] ≥0.4  [▓▓] ≥0.6  [██] ≥0.8
enum HeatmapRenderer {
    /// At most this many cells per axis before sampling.
    static let maximumCells = 32
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
    static func render<S: AttentionScalar>(weights: [Matrix<S>], queryPositions: [Int], tokens: [String]?,
                                           color: Bool, width: Int = 80) -> String {
        weights.enumerated().map { head, matrix in
            HeatmapGrid(matrix: matrix.converted(to: Double.self), head: head, headCount: weights.count,
                        queryPositions: queryPositions, tokens: tokens, color: color, width: width)
                .lines().joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
