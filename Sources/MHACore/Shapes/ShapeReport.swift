/// One named parameter count of a `ShapeReport` (`wq`, …, `weights`, `biases`, `total`).
public struct ParameterCount: Sendable, Equatable {
    /// The JSON key: `wq`, `wk`, `wv`, `wo`, `weights`, `biases` or `total`.
    public var name: String
    /// The number of scalars.
    public var count: Int
}

/// The answer to a dimension question: the three widths, every tensor's shape, parameter
/// counts and FLOPs.
public struct ShapeReport: Sendable, Equatable {
    /// d_model.
    public var modelDim: Int
    /// τ.
    public var heads: Int
    /// d_k = d_model / τ.
    public var headDim: Int
    /// g (equal to τ without grouped-query attention).
    public var kvHeads: Int
    /// τ·d_k, the concat width.
    public var concatDim: Int
    /// n, when given.
    public var seqLen: Int?
    /// Every tensor of the forward pass, in the order the computation meets them.
    public var tensors: [TensorShape]
    /// Parameter counts, in order: wq, wk, wv, wo, weights (their sum), biases, total.
    public var parameters: [ParameterCount]
    /// Multiply-add FLOPs (2 per multiply-add) of the forward pass: `flopsPerToken·n +
    /// flopsPerTokenSquared·n²`.
    public var flopsPerToken: Int
    /// The n² coefficient of the FLOP count (scores and weighted sums).
    public var flopsPerTokenSquared: Int
    /// The FLOPs for `seqLen`, when given and representable.
    public var flops: Int?

    /// The FLOP count as a formula in n: `"6291456·n + 3072·n²"`, or the number when n is known.
    public var flopsDescription: String {
        if let flops { return String(flops) }
        return "\(flopsPerToken)·n + \(flopsPerTokenSquared)·n²"
    }

    /// The tensor named `name` (JSON key), if any.
    public func tensor(_ name: String) -> TensorShape? { tensors.first { $0.name == name } }

    /// The parameter count named `name`, if any.
    public func parameterCount(_ name: String) -> Int? { parameters.first { $0.name == name }?.count }
}
