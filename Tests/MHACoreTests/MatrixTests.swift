import Testing

@testable import MHACore

@Suite struct MatrixTests {
    @Test func rowMajorLayout() throws {
        let m = try Matrix<Double>(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
        #expect(m[1, 2] == 6)
        #expect(m.columnBlock(1..<3) == (try Matrix([[2, 3], [5, 6]])))
        #expect(m.rowBlock(1..<2) == (try Matrix([[4, 5, 6]])))
        #expect(m.transposed == (try Matrix([[1, 4], [2, 5], [3, 6]])))
    }

    /// The blocked transpose at shapes on and off its 32 × 32 blocks, and empty ones.
    @Test(arguments: [(0, 5), (5, 0), (1, 33), (33, 1), (32, 32), (45, 70), (70, 45), (100, 3)])
    func transposeMovesEveryElement(shape: (Int, Int)) {
        let (rows, columns) = shape
        let m = Matrix<Double>(rows: rows, columns: columns) { i, j in Double(i * 1000 + j) }
        let t = m.transposed
        #expect(t.shape == Shape(rows: columns, columns: rows))
        #expect((0..<columns).allSatisfy { j in (0..<rows).allSatisfy { i in t[j, i] == m[i, j] } })
        #expect(t.transposed == m)
    }

    @Test func rowSelectionAndConversion() throws {
        let m = try Matrix<Double>([[1, 2], [3, 4], [5, 6]])
        #expect(m.selectingRows([2, 0, 2]) == (try Matrix([[5, 6], [1, 2], [5, 6]])))
        #expect(m.selectingRows([]).shape == Shape(rows: 0, columns: 2))
        let f = m.converted(to: Float.self)
        #expect(f[2, 1] == 6 && f.shape == m.shape)
        expectClose(f.converted(to: Double.self), m, relativeTolerance: 0)
        #expect(m.isClose(to: m.converted(to: Float.self).converted(to: Double.self), relativeTolerance: 1e-7))
        var nearly = m
        nearly[1, 1] = 4 * (1 + 1e-9)
        #expect(nearly.isClose(to: m, relativeTolerance: 1e-8) && !nearly.isClose(to: m, relativeTolerance: 1e-10))
    }

    @Test func elementCountIsChecked() {
        #expect(throws: MatrixError.elementCount(rows: 2, columns: 2, count: 3)) {
            try Matrix<Double>(rows: 2, columns: 2, elements: [1, 2, 3])
        }
    }
}
