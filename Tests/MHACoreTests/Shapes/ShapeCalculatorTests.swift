import Testing

@testable import MHACore

/// The textbook's dimension questions.
@Suite struct ShapeCalculatorTests {
    @Test func d768With12HeadsGivesHeadDim64() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 768, heads: 12))
        #expect(r.headDim == 64)
        #expect(r.tensor("wq_j")?.rows == .size(768) && r.tensor("wq_j")?.columns == .size(64))
        #expect(r.tensor("wo")?.rows == .size(768) && r.tensor("wo")?.columns == .size(768))
        #expect(r.tensor("scores_j")?.rows == .symbol("n") && r.tensor("scores_j")?.columns == .symbol("n"))
        #expect(r.parameterCount("weights") == 4 * 768 * 768)
        #expect(r.parameterCount("total") == 4 * 768 * 768 + 4 * 768)
        #expect(r.flops == nil && r.flopsDescription == "\(8 * 768 * 768)·n + \(4 * 768)·n²")
    }

    @Test func eightHeadsOf64ConcatTo512() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(heads: 8, headDim: 64))
        #expect(r.modelDim == 512 && r.concatDim == 512)
        #expect(r.tensor("concat")?.columns == .size(512))
    }

    @Test func headsFromModelAndHeadDim() throws {
        #expect(try ShapeCalculator.solve(ShapeQuery(modelDim: 1024, headDim: 64)).heads == 16)
    }

    @Test func notDivisibleShowsTheArithmetic() {
        #expect(
            throws: ShapeError.notDivisible(dividendName: "d_model", dividend: 768, divisorName: "heads", divisor: 10)
        ) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 768, heads: 10))
        }
        let e = ShapeError.notDivisible(dividendName: "d_model", dividend: 768, divisorName: "heads", divisor: 10)
        #expect(
            e.description
                == "d_model 768 is not divisible by 10 heads (768 / 10 = 76.8): each head takes d_k = d_model / τ columns unless a head width is given"
        )
        #expect(e.category == .usage)
    }

    @Test func missingAndOverflow() {
        #expect(throws: ShapeError.underdetermined(given: ["heads"])) {
            try ShapeCalculator.solve(ShapeQuery(heads: 12))
        }
        #expect(throws: ShapeError.self) { try ShapeCalculator.solve(ShapeQuery(heads: 1 << 40, headDim: 1 << 40)) }
        #expect(throws: ShapeError.self) { try ShapeCalculator.solve(ShapeQuery(modelDim: 1 << 40, heads: 1)) }
        // 512·n + 32·n² overflows for n near 3·10⁹: an error, not a formula.
        #expect(throws: ShapeError.self) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 8, heads: 2, seqLen: 3_037_000_499))
        }
        #expect(throws: ShapeError.nonPositive(name: "heads", value: 0)) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 768, heads: 0))
        }
    }

    /// A head's output is d_k wide, never d_model, whenever τ > 1.
    @Test(arguments: [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 768])
    func headOutputIsNarrowerThanModel(_ heads: Int) throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 768, heads: heads))
        #expect(r.tensor("head_j")?.columns == .size(768 / heads))
        #expect(r.tensor("head_j")?.columns != .size(768))
        #expect(r.tensor("concat")?.columns == .size(768))
    }

    @Test func flopsMatchTheBenchFormulaWithoutGrouping() throws {
        let (n, d) = (2048, 1024)
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: d, heads: 16, seqLen: n))
        #expect(r.flops == 8 * n * d * d + 4 * n * n * d)
        #expect(r.tensor("scores_j")?.rows == .size(n))
    }

    @Test func groupedQueryShrinksKeyAndValueWeights() throws {
        let r = try ShapeCalculator.solve(ShapeQuery(modelDim: 4096, heads: 32, kvHeads: 8))
        #expect(r.tensor("wk")?.columns == .size(1024))
        #expect(r.parameterCount("wk") == 4096 * 1024)
        #expect(
            throws: ShapeError.notDivisible(dividendName: "heads", dividend: 32, divisorName: "kv_heads", divisor: 5)
        ) {
            try ShapeCalculator.solve(ShapeQuery(modelDim: 4096, heads: 32, kvHeads: 5))
        }
    }
}
