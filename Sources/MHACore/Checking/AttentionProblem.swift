/// A multi-head attention exercise: the data and the configuration, as the user gave them.
///
/// Either the projected pass (`run`: H and the weights) or attention on given Q, K and V
/// (`attend`: no projections, the result is the concat).
public struct AttentionProblem: Sendable {
    /// Where Q, K and V come from.
    public enum Operands: Sendable {
        /// Q = H·W^q + b^q, K = H·W^k + b^k, V = H·W^v + b^v; output = concat·W^o + b^o.
        case projected(input: Matrix<Double>, parameters: AttentionParameters<Double>)
        /// Q (n_q × τ·d_k), K (n_k × g·d_k) and V (n_k × g·d_v) as given; no output projection.
        case given(queries: Matrix<Double>, keys: Matrix<Double>, values: Matrix<Double>)
    }

    /// H and the weights, or the given Q, K, V.
    public var operands: Operands
    /// The user mask and how it reads (keep, block, additive), if any.
    public var mask: AttentionMask<Double>?
    /// Heads, kv_heads, causal, scale, token and the memory limit (intermediates are
    /// chosen by the checker).
    public var configuration: AttentionConfiguration

    /// A problem of the projected pass: H (n × d_model) and the weights, in either layout.
    public init(
        input: Matrix<Double>, parameters: AttentionParameters<Double>, mask: AttentionMask<Double>? = nil,
        configuration: AttentionConfiguration
    ) {
        self.init(operands: .projected(input: input, parameters: parameters), mask: mask, configuration: configuration)
    }

    /// A problem of attention on given Q, K and V (`MultiHeadAttention.attend`).
    public init(
        queries: Matrix<Double>, keys: Matrix<Double>, values: Matrix<Double>, mask: AttentionMask<Double>? = nil,
        configuration: AttentionConfiguration
    ) {
        self.init(
            operands: .given(queries: queries, keys: keys, values: values), mask: mask, configuration: configuration)
    }

    /// A problem from its operands.
    public init(operands: Operands, mask: AttentionMask<Double>? = nil, configuration: AttentionConfiguration) {
        self.operands = operands
        self.mask = mask
        self.configuration = configuration
    }

    /// The weights and biases of a projected problem; nil for given Q, K, V.
    public var parameters: AttentionParameters<Double>? {
        if case let .projected(_, parameters) = operands { return parameters }
        return nil
    }

    /// Whether Q, K and V are given (no projections, no W^o).
    public var hasGivenOperands: Bool { parameters == nil }
}

/// What a mistake's explanation and applicability may depend on.
public struct ProblemFacts: Sendable {
    /// The right computation's dimensions (scale included).
    public var shapes: AttentionShapes
    /// Whether the problem gave its own scale (else it is 1/√d_k).
    public var scaleGiven: Bool
    /// Whether the problem is causal.
    public var causal: Bool
    /// Whether a user mask was given.
    public var hasMask: Bool
    /// How the user mask reads, if there is one.
    public var maskKind: AttentionMask<Double>.Kind?
    /// Whether Q, K and V were given (`attend`): no weights, biases or output projection to
    /// get wrong.
    public var givenOperands: Bool
    /// The biases given, among `bq`, `bk`, `bv`, `bo`, in that order.
    public var biases: [String]
    /// The layout the weights were given in (xw for given Q, K, V).
    public var layout: WeightLayout

    /// Whether every weight is square (W^k, W^v need g = τ; W^o needs d_out = d_model), so
    /// that the transposed weights can be multiplied at all.
    public var weightsAreSquare: Bool {
        shapes.kvHeads == shapes.heads && shapes.valueDim == shapes.headDim && shapes.queryDim == shapes.modelDim
            && shapes.outputDim == shapes.concatDim
    }

    /// Whether the heads are not d_model/τ wide (`--head-dim`): Q has τ·d_k columns, not d_model.
    public var headDimGiven: Bool { !givenOperands && shapes.queryDim != shapes.modelDim }
}
