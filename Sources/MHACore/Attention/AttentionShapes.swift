/// The dimensions of one forward pass, fixed by validation before any arithmetic.
public struct AttentionShapes: Sendable, Equatable {
    /// n_q, the number of query rows (tokens of H, or rows of Q in `attend`).
    public var tokens: Int
    /// d_model, the width of H (τ·d_k, the width of Q, in `attend`).
    public var modelDim: Int
    /// τ, the number of query heads.
    public var heads: Int
    /// g, the number of key/value heads.
    public var kvHeads: Int
    /// d_k, the width of each query/key head.
    public var headDim: Int
    /// d_out, the width of the output (columns of W^o; τ·d_v in `attend`, which has no W^o).
    public var outputDim: Int
    /// The token computed in single-token mode, or nil for all of them.
    public var token: Int?
    /// The scale applied to the scores.
    public var scale: Double
    /// n_k, the number of keys (= `tokens` in self-attention).
    public var keyCount: Int
    /// d_mem, the width of the memory M in cross-attention; nil in self-attention and `attend`.
    public var memoryDim: Int?
    /// d_v, the width of each value head (= d_k in the projected forward pass).
    public var valueDim: Int
    /// Added to every position.
    public var positionOffset: Int
    /// False for `attend` (Q, K, V given; no projections, output = concat).
    public var projected: Bool

    /// Dimensions of a self-attention pass with d_v = d_k (the first version's).
    public init(
        tokens: Int, modelDim: Int, heads: Int, kvHeads: Int, headDim: Int, outputDim: Int,
        token: Int?, scale: Double, keyCount: Int? = nil, memoryDim: Int? = nil,
        valueDim: Int? = nil, positionOffset: Int = 0, projected: Bool = true
    ) {
        (self.tokens, self.modelDim, self.heads, self.kvHeads) = (tokens, modelDim, heads, kvHeads)
        (self.headDim, self.outputDim, self.token, self.scale) = (headDim, outputDim, token, scale)
        self.keyCount = keyCount ?? tokens
        self.memoryDim = memoryDim
        self.valueDim = valueDim ?? headDim
        self.positionOffset = positionOffset
        self.projected = projected
    }

    /// τ·d_v, the width of the concat.
    public var concatDim: Int { heads * valueDim }
    /// τ·d_k, the width of Q.
    public var queryDim: Int { heads * headDim }
    /// g·d_k, the width of K.
    public var kvDim: Int { kvHeads * headDim }
    /// g·d_v, the width of V.
    public var valueColumns: Int { kvHeads * valueDim }
    /// Rows of every per-query matrix: 1 in single-token mode, else n_q.
    public var queryRows: Int { token == nil ? tokens : 1 }
    /// The K/V head used by query head `head`: ⌊head·g/τ⌋.
    public func kvHead(for head: Int) -> Int { heads > 0 ? head * kvHeads / heads : 0 }
    /// The position of query row `row` (an index into all n_q rows, also in single-token
    /// mode): positionOffset + n_k − n_q + row.
    public func queryPosition(row: Int) -> Int { positionOffset + keyCount - tokens + row }
    /// The position of key `key`: positionOffset + key.
    public func keyPosition(key: Int) -> Int { positionOffset + key }
    /// The query rows computed: every row, or the one token's.
    public var computedRows: Range<Int> { token.map { $0..<($0 + 1) } ?? 0..<tokens }
    /// Whether the pass is self-attention on one sequence: projected from H, no memory, and
    /// n_q = n_k (query row i is key row i). `attend` and cross-attention are not.
    public var isSelfAttention: Bool { projected && memoryDim == nil && keyCount == tokens }
    /// Whether K and V are shown as the one row of `token` in single-token mode: in
    /// self-attention, where key row i is token i's own key. Otherwise (`attend`,
    /// cross-attention) every key row is shown, as the query attends to all of them.
    public var keysTrimmedToToken: Bool { token != nil && isSelfAttention }
}
