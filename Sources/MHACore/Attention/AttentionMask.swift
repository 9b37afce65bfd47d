/// A user mask on the scores, as PyTorch and Hugging Face write them.
///
/// `values` is n_q × n_k (one row per query row, one column per key), or 1 × n_k: a
/// key-padding vector broadcast to every query row. In single-token mode an n_q × n_k mask
/// contributes the token's row. How the values read depends on `kind`:
/// - `.keep` (the default, the textbook's): 1 = may attend, 0 = blocked;
/// - `.block` (PyTorch's `key_padding_mask` and boolean `attn_mask` in `nn.MultiheadAttention`):
///   1 = blocked, 0 = may attend;
/// - `.additive` (Hugging Face's and T5's): each value is added to the score; −∞ blocks the
///   key, any finite value is a bias (large negative values all but block it).
public struct AttentionMask<Scalar: AttentionScalar>: Sendable {
    /// How the mask's values are read.
    public enum Kind: String, Sendable, CaseIterable {
        /// 1 = may attend, 0 = blocked.
        case keep
        /// 1 = blocked, 0 = may attend.
        case block
        /// Added to the scores; −∞ = blocked.
        case additive
    }

    /// n_q × n_k, or 1 × n_k for a key-padding vector.
    public var values: Matrix<Scalar>
    /// How `values` is read.
    public var kind: Kind

    /// A mask of `values` read as `kind`.
    public init(_ values: Matrix<Scalar>, kind: Kind = .keep) {
        self.values = values
        self.kind = kind
    }
}
