import MHACore

/// What a forward pass computed, in a few words, for headers and documents: the input shape
/// (and memory; Q, K and V in `attend`), τ, d_k, the scale, whether it is causal, which mask,
/// the single token if any, and the working precision when it is float32.
///
///     input H · 3 × 4 · τ = 2 heads · d_k = 4 / 2 = 2 · scale = 1/√2 = 0.7071 · not causal · no mask
struct ComputationSummary {
    /// The dimensions (and scale, token) of the computation.
    var shapes: AttentionShapes
    /// Whether the causal mask was applied.
    var causal: Bool
    /// How the user mask was read (`keep`: 1 = may attend, `block`, `additive`), or nil without one.
    var maskKind: String?
    /// Whether the scale was given (else it is 1/√d_k).
    var scaleGiven: Bool
    /// Token names, if given.
    var tokens: [String]?
    /// Whether `--head-dim` set d_k (so it is not d_model / τ).
    var headDimGiven = false
    /// The score rules in force, for the positional settings (RoPE, offset, ALiBi, window,
    /// soft-cap) of the JSON report.
    var rules: ScoreRulesSummary? = nil
    /// The working precision (`float64`, or `float32` with `--float`).
    var precisionName = "float64"

    /// `computed in float32` when the working precision is not the default float64; nil for
    /// float64 (which headers leave unsaid).
    var precisionText: String? { precisionName == "float64" ? nil : "computed in \(precisionName)" }

    /// `scale = 1/√2 = 0.7071` or `scale = 0.5`.
    func scale(precision: Int) -> String {
        let value = MatrixText.short(shapes.scale, precision)
        return scaleGiven ? "scale = \(value)" : "scale = 1/√\(shapes.headDim) = \(value)"
    }

    /// `causal` or `not causal`.
    var causalText: String {
        guard causal else { return "not causal" }
        let shift = shapes.keyCount - shapes.tokens
        return shift == 0
            ? "causal (token i attends to tokens 0…i)"
            : "causal (query row i attends to keys 0…\(Self.row(plus: shift)))"
    }

    /// `i + 2`, `i − 1`: query row i's last key when queries are aligned at the end.
    static func row(plus shift: Int) -> String { shift >= 0 ? "i + \(shift)" : "i − \(-shift)" }

    /// `no mask` or `mask: keep (1 = may attend, 0 = blocked)`.
    var maskText: String {
        guard let maskKind else { return "no mask" }
        return maskKind == "keep" ? "mask: 1 = may attend, 0 = blocked" : "mask: \(maskKind)"
    }

    /// The items, in order.
    func items(precision: Int) -> [String] {
        let s = shapes
        let heads = "τ = \(s.heads) \(s.heads == 1 ? "head" : "heads")"
        var items: [String]
        if s.projected {
            let width =
                s.queryDim == s.modelDim && !headDimGiven
                ? "d_k = \(s.modelDim) / \(s.heads) = \(s.headDim)" : "d_k = \(s.headDim)"
            items =
                ["input H · \(s.tokens) × \(s.modelDim)"]
                + (s.memoryDim.map { ["memory M · \(s.keyCount) × \($0)"] } ?? [])
                + [heads, width]
        } else {
            items =
                [
                    "Q · \(s.tokens) × \(s.queryDim)", "K · \(s.keyCount) × \(s.kvDim)",
                    "V · \(s.keyCount) × \(s.valueColumns)",
                    heads, "d_k = \(s.headDim)",
                ] + (s.valueDim == s.headDim ? [] : ["d_v = \(s.valueDim)"])
        }
        if s.kvHeads != s.heads {
            items.insert("kv_heads = \(s.kvHeads)", at: items.firstIndex(of: heads).map { $0 + 1 } ?? items.count)
        }
        items += [scale(precision: precision), causalText, maskText]
        if let precisionText { items.append(precisionText) }
        if let token = s.token {
            items.append(
                "single token \(token)" + (tokens.map { $0.indices.contains(token) ? " (\($0[token]))" : "" } ?? ""))
        }
        return items
    }

    /// One line, items joined by ` · `.
    func line(precision: Int) -> String { items(precision: precision).joined(separator: " · ") }
}
