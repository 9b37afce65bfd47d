/// The learned parameters of one attention layer, as the user supplied them.
///
/// Q/K/V weights come separately (`wq`, `wk`, `wv`), packed as PyTorch's `in_proj_weight`
/// (`inProjection`, rows [W^q; W^k; W^v], each out × in), or packed in the xw layout as
/// GPT-2's `c_attn.weight` (`packedQKV`, columns [W^q | W^k | W^v]). A packed bias
/// (`packedBias`, τ·d_k + 2·g·d_k values: PyTorch's `in_proj_bias`, GPT-2's `c_attn.bias`) is
/// split as the weights are; it replaces `bq`, `bk`, `bv`. Biases are row vectors (1 × c, or
/// c × 1). Shapes are checked by the forward pass, which names the offending matrix.
///
/// In cross-attention W^k and W^v apply to the memory M: they are d_mem × g·d_k.
public struct AttentionParameters<Scalar: AttentionScalar>: Sendable {
    /// W^q: d_model × τ·d_k (xw layout).
    public var wq: Matrix<Scalar>?
    /// W^k: d_model (or d_mem) × g·d_k (xw layout).
    public var wk: Matrix<Scalar>?
    /// W^v: d_model (or d_mem) × g·d_k (xw layout).
    public var wv: Matrix<Scalar>?
    /// PyTorch's packed in_proj_weight, (τ·d_k + 2·g·d_k) × d_model, always out × in.
    public var inProjection: Matrix<Scalar>?
    /// GPT-2's packed c_attn.weight, d_model × (τ·d_k + 2·g·d_k), always xw.
    public var packedQKV: Matrix<Scalar>?
    /// W^o: τ·d_k × d_out (xw layout; d_out is usually d_model).
    public var wo: Matrix<Scalar>
    /// Optional biases b^q, b^k, b^v, b^o.
    public var bq, bk, bv, bo: Matrix<Scalar>?
    /// [b^q | b^k | b^v] packed, τ·d_k + 2·g·d_k values; not together with bq, bk, bv.
    public var packedBias: Matrix<Scalar>?
    /// The layout of `wq`, `wk`, `wv`, `wo` (`inProjection` is always PyTorch's, `packedQKV`
    /// always xw).
    public var layout: WeightLayout

    /// Separate Q, K, V weights.
    public init(
        wq: Matrix<Scalar>, wk: Matrix<Scalar>, wv: Matrix<Scalar>, wo: Matrix<Scalar>,
        bq: Matrix<Scalar>? = nil, bk: Matrix<Scalar>? = nil,
        bv: Matrix<Scalar>? = nil, bo: Matrix<Scalar>? = nil,
        layout: WeightLayout = .xw, packedBias: Matrix<Scalar>? = nil
    ) {
        self.wq = wq
        self.wk = wk
        self.wv = wv
        self.wo = wo
        (self.bq, self.bk, self.bv, self.bo) = (bq, bk, bv, bo)
        self.layout = layout
        self.packedBias = packedBias
    }

    /// PyTorch's packed in_proj_weight with a separate W^o (in `layout`).
    public init(
        inProjection: Matrix<Scalar>, wo: Matrix<Scalar>,
        bq: Matrix<Scalar>? = nil, bk: Matrix<Scalar>? = nil,
        bv: Matrix<Scalar>? = nil, bo: Matrix<Scalar>? = nil,
        layout: WeightLayout = .xw, packedBias: Matrix<Scalar>? = nil
    ) {
        self.inProjection = inProjection
        self.wo = wo
        (self.bq, self.bk, self.bv, self.bo) = (bq, bk, bv, bo)
        self.layout = layout
        self.packedBias = packedBias
    }

    /// GPT-2's packed c_attn.weight (xw) with a separate W^o (in `layout`); its biases packed
    /// (`packedBias`) or separate (`bq`, `bk`, `bv`), as for the other weights.
    public init(
        packedQKV: Matrix<Scalar>, wo: Matrix<Scalar>, packedBias: Matrix<Scalar>? = nil,
        bq: Matrix<Scalar>? = nil, bk: Matrix<Scalar>? = nil, bv: Matrix<Scalar>? = nil,
        bo: Matrix<Scalar>? = nil, layout: WeightLayout = .xw
    ) {
        self.packedQKV = packedQKV
        self.wo = wo
        self.packedBias = packedBias
        (self.bq, self.bk, self.bv, self.bo) = (bq, bk, bv, bo)
        self.layout = layout
    }
}

extension AttentionParameters {
    /// The names of the biases that are present, among `bq`, `bk`, `bv`, `bo`, `qkv_bias`.
    public var biasNames: Set<String> {
        Set(
            [("bq", bq), ("bk", bk), ("bv", bv), ("bo", bo), ("qkv_bias", packedBias)]
                .compactMap { $0.1 == nil ? nil : $0.0 })
    }

    /// The biases the projections add, among `bq`, `bk`, `bv`, `bo`: a packed bias is split
    /// into `bq`, `bk` and `bv`, so it names all three.
    public var addedBiases: Set<String> {
        var names = Set([("bq", bq), ("bk", bk), ("bv", bv), ("bo", bo)].compactMap { $0.1 == nil ? nil : $0.0 })
        if packedBias != nil { names.formUnion(["bq", "bk", "bv"]) }
        return names
    }
}
