/// Validated operands of a projected forward pass, in the textbook's xw layout, ready for
/// arithmetic.
struct ResolvedAttention<Scalar: AttentionScalar> {
    var shapes: AttentionShapes
    var wq, wk, wv, wo: Matrix<Scalar>
    var bq, bk, bv, bo: [Scalar]?
    var mask: ResolvedMask<Scalar>?
}

extension ResolvedAttention {
    /// Checks every dimension and value before any arithmetic, then brings the weights to the
    /// xw layout.
    /// - Throws: `AttentionError` naming the offending matrix and both shapes.
    init(
        input x: Matrix<Scalar>, memory: Matrix<Scalar>?, parameters p: AttentionParameters<Scalar>,
        mask: AttentionMask<Scalar>?, configuration c: AttentionConfiguration
    ) throws(AttentionError) {
        shapes = try Self.shapes(input: x, memory: memory, parameters: p, configuration: c)
        let s = shapes
        try AttentionRules.validate(
            c, headDim: s.headDim, queryCount: s.tokens, keyCount: s.keyCount, precision: Scalar.self)
        let needed = MemoryEstimate.bytes(
            .init(s, configuration: c, masked: mask != nil), keep: c.intermediates, layout: p.layout,
            scalarBytes: MemoryLayout<Scalar>.stride)
        try c.requireMemory(needed)
        try Self.requireFinite("x", x)
        if let memory { try Self.requireFinite("memory", memory) }
        let (q, k, v) = try Self.projections(p, memory: memory, shapes: s)
        wq = q
        wk = k
        wv = v
        wo = try Self.weight(
            "wo", p.wo, layout: p.layout, rows: s.concatDim, columns: s.outputDim,
            reason: "the concat has \(s.concatDim) columns (τ·d_k = \(s.heads)·\(s.headDim))")
        (bq, bk, bv) = try Self.biases(p, shapes: s)
        bo = try Self.bias("bo", p.bo, length: s.outputDim, of: "wo")
        self.mask = try mask.map { m throws(AttentionError) in
            try ResolvedMask(m, queries: s.tokens, keys: s.keyCount)
        }
    }

    /// Head counts, d_k, the token and the scale, from H, M, W^o and the configuration.
    private static func shapes(
        input x: Matrix<Scalar>, memory: Matrix<Scalar>?, parameters p: AttentionParameters<Scalar>,
        configuration c: AttentionConfiguration
    ) throws(AttentionError) -> AttentionShapes {
        guard x.rows > 0, x.columns > 0 else { throw .emptyInput(x.shape) }
        if let memory, memory.rows == 0 || memory.columns == 0 {
            throw .shapeMismatch(
                name: "memory", actual: memory.shape, reason: "cross-attention needs keys",
                expected: "at least 1×1")
        }
        let (heads, kvHeads) = try AttentionRules.headCounts(c)
        let headDim: Int
        if let given = c.headDim {
            guard given > 0 else { throw .nonPositive(name: "head_dim", value: given) }
            headDim = given
        } else {
            guard x.columns % heads == 0 else { throw .headsDoNotDivideModel(modelDim: x.columns, heads: heads) }
            headDim = x.columns / heads
        }
        try AttentionRules.checkWidths(heads: heads, kvHeads: kvHeads, headDim: headDim, valueDim: headDim)
        if let token = c.token, !(0..<x.rows).contains(token) {
            throw .tokenOutOfRange(token: token, tokens: x.rows)
        }
        let scale = c.scale ?? 1 / Double(headDim).squareRoot()
        guard scale.isFinite else { throw .invalidScale(scale) }
        let outputDim = p.layout == .xw ? p.wo.columns : p.wo.rows
        return AttentionShapes(
            tokens: x.rows, modelDim: x.columns, heads: heads, kvHeads: kvHeads,
            headDim: headDim, outputDim: outputDim, token: c.token, scale: scale,
            keyCount: memory?.rows ?? x.rows, memoryDim: memory?.columns,
            valueDim: headDim, positionOffset: c.positionOffset)
    }

    /// Why W^q has its shape, in words: `the input has d_model 8` (and the heads when
    /// τ·d_k ≠ d_model).
    private static func queryReason(_ s: AttentionShapes) -> String {
        s.queryDim == s.modelDim
            ? "the input has d_model \(s.modelDim)"
            : "the input has d_model \(s.modelDim) and \(s.heads) heads of width \(s.headDim)"
    }

    /// Why W^k and W^v have theirs.
    private static func keyReason(_ s: AttentionShapes) -> String {
        let source = s.memoryDim.map { "the memory has d_mem \($0)" } ?? "the input has d_model \(s.modelDim)"
        return s.kvDim == s.modelDim && s.memoryDim == nil
            ? source
            : "\(source) and \(s.kvHeads) kv_heads of width \(s.headDim)"
    }

    /// W^q, W^k, W^v in xw layout, from separate matrices, PyTorch's packed in_proj_weight or
    /// GPT-2's packed c_attn.
    private static func projections(
        _ p: AttentionParameters<Scalar>, memory: Matrix<Scalar>?, shapes s: AttentionShapes
    )
        throws(AttentionError) -> (Matrix<Scalar>, Matrix<Scalar>, Matrix<Scalar>)
    {
        let sourceDim = s.memoryDim ?? s.modelDim
        let packedWidth = s.queryDim + 2 * s.kvDim
        let sources = [p.wq, p.wk, p.wv].compactMap { $0 }.count
        switch (sources, p.inProjection, p.packedQKV) {
        case (3, nil, nil):
            guard let wq = p.wq, let wk = p.wk, let wv = p.wv else { break }
            let q = try weight(
                "wq", wq, layout: p.layout, rows: s.modelDim, columns: s.queryDim, reason: queryReason(s))
            return (
                q, try keyWeight("wk", wk, layout: p.layout, memory: memory, shapes: s),
                try keyWeight("wv", wv, layout: p.layout, memory: memory, shapes: s)
            )
        case let (0, packed?, nil):
            try requirePackedSource("in_proj", sourceDim: sourceDim, shapes: s)
            guard packed.rows == packedWidth, packed.columns == s.modelDim else {
                throw .shapeMismatch(
                    name: "in_proj", actual: packed.shape, reason: keyReason(s),
                    expected: "\(packedWidth)×\(s.modelDim) ([W^q; W^k; W^v], each out × in)")
            }
            try requireFinite("in_proj", packed)
            return (
                packed.rowBlock(0..<s.queryDim).transposed,
                packed.rowBlock(s.queryDim..<(s.queryDim + s.kvDim)).transposed,
                packed.rowBlock((s.queryDim + s.kvDim)..<packedWidth).transposed
            )
        case let (0, nil, packed?):
            try requirePackedSource("qkv", sourceDim: sourceDim, shapes: s)
            guard packed.rows == s.modelDim, packed.columns == packedWidth else {
                throw .shapeMismatch(
                    name: "qkv", actual: packed.shape, reason: keyReason(s),
                    expected: "\(s.modelDim)×\(packedWidth) ([W^q | W^k | W^v], each in × out)")
            }
            try requireFinite("qkv", packed)
            return (
                packed.columnBlock(0..<s.queryDim),
                packed.columnBlock(s.queryDim..<(s.queryDim + s.kvDim)),
                packed.columnBlock((s.queryDim + s.kvDim)..<packedWidth)
            )
        case (0, nil, nil):
            throw incompleteProjections(p)
        case (_, .some, .some):
            throw .projectionSource("give one of in_proj and qkv, not both")
        case (1..., _, _) where p.inProjection != nil || p.packedQKV != nil:
            throw .projectionSource(
                "give either wq, wk and wv or \(p.inProjection != nil ? "in_proj" : "qkv"), not both")
        default:
            break
        }
        throw incompleteProjections(p)
    }

    /// The refusal of separate Q/K/V weights with some missing (none given: no weights at all).
    static func incompleteProjections(_ p: AttentionParameters<Scalar>) -> AttentionError {
        let missing = [("wq", p.wq), ("wk", p.wk), ("wv", p.wv)].filter { $0.1 == nil }.map(\.0)
        guard missing.count < 3 else {
            return .projectionSource("no Q/K/V weights: give wq, wk and wv, in_proj, or qkv")
        }
        return .projectionSource("missing \(missing.joined(separator: ", ")): wq, wk and wv go together")
    }

    /// A packed projection applies one input width to Q, K and V: with a memory of another
    /// width it cannot.
    private static func requirePackedSource(_ name: String, sourceDim: Int, shapes s: AttentionShapes)
        throws(AttentionError)
    {
        guard sourceDim == s.modelDim else {
            throw .projectionSource(
                "\(name) packs W^k and W^v for inputs of width d_model \(s.modelDim), "
                    + "but the memory has d_mem \(sourceDim): give wq, wk and wv separately")
        }
    }

    /// W^k or W^v: source width × g·d_k; against a memory, a mismatch names both shapes.
    private static func keyWeight(
        _ name: String, _ w: Matrix<Scalar>, layout: WeightLayout, memory: Matrix<Scalar>?,
        shapes s: AttentionShapes
    ) throws(AttentionError) -> Matrix<Scalar> {
        guard let memory else {
            return try weight(name, w, layout: layout, rows: s.modelDim, columns: s.kvDim, reason: keyReason(s))
        }
        let (rows, columns) = layout == .xw ? (w.rows, w.columns) : (w.columns, w.rows)
        guard rows == memory.columns, columns == s.kvDim else {
            let expected =
                layout == .xw
                ? "\(memory.columns)×\(s.kvDim)"
                : "\(s.kvDim)×\(memory.columns) (out × in, torch layout)"
            throw .shapesDisagree(
                name: name, actual: w.shape, other: "memory", otherShape: memory.shape,
                expected: expected)
        }
        return try weight(name, w, layout: layout, rows: memory.columns, columns: s.kvDim, reason: keyReason(s))
    }

    /// One weight checked against its expected xw shape (or its transpose in torch layout),
    /// returned in xw layout.
    private static func weight(
        _ name: String, _ w: Matrix<Scalar>, layout: WeightLayout,
        rows: Int, columns: Int?, reason: String
    ) throws(AttentionError) -> Matrix<Scalar> {
        let wantColumns = columns ?? (layout == .xw ? w.columns : w.rows)
        switch layout {
        case .xw:
            guard w.rows == rows, w.columns == wantColumns else {
                throw .shapeMismatch(name: name, actual: w.shape, reason: reason, expected: "\(rows)×\(wantColumns)")
            }
            try requireFinite(name, w)
            return w
        case .torch:
            guard w.rows == wantColumns, w.columns == rows else {
                throw .shapeMismatch(
                    name: name, actual: w.shape, reason: reason,
                    expected: "\(wantColumns)×\(rows) (out × in, torch layout)")
            }
            try requireFinite(name, w)
            return w.transposed
        }
    }

    /// b^q, b^k, b^v: separate, or split from a packed bias as the weights are.
    private static func biases(_ p: AttentionParameters<Scalar>, shapes s: AttentionShapes)
        throws(AttentionError) -> ([Scalar]?, [Scalar]?, [Scalar]?)
    {
        guard let packed = p.packedBias else {
            return (
                try bias("bq", p.bq, length: s.queryDim, of: "wq"),
                try bias("bk", p.bk, length: s.kvDim, of: "wk"),
                try bias("bv", p.bv, length: s.kvDim, of: "wv")
            )
        }
        guard p.bq == nil, p.bk == nil, p.bv == nil else {
            throw .projectionSource("give either bq, bk and bv or a packed qkv bias, not both")
        }
        let width = s.queryDim + 2 * s.kvDim
        // PyTorch's in_proj_bias beside in_proj, GPT-2's c_attn bias (qkv_bias) otherwise.
        let (name, weight) = p.inProjection != nil ? ("in_proj_bias", "in_proj") : ("qkv_bias", "[W^q | W^k | W^v]")
        guard let all = try bias(name, packed, length: width, of: weight) else {
            return (nil, nil, nil)
        }
        return (
            Array(all[0..<s.queryDim]), Array(all[s.queryDim..<(s.queryDim + s.kvDim)]),
            Array(all[(s.queryDim + s.kvDim)..<width])
        )
    }

    /// A bias as a vector of `length` values; 1 × c and c × 1 are both accepted.
    static func bias(_ name: String, _ b: Matrix<Scalar>?, length: Int, of weight: String)
        throws(AttentionError) -> [Scalar]?
    {
        guard let b else { return nil }
        guard b.elements.count == length, b.rows == 1 || b.columns == 1 else {
            throw .shapeMismatch(
                name: name, actual: b.shape, reason: "\(weight) has \(length) output columns",
                expected: "1×\(length)")
        }
        try requireFinite(name, b)
        return b.elements
    }

    /// Refuses NaN and ±∞, naming the first offending element.
    static func requireFinite(_ name: String, _ m: Matrix<Scalar>) throws(AttentionError) {
        if let bad = m.firstNonFinite {
            throw .nonFinite(name: name, row: bad.row, column: bad.column, value: Double(bad.value))
        }
    }
}
