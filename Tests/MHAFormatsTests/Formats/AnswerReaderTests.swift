import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// Answers keep the precision each entry is written to.
@Suite struct AnswerReaderTests {
    private func write(_ text: String, _ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("answer-\(UUID().uuidString)-\(name)")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func precisionOfWrittenNumbers() {
        #expect(
            AnswerReader.precision("0.67") == WrittenPrecision(decimals: 2, significantDigits: 2, isIntegral: false))
        #expect(AnswerReader.precision("-0.6698")?.decimals == 4)
        #expect(AnswerReader.precision("6.698e-01")?.decimals == 4)
        #expect(AnswerReader.precision("1.5E-3")?.decimals == 4)
        #expect(AnswerReader.precision("1.2e3")?.decimals == -2)
        #expect(AnswerReader.precision("12")?.isIntegral == true)
        #expect(AnswerReader.precision("0.0670")?.significantDigits == 3)
        #expect(AnswerReader.precision("0.66976154932665692")?.isFull == true)
        #expect(AnswerReader.precision(".5")?.decimals == 1)
        #expect(AnswerReader.precision("abc") == nil)
    }

    @Test func csvWithHeaderCommentsAndQuotes() throws {
        let path = try write("# my answer\nc0,c1\n0.67, -1.25\n\n\"0.5\",1\n", "a.csv")
        let answer = try AnswerReader.read(path: path)
        #expect(answer.values == (try Matrix([[0.67, -1.25], [0.5, 1]])))
        #expect(answer.precisions.map(\.decimals) == [2, 2, 1, 1])
        #expect(answer.firstMixedPrecision.map { [$0.row, $0.column] } == [1, 0])
    }

    @Test func jsonAndTSV() throws {
        let json = try AnswerReader.read(path: try write("[[0.1234, 2e-4], [1, -0.5]]", "a.json"))
        #expect(json.precisions.map(\.decimals) == [4, 4, 1, 1])
        let tsv = try AnswerReader.read(path: try write("0.12\t0.34\n", "a.tsv"))
        #expect(tsv.values.shape == Shape(rows: 1, columns: 2))
        #expect(tsv.decimalsRange == 2...2)
    }

    @Test func notANumberIsALocatedError() throws {
        let path = try write("0.5,0.25\n0.5,abc\n", "bad.csv")
        let error = FormatTestSupport.formatError { try AnswerReader.read(path: path) }
        #expect(error?.description.hasPrefix("\(path):2:5: expected a number") == true, "\(String(describing: error))")
    }
}
