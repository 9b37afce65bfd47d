/// A way of computing multi-head attention: the problem (possibly altered by a mistake) and
/// the rules of the computation, which a mistake may also change.
///
/// With every rule at its default the steps are the engine's (`MultiHeadAttention.forward`);
/// otherwise the heads are recomputed here from the engine's Q, K and V by a small reference
/// computation that follows the changed rules.
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
    public var mask: Matrix<Double>?
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
        let r = try ResolvedAttention(input: problem.input, parameters: problem.parameters, mask: problem.mask,
                                      configuration: problem.configuration)
        func row(_ b: [Double]?) -> Matrix<Double>? { b.map { Matrix(uncheckedRows: 1, columns: $0.count, elements: $0) } }
        input = problem.input
        parameters = AttentionParameters(wq: r.wq, wk: r.wk, wv: r.wv, wo: r.wo, bq: row(r.bq), bk: row(r.bk),
                                         bv: row(r.bv), bo: row(r.bo), layout: .xw)
        mask = problem.mask
        configuration = problem.configuration
    }

    /// Whether the heads follow the textbook's rules (then the engine computes them).
    private var headsAreStandard: Bool {
        !transposedScores && !softmaxDownColumns && !causalExcludesSelf && headColumns == .blocks && !reversedConcat
    }

    /// Every intermediate of this computation.
    /// - Throws: `AttentionError` when the forward pass refuses the (altered) problem.
    public func steps() throws(AttentionError) -> AttentionSteps {
        var keep = configuration
        keep.intermediates = [.qkv, .scores, .weights]
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, mask: mask, configuration: keep)
        guard var steps = AttentionSteps(result) else { throw .projectionSource("the forward pass kept no intermediates") }
        if !headsAreStandard { recomputeHeads(&steps) }
        if !projectsOutput { steps.output = steps.concat }
        return steps
    }

    /// Scores, weights, heads, concat and output recomputed from Q, K, V under these rules.
    private func recomputeHeads(_ steps: inout AttentionSteps) {
        let s = steps.shapes
        var scoresList: [Matrix<Double>] = [], weightsList: [Matrix<Double>] = [], headsList: [Matrix<Double>] = []
        for j in 0..<s.heads {
            let q = columns(steps.queries, head: j, of: s.heads, width: s.headDim)
            let kvHead = s.kvHead(for: j)
            let k = columns(steps.keys, head: kvHead, of: s.kvHeads, width: s.headDim)
            let v = columns(steps.values, head: kvHead, of: s.kvHeads, width: s.headDim)
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
        let ordered = reversedConcat ? headsList.reversed() : headsList
        let concat = Matrix(rows: ordered.first?.rows ?? 0, columns: ordered.map(\.columns).reduce(0, +)) { r, c in
            ordered[c / s.headDim][r, c % s.headDim]
        }
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

    /// The d_k columns of head `head` (of `count` heads) in `m`, by `headColumns`.
    private func columns(_ m: Matrix<Double>, head: Int, of count: Int, width: Int) -> Matrix<Double> {
        switch headColumns {
        case .blocks:
            return m.columnBlock(head * width ..< (head + 1) * width)
        case .interleaved:
            return Matrix(rows: m.rows, columns: width) { r, c in m[r, head + c * count] }
        }
    }

    /// Whether the query at position `query` sees `key` under the causal rule and the mask.
    private func isVisible(query: Int, key: Int, tokens: Int) -> Bool {
        if configuration.causal && (causalExcludesSelf ? key >= query : key > query) { return false }
        guard let mask, query < mask.rows, key < mask.columns else { return true }
        return mask[query, key] == 1
    }
}
