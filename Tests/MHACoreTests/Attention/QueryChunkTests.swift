import Testing

@testable import MHACore

/// The forward pass with Q computed in row chunks (`QueryChunks`, forced small here with
/// `heightOverride`) against the same pass in one chunk and against the plain path (scores
/// materialised, chosen by keeping the weights), for every rule that depends on a row's
/// position or on the keys a chunk may see; chunk heights are not multiples of the query
/// tile nor divisors of n.
@Suite("Query row chunks")
struct QueryChunkTests {
    /// One forward problem: H, an optional memory, weights with biases, a mask.
    struct Problem {
        var input: Matrix<Double>
        var memory: Matrix<Double>?
        var parameters: AttentionParameters<Double>
        var mask: AttentionMask<Double>?
        var configuration: AttentionConfiguration

        /// Random H (n × d_model), memory (keys × d_mem) when `keys` is given, and weights
        /// for `heads` heads of width `headDim` (`kvHeads` K/V heads).
        init(
            tokens: Int, modelDim: Int = 24, keys: Int? = nil, memoryDim: Int = 20, heads: Int = 4,
            kvHeads: Int? = nil, headDim: Int = 6, configuration: AttentionConfiguration, seed: UInt64 = 7
        ) {
            var generator = SplitMix64(seed: seed)
            let kv = (kvHeads ?? heads) * headDim
            let source = keys == nil ? modelDim : memoryDim
            input = Matrix.random(rows: tokens, columns: modelDim, scale: 1, using: &generator)
            memory = keys.map { Matrix.random(rows: $0, columns: memoryDim, scale: 1, using: &generator) }
            let matrix = { (rows: Int, columns: Int) -> Matrix<Double> in
                Matrix.random(rows: rows, columns: columns, scale: 0.4, using: &generator)
            }
            parameters = AttentionParameters(
                wq: matrix(modelDim, heads * headDim), wk: matrix(source, kv), wv: matrix(source, kv),
                wo: matrix(heads * headDim, modelDim))
            parameters.bq = matrix(1, heads * headDim)
            parameters.bk = matrix(1, kv)
            parameters.bv = matrix(1, kv)
            parameters.bo = matrix(1, modelDim)
            var c = configuration
            c.heads = heads
            c.kvHeads = kvHeads
            c.headDim = headDim
            self.configuration = c
        }

        /// The forward pass keeping `keep`, in chunks of `height` rows (nil: the pass's own
        /// choice, one chunk at these sizes).
        func run(height: Int?, keep: Intermediates = []) throws -> AttentionResult<Double> {
            var c = configuration
            c.intermediates = keep
            return try QueryChunks.$heightOverride.withValue(height) {
                try MultiHeadAttention.forward(
                    input: input, memory: memory, parameters: parameters, mask: mask, configuration: c)
            }
        }
    }

    /// Chunked output, concat and warnings against one chunk and against the plain path.
    func expectChunksAgree(_ p: Problem, heights: [Int] = [37, 128, 200], _ what: String) throws {
        let whole = try p.run(height: nil)
        let plain = try p.run(height: heights[0], keep: [.weights])
        expectClose(whole.output, plain.output, relativeTolerance: 1e-12, "\(what): one chunk vs plain")
        for height in heights {
            let chunked = try p.run(height: height)
            expectClose(chunked.output, plain.output, relativeTolerance: 1e-12, "\(what), chunks of \(height)")
            expectClose(chunked.concat, whole.concat, relativeTolerance: 1e-12, "\(what), chunks of \(height): concat")
            #expect(chunked.warnings == whole.warnings, "\(what), chunks of \(height): warnings")
        }
    }

    @Test("causal, full, window (causal and not): every row sees the keys of its own position")
    func positionRules() throws {
        for (causal, window) in [(true, nil), (false, nil), (true, 20), (false, 30)] as [(Bool, Int?)] {
            let c = AttentionConfiguration(heads: 4, causal: causal, window: window)
            try expectChunksAgree(Problem(tokens: 300, configuration: c), "causal \(causal) window \(window ?? 0)")
        }
    }

    @Test("RoPE (both conventions, a position offset) turns each chunk's rows for their own positions")
    func rotary() throws {
        for convention in RotaryEmbedding.Convention.allCases {
            let c = AttentionConfiguration(
                heads: 4, causal: true, positionOffset: 5, rope: RotaryEmbedding(convention: convention))
            try expectChunksAgree(Problem(tokens: 290, configuration: c), "RoPE \(convention)")
        }
    }

    @Test("ALiBi with a soft-cap and a window: the distance p − t survives the key shift")
    func alibiSoftcap() throws {
        let c = AttentionConfiguration(heads: 4, causal: true, alibi: true, window: 45, softcap: 3)
        try expectChunksAgree(Problem(tokens: 300, configuration: c), "ALiBi, soft-cap, window")
    }

    @Test("grouped-query heads and a head width other than d_model / τ")
    func groupedQuery() throws {
        let c = AttentionConfiguration(heads: 6, causal: true, window: 64)
        try expectChunksAgree(Problem(tokens: 260, heads: 6, kvHeads: 2, headDim: 5, configuration: c), "GQA 6/2")
    }

    @Test("cross-attention: fewer keys than queries (early rows see nothing) and more")
    func crossAttention() throws {
        let causal = AttentionConfiguration(heads: 4, causal: true)
        let fewer = Problem(tokens: 300, keys: 170, configuration: causal)
        try expectChunksAgree(fewer, "300 queries, 170 keys, causal")
        #expect(try fewer.run(height: 37).warnings.count == 130, "rows 0..<130 can attend to no key")
        let windowed = AttentionConfiguration(heads: 4, positionOffset: 3, window: 25)
        try expectChunksAgree(Problem(tokens: 200, keys: 700, configuration: windowed), "200 queries, 700 keys, window")
    }

    @Test("user masks: a random n_q × n_k keep mask with blocked rows, a key-padding row, additive")
    func userMasks() throws {
        var p = Problem(tokens: 300, configuration: .init(heads: 4, causal: true, window: 90))
        var generator = SplitMix64(seed: 3)
        let keep = Matrix<Double>(rows: 300, columns: 300) { i, _ in
            i % 41 == 5 ? 0 : Double.random(in: 0...1, using: &generator) < 0.7 ? 1 : 0
        }
        p.mask = AttentionMask(keep)
        try expectChunksAgree(p, "keep mask")
        #expect(try p.run(height: 37).warnings.count >= 7, "rows 5, 46, … block every key")
        p.mask = AttentionMask(Matrix(rows: 1, columns: 300) { _, t in t % 9 == 0 ? 1 : 0 }, kind: .block)
        try expectChunksAgree(p, "key-padding row")
        p.mask = AttentionMask(Matrix.random(rows: 300, columns: 300, scale: 2, using: &generator), kind: .additive)
        try expectChunksAgree(p, "additive mask")
    }

    @Test("Float: the chunked pass against one chunk")
    func float() throws {
        var generator = SplitMix64(seed: 5)
        let x = Matrix<Float>.random(rows: 300, columns: 24, scale: 1, using: &generator)
        let w = (0..<4).map { _ in Matrix<Float>.random(rows: 24, columns: 24, scale: 0.4, using: &generator) }
        let run = { (height: Int?) throws -> Matrix<Float> in
            try QueryChunks.$heightOverride.withValue(height) {
                try MultiHeadAttention.forward(
                    input: x, parameters: AttentionParameters(wq: w[0], wk: w[1], wv: w[2], wo: w[3]),
                    configuration: .init(heads: 4, causal: true, window: 50)
                ).output
            }
        }
        expectClose(try run(73), try run(nil), relativeTolerance: 1e-6, normwise: true, "Float, chunks of 73")
    }

    @Test("kept Q, K, V and scores are whole: those passes are not chunked")
    func keptIntermediates() throws {
        let p = Problem(
            tokens: 150, configuration: .init(heads: 4, causal: true, rope: RotaryEmbedding()))
        let whole = try p.run(height: nil, keep: [.qkv, .scores])
        let forced = try p.run(height: 37, keep: [.qkv, .scores])
        #expect(forced.queries?.rows == 150)
        #expect(forced.rotatedQueries?.rows == 150)
        #expect(forced.scores?.first?.rows == 150)
        expectClose(try #require(forced.queries), try #require(whole.queries), relativeTolerance: 1e-15, "Q")
        expectClose(
            try #require(forced.rotatedKeys), try #require(whole.rotatedKeys), relativeTolerance: 1e-15, "rotated K")
        expectClose(forced.output, try p.run(height: 37).output, relativeTolerance: 1e-12, "kept vs chunked")
    }

    @Test("attend (Q given, d_v ≠ d_k): only the keys a window lets the rows see are passed")
    func attendKeyRange() throws {
        var generator = SplitMix64(seed: 11)
        let q = Matrix<Double>.random(rows: 90, columns: 4 * 8, scale: 1, using: &generator)
        let k = Matrix<Double>.random(rows: 600, columns: 2 * 8, scale: 1, using: &generator)
        let v = Matrix<Double>.random(rows: 600, columns: 2 * 12, scale: 1, using: &generator)
        let mask = AttentionMask(Matrix.random(rows: 90, columns: 600, scale: 1, using: &generator), kind: .additive)
        for causal in [true, false] {
            var c = AttentionConfiguration(heads: 4, kvHeads: 2, causal: causal, alibi: true, window: 40)
            let streamed = try MultiHeadAttention.attend(queries: q, keys: k, values: v, mask: mask, configuration: c)
            c.intermediates = [.weights]
            let plain = try MultiHeadAttention.attend(queries: q, keys: k, values: v, mask: mask, configuration: c)
            expectClose(streamed.concat, plain.concat, relativeTolerance: 1e-12, "attend causal \(causal)")
        }
    }

    /// n tokens of width 4 (two heads of width 2), all 0.5 except `rows`' values in `columns`.
    static func input(tokens n: Int, set values: [(row: Int, columns: Range<Int>, value: Double)]) -> Matrix<Double> {
        Matrix(rows: n, columns: 4) { i, j in
            values.first { $0.row == i && $0.columns.contains(j) }?.value ?? 0.5
        }
    }

    static func diagonal(_ d: Double) -> Matrix<Double> {
        Matrix(rows: 4, columns: 4) { i, j in i == j ? d : 0 }
    }

    @Test("an overflow in a later chunk names its head and query token, as in one chunk")
    func overflowDiagnosis() throws {
        // Token 230's head-2 columns are 1e200: its own score 2·1e400·scale is +∞.
        let x = Self.input(tokens: 300, set: [(230, 2..<4, 1e200)])
        let i = Self.diagonal(1)
        let parameters = AttentionParameters(wq: i, wk: i, wv: i, wo: i)
        for causal in [true, false] {
            let c = AttentionConfiguration(heads: 2, causal: causal)
            let expected = AttentionError.overflow(
                stage: "scores of head 2 (Q_2·K_2ᵀ before the scale, query token 230)", precision: "float64")
            for height in [nil, 37, 100] as [Int?] {
                #expect(throws: expected, "causal \(causal), chunks of \(height ?? 300)") {
                    try QueryChunks.$heightOverride.withValue(height) {
                        try MultiHeadAttention.forward(input: x, parameters: parameters, configuration: c)
                    }
                }
            }
        }
    }

    @Test("errors keep the unchunked order: Q's overflow in a later chunk comes before K's and the scores'")
    func errorOrder() throws {
        let queryError = AttentionError.overflow(stage: "Q = H·W^q + b^q", precision: "float64")
        // Row 250 of H is 1e308: Q = 2·H overflows there only; so does K = 2·H.
        let both = Self.input(tokens: 300, set: [(250, 0..<4, 1e308)])
        let two = Self.diagonal(2)
        // Row 40's scores overflow (K = H/2 stays finite at row 250); Q overflows at row 250.
        let later = Self.input(tokens: 300, set: [(40, 0..<4, 1e200), (250, 0..<4, 1e308)])
        let cases: [(Matrix<Double>, AttentionParameters<Double>)] = [
            (both, AttentionParameters(wq: two, wk: two, wv: two, wo: two)),
            (later, AttentionParameters(wq: two, wk: Self.diagonal(0.5), wv: Self.diagonal(0.5), wo: two)),
        ]
        for (x, parameters) in cases {
            for height in [nil, 37] as [Int?] {
                #expect(throws: queryError, "chunks of \(height ?? 300)") {
                    try QueryChunks.$heightOverride.withValue(height) {
                        try MultiHeadAttention.forward(
                            input: x, parameters: parameters, configuration: .init(heads: 2, causal: true))
                    }
                }
            }
        }
    }

    @Test("chunk heights: one chunk up to 2^23 elements of Q, then equal multiples of 128 rows")
    func heights() {
        #expect(QueryChunks.height(rows: 2048, width: 1024) == 2048)
        #expect(QueryChunks.height(rows: 8192, width: 1024) == 8192)
        #expect(QueryChunks.height(rows: 65536, width: 1024) == 8192)
        #expect(QueryChunks.height(rows: 16384, width: 1024) == 8192)
        #expect(QueryChunks.height(rows: 8193, width: 1024) == 4224)  // two chunks: 4224 + 3969
        #expect(QueryChunks.height(rows: 5000, width: 1 << 20) == 1024)  // at least 1024 rows
        for (rows, height) in [(300, 37), (8193, 4224), (1, 1), (256, 128)] {
            let ranges = QueryChunks.ranges(3..<(3 + rows), height: height)
            #expect(ranges.first?.lowerBound == 3 && ranges.last?.upperBound == 3 + rows)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(ranges.allSatisfy { !$0.isEmpty && $0.count <= height })
        }
    }
}
