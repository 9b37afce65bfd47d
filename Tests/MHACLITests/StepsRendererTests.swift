import Foundation
import MHACore
import MHAFormats
import Testing
@testable import MHACLI

/// `--steps`: the order of the steps, their shapes, and values checked against a textbook
/// computation written out with loops in this file (not the engine's kernels).
@Suite struct StepsRendererTests {
    // A 3-token, d_model = 4 example with two heads; the weights are arbitrary but fixed.
    let x: [[Double]] = [[1, 0, 1, 0], [0, 2, 0, 1], [1, 1, 1, 1]]
    let wq = grid { i, j in Double((i * 3 + j * 5) % 7) / 7 - 0.4 }
    let wk = grid { i, j in Double((i + 2 * j) % 5) / 5 - 0.3 }
    let wv = grid { i, j in Double((2 * i + j) % 3) / 2 - 0.5 }
    let wo = grid { i, j in i == j ? 1 : 0.25 }
    let tokens = ["The", "cat", "sat"]

    func render(heads: Int = 2, causal: Bool = true, scale: Double? = nil, token: Int? = nil,
                mask: [[Double]]? = nil, tokens: [String]? = nil, full: Bool = false) throws -> String {
        let input = try Matrix<Double>(x)
        let parameters = AttentionParameters(wq: try Matrix(wq), wk: try Matrix(wk), wv: try Matrix(wv),
                                             wo: try Matrix(wo))
        let maskMatrix = try mask.map { try Matrix<Double>($0) }
        let configuration = AttentionConfiguration(heads: heads, causal: causal, scale: scale, token: token,
                                                   intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, mask: maskMatrix,
                                                    configuration: configuration)
        return StepsRenderer.render(input: input, parameters: parameters, mask: maskMatrix.map { AttentionMask($0) },
                                    configuration: configuration, result: result,
                                    style: TextStyle(precision: 4, tokens: tokens, full: full, color: false))
    }

    @Test func titlesComeInTheOrderOfTheComputation() throws {
        let text = try render(tokens: tokens)
        let titles = ["Step 1. Project H", "Q = H·W^q", "K = H·W^k", "V = H·W^v", "Step 2. Split",
                      "Step 3, head 1 of 2", "3a. Scores", "3b. Scale", "3c. Mask", "3d. Softmax", "3e. head_1",
                      "Step 3, head 2 of 2", "3a. Scores", "3b. Scale", "3c. Mask", "3d. Softmax", "3e. head_2",
                      "Step 4. Concatenate", "Step 5. Project with W^o"]
        var position = text.startIndex
        for title in titles {
            let found = try #require(text.range(of: title, range: position..<text.endIndex), "\(title) missing or out of order")
            position = found.upperBound
        }
    }

    @Test func stepsStateTheShapeArithmetic() throws {
        let text = try render(tokens: tokens)
        #expect(text.contains("Q = H·W^q  →  (3×4)·(4×4) = 3×4"))
        #expect(text.contains("Split into τ = 2 heads of width d_k = d_model / τ = 4 / 2 = 2"))
        #expect(text.contains("head 1: Q_1, K_1, V_1 = columns 0–1 of Q, K, V"))
        #expect(text.contains("head 2: Q_2, K_2, V_2 = columns 2–3 of Q, K, V"))
        #expect(text.contains("3a. Scores Q_1·K_1ᵀ  →  (3×2)·(2×3) = 3×3"))
        #expect(text.contains("3e. head_2 = A_2·V_2  →  (3×3)·(3×2) = 3×2"))
        #expect(text.contains("so head_j is 3×2, not 3×4"))
        #expect(text.contains("concat = [head_1 | head_2]  →  3×4"))
        #expect(text.contains("output = concat·W^o  →  (3×4)·(4×4) = 3×4"))
        #expect(text.contains("Scale by 1/√d_k = 1/√2 = 0.7071"))
    }

    @Test func scoresWeightsAndOutputMatchATextbookComputation() throws {
        let text = try render(tokens: tokens)
        for head in 0..<2 {
            let reference = TextbookAttention(x: x, wq: wq, wk: wk, wv: wv, head: head, headDim: 2, causal: true)
            let section = block(text, from: "Step 3, head \(head + 1) of 2", to: "Step")
            for (row, name) in tokens.enumerated() {
                expectRow(block(section, from: "3a.", to: "3b."), label: name, equals: reference.raw[row])
                expectRow(block(section, from: "3b.", to: "3c."), label: name, equals: reference.raw[row].map { $0 / 2.0.squareRoot() })
                expectRow(block(section, from: "3d.", to: "3e."), label: name, equals: reference.weights[row])
                expectRow(block(section, from: "3e.", to: "\u{0}"), label: name, equals: reference.head[row])
            }
        }
        let heads = (0..<2).map { TextbookAttention(x: x, wq: wq, wk: wk, wv: wv, head: $0, headDim: 2, causal: true).head }
        let concat = (0..<3).map { heads[0][$0] + heads[1][$0] }
        let output = concat.map { row in (0..<4).map { c in (0..<4).reduce(0) { $0 + row[$1] * wo[$1][c] } } }
        for (row, name) in tokens.enumerated() {
            expectRow(block(text, from: "Step 4.", to: "Step 5."), label: name, equals: concat[row])
            expectRow(block(text, from: "Step 5.", to: "\u{0}"), label: name, equals: output[row])
        }
    }

    @Test func causalMaskPrintsMinusInfinityAboveTheDiagonal() throws {
        let text = try render(tokens: tokens)
        let masked = block(text, from: "3c. Mask (causal)", to: "3d.")
        #expect(masked.contains("token i sees tokens 0…i"))
        let blocked = tokens.map { name in numbers(in: masked, label: name)?.filter { $0 == -.infinity }.count }
        #expect(blocked == [2, 1, 0])
    }

    @Test func userMaskBlocksItsZerosAndAFullyMaskedRowIsExplained() throws {
        let text = try render(causal: false, mask: [[1, 0, 1], [0, 0, 0], [1, 1, 0]], tokens: tokens)
        let masked = block(text, from: "3c. Mask (user mask)", to: "3d.")
        let blocked = tokens.map { name in numbers(in: masked, label: name)?.filter { $0 == -.infinity }.count }
        #expect(blocked == [1, 3, 1])
        #expect(text.contains("\"cat\" can attend to no key: its rows of A_1 and head_1 are 0 (not NaN)"))
        let weights = block(text, from: "3d.", to: "3e.")
        expectRow(weights, label: "cat", equals: [0, 0, 0])
    }

    @Test func withoutAMaskTheStepSaysSo() throws {
        let text = try render(causal: false)
        #expect(text.contains("3c. Mask: none, every query sees every key"))
        #expect(!text.contains("-inf"))
    }

    @Test func aGivenScaleIsShownInsteadOfTheDefault() throws {
        let text = try render(scale: 0.5)
        #expect(text.contains("3b. Scale by the given scale 0.5000 (not 1/√2 = 0.7071)"))
    }

    @Test func singleTokenModeHasOneQueryRowAndAllKeys() throws {
        let text = try render(token: 2, tokens: tokens)
        #expect(text.contains("single-token mode, token 2 (\"sat\")"))
        #expect(text.contains("Q = h_2·W^q  →  (1×4)·(4×4) = 1×4"))
        #expect(text.contains("3a. Scores Q_1·K_1ᵀ  →  (1×2)·(2×3) = 1×3"))
        let scores = block(text, from: "3a.", to: "3b.").split(separator: "\n").dropFirst()
        #expect(scores.count == 2)  // key labels and the one query row
        #expect(scores.first?.contains("The") == true && scores.first?.contains("sat") == true)
        #expect(scores.last?.trimmingCharacters(in: .whitespaces).hasPrefix("sat") == true)
        let reference = TextbookAttention(x: x, wq: wq, wk: wk, wv: wv, head: 1, headDim: 2, causal: true)
        let section = block(text, from: "Step 3, head 2 of 2", to: "Step")
        expectRow(block(section, from: "3d.", to: "3e."), label: "sat", equals: reference.weights[2])
    }

    @Test func groupedQueryAttentionNamesTheSharedKeyValueHead() throws {
        let input = try Matrix<Double>(x)
        let narrow = try Matrix<Double>(rows: 4, columns: 2, elements: (0..<8).map { Double($0) / 10 })
        let parameters = AttentionParameters(wq: try Matrix(wq), wk: narrow, wv: narrow, wo: try Matrix(wo))
        let configuration = AttentionConfiguration(heads: 2, kvHeads: 1, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let text = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                        result: result, style: TextStyle())
        #expect(text.contains("grouped-query attention: g = 1 K/V head for τ = 2 query heads"))
        #expect(text.contains("K_1, V_1 = columns 0–1 of K, V (K/V head 1)"))
        #expect(text.contains("K_2, V_2 = columns 0–1 of K, V (K/V head 1)"))
        #expect(text.contains("K = H·W^k  →  (3×4)·(4×2) = 3×2"))
    }

    @Test func torchLayoutAndBiasesAreWrittenIntoTheFormulas() throws {
        let input = try Matrix<Double>(x)
        let w = try Matrix<Double>(wq)
        let bias = try Matrix<Double>([[0.1, 0.2, 0.3, 0.4]])
        let parameters = AttentionParameters(wq: w, wk: w, wv: w, wo: w, bq: bias, bo: bias, layout: .torch)
        let configuration = AttentionConfiguration(heads: 2, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let text = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                        result: result, style: TextStyle())
        #expect(text.contains("torch layout: each W is stored out × in"))
        #expect(text.contains("Q = H·(W^q)ᵀ + b^q  →  (3×4)·(4×4)ᵀ + (1×4) = 3×4"))
        #expect(text.contains("K = H·(W^k)ᵀ  →"))
        #expect(text.contains("output = concat·(W^o)ᵀ + b^o"))
    }

    @Test func packedInProjectionNamesItsRowBlocks() throws {
        let input = try Matrix<Double>(x)
        let packed = Matrix<Double>(rows: 12, columns: 4) { i, j in Double((i + j) % 3) / 3 }
        let parameters = AttentionParameters(inProjection: packed, wo: try Matrix(wo))
        let configuration = AttentionConfiguration(heads: 2, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let text = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                        result: result, style: TextStyle())
        #expect(text.contains("W^q, W^k, W^v are rows 0–3, 4–7 and 8–11 of in_proj (12×4"))
        #expect(text.contains("V = H·(W^v)ᵀ  →  (3×4)·(4×4)ᵀ = 3×4"))
        #expect(text.contains("output = concat·W^o  →"))
    }

    @Test func largeInputsAreElidedUnlessFull() throws {
        let n = 20
        let input = Matrix<Double>(rows: n, columns: 4) { i, j in Double((i * 7 + j) % 5) / 5 }
        let w = try Matrix<Double>(wq)
        let parameters = AttentionParameters(wq: w, wk: w, wv: w, wo: w)
        let configuration = AttentionConfiguration(heads: 2, causal: true, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        func text(full: Bool) -> String {
            StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                 result: result, style: TextStyle(full: full))
        }
        let elided = block(text(full: false), from: "3d.", to: "3e.")
        #expect(elided.contains("⋮") && elided.contains("…"))
        #expect(!elided.contains(" 10  "))  // a middle row is left out
        let full = block(text(full: true), from: "3d.", to: "3e.")
        #expect(!full.contains("⋮") && !full.contains("…"))
        #expect(full.split(separator: "\n").count == 1 + 1 + n)  // title, key labels, n rows
    }

    @Test func everyHeadIsShownWhenThereAreMany() throws {
        let input = Matrix<Double>(rows: 2, columns: 8) { i, j in Double(i + j) / 8 }
        let w = Matrix<Double>(rows: 8, columns: 8) { i, j in i == j ? 1 : 0 }
        let parameters = AttentionParameters(wq: w, wk: w, wv: w, wo: w)
        let configuration = AttentionConfiguration(heads: 8, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let text = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                        result: result, style: TextStyle())
        for head in 1...8 { #expect(text.contains("Step 3, head \(head) of 8")) }
        #expect(text.contains("concat = [head_1 | head_2 | … | head_8]  →  2×8"))
    }

    @Test func missingIntermediatesAreReportedNotFatal() throws {
        let input = try Matrix<Double>(x)
        let w = try Matrix<Double>(wq)
        let parameters = AttentionParameters(wq: w, wk: w, wv: w, wo: w)
        let configuration = AttentionConfiguration(heads: 2)
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let text = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                        result: result, style: TextStyle())
        #expect(text.contains("(not kept"))
        #expect(text.contains("Step 5. Project with W^o"))
    }

    @Test func plainTextHasNoEscapesFitsEightyColumnsAndColourBoldsTitles() throws {
        let plain = try render(tokens: tokens)
        #expect(!plain.contains("\u{1B}"))
        #expect(plain.split(separator: "\n").allSatisfy { $0.count <= 80 })
        let input = try Matrix<Double>(x)
        let w = try Matrix<Double>(wq)
        let parameters = AttentionParameters(wq: w, wk: w, wv: w, wo: w)
        let configuration = AttentionConfiguration(heads: 2, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let colored = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                           result: result, style: TextStyle(color: true))
        #expect(colored.contains("\u{1B}[1mStep 1. Project H into queries, keys and values\u{1B}[0m"))
    }

    @Test func floatResultsAgreeWithTheDoubleReferenceToSinglePrecision() throws {
        let input = try Matrix<Float>(x.map { $0.map(Float.init) })
        func float(_ m: [[Double]]) throws -> Matrix<Float> { try Matrix<Float>(m.map { $0.map(Float.init) }) }
        let parameters = AttentionParameters(wq: try float(wq), wk: try float(wk), wv: try float(wv), wo: try float(wo))
        let configuration = AttentionConfiguration(heads: 2, causal: true, intermediates: [.qkv, .scores, .weights])
        let result = try MultiHeadAttention.forward(input: input, parameters: parameters, configuration: configuration)
        let text = StepsRenderer.render(input: input, parameters: parameters, mask: nil, configuration: configuration,
                                        result: result, style: TextStyle(precision: 6, tokens: tokens))
        #expect(text.contains("(float32)"))
        let reference = TextbookAttention(x: x, wq: wq, wk: wk, wv: wv, head: 0, headDim: 2, causal: true)
        let weights = block(text, from: "3d.", to: "3e.")
        let printed = try #require(numbers(in: weights, label: "sat"))
        for (value, expected) in zip(printed, reference.weights[2]) {
            #expect(abs(value - expected) <= 1e-5 * max(1, abs(expected)))
        }
    }
}

/// A 4 × 4 nested array with element (i, j) = `element(i, j)`.
func grid(_ element: (Int, Int) -> Double) -> [[Double]] {
    (0..<4).map { i in (0..<4).map { j in element(i, j) } }
}

/// One head of attention by the textbook, with loops over nested arrays (test-only).
struct TextbookAttention {
    /// Q_j·K_jᵀ before scaling, the weights after mask and softmax, and head_j.
    var raw: [[Double]], weights: [[Double]], head: [[Double]]

    init(x: [[Double]], wq: [[Double]], wk: [[Double]], wv: [[Double]], head j: Int, headDim d: Int,
         causal: Bool, mask: [[Double]]? = nil) {
        func project(_ w: [[Double]]) -> [[Double]] {
            x.map { row in (j * d ..< (j + 1) * d).map { c in zip(row, w).reduce(0) { $0 + $1.0 * $1.1[c] } } }
        }
        let (q, k, v) = (project(wq), project(wk), project(wv))
        let n = x.count
        raw = q.map { qi in k.map { kt in zip(qi, kt).reduce(0) { $0 + $1.0 * $1.1 } } }
        weights = raw.enumerated().map { i, row in
            let visible = (0..<n).map { t in !(causal && t > i) && (mask?[i][t] ?? 1) != 0 }
            let scaled = row.map { $0 / Double(d).squareRoot() }
            guard let top = zip(scaled, visible).filter(\.1).map(\.0).max() else { return Array(repeating: 0, count: n) }
            let e = zip(scaled, visible).map { $1 ? Foundation.exp($0 - top) : 0 }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }
        head = weights.map { a in (0..<d).map { c in (0..<n).reduce(0) { $0 + a[$1] * v[$1][c] } } }
    }
}

/// The lines from the first line containing `start` up to (not including) the next line
/// containing `end` (searched from the line after the first).
func block(_ text: String, from start: String, to end: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let first = lines.firstIndex(where: { $0.contains(start) }) else { return "" }
    let rest = lines[(first + 1)...]
    let stop = rest.firstIndex { $0.contains(end) } ?? lines.endIndex
    return lines[first..<stop].joined(separator: "\n")
}

/// The numbers printed on the row labelled `label` in a block of matrix text (`-inf`
/// included); lines whose other fields are not all numbers, such as column labels, are skipped.
func numbers(in block: String, label: String) -> [Double]? {
    for line in block.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.first.map(String.init) == label, fields.count > 1 else { continue }
        let values = fields.dropFirst().compactMap { Double($0) }
        if values.count == fields.count - 1 { return values }
    }
    return nil
}

/// Checks that the row labelled `label` shows `expected` to the printed 4 decimals.
func expectRow(_ block: String, label: String, equals expected: [Double],
               sourceLocation: SourceLocation = #_sourceLocation) {
    guard let printed = numbers(in: block, label: label) else {
        Issue.record("no row \(label) in:\n\(block)", sourceLocation: sourceLocation)
        return
    }
    #expect(printed.count == expected.count, "row \(label): \(printed) vs \(expected)", sourceLocation: sourceLocation)
    for (value, want) in zip(printed, expected) {
        #expect(abs(value - want) <= 0.5e-4 + 1e-12, "row \(label): \(printed) vs \(expected)", sourceLocation: sourceLocation)
    }
}
