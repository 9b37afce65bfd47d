import MHACore
import Testing

@testable import MHACLI

/// The explanation lines the front end writes for a solved shape question.
@Suite struct ShapeExplanationTests {
    @Test func headDimIsDerivedFromModelAndHeads() throws {
        let query = ShapeQuery(modelDim: 768, heads: 12)
        let lines = ShapeExplanation.lines(for: try ShapeCalculator.solve(query), given: query)
        #expect(lines.contains("d_k = d_model / τ = 768 / 12 = 64"))
    }

    @Test func modelDimIsDerivedFromHeadsAndHeadDim() throws {
        let query = ShapeQuery(heads: 8, headDim: 64)
        let lines = ShapeExplanation.lines(for: try ShapeCalculator.solve(query), given: query)
        #expect(lines.first == "d_model = τ · d_k = 8 · 64 = 512")
        #expect(lines.contains("concat = τ · d_k = 8 · 64 = 512"))
    }
}
