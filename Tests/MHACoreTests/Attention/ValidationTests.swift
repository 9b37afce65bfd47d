import Testing

@testable import MHACore

/// Every refusal names the matrix and both shapes, before any arithmetic.
@Suite struct ValidationTests {
    let x = try! Matrix<Double>([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    var square: Matrix<Double> { Matrix(rows: 4, columns: 4, repeating: 0.1) }

    func message(
        heads: Int = 2, kvHeads: Int? = nil, token: Int? = nil, wk: Matrix<Double>? = nil,
        wo: Matrix<Double>? = nil, bq: Matrix<Double>? = nil, mask: Matrix<Double>? = nil,
        input: Matrix<Double>? = nil, layout: WeightLayout = .xw
    ) -> (String, ErrorCategory)? {
        let parameters = AttentionParameters(
            wq: square, wk: wk ?? square, wv: square, wo: wo ?? square,
            bq: bq, layout: layout)
        do {
            _ = try MultiHeadAttention.forward(
                input: input ?? x, parameters: parameters, mask: mask,
                configuration: AttentionConfiguration(heads: heads, kvHeads: kvHeads, token: token))
            return nil
        } catch {
            return (error.description, error.category)
        }
    }

    @Test func wrongWeightShapeNamesBothShapes() {
        let m = message(wk: Matrix(rows: 4, columns: 6))
        #expect(m?.0 == "wk is 4×6 but the input has d_model 4: wk must be 4×4")
        #expect(m?.1 == .data)
    }

    @Test func torchLayoutExpectsOutByIn() {
        let m = message(wk: Matrix(rows: 4, columns: 6), layout: .torch)
        #expect(m?.0 == "wk is 4×6 but the input has d_model 4: wk must be 4×4 (out × in, torch layout)")
    }

    @Test func headsMustDivideModelWidth() {
        let wide = Matrix<Double>(rows: 1, columns: 768)
        #expect(
            message(heads: 10, input: wide)?.0
                == "d_model 768 is not divisible by 10 heads (768 / 10 = 76.8): each head takes d_k = d_model / τ columns unless a head width is given"
        )
        #expect(message(heads: 10, input: wide)?.1 == .usage)
        #expect(message(heads: 0)?.0 == "heads must be a positive integer, got 0")
    }

    @Test func kvHeadsMustDivideHeads() {
        let wide = Matrix<Double>(rows: 1, columns: 12)
        let m = message(heads: 12, kvHeads: 5, input: wide)
        #expect(m?.0 == "12 heads are not divisible by 5 kv_heads (12 / 5 = 2.4)")
    }

    @Test func groupedQueryWeightsNameTheGroups() {
        let m = message(heads: 4, kvHeads: 2, wk: square)
        #expect(m?.0 == "wk is 4×4 but the input has d_model 4 and 2 kv_heads of width 1: wk must be 4×2")
    }

    @Test func tokenOutOfRange() {
        #expect(message(token: 3)?.0 == "token 3 is out of range: the input has 3 tokens (0…2)")
        #expect(message(token: -1)?.0 == "token -1 is out of range: the input has 3 tokens (0…2)")
    }

    @Test func nonFiniteValuesAreRefused() {
        var bad = x
        bad[1, 2] = .nan
        #expect(message(input: bad)?.0 == "x[1, 2] is nan: values must be finite")
        var wo = square
        wo[0, 3] = -.infinity
        #expect(message(wo: wo)?.0 == "wo[0, 3] is -inf: values must be finite")
        #expect(message(input: bad)?.1 == .data)
    }

    @Test func biasAndMaskShapes() {
        #expect(message(bq: Matrix(rows: 1, columns: 5))?.0 == "bq is 1×5 but wq has 4 output columns: bq must be 1×4")
        #expect(message(bq: Matrix(rows: 4, columns: 1))?.0 == nil)  // a column vector is accepted
        #expect(
            message(mask: Matrix(rows: 3, columns: 4, repeating: 1))?.0
                == "mask is 3×4 but the input has 3 tokens: mask must be 3×3 (or 1×3, one value per key)")
        #expect(
            message(mask: Matrix(rows: 3, columns: 3, repeating: 0.5))?.0
                == "mask[0, 0] is 0.5: mask entries must be 1 (may attend) or 0 (blocked)")
    }

    @Test func outputProjectionRowsMustMatchConcat() {
        #expect(
            message(wo: Matrix(rows: 3, columns: 4))?.0
                == "wo is 3×4 but the concat has 4 columns (τ·d_k = 2·2): wo must be 4×4")
    }

    @Test func packedAndSeparateWeightsAreExclusive() throws {
        var p = AttentionParameters(inProjection: Matrix(rows: 10, columns: 4), wo: square)
        let c = AttentionConfiguration(heads: 2)
        #expect(
            throws: AttentionError.shapeMismatch(
                name: "in_proj", actual: Shape(rows: 10, columns: 4),
                reason: "the input has d_model 4",
                expected: "12×4 ([W^q; W^k; W^v], each out × in)")
        ) {
            try MultiHeadAttention.forward(input: x, parameters: p, configuration: c)
        }
        // A packed bias of the wrong length is named as the packed weight beside it names it.
        var packed = AttentionParameters(
            inProjection: Matrix(rows: 12, columns: 4), wo: square, packedBias: Matrix(rows: 1, columns: 11))
        #expect(
            forwardError(packed, c)
                == "in_proj_bias is 1×11 but in_proj has 12 output columns: in_proj_bias must be 1×12")
        packed = AttentionParameters(
            packedQKV: Matrix(rows: 4, columns: 12), wo: square, packedBias: Matrix(rows: 1, columns: 11))
        #expect(
            forwardError(packed, c)
                == "qkv_bias is 1×11 but [W^q | W^k | W^v] has 12 output columns: qkv_bias must be 1×12")
        p.wq = square
        #expect(throws: AttentionError.projectionSource("give either wq, wk and wv or in_proj, not both")) {
            try MultiHeadAttention.forward(input: x, parameters: p, configuration: c)
        }
    }
}

/// The message of the error `forward` throws for `parameters`, nil if it runs.
private func forwardError(_ parameters: AttentionParameters<Double>, _ c: AttentionConfiguration) -> String? {
    do {
        _ = try MultiHeadAttention.forward(
            input: Matrix(rows: 3, columns: 4, repeating: 0.5), parameters: parameters, configuration: c)
        return nil
    } catch {
        return error.description
    }
}

/// A run too large for the machine is refused before allocating, with needed vs available.
@Suite struct MemoryLimitTests {
    @Test func keptWeightsOfAHugeSequenceAreRefused() throws {
        let n = 200_000
        let x = Matrix<Double>(rows: n, columns: 16, repeating: 0.5)
        let w = Matrix<Double>(rows: 16, columns: 16, repeating: 0.1)
        let config = AttentionConfiguration(heads: 16, intermediates: [.weights], memoryLimit: 1 << 34)
        do {
            _ = try MultiHeadAttention.forward(
                input: x, parameters: .init(wq: w, wk: w, wv: w, wo: w),
                configuration: config)
            Issue.record("a 16 × 200000 × 200000 weights request was not refused")
        } catch let error {
            guard case let .insufficientMemory(needed, available) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(needed > 16 * n * n * 8)
            #expect(available == 1 << 34)
            #expect(error.category == .data)
            #expect(error.description.hasPrefix("this run needs 4.9 TiB; "))  // 17·n² doubles: 16 kept, 1 transient
            #expect(needed >= 17 * n * n * 8)
            #expect(error.description.hasSuffix(" available"))
        }
    }

    @Test func describesSizesAsPeopleRead() {
        #expect(ByteCount.describe(12) == "12 bytes")
        #expect(ByteCount.describe(41_231_686_042) == "38.4 GiB")
    }
}
