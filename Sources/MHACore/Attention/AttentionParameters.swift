/// The learned parameters of one attention layer, as the user supplied them.
///
/// Q/K/V weights come either separately (`wq`, `wk`, `wv`) or packed as PyTorch's
/// `in_proj_weight` (`inProjection`, rows [W^q; W^k; W^v], each out × in). Biases are row
/// vectors (1 × c, or c × 1, or a c-long row). Shapes are checked by the forward pass, which
/// names the offending matrix.
public struct AttentionParameters<Scalar: AttentionScalar>: Sendable {
    /// W^q: d_model × d_model (xw layout).
    public var wq: Matrix<Scalar>?
    /// W^k: d_model × g·d_k (xw layout).
    public var wk: Matrix<Scalar>?
    /// W^v: d_model × g·d_k (xw layout).
    public var wv: Matrix<Scalar>?
    /// PyTorch's packed in_proj_weight, (d_model + 2·g·d_k) × d_model, always out × in.
    public var inProjection: Matrix<Scalar>?
    /// W^o: τ·d_k × d_out (xw layout; d_out is usually d_model).
    public var wo: Matrix<Scalar>
    /// Optional biases b^q, b^k, b^v, b^o.
    public var bq, bk, bv, bo: Matrix<Scalar>?
    /// The layout of `wq`, `wk`, `wv`, `wo` (`inProjection` is always PyTorch's).
    public var layout: WeightLayout

    /// Separate Q, K, V weights.
    public init(wq: Matrix<Scalar>, wk: Matrix<Scalar>, wv: Matrix<Scalar>, wo: Matrix<Scalar>,
                bq: Matrix<Scalar>? = nil, bk: Matrix<Scalar>? = nil,
                bv: Matrix<Scalar>? = nil, bo: Matrix<Scalar>? = nil,
                layout: WeightLayout = .xw) {
        self.wq = wq
        self.wk = wk
        self.wv = wv
        self.wo = wo
        (self.bq, self.bk, self.bv, self.bo) = (bq, bk, bv, bo)
        self.layout = layout
    }

    /// PyTorch's packed in_proj_weight with a separate W^o (in `layout`).
    public init(inProjection: Matrix<Scalar>, wo: Matrix<Scalar>,
                bq: Matrix<Scalar>? = nil, bk: Matrix<Scalar>? = nil,
                bv: Matrix<Scalar>? = nil, bo: Matrix<Scalar>? = nil,
                layout: WeightLayout = .xw) {
        self.inProjection = inProjection
        self.wo = wo
        (self.bq, self.bk, self.bv, self.bo) = (bq, bk, bv, bo)
        self.layout = layout
    }
}

extension AttentionParameters {
    /// The names of the biases that are present, among `bq`, `bk`, `bv`, `bo`.
    public var biasNames: Set<String> {
        Set([("bq", bq), ("bk", bk), ("bv", bv), ("bo", bo)].compactMap { $0.1 == nil ? nil : $0.0 })
    }
}
