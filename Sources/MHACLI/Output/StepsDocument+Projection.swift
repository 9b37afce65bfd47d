import MHACore
import MHAFormats

extension StepsDocument {
    /// Step 1: H (and the memory) into Q, K and V, with the weights' shapes, the layout and the
    /// biases; for `attend`, the given Q, K and V. With RoPE, their rotation follows.
    func projectionStep() -> [String] {
        let s = shapes
        guard let input, let parameters else {
            var lines = [title("Step 1. The given queries, keys and values")]
            lines.append("  Q: \(Self.shape(s.tokens, s.queryDim)) (τ·d_k = \(s.heads)·\(s.headDim))")
            lines += values(result.queries, rowLabels: queryLabels, indent: 4)
            lines.append("  K: \(Self.shape(s.keyCount, s.kvDim)) (g·d_k = \(s.kvHeads)·\(s.headDim))")
            lines += values(result.keys, rowLabels: keyLabels, indent: 4)
            lines.append("  V: \(Self.shape(s.keyCount, s.valueColumns)) (g·d_v = \(s.kvHeads)·\(s.valueDim))")
            lines += values(result.values, rowLabels: keyLabels, indent: 4)
            return lines + normLines() + rotationLines()
        }
        var lines = [title("Step 1. Project H into queries, keys and values")]
        lines.append("  H = the input, one row per token: \(Self.shape(s.tokens, s.modelDim))")
        lines += values(input, rowLabels: inputLabels, indent: 4)
        if let width = s.memoryDim {
            lines.append(
                "  M = the memory (cross-attention: keys and values come from it): \(Self.shape(s.keyCount, width))")
            lines += values(memory, rowLabels: keyLabels, indent: 4)
        }
        lines += layoutNote(parameters)
        if let token = s.token {
            lines.append("  h_\(token) = row \(token) of H (\(quotedQuery(token))): only its query is computed")
        }
        let source = s.token.map { "h_\($0)" } ?? "H"
        let keySource = s.memoryDim == nil ? "H" : "M"
        let keyWidth = s.memoryDim ?? s.modelDim
        lines.append(
            "  "
                + projection(
                    parameters, name: "Q", weight: "W^q", source: source, rows: s.queryRows,
                    inWidth: s.modelDim, width: s.queryDim,
                    hasBias: parameters.bq != nil || parameters.packedBias != nil))
        lines += values(result.queries, rowLabels: queryLabels, indent: 4)
        lines.append(
            "  "
                + projection(
                    parameters, name: "K", weight: "W^k", source: keySource, rows: s.keyCount,
                    inWidth: keyWidth, width: s.kvDim, hasBias: parameters.bk != nil || parameters.packedBias != nil))
        lines += values(result.keys, rowLabels: keyLabels, indent: 4)
        lines.append(
            "  "
                + projection(
                    parameters, name: "V", weight: "W^v", source: keySource, rows: s.keyCount,
                    inWidth: keyWidth, width: s.valueColumns,
                    hasBias: parameters.bv != nil || parameters.packedBias != nil))
        lines += values(result.values, rowLabels: keyLabels, indent: 4)
        return lines + normLines() + rotationLines()
    }

    /// The QK-norm of Q and K, from the engine's normalised copies.
    func normLines() -> [String] {
        guard let norm = configuration.qkNorm else { return [] }
        let s = shapes
        let span =
            norm.span == .head
            ? "each head's d_k = \(s.headDim) values"
            : "each row's τ·d_k = \(s.queryDim) (Q) and g·d_k = \(s.kvDim) (K) values"
        let gains =
            "γ^q " + (norm.queryGain == nil ? "= 1" : "given") + ", γ^k " + (norm.keyGain == nil ? "= 1" : "given")
        return [
            "  QK-norm: x ← x / √(mean(x²) + ε) ⊙ γ over \(span), ε = \(ScoreRulesSummary.plain(norm.epsilon)), \(gains)",
            "  Q normalised  →  \(Self.shape(s.queryRows, s.queryDim))",
        ]
            + values(result.normalisedQueries, rowLabels: queryLabels, indent: 4)
            + ["  K normalised  →  \(Self.shape(s.keyCount, s.kvDim))"]
            + values(result.normalisedKeys, rowLabels: keyLabels, indent: 4)
    }

    /// RoPE's rotation of Q and K, from the engine's rotated copies.
    func rotationLines() -> [String] {
        guard let rope = configuration.rope else { return [] }
        let s = shapes
        let r = rope.rotatedDimensions(headDim: s.headDim)
        let pairs =
            rope.convention == .half
            ? "dimension i with i + \(r / 2) (rotate_half)" : "dimensions 2i and 2i+1 (interleaved)"
        let first = s.queryPosition(row: s.token ?? 0)
        let frequency = "\(number(rope.base))^(−2i/\(r))"
        let angle =
            rope.scaling.map { scaling in
                let amplitude = scaling.amplitude == 1 ? "" : ", cos θ and sin θ times \(number(scaling.amplitude))"
                return
                    "by θ = position · f_i, f_i = \(frequency) changed by \(ScoreRulesSummary.describe(scaling))\(amplitude)"
            } ?? "by θ = position · \(frequency)"
        return [
            "  RoPE (\(rope.convention.rawValue)): in each head the first \(r) of d_k = \(s.headDim) dimensions turn in pairs, \(pairs),",
            "  \(angle); queries start at position \(first), keys at \(s.keyPosition(key: 0))",
            "  Q rotated  →  \(Self.shape(s.queryRows, s.queryDim))",
        ]
            + values(result.rotatedQueries, rowLabels: queryLabels, indent: 4)
            + ["  K rotated  →  \(Self.shape(s.keyCount, s.kvDim))"]
            + values(result.rotatedKeys, rowLabels: keyLabels, indent: 4)
    }

    /// `Q = H·W^q + b^q  →  (3×4)·(4×4) + (1×4) = 3×4`, transposed in torch layout.
    func projection(
        _ p: AttentionParameters<S>, name: String, weight: String, source: String, rows: Int, inWidth: Int,
        width: Int, hasBias: Bool
    ) -> String {
        let torch = p.inProjection != nil || (p.layout == .torch && p.packedQKV == nil)
        let applied = torch ? "(\(weight))ᵀ" : weight
        let stored = torch ? "(\(Self.shape(width, inWidth)))ᵀ" : "(\(Self.shape(inWidth, width)))"
        let bias = "b^" + weight.dropFirst(2)
        let formula = "\(name) = \(source)·\(applied)" + (hasBias ? " + \(bias)" : "")
        let arithmetic =
            "(\(Self.shape(rows, inWidth)))·\(stored)"
            + (hasBias ? " + (\(Self.shape(1, width)))" : "") + " = \(Self.shape(rows, width))"
        return formula + "  →  " + arithmetic
    }

    /// Where W^q, W^k, W^v come from and how they are applied.
    func layoutNote(_ p: AttentionParameters<S>) -> [String] {
        let s = shapes
        let (q, kv) = (s.queryDim, s.kvDim)
        if let packed = p.inProjection {
            return [
                "  W^q, W^k, W^v are rows 0–\(q - 1), \(q)–\(q + kv - 1) and "
                    + "\(q + kv)–\(q + 2 * kv - 1) of in_proj "
                    + "(\(Self.shape(packed.rows, packed.columns)), PyTorch's packed [W^q; W^k; W^v]);",
                "  each is stored out × in, so it is applied transposed: H·Wᵀ",
            ]
        }
        if let packed = p.packedQKV {
            return [
                "  W^q, W^k, W^v are columns 0–\(q - 1), \(q)–\(q + kv - 1) and \(q + kv)–\(q + 2 * kv - 1) of qkv "
                    + "(\(Self.shape(packed.rows, packed.columns)), GPT-2's packed [W^q | W^k | W^v]), applied on the right: H·W"
            ]
                + (p.packedBias == nil ? [] : ["  the packed bias is split the same way into b^q, b^k, b^v"])
        }
        switch p.layout {
        case .torch:
            return [
                "  torch layout: each W is stored out × in (as nn.Linear keeps it), so it is applied "
                    + "transposed: H·Wᵀ"
            ]
        case .xw:
            return ["  textbook layout: each W is stored in × out and applied on the right: H·W"]
        }
    }

    /// Step 2: which columns each head uses, grouped-query sharing, and why a head is d_k wide.
    func splitStep() -> [String] {
        let s = shapes
        let width =
            !s.projected
            ? "d_k = \(s.headDim)"
            : s.queryDim == s.modelDim
                ? "d_k = d_model / τ = \(s.modelDim) / \(s.heads) = \(s.headDim)"
                : "d_k = \(s.headDim) (given; τ·d_k = \(s.queryDim) ≠ d_model = \(s.modelDim))"
        var lines = [title("Step 2. Split into τ = \(s.heads) heads of width \(width)")]
        if s.kvHeads != s.heads {
            lines.append(
                "  grouped-query attention: g = \(s.kvHeads) K/V head" + (s.kvHeads == 1 ? "" : "s")
                    + " for τ = \(s.heads) query heads;")
            lines.append("  query head j = 1…τ uses K/V head ⌈j·g/τ⌉ (numbered 1…g),")
            lines.append(
                "  so each K/V head serves τ / g = \(s.heads) / \(s.kvHeads) = \(s.heads / s.kvHeads) query heads")
        }
        for j in 0..<s.heads {
            let g = s.kvHead(for: j)
            let q = Self.columns(j * s.headDim..<(j + 1) * s.headDim)
            let kv = Self.columns(g * s.headDim..<(g + 1) * s.headDim)
            let v = Self.columns(g * s.valueDim..<(g + 1) * s.valueDim)
            let h = j + 1
            if s.kvHeads == s.heads, s.valueDim == s.headDim {
                lines.append("  head \(h): Q_\(h), K_\(h), V_\(h) = columns \(q) of Q, K, V")
            } else {
                lines.append("  head \(h): Q_\(h) = columns \(q) of Q")
                let pad = "  " + String(repeating: " ", count: "head \(h): ".count)
                if s.valueDim == s.headDim {
                    lines.append(pad + "K_\(h), V_\(h) = columns \(kv) of K, V (K/V head \(g + 1))")
                } else {
                    lines.append(pad + "K_\(h) = columns \(kv) of K, V_\(h) = columns \(v) of V (K/V head \(g + 1))")
                }
            }
        }
        lines.append(contentsOf: widthNote())
        return lines
    }

    /// Why head_j is d_v wide and not d_model.
    func widthNote() -> [String] {
        let s = shapes
        let head = Self.shape(s.queryRows, s.valueDim)
        guard s.projected else {
            return [
                "  each head_j is \(head); step 4 puts the τ heads side by side: τ·d_v = \(s.heads)·\(s.valueDim) = \(s.concatDim) columns"
            ]
        }
        guard s.heads > 1 else {
            return ["  with one head d_k = d_model: the head sees all \(s.modelDim) columns and head_1 is \(head)"]
        }
        return [
            "  each head sees only its d_k = \(s.headDim) of the d_model = \(s.modelDim) columns,",
            "  so head_j is \(head), not \(Self.shape(s.queryRows, s.modelDim));",
            "  step 4 puts the τ heads side by side again: τ·d_k = \(s.heads)·\(s.valueDim) = \(s.concatDim) columns",
        ]
    }
}
