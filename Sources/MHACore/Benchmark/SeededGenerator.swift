/// SplitMix64: a small, fast, seedable generator so benchmark inputs are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Matrix {
    /// A `rows × columns` matrix of independent uniform values in `-scale...scale`.
    static func random(
        rows: Int, columns: Int, scale: Scalar, using generator: inout SeededGenerator
    ) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        m.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices {
                buffer[i] = Scalar.random(in: -scale...scale, using: &generator)
            }
        }
        return m
    }
}
