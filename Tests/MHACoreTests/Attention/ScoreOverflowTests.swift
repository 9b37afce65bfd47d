import Testing

@testable import MHACore

/// Scores that overflow (±∞) are reported as the scores' overflow by every path (tiled,
/// row-by-row, plain), never read as masked keys; large finite scores are not flagged.
@Suite("Score overflow")
struct ScoreOverflowTests {
    /// n tokens of width 2, all 0.5 except token `big`, which is `value`.
    static func input(tokens n: Int, big: Int, value: Double) -> Matrix<Double> {
        Matrix(rows: n, columns: 2) { i, _ in i == big ? value : 0.5 }
    }

    static func identity() throws -> AttentionParameters<Double> {
        let i = try Matrix<Double>([[1, 0], [0, 1]])
        return AttentionParameters(wq: i, wk: i, wv: i, wo: i)
    }

    @Test(
        "one overflowing key in a later key tile, streamed and plain, Double and Float",
        arguments: [Intermediates(), [.weights]], [false, true])
    func laterKeyTile(_ keep: Intermediates, _ causal: Bool) throws {
        // Token 200 (in the second 128-key tile) times itself: 2·1e200² = +∞; with scale −1, −∞.
        let x = Self.input(tokens: 300, big: 200, value: 1e200)
        for scale in [nil, -1.0] {
            let configuration = AttentionConfiguration(heads: 1, causal: causal, scale: scale, intermediates: keep)
            #expect {
                _ = try MultiHeadAttention.forward(
                    input: x, parameters: try Self.identity(), configuration: configuration)
            } throws: { error in
                guard case let .overflow(stage, precision)? = error as? AttentionError else { return false }
                return stage.hasPrefix("scores of head 1") && precision == "float64"
            }
        }
    }

    @Test("every score −∞ by overflow (a negative scale) is not 'fully masked'")
    func allNegative() throws {
        let x = Matrix<Double>(rows: 3, columns: 2) { _, _ in 1e200 }
        let configuration = AttentionConfiguration(heads: 1, scale: -1)
        #expect(throws: AttentionError.self) {
            _ = try MultiHeadAttention.forward(input: x, parameters: try Self.identity(), configuration: configuration)
        }
    }

    @Test("large finite scores are computed, not flagged")
    func largeFinite() throws {
        // 2·(1e150)² = 2e300: finite, and the softmax subtracts the maximum.
        let x = Self.input(tokens: 300, big: 7, value: 1e150)
        let result = try MultiHeadAttention.forward(
            input: x, parameters: try Self.identity(),
            configuration: .init(heads: 1))
        #expect(result.output.elements.allSatisfy { $0.isFinite })
        #expect(result.warnings.isEmpty)
        // Token 7 attends to itself only (its own score dwarfs the others): its row is itself.
        #expect(result.output[7, 0] == 1e150)
    }

    @Test("the row-by-row path poisons an overflowed row with NaN and does not call it masked")
    func rowByRow() {
        let n = 4, d = 2
        var q = [Double](repeating: 0.5, count: n * d)
        q[2] = 1e200
        q[3] = 1e200  // query row 1
        let k = q, v = q
        var output = [Double](repeating: 0, count: n * d)
        let masked = q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    output.withUnsafeMutableBufferPointer { op in
                        Kernels.rowByRowAttention(
                            queries: qp.baseAddress!, queryStride: d, queryCount: n, firstPosition: 0,
                            keys: kp.baseAddress!, keyStride: d, values: vp.baseAddress!, valueStride: d,
                            keyCount: n, headDim: d, valueDim: d,
                            rule: ScoreRule(scale: -1),
                            output: op.baseAddress!, outputStride: d)
                    }
                }
            }
        }
        #expect(masked.isEmpty)
        #expect(output[2].isNaN && output[3].isNaN)
        // Row 0's score with key 1 is −1e200, finite: its row is computed.
        #expect(output[0].isFinite && output[1].isFinite)
    }

    @Test("the vector check: any non-finite product in any lane or the tail, at every level, both precisions")
    func vectorCheck() {
        for level in CPULevel.runnable {
            for width in [1, 7, 8, 9, 15, 16, 17, 128] {
                for bad in [0, width / 2, width - 1] {
                    check(Double.self, level: level, width: width, bad: bad, huge: 1e308)
                    check(Float.self, level: level, width: width, bad: bad, huge: 3e38)
                }
            }
        }
    }

    func check<S: PackedScalar>(_ type: S.Type, level: CPULevel, width: Int, bad: Int, huge: S) {
        var row = [S](repeating: 1, count: width)
        let finite = { (scale: S) in
            row.withUnsafeBufferPointer { S.scaledFinite(level, row: $0.baseAddress!, count: width, scale: scale) }
        }
        #expect(finite(2), "\(S.self) \(level) width \(width)")
        row[bad] = huge
        #expect(finite(1) && !finite(2), "\(S.self) \(level) width \(width) overflow at \(bad)")
        row[bad] = -.infinity
        #expect(!finite(1), "\(S.self) \(level) width \(width) −∞ at \(bad)")
        row[bad] = .nan
        #expect(!finite(1), "\(S.self) \(level) width \(width) NaN at \(bad)")
    }
}
