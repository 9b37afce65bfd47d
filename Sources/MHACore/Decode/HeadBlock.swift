/// The operands of one decode block for the attention kernel: the block's queries, the live
/// cache (whose last `blockRows` rows are the block's own keys and values) and the concat.
struct HeadBlock<Scalar: AttentionScalar> {
    /// Q of the block, b × τ·d_k.
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

    /// Head `j` for the whole block: causal over every cached key (block row r sits at cache
    /// index n − b + r and sees indices 0 … n − b + r).
    func attendCausal(head j: Int) {
        let (d, kv) = (shapes.headDim, shapes.kvHead(for: j) * shapes.headDim)
        _ = Kernels.streamingAttention(
            queries: queries + j * d, queryStride: shapes.concatDim, queryCount: blockRows,
            firstQuery: cached - blockRows,
            keys: keys + kv, keyStride: shapes.kvDim, values: values + kv, valueStride: shapes.kvDim,
            keyCount: cached, headDim: d, scale: Scalar(shapes.scale), causal: true,
            mask: nil, maskStride: 0, output: output + j * d, outputStride: shapes.concatDim)
    }

    /// Head `j` for block rows `rows` under a sliding window: only the keys `visible` spans,
    /// each row limited to its own window by `mask` (nil when every key is visible).
    func attendWindowed(head j: Int, rows: Range<Int>, visible: WindowMask, mask: UnsafePointer<Bool>?) {
        let (d, kv) = (shapes.headDim, shapes.kvHead(for: j) * shapes.headDim)
        let firstKey = visible.firstKey * shapes.kvDim + kv
        _ = Kernels.streamingAttention(
            queries: queries + rows.lowerBound * shapes.concatDim + j * d, queryStride: shapes.concatDim,
            queryCount: rows.count, firstQuery: 0,
            keys: keys + firstKey, keyStride: shapes.kvDim, values: values + firstKey, valueStride: shapes.kvDim,
            keyCount: visible.keyCount, headDim: d, scale: Scalar(shapes.scale), causal: false,
            mask: mask, maskStride: visible.keyCount,
            output: output + rows.lowerBound * shapes.concatDim + j * d, outputStride: shapes.concatDim)
    }
}

/// The keys a run of block rows may see under a sliding window of W, and the rows × keys
/// mask (true = may attend) that limits each row to its own W keys, causally.
struct WindowMask {
    /// Cache index of the first key any of the rows sees, and how many keys follow.
    let firstKey: Int
    let keyCount: Int
    /// Row-major rows × keyCount, or nil when every row sees every key.
    private let bits: [Bool]?

    /// The mask for block rows `rows` of a block of `block` rows whose last row is cache
    /// index `cached − 1`.
    init(rows: Range<Int>, block: Int, cached: Int, window: Int) {
        let firstIndex = cached - block + rows.lowerBound
        firstKey = Swift.max(0, firstIndex - window + 1)
        keyCount = firstIndex + rows.count - firstKey
        guard rows.count > 1 || keyCount > window else {
            bits = nil
            return
        }
        var bits = [Bool](repeating: false, count: rows.count * keyCount)
        for r in 0..<rows.count {
            let index = firstIndex + r
            let low = Swift.max(0, index - window + 1) - firstKey
            for t in low ... (index - firstKey) { bits[r * keyCount + t] = true }
        }
        self.bits = bits
    }

    /// Calls `body` with the mask's storage (nil when there is no mask).
    func withMask(_ body: (UnsafePointer<Bool>?) -> Void) {
        bits.withUnsafeBitsPointer(body)
    }
}
