import MHACore
import MHAFormats

/// The header line naming the score rules of DESIGN §4 in force, in the order they act:
/// `scores: RoPE half (base 10000, 4 of d_k = 4 dimensions) → soft-cap 50 → ALiBi → causal,
/// aligned at the end (row i sees keys 0 … i + 3) → window 2 → mask (block: 1 = blocked)`.
/// Nothing when only the textbook's scale, causal mask and 0/1 mask apply.
struct ScoreRulesSummary: Sendable {
    /// How the pass was run.
    var configuration: AttentionConfiguration
    /// How a given mask was read; nil without a mask.
    var maskKind: AttentionMask<Double>.Kind?
    /// ALiBi's slopes m_j, as the engine reports them.
    var alibiSlopes: [Double]?

    /// The line, or none.
    func lines(_ s: AttentionShapes) -> [String] {
        let c = configuration
        var rules: [String] = []
        if let norm = c.qkNorm {
            let gains = [("γ^q", norm.queryGain), ("γ^k", norm.keyGain)].filter { $0.1 != nil }.map(\.0)
            rules.append(
                "QK-norm over \(norm.span == .head ? "each head's d_k = \(s.headDim)" : "each row's whole Q and K") (ε \(Self.plain(norm.epsilon))\(gains.isEmpty ? ", no gains" : ", ⊙ " + gains.joined(separator: ", ")))"
            )
        }
        if let rope = c.rope {
            let r = rope.rotatedDimensions(headDim: s.headDim)
            rules.append(
                "RoPE \(rope.convention.rawValue) (base \(Self.plain(rope.base)), \(r) of d_k = \(s.headDim) dimensions, positions from \(s.positionOffset)\(rope.scaling.map { ", " + Self.describe($0) } ?? ""))"
            )
        } else if s.positionOffset != 0 {
            rules.append("positions start at \(s.positionOffset)")
        }
        if let cap = c.softcap { rules.append("soft-cap \(Self.plain(cap)): c·tanh(s/c)") }
        if c.alibi {
            let slopes =
                alibiSlopes.map { ": slopes " + $0.map { MatrixText.short($0, 4) }.joined(separator: ", ") } ?? ""
            rules.append("ALiBi −m_j·(query position − key position)\(slopes)")
        }
        if c.causal, s.tokens != s.keyCount {
            rules.append(
                "causal, aligned at the end (query row i sees keys 0 … \(ComputationSummary.row(plus: s.keyCount - s.tokens)))"
            )
        }
        if let w = c.window {
            rules.append(
                c.causal
                    ? "window \(w) (query at p sees keys p−\(w - 1) … p)" : "window \(w) (keys with |p − t| < \(w))")
        }
        switch maskKind {
        case .block?: rules.append("mask read as block (1 = blocked, 0 = may attend)")
        case .additive?: rules.append("mask added to the scores (−inf = blocked)")
        case .keep?, nil: break
        }
        guard !rules.isEmpty else { return [] }
        return ["scores: " + rules.joined(separator: " → ")]
    }

    /// A number as the user wrote it: `10000`, `50`, `0.5` (shortest round-trip).
    static func plain(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// A scaling rule as transformers names it: `llama3 scaling (factor 8, low_freq_factor 1, …)`.
    static func describe(_ scaling: RotaryScaling) -> String {
        let parameters = scaling.parameters.map { name, value in
            name == "truncate" ? "truncate \(value != 0)" : "\(name) \(plain(value))"
        }
        return "\(scaling.name) scaling (\(parameters.joined(separator: ", ")))"
    }

    /// A scaling rule for JSON: `{"type": "llama3", "factor": 8, …}` (`truncate` a boolean).
    static func json(_ scaling: RotaryScaling) -> JSONValue {
        .object(
            [("type", .string(scaling.name))]
                + scaling.parameters.map { name, value in
                    (name, name == "truncate" ? .bool(value != 0) : .number(value))
                })
    }

    /// The positional settings for JSON: `{"rope": null | {"kind", "base", "dims", "scaling"},
    /// "position_offset", "alibi", "window", "softcap", "qk_norm": null | {"span", "epsilon"}}`
    /// (null when off).
    func json(_ s: AttentionShapes) -> JSONValue {
        let c = configuration
        let rope: JSONValue =
            c.rope.map { rope in
                .object([
                    ("kind", .string(rope.convention.rawValue)), ("base", .number(rope.base)),
                    ("dims", .int(rope.rotatedDimensions(headDim: s.headDim))),
                    ("scaling", rope.scaling.map(Self.json) ?? .null),
                ])
            } ?? .null
        return .object([
            ("rope", rope), ("position_offset", .int(s.positionOffset)), ("alibi", .bool(c.alibi)),
            ("window", c.window.map { .int($0) } ?? .null), ("softcap", c.softcap.map { .number($0) } ?? .null),
            (
                "qk_norm",
                c.qkNorm.map { .object([("span", .string($0.span.rawValue)), ("epsilon", .number($0.epsilon))]) }
                    ?? .null
            ),
        ])
    }
}
