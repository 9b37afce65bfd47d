/// The row chunks in which the forward pass computes Q = H·W^q + b^q and attends with it.
///
/// Q is needed by the attention only, one query row at a time, and each head writes its
/// output straight into the concat. So when Q is large and not kept, the pass computes it in
/// chunks of rows, Q_c = H_c·W^q + b^q, and runs every head's attention of the chunk into the
/// concat's rows before the next chunk: the full Q never exists. At n = 65536, d_model 1024
/// (Double) that is 448 MiB less at the peak, which then holds K, V, the concat, one chunk of
/// Q and the packed K/V of the heads in flight. Each chunk packs its heads' K and V again
/// (only the keys its rows may see), which costs little beside the attention arithmetic.
enum QueryChunks {
    /// Most elements of Q in one chunk: 64 MiB of Double, 32 MiB of Float.
    static let maximumElements = 1 << 23

    /// Chunks are at least this many rows, however wide Q is.
    static let minimumRows = 1024

    /// Chunk heights are multiples of this (whole query tiles of the attention kernels).
    static let rowMultiple = 128

    /// A chunk height for the work run inside `QueryChunks.$heightOverride.withValue(h) { … }`
    /// (tests: chunk boundaries at small sizes).
    @TaskLocal static var heightOverride: Int?

    /// Rows per chunk for `rows` query rows of Q `width` wide: all of them while Q has at
    /// most `maximumElements`, else the fewest chunks that keep each to about that size,
    /// as equal as multiples of `rowMultiple` allow (or `heightOverride`, when bound).
    ///
    ///     QueryChunks.height(rows: 2048, width: 1024)    // 2048: one chunk
    ///     QueryChunks.height(rows: 65536, width: 1024)   // 8192: eight chunks
    static func height(rows: Int, width: Int) -> Int {
        if let forced = heightOverride { return Swift.min(Swift.max(rows, 0), Swift.max(forced, 1)) }
        let fit = Swift.max(minimumRows, maximumElements / Swift.max(width, 1))
        guard rows > fit else { return Swift.max(rows, 0) }
        let count = (rows + fit - 1) / fit
        let even = (rows + count - 1) / count
        return Swift.min(rows, (even + rowMultiple - 1) / rowMultiple * rowMultiple)
    }

    /// Whether a forward pass keeping `keep` may compute Q in chunks: not when Q itself is
    /// returned (`.qkv`) nor when per-head scores or weights are (they are built whole).
    static func allowed(keep: Intermediates) -> Bool {
        !keep.contains(.qkv) && !keep.contains(.scores) && !keep.contains(.weights)
    }

    /// `rows` cut into consecutive ranges of `height` (the last may be shorter).
    static func ranges(_ rows: Range<Int>, height: Int) -> [Range<Int>] {
        guard height > 0, !rows.isEmpty else { return [rows] }
        return stride(from: rows.lowerBound, to: rows.upperBound, by: height).map {
            $0..<Swift.min($0 + height, rows.upperBound)
        }
    }
}
