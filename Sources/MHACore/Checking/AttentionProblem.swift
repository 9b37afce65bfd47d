/// A multi-head attention exercise: the data and the configuration, as the user gave them.
public struct AttentionProblem: Sendable {
    /// H, n × d_model.
    public var input: Matrix<Double>
    /// The weights and biases, in either layout.
    public var parameters: AttentionParameters<Double>
    /// The user mask and how it reads (keep, block, additive), if any.
    public var mask: AttentionMask<Double>?
    /// Heads, kv_heads, causal, scale, token and the memory limit (intermediates are
    /// chosen by the checker).
    public var configuration: AttentionConfiguration

    /// A problem.
    public init(
        input: Matrix<Double>, parameters: AttentionParameters<Double>, mask: AttentionMask<Double>? = nil,
        configuration: AttentionConfiguration
    ) {
        self.input = input
        self.parameters = parameters
        self.mask = mask
        self.configuration = configuration
    }
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
    /// Whether the scores are the textbook's: no RoPE, ALiBi, window or soft-cap, positions
    /// from 0, and any mask a 0/1 one; the mistakes recomputed outside the engine need it.
    public var plainScores: Bool
    /// The biases given, among `bq`, `bk`, `bv`, `bo`, in that order.
    public var biases: [String]
    /// The layout the weights were given in.
    public var layout: WeightLayout

    /// Whether every weight is square (W^k, W^v need g = τ; W^o needs d_out = d_model), so
    /// that the transposed weights can be multiplied at all.
    public var weightsAreSquare: Bool {
        shapes.kvHeads == shapes.heads && shapes.valueDim == shapes.headDim && shapes.queryDim == shapes.modelDim
            && shapes.outputDim == shapes.concatDim
    }
}
