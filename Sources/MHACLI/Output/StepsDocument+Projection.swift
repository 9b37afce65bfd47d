import MHACore
import MHAFormats

extension StepsDocument {
    /// Step 1: H into Q, K and V, with the weights' shapes, the layout and the biases.
    func projectionStep() -> [String] {
        let s = shapes
        var lines = [title("Step 1. Project H into queries, keys and values")]
        lines.append("  H = the input, one row per token: \(Self.shape(s.tokens, s.modelDim))")
        lines += values(input, rowLabels: tokenLabels, indent: 4)
        lines += layoutNote()
        if let token = s.token {
            lines.append("  h_\(token) = row \(token) of H (\(quoted(token))): only its query is computed")
        }
        let source = s.token.map { "h_\($0)" } ?? "H"
        lines.append("  " + projection(name: "Q", weight: "W^q", source: source, rows: s.queryRows,
                                        width: s.modelDim, hasBias: parameters.bq != nil))
        lines += values(result.queries, rowLabels: queryLabels, indent: 4)
        lines.append("  " + projection(name: "K", weight: "W^k", source: "H", rows: s.tokens,
                                        width: s.kvDim, hasBias: parameters.bk != nil))
        lines += values(result.keys, rowLabels: tokenLabels, indent: 4)
        lines.append("  " + projection(name: "V", weight: "W^v", source: "H", rows: s.tokens,
                                        width: s.kvDim, hasBias: parameters.bv != nil))
        lines += values(result.values, rowLabels: tokenLabels, indent: 4)
        return lines
    }

    /// `Q = H·W^q + b^q  →  (3×4)·(4×4) + (1×4) = 3×4`, transposed in torch layout.
    func projection(name: String, weight: String, source: String, rows: Int, width: Int, hasBias: Bool) -> String {
        let torch = parameters.inProjection != nil || parameters.layout == .torch
        let applied = torch ? "(\(weight))ᵀ" : weight
        let stored = torch ? "(\(Self.shape(width, shapes.modelDim)))ᵀ" : "(\(Self.shape(shapes.modelDim, width)))"
        let bias = "b^" + weight.dropFirst(2)
        let formula = "\(name) = \(source)·\(applied)" + (hasBias ? " + \(bias)" : "")
        let arithmetic = "(\(Self.shape(rows, shapes.modelDim)))·\(stored)"
            + (hasBias ? " + (\(Self.shape(1, width)))" : "") + " = \(Self.shape(rows, width))"
        return formula + "  →  " + arithmetic
    }

    /// Where W^q, W^k, W^v come from and how they are applied.
    func layoutNote() -> [String] {
        let s = shapes
        if let packed = parameters.inProjection {
            return ["  W^q, W^k, W^v are rows 0–\(s.modelDim - 1), \(s.modelDim)–\(s.modelDim + s.kvDim - 1) and "
                        + "\(s.modelDim + s.kvDim)–\(s.modelDim + 2 * s.kvDim - 1) of in_proj "
                        + "(\(Self.shape(packed.rows, packed.columns)), PyTorch's packed [W^q; W^k; W^v]);",
                    "  each is stored out × in, so it is applied transposed: H·Wᵀ"]
        }
        switch parameters.layout {
        case .torch:
            return ["  torch layout: each W is stored out × in (as nn.Linear keeps it), so it is applied "
                        + "transposed: H·Wᵀ"]
        case .xw:
            return ["  textbook layout: each W is stored in × out and applied on the right: H·W"]
        }
    }

    /// Step 2: which columns each head uses, grouped-query sharing, and why a head is d_k wide.
    func splitStep() -> [String] {
        let s = shapes
        var lines = [title("Step 2. Split into τ = \(s.heads) heads of width d_k = d_model / τ = "
                            + "\(s.modelDim) / \(s.heads) = \(s.headDim)")]
        if s.kvHeads != s.heads {
            lines.append("  grouped-query attention: g = \(s.kvHeads) K/V head" + (s.kvHeads == 1 ? "" : "s")
                             + " for τ = \(s.heads) query heads;")
            lines.append("  query head j = 1…τ uses K/V head ⌈j·g/τ⌉ (numbered 1…g),")
            lines.append("  so each K/V head serves τ / g = \(s.heads) / \(s.kvHeads) = \(s.heads / s.kvHeads) query heads")
        }
        for j in 0..<s.heads {
            let g = s.kvHead(for: j)
            let q = Self.columns(j * s.headDim ..< (j + 1) * s.headDim)
            let kv = Self.columns(g * s.headDim ..< (g + 1) * s.headDim)
            let h = j + 1
            if s.kvHeads == s.heads {
                lines.append("  head \(h): Q_\(h), K_\(h), V_\(h) = columns \(q) of Q, K, V")
            } else {
                lines.append("  head \(h): Q_\(h) = columns \(q) of Q")
                lines.append("  " + String(repeating: " ", count: "head \(h): ".count)
                                 + "K_\(h), V_\(h) = columns \(kv) of K, V (K/V head \(g + 1))")
            }
        }
        lines.append(contentsOf: widthNote())
        return lines
    }

    /// Why head_j is d_k wide and not d_model.
    func widthNote() -> [String] {
        let s = shapes
        let head = Self.shape(s.queryRows, s.headDim)
        guard s.heads > 1 else {
            return ["  with one head d_k = d_model: the head sees all \(s.modelDim) columns and head_1 is \(head)"]
        }
        return ["  each head sees only its d_k = \(s.headDim) of the d_model = \(s.modelDim) columns,",
                "  so head_j is \(head), not \(Self.shape(s.queryRows, s.modelDim));",
                "  step 4 puts the τ heads side by side again: τ·d_k = \(s.heads)·\(s.headDim) = \(s.concatDim) columns"]
    }
}
