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

    @Test func elementCountIsChecked() {
        #expect(throws: MatrixError.elementCount(rows: 2, columns: 2, count: 3)) {
            try Matrix<Double>(rows: 2, columns: 2, elements: [1, 2, 3])
        }
    }
}
