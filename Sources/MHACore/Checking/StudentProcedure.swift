/// A way of computing multi-head attention: the problem (possibly altered by a mistake) and
/// the rules of the computation, which a mistake may also change.
///
/// The steps are the engine's (`MultiHeadAttention.forward`, or `attend` for given Q, K, V)
/// wherever the rule can be put to the engine: interleaved heads are the engine on W^q, W^k,
/// W^v (or on Q, K, V) with their columns reordered (Q, K and V reported in the right order),
/// reversed heads are the engine's heads concatenated the other way and projected. Transposed
/// scores, a softmax down the columns and a causal mask without the diagonal take the
/// engine's scaled scores (with RoPE and a QK-norm, of the rotated, normalised Q and K) and
/// apply the rest of the score rules (soft-cap, ALiBi, causal, window, the user mask) and
/// the softmax here, changed only as the mistake changes them.
public struct StudentProcedure: Sendable {
    /// How a head's columns are taken from Q, K and V.
    public enum HeadColumns: Sendable {
        /// Head j: columns j·d_k ..< (j+1)·d_k (right).
        case blocks
        /// Head j: columns j, j+τ, j+2τ, … (K/V head h: h, h+g, …).
        case interleaved
    }

    /// H and the weights in the xw layout (separate W^q, W^k, W^v), or the given Q, K, V.
    public var operands: AttentionProblem.Operands
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
        switch problem.operands {
        case let .projected(input, parameters):
            let r = try ResolvedAttention(
                input: input, memory: nil, parameters: parameters, mask: problem.mask,
                configuration: problem.configuration)
            func row(_ b: [Double]?) -> Matrix<Double>? {
                b.map { Matrix(uncheckedRows: 1, columns: $0.count, elements: $0) }
            }
            operands = .projected(
                input: input,
                parameters: AttentionParameters(
                    wq: r.wq, wk: r.wk, wv: r.wv, wo: r.wo, bq: row(r.bq), bk: row(r.bk),
                    bv: row(r.bv), bo: row(r.bo), layout: .xw))
        case .given:
            operands = problem.operands
        }
        mask = problem.mask
        configuration = problem.configuration
    }

    /// Changes the weights and biases (a mistake in them); given Q, K, V have none.
    public mutating func changeWeights(_ change: (inout AttentionParameters<Double>) -> Void) {
        guard case .projected(let input, var parameters) = operands else { return }
        change(&parameters)
        operands = .projected(input: input, parameters: parameters)
    }

    /// Whether the scores and weights follow the textbook's rules (then the engine computes them).
    private var scoresAreStandard: Bool { !transposedScores && !softmaxDownColumns && !causalExcludesSelf }

    /// Every intermediate of this computation.
    /// - Throws: `AttentionError` when the forward pass refuses the (altered) problem.
    public func steps() throws(AttentionError) -> AttentionSteps {
        var keep = configuration
        keep.intermediates = [.qkv, .scores, .weights]
        let result: AttentionResult<Double>
        var order: (query: [Int], key: [Int], value: [Int])?
        var wo: (matrix: Matrix<Double>, bias: Matrix<Double>?)?
        switch operands {
        case let .projected(input, parameters):
            if headColumns == .interleaved {
                order = interleavedOrder(
                    parameters.wq?.columns ?? 0, parameters.wk?.columns ?? 0, parameters.wv?.columns ?? 0)
            }
            result = try MultiHeadAttention.forward(
                input: input, parameters: order.map { reordered(parameters, $0) } ?? parameters, mask: mask,
                configuration: keep)
            wo = (parameters.wo, parameters.bo)
        case let .given(q, k, v):
            if headColumns == .interleaved { order = interleavedOrder(q.columns, k.columns, v.columns) }
            func take(_ m: Matrix<Double>, _ o: [Int]?) -> Matrix<Double> { o.map { Self.columns(m, $0) } ?? m }
            result = try MultiHeadAttention.attend(
                queries: take(q, order?.query), keys: take(k, order?.key), values: take(v, order?.value),
                mask: mask, configuration: keep)
        }
        guard var steps = AttentionSteps(result) else {
            throw .projectionSource("the forward pass kept no intermediates")
        }
        if let order {  // the student's Q, K, V are right; only the heads' columns were taken wrongly
            steps.queries = Self.columns(steps.queries, Self.inverse(order.query))
            steps.keys = Self.columns(steps.keys, Self.inverse(order.key))
            steps.values = Self.columns(steps.values, Self.inverse(order.value))
        }
        func project(_ concat: Matrix<Double>) -> Matrix<Double> {
            wo.map { Self.projected(concat, $0.matrix, $0.bias) } ?? concat
        }
        if !scoresAreStandard {
            recomputeHeads(&steps)
            steps.output = project(steps.concat)
        }
        if reversedConcat {
            steps.concat = Self.concatenated(steps.heads.reversed())
            steps.output = project(steps.concat)
        }
        if !projectsOutput { steps.output = steps.concat }
        return steps
    }

    /// Column orders that put head j's interleaved columns (j, j+τ, …; K/V head h: h, h+g, …)
    /// in block j, for Q and for K, V.
    private func interleavedOrder(_ queryColumns: Int, _ keyColumns: Int, _ valueColumns: Int)
        -> (query: [Int], key: [Int], value: [Int])
    {
        let tau = configuration.heads, g = configuration.kvHeads ?? configuration.heads
        func order(_ count: Int, _ columns: Int) -> [Int] {
            let d = columns / max(count, 1)
            return (0..<count).flatMap { h in (0..<d).map { c in h + c * count } }
        }
        return (order(tau, queryColumns), order(g, keyColumns), order(g, valueColumns))
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

    /// Scores, weights, heads and concat recomputed under these rules (transposed scores,
    /// softmax down columns, causal mask without the diagonal) from the engine's scaled
    /// scores and V.
    private func recomputeHeads(_ steps: inout AttentionSteps) {
        let s = steps.shapes
        let userMask = mask.flatMap { try? ResolvedMask($0, queries: s.tokens, keys: s.keyCount) }
        let slopes = configuration.alibi ? ALiBi.slopes(validHeads: s.heads) : nil
        var logitsList: [Matrix<Double>] = [], weightsList: [Matrix<Double>] = [], headsList: [Matrix<Double>] = []
        for j in 0..<s.heads {
            let kvHead = s.kvHead(for: j)
            let v = steps.values.columnBlock(kvHead * s.valueDim..<(kvHead + 1) * s.valueDim)
            let scaled = transposedScores ? steps.scores[j].transposed : steps.scores[j]
            let logits = ruled(scaled, slope: slopes?[j], mask: userMask, shapes: s)
            var weights = logits
            if softmaxDownColumns {
                var down = weights.transposed
                _ = Kernels.softmaxRows(&down)
                weights = down.transposed
            } else {
                _ = Kernels.softmaxRows(&weights)
            }
            if transposedScores { steps.scores[j] = scaled }
            logitsList.append(logits)
            weightsList.append(weights)
            headsList.append(Kernels.product(weights, v))
        }
        steps.maskedScores = logitsList
        steps.weights = weightsList
        steps.heads = headsList
        steps.concat = Self.concatenated(headsList)
    }

    /// The logits the softmax sees from scaled scores, under the problem's score rules
    /// (`ScoreRule`: soft-cap, ALiBi, the causal and window range, then the user mask), with
    /// the diagonal blocked too when the causal mask excludes it.
    func ruled(
        _ scaled: Matrix<Double>, slope: Double?, mask: ResolvedMask<Double>?, shapes s: AttentionShapes
    ) -> Matrix<Double> {
        let rule = ScoreRule<Double>(
            scale: 1, softcap: configuration.softcap, slope: slope, causal: configuration.causal,
            window: configuration.window)
        let firstRow = s.computedRows.lowerBound
        return Matrix(rows: scaled.rows, columns: scaled.columns) { r, t in
            let row = firstRow + r
            let position = row + s.keyCount - s.tokens  // in key coordinates, as the kernels count
            let hidden = causalExcludesSelf && configuration.causal && t == position
            guard rule.visibleKeys(position: position, keyCount: scaled.columns).contains(t), !hidden else {
                return -.infinity
            }
            return rule.logit(scaled[r, t], key: t, position: position, row: 0)
                + (mask.map { $0.value(row: row, key: t) } ?? 0)
        }
    }

    /// concat·W^o + b^o.
    private static func projected(_ concat: Matrix<Double>, _ wo: Matrix<Double>, _ bo: Matrix<Double>?)
        -> Matrix<Double>
    {
        var y = Kernels.product(concat, wo)
        if let b = bo {
            y = Matrix(rows: y.rows, columns: y.columns) { r, c in y[r, c] + b.elements[c] }
        }
        return y
    }
}
