import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct CSVReaderTests {
    typealias T = FormatTestSupport

    @Test func readsRowsOfNumbers() throws {
        let m = try T.read("1,2,3\n4,5,6\n")
        #expect(m == (try Matrix([[1, 2, 3], [4, 5, 6]])))
    }

    @Test func acceptsTheDocumentedVariations() throws {
        // BOM, comment, header, CRLF, blank line, spaces, quotes, sign, "1.", ".5", exponents,
        // no final newline.
        let text = "\u{FEFF}# weights\r\na, \"b\" ,c\r\n\r\n +1 , -2.5e1 , \"3\"\r\n  \r\n.5,1.,1E-2"
        let m = try T.read(text)
        #expect(m == (try Matrix([[1, -25, 3], [0.5, 1, 0.01]])))
    }

    @Test func readsTabSeparatedValues() throws {
        let m = try T.read("x\ty\n1.5\t-2\n3\t4e2\n", .tsv)
        #expect(m == (try Matrix([[1.5, -2], [3, 400]])))
    }

    @Test func oneLineIsOneRow() throws {
        #expect(try T.read("1,2,3").shape == Shape(rows: 1, columns: 3))
    }

    @Test func quotedFieldsMayHoldSeparatorsAndLineBreaksInTheHeader() throws {
        let m = try T.read("\"a,\nb\",\"c \"\"d\"\"\"\n1,2\n")
        #expect(m == (try Matrix([[1, 2]])))
    }

    @Test func rejectsRaggedRows() {
        T.expectError(line: 3, column: 9, "row 2 (counting from 0) has 5 values; the rows above have 4") {
            try T.read("1,2,3,4\n5,6,7,8\n1,2,3,4,5\n")
        }
        T.expectError(line: 2, column: 4, "row 1 (counting from 0) has 2 values; the rows above have 3") {
            try T.read("1,2,3\n4,5\n")
        }
    }

    @Test func rejectsANonNumber() {
        T.expectError(line: 2, column: 3, "t:2:3:", "expected a number, found \"abc\"") {
            try T.read("1,2\n3,abc\n")
        }
    }

    @Test func aFirstLineWithANumberIsNotAHeader() {
        T.expectError(line: 1, column: 1, "expected a number, found \"a\"") { try T.read("a,1\n2,3\n") }
    }

    @Test func rejectsNaNAndInfinity() {
        T.expectError(line: 1, column: 3, "non-finite value \"nan\"") { try T.read("1,nan\n") }
        T.expectError(line: 2, column: 1, "non-finite value \"-Inf\"") { try T.read("1\n-Inf\n") }
    }

    @Test func rejectsValuesBeyondFloat64() {
        T.expectError(line: 1, column: 4, "1e400 is out of range for float64") { try T.read("0, 1e400\n") }
    }

    @Test func acceptsUnderflowToSubnormalAndZero() throws {
        let m = try T.read("5e-324,1e-400,-1e-400\n")
        #expect(T.bits(m) == [Double.leastNonzeroMagnitude.bitPattern, 0, (-0.0).bitPattern])
    }

    @Test func rejectsAnEmptyFile() {
        T.expectError(line: 1, column: 1, "empty file") { try T.read("") }
        T.expectError(line: 3, column: 1, "empty file") { try T.read("\n\n") }
        T.expectError(line: 2, column: 1, "no rows of numbers (only comments)") { try T.read("\n# only\n\n") }
        T.expectError(line: 1, column: 1, "no rows of numbers after the header") { try T.read("a,b\n") }
    }

    @Test func rejectsAnEmptyField() {
        T.expectError(line: 1, column: 3, "empty field") { try T.read("1,,2\n") }
        T.expectError(line: 1, column: 5, "empty field") { try T.read("1,2,\n") }
        T.expectError(line: 2, column: 3, "empty field") { try T.read("1,2\n3,\"\"\n") }
    }

    @Test func rejectsAnUnterminatedQuoteWhereItOpened() {
        T.expectError(line: 2, column: 3, kind: .syntax, "unterminated quoted field") {
            try T.read("1,2\n3,\"4\n5,6\n")
        }
    }

    @Test func rejectsTextAfterAClosingQuote() {
        T.expectError(line: 1, column: 6, kind: .syntax, "unexpected text after a closing quote") {
            try T.read("1,\"2\"x\n")
        }
    }

    @Test func rejectsBytesThatAreNotUTF8() {
        let bytes: [UInt8] = Array("1,2\n3,".utf8) + [0xFF] + Array("\n".utf8)
        T.expectError(line: 2, column: 3, kind: .syntax, "not UTF-8 (0xFF)") {
            try MatrixReader.read(bytes: bytes, name: "t", format: .csv)
        }
    }

    @Test func explainsDecimalCommas() {
        T.expectError(line: 1, column: 1, "found \"1,5\"", "decimal comma") { try T.read("1,5\t2\n", .tsv) }
    }

    /// A spreadsheet's `2,5;1,5` (decimal commas, semicolons) is named as such, with the line
    /// rewritten, rather than hinting that the fields are separated by commas.
    @Test func namesALineOfDecimalCommasAndSemicolons() {
        T.expectError(
            line: 1, column: 3, "found \"5;1\"", "decimal commas separated by semicolons", ": 2.5,1.5)"
        ) { try T.read("2,5;1,5\n") }
        // A later line of such a file, whose field count matches no row above.
        T.expectError(line: 2, column: 3, "decimal commas separated by semicolons", "0.5,-3,7.25") {
            try T.read("1,2\n0,5;-3;7,25\n")
        }
        // Numbers that are only separated by semicolons keep the separator hint.
        T.expectError(line: 1, column: 1, "2 numbers separated by semicolons") { try T.read("2;5\n") }
    }

    /// A final Ctrl-Z (0x1A, DOS's end-of-file mark) is named, not counted as a one-value row;
    /// any other control character is named too.
    @Test func namesAControlCharacterInsteadOfCountingARow() {
        T.expectError(line: 3, column: 1, "\\u{1A}", "Ctrl-Z", "delete it") { try T.read("1,2\n3,4\n\u{1A}") }
        T.expectError(line: 2, column: 3, "0x07 is a control character") { try T.read("1,2\n3,\u{07}\n") }
        let error = T.formatError { try T.read("1,2\n3,4\n\u{1A}") }
        #expect(error?.description.contains("the rows above") == false)
    }

    @Test(.enabled(if: FormatTestSupport.conformance != nil, "../shared/conformance is absent"))
    func csvSpectrumFilesAreReadOrRejectedCleanly() throws {
        let conformance = try #require(FormatTestSupport.conformance)
        let folder = conformance.appendingPathComponent("csv-spectrum/csvs")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let path = folder.appendingPathComponent(name).path
            do {
                _ = try MatrixReader.read(path: path)
            } catch {
                #expect(error.category == .data, "\(name): \(error)")
            }
        }
        #expect(
            try MatrixReader.read(path: folder.appendingPathComponent("simple_crlf.csv").path)
                == (try Matrix([[1, 2, 3]])))
        T.expectError(line: 3, column: 5, "found \"ʤ\"") {
            try MatrixReader.read(path: folder.appendingPathComponent("utf8.csv").path)
        }
        T.expectError(line: 3, column: 1, "found \"Once upon") {
            try MatrixReader.read(path: folder.appendingPathComponent("newlines_crlf.csv").path)
        }
    }
}
