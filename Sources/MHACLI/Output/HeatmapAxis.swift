/// Which rows or columns of a heatmap are shown: all of them up to `limit`, beyond that
/// every k-th (k = ⌈count / limit⌉), starting at 0.
///
///     HeatmapAxis(count: 100, limit: 32).shown   // [0, 4, 8, …, 96]  (k = 4, 25 cells)
struct HeatmapAxis: Equatable {
    /// Cells along the axis before sampling.
    var count: Int
    /// k: one cell in `step` is shown (1 = all).
    var step: Int
    /// Indices shown, ascending.
    var shown: [Int]

    /// The axis of `count` cells, sampled to at most `limit`.
    init(count: Int, limit: Int) {
        self.count = max(0, count)
        let limit = max(1, limit)
        step = self.count <= limit ? 1 : (self.count + limit - 1) / limit
        shown = Array(stride(from: 0, to: self.count, by: step))
    }

    /// Whether some cells are left out.
    var isSampled: Bool { step > 1 }

    /// `every 4th of 100 tokens (0, 4, 8, …, 96)`.
    var summary: String {
        let listed =
            shown.count <= 4
            ? shown.map(String.init).joined(separator: ", ")
            : shown.prefix(3).map(String.init).joined(separator: ", ") + ", …, " + String(shown[shown.count - 1])
        return "every \(Self.ordinal(step)) of \(count) tokens (\(listed))"
    }

    /// `2nd`, `3rd`, `4th`, `11th`, `21st`.
    static func ordinal(_ k: Int) -> String {
        let suffix: String
        switch (k % 10, k % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(k)\(suffix)"
    }
}
