/// The dimension calculator (docs/contract.md, `shapes`): a pure function of the query.
///
///     let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 768, heads: 12))
///     r.headDim                         // 64
///     r.tensor("wq_j")?.columns         // .size(64)
public enum ShapeCalculator {
    /// Completes d_model = τ·d_k from any two of them and derives every shape.
    /// - Throws: `ShapeError` (a usage error) explaining the arithmetic when the dimensions
    ///   are missing, non-positive, not divisible, inconsistent, or overflow.
    public static func solve(_ query: ShapeQuery) throws(ShapeError) -> ShapeReport {
        let (d, t, k) = try widths(query)
        let g = query.kvHeads ?? t
        try requirePositive("kv_heads", g)
        guard t % g == 0 else { throw .notDivisible(dividendName: "heads", dividend: t, divisorName: "kv_heads", divisor: g) }
        if let n = query.seqLen { try requirePositive("seq_len", n) }
        let kvDim = g * k
        let weights = try [("wq", product(d, d)), ("wk", product(d, kvDim)), ("wv", product(d, kvDim)),
                           ("wo", product(d, d))]
        let weightTotal = try sum(weights.map(\.1))
        let biases = try sum([d, kvDim, kvDim, d])
        let parameters = weights + [("weights", weightTotal), ("biases", biases),
                                    ("total", try sum([weightTotal, biases]))]
        // 2 FLOPs per multiply-add: projections Q, K, V, O, then scores and weights·V.
        let dd = try product(2, product(d, d))
        let perToken = try sum([dd, product(product(4, d), kvDim), dd])
        let perTokenSquared = try product(4, d)
        var flops: Int?
        if let n = query.seqLen {
            do {
                flops = try sum([product(perToken, n), product(product(perTokenSquared, n), n)])
            } catch {
                throw .overflow("the FLOP count \(perToken)·n + \(perTokenSquared)·n² for n = \(n)")
            }
        }
        return ShapeReport(
            modelDim: d, heads: t, headDim: k, kvHeads: g, concatDim: t * k, seqLen: query.seqLen,
            tensors: tensors(d: d, t: t, k: k, g: g, n: query.seqLen), parameters: parameters.map { ParameterCount(name: $0.0, count: $0.1) },
            flopsPerToken: perToken, flopsPerTokenSquared: perTokenSquared, flops: flops)
    }

    /// d_model, τ, d_k from any two (checking the third when all three are given).
    private static func widths(_ q: ShapeQuery) throws(ShapeError) -> (Int, Int, Int) {
        let given = [("d_model", q.modelDim), ("heads", q.heads), ("head_dim", q.headDim)]
        for case let (name, value?) in given { try requirePositive(name, value) }
        switch (q.modelDim, q.heads, q.headDim) {
        case let (d?, t?, k?):
            guard t.multipliedReportingOverflow(by: k) == (d, false) else { throw .inconsistent(modelDim: d, heads: t, headDim: k) }
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

    /// Every tensor's shape, in the order of the computation.
    private static func tensors(d: Int, t: Int, k: Int, g: Int, n: Int?) -> [TensorShape] {
        let rows: Dimension = n.map { .size($0) } ?? .symbol("n")
        func shape(_ name: String, _ symbol: String, _ r: Dimension, _ c: Dimension, _ meaning: String) -> TensorShape {
            TensorShape(name: name, symbol: symbol, rows: r, columns: c, meaning: meaning)
        }
        return [
            shape("input", "H", rows, .size(d), "one row per token"),
            shape("wq", "W^q", .size(d), .size(d), "query projection"),
            shape("wq_j", "W^q_j", .size(d), .size(k), "head j's columns of W^q"),
            shape("wk", "W^k", .size(d), .size(g * k), "key projection"),
            shape("wk_j", "W^k_j", .size(d), .size(k), "key/value head's columns of W^k"),
            shape("wv", "W^v", .size(d), .size(g * k), "value projection"),
            shape("wv_j", "W^v_j", .size(d), .size(k), "key/value head's columns of W^v"),
            shape("q", "Q", rows, .size(d), "H·W^q"),
            shape("q_j", "Q_j", rows, .size(k), "head j's queries"),
            shape("k_j", "K_j", rows, .size(k), "head j's keys"),
            shape("v_j", "V_j", rows, .size(k), "head j's values"),
            shape("scores_j", "scores_j", rows, rows, "Q_j·K_jᵀ / √d_k"),
            shape("weights_j", "weights_j", rows, rows, "softmax of each row of scores_j"),
            shape("head_j", "head_j", rows, .size(k), "weights_j·V_j"),
            shape("concat", "concat", rows, .size(t * k), "[head_1 | … | head_τ]"),
            shape("wo", "W^o", .size(t * k), .size(d), "output projection"),
            shape("output", "output", rows, .size(d), "concat·W^o"),
        ]
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
