/// Autoregressive multi-head attention: the layer's weights and a `KVCache`, driven token by
/// token or block by block. Each `append` projects the new rows of H, appends their keys and
/// values to the cache and returns their causal output rows: row i of a block sees the cached
/// tokens and the block's rows 0…i, exactly the rows `MultiHeadAttention.forward` computes
/// with `causal` for the whole sequence.
///
///     var decoder = try AttentionCache(parameters: p, configuration: .init(heads: 2))
///     let first = try decoder.append(h.rowBlock(0..<3))    // tokens 0, 1, 2 as one block
///     let next = try decoder.append(h.rowBlock(3..<4))     // token 3 attends to 0…3
///     next.output                                           // 1 × d_out
///     decoder.cache                                         // K, V of tokens 0…3, to save
///
/// A block of b rows is computed as GEMMs (b × d_model by d_model × d_model) and one tiled
/// attention per head over the cache, so decoding a whole file in large blocks costs about
/// what a causal forward pass does.
///
/// The configuration's RoPE turns each new query and key by its absolute position (the
/// cache's keys are stored turned, as Hugging Face's are), ALiBi and soft-cap shape the
/// scores, and with a sliding `window` of W token i sees tokens i−W+1 … i while the cache
/// keeps only the last W − 1 tokens (all that the next token can see besides itself).
/// Positions start at the configuration's `positionOffset` (or continue a restored cache).
///
/// - Complexity: per token O(n·d_k·τ + d_model·(d_model + g·d_k)) time for n cached tokens
///   (with a window, n ≤ W); memory O(n·g·d_k) for the cache.
public struct AttentionCache<Scalar: AttentionScalar>: Sendable {
    /// The dimensions: `tokens` is 1 (the layer's shapes do not depend on the sequence).
    public let shapes: AttentionShapes
    /// Heads, scale, RoPE, ALiBi, window and soft-cap, as given.
    public private(set) var configuration: AttentionConfiguration
    /// The sliding window W, or nil for the whole history.
    public var window: Int? { configuration.window }
    /// The keys and values of the tokens decoded so far.
    public private(set) var cache: KVCache<Scalar>
    /// The weights in the xw layout, validated.
    private let resolved: ResolvedAttention<Scalar>

    /// m_j per head with ALiBi.
    private let slopes: [Double]?

    /// A decoder for `parameters`, starting from `cache` (or an empty one at position 0).
    ///
    /// d_model is read from the weights (W^q's input side, or in_proj's columns). The
    /// configuration's heads, kv_heads, head_dim, scale, RoPE, ALiBi, window, soft-cap,
    /// position offset and memory limit apply; decoding is causal by definition, so `causal`,
    /// `token` and `intermediates` are not used.
    /// - Throws: `AttentionError` for weights that do not fit together or invalid score rules
    ///   (as the forward pass would), `DecodeError.cacheMismatch` for a cache of other head
    ///   counts or widths.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public init(
        parameters: AttentionParameters<Scalar>, configuration: AttentionConfiguration,
        cache: KVCache<Scalar>? = nil
    ) throws {
        var layer = configuration
        (layer.token, layer.intermediates, layer.causal) = (nil, [], true)
        let modelDim = Self.modelDim(parameters)
        // Without W^q (nor a packed projection) there is no d_model: say what is missing, as
        // the forward pass does, not that the 1 × 0 placeholder row is empty.
        if parameters.wq == nil, parameters.inProjection == nil, parameters.packedQKV == nil {
            throw ResolvedAttention.incompleteProjections(parameters)
        }
        if modelDim < 1 { throw Self.noModelWidth(parameters) }
        resolved = try ResolvedAttention(
            input: Matrix(rows: 1, columns: modelDim), memory: nil,
            parameters: parameters, mask: nil, configuration: layer)
        shapes = resolved.shapes
        self.configuration = layer
        slopes = layer.alibi ? ALiBi.slopes(validHeads: shapes.heads) : nil
        var start =
            try cache
            ?? KVCache(
                kvHeads: shapes.kvHeads, headDim: shapes.headDim,
                startPosition: layer.positionOffset)
        if start.kvHeads != shapes.kvHeads {
            throw DecodeError.cacheMismatch(what: "kv_heads", cache: "\(start.kvHeads)", decoder: "\(shapes.kvHeads)")
        }
        if start.headDim != shapes.headDim {
            throw DecodeError.cacheMismatch(what: "head_dim", cache: "\(start.headDim)", decoder: "\(shapes.headDim)")
        }
        if let window = layer.window { start.keepLast(window - 1) }
        self.cache = start
    }

    /// d_model as the weights give it: the input side of W^q (or of the packed weights).
    private static func modelDim(_ p: AttentionParameters<Scalar>) -> Int {
        if let packed = p.inProjection { return packed.columns }
        if let packed = p.packedQKV { return packed.rows }
        guard let wq = p.wq else { return 0 }
        return p.layout == .xw ? wq.rows : wq.columns
    }

    /// The refusal of weights whose input side is empty (d_model = 0), naming the matrix and
    /// the side d_model is read from, rather than the 1 × 0 placeholder row.
    private static func noModelWidth(_ p: AttentionParameters<Scalar>) -> AttentionError {
        if p.inProjection != nil { return .noModelWidth(name: "in_proj", side: "columns") }
        if p.packedQKV != nil { return .noModelWidth(name: "qkv", side: "rows") }
        return .noModelWidth(name: "wq", side: p.layout == .xw ? "rows" : "columns")
    }

    /// A 64-bit FNV-1a hash of what the cached keys and values depend on besides the input:
    /// W^k, W^v (xw layout) and b^k, b^v, bit by bit, with their shapes, and the QK-norm's
    /// rule and γ^k when there is one. A saved cache records
    /// it so that resuming with other weights is refused rather than silently wrong.
    public var keyValueFingerprint: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) {
                hash = (hash ^ (value >> UInt64(shift) & 0xFF)) &* 0x0000_0100_0000_01B3
            }
        }
        for m in [resolved.wk, resolved.wv] {
            mix(UInt64(m.rows))
            mix(UInt64(m.columns))
            m.elements.forEach { mix(Double($0).bitPattern) }
        }
        for b in [resolved.bk, resolved.bv] {
            mix(UInt64(b?.count ?? 0))
            b?.forEach { mix(Double($0).bitPattern) }
        }
        // The cached keys are normalised: the norm's rule and γ^k too (nothing without one,
        // so that caches saved before QK-norms existed still match).
        if let norm = configuration.qkNorm {
            mix(norm.span == .head ? 1 : 2)
            mix(norm.epsilon.bitPattern)
            mix(UInt64(norm.keyGain?.count ?? 0))
            norm.keyGain?.forEach { mix($0.bitPattern) }
        }
        return hash
    }

    /// d_model, the width of every row given to `append`.
    public var modelDim: Int { shapes.modelDim }

    /// The position the next appended row gets.
    public var nextPosition: Int { cache.nextPosition }

    /// Decodes the next `rows.rows` tokens as one block.
    ///
    /// - Parameter rows: b × d_model, the tokens at positions `nextPosition ..< nextPosition + b`.
    /// - Returns: their output rows (b × d_out) and concat (b × τ·d_k).
    /// - Throws: `DecodeError.blockWidth` for rows of the wrong width, `AttentionError.nonFinite`
    ///   for a NaN or infinite value, `.overflow` when an intermediate exceeds the precision.
    ///   On any error the cache is unchanged.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public mutating func append(_ rows: Matrix<Scalar>) throws -> DecodeStep<Scalar> {
        let s = shapes
        guard rows.columns == s.modelDim || rows.rows == 0 else {
            throw DecodeError.blockWidth(columns: rows.columns, modelDim: s.modelDim)
        }
        let first = cache.nextPosition
        guard rows.rows > 0 else {
            return DecodeStep(
                positions: first..<first, concat: Matrix(rows: 0, columns: s.concatDim),
                output: Matrix(rows: 0, columns: s.outputDim))
        }
        try ResolvedAttention.requireFinite("x", rows)
        try AttentionRules.checkPositions(first: first, count: rows.rows)
        // Every matrix the block allocates is counted before the first of them exists: a block
        // too large for the memory the session was given is refused, never an allocation that fails.
        try requireMemory(forBlockOf: rows.rows)
        let concat = try attended(rows, firstPosition: first)
        let output: Matrix<Scalar>
        do {
            output = try Self.affine(concat, resolved.wo, resolved.bo, stage: "output = concat·W^o + b^o")
        } catch {
            cache.removeLast(rows.rows)
            throw error
        }
        if let window { cache.keepLast(window - 1) }
        return DecodeStep(
            positions: first..<first + rows.rows, concat: concat, output: output,
            warnings: positionWarnings(last: first + rows.rows - 1))
    }

    /// The block's concat: Q, K and V projected (normalised, turned), K and V appended to the
    /// cache, every head attended. Q, K and V are freed when it returns, before the output
    /// projection, as `MemoryEstimate` counts the two phases. On an error the cache is unchanged.
    private mutating func attended(_ rows: Matrix<Scalar>, firstPosition first: Int) throws -> Matrix<Scalar> {
        let (s, r) = (shapes, resolved)
        var q = try Self.affine(rows, r.wq, r.bq, stage: "Q = H·W^q + b^q")
        var k = try Self.affine(rows, r.wk, r.bk, stage: "K = H·W^k + b^k")
        let v = try Self.affine(rows, r.wv, r.bv, stage: "V = H·W^v + b^v")
        if let norm = configuration.qkNorm {
            q = try norm.normalised(
                q, heads: s.heads, headDim: s.headDim, gain: norm.queryGain, name: "Q", firstToken: first)
            k = try norm.normalised(
                k, heads: s.kvHeads, headDim: s.headDim, gain: norm.keyGain, name: "K", firstToken: first)
        }
        if let rope = configuration.rope {
            q = rope.rotated(q, heads: s.heads, headDim: s.headDim, firstPosition: first)
            k = rope.rotated(k, heads: s.kvHeads, headDim: s.headDim, firstPosition: first)
        }
        cache.append(keys: k, values: v)
        do {
            return try rescued(attend(q), q, firstPosition: first)
        } catch {
            cache.removeLast(rows.rows)
            throw error
        }
    }

    /// `.imprecisePositions` when RoPE's angle at `last` (the block's last position) is held
    /// to worse than `RotaryEmbedding.reportedAngleError`, as the forward pass reports it.
    private func positionWarnings(last: Int) -> [AttentionWarning] {
        guard let rope = configuration.rope else { return [] }
        let (angle, error) = rope.angleError(lastPosition: last, headDim: shapes.headDim)
        guard error > RotaryEmbedding.reportedAngleError else { return [] }
        return [.imprecisePositions(position: last, angle: angle, error: error)]
    }

    /// The bytes a block of `rows` tokens allocates at its peak, counted as `MemoryEstimate`
    /// counts a forward pass (`run`'s check): the block's Q, K and V (with their normalised or
    /// turned copies), its concat and output, for a block the tiled kernel computes one head's
    /// packed K and V of the whole live cache per core, and the cache's storage as it grows
    /// (`KVCache.peakBytes`: present capacity and the doubled buffers). `Int.max` on overflow
    /// and for fewer than 0 rows (a block no memory holds).
    public func bytesNeeded(forBlockOf rows: Int) -> Int {
        guard rows >= 0 else { return .max }  // no block has fewer than 0 rows
        let s = shapes
        guard let storage = cache.peakBytes(adding: rows) else { return .max }
        let keys = Swift.min(cache.count + rows, window.map { $0 - 1 + rows } ?? Int.max)
        let tiled = rows > HeadBlock<Scalar>.rowByRowLimit
        let block = MemoryEstimate.Dimensions(
            tokens: rows, queryRows: rows, modelDim: s.modelDim, kvDim: s.kvDim, concatDim: s.concatDim,
            outputDim: s.outputDim, heads: s.heads, keyCount: rows, queryDim: s.queryDim,
            rotates: configuration.rope != nil || configuration.qkNorm != nil, projected: false,
            threads: Swift.min(s.heads, KernelContext.current.threads), packedKeys: tiled ? keys : 0)
        let matrices = MemoryEstimate.bytes(
            block, keep: [], layout: .xw, scalarBytes: MemoryLayout<Scalar>.stride)
        return CheckedArithmetic.sum([storage, matrices]) ?? .max
    }

    /// Refuses a block of `rows` tokens whose `bytesNeeded`, with `extra` bytes the caller
    /// allocates for it (the text of its output rows), exceed the configuration's memory limit.
    /// `append` checks the block alone itself.
    /// - Throws: `AttentionError.negativeBlock` for fewer than 0 rows,
    ///   `.insufficientMemory` naming both sizes.
    public func requireMemory(forBlockOf rows: Int, besides extra: Int = 0) throws(AttentionError) {
        guard rows >= 0 else { throw .negativeBlock(rows) }
        try configuration.requireMemory(CheckedArithmetic.sum([bytesNeeded(forBlockOf: rows), extra]) ?? .max)
    }

    /// Sets the memory the blocks may use to `available` bytes free now (nil: no limit) plus
    /// the cache's present storage, which each block's bound counts again; requests under
    /// `unchecked` bytes are not compared. A front end calls it once the weights and a saved
    /// cache are in memory, so that what they hold is not counted as available.
    public mutating func limitMemory(available: Int?, unchecked: Int) {
        configuration.memoryLimit = available.map { CheckedArithmetic.sum([$0, cache.storageBytes]) ?? .max }
        configuration.uncheckedMemory = unchecked
    }

    /// `concat` with each head whose output overflowed while its scores did not computed
    /// again on V·2^−e (`ValueRescue`); throws the overflow that remains, named as the forward
    /// pass names it.
    private func rescued(_ concat: Matrix<Scalar>, _ q: Matrix<Scalar>, firstPosition: Int) throws(AttentionError)
        -> Matrix<Scalar>
    {
        let s = shapes
        var concat = concat
        try ValueRescue.repair(
            &concat, rows: 0..<q.rows, headWidth: s.headDim, firstToken: firstPosition,
            scoresOverflow: { scoresOverflow(q, head: $0, row: $1) },
            rescue: { j, concat in
                let e = ValueRescue.exponent(keyCount: cache.count)
                let again = attend(q, valueExponent: e)
                again.withUnsafeBufferPointer { h in
                    concat.withUnsafeMutableBufferPointer { c in
                        guard let h = h.baseAddress, let c = c.baseAddress else { return }
                        ValueRescue.merge(
                            h + j * s.headDim, exponent: e, into: c + j * s.headDim, rows: q.rows, width: s.headDim,
                            stride: s.concatDim, rescuedStride: s.concatDim)
                    }
                }
            })
        return concat
    }

    /// How one of the visible raw scores of head `j`'s block row `row` overflowed, if one did
    /// (the error path only, before the block leaves the cache).
    private func scoresOverflow(_ q: Matrix<Scalar>, head j: Int, row: Int) -> ScoreOverflow? {
        let s = shapes
        let keys = cache.keys
        let own = keys.rows - q.rows + row
        let lower = window.map { Swift.max(0, own + 1 - $0) } ?? 0
        let keyColumn = s.kvHead(for: j) * s.headDim
        return ScoreOverflow.find(
            queries: q, row: row, columns: (j * s.headDim)..<((j + 1) * s.headDim),
            keys: keys, columns: keyColumn..<(keyColumn + s.headDim), among: lower..<(own + 1), scale: s.scale)
    }

    /// x·W + b as the forward pass forms it; a block of a few rows streams W once
    /// (`Kernels.fewRowsProduct`) instead of packing it for the GEMM.
    private static func affine(
        _ x: Matrix<Scalar>, _ w: Matrix<Scalar>, _ b: [Scalar]?, stage: String
    ) throws(AttentionError) -> Matrix<Scalar> {
        guard x.rows <= Kernels.fewRowsLimit else { return try MultiHeadAttention.affine(x, w, b, stage: stage) }
        var y = Kernels.fewRowsProduct(x, w)
        guard Kernels.finishAffine(&y, bias: b) else { throw .overflow(stage: stage, precision: Scalar.precisionName) }
        return y
    }

    /// Every head of the block's queries `q` (b × τ·d_k, the last b cached tokens) against
    /// the cache, into the concat.
    private func attend(_ q: Matrix<Scalar>, valueExponent e: Int = 0) -> Matrix<Scalar> {
        let s = shapes
        let (b, n) = (q.rows, cache.count)
        let factor: Scalar = ValueRescue.power(-e)
        var concat = Matrix<Scalar>(rows: b, columns: s.concatDim)
        let work = b.multipliedReportingOverflow(by: Swift.min(n, window ?? n) * s.queryDim)
        let parallel = work.overflow || work.partialValue >= 1 << 20
        q.withUnsafeBufferPointer { queries in
            concat.withUnsafeMutableBufferPointer { out in
                _ = cache.withLiveRows { keys, live in
                    guard let queries = queries.baseAddress, let out = out.baseAddress else { return }
                    // Scaled values exist only while a head is rescued (the error path).
                    let scaled = e == 0 ? [] : (0..<(n * s.kvDim)).map { live[$0] * factor }
                    scaled.withUnsafeBufferPointer { copy in
                        let values = e == 0 ? live : copy.baseAddress ?? live
                        let block = HeadBlock(
                            queries: queries, keys: keys, values: values, output: out, shapes: s,
                            blockRows: b, cached: n, window: window,
                            softcap: configuration.softcap, slopes: slopes)
                        if b <= HeadBlock<Scalar>.rowByRowLimit {
                            // One contiguous group of heads per core, each read key row by key row.
                            let groups = parallel ? Swift.min(KernelContext.current.threads, s.heads) : 1
                            Self.forEachHead(groups, parallel: parallel) { g in
                                block.attend(heads: g * s.heads / groups..<(g + 1) * s.heads / groups)
                            }
                        } else {
                            Self.forEachHead(s.heads, parallel: parallel) { j in block.attend(head: j) }
                        }
                    }
                }
            }
        }
        return concat
    }

    /// Runs `body` for heads 0..<count, across the cores when `parallel`.
    private static func forEachHead(_ count: Int, parallel: Bool, _ body: (Int) -> Void) {
        if parallel {
            Kernels.parallelFor(count, body)
        } else {
            (0..<count).forEach(body)
        }
    }
}

/// What one `AttentionCache.append` computed.
public struct DecodeStep<Scalar: AttentionScalar>: Sendable, Equatable {
    /// The sequence positions of the block's rows.
    public var positions: Range<Int>
    /// [head_1 | … | head_τ] for the block, b × τ·d_k.
    public var concat: Matrix<Scalar>
    /// concat·W^o + b^o for the block, b × d_out.
    public var output: Matrix<Scalar>
    /// What the block's computation should tell the user (`.imprecisePositions` when RoPE's
    /// angles at these positions lose digits); the library prints nothing itself.
    public var warnings: [AttentionWarning] = []
}
