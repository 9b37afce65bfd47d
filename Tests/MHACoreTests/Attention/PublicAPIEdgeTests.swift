import Foundation
import MHACore
import Testing

/// Public entry points called with arguments the forward pass would have refused: a typed
/// error where the docs promise one, a stated precondition (a trap with its message, never
/// memory outside the matrix) where they state one, and no arithmetic trap elsewhere.
@Suite struct PublicAPIEdgeTests {
    @Test func benchmarkRefusesNegativeSizes() {
        #expect(throws: AttentionError.self) {
            try Benchmark.forward(Double.self, sequenceLength: -1, modelWidth: 4, heads: 1, causal: false, repeats: 1)
        }
    }

    @Test func extremeArgumentsDoNotTrap() {
        #expect(WrittenPrecision(decimals: .min, significantDigits: 1).halfUnit == .infinity)
        #expect(WrittenPrecision(decimals: .max, significantDigits: 1).halfUnit == 0)
        let shapes = AttentionShapes(
            tokens: 1, modelDim: 1, heads: 0, kvHeads: 0, headDim: 1, outputDim: 1, token: nil, scale: 1)
        #expect(shapes.kvHead(for: 0) == 0)
        #expect(RotaryEmbedding(dimensions: -4).inverseFrequencies(headDim: 4).isEmpty)
    }

    /// RoPE's rotation states its preconditions: R larger than d_k, or more heads than the
    /// matrix has columns for, stop with a message instead of writing past the rows.
    @Test func rotationOutsideTheMatrixStopsWithItsPrecondition() async {
        // A precondition stops with SIGILL (a trap) and its message; writing past the buffer
        // ended in SIGSEGV.
        let tooWide = await #expect(processExitsWith: .signal(SIGILL), observing: [\.standardErrorContent]) {
            let m = Matrix<Double>(rows: 2, columns: 4, repeating: 1)
            _ = RotaryEmbedding(dimensions: 64).rotated(m, heads: 1, headDim: 4, firstPosition: 0)
        }
        let message = String(decoding: tooWide?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("RoPE rotates an even R"))
        await #expect(processExitsWith: .signal(SIGILL)) {
            let m = Matrix<Double>(rows: 2, columns: 4, repeating: 1)
            _ = RotaryEmbedding().rotated(m, heads: 8, headDim: 4, firstPosition: 0)
        }
    }
}
