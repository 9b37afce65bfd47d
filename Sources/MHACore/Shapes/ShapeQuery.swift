/// A dimension question without data: any two of d_model, τ and d_k (d_model = τ·d_k),
/// optionally g (kv_heads) and n (sequence length).
public struct ShapeQuery: Sendable, Equatable {
    /// d_model, the model width.
    public var modelDim: Int?
    /// τ, the number of heads.
    public var heads: Int?
    /// d_k, the width of one head.
    public var headDim: Int?
    /// g, the number of key/value heads (defaults to τ).
    public var kvHeads: Int?
    /// n, the sequence length; unknown stays the symbol "n".
    public var seqLen: Int?

    /// A query; leave out what is unknown.
    public init(modelDim: Int? = nil, heads: Int? = nil, headDim: Int? = nil,
                kvHeads: Int? = nil, seqLen: Int? = nil) {
        self.modelDim = modelDim
        self.heads = heads
        self.headDim = headDim
        self.kvHeads = kvHeads
        self.seqLen = seqLen
    }
}

/// One side of a tensor's shape: a number, or a symbol such as "n" when it is not known.
public enum Dimension: Sendable, Equatable, CustomStringConvertible {
    /// A known size.
    case size(Int)
    /// An unknown size, named.
    case symbol(String)

    public var description: String {
        switch self {
        case let .size(value): return String(value)
        case let .symbol(name): return name
        }
    }
}

/// A tensor of the computation with its shape.
public struct TensorShape: Sendable, Equatable {
    /// The key used in JSON (`wq_j`, `scores_j`, …).
    public var name: String
    /// The name as the textbook writes it (`W^q_j`, `scores_j`).
    public var symbol: String
    /// Rows.
    public var rows: Dimension
    /// Columns.
    public var columns: Dimension
    /// What it is, in a few words.
    public var meaning: String
}

/// Why a dimension question has no answer; always a usage error.
public enum ShapeError: MHAError, Equatable {
    /// Fewer than two of d_model, τ, d_k.
    case underdetermined(given: [String])
    /// A dimension that is not a positive integer.
    case nonPositive(name: String, value: Int)
    /// `dividend` is not divisible by `divisor`.
    case notDivisible(dividendName: String, dividend: Int, divisorName: String, divisor: Int)
    /// d_model ≠ τ·d_k.
    case inconsistent(modelDim: Int, heads: Int, headDim: Int)
    /// A product of the given dimensions does not fit in a 64-bit integer.
    case overflow(String)

    public var category: ErrorCategory { .usage }

    public var description: String {
        switch self {
        case let .underdetermined(given):
            let got = given.isEmpty ? "none" : "only " + given.joined(separator: " and ")
            return "need two of d_model, heads and head_dim (d_model = heads · head_dim); got \(got)"
        case let .nonPositive(name, value):
            return "\(name) must be a positive integer, got \(value)"
        case let .notDivisible(dividendName, dividend, divisorName, divisor):
            let unit = divisorName == "heads" || divisorName == "kv_heads" ? "\(divisor) \(divisorName)"
                : "\(divisorName) \(divisor)"
            return "\(dividendName) \(dividend) is not divisible by \(unit) (\(dividend) / \(divisor) = \(quotient(dividend, divisor)))"
        case let .inconsistent(modelDim, heads, headDim):
            return "d_model \(modelDim) ≠ heads · head_dim = \(heads) · \(headDim) = \(heads &* headDim)"
        case let .overflow(what):
            return "\(what) is too large to compute (overflows a 64-bit integer)"
        }
    }
}
