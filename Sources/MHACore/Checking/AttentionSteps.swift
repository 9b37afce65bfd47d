/// Every intermediate of one computation of multi-head attention: the right one, or one a
/// catalogued mistake produces.
///
/// Shapes follow the computation: with `token` set, Q, the scores, weights, heads, concat
/// and output have one row, and K and V keep all n_k rows (the query attends to them);
/// `matrix(_:)` gives K and V as `run` and `attend` print them.
public struct AttentionSteps: Sendable {
    /// The dimensions of the computation (τ = 1 for a single-head mistake).
    public var shapes: AttentionShapes
    /// Q (rows × τ·d_k), K and V (n × g·d_k).
    public var queries, keys, values: Matrix<Double>
    /// Q and K after the QK-norm, with one; after RoPE, with it (the Q and K the scores use).
    public var normedQueries, normedKeys, rotatedQueries, rotatedKeys: Matrix<Double>?
    /// Per head, the scaled scores before masking, the weights, and head_j.
    public var scores, weights, heads: [Matrix<Double>]
    /// Per head, the logits the softmax sees: the scores after every rule (soft-cap, ALiBi),
    /// −∞ where a mask blocks (empty when not known).
    public var maskedScores: [Matrix<Double>] = []
    /// [head_1 | … | head_τ] in the order this computation put them.
    public var concat: Matrix<Double>
    /// What this computation gives as the output.
    public var output: Matrix<Double>

    /// The steps of an engine result that kept Q, K, V, scores and weights.
    /// - Returns: nil if the result lacks any of them.
    public init?(_ result: AttentionResult<Double>) {
        guard let q = result.queries, let k = result.keys, let v = result.values,
            let scores = result.scores, let weights = result.weights
        else { return nil }
        self.init(
            shapes: result.shapes, queries: q, keys: k, values: v, scores: scores, weights: weights,
            heads: result.heads, concat: result.concat, output: result.output)
        (normedQueries, normedKeys) = (result.normalisedQueries, result.normalisedKeys)
        (rotatedQueries, rotatedKeys) = (result.rotatedQueries, result.rotatedKeys)
        maskedScores = result.stages?.map(\.masked) ?? []
    }

    /// Steps from their parts.
    init(
        shapes: AttentionShapes, queries: Matrix<Double>, keys: Matrix<Double>, values: Matrix<Double>,
        scores: [Matrix<Double>], weights: [Matrix<Double>], heads: [Matrix<Double>],
        concat: Matrix<Double>, output: Matrix<Double>
    ) {
        self.shapes = shapes
        (self.queries, self.keys, self.values) = (queries, keys, values)
        (self.scores, self.weights, self.heads) = (scores, weights, heads)
        (self.concat, self.output) = (concat, output)
    }

    /// The matrix of `part`, or nil when this computation has no such part (head 3 of a
    /// single-head computation). K and V (also normed and rotated K) are what `run` and
    /// `attend` print for them: in single-token mode the token's row in self-attention
    /// (`AttentionShapes.keysTrimmedToToken`), every key row otherwise.
    public func matrix(_ part: AttentionPart) -> Matrix<Double>? {
        func perHead(_ list: [Matrix<Double>], _ j: Int) -> Matrix<Double>? { list.indices.contains(j) ? list[j] : nil }
        switch part {
        case .q: return queries
        case .k: return tokenRow(keys)
        case .v: return tokenRow(values)
        case .normedQ: return normedQueries
        case .normedK: return normedKeys.map(tokenRow)
        case .rotatedQ: return rotatedQueries
        case .rotatedK: return rotatedKeys.map(tokenRow)
        case let .scores(j): return perHead(scores, j)
        case let .weights(j): return perHead(weights, j)
        case let .head(j): return perHead(heads, j)
        case .concat: return concat
        case .output: return output
        }
    }

    /// For `scores:J`, per entry (row-major) whether a mask blocks it (the logit the softmax
    /// sees is −∞): there an answer may write −∞, as `--steps` prints the masked scores.
    /// Nil for other parts or when not known.
    public func blocked(_ part: AttentionPart) -> [Bool]? {
        guard case let .scores(j) = part, maskedScores.indices.contains(j) else { return nil }
        return maskedScores[j].elements.map { $0 == -.infinity }
    }

    /// Row `shapes.token` of K or V when they are trimmed to the token, else all of it.
    private func tokenRow(_ m: Matrix<Double>) -> Matrix<Double> {
        guard shapes.keysTrimmedToToken, let token = shapes.token, token < m.rows else { return m }
        return m.rowBlock(token..<(token + 1))
    }

    /// The first part, in the order of the computation and up to `last` (for a per-head
    /// part, up to that stage for every head), where these steps differ from `right` by more
    /// than `relativeTolerance` (or in shape); nil if none does.
    public func firstDifference(
        from right: AttentionSteps, upTo last: AttentionPart,
        relativeTolerance: Double = 1e-9
    ) -> AttentionPart? {
        let heads = max(shapes.heads, right.shapes.heads)
        for part in AttentionPart.all(heads: heads) where part.stage <= last.stage {
            switch (matrix(part), right.matrix(part)) {
            case (nil, nil): continue
            case let (mine?, theirs?):
                guard let error = mine.maxRelativeError(to: theirs), error <= relativeTolerance else { return part }
            default: return part
            }
        }
        return nil
    }
}
