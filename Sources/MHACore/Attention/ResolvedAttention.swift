/// Validated operands of a forward pass, in the textbook's xw layout, ready for arithmetic.
struct ResolvedAttention<Scalar: AttentionScalar> {
    var shapes: AttentionShapes
    var wq, wk, wv, wo: Matrix<Scalar>
    var bq, bk, bv, bo: [Scalar]?
    /// n × n, row-major, false = blocked.
    var mask: [Bool]?
}

extension ResolvedAttention {
    /// Checks every dimension and value before any arithmetic, then brings the weights to the
    /// xw layout.
    /// - Throws: `AttentionError` naming the offending matrix and both shapes.
    init(input x: Matrix<Scalar>, parameters p: AttentionParameters<Scalar>,
         mask: Matrix<Scalar>?, configuration c: AttentionConfiguration) throws(AttentionError) {
        shapes = try Self.shapes(input: x, parameters: p, configuration: c)
        let s = shapes
        let needed = MemoryEstimate.bytes(.init(s), keep: c.intermediates, layout: p.layout,
                                          scalarBytes: MemoryLayout<Scalar>.stride)
        if let available = c.memoryLimit, needed > available {
            throw .insufficientMemory(needed: needed, available: available)
        }
        try Self.requireFinite("x", x)
        let (q, k, v) = try Self.projections(p, shapes: s)
        wq = q
        wk = k
        wv = v
        wo = try Self.weight("wo", p.wo, layout: p.layout, rows: s.concatDim, columns: s.outputDim,
                             reason: "the concat has \(s.concatDim) columns (τ·d_k = \(s.heads)·\(s.headDim))")
        bq = try Self.bias("bq", p.bq, length: s.modelDim, of: "wq")
        bk = try Self.bias("bk", p.bk, length: s.kvDim, of: "wk")
        bv = try Self.bias("bv", p.bv, length: s.kvDim, of: "wv")
        bo = try Self.bias("bo", p.bo, length: s.outputDim, of: "wo")
        self.mask = try mask.map { m throws(AttentionError) in try Self.maskBits(m, tokens: s.tokens) }
    }

    /// Head counts, d_k, the token and the scale, from H, W^o and the configuration.
    private static func shapes(input x: Matrix<Scalar>, parameters p: AttentionParameters<Scalar>,
                               configuration c: AttentionConfiguration) throws(AttentionError) -> AttentionShapes {
        guard x.rows > 0, x.columns > 0 else { throw .emptyInput(x.shape) }
        guard c.heads > 0 else { throw .nonPositive(name: "heads", value: c.heads) }
        let kvHeads = c.kvHeads ?? c.heads
        guard kvHeads > 0 else { throw .nonPositive(name: "kv_heads", value: kvHeads) }
        guard x.columns % c.heads == 0 else { throw .headsDoNotDivideModel(modelDim: x.columns, heads: c.heads) }
        guard c.heads % kvHeads == 0 else { throw .kvHeadsDoNotDivideHeads(heads: c.heads, kvHeads: kvHeads) }
        if let token = c.token, !(0..<x.rows).contains(token) {
            throw .tokenOutOfRange(token: token, tokens: x.rows)
        }
        let headDim = x.columns / c.heads
        let scale = c.scale ?? 1 / Double(headDim).squareRoot()
        guard scale.isFinite else { throw .invalidScale(scale) }
        let outputDim = p.layout == .xw ? p.wo.columns : p.wo.rows
        return AttentionShapes(tokens: x.rows, modelDim: x.columns, heads: c.heads, kvHeads: kvHeads,
                               headDim: headDim, outputDim: outputDim, token: c.token, scale: scale)
    }

    /// W^q, W^k, W^v in xw layout, from separate matrices or PyTorch's packed in_proj_weight.
    private static func projections(_ p: AttentionParameters<Scalar>, shapes s: AttentionShapes)
        throws(AttentionError) -> (Matrix<Scalar>, Matrix<Scalar>, Matrix<Scalar>) {
        let modelReason = "the input has d_model \(s.modelDim)"
        let kvReason = s.kvHeads == s.heads ? modelReason
            : "the input has d_model \(s.modelDim) and \(s.kvHeads) kv_heads of width \(s.headDim)"
        switch (p.wq, p.wk, p.wv, p.inProjection) {
        case let (wq?, wk?, wv?, nil):
            return (try weight("wq", wq, layout: p.layout, rows: s.modelDim, columns: s.modelDim, reason: modelReason),
                    try weight("wk", wk, layout: p.layout, rows: s.modelDim, columns: s.kvDim, reason: kvReason),
                    try weight("wv", wv, layout: p.layout, rows: s.modelDim, columns: s.kvDim, reason: kvReason))
        case let (nil, nil, nil, packed?):
            let rows = s.modelDim + 2 * s.kvDim
            guard packed.rows == rows, packed.columns == s.modelDim else {
                throw .shapeMismatch(name: "in_proj", actual: packed.shape, reason: kvReason,
                                     expected: "\(rows)×\(s.modelDim) ([W^q; W^k; W^v], each out × in)")
            }
            try requireFinite("in_proj", packed)
            return (packed.rowBlock(0..<s.modelDim).transposed,
                    packed.rowBlock(s.modelDim..<(s.modelDim + s.kvDim)).transposed,
                    packed.rowBlock((s.modelDim + s.kvDim)..<rows).transposed)
        case (nil, nil, nil, nil):
            throw .projectionSource("no Q/K/V weights: give wq, wk and wv, or in_proj")
        case (_, _, _, .some):
            throw .projectionSource("give either wq, wk and wv or in_proj, not both")
        default:
            let missing = [("wq", p.wq), ("wk", p.wk), ("wv", p.wv)].filter { $0.1 == nil }.map(\.0)
            throw .projectionSource("missing \(missing.joined(separator: ", ")): wq, wk and wv go together")
        }
    }

    /// One weight checked against its expected xw shape (or its transpose in torch layout),
    /// returned in xw layout.
    private static func weight(_ name: String, _ w: Matrix<Scalar>, layout: WeightLayout,
                               rows: Int, columns: Int?, reason: String) throws(AttentionError) -> Matrix<Scalar> {
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
                throw .shapeMismatch(name: name, actual: w.shape, reason: reason,
                                     expected: "\(wantColumns)×\(rows) (out × in, torch layout)")
            }
            try requireFinite(name, w)
            return w.transposed
        }
    }

    /// A bias as a vector of `length` values; 1 × c and c × 1 are both accepted.
    private static func bias(_ name: String, _ b: Matrix<Scalar>?, length: Int, of weight: String)
        throws(AttentionError) -> [Scalar]? {
        guard let b else { return nil }
        guard b.elements.count == length, b.rows == 1 || b.columns == 1 else {
            throw .shapeMismatch(name: name, actual: b.shape, reason: "\(weight) has \(length) output columns",
                                 expected: "1×\(length)")
        }
        try requireFinite(name, b)
        return b.elements
    }

    /// The user mask as bits: 1 = may attend, 0 = blocked; anything else is refused.
    private static func maskBits(_ m: Matrix<Scalar>, tokens: Int) throws(AttentionError) -> [Bool] {
        guard m.rows == tokens, m.columns == tokens else {
            throw .shapeMismatch(name: "mask", actual: m.shape, reason: "the input has \(tokens) tokens",
                                 expected: "\(tokens)×\(tokens)")
        }
        var bits = [Bool](repeating: false, count: m.elements.count)
        for (index, value) in m.elements.enumerated() {
            guard value == 0 || value == 1 else {
                throw .invalidMaskValue(row: index / tokens, column: index % tokens, value: Double(value))
            }
            bits[index] = value == 1
        }
        return bits
    }

    /// Refuses NaN and ±∞, naming the first offending element.
    static func requireFinite(_ name: String, _ m: Matrix<Scalar>) throws(AttentionError) {
        if let bad = m.firstNonFinite {
            throw .nonFinite(name: name, row: bad.row, column: bad.column, value: Double(bad.value))
        }
    }
}
