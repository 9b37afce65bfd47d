import Testing

@testable import MHACore

/// Decoding block by block against the whole-sequence causal forward pass.
@Suite struct AttentionCacheTests {
    /// A layer with seeded weights: d_model `d`, τ heads, g K/V heads, optional biases.
    struct Layer {
        var x: Matrix<Double>
        var parameters: AttentionParameters<Double>
        var heads: Int
        var kvHeads: Int

        init(
            tokens n: Int, modelDim d: Int, heads: Int, kvHeads: Int, biases: Bool = false,
            layout: WeightLayout = .xw, seed: UInt64 = 7
        ) {
            let m = AttentionFixture.seededInputs(
                seed: seed, tokens: n, modelDim: d, heads: heads,
                kvHeads: kvHeads, biases: biases)
            func w(_ key: String) -> Matrix<Double> {
                let value = m[key] ?? Matrix(rows: 0, columns: 0)
                return layout == .xw ? value : value.transposed
            }
            x = m["x"] ?? Matrix(rows: 0, columns: 0)
            parameters = AttentionParameters(
                wq: w("wq"), wk: w("wk"), wv: w("wv"), wo: w("wo"),
                bq: m["bq"], bk: m["bk"], bv: m["bv"], bo: m["bo"], layout: layout)
            self.heads = heads
            self.kvHeads = kvHeads
        }

        /// The rules shared by the decoder and the reference.
        var rules = AttentionConfiguration(heads: 1)

        var configuration: AttentionConfiguration {
            var c = rules
            (c.heads, c.kvHeads, c.causal) = (heads, kvHeads, true)
            return c
        }

        /// The forward pass's causal output for all of x.
        func reference() throws -> Matrix<Double> {
            try MultiHeadAttention.forward(input: x, parameters: parameters, configuration: configuration).output
        }

        /// The forward pass's causal output with a window, through an n × n 0/1 mask instead
        /// of the engine's window rule (an independent check of the window).
        func maskedReference(window w: Int) throws -> Matrix<Double> {
            let n = x.rows
            let mask = Matrix<Double>(rows: n, columns: n) { i, j in j <= i && j > i - w ? 1 : 0 }
            var c = configuration
            c.window = nil
            return try MultiHeadAttention.forward(
                input: x, parameters: parameters, mask: AttentionMask(mask),
                configuration: c
            ).output
        }

        /// Decodes rows `range` of x in blocks of `block` rows, continuing `decoder`.
        func decode(
            _ decoder: inout AttentionCache<Double>, _ range: Range<Int>, block: Int,
            offset: Int = 0
        ) throws -> [Matrix<Double>] {
            try stride(from: range.lowerBound, to: range.upperBound, by: block).map { start in
                let step = try decoder.append(x.rowBlock(start..<min(start + block, range.upperBound)))
                #expect(step.positions == offset + start..<offset + min(start + block, range.upperBound))
                return step.output
            }
        }
    }

    /// The rows of several blocks stacked.
    static func stacked(_ blocks: [Matrix<Double>]) -> Matrix<Double> {
        let columns = blocks.first?.columns ?? 0
        let elements = blocks.flatMap(\.elements)
        return (try? Matrix(rows: elements.count / max(columns, 1), columns: columns, elements: elements))
            ?? Matrix(rows: 0, columns: 0)
    }

    @Test(arguments: [1, 3, 128])
    func blocksEqualTheCausalForwardPass(block: Int) throws {
        // Blocks of 128 need more than one block; the debug build's kernels are slow, so
        // smaller blocks get a shorter sequence.
        let n = block == 128 ? 140 : 30
        for (heads, kvHeads, biases, layout) in [
            (4, 4, false, WeightLayout.xw), (4, 2, true, .torch), (4, 1, true, .xw),
        ] {
            let layer = Layer(tokens: n, modelDim: 16, heads: heads, kvHeads: kvHeads, biases: biases, layout: layout)
            var decoder = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
            let rows = Self.stacked(try layer.decode(&decoder, 0..<n, block: block))
            expectClose(
                rows, try layer.reference(), relativeTolerance: 1e-12, "τ \(heads), g \(kvHeads), block \(block)")
            #expect(decoder.cache.count == n)
            #expect(decoder.nextPosition == n)
        }
    }

    @Test(arguments: [1, 3, 128])
    func slidingWindowKeepsOnlyTheLastKeys(block: Int) throws {
        let n = block == 128 ? 140 : 30
        for window in [1, 5, 70] {
            let layer = Layer(tokens: n, modelDim: 12, heads: 3, kvHeads: 3, biases: true)
            var windowed = layer
            windowed.rules.window = window
            var decoder = try AttentionCache(parameters: layer.parameters, configuration: windowed.configuration)
            var rows: [Matrix<Double>] = []
            for start in stride(from: 0, to: n, by: block) {
                rows.append(try decoder.append(layer.x.rowBlock(start..<min(start + block, n))).output)
                #expect(decoder.cache.count == min(window - 1, min(start + block, n)))
            }
            expectClose(
                Self.stacked(rows), try layer.maskedReference(window: window), relativeTolerance: 1e-12,
                "window \(window), block \(block)")
            expectClose(Self.stacked(rows), try windowed.reference(), relativeTolerance: 1e-12)
            #expect(decoder.cache.positions == max(0, n - (window - 1))..<n)
        }
    }

    /// A block far from position 0 carries the forward pass's RoPE warning (same position,
    /// angle and error as `attend` reports for those positions); a near one carries none.
    @Test func distantRoPEPositionsWarnPerBlock() throws {
        let layer = Layer(tokens: 3, modelDim: 4, heads: 2, kvHeads: 2)
        var rules = layer
        rules.rules.rope = RotaryEmbedding(convention: .half)
        for (offset, warns) in [(100_000, false), (1_000_000_000_000, true)] {
            rules.rules.positionOffset = offset
            var decoder = try AttentionCache(parameters: layer.parameters, configuration: rules.configuration)
            let step = try decoder.append(layer.x)
            let forward = try MultiHeadAttention.forward(
                input: layer.x, parameters: layer.parameters, configuration: rules.configuration)
            #expect(step.warnings == forward.warnings, "offset \(offset)")
            #expect(step.warnings.isEmpty != warns, "offset \(offset): \(step.warnings)")
        }
    }

    /// An overflow is named as `run` names it: the scores stage and the query token when a
    /// raw score overflowed; the cache is left as it was. Values so large that Σ p_t·v_t
    /// overflows (1.5e308 twice) are no overflow: the head is their mean, 1.5e308.
    @Test func overflowsNameTheStageAndToken() throws {
        let identity = Matrix<Double>(rows: 4, columns: 4) { i, j in i == j ? 1 : 0 }
        let zero = Matrix<Double>(rows: 4, columns: 4)
        let configuration = AttentionConfiguration(heads: 2)
        var decoder = try AttentionCache(
            parameters: .init(wq: identity, wk: identity, wv: identity, wo: identity), configuration: configuration)
        _ = try decoder.append(Matrix(rows: 3, columns: 4, repeating: 0.5))
        var block = Matrix<Double>(rows: 2, columns: 4, repeating: 0.5)
        block[1, 2] = 1e200
        #expect(
            throws: AttentionError.overflow(
                stage: "scores of head 2 (Q_2·K_2ᵀ before the scale, query token 4)", precision: "float64")
        ) {
            try decoder.append(block)
        }
        #expect(decoder.cache.count == 3)
        var values = try AttentionCache(
            parameters: .init(wq: zero, wk: zero, wv: identity, wo: identity), configuration: configuration)
        let huge = try values.append(Matrix(rows: 2, columns: 4, repeating: 1.5e308))
        expectClose(huge.output, Matrix(rows: 2, columns: 4, repeating: 1.5e308), relativeTolerance: 1e-15)
        #expect(values.cache.count == 2)
        var row = Matrix<Double>(rows: 1, columns: 4, repeating: 1.5e308)
        row[0, 1] = -1.5e308
        let next = try values.append(row)
        expectClose(
            next.concat, try Matrix([[1.5e308, 0.5e308, 1.5e308, 1.5e308]]), relativeTolerance: 1e-15,
            "the mean of 1.5e308, 1.5e308 and −1.5e308 in column 2")
    }

    /// The cache grows with the stream, and with it the tiled kernel's packed K and V: a block
    /// whose peak would pass the memory limit is refused (the cache unchanged), never an
    /// allocation that fails; a window keeps both small.
    @Test func cacheGrowthIsCheckedAgainstTheMemoryLimit() throws {
        let identity = Matrix<Double>(rows: 4, columns: 4) { i, j in i == j ? 1 : 0 }
        var configuration = AttentionConfiguration(heads: 2, memoryLimit: 4 << 20)
        var decoder = try AttentionCache(
            parameters: .init(wq: identity, wk: identity, wv: identity, wo: identity), configuration: configuration)
        let block = Matrix<Double>(rows: 256, columns: 4) { i, j in Double(i + j) / 100 }
        var refused: AttentionError?
        for _ in 0..<200 {
            do {
                _ = try decoder.append(block)
            } catch let error as AttentionError {
                refused = error
                break
            }
        }
        guard case let .insufficientMemory(needed, available)? = refused else {
            Issue.record("no refusal after \(decoder.cache.count) cached tokens")
            return
        }
        #expect(available == 4 << 20 && needed > available)
        let kept = decoder.cache.count
        #expect(throws: AttentionError.self) { try decoder.append(block) }
        #expect(decoder.cache.count == kept && kept > 0 && kept * 4 * 2 * 8 <= 4 << 20)
        configuration.window = 100
        var windowed = try AttentionCache(
            parameters: .init(wq: identity, wk: identity, wv: identity, wo: identity), configuration: configuration)
        for _ in 0..<40 { _ = try windowed.append(block) }
        #expect(windowed.nextPosition == 40 * 256)
    }

    @Test func windowedGroupedQueryAttention() throws {
        var layer = Layer(tokens: 100, modelDim: 16, heads: 8, kvHeads: 2, biases: true)
        layer.rules.window = 33
        var decoder = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
        let rows = Self.stacked(try layer.decode(&decoder, 0..<100, block: 67))
        expectClose(rows, try layer.maskedReference(window: 33), relativeTolerance: 1e-12)
    }

    @Test(arguments: [1, 3, 128])
    func ropeAlibiAndSoftcapContinueTheirPositions(block: Int) throws {
        let n = block == 128 ? 140 : 30
        let variants: [(String, (inout AttentionConfiguration) -> Void)] = [
            ("rope half", { $0.rope = RotaryEmbedding(convention: .half, base: 500_000) }),
            (
                "rope interleaved, partial, offset",
                {
                    $0.rope = RotaryEmbedding(convention: .interleaved, dimensions: 2)
                    $0.positionOffset = 17
                }
            ),
            (
                "alibi + window",
                {
                    $0.alibi = true
                    $0.window = 9
                }
            ),
            (
                "softcap + rope + window",
                {
                    $0.softcap = 0.7
                    $0.rope = RotaryEmbedding()
                    $0.window = 5
                }
            ),
        ]
        for (name, change) in variants {
            var layer = Layer(tokens: n, modelDim: 16, heads: 4, kvHeads: 2, biases: true)
            change(&layer.rules)
            var decoder = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
            #expect(decoder.nextPosition == layer.rules.positionOffset)
            let rows = Self.stacked(try layer.decode(&decoder, 0..<n, block: block, offset: layer.rules.positionOffset))
            expectClose(rows, try layer.reference(), relativeTolerance: 1e-12, "\(name), block \(block)")
        }
    }

    @Test func resumingFromASavedCacheEqualsTheUninterruptedRun() throws {
        for window in [nil, 9] as [Int?] {
            var layer = Layer(tokens: 40, modelDim: 16, heads: 4, kvHeads: 2, biases: true)
            layer.rules.window = window
            layer.rules.rope = RotaryEmbedding()
            var whole = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
            let uninterrupted = try layer.decode(&whole, 0..<40, block: 1)
            var first = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
            let before = try layer.decode(&first, 0..<23, block: 1)
            // What a file keeps: K, V and the next position, rebuilt into a new cache.
            let saved = first.cache
            let restored = try KVCache(
                keys: saved.keys, values: saved.values, kvHeads: 2, headDim: 4,
                nextPosition: saved.nextPosition)
            #expect(restored == saved)
            var second = try AttentionCache(
                parameters: layer.parameters, configuration: layer.configuration,
                cache: restored)
            let after = try layer.decode(&second, 23..<40, block: 1)
            #expect(Self.stacked(before + after) == Self.stacked(uninterrupted), "window \(String(describing: window))")
            #expect(second.cache == whole.cache)
        }
    }

    @Test func floatDecodingMatchesTheFloatForwardPass() throws {
        let layer = Layer(tokens: 40, modelDim: 16, heads: 2, kvHeads: 1, biases: true)
        let p = layer.parameters
        func f(_ m: Matrix<Double>?) -> Matrix<Float>? { m?.converted(to: Float.self) }
        guard let wq = f(p.wq), let wk = f(p.wk), let wv = f(p.wv), let wo = f(p.wo) else { return }
        let parameters = AttentionParameters(
            wq: wq, wk: wk, wv: wv, wo: wo, bq: f(p.bq), bk: f(p.bk), bv: f(p.bv), bo: f(p.bo))
        let x = layer.x.converted(to: Float.self)
        var decoder = try AttentionCache(parameters: parameters, configuration: layer.configuration)
        var rows: [Float] = []
        for start in stride(from: 0, to: 40, by: 7) {
            rows += try decoder.append(x.rowBlock(start..<min(start + 7, 40))).output.elements
        }
        let reference = try MultiHeadAttention.forward(
            input: x, parameters: parameters, configuration: layer.configuration
        ).output
        expectClose(
            try Matrix(rows: 40, columns: 16, elements: rows), reference, relativeTolerance: 1e-5, normwise: true)
    }

    @Test func refusalsLeaveTheCacheUnchanged() throws {
        let layer = Layer(tokens: 4, modelDim: 8, heads: 2, kvHeads: 2)
        var decoder = try AttentionCache(parameters: layer.parameters, configuration: layer.configuration)
        _ = try decoder.append(layer.x.rowBlock(0..<2))
        let before = decoder.cache
        #expect(throws: DecodeError.blockWidth(columns: 7, modelDim: 8)) {
            try decoder.append(Matrix(rows: 1, columns: 7))
        }
        #expect(DecodeError.blockWidth(columns: 7, modelDim: 8).description == "the rows have 7 values; d_model is 8")
        var bad = layer.x.rowBlock(2..<4)
        bad[1, 3] = .nan
        #expect(throws: AttentionError.self) { try decoder.append(bad) }
        var huge = layer.x.rowBlock(2..<3)
        for c in 0..<8 { huge[0, c] = 1e300 }
        #expect(throws: AttentionError.self) { try decoder.append(huge) }
        #expect(decoder.cache == before)
        #expect(decoder.nextPosition == 2)
    }

    @Test func aCacheOfAnotherConfigurationIsRefused() throws {
        let layer = Layer(tokens: 4, modelDim: 8, heads: 2, kvHeads: 2)
        let other = try KVCache<Double>(kvHeads: 1, headDim: 4)
        #expect(throws: DecodeError.cacheMismatch(what: "kv_heads", cache: "1", decoder: "2")) {
            try AttentionCache(parameters: layer.parameters, configuration: layer.configuration, cache: other)
        }
        var zero = layer.configuration
        zero.window = 0
        #expect(throws: AttentionError.invalidWindow(0)) {
            try AttentionCache(parameters: layer.parameters, configuration: zero)
        }
        #expect(throws: DecodeError.positionsBeforeStart(tokens: 2, nextPosition: 1)) {
            try KVCache(
                keys: Matrix<Double>(rows: 2, columns: 8), values: Matrix(rows: 2, columns: 8),
                kvHeads: 2, headDim: 4, nextPosition: 1)
        }
        #expect(throws: AttentionError.self) {
            try KVCache(
                keys: Matrix<Double>(rows: 2, columns: 6), values: Matrix(rows: 2, columns: 6),
                kvHeads: 2, headDim: 4, nextPosition: 2)
        }
    }
}
