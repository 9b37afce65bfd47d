/// Validation of the configuration's score rules and head counts, shared by the projected
/// forward pass and `attend`.
enum AttentionRules {
    /// τ and g, both positive, g dividing τ.
    static func headCounts(_ c: AttentionConfiguration) throws(AttentionError) -> (Int, Int) {
        guard c.heads > 0 else { throw .nonPositive(name: "heads", value: c.heads) }
        let kvHeads = c.kvHeads ?? c.heads
        guard kvHeads > 0 else { throw .nonPositive(name: "kv_heads", value: kvHeads) }
        guard c.heads % kvHeads == 0 else { throw .kvHeadsDoNotDivideHeads(heads: c.heads, kvHeads: kvHeads) }
        return (c.heads, kvHeads)
    }

    /// count·each, the width of `count` heads `each` wide.
    /// - Throws: `AttentionError.sizeOverflow` when it does not fit in `Int`.
    static func width(_ count: Int, _ each: Int) throws(AttentionError) -> Int {
        guard let width = CheckedArithmetic.product(count, each) else { throw .sizeOverflow("\(count) × \(each)") }
        return width
    }

    /// Throws unless τ·d_k, g·d_k, τ·d_v, g·d_v and the packed width τ·d_k + 2·g·d_k fit in
    /// `Int`, the widths every later shape check and allocation multiplies out.
    static func checkWidths(heads: Int, kvHeads: Int, headDim: Int, valueDim: Int) throws(AttentionError) {
        let query = try width(heads, headDim), key = try width(kvHeads, headDim)
        _ = try width(heads, valueDim)
        _ = try width(kvHeads, valueDim)
        guard CheckedArithmetic.sum([query, key, key]) != nil else {
            throw .sizeOverflow("the sum \(query) + \(key) + \(key)")
        }
    }

    /// The largest sequence position: 2⁵³, up to which float64 holds every integer exactly
    /// (RoPE turns by position × frequency), far from `Int`'s overflow.
    public static let maximumPosition = 1 << 53

    /// Throws unless positions `first ..< first + count` stay within `maximumPosition`.
    static func checkPositions(first: Int, count: Int) throws(AttentionError) {
        guard first <= maximumPosition, count <= maximumPosition - first + 1 else {
            throw .positionOutOfRange(first: first, count: count, limit: maximumPosition)
        }
    }

    /// RoPE dimensions even and within d_k, a positive finite base, a well-defined scaling, and
    /// with RoPE no query before position 0 (n_q ≤ offset + n_k); window 1 … 2⁵³; soft-cap
    /// positive, it and its reciprocal finite in `Scalar`; offset ≥ 0 and the last key's
    /// position (offset + n_k − 1) at most `maximumPosition`.
    static func validate<Scalar: AttentionScalar>(
        _ c: AttentionConfiguration, headDim: Int, queryCount: Int, keyCount: Int, precision _: Scalar.Type
    ) throws(AttentionError) {
        if let rope = c.rope {
            try rope.checkDimensions(headDim: headDim)
            guard rope.base.isFinite, rope.base > 0 else { throw .invalidRotaryBase(rope.base) }
            if let scaling = rope.scaling {
                if let problem = scaling.invalidity { throw .invalidRotaryScaling(scaling.name, problem) }
                if case .yarn = scaling, rope.base == 1 {
                    throw .invalidRotaryScaling(scaling.name, "its ramp needs a RoPE base other than 1")
                }
            }
        }
        if let norm = c.qkNorm {
            try norm.validate(heads: c.heads, kvHeads: c.kvHeads ?? c.heads, headDim: headDim)
        }
        if let window = c.window, window < 1 || window > maximumPosition { throw .invalidWindow(window) }
        if let cap = c.softcap {
            guard cap.isFinite, cap > 0 else { throw .invalidSoftcap(cap) }
            // C·tanh(s/C) needs C and 1/C as numbers of the working precision (1e39 is +∞ in
            // float32, 1e-50 is 0, 1e-310's reciprocal is +∞ in float64).
            let working = Scalar(cap)
            guard working.isFinite, working > 0, (1 / working).isFinite else {
                throw .softcapOutOfRange(cap, precision: Scalar.precisionName)
            }
        }
        guard c.positionOffset >= 0 else { throw .negativePositionOffset(c.positionOffset) }
        try checkPositions(first: c.positionOffset, count: keyCount)
        if c.rope != nil, queryCount > keyCount + c.positionOffset {
            throw .negativeQueryPosition(
                position: c.positionOffset + keyCount - queryCount, queries: queryCount, keys: keyCount)
        }
    }
}
