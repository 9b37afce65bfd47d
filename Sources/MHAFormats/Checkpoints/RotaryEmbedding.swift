import MHACore

/// The rotary position embedding a checkpoint's attention uses, as config.json states it.
public struct RotaryEmbedding: Sendable, Equatable {
    /// How dimensions pair: `half` (i with i + r/2, Hugging Face `rotate_half`) or `interleaved`.
    public var style: String
    /// The base θ (`rope_theta`; 10000 when config.json does not say).
    public var base: Double
    /// The rotated dimensions per head (r ≤ d_k, even).
    public var dimensions: Int
}
