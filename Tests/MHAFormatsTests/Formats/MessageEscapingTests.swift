import MHACore
import Testing

@testable import MHAFormats

/// Text quoted from a file into a message never carries a control character to the
/// terminal: C0, DEL, C1 and invisible format characters are escaped as `\u{1B}`, line
/// breaks and tabs as `\n`, `\r`, `\t`, and long text is cut.
@Suite struct MessageEscapingTests {
    typealias T = FormatTestSupport

    @Test func csvEscapeSequencesAreEscaped() {
        T.expectError(line: 2, column: 3, #"found "\u{1B}[2J\u{1B}]0;pwned\u{7}""#) {
            try T.read("1,2\n3,\u{1B}[2J\u{1B}]0;pwned\u{07}\n")
        }
    }

    @Test func delAndC1AreEscaped() {
        T.expectError(line: 1, column: 3, #"found "ab\u{7F}c\u{9B}d\u{85}""#) {
            try T.read("1,ab\u{7F}c\u{9B}d\u{85}\n")
        }
    }

    /// A NUL is not quoted at all: it is named, where it is (the scanners would stop at it).
    @Test func nulIsNamedWhereItIs() {
        T.expectError(line: 1, column: 4, kind: .syntax, "a NUL byte (0x00): this is binary data, not CSV text") {
            try T.read("1,a\u{0}b\n")
        }
    }

    @Test func lineBreaksAndTabsInsideQuotesUseTheirShortEscapes() {
        T.expectError(line: 2, column: 3, #"found "a\r\nb\tc""#) { try T.read("1,2\n3,\"a\r\nb\tc\"\n") }
    }

    @Test func invisibleFormatCharactersAreShown() {
        T.expectError(line: 1, column: 1, #"found "1\u{200B}""#) { try T.read("1\u{200B},2\n") }
    }

    @Test func longTextIsCutAfterFortyCharacters() throws {
        let error = try #require(T.formatError { try T.read("1,\(String(repeating: "\u{1B}", count: 100))\n") })
        #expect(
            error.description.hasSuffix(
                #"found "\#(String(repeating: #"\u{1B}"#, count: 40))…" (0x1B is a control character, not part of a number)"#
            ))
    }

    @Test func jsonStringsInBundlesAreEscaped() {
        T.expectError(line: 1, column: 12, path: "$.layout", #"found "\u{1B}[2J""#) {
            try InputBundle.parse(bytes: Array(#"{"layout": "\u001b[2J"}"#.utf8), name: "b.json")
        }
        T.expectError(line: 1, column: 2, #"unknown key "x\u{1B}""#) {
            try InputBundle.parse(bytes: Array(#"{"x\u001b": 1}"#.utf8), name: "b.json")
        }
    }

    @Test func jsonSyntaxErrorsQuoteEscaped() {
        T.expectError(line: 1, column: 2, kind: .syntax, #"\u{7F}"#) {
            try T.read("[\u{7F}]", .json)
        }
    }

    @Test func npyDescrIsEscaped() {
        let bytes = NPYHeader.encoded(descr: "<f\u{1B}", rows: 1, columns: 1) + [UInt8](repeating: 0, count: 8)
        T.expectError(line: nil, column: nil, kind: .syntax, #"unsupported dtype '<f\u{1B}'"#) {
            try MatrixReader.read(bytes: bytes, name: "a.npy", format: .npy)
        }
    }

    @Test func fileNamesAreEscaped() {
        T.expectError(line: 1, column: 1, #"a\u{1B}[31m.csv:1:1:"#) {
            try T.read("x\n", name: "a\u{1B}[31m.csv")
        }
    }
}
