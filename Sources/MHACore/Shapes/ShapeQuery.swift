/// A dimension question without data: any two of d_model, τ and d_k (d_model = τ·d_k), or
/// all three when the heads are not d_model/τ wide; optionally g (kv_heads), d_v, n (sequence
/// length), cross-attention's memory (n_k rows of width d_mem) and a KV-cache question (L
/// layers stored in one element type).
public struct ShapeQuery: Sendable, Equatable {
    /// d_model, the model width.
    public var modelDim: Int?
    /// τ, the number of heads.
    public var heads: Int?
    /// d_k, the width of one head's queries and keys. With d_model and τ also given it may
    /// differ from d_model/τ (Gemma): W^q is then d_model × τ·d_k.
    public var headDim: Int?
    /// d_v, the width of one head's values and output (defaults to d_k).
    public var valueDim: Int?
    /// g, the number of key/value heads (defaults to τ).
    public var kvHeads: Int?
    /// n, the sequence length (query rows); unknown stays the symbol "n".
    public var seqLen: Int?
    /// n_k, the memory's rows in cross-attention; unknown stays the symbol "n_k".
    public var memoryLen: Int?
    /// d_mem, the memory's width in cross-attention (PyTorch's kdim/vdim; defaults to d_model).
    public var memoryDim: Int?
    /// L, the number of layers whose keys and values a KV cache holds (defaults to 1).
    public var layers: Int?
    /// The element type of a KV cache (defaults to float64).
    public var cacheElement: CacheElement?

    /// A query; leave out what is unknown.
    public init(
        modelDim: Int? = nil, heads: Int? = nil, headDim: Int? = nil, valueDim: Int? = nil,
        kvHeads: Int? = nil, seqLen: Int? = nil, memoryLen: Int? = nil, memoryDim: Int? = nil,
        layers: Int? = nil, cacheElement: CacheElement? = nil
    ) {
        self.modelDim = modelDim
        self.heads = heads
        self.headDim = headDim
        self.valueDim = valueDim
        self.kvHeads = kvHeads
        self.seqLen = seqLen
        self.memoryLen = memoryLen
        self.memoryDim = memoryDim
        self.layers = layers
        self.cacheElement = cacheElement
    }

    /// Whether the question is about cross-attention (a memory length or width was given).
    public var isCrossAttention: Bool { memoryLen != nil || memoryDim != nil }

    /// Whether the question asks for the KV-cache size (layers or an element type was given).
    public var asksForCache: Bool { layers != nil || cacheElement != nil }
}

/// The element type a KV cache is stored in, with its width in bytes.
public enum CacheElement: String, Sendable, Equatable, CaseIterable {
    /// IEEE binary64, 8 bytes.
    case f64
    /// IEEE binary32, 4 bytes.
    case f32
    /// IEEE binary16, 2 bytes.
    case f16
    /// bfloat16 (binary32's top half), 2 bytes.
    case bf16

    /// Bytes per element.
    public var bytes: Int {
        switch self {
        case .f64: return 8
        case .f32: return 4
        case .f16, .bf16: return 2
        }
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
            let unit =
                divisorName == "heads" || divisorName == "kv_heads"
                ? "\(divisor) \(divisorName)"
                : "\(divisorName) \(divisor)"
            let headWidth =
                dividendName == "d_model" && divisorName == "heads"
                ? ": " + AttentionError.headWidthNote : ""
            return
                "\(dividendName) \(dividend) is not divisible by \(unit) (\(dividend) / \(divisor) = \(quotient(dividend, divisor)))\(headWidth)"
        case let .overflow(what):
            return "\(what) is too large to compute (overflows a 64-bit integer)"
        }
    }
}
