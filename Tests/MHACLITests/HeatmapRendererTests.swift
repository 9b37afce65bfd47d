import Foundation
import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// `--heatmap`: layout, labels, legend, shades, sampling and colour.
@Suite struct HeatmapRendererTests {
    /// A causal-looking n × n matrix: row i spreads its weight over keys 0…i, more on i.
    func causalWeights(_ n: Int) -> Matrix<Double> {
        Matrix(rows: n, columns: n) { i, j in
            j > i ? 0 : (j == i ? 2 : 1) / Double(i + 2)
        }
    }

    /// The grid rows (lines with the `│` borders) of one rendered head.
    func gridRows(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains("│") }
    }

    /// The cells between the borders of a grid row.
    func cells(_ row: Substring) -> String {
        guard let open = row.firstIndex(of: "│"), let close = row.lastIndex(of: "│"), open < close else { return "" }
        return String(row[row.index(after: open)..<close])
    }

    @Test func thirtyTwoTokensFitInEightyColumnsWithTwoCharactersPerCell() {
        let text = HeatmapRenderer.render(
            weights: [causalWeights(32)], queryPositions: Array(0..<32),
            tokens: nil, color: false)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        let rows = gridRows(text)
        #expect(rows.count == 32)
        #expect(rows.allSatisfy { cells($0).count == 64 })
        #expect(!text.contains("sampled"))
    }

    @Test func tokenNamesLabelRowsAndColumnsWithinEightyColumns() {
        let names = (0..<32).map { "w\($0)" }
        let text = HeatmapRenderer.render(
            weights: [causalWeights(32)], queryPositions: Array(0..<32),
            tokens: names, color: false)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        let rows = gridRows(text)
        let labels: [String] = rows.map { String($0.split(separator: " ").first ?? "") }
        #expect(labels == names)
        let header = text.split(separator: "\n").prefix { !$0.contains("│") }.joined(separator: "\n")
        for name in names { #expect(header.contains(name)) }
    }

    @Test func longNamesMakeColumnsUseIndicesAndRowsCarryBoth() {
        let names = ["The", "enormous", "cat"]
        let text = HeatmapRenderer.render(
            weights: [causalWeights(3)], queryPositions: [0, 1, 2],
            tokens: names, color: false)
        let rows = gridRows(text).map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(rows[1].hasPrefix("1 enormous"))
        let header = text.split(separator: "\n").dropFirst().first { !$0.contains("│") }
        #expect(header?.trimmingCharacters(in: .whitespaces) == "0 1 2")
    }

    @Test func shadesFollowTheWeightRelativeToTheMaximum() throws {
        // One row; max 0.8. Levels: ⌊w / 0.8 · 5⌋ → 0.8: 4 █, 0.56: 3 ▓, 0.4: 2 ▒, 0.2: 1 ░, 0.1: 0 blank, 0: ··
        let weights = try Matrix<Double>([[0.8, 0.56, 0.4, 0.2, 0.1, 0]])
        let text = HeatmapRenderer.render(weights: [weights], queryPositions: [0], tokens: nil, color: false)
        #expect(gridRows(text).map(cells) == ["██▓▓▒▒░░  ··"])
        #expect(text.contains("max weight 0.8"))
    }

    @Test func singlePrecisionWeightsDrawTheSameShades() throws {
        let double = try Matrix<Double>([[0.8, 0.56, 0.4, 0.2, 0.1, 0]])
        let float = double.converted(to: Float.self)
        let doubleCells = gridRows(
            HeatmapRenderer.render(weights: [double], queryPositions: [0], tokens: nil, color: false)
        ).map(cells)
        let floatCells = gridRows(
            HeatmapRenderer.render(weights: [float], queryPositions: [0], tokens: nil, color: false)
        ).map(cells)
        #expect(floatCells == doubleCells)
    }

    @Test func theLegendNamesEachShadeWithItsThreshold() throws {
        let weights = try Matrix<Double>([[0.5, 0.25, 0.25]])
        let text = HeatmapRenderer.render(weights: [weights], queryPositions: [0], tokens: nil, color: false)
        let legend = try #require(text.split(separator: "\n").first { $0.contains("legend:") })
        let thresholds = (1..<5).map { String(format: "%.2g", 0.5 * Double($0) / 5) }
        #expect(legend.contains("[··] 0"))
        #expect(legend.contains("[  ] >0"))
        for (shade, threshold) in zip(["░░", "▒▒", "▓▓", "██"], thresholds) {
            #expect(legend.contains("[\(shade)] ≥\(threshold)"))
        }
    }

    @Test func eachHeadHasItsTitleInOrder() throws {
        let w = causalWeights(4)
        let text = HeatmapRenderer.render(weights: [w, w, w], queryPositions: Array(0..<4), tokens: nil, color: false)
        let titles = text.split(separator: "\n").filter { $0.hasPrefix("head ") }.map { $0.prefix(11) }
        #expect(titles == ["head 1 of 3", "head 2 of 3", "head 3 of 3"])
        #expect(text.components(separatedBy: "legend:").count - 1 == 3)
    }

    @Test func singleTokenModeIsOneRowLabelledWithItsToken() {
        let row = Matrix<Double>(rows: 1, columns: 3) { _, j in [0.2, 0.8, 0][j] }
        let text = HeatmapRenderer.render(
            weights: [row], queryPositions: [1], tokens: ["The", "cat", "sat"],
            color: false)
        let rows = gridRows(text)
        #expect(rows.count == 1)
        #expect(rows.first?.trimmingCharacters(in: .whitespaces).hasPrefix("cat │") == true)
    }

    @Test func beyondWhatTheWidthHoldsEveryKthTokenIsShownAndSaidSo() {
        let n = 100  // 80 columns: one-character cells, 71 at most → every 2nd token
        let identity = Matrix<Double>(rows: n, columns: n) { i, j in i == j ? 1 : 0 }
        let text = HeatmapRenderer.render(weights: [identity], queryPositions: Array(0..<n), tokens: nil, color: false)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(text.contains("sampled: queries and keys every 2nd of 100 tokens (0, 2, 4, …, 98)"))
        let rows = gridRows(text)
        #expect(rows.count == 50)  // 0, 2, …, 98
        let labels: [String] = rows.map { String($0.split(separator: " ").first ?? "") }
        let shown: [String] = stride(from: 0, to: 100, by: 2).map { String($0) }
        #expect(labels == shown)
        for (k, row) in rows.enumerated() {  // shown (2k, 2k) is a diagonal 1, every other shown cell a 0
            let expected = (0..<50).map { $0 == k ? "█" : "·" }.joined()
            #expect(cells(row) == expected)
        }
    }

    @Test func aHundredTokensFitATwoHundredColumnTerminalUnsampled() {
        let n = 100
        let identity = Matrix<Double>(rows: n, columns: n) { i, j in i == j ? 1 : 0 }
        let text = HeatmapRenderer.render(
            weights: [identity], queryPositions: Array(0..<n), tokens: nil, color: false, width: 200)
        #expect(!text.contains("sampled"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 200 })
        let rows = gridRows(text)
        #expect(rows.count == 100)
        #expect(rows.allSatisfy { cells($0).count == 100 })  // one character per cell
        #expect(cells(rows[7]) == (0..<100).map { $0 == 7 ? "█" : "·" }.joined())
        let wide = HeatmapRenderer.render(
            weights: [causalWeights(64)], queryPositions: Array(0..<64), tokens: nil,
            color: false, width: 200)
        #expect(gridRows(wide).allSatisfy { cells($0).count == 128 })  // 64 tokens: two characters per cell
    }

    @Test func fullShowsEveryTokenWhateverTheWidth() {
        let n = 100
        let text = HeatmapRenderer.render(
            weights: [causalWeights(n)], queryPositions: Array(0..<n), tokens: nil, color: false,
            width: 80, full: true)
        #expect(!text.contains("sampled"))
        #expect(gridRows(text).count == 100)
        #expect(gridRows(text).allSatisfy { cells($0).count == 200 })
    }

    @Test func absoluteScaleShadesEveryHeadOnZeroToOne() throws {
        let weights = try Matrix<Double>([[0.5, 0.5], [0.25, 0.75]])  // max 0.75
        let relative = HeatmapRenderer.render(weights: [weights], queryPositions: [0, 1], tokens: nil, color: false)
        let absolute = HeatmapRenderer.render(
            weights: [weights], queryPositions: [0, 1], tokens: nil, color: false, absolute: true)
        #expect(cells(gridRows(relative)[1]) == "░░██")  // ⌊0.25/0.75·5⌋ = 1, 0.75 is the maximum: 4
        #expect(cells(gridRows(absolute)[1]) == "░░▓▓")  // ⌊0.25·5⌋ = 1, ⌊0.75·5⌋ = 3
        #expect(absolute.contains("max weight 0.75; shades span 0…1)"))
        #expect(absolute.contains("≥0.2") && absolute.contains("≥0.8"))
    }

    @Test func cellsBetweenSampledTokensAreNotShown() {
        let n = 40  // 40 columns wide: sampled every 2nd token: 0, 2, …, 38
        let odd = Matrix<Double>(rows: n, columns: n) { i, j in i == 1 && j == 1 ? 1 : 0 }
        let text = HeatmapRenderer.render(
            weights: [odd], queryPositions: Array(0..<n), tokens: nil, color: false, width: 40)
        #expect(text.contains("sampled"))
        #expect(gridRows(text).allSatisfy { cells($0).allSatisfy { $0 == "·" } })
    }

    @Test func aNarrowTerminalSamplesSooner() {
        let text = HeatmapRenderer.render(
            weights: [causalWeights(32)], queryPositions: Array(0..<32), tokens: nil,
            color: false, width: 40)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 40 })
        #expect(text.contains("sampled"))
    }

    @Test func withoutColourThereAreNoEscapeCodes() {
        let text = HeatmapRenderer.render(
            weights: [causalWeights(5)], queryPositions: Array(0..<5), tokens: nil,
            color: false)
        #expect(!text.contains("\u{1B}"))
    }

    @Test func withColourCellsAre24BitBackgroundsResetAtLineEnds() throws {
        let weights = try Matrix<Double>([[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]])
        let text = HeatmapRenderer.render(weights: [weights], queryPositions: [0, 1, 2], tokens: nil, color: true)
        let rows = gridRows(text)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.contains("\u{1B}[48;2;") && $0.hasSuffix("\u{1B}[0m│") })
        // The maximum is the top of the ramp (viridis yellow), a zero the default background.
        #expect(rows[0].contains("\u{1B}[48;2;253;231;37m  "))
        #expect(rows[0].contains("\u{1B}[49m··"))
        #expect(text.split(separator: "\n").allSatisfy { HeatmapShading.visibleLength(String($0)) <= 80 })
        let legend = try #require(text.split(separator: "\n").first { $0.contains("legend:") })
        #expect(legend.contains("\u{1B}[48;2;") && legend.contains("\u{1B}[0m"))
    }

    @Test func theRampGoesFromDarkToLightMonotonically() {
        // Perceptual ramps rise in lightness: check relative luminance increases along it.
        let luminance = (0...20).map { step -> Double in
            let (r, g, b) = HeatmapShading.rampColor(Double(step) / 20)
            return 0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)
        }
        #expect(zip(luminance, luminance.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func oddInputNeverTraps() throws {
        let strange = try Matrix<Double>([[.nan, 0, 0], [0, 0, 0]])
        let text = HeatmapRenderer.render(weights: [strange], queryPositions: [7], tokens: ["a"], color: false)
        #expect(gridRows(text).count == 2)
        #expect(
            HeatmapRenderer.render(weights: [Matrix<Float>](), queryPositions: [], tokens: nil, color: true).isEmpty)
    }
}
