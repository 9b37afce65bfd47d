extension Kernels {
    /// head = softmax(Q·Kᵀ·scale + mask)·V for one head, streamed: O(n·d + tile²) extra
    /// memory (packed K and V, one score tile), never the n × n scores.
    ///
    /// Query row r is at sequence position `firstQuery + r`; with `causal` it sees keys
    /// 0...position. `mask` (optional) is a row-major Bool matrix indexed
    /// `[position * maskStride + key]`: false = blocked.
    /// - Returns: the positions of query rows that had nothing to attend to (their output row is 0).
    ///
    /// Double and Float run the tiled, fused kernel (`tiledAttention`); other scalar types
    /// and empty dimensions run `rowByRowAttention`.
    static func streamingAttention<S: AttentionScalar>(
        queries: UnsafePointer<S>, queryStride: Int, queryCount: Int, firstQuery: Int,
        keys: UnsafePointer<S>, keyStride: Int,
        values: UnsafePointer<S>, valueStride: Int, keyCount: Int,
        headDim: Int, scale: S, causal: Bool,
        mask: UnsafePointer<Bool>?, maskStride: Int,
        output: UnsafeMutablePointer<S>, outputStride: Int, context: KernelContext = .standard
    ) -> [Int] {
        let degenerate = queryCount == 0 || keyCount == 0 || headDim == 0
        if !degenerate, S.self == Double.self, let scale = scale as? Double {
            return tiledAttention(
                context, queries: queries.rebound(to: Double.self), queryStride: queryStride,
                queryCount: queryCount, firstQuery: firstQuery,
                keys: keys.rebound(to: Double.self), keyStride: keyStride,
                values: values.rebound(to: Double.self), valueStride: valueStride,
                keyCount: keyCount, headDim: headDim, scale: scale, causal: causal,
                mask: mask, maskStride: maskStride,
                output: output.rebound(to: Double.self), outputStride: outputStride)
        }
        if !degenerate, S.self == Float.self, let scale = scale as? Float {
            return tiledAttention(
                context, queries: queries.rebound(to: Float.self), queryStride: queryStride,
                queryCount: queryCount, firstQuery: firstQuery,
                keys: keys.rebound(to: Float.self), keyStride: keyStride,
                values: values.rebound(to: Float.self), valueStride: valueStride,
                keyCount: keyCount, headDim: headDim, scale: scale, causal: causal,
                mask: mask, maskStride: maskStride,
                output: output.rebound(to: Float.self), outputStride: outputStride)
        }
        return rowByRowAttention(
            queries: queries, queryStride: queryStride, queryCount: queryCount,
            firstQuery: firstQuery, keys: keys, keyStride: keyStride, values: values,
            valueStride: valueStride, keyCount: keyCount, headDim: headDim, scale: scale,
            causal: causal, mask: mask, maskStride: maskStride, output: output,
            outputStride: outputStride)
    }
}
