/// What a forward pass computed.
///
/// `heads`, `concat` and `output` are always present; the rest only when requested through
/// `AttentionConfiguration.intermediates`. In single-token mode every per-query matrix has
/// the one row of that token; K and V keep all n_k rows.
public struct AttentionResult<Scalar: AttentionScalar>: Sendable {
    /// The dimensions of the computation.
    public var shapes: AttentionShapes
    /// head_j = softmax(scores_j)·V_j, one rows × d_v matrix per head: the column blocks of
    /// the concat (stored once, there).
    public var heads: [Matrix<Scalar>] {
        (0..<shapes.heads).map { j in concat.columnBlock(j * shapes.valueDim..<(j + 1) * shapes.valueDim) }
    }
    /// [head_1 | … | head_τ], rows × τ·d_v.
    public var concat: Matrix<Scalar>
    /// concat·W^o + b^o, rows × d_out (the concat itself in `attend`).
    public var output: Matrix<Scalar>
    /// Q = H·W^q + b^q (rows × τ·d_k), when `.qkv` was requested (before RoPE).
    public var queries: Matrix<Scalar>?
    /// K = H·W^k + b^k (n_k × g·d_k; M·W^k + b^k in cross-attention), when `.qkv` was requested.
    public var keys: Matrix<Scalar>?
    /// V (n_k × g·d_v), when `.qkv` was requested.
    public var values: Matrix<Scalar>?
    /// Q after the QK-norm (before RoPE), with `.qkv` and a QK-norm.
    public var normalisedQueries: Matrix<Scalar>?
    /// K after the QK-norm (before RoPE), with `.qkv` and a QK-norm.
    public var normalisedKeys: Matrix<Scalar>?
    /// Q after RoPE (each head's rows turned for their positions), with `.qkv` and RoPE.
    public var rotatedQueries: Matrix<Scalar>?
    /// K after RoPE, with `.qkv` and RoPE.
    public var rotatedKeys: Matrix<Scalar>?
    /// Per head (Q_j·K_jᵀ)·scale before any later stage (rows × n_k), when `.scores` was
    /// requested; `stages` has the rest.
    public var scores: [Matrix<Scalar>]?
    /// Per head the scores after each stage in force, when `.scores` was requested.
    public var stages: [ScoreStages<Scalar>]?
    /// Per head the attention weights (rows × n_k), when `.weights` was requested.
    public var weights: [Matrix<Scalar>]?
    /// m_j per head, with ALiBi.
    public var alibiSlopes: [Double]?
    /// Conditions worth telling the user (the library prints nothing itself).
    public var warnings: [AttentionWarning]
}

/// A condition that did not stop the computation but that the user should hear about.
public enum AttentionWarning: Sendable, Equatable, CustomStringConvertible {
    /// Query row `token` had no key left to attend to; its head outputs are zero rows.
    case fullyMaskedRow(token: Int)
    /// A 0/1 mask read with 1 = may attend looks inverted (written with 1 = blocked).
    case probablyInvertedMask(InvertedMaskEvidence)
    /// RoPE's largest angle (the last position times the largest frequency) is so large that
    /// float64 holds it only to about `error` radians: the angle p·f is rounded, and so is f,
    /// so cosines and sines, and with them the scores, are off by up to that.
    case imprecisePositions(position: Int, angle: Double, error: Double)
    /// Query row `token`'s scores in head `head` (counted from 1), and those of any later row
    /// or head, were swamped by an additive mask: score + mask rounded to the mask value for
    /// every key it may attend to with a nonzero weight, so the mask alone decided its weights
    /// (uniform for equal values). Said once per pass, for the first such row.
    case swampedMask(token: Int, head: Int)

    /// Whether this is `.swampedMask`.
    public var isSwampedMask: Bool {
        if case .swampedMask = self { true } else { false }
    }

    /// What makes a 0/1 keep mask look inverted.
    public enum InvertedMaskEvidence: Sendable, Equatable {
        /// Every query row blocks the key at its own position.
        case diagonalBlocked
        /// Every query row blocks more than half of the keys.
        case mostKeysBlocked
    }

    /// What `.swampedMask` means and what to do, after its row and head.
    public static let swampedText =
        "the additive mask's values are so large that score + mask rounds to the mask for every key it may attend to, so the mask alone decides its weights (uniform where its values are equal), not the scores; block keys with -inf (or a keep/block mask), not with a huge finite value"

    public var description: String {
        switch self {
        case let .fullyMaskedRow(token):
            return "token \(token) can attend to no key (every key is masked): its head outputs are zero rows"
        case .probablyInvertedMask(.diagonalBlocked):
            return "the mask blocks every token's own position (read as 1 = may attend, 0 = blocked): "
                + "if its 1s mean blocked, use the block kind"
        case .probablyInvertedMask(.mostKeysBlocked):
            return "the mask blocks most keys in every row (read as 1 = may attend, 0 = blocked): "
                + "if its 1s mean blocked, use the block kind"
        case let .swampedMask(token, head):
            return "token \(token), head \(head): " + Self.swampedText
        case let .imprecisePositions(position, angle, error):
            return
                "RoPE turns position \(position) by up to \(PrintfFormat.string("%.3g", angle)) radians, which float64 holds only to about \(PrintfFormat.string("%.1g", error)): the rotated Q and K, and the scores, lose digits this far from position 0"
        }
    }
}
