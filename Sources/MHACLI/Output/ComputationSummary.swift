import MHACore

/// What a forward pass computed, in a few words, for headers and documents: the input shape,
/// τ, d_k, the scale, whether it is causal, which mask, and the single token if any.
///
///     input H · 3 × 4 · τ = 2 heads · d_k = 4 / 2 = 2 · scale = 1/√2 = 0.7071 · not causal · no mask
struct ComputationSummary {
    /// The dimensions (and scale, token) of the computation.
    var shapes: AttentionShapes
    /// Whether the causal mask was applied.
    var causal: Bool
    /// How the user mask was read (`keep`: 1 = may attend), or nil without one.
    var maskKind: String?
    /// Whether the scale was given (else it is 1/√d_k).
    var scaleGiven: Bool
    /// Token names, if given.
    var tokens: [String]?

    /// `scale = 1/√2 = 0.7071` or `scale = 0.5`.
    func scale(precision: Int) -> String {
        let value = MatrixText.short(shapes.scale, precision)
        return scaleGiven ? "scale = \(value)" : "scale = 1/√\(shapes.headDim) = \(value)"
    }

    /// `causal` or `not causal`.
    var causalText: String { causal ? "causal (token i attends to tokens 0…i)" : "not causal" }

    /// `no mask` or `mask: keep (1 = may attend, 0 = blocked)`.
    var maskText: String {
        guard let maskKind else { return "no mask" }
        return maskKind == "keep" ? "mask: 1 = may attend, 0 = blocked" : "mask: \(maskKind)"
    }

    /// The items, in order.
    func items(precision: Int) -> [String] {
        let s = shapes
        var items = ["input H · \(s.tokens) × \(s.modelDim)", "τ = \(s.heads) \(s.heads == 1 ? "head" : "heads")",
                     "d_k = \(s.modelDim) / \(s.heads) = \(s.headDim)", scale(precision: precision), causalText, maskText]
        if s.kvHeads != s.heads { items.insert("kv_heads = \(s.kvHeads)", at: 2) }
        if let token = s.token {
            items.append("single token \(token)" + (tokens.map { $0.indices.contains(token) ? " (\($0[token]))" : "" } ?? ""))
        }
        return items
    }

    /// One line, items joined by ` · `.
    func line(precision: Int) -> String { items(precision: precision).joined(separator: " · ") }
}
