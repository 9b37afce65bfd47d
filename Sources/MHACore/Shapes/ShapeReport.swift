/// One named parameter count of a `ShapeReport` (`wq`, …, `weights`, `biases`, `total`).
public struct ParameterCount: Sendable, Equatable {
    /// The JSON key: `wq`, `wk`, `wv`, `wo`, `weights`, `biases` or `total`.
    public var name: String
    /// The number of scalars.
    public var count: Int
}

/// The size of a KV cache: every layer's K and V rows, L·g·(d_k + d_v) elements per token
/// (2·L·g·d_k when d_v = d_k).
public struct KVCacheSize: Sendable, Equatable {
    /// L, the layers cached.
    public var layers: Int
    /// The element type.
    public var element: CacheElement
    /// Bytes per cached token: L·g·(d_k + d_v)·bytes.
    public var bytesPerToken: Int
    /// Bytes for the cached tokens (n, or n_k in cross-attention), when that count is known.
    public var bytes: Int?
}

/// The answer to a dimension question: the widths, every tensor's shape, parameter counts,
/// FLOPs and, when asked, the KV-cache size.
public struct ShapeReport: Sendable, Equatable {
    /// d_model.
    public var modelDim: Int
    /// τ.
    public var heads: Int
    /// d_k, the query/key width of one head (d_model / τ unless given otherwise).
    public var headDim: Int
    /// d_v, the value width of one head (d_k unless given).
    public var valueDim: Int
    /// g (equal to τ without grouped-query attention).
    public var kvHeads: Int
    /// τ·d_v, the concat width.
    public var concatDim: Int
    /// n, when given.
    public var seqLen: Int?
    /// Cross-attention's memory: n_k (nil when unknown) and d_mem; nil for self-attention.
    public var memory: Memory?
    /// Every tensor of the forward pass, in the order the computation meets them.
    public var tensors: [TensorShape]
    /// Parameter counts, in order: wq, wk, wv, wo, weights (their sum), biases, total.
    public var parameters: [ParameterCount]
    /// Multiply-add FLOPs (2 per multiply-add) per query row: the Q and output projections,
    /// and in self-attention also the K and V projections.
    public var flopsPerToken: Int
    /// The FLOPs of one query–key pair (scores and weighted sums); self-attention's n²
    /// coefficient, cross-attention's n·n_k coefficient.
    public var flopsPerTokenSquared: Int
    /// Cross-attention only: the FLOPs per memory row (the K and V projections); 0 otherwise.
    public var flopsPerMemoryToken: Int
    /// The FLOPs when every count is known and the total is representable.
    public var flops: Int?
    /// The KV-cache size, when asked for.
    public var kvCache: KVCacheSize?

    /// Cross-attention's memory M.
    public struct Memory: Sendable, Equatable {
        /// n_k, the memory's rows, when given.
        public var length: Int?
        /// d_mem, the memory's width.
        public var width: Int
    }

    /// Whether the heads are not d_model/τ wide (τ·d_k ≠ d_model).
    public var hasCustomHeadDim: Bool { heads * headDim != modelDim }

    /// The FLOP count as a formula in the counts' symbols: `"6291456·n + 3072·n²"`, or in
    /// cross-attention `"A·n + B·n_k + C·n·n_k"`.
    public var flopsFormula: String {
        guard memory != nil else { return "\(flopsPerToken)·n + \(flopsPerTokenSquared)·n²" }
        return "\(flopsPerToken)·n + \(flopsPerMemoryToken)·n_k + \(flopsPerTokenSquared)·n·n_k"
    }

    /// The FLOP count when every count is known, else `flopsFormula`.
    public var flopsDescription: String { flops.map(String.init) ?? flopsFormula }

    /// The tensor named `name` (JSON key), if any.
    public func tensor(_ name: String) -> TensorShape? { tensors.first { $0.name == name } }

    /// The parameter count named `name`, if any.
    public func parameterCount(_ name: String) -> Int? { parameters.first { $0.name == name }?.count }
}
