import MHACore

/// The dimension arithmetic written out as a student would write it (`shapes --explain`).
enum ShapeExplanation {
    /// One line per step, from the given widths to the output, the parameter and FLOP counts
    /// and, when asked, the KV cache.
    static func lines(for r: ShapeReport, given q: ShapeQuery) -> [String] {
        let (d, t, k, v) = (r.modelDim, r.heads, r.headDim, r.valueDim)
        let n = r.seqLen.map(String.init) ?? "n"
        let nk = r.memory.map { $0.length.map(String.init) ?? "n_k" } ?? n
        let dv = v == k ? "d_k" : "d_v"
        var lines = [derivation(r, given: q)]
        if v != k {
            lines.append(
                "d_v = \(v) given: each head's values and output are \(v) wide (its queries and keys d_k = \(k))")
        }
        lines.append("concat = τ · \(dv) = \(t) · \(v) = \(r.concatDim)")
        lines.append("H: n × d_model = \(n) × \(d)")
        if let memory = r.memory {
            lines.append(
                "M (the memory): n_k × d_mem = \(nk) × \(memory.width); queries come from H, keys and values from M (cross-attention)"
            )
        }
        let wq =
            r.hasCustomHeadDim
            ? "d_model × τ·d_k = \(d) × \(t) · \(k) = \(d) × \(t * k)" : "d_model × d_model = \(d) × \(d)"
        lines.append("W^q: \(wq); head j (1…\(t)) uses the slice W^q_j: \(d) × \(k) (columns (j−1)·\(k) ..< j·\(k))")
        lines.append(keyValueWeights(r))
        lines.append(contentsOf: projections(r, n: n, nk: nk))
        lines.append("scores_j = Q_j · K_jᵀ / √d_k: (\(n) × \(k)) · (\(k) × \(nk)) = \(n) × \(nk), scaled by 1/√\(k)")
        lines.append("head_j = softmax(scores_j) · V_j: (\(n) × \(nk)) · (\(nk) × \(v)) = \(n) × \(v)")
        lines.append(headWidth(r, n: n))
        lines.append("concat = \(HeadList.text(t)): \(n) × \(r.concatDim)")
        lines.append("W^o: τ·\(dv) × d_model = \(r.concatDim) × \(d)")
        lines.append("output = concat · W^o: (\(n) × \(r.concatDim)) · (\(r.concatDim) × \(d)) = \(n) × \(d)")
        lines.append(parameterLine(r))
        lines.append(
            "FLOPs = \(r.flopsFormula)" + (r.flops.map { " = \($0) for \(ShapesReport.countsGiven(r))" } ?? ""))
        if let cache = r.kvCache { lines += cacheLines(cache, r) }
        return lines
    }

    /// How the missing width follows from the two given (or why all three stand).
    private static func derivation(_ r: ShapeReport, given q: ShapeQuery) -> String {
        switch (q.modelDim, q.heads, q.headDim) {
        case (nil, _, _): return "d_model = τ · d_k = \(r.heads) · \(r.headDim) = \(r.modelDim)"
        case (_, nil, _): return "τ = d_model / d_k = \(r.modelDim) / \(r.headDim) = \(r.heads)"
        case (_, _, .some) where r.hasCustomHeadDim:
            return
                "d_k = \(r.headDim) given: τ · d_k = \(r.heads) · \(r.headDim) = \(r.heads * r.headDim) ≠ d_model = \(r.modelDim), so the heads are not d_model/τ wide (as in Gemma): W^q is d_model × τ·d_k and W^o is τ·\(r.valueDim == r.headDim ? "d_k" : "d_v") × d_model"
        default: return "d_k = d_model / τ = \(r.modelDim) / \(r.heads) = \(r.headDim)"
        }
    }

    /// W^k and W^v: the textbook's square case in one short line, else each with its rows
    /// (d_model, or d_mem in cross-attention) and the K/V head grouping.
    private static func keyValueWeights(_ r: ShapeReport) -> String {
        let (d, t, k, v, g) = (r.modelDim, r.heads, r.headDim, r.valueDim, r.kvHeads)
        let grouping =
            g == t
            ? "" : " (\(g) kv_heads; query head j uses K/V head ⌈j·\(g)/\(t)⌉, \(t / g) query heads per K/V head)"
        let rows = r.memory?.width ?? d
        let rowName = r.memory == nil ? "d_model" : "d_mem"
        if r.memory == nil, v == k, !r.hasCustomHeadDim {
            if g == t { return "W^k, W^v: \(d) × \(d); slices W^k_j, W^v_j: \(d) × \(k)" }
            return "W^k, W^v: d_model × g·d_k = \(d) × \(g) · \(k) = \(d) × \(g * k)" + grouping
        }
        return
            "W^k: \(rowName) × g·d_k = \(rows) × \(g) · \(k) = \(rows) × \(g * k); W^v: \(rowName) × g·d_v = \(rows) × \(g) · \(v) = \(rows) × \(g * v)"
            + grouping
    }

    /// Q_j, K_j, V_j as products; one line when K_j and V_j follow Q_j's pattern.
    private static func projections(_ r: ShapeReport, n: String, nk: String) -> [String] {
        let (d, k, v) = (r.modelDim, r.headDim, r.valueDim)
        let query = "Q_j = H · W^q_j: (\(n) × \(d)) · (\(d) × \(k)) = \(n) × \(k)"
        guard r.memory != nil || v != k else { return [query + "; K_j and V_j likewise"] }
        let (source, rows) = r.memory.map { ("M", $0.width) } ?? ("H", d)
        return [
            query,
            "K_j = \(source) · W^k_j: (\(nk) × \(rows)) · (\(rows) × \(k)) = \(nk) × \(k); V_j = \(source) · W^v_j: (\(nk) × \(rows)) · (\(rows) × \(v)) = \(nk) × \(v)",
        ]
    }

    /// Why one head's output is narrower than the model (or, with one head, is not).
    private static func headWidth(_ r: ShapeReport, n: String) -> String {
        let (d, t, v) = (r.modelDim, r.heads, r.valueDim)
        let dv = v == r.headDim ? "d_k" : "d_v"
        guard t > 1 else {
            return v == d
                ? "with one head, d_k = d_model = \(d): the head's output is already \(n) × \(d)"
                : "with one head, the head's output is \(n) × \(v) and W^o maps it to \(n) × \(d)"
        }
        let concat = "only concatenating all \(t) heads gives \(t) · \(v) = \(r.concatDim) columns"
        guard r.concatDim == d else {
            return
                "a single head's output is \(n) × \(v), not \(n) × \(d): \(concat), and W^o maps those to d_model = \(d)"
        }
        return
            "a single head's output is \(n) × \(v), not \(n) × \(d): each head works in \(dv) = \(v) of the \(d) columns; \(concat)"
    }

    private static func parameterLine(_ r: ShapeReport) -> String {
        let count = { (name: String) in r.parameterCount(name) ?? 0 }
        return
            "parameters: W^q \(count("wq")) + W^k \(count("wk")) + W^v \(count("wv")) + W^o \(count("wo")) = \(count("weights")); with biases \(count("biases")) more = \(count("total"))"
    }

    /// The KV cache per token, as the product it is, then for the known token count.
    private static func cacheLines(_ cache: KVCacheSize, _ r: ShapeReport) -> [String] {
        let (g, k, v) = (r.kvHeads, r.headDim, r.valueDim)
        let formula =
            v == k
            ? "2 · L · g · d_k · bytes = 2 · \(cache.layers) · \(g) · \(k) · \(cache.element.bytes)"
            : "L · g · (d_k + d_v) · bytes = \(cache.layers) · \(g) · (\(k) + \(v)) · \(cache.element.bytes)"
        let unit = r.memory == nil ? "token" : "memory token"
        var lines = [
            "KV cache per \(unit) = \(formula) (\(cache.element.rawValue)) = \(ShapesReport.bytes(cache.bytesPerToken)): each of the \(cache.layers) \(cache.layers == 1 ? "layer" : "layers") keeps a key row (g·d_k = \(g * k) values) and a value row (g·d_v = \(g * v) values) per \(unit)"
        ]
        let tokens = r.memory == nil ? r.seqLen : r.memory?.length
        if let total = cache.bytes, let tokens {
            lines.append(
                "KV cache for \(tokens) \(unit)s = \(cache.bytesPerToken) · \(tokens) = \(ShapesReport.bytes(total))")
        }
        if r.memory != nil {
            lines.append(
                "in cross-attention the cache holds the memory's keys and values, computed once for all queries")
        }
        return lines
    }
}
