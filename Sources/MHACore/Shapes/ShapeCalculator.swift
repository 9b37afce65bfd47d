/// The dimension calculator (docs/contract.md, `shapes`, §3 and §4): a pure function of the query.
///
///     let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 768, heads: 12))
///     r.headDim                         // 64
///     r.tensor("wq_j")?.columns         // .size(64)
///
/// Shape legend: n query rows, n_k key rows (n in self-attention), d_model, τ heads, g K/V
/// heads, d_k query/key width, d_v value width, d_mem the memory's width (d_model in
/// self-attention).
public enum ShapeCalculator {
    /// Completes d_model = τ·d_k from any two of them (or takes all three, when the heads are
    /// not d_model/τ wide) and derives every shape, the parameter and FLOP counts and the
    /// KV-cache size.
    /// - Throws: `ShapeError` (a usage error) explaining the arithmetic when the dimensions
    ///   are missing, non-positive, not divisible, or overflow.
    public static func solve(_ query: ShapeQuery) throws(ShapeError) -> ShapeReport {
        let (d, t, k) = try widths(query)
        let g = query.kvHeads ?? t
        let v = query.valueDim ?? k
        for (name, value) in [("kv_heads", g), ("value_dim", v)] { try requirePositive(name, value) }
        guard t % g == 0 else { throw .notDivisible(dividendName: "heads", dividend: t, divisorName: "kv_heads", divisor: g) }
        for case let (name, value?) in [("seq_len", query.seqLen), ("memory_len", query.memoryLen),
                                         ("memory_dim", query.memoryDim), ("layers", query.layers)] {
            try requirePositive(name, value)
        }
        let memory = query.isCrossAttention ? ShapeReport.Memory(length: query.memoryLen, width: query.memoryDim ?? d) : nil
        let w = try Widths(d: d, t: t, k: k, v: v, g: g, dMem: memory?.width ?? d)
        let parameters = try parameterCounts(w)
        let counts = try flopCoefficients(w, cross: memory != nil)
        let flops = try totalFlops(counts, n: query.seqLen, nk: memory == nil ? query.seqLen : memory?.length)
        return ShapeReport(
            modelDim: d, heads: t, headDim: k, valueDim: v, kvHeads: g, concatDim: w.concat, seqLen: query.seqLen,
            memory: memory, tensors: tensors(w, n: query.seqLen, memory: memory), parameters: parameters,
            flopsPerToken: counts.perQuery, flopsPerTokenSquared: counts.perPair, flopsPerMemoryToken: counts.perMemory,
            flops: flops, kvCache: try cacheSize(query, w, cachedTokens: memory == nil ? query.seqLen : memory?.length))
    }

    /// The widths of one problem with their overflow-checked products.
    private struct Widths {
        var d, t, k, v, g, dMem: Int
        /// τ·d_k (Q's width), τ·d_v (the concat's), g·d_k (K's), g·d_v (V's).
        var queryDim, concat, keyDim, valueDim: Int

        init(d: Int, t: Int, k: Int, v: Int, g: Int, dMem: Int) throws(ShapeError) {
            (self.d, self.t, self.k, self.v, self.g, self.dMem) = (d, t, k, v, g, dMem)
            queryDim = try product(t, k)
            concat = try product(t, v)
            keyDim = try product(g, k)
            valueDim = try product(g, v)
        }
    }

    /// d_model, τ, d_k from any two, or all three as given.
    private static func widths(_ q: ShapeQuery) throws(ShapeError) -> (Int, Int, Int) {
        let given = [("d_model", q.modelDim), ("heads", q.heads), ("head_dim", q.headDim)]
        for case let (name, value?) in given { try requirePositive(name, value) }
        switch (q.modelDim, q.heads, q.headDim) {
        case let (d?, t?, k?):
            return (d, t, k)
        case let (d?, t?, nil):
            guard d % t == 0 else { throw .notDivisible(dividendName: "d_model", dividend: d, divisorName: "heads", divisor: t) }
            return (d, t, d / t)
        case let (d?, nil, k?):
            guard d % k == 0 else { throw .notDivisible(dividendName: "d_model", dividend: d, divisorName: "head_dim", divisor: k) }
            return (d, d / k, k)
        case let (nil, t?, k?):
            return (try product(t, k), t, k)
        default:
            throw .underdetermined(given: given.filter { $0.1 != nil }.map(\.0))
        }
    }

    /// wq, wk, wv, wo, their sum, the biases (b^q τ·d_k, b^k g·d_k, b^v g·d_v, b^o d_model)
    /// and the total.
    private static func parameterCounts(_ w: Widths) throws(ShapeError) -> [ParameterCount] {
        let weights = try [("wq", product(w.d, w.queryDim)), ("wk", product(w.dMem, w.keyDim)),
                           ("wv", product(w.dMem, w.valueDim)), ("wo", product(w.concat, w.d))]
        let weightTotal = try sum(weights.map(\.1))
        let biases = try sum([w.queryDim, w.keyDim, w.valueDim, w.d])
        let all = weights + [("weights", weightTotal), ("biases", biases), ("total", try sum([weightTotal, biases]))]
        return all.map { ParameterCount(name: $0.0, count: $0.1) }
    }

    /// FLOPs (2 per multiply-add) per query row, per memory row, per query–key pair. In
    /// self-attention the K and V projections count per query row (n_k = n).
    private static func flopCoefficients(_ w: Widths, cross: Bool) throws(ShapeError)
        -> (perQuery: Int, perMemory: Int, perPair: Int) {
        let queryAndOutput = try sum([product(2, product(w.d, w.queryDim)), product(2, product(w.concat, w.d))])
        let keyAndValue = try product(2, product(w.dMem, sum([w.keyDim, w.valueDim])))
        let perPair = try product(2, sum([w.queryDim, w.concat]))
        return cross ? (queryAndOutput, keyAndValue, perPair) : (try sum([queryAndOutput, keyAndValue]), 0, perPair)
    }

    /// perQuery·n + perMemory·n_k + perPair·n·n_k, when n and n_k are known.
    private static func totalFlops(_ c: (perQuery: Int, perMemory: Int, perPair: Int), n: Int?, nk: Int?)
        throws(ShapeError) -> Int? {
        guard let n, let nk else { return nil }
        do {
            return try sum([product(c.perQuery, n), product(c.perMemory, nk), product(product(c.perPair, n), nk)])
        } catch {
            throw .overflow("the FLOP count for n = \(n)" + (c.perMemory == 0 ? "" : " and n_k = \(nk)"))
        }
    }

    /// L·g·(d_k + d_v)·bytes per token, and for `cachedTokens` when known; nil unless asked.
    private static func cacheSize(_ q: ShapeQuery, _ w: Widths, cachedTokens: Int?) throws(ShapeError) -> KVCacheSize? {
        guard q.asksForCache else { return nil }
        let layers = q.layers ?? 1
        let element = q.cacheElement ?? .f64
        let perToken = try product(product(layers, sum([w.keyDim, w.valueDim])), element.bytes)
        let bytes = try cachedTokens.map { tokens throws(ShapeError) in try product(perToken, tokens) }
        return KVCacheSize(layers: layers, element: element, bytesPerToken: perToken, bytes: bytes)
    }

    /// Every tensor's shape, in the order of the computation.
    private static func tensors(_ w: Widths, n: Int?, memory: ShapeReport.Memory?) -> [TensorShape] {
        let rows: Dimension = n.map { .size($0) } ?? .symbol("n")
        let keys: Dimension = memory.map { m in m.length.map { .size($0) } ?? .symbol("n_k") } ?? rows
        let fromMemory = memory == nil ? "" : " (from M)"
        func shape(_ name: String, _ symbol: String, _ r: Dimension, _ c: Int, _ meaning: String) -> TensorShape {
            TensorShape(name: name, symbol: symbol, rows: r, columns: .size(c), meaning: meaning)
        }
        var list = [shape("input", "H", rows, w.d, memory == nil ? "one row per token" : "one row per query token")]
        if let memory { list.append(shape("memory", "M", keys, memory.width, "one row per memory token (keys and values)")) }
        list += [
            shape("wq", "W^q", .size(w.d), w.queryDim, "query projection"),
            shape("wq_j", "W^q_j", .size(w.d), w.k, "head j's columns of W^q"),
            shape("wk", "W^k", .size(w.dMem), w.keyDim, "key projection"),
            shape("wk_j", "W^k_j", .size(w.dMem), w.k, "key/value head's columns of W^k"),
            shape("wv", "W^v", .size(w.dMem), w.valueDim, "value projection"),
            shape("wv_j", "W^v_j", .size(w.dMem), w.v, "key/value head's columns of W^v"),
            shape("q", "Q", rows, w.queryDim, "H·W^q"),
            shape("q_j", "Q_j", rows, w.k, "head j's queries"),
            shape("k_j", "K_j", keys, w.k, "head j's keys\(fromMemory)"),
            shape("v_j", "V_j", keys, w.v, "head j's values\(fromMemory)"),
        ]
        list.append(TensorShape(name: "scores_j", symbol: "scores_j", rows: rows, columns: keys, meaning: "Q_j·K_jᵀ / √d_k"))
        list.append(TensorShape(name: "weights_j", symbol: "weights_j", rows: rows, columns: keys,
                                meaning: "softmax of each row of scores_j"))
        list += [
            shape("head_j", "head_j", rows, w.v, "weights_j·V_j"),
            shape("concat", "concat", rows, w.concat, "[head_1 | … | head_τ]"),
            shape("wo", "W^o", .size(w.concat), w.d, "output projection"),
            shape("output", "output", rows, w.d, "concat·W^o"),
        ]
        return list
    }

    private static func requirePositive(_ name: String, _ value: Int) throws(ShapeError) {
        guard value > 0 else { throw .nonPositive(name: name, value: value) }
    }

    private static func product(_ a: Int, _ b: Int) throws(ShapeError) -> Int {
        guard let value = CheckedArithmetic.product(a, b) else { throw .overflow("\(a) × \(b)") }
        return value
    }

    private static func sum(_ values: [Int]) throws(ShapeError) -> Int {
        guard let total = CheckedArithmetic.sum(values) else {
            throw .overflow("the sum \(values.map(String.init).joined(separator: " + "))")
        }
        return total
    }
}
