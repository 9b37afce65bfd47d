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

    /// RoPE dimensions even and within d_k, a positive finite base; window ≥ 1; soft-cap
    /// positive and finite; offset ≥ 0.
    static func validate(_ c: AttentionConfiguration, headDim: Int) throws(AttentionError) {
        if let rope = c.rope {
            let r = rope.rotatedDimensions(headDim: headDim)
            guard r > 0, r % 2 == 0, r <= headDim else {
                throw .invalidRotaryDimensions(dimensions: r, headDim: headDim)
            }
            guard rope.base.isFinite, rope.base > 0 else { throw .invalidRotaryBase(rope.base) }
        }
        if let window = c.window, window < 1 { throw .invalidWindow(window) }
        if let cap = c.softcap, !(cap.isFinite && cap > 0) { throw .invalidSoftcap(cap) }
        guard c.positionOffset >= 0 else { throw .negativePositionOffset(c.positionOffset) }
    }
}
