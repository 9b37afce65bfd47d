/// One matrix of the forward pass that an answer can give (DESIGN §6 `--part`).
///
/// Head indices are 0-based here, like `AttentionResult.heads`; `description` writes them
/// 1-based, as the command line and the textbook do (`head:2` is `.head(1)`).
public enum AttentionPart: Hashable, Sendable, CustomStringConvertible {
    /// Q = H·W^q + b^q.
    case q
    /// K = H·W^k + b^k.
    case k
    /// V = H·W^v + b^v.
    case v
    /// Q after the QK-norm (before RoPE), with a QK-norm.
    case normedQ
    /// K after the QK-norm (before RoPE), with a QK-norm.
    case normedK
    /// Q after RoPE (each row turned for its position), with RoPE: the Q the scores use.
    case rotatedQ
    /// K after RoPE, with RoPE.
    case rotatedK
    /// Q_j·K_jᵀ·scale of head `head`, before masking.
    case scores(head: Int)
    /// The attention weights of head `head` (row softmax of the masked scores).
    case weights(head: Int)
    /// head_j = weights_j·V_j.
    case head(Int)
    /// [head_1 | … | head_τ].
    case concat
    /// concat·W^o + b^o.
    case output

    /// The part as the command line writes it: `output`, `head:2`, `weights:1`.
    public var description: String {
        switch self {
        case .q: return "q"
        case .k: return "k"
        case .v: return "v"
        case .normedQ: return "q-normed"
        case .normedK: return "k-normed"
        case .rotatedQ: return "q-rotated"
        case .rotatedK: return "k-rotated"
        case let .scores(j): return "scores:\(j + 1)"
        case let .weights(j): return "weights:\(j + 1)"
        case let .head(j): return "head:\(j + 1)"
        case .concat: return "concat"
        case .output: return "output"
        }
    }

    /// The part as the textbook writes it: `Q`, `scores_2`, `head_1`, `output`.
    public var symbol: String {
        switch self {
        case .q: return "Q"
        case .k: return "K"
        case .v: return "V"
        case .normedQ: return "Q after the QK-norm"
        case .normedK: return "K after the QK-norm"
        case .rotatedQ: return "Q after RoPE"
        case .rotatedK: return "K after RoPE"
        case let .scores(j): return "scores_\(j + 1)"
        case let .weights(j): return "weights_\(j + 1)"
        case let .head(j): return "head_\(j + 1)"
        case .concat: return "concat"
        case .output: return "output"
        }
    }

    /// The head the part belongs to, if it is a per-head part.
    public var headIndex: Int? {
        switch self {
        case let .scores(j), let .weights(j), let .head(j): return j
        default: return nil
        }
    }

    /// Position in the order of the computation: Q, K, V, their QK-normed and rotated forms,
    /// then per head scores, weights, head, then concat and output.
    var stage: Int {
        switch self {
        case .q: return 0
        case .k: return 1
        case .v: return 2
        case .normedQ: return 3
        case .normedK: return 4
        case .rotatedQ: return 5
        case .rotatedK: return 6
        case .scores: return 7
        case .weights: return 8
        case .head: return 9
        case .concat: return 10
        case .output: return 11
        }
    }

    /// Every part of a computation with `heads` heads, in the order the computation meets
    /// them (per-head parts stage by stage: scores_1 … scores_τ, then weights_1 …).
    public static func all(heads: Int) -> [AttentionPart] {
        let h = 0..<max(0, heads)
        return [.q, .k, .v, .normedQ, .normedK, .rotatedQ, .rotatedK] + h.map { .scores(head: $0) }
            + h.map { .weights(head: $0) } + h.map { .head($0) }
            + [.concat, .output]
    }
}
