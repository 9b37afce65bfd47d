/// The dimensions of one forward pass, fixed by validation before any arithmetic.
public struct AttentionShapes: Sendable, Equatable {
    /// n, the number of tokens (rows of H).
    public var tokens: Int
    /// d_model, the width of H.
    public var modelDim: Int
    /// τ, the number of query heads.
    public var heads: Int
    /// g, the number of key/value heads.
    public var kvHeads: Int
    /// d_k = d_model / τ.
    public var headDim: Int
    /// d_out, the width of the output (columns of W^o).
    public var outputDim: Int
    /// The token computed in single-token mode, or nil for all of them.
    public var token: Int?
    /// The scale applied to the scores.
    public var scale: Double

    /// τ·d_k, the width of the concat.
    public var concatDim: Int { heads * headDim }
    /// g·d_k, the width of K and V.
    public var kvDim: Int { kvHeads * headDim }
    /// Rows of every per-query matrix: 1 in single-token mode, else n.
    public var queryRows: Int { token == nil ? tokens : 1 }
    /// The K/V head used by query head `head`: ⌊head·g/τ⌋.
    public func kvHead(for head: Int) -> Int { head * kvHeads / heads }
}
