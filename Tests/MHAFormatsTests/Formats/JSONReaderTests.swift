import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct JSONReaderTests {
    typealias T = FormatTestSupport

    @Test func readsTwoAndOneDimensionalArrays() throws {
        #expect(try T.read(" [[1, 2.5], [-3e2, 0]] \n", .json) == (try Matrix([[1, 2.5], [-300, 0]])))
        #expect(try T.read("[1,2,3]", .json) == (try Matrix([[1, 2, 3]])))
    }

    @Test func syntaxErrorsAreLocated() {
        let cases: [(String, Int, Int, String)] = [
            ("[[1,2],\n [3,4],]", 2, 8, "expected a value, found \"]\""),  // trailing comma
            ("[1,2,]", 1, 6, "expected a value"),
            ("[1] // note", 1, 5, "unexpected \"/\" after the JSON value"),  // comment
            ("[1, /* c */ 2]", 1, 5, "expected a value, found \"/\""),
            ("[NaN]", 1, 2, "NaN is not a JSON number (JSON has no NaN or Infinity"),
            ("[1, -Infinity]", 1, 5, "Infinity is not a JSON number"),
            ("[1, \u{2212}1]", 1, 5, "expected a value, found \"\u{2212}\" (U+2212 MINUS SIGN is not \"-\""),
            ("['a']", 1, 2, "expected a value, found \"'\""),  // single quotes
            ("[01]", 1, 3, "expected ',' or ']', found \"1\""),  // leading zero
            ("[+1]", 1, 2, "expected a value, found \"+\""),
            ("[1.]", 1, 2, "invalid number"),
            ("[1", 1, 3, "found the end of the file"),
            ("", 1, 1, "expected a value, found the end of the file"),
            ("{\"a\" 1}", 1, 6, "expected ':'"),
            ("[\"a\tb\"]", 1, 4, "unescaped control character"),
            ("[\"\\x\"]", 1, 3, "invalid escape"),
        ]
        for (text, line, column, words) in cases {
            T.expectError(line: line, column: column, kind: .syntax, words) { try T.read(text, .json) }
        }
    }

    @Test func notAMatrixIsADataErrorWithPathAndLocation() {
        T.expectError(
            line: 2, column: 6, kind: .data, path: "$[1][1]", "t:2:6: $[1][1]: expected a number, found a string"
        ) {
            try T.read("[[1, 2],\n [3, \"x\"]]", .json)
        }
        T.expectError(
            line: 1, column: 10, kind: .data, path: "$[1]", "row 1 (counting from 0) has 1 value; the rows above have 2"
        ) {
            try T.read("[[1, 2], [3]]", .json)
        }
        T.expectError(line: 1, column: 5, kind: .data, path: "$[1]", "expected a number, found an array") {
            try T.read("[1, [2]]", .json)
        }
        T.expectError(line: 1, column: 10, kind: .data, path: "$[1]", "expected a row") {
            try T.read("[[1, 2], 3]", .json)
        }
        T.expectError(line: 1, column: 1, kind: .data, path: "$", "expected a matrix, found an empty array") {
            try T.read("[]", .json)
        }
        T.expectError(line: 1, column: 2, kind: .data, path: "$[0]", "empty row") { try T.read("[[]]", .json) }
        T.expectError(line: 1, column: 1, kind: .data, path: "$", "expected a matrix, found a number") {
            try T.read("7", .json)
        }
        T.expectError(line: 1, column: 1, kind: .data, path: "$", "expected a matrix, found an object") {
            try T.read("{\"x\": [[1]]}", .json)
        }
        T.expectError(line: 1, column: 5, kind: .data, path: "$[1]", "1e999 is out of range for float64") {
            try T.read("[1, 1e999]", .json)
        }
    }

    @Test func columnsCountCharacters() {
        // "ü" is two bytes but one column.
        T.expectError(line: 2, column: 7, kind: .syntax, "expected a value, found \"x\"") {
            try T.read("\n[\"ü\", x]", .json)
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        T.expectError(line: 1, column: 513, kind: .syntax, "nesting deeper than 512") { try T.read(deep, .json) }
        let open = String(repeating: "[", count: 100_000)
        T.expectError(line: 1, column: 513, kind: .syntax, "nesting deeper than 512") { try T.read(open, .json) }
    }

    @Test func nestingUpToTheLimitIsParsed() {
        // 512 levels parse; the result is then not a matrix (a data error, not syntax).
        let text = String(repeating: "[", count: 512) + "1" + String(repeating: "]", count: 512)
        T.expectError(line: 1, column: 3, kind: .data, path: "$[0][0]", "expected a number, found an array") {
            try T.read(text, .json)
        }
    }

    @Test func stringsAreDecoded() throws {
        let text = #"{"layout": "\u0074orch", "x": [[1]], "scale": 0.5}"#
        let bundle = try InputBundle.parse(bytes: Array(text.utf8), name: "b.json")
        #expect(bundle.layout == .torch)
        #expect(bundle.scale == 0.5)
    }

    @Test(.enabled(if: FormatTestSupport.conformance != nil, "../shared/conformance is absent"))
    func jsonTestSuite() throws {
        let conformance = try #require(FormatTestSupport.conformance)
        let folder = conformance.appendingPathComponent("JSONTestSuite/test_parsing")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count > 300)
        var read = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            let outcome: FormatError?
            do {
                _ = try MatrixReader.read(bytes: bytes, name: name, format: .json)
                outcome = nil
                read += 1
            } catch {
                outcome = error
                #expect(!error.description.contains("\n"), "\(name)")
            }
            if name.hasPrefix("n_") {
                #expect(outcome?.kind == .syntax, "\(name) should be a syntax error: \(String(describing: outcome))")
            } else if name.hasPrefix("y_") {
                #expect(outcome == nil || outcome?.kind == .data, "\(name): \(String(describing: outcome))")
            }
        }
        #expect(read > 10)
    }
}
