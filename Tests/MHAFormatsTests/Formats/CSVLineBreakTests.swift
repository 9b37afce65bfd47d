import MHACore
import Testing

@testable import MHAFormats

/// A lone CR (classic Mac) ends a line like LF; CRLF stays one line break.
@Suite struct CSVLineBreakTests {
    typealias T = FormatTestSupport

    @Test func crOnlyFilesRead() throws {
        let m = try T.read("a,b\r1,2\r\r# note\r 3 , 4 \r")
        #expect(m == (try Matrix([[1, 2], [3, 4]])))
    }

    @Test func crOnlyTSVWithoutAFinalBreakReads() throws {
        #expect(try T.read("1\t2\r3\t4", .tsv) == (try Matrix([[1, 2], [3, 4]])))
    }

    @Test func quotedFieldsBeforeALoneCR() throws {
        #expect(try T.read("\"1\",\"2\"\r\"3\",4\r") == (try Matrix([[1, 2], [3, 4]])))
    }

    @Test func laterErrorsInACROnlyFileAreLocated() {
        T.expectError(line: 4, column: 3, "expected a number, found \"x\"") { try T.read("1,2\r3,4\r\r5,x\r") }
        T.expectError(line: 3, column: 4, "row 2 (counting from 0) has 1 value; the rows above have 2") {
            try T.read("1,2\r3,4\r5  \r")
        }
    }

    @Test func crlfIsOneBreakAndMixedBreaksCountOnce() {
        T.expectError(line: 4, column: 3, "found \"x\"") { try T.read("1,2\r\n3,4\r\n\r\n5,x\r\n") }
        T.expectError(line: 4, column: 3, "found \"x\"") { try T.read("1,2\r3,4\n\r\n5,x") }
    }
}
