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
    }

    /// Dimensions RoPE cannot turn are a typed error, as the forward pass refuses them: no
    /// empty list for a negative R, no trap, no frequencies for an odd or too wide R.
    @Test func rotaryFrequenciesRefuseInvalidDimensions() throws {
        #expect(throws: AttentionError.invalidRotaryDimensions(dimensions: -4, headDim: 4)) {
            try RotaryEmbedding(dimensions: -4).inverseFrequencies(headDim: 4)
        }
        #expect(throws: AttentionError.invalidRotaryDimensions(dimensions: 0, headDim: 4)) {
            try RotaryEmbedding(dimensions: 0).inverseFrequencies(headDim: 4)
        }
        #expect(throws: AttentionError.invalidRotaryDimensions(dimensions: 3, headDim: 4)) {
            try RotaryEmbedding(dimensions: 3).inverseFrequencies(headDim: 4)
        }
        #expect(throws: AttentionError.invalidRotaryDimensions(dimensions: 5, headDim: 3)) {
            try RotaryEmbedding(dimensions: 5).inverseFrequencies(headDim: 3)
        }
        #expect(throws: AttentionError.invalidRotaryDimensions(dimensions: 7, headDim: 7)) {
            try RotaryEmbedding().inverseFrequencies(headDim: 7)
        }
        #expect(throws: AttentionError.nonPositive(name: "head_dim", value: 0)) {
            try RotaryEmbedding().inverseFrequencies(headDim: 0)
        }
        #expect(throws: AttentionError.nonPositive(name: "head_dim", value: -2)) {
            try RotaryEmbedding(dimensions: 2).inverseFrequencies(headDim: -2)
        }
        let error = try #require(throws: AttentionError.self) {
            try RotaryEmbedding(dimensions: 6).inverseFrequencies(headDim: 4)
        }
        #expect(error.description == "rope dimensions 6 are invalid: they must be even, positive and at most d_k = 4")
        let frequencies = try RotaryEmbedding(base: 100, dimensions: 4).inverseFrequencies(headDim: 6)
        #expect(frequencies.count == 2 && frequencies[0] == 1 && abs(frequencies[1] - 0.1) < 1e-16)
    }

    /// A decoder for a W^q with no rows says what is wrong in the weights' terms (d_model is
    /// W^q's rows), not that the 1 × 0 row it would have projected is empty.
    @Test func decoderRefusesWeightsWithoutModelWidth() throws {
        let empty = Matrix<Double>(rows: 0, columns: 4)
        let square = Matrix<Double>(rows: 4, columns: 4, repeating: 1)
        let configuration = AttentionConfiguration(heads: 2)
        let xw = AttentionParameters(wq: empty, wk: empty, wv: empty, wo: square)
        let error = try #require(throws: AttentionError.self) {
            try AttentionCache(parameters: xw, configuration: configuration)
        }
        #expect(error == .noModelWidth(name: "wq", side: "rows"))
        #expect(error.description == "wq has 0 rows: d_model must be ≥ 1 (d_model is the number of wq's rows)")
        #expect(error.category == .data)
        let torch = AttentionParameters(
            wq: Matrix<Double>(rows: 4, columns: 0), wk: Matrix<Double>(rows: 4, columns: 0),
            wv: Matrix<Double>(rows: 4, columns: 0), wo: square, layout: .torch)
        #expect(throws: AttentionError.noModelWidth(name: "wq", side: "columns")) {
            try AttentionCache(parameters: torch, configuration: configuration)
        }
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

/// QA s26-lib: sizes from the caller that overflowed or trapped now throw typed errors.
@Suite struct LibraryEdgesS26Tests {
    static let identity = Matrix<Double>(rows: 4, columns: 4) { $0 == $1 ? 1 : 0 }
    static let x = Matrix<Double>(rows: 2, columns: 4) { ($0 + $1) % 2 == 0 ? 1 : 0 }
    static var parameters: AttentionParameters<Double> {
        AttentionParameters(wq: identity, wk: identity, wv: identity, wo: identity)
    }

    @Test func aHugeHeadDimThrowsInsteadOfTrapping() throws {
        let huge = Int.max / 2 + 1
        let expected = AttentionError.sizeOverflow("2 × \(huge)")
        let configuration = AttentionConfiguration(heads: 2, headDim: huge)
        #expect(throws: expected) {
            try MultiHeadAttention.forward(input: Self.x, parameters: Self.parameters, configuration: configuration)
        }
        #expect(throws: expected) {
            try MultiHeadAttention.attend(queries: Self.x, keys: Self.x, values: Self.x, configuration: configuration)
        }
        #expect(throws: expected) { try AttentionCache(parameters: Self.parameters, configuration: configuration) }
        #expect(expected.category == .usage)
        #expect(expected.description == "2 × \(huge) is too large to compute (overflows a 64-bit integer)")
        #expect(throws: AttentionError.sizeOverflow("the sum \(huge) + \(huge) + \(huge)")) {
            try MultiHeadAttention.forward(
                input: Self.x, parameters: Self.parameters, configuration: .init(heads: 1, headDim: huge))
        }
    }

    @Test func aDecoderWithoutWqSaysWhatIsMissing() throws {
        var p = Self.parameters
        p.wq = nil
        var message = ""
        do { _ = try AttentionCache(parameters: p, configuration: .init(heads: 2)) } catch { message = "\(error)" }
        var forward = ""
        do {
            _ = try MultiHeadAttention.forward(input: Self.x, parameters: p, configuration: .init(heads: 2))
        } catch { forward = "\(error)" }
        #expect(message == "missing wq: wq, wk and wv go together")
        #expect(message == forward)
    }

    @Test func matrixErrorsAreMHAErrorsWithRightMessages() {
        func thrown(_ body: () throws -> Void) -> (any MHAError)? {
            do { try body() } catch let error as any MHAError { return error } catch {}
            return nil
        }
        let negative = thrown { _ = try Matrix<Double>(rows: -1, columns: -1, elements: [1]) }
        #expect(negative?.description == "a -1×-1 matrix is impossible: the dimensions must be non-negative")
        #expect(negative?.category == .usage)
        let huge = thrown { _ = try Matrix<Double>(rows: Int.max, columns: 2, elements: [1]) }
        #expect(huge?.description.contains("too many elements") == true)
        #expect(huge?.category == .data)
        let count = thrown { _ = try Matrix<Double>(rows: 2, columns: 2, elements: [1, 2, 3]) }
        #expect(count?.description == "a 2×2 matrix needs 4 elements, got 3")
        let values = Matrix<Double>(rows: 3, columns: 4, repeating: 1)
        let precisions = thrown {
            _ = try WrittenMatrix(values: values, precisions: [WrittenPrecision(decimals: 1, significantDigits: 2)])
        }
        #expect(precisions?.description == "a 3×4 matrix needs 12 precisions (one per entry), got 1")
        #expect(precisions?.category == .data)
    }

    @Test func decodeAndALiBiEntryPointsThrowTypedErrors() throws {
        #expect(throws: AttentionError.nonPositive(name: "kv_heads", value: 0)) {
            try KVCache<Double>(kvHeads: 0, headDim: 2)
        }
        #expect(throws: AttentionError.negativePositionOffset(-1)) {
            try KVCache<Double>(kvHeads: 1, headDim: 2, startPosition: -1)
        }
        #expect(throws: AttentionError.sizeOverflow("\(Int.max) × 2")) {
            try KVCache<Double>(
                keys: Matrix(rows: 1, columns: 4, repeating: 1), values: Matrix(rows: 1, columns: 4, repeating: 1),
                kvHeads: Int.max, headDim: 2, nextPosition: 1)
        }
        #expect(throws: AttentionError.nonPositive(name: "heads", value: 0)) { try ALiBi.slopes(heads: 0) }
        #expect(try ALiBi.slopes(heads: 4).count == 4)
        let decoder = try AttentionCache(parameters: Self.parameters, configuration: .init(heads: 2))
        #expect(decoder.bytesNeeded(forBlockOf: -1) == .max)
        #expect(decoder.bytesNeeded(forBlockOf: 1) > 0)
        #expect(throws: AttentionError.negativeBlock(-1)) { try decoder.requireMemory(forBlockOf: -1) }
        #expect(throws: AttentionError.negativeMemoryLimit(-1)) {
            try MultiHeadAttention.forward(
                input: Self.x, parameters: Self.parameters, configuration: .init(heads: 2, memoryLimit: -1))
        }
    }
}
