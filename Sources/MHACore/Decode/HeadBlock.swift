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

    /// The CPU level the per-row kernel's exponential and maximum run at.
    var level: CPULevel = KernelContext.current.level

    /// Computes heads `heads` of every block row into their column blocks of the concat: a
    /// few rows one at a time straight from the cache (`attendRowByRow`), more by the tiled
    /// kernel head by head.
    func attend(heads: Range<Int>) {
        if blockRows <= Self.rowByRowLimit, attendRowByRow(heads: heads, level: level) { return }
        heads.forEach(attend(head:))
    }

    /// Head `j` of every block row by the tiled kernel.
    func attend(head j: Int) {
        let (d, kv, dv) = (
            shapes.headDim, shapes.kvHead(for: j) * shapes.headDim,
            shapes.kvHead(for: j) * shapes.valueDim
        )
        _ = Kernels.streamingAttention(
            queries: queries + j * d, queryStride: shapes.queryDim, queryCount: blockRows,
            firstPosition: cached - blockRows,
            keys: keys + kv, keyStride: shapes.kvDim, values: values + dv, valueStride: shapes.valueColumns,
            keyCount: cached, headDim: d, valueDim: shapes.valueDim, rule: scoreRule(head: j),
            output: output + j * shapes.valueDim, outputStride: shapes.concatDim)
    }

    /// Head `j`'s scale, soft-cap, ALiBi slope and causal window.
    func scoreRule(head j: Int) -> ScoreRule<Scalar> {
        ScoreRule(
            scale: Scalar(shapes.scale), softcap: softcap.map { Scalar($0) },
            slope: slopes.map { Scalar($0[j]) }, causal: true, window: window)
    }
}
