/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose stream the fixture
/// script `Fixtures/make_attention_fixtures.py` reproduces exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A Double uniform in [-1, 1): 2·u − 1 with u = (next >> 11)·2⁻⁵³.
    mutating func uniform() -> Double {
        2 * (Double(next() >> 11) * 0x1p-53) - 1
    }

    /// A rows × columns matrix of `uniform() * scale`, drawn row by row.
    mutating func matrix(_ rows: Int, _ columns: Int, scale: Double = 1) -> Matrix<Double> {
        var values: [Double] = []
        values.reserveCapacity(rows * columns)
        for _ in 0..<(rows * columns) { values.append(uniform() * scale) }
        return Matrix(uncheckedRows: rows, columns: columns, elements: values)
    }
}

@testable import MHACore
