/// The operands of one decode block for the attention kernel: the block's queries, the live
/// cache (whose last `blockRows` rows are the block's own keys and values) and the concat.
///
/// Positions are cache indices: block row r sits at n − b + r and, causally, sees indices
/// 0 … n − b + r (with a window W, only the last W of them). ALiBi depends only on the
/// distance between a query and a key, so the absolute position of cache row 0 cancels.
struct HeadBlock<Scalar: AttentionScalar> {
    /// Q of the block (after RoPE), b × τ·d_k.
    var queries: UnsafePointer<Scalar>
    /// The live cache rows, n × g·d_k each.
    var keys: UnsafePointer<Scalar>
    var values: UnsafePointer<Scalar>
    /// The concat, b × τ·d_k.
    var output: UnsafeMutablePointer<Scalar>
    var shapes: AttentionShapes
    /// b, the rows of the block, and n, the cached rows including them.
    var blockRows: Int
    var cached: Int
    /// The window, soft-cap and ALiBi slopes of the configuration.
    var window: Int?
    var softcap: Double?
    var slopes: [Double]?

    /// Computes head `j` of every block row into its column block of the concat.
    func attend(head j: Int) {
        let (d, kv, dv) = (shapes.headDim, shapes.kvHead(for: j) * shapes.headDim,
                           shapes.kvHead(for: j) * shapes.valueDim)
        let rule = ScoreRule(scale: Scalar(shapes.scale), softcap: softcap.map { Scalar($0) },
                             slope: slopes.map { Scalar($0[j]) }, causal: true, window: window)
        _ = Kernels.streamingAttention(
            queries: queries + j * d, queryStride: shapes.queryDim, queryCount: blockRows,
            firstPosition: cached - blockRows,
            keys: keys + kv, keyStride: shapes.kvDim, values: values + dv, valueStride: shapes.valueColumns,
            keyCount: cached, headDim: d, valueDim: shapes.valueDim, rule: rule,
            output: output + j * shapes.valueDim, outputStride: shapes.concatDim)
    }
}
