/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seedable generator whose output is the
/// same on every platform, so `init --seed S`, `--weights random:S`, benchmark inputs and the
/// test fixtures (`Tests/MHACoreTests/Fixtures/make_attention_fixtures.py` implements the same
/// stream) are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double uniform in [-1, 1) on the grid of multiples of 2⁻⁵² (53 random bits).
    public mutating func nextSigned() -> Double {
        Double(next() >> 11) * 0x1p-52 - 1
    }
}
