extension Kernels {
    /// head = softmax(logits)·V for one head, streamed: O(n·d + tile²) extra memory (packed K
    /// and V, one score tile), never the n_q × n_k scores.
    ///
    /// Query row r is at position `firstPosition + r` in key coordinates (key t at t); `rule`
    /// turns its raw products q_r·k_t into logits (scale, soft-cap, ALiBi, causal/window range,
    /// user mask). Q and K rows are `headDim` wide, V and output rows `valueDim`.
    /// - Returns: the query rows (0-based, of this call) that had nothing to attend to (their
    ///   output row is 0).
    ///
    /// Double and Float run the tiled, fused kernel (`tiledAttention`); other scalar types
    /// and empty dimensions run `rowByRowAttention`.
    static func streamingAttention<S: AttentionScalar>(
        queries: UnsafePointer<S>, queryStride: Int, queryCount: Int, firstPosition: Int,
        keys: UnsafePointer<S>, keyStride: Int,
        values: UnsafePointer<S>, valueStride: Int, keyCount: Int,
        headDim: Int, valueDim: Int, rule: ScoreRule<S>,
        output: UnsafeMutablePointer<S>, outputStride: Int, context: KernelContext = .current
    ) -> [Int] {
        let degenerate = queryCount == 0 || keyCount == 0 || headDim == 0 || valueDim == 0
        if !degenerate, S.self == Double.self, let rule = rule as? ScoreRule<Double> {
            return tiledAttention(
                context, queries: queries.rebound(to: Double.self), queryStride: queryStride,
                queryCount: queryCount, firstPosition: firstPosition,
                keys: keys.rebound(to: Double.self), keyStride: keyStride,
                values: values.rebound(to: Double.self), valueStride: valueStride,
                keyCount: keyCount, headDim: headDim, valueDim: valueDim, rule: rule,
                output: output.rebound(to: Double.self), outputStride: outputStride)
        }
        if !degenerate, S.self == Float.self, let rule = rule as? ScoreRule<Float> {
            return tiledAttention(
                context, queries: queries.rebound(to: Float.self), queryStride: queryStride,
                queryCount: queryCount, firstPosition: firstPosition,
                keys: keys.rebound(to: Float.self), keyStride: keyStride,
                values: values.rebound(to: Float.self), valueStride: valueStride,
                keyCount: keyCount, headDim: headDim, valueDim: valueDim, rule: rule,
                output: output.rebound(to: Float.self), outputStride: outputStride)
        }
        return rowByRowAttention(
            queries: queries, queryStride: queryStride, queryCount: queryCount,
            firstPosition: firstPosition, keys: keys, keyStride: keyStride, values: values,
            valueStride: valueStride, keyCount: keyCount, headDim: headDim, valueDim: valueDim,
            rule: rule, output: output, outputStride: outputStride)
    }
}
