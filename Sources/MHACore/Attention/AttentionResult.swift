/// What a forward pass computed.
///
/// `heads`, `concat` and `output` are always present; the rest only when requested through
/// `AttentionConfiguration.intermediates`. In single-token mode every per-query matrix has
/// the one row of that token; K and V keep all n rows.
public struct AttentionResult<Scalar: AttentionScalar>: Sendable {
    /// The dimensions of the computation.
    public var shapes: AttentionShapes
    /// head_j = softmax(Q_j·K_jᵀ·scale + mask)·V_j, one rows × d_k matrix per head: the
    /// column blocks of the concat (stored once, there).
    public var heads: [Matrix<Scalar>] {
        (0..<shapes.heads).map { j in concat.columnBlock(j * shapes.headDim ..< (j + 1) * shapes.headDim) }
    }
    /// [head_1 | … | head_τ], rows × τ·d_k.
    public var concat: Matrix<Scalar>
    /// concat·W^o + b^o, rows × d_out.
    public var output: Matrix<Scalar>
    /// Q = H·W^q + b^q (rows × d_model), when `.qkv` was requested.
    public var queries: Matrix<Scalar>?
    /// K = H·W^k + b^k (n × g·d_k), when `.qkv` was requested.
    public var keys: Matrix<Scalar>?
    /// V = H·W^v + b^v (n × g·d_k), when `.qkv` was requested.
    public var values: Matrix<Scalar>?
    /// Per head Q_j·K_jᵀ·scale before masking (rows × n), when `.scores` was requested.
    public var scores: [Matrix<Scalar>]?
    /// Per head the attention weights (rows × n), when `.weights` was requested.
    public var weights: [Matrix<Scalar>]?
    /// Conditions worth telling the user (the library prints nothing itself).
    public var warnings: [AttentionWarning]
}

/// A condition that did not stop the computation but that the user should hear about.
public enum AttentionWarning: Sendable, Equatable, CustomStringConvertible {
    /// Token `token` had no key left to attend to; its head outputs are zero rows.
    case fullyMaskedRow(token: Int)

    public var description: String {
        switch self {
        case let .fullyMaskedRow(token):
            return "token \(token) can attend to no key (every key is masked): its head outputs are zero rows"
        }
    }
}
