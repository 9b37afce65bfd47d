/// How to run multi-head attention: the head counts, positions, masking, score rules and
/// what to keep.
///
/// Shape legend used throughout: `n_q` query rows (tokens of H), `n_k` keys (tokens of H, or
/// of the memory M in cross-attention), `d_model` model width, `τ` heads, `g` key/value
/// heads, `d_k` head width (d_model / τ unless `headDim` says otherwise), `d_v` value width.
///
/// Positions (docs/attention-options.md): key t is at `positionOffset + t`, query row i at
/// `positionOffset + n_k − n_q + i`, so with n_q = n_k row i is token i. Per head the scores
/// go `s = (Q_j·K_jᵀ)·scale` → soft-cap → + ALiBi → masks (causal, window, user) → softmax →
/// `·V_j`; RoPE turns Q_j and K_j before the scores, after the QK-norm when there is one.
public struct AttentionConfiguration: Sendable, Equatable {
    /// τ, the number of query heads.
    public var heads: Int
    /// g, the number of key/value heads (grouped-query attention); `nil` means g = τ.
    /// Must divide τ; g = 1 is multi-query attention.
    public var kvHeads: Int?
    /// d_k, the width of each head; `nil` means d_model / τ (which must then divide). With a
    /// width given, W^q is d_model × τ·d_k and W^o is τ·d_k × d_out (Gemma).
    public var headDim: Int?
    /// When true, the query at position p sees keys at positions ≤ p (aligned at the end when
    /// n_q ≠ n_k: query row i sees keys 0 … i + n_k − n_q).
    public var causal: Bool
    /// The factor applied to Q_j·K_jᵀ; `nil` means 1/√d_k. Must be finite.
    public var scale: Double?
    /// Single-token mode: compute only query row `token` (0-based). With `causal` it attends
    /// to keys 0…token + n_k − n_q, the autoregressive step.
    public var token: Int?
    /// Added to every position (a continued sequence); ≥ 0. Only RoPE sees absolute positions.
    public var positionOffset: Int
    /// Rotary position embedding of Q_j and K_j, or `nil` for none.
    public var rope: RotaryEmbedding?
    /// RMS normalisation of Q and K before RoPE (Qwen3, OLMo 2), or `nil` for none.
    public var qkNorm: QueryKeyNorm?
    /// When true, head j adds −m_j·(query position − key position) (`ALiBi.slopes`).
    public var alibi: Bool
    /// Sliding window W ≥ 1: with `causal` the query at p sees keys p−W+1 … p (Mistral);
    /// without, keys with |p − t| < W.
    public var window: Int?
    /// Soft-cap C > 0: scores ← C·tanh(scores / C) after scaling (Gemma 2).
    public var softcap: Double?
    /// Intermediates to keep in the result (the heads, concat and output are always kept).
    public var intermediates: Intermediates
    /// Bytes the forward pass may allocate; a larger problem is refused with
    /// `AttentionError.insufficientMemory` before anything is allocated. `nil`: no limit
    /// (the engine does no I/O; a front end reads the machine's budget and passes it here).
    /// A negative limit is refused (`AttentionError.negativeMemoryLimit`).
    public var memoryLimit: Int?
    /// Passes needing fewer bytes than this are not compared with `memoryLimit` (0: every pass
    /// is). A front end whose budget keeps back room for worker threads, which a small pass
    /// never starts, sets `MemoryEstimate.uncheckedBytes`.
    public var uncheckedMemory = 0

    /// A configuration; every parameter but `heads` has the textbook default.
    public init(
        heads: Int, kvHeads: Int? = nil, causal: Bool = false, scale: Double? = nil,
        token: Int? = nil, intermediates: Intermediates = [], memoryLimit: Int? = nil,
        headDim: Int? = nil, positionOffset: Int = 0, rope: RotaryEmbedding? = nil,
        alibi: Bool = false, window: Int? = nil, softcap: Double? = nil, qkNorm: QueryKeyNorm? = nil
    ) {
        self.qkNorm = qkNorm
        self.memoryLimit = memoryLimit
        self.heads = heads
        self.kvHeads = kvHeads
        self.causal = causal
        self.scale = scale
        self.token = token
        self.intermediates = intermediates
        self.headDim = headDim
        self.positionOffset = positionOffset
        self.rope = rope
        self.alibi = alibi
        self.window = window
        self.softcap = softcap
    }

    /// True when a score rule beyond scale, causal and a 0/1 mask is in force.
    var reshapesScores: Bool { alibi || window != nil || softcap != nil }
}

/// Intermediates a caller may ask the forward pass to keep.
///
/// Keeping `scores` or `weights` materialises an n_q × n_k matrix per head (and, with
/// `scores`, one per score stage in force); without them the engine streams each head in
/// tiles and needs O(n·d_model) memory.
public struct Intermediates: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Q (n_q × τ·d_k), K (n_k × g·d_k) and V (n_k × g·d_v) after projection and bias, and
    /// with RoPE their rotated Q and K.
    public static let qkv = Intermediates(rawValue: 1)
    /// Per head, (Q_j·K_jᵀ)·scale before anything else (n_q × n_k), and every later score
    /// stage in force (`ScoreStages`).
    public static let scores = Intermediates(rawValue: 2)
    /// Per head, the attention weights (n_q × n_k).
    public static let weights = Intermediates(rawValue: 4)
}

extension AttentionConfiguration {
    /// Refuses `needed` bytes when they exceed `memoryLimit` (requests under `uncheckedMemory`
    /// never are).
    /// - Throws: `AttentionError.insufficientMemory` naming both sizes, `.negativeMemoryLimit`
    ///   for a limit below 0.
    func requireMemory(_ needed: Int) throws(AttentionError) {
        if let limit = memoryLimit, limit < 0 { throw .negativeMemoryLimit(limit) }
        guard needed >= uncheckedMemory, let available = memoryLimit, needed > available else { return }
        throw .insufficientMemory(needed: needed, available: available)
    }
}
