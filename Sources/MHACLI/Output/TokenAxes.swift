import MHACore

/// The labels of a pass's two token axes: the computed query rows and the keys.
///
/// `--tokens` names the key positions 0…n_k−1 in self-attention and `attend` (with n_q = n_k,
/// every token); query row i is at position n_k − n_q + i and carries that name, so the rows
/// of a shorter Q are the last tokens (DESIGN §4's positions). In cross-attention the queries
/// and keys are different sequences: `--tokens` names the n_q query rows and keys keep their
/// indices. Without names, query row i is labelled i, as the warnings, the notes of `--steps`
/// and `--token i` count rows (so a Q longer than K has no negative labels).
struct TokenAxes: Equatable, Sendable {
    /// Labels of the computed query rows (one row with `--token`), or nil for indices.
    var queryLabels: [String]?
    /// Labels of the key columns, or nil for indices.
    var keyLabels: [String]?
    /// The index that labels each computed query row, for heatmaps: with names outside
    /// cross-attention, its index on the key axis (its position less the offset), whose name
    /// it carries; else its row index.
    var queryPositions: [Int]
    /// The names to label both axes of a heatmap by position (nil in cross-attention).
    var heatmapNames: [String]?

    /// The axes of a pass with `shapes`, `names` from `--tokens`.
    init(_ s: AttentionShapes, names: [String]?, crossAttention: Bool) {
        let rows = s.token.map { $0..<($0 + 1) } ?? 0..<s.tokens
        if crossAttention || names == nil {
            queryPositions = Array(rows)
            queryLabels = names.map { n in rows.map { n.indices.contains($0) ? n[$0] : String($0) } }
            keyLabels = nil
            heatmapNames = nil
        } else {
            queryPositions = rows.map { s.keyCount - s.tokens + $0 }
            queryLabels = names.map { n in queryPositions.map { n.indices.contains($0) ? n[$0] : String($0) } }
            keyLabels = names
            heatmapNames = names
        }
    }

    /// How many names `--tokens` must give: n_q in cross-attention, else n_k.
    static func expectedCount(_ s: AttentionShapes, crossAttention: Bool) -> Int {
        crossAttention ? s.tokens : s.keyCount
    }
}
