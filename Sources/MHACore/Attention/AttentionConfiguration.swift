/// How to run multi-head attention: the head counts, masking, scale, and what to keep.
///
/// Shape legend used throughout: `n` tokens, `d_model` model width, `τ` heads,
/// `g` key/value heads, `d_k = d_model / τ` head width.
public struct AttentionConfiguration: Sendable, Equatable {
    /// τ, the number of query heads. Must divide d_model.
    public var heads: Int
    /// g, the number of key/value heads (grouped-query attention); `nil` means g = τ.
    /// Must divide τ; g = 1 is multi-query attention.
    public var kvHeads: Int?
    /// When true, token i attends to tokens 0…i only.
    public var causal: Bool
    /// The factor applied to Q_j·K_jᵀ; `nil` means 1/√d_k. Must be finite.
    public var scale: Double?
    /// Single-token mode: compute only query row `token` (0-based). With `causal` it attends
    /// to keys 0…token, the autoregressive step.
    public var token: Int?
    /// Intermediates to keep in the result (the heads, concat and output are always kept).
    public var intermediates: Intermediates
    /// Bytes the forward pass may allocate; a larger problem is refused with
    /// `AttentionError.insufficientMemory` before anything is allocated. `nil`: no limit
    /// (the engine does no I/O; a front end reads the machine's budget and passes it here).
    public var memoryLimit: Int?

    /// A configuration; every parameter but `heads` has the textbook default.
    public init(heads: Int, kvHeads: Int? = nil, causal: Bool = false, scale: Double? = nil,
                token: Int? = nil, intermediates: Intermediates = [], memoryLimit: Int? = nil) {
        self.memoryLimit = memoryLimit
        self.heads = heads
        self.kvHeads = kvHeads
        self.causal = causal
        self.scale = scale
        self.token = token
        self.intermediates = intermediates
    }
}

/// Intermediates a caller may ask the forward pass to keep.
///
/// Keeping `scores` or `weights` materialises an n × n matrix per head; without them the
/// engine streams each head in tiles and needs O(n·d_model) memory.
public struct Intermediates: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Q (n × d_model), K and V (n × g·d_k) after projection and bias.
    public static let qkv = Intermediates(rawValue: 1)
    /// Per head, Q_j·K_jᵀ·scale before masking (rows × n).
    public static let scores = Intermediates(rawValue: 2)
    /// Per head, the attention weights softmax(scores + mask) (rows × n).
    public static let weights = Intermediates(rawValue: 4)
}
