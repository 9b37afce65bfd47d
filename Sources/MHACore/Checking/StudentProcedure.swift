/// A way of computing multi-head attention: the problem (possibly altered by a mistake) and
/// the rules of the computation, which a mistake may also change.
///
/// The steps are the engine's (`MultiHeadAttention.forward`) wherever the rule can be put to
/// the engine: interleaved heads are the engine on W^q, W^k, W^v with their columns
/// reordered (Q, K and V reported in the right order), reversed heads are the engine's heads
/// concatenated the other way and projected. Transposed scores, a softmax down the columns and
/// a causal mask without the diagonal recompute the heads here from the engine's Q, K and V
/// by a small reference computation.
public struct StudentProcedure: Sendable {
    /// How a head's columns are taken from Q, K and V.
    public enum HeadColumns: Sendable {
        /// Head j: columns j·d_k ..< (j+1)·d_k (right).
        case blocks
        /// Head j: columns j, j+τ, j+2τ, … (K/V head h: h, h+g, …).
        case interleaved
    }

    /// H, the weights in the xw layout (separate W^q, W^k, W^v), biases, mask, configuration.
    public var input: Matrix<Double>
    public var parameters: AttentionParameters<Double>
    public var mask: AttentionMask<Double>?
    public var configuration: AttentionConfiguration
    /// Scores as K_j·Q_jᵀ instead of Q_j·K_jᵀ.
    public var transposedScores = false
    /// Softmax down each column instead of along each row.
    public var softmaxDownColumns = false
    /// The causal mask lets query i see keys 0…i−1 only (not itself).
    public var causalExcludesSelf = false
    /// How heads take their columns.
    public var headColumns = HeadColumns.blocks
    /// Concat as [head_τ | … | head_1].
    public var reversedConcat = false
    /// Output = concat·W^o + b^o (false: the concat is given as the output).
    public var projectsOutput = true

    /// The right procedure for `problem`, with the weights brought to the xw layout.
    /// - Throws: `AttentionError` for anything the forward pass would refuse.
    public init(_ problem: AttentionProblem) throws(AttentionError) {
        let r = try ResolvedAttention(
            input: problem.input, memory: nil, parameters: problem.parameters, mask: problem.mask,
            configuration: problem.configuration)
        func row(_ b: [Double]?) -> Matrix<Double>? {
            b.map { Matrix(uncheckedRows: 1, columns: $0.count, elements: $0) }
        }
        input = problem.input
        parameters = AttentionParameters(
            wq: r.wq, wk: r.wk, wv: r.wv, wo: r.wo, bq: row(r.bq), bk: row(r.bk),
            bv: row(r.bv), bo: row(r.bo), layout: .xw)
        mask = problem.mask
        configuration = problem.configuration
    }

    /// Whether the scores and weights follow the textbook's rules (then the engine computes them).
    private var scoresAreStandard: Bool { !transposedScores && !softmaxDownColumns && !causalExcludesSelf }

    /// Every intermediate of this computation.
    /// - Throws: `AttentionError` when the forward pass refuses the (altered) problem.
    public func steps() throws(AttentionError) -> AttentionSteps {
        var keep = configuration
        keep.intermediates = [.qkv, .scores, .weights]
        var engineParameters = parameters
        let order = headColumns == .interleaved ? interleavedOrder() : nil
        if let order { engineParameters = reordered(parameters, order) }
        let result = try MultiHeadAttention.forward(
            input: input, parameters: engineParameters, mask: mask, configuration: keep)
        guard var steps = AttentionSteps(result) else {
            throw .projectionSource("the forward pass kept no intermediates")
        }
        if let order {  // the student's Q, K, V are right; only the heads' columns were taken wrongly
            steps.queries = Self.columns(steps.queries, Self.inverse(order.query))
            steps.keys = Self.columns(steps.keys, Self.inverse(order.key))
            steps.values = Self.columns(steps.values, Self.inverse(order.value))
        }
        if !scoresAreStandard { recomputeHeads(&steps) }
        if reversedConcat {
            steps.concat = Self.concatenated(steps.heads.reversed())
            steps.output = projected(steps.concat)
        }
        if !projectsOutput { steps.output = steps.concat }
        return steps
    }

    /// Column orders that put head j's interleaved columns (j, j+τ, …; K/V head h: h, h+g, …)
    /// in block j, for Q and for K, V.
    private func interleavedOrder() -> (query: [Int], key: [Int], value: [Int]) {
        let tau = configuration.heads, g = configuration.kvHeads ?? configuration.heads
        func order(_ count: Int, _ columns: Int) -> [Int] {
            let d = columns / max(count, 1)
            return (0..<count).flatMap { h in (0..<d).map { c in h + c * count } }
        }
        return (
            order(tau, parameters.wq?.columns ?? 0), order(g, parameters.wk?.columns ?? 0),
            order(g, parameters.wv?.columns ?? 0)
        )
    }

    /// The parameters with W^q, W^k, W^v (and their biases) columns taken in `order`.
    private func reordered(_ p: AttentionParameters<Double>, _ order: (query: [Int], key: [Int], value: [Int]))
        -> AttentionParameters<Double>
    {
        var r = p
        func take(_ m: Matrix<Double>?, _ o: [Int]) -> Matrix<Double>? {
            guard let m, m.columns == o.count else { return m }
            return Self.columns(m, o)
        }
        (r.wq, r.bq) = (take(p.wq, order.query), take(p.bq, order.query))
        (r.wk, r.bk) = (take(p.wk, order.key), take(p.bk, order.key))
        (r.wv, r.bv) = (take(p.wv, order.value), take(p.bv, order.value))
        return r
    }

    /// The columns of `m` in `order`.
    private static func columns(_ m: Matrix<Double>, _ order: [Int]) -> Matrix<Double> {
        guard m.columns == order.count else { return m }
        return Matrix(rows: m.rows, columns: order.count) { r, c in m[r, order[c]] }
    }

    /// The inverse of a permutation.
    private static func inverse(_ order: [Int]) -> [Int] {
        var inverse = [Int](repeating: 0, count: order.count)
        for (position, index) in order.enumerated() { inverse[index] = position }
        return inverse
    }

    /// [m_1 | … | m_k].
    private static func concatenated<C: Collection>(_ blocks: C) -> Matrix<Double> where C.Element == Matrix<Double> {
        let list = Array(blocks)
        var offsets: [Int] = []
        var width = 0
        for block in list {
            offsets.append(width)
            width += block.columns
        }
        var out = Matrix<Double>(rows: list.first?.rows ?? 0, columns: width)
        for (block, offset) in zip(list, offsets) {
            for r in 0..<block.rows { for c in 0..<block.columns { out[r, offset + c] = block[r, c] } }
        }
        return out
    }

    /// Scores, weights, heads, concat and output recomputed from Q, K, V under these rules
    /// (transposed scores, softmax down columns, causal mask without the diagonal).
    private func recomputeHeads(_ steps: inout AttentionSteps) {
        let s = steps.shapes
        var scoresList: [Matrix<Double>] = [], weightsList: [Matrix<Double>] = [], headsList: [Matrix<Double>] = []
        for j in 0..<s.heads {
            let kvHead = s.kvHead(for: j)
            let q = steps.queries.columnBlock(j * s.headDim..<(j + 1) * s.headDim)
            let k = steps.keys.columnBlock(kvHead * s.headDim..<(kvHead + 1) * s.headDim)
            let v = steps.values.columnBlock(kvHead * s.valueDim..<(kvHead + 1) * s.valueDim)
            var scores = transposedScores ? Kernels.productTransposed(k, q) : Kernels.productTransposed(q, k)
            scores = Matrix(rows: scores.rows, columns: scores.columns) { r, c in scores[r, c] * s.scale }
            var weights = Matrix(rows: scores.rows, columns: scores.columns) { r, c in
                isVisible(query: (s.token ?? 0) + r, key: c, tokens: s.tokens) ? scores[r, c] : -Double.infinity
            }
            if softmaxDownColumns {
                var down = weights.transposed
                Kernels.softmaxRows(&down)
                weights = down.transposed
            } else {
                Kernels.softmaxRows(&weights)
            }
            scoresList.append(scores)
            weightsList.append(weights)
            headsList.append(Kernels.product(weights, v))
        }
        let concat = Self.concatenated(headsList)
        steps.scores = scoresList
        steps.weights = weightsList
        steps.heads = headsList
        steps.concat = concat
        steps.output = projected(concat)
    }

    /// concat·W^o + b^o.
    private func projected(_ concat: Matrix<Double>) -> Matrix<Double> {
        var y = Kernels.product(concat, parameters.wo)
        if let b = parameters.bo {
            y = Matrix(rows: y.rows, columns: y.columns) { r, c in y[r, c] + b.elements[c] }
        }
        return y
    }

    /// Whether the query at position `query` sees `key` under the causal rule and a 0/1 mask
    /// (an n × n one, or a 1 × n key-padding row; the reference computation runs only for
    /// plain scores, `ProblemFacts.plainScores`).
    private func isVisible(query: Int, key: Int, tokens: Int) -> Bool {
        if configuration.causal && (causalExcludesSelf ? key >= query : key > query) { return false }
        guard let mask else { return true }
        let row = mask.values.rows == 1 ? 0 : query
        guard row < mask.values.rows, key < mask.values.columns else { return true }
        let value = mask.values[row, key]
        return mask.kind == .block ? value == 0 : value == 1
    }
}
