import MHACore

/// The dimension arithmetic written out as a student would write it (`shapes --explain`).
enum ShapeExplanation {
    /// One line per step, from the given widths to the output and the parameter count.
    static func lines(for r: ShapeReport, given q: ShapeQuery) -> [String] {
        let (d, t, k, g) = (r.modelDim, r.heads, r.headDim, r.kvHeads)
        let n = r.seqLen.map(String.init) ?? "n"
        var lines = [derivation(r, given: q)]
        lines.append("concat = τ · d_k = \(t) · \(k) = \(r.concatDim)")
        lines.append("H: n × d_model = \(n) × \(d)")
        lines.append("W^q: d_model × d_model = \(d) × \(d); head j (1…\(t)) uses the slice W^q_j: \(d) × \(k) (columns (j−1)·\(k) ..< j·\(k))")
        if g == t {
            lines.append("W^k, W^v: \(d) × \(d); slices W^k_j, W^v_j: \(d) × \(k)")
        } else {
            lines.append("W^k, W^v: d_model × g·d_k = \(d) × \(g) · \(k) = \(d) × \(g * k) (\(g) kv_heads; query head j uses K/V head ⌈j·\(g)/\(t)⌉, \(t / g) query heads per K/V head)")
        }
        lines.append("Q_j = H · W^q_j: (\(n) × \(d)) · (\(d) × \(k)) = \(n) × \(k); K_j and V_j likewise")
        lines.append("scores_j = Q_j · K_jᵀ / √d_k: (\(n) × \(k)) · (\(k) × \(n)) = \(n) × \(n), scaled by 1/√\(k)")
        lines.append("head_j = softmax(scores_j) · V_j: (\(n) × \(n)) · (\(n) × \(k)) = \(n) × \(k)")
        if t > 1 {
            lines.append("a single head's output is \(n) × \(k), not \(n) × \(d): each head works in d_k = \(k) of the \(d) columns; only concatenating all \(t) heads gives \(t) · \(k) = \(r.concatDim) columns")
        } else {
            lines.append("with one head, d_k = d_model = \(d): the head's output is already \(n) × \(d)")
        }
        lines.append("concat = [head_1 | … | head_\(t)]: \(n) × \(r.concatDim)")
        lines.append("W^o: τ·d_k × d_model = \(r.concatDim) × \(d)")
        lines.append("output = concat · W^o: (\(n) × \(r.concatDim)) · (\(r.concatDim) × \(d)) = \(n) × \(d)")
        lines.append(parameterLine(r))
        lines.append("FLOPs = \(r.flopsPerToken)·n + \(r.flopsPerTokenSquared)·n²" + (r.flops.map { " = \($0) for n = \(n)" } ?? ""))
        return lines
    }

    /// How the missing width follows from the two given.
    private static func derivation(_ r: ShapeReport, given q: ShapeQuery) -> String {
        switch (q.modelDim, q.heads, q.headDim) {
        case (nil, _, _): return "d_model = τ · d_k = \(r.heads) · \(r.headDim) = \(r.modelDim)"
        case (_, nil, _): return "τ = d_model / d_k = \(r.modelDim) / \(r.headDim) = \(r.heads)"
        default: return "d_k = d_model / τ = \(r.modelDim) / \(r.heads) = \(r.headDim)"
        }
    }

    private static func parameterLine(_ r: ShapeReport) -> String {
        let count = { (name: String) in r.parameterCount(name) ?? 0 }
        return "parameters: W^q \(count("wq")) + W^k \(count("wk")) + W^v \(count("wv")) + W^o \(count("wo")) = \(count("weights")); with biases \(count("biases")) more = \(count("total"))"
    }
}
