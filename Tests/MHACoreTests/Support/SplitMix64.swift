@testable import MHACore

/// Test helpers on MHACore's SplitMix64, whose stream the fixture script
/// `Fixtures/make_attention_fixtures.py` reproduces exactly.
extension SplitMix64 {
    /// A rows × columns matrix of `nextSigned() * scale` (uniform in [-1, 1) times scale), drawn row by row.
    mutating func matrix(_ rows: Int, _ columns: Int, scale: Double = 1) -> Matrix<Double> {
        var values: [Double] = []
        values.reserveCapacity(rows * columns)
        for _ in 0..<(rows * columns) { values.append(nextSigned() * scale) }
        return Matrix(uncheckedRows: rows, columns: columns, elements: values)
    }
}
