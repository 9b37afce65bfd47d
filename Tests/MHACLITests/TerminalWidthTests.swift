import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// Wide characters (CJK) take two terminal columns, so tables and heatmaps stay aligned.
@Suite struct TerminalWidthTests {
    @Test func widths() {
        #expect("abc".terminalWidth == 3)
        #expect("猫猫".terminalWidth == 4)
        #expect("e\u{301}".terminalWidth == 1)  // e + combining acute
        #expect("猫猫猫".prefix(columns: 5) == "猫猫")
        #expect(TokenLabels.truncated("猫猫猫", to: 5) == "猫猫…")
    }

    @Test func tableRowsLineUpWithWideLabels() throws {
        let m = try Matrix<Double>([[1, 0, 0], [0.5, 0.5, 0], [0.25, 0.25, 0.5]])
        let names = ["猫猫", "犬", "a"]
        let lines = MatrixText.lines(m, precision: 2, rowLabels: names, columnLabels: names)
        #expect(Set(lines.map(\.terminalWidth)).count == 1, "\(lines)")
    }

    @Test func heatmapRowsLineUpWithWideLabels() throws {
        let m = try Matrix<Double>([[1, 0, 0], [0.5, 0.5, 0], [0.25, 0.25, 0.5]])
        let text = HeatmapRenderer.render(
            weights: [m], queryPositions: [0, 1, 2], tokens: ["猫猫", "犬", "a"], color: false)
        let rows = text.split(separator: "\n").filter { $0.contains("│") }
        #expect(rows.count == 3)
        #expect(Set(rows.map { String($0).terminalWidth }).count == 1, "\(rows)")
    }
}
