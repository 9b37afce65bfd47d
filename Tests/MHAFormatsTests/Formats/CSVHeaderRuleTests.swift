import MHACore
import Testing

@testable import MHAFormats

/// The header rule: a first line is skipped only if every field is a label (not a number,
/// at least one letter, not a spelling of a non-finite or missing value); anything else is
/// data and fails, located at line 1, instead of silently losing a row.
@Suite struct CSVHeaderRuleTests {
    typealias T = FormatTestSupport

    @Test func nonFiniteSpellingsAreDataNotAHeader() {
        T.expectError(line: 1, column: 1, "q.csv:1:1:", "non-finite value \"nan\"") {
            try T.read("nan,nan,nan,nan\n1,2,3,4\n", name: "q.csv")
        }
        T.expectError(line: 1, column: 1, "non-finite value \"inf\"") { try T.read("inf,inf\n1,2\n") }
        T.expectError(line: 1, column: 1, "non-finite value \"-INF\"") { try T.read("-INF,Infinity\n1,2\n") }
    }

    @Test func missingValueSpellingsAreDataNotAHeader() {
        T.expectError(line: 1, column: 1, "expected a number, found \"NA\"", "missing value") {
            try T.read("NA,NA\n1,2\n")
        }
        T.expectError(line: 1, column: 6, "found \"n/a\"", "missing value") { try T.read("name,n/a\n1,2\n") }
        T.expectError(line: 1, column: 1, "found \"None\"") { try T.read("None\tnull\n1\t2\n", .tsv) }
    }

    @Test func spaceSeparatedNumbersFailAtLineOneWithASeparatorHint() {
        T.expectError(
            line: 1, column: 1, "q8.csv:1:1:", "expected a number, found \"1 2 3 4\"",
            "4 numbers separated by spaces", "separated by commas"
        ) {
            try T.read("1 2 3 4\n", name: "q8.csv")
        }
    }

    @Test func semicolonSeparatedNumbersFailAtLineOne() {
        T.expectError(line: 1, column: 1, "found \"1;2;3\"", "3 numbers separated by semicolons") {
            try T.read("1;2;3\n4;5;6\n")
        }
    }

    @Test func aCommaSeparatedTSVFailsAtLineOne() {
        T.expectError(
            line: 1, column: 1, "found \"1,0,1,0\"", "4 numbers separated by commas",
            "separated by tabs"
        ) {
            try T.read("1,0,1,0\n0,1,0,1\n", .tsv)
        }
    }

    @Test func aFieldWithoutALetterIsNotALabel() {
        T.expectError(line: 1, column: 3, "expected a number, found \"_\"") { try T.read("a,_\n1,2\n") }
    }

    @Test func labelsAreStillAHeader() throws {
        let m = try T.read("x1, \"y, quoted\" ,Δt\n1,2,3\n")
        #expect(m == (try Matrix([[1, 2, 3]])))
    }

    @Test func aHeaderAloneIsLocatedAtTheHeader() {
        T.expectError(line: 2, column: 1, "no rows of numbers after the header") { try T.read("# c\nx,y\n\n") }
    }
}

/// The hints that explain a field made of several numbers.
@Suite struct CSVSeparatorHintTests {
    typealias T = FormatTestSupport

    @Test func aTabSeparatedFileReadAsCSVSaysTabs() {
        T.expectError(
            line: 1, column: 1, "found \"1\\t2\"", "2 numbers separated by tabs; fields here are separated by commas"
        ) {
            try T.read("1\t2\n3\t4\n")
        }
    }

    @Test func aQuotedDecimalCommaInCSVIsExplained() {
        T.expectError(line: 1, column: 3, "found \"1,5\"", "decimal comma") { try T.read("1,\"1,5\"\n") }
    }

    @Test func plainTextGetsNoHint() throws {
        let error = try #require(T.formatError { try T.read("1,abc\n") })
        #expect(error.description.hasSuffix("expected a number, found \"abc\""))
    }
}
